/**
 * The emulators by vendor name, each loaded on first use (a dynamic import), so a command that
 * starts no emulator (`simbridge validate`, `--help`) loads no server code.
 *
 * @since 0.1.0
 */
import type { Emulator } from "@simbridge/emulator"

const loaders: Record<string, () => Promise<Emulator.EmulatorPlugin>> = {
  vapi: () => import("./VapiEmulator.js").then((m) => m.plugin),
  roark: () => import("./RoarkEmulator.js").then((m) => m.plugin),
  cekura: () => import("./CekuraEmulator.js").then((m) => m.plugin),
  interactly: () => import("./InteractlyEmulator.js").then((m) => m.plugin)
}

/** The vendors that have an emulator, in the order the demo runs them. */
export const vendors: ReadonlyArray<string> = Object.keys(loaders)

/** Loads one vendor's emulator; `undefined` when the vendor has none. */
export const load = (vendor: string): Promise<Emulator.EmulatorPlugin | undefined> =>
  Object.hasOwn(loaders, vendor) ? loaders[vendor]!() : Promise.resolve(undefined)
