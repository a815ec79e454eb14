import { describe, expect, it } from "@effect/vitest"
import * as EmulatorRegistry from "@simbridge/emulators/EmulatorRegistry"
import * as Effect from "effect/Effect"

describe("EmulatorRegistry", () => {
  it("names the four vendors, in the order the demo runs them", () => {
    expect(EmulatorRegistry.vendors).toEqual(["vapi", "roark", "cekura", "interactly"])
  })

  it("loads each vendor's emulator under its own name, and none for another name", async () => {
    for (const vendor of EmulatorRegistry.vendors) {
      expect((await EmulatorRegistry.load(vendor))?.vendor).toBe(vendor)
    }
    expect(await EmulatorRegistry.load("test")).toBeUndefined()
    expect(await EmulatorRegistry.load("toString")).toBeUndefined()
  })

  it.scoped("a loaded emulator serves on 127.0.0.1", () =>
    Effect.gen(function*() {
      const plugin = yield* Effect.promise(() => EmulatorRegistry.load("vapi"))
      const handle = yield* plugin!.start({ speed: 200, seed: 1 })
      expect(handle.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+/)
    }))
})
