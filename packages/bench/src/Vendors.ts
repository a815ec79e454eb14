/**
 * The vendors the harness measures: each one's provider (`Providers`) and emulator plugin, and an
 * in-process emulator with a provider pointed at it.
 *
 * @since 0.1.0
 */
import { type Plan, type Run, type SimulationProvider, Status } from "@simbridge/core"
import type { Emulator } from "@simbridge/emulator"
import { CekuraEmulator, InteractlyEmulator, RoarkEmulator, VapiEmulator } from "@simbridge/emulators"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Providers from "./Providers.js"

export { planFor, providerFactory, providerOn, type Recorded, Recorder, run, type Shape, shapeFor } from "./Providers.js"

export interface Vendor extends Providers.Entry {
  readonly emulator: Emulator.EmulatorPlugin
}

const emulators: Record<string, Emulator.EmulatorPlugin> = {
  vapi: VapiEmulator.plugin,
  interactly: InteractlyEmulator.plugin,
  roark: RoarkEmulator.plugin,
  cekura: CekuraEmulator.plugin
}

/** Every vendor with a provider and an emulator, Vapi first. */
export const all: ReadonlyArray<Vendor> = Providers.all.map((entry) => ({ ...entry, emulator: emulators[entry.name]! }))

export const byName = (name: string): Vendor => {
  const v = all.find((x) => x.name === name)
  if (v === undefined) throw new Error(`unknown vendor ${name}`)
  return v
}

/** An emulator in this process and a provider pointed at it. */
export interface Live {
  readonly vendor: Vendor
  readonly handle: Emulator.Handle
  readonly provider: SimulationProvider.Service
  readonly recorder: Providers.Recorder
  readonly close: () => Promise<void>
}

/** Starts the vendor's emulator and a provider on it. */
export const start = async (vendor: Vendor, options: { readonly speed: number; readonly seed?: number }): Promise<Live> => {
  const scope = await Effect.runPromise(Scope.make())
  const handle = await Effect.runPromise(Scope.extend(vendor.emulator.start({ speed: options.speed, seed: options.seed ?? 1 }), scope))
  const recorder = new Providers.Recorder()
  const { dispose, provider } = await Providers.providerOn(vendor, handle.url, { recorder })
  return {
    vendor,
    handle,
    provider,
    recorder,
    close: async () => {
      await dispose()
      await Effect.runPromise(Scope.close(scope, Exit.void))
    }
  }
}

/** Starts a run of `plan` and waits (polling fast) until it is terminal. */
export const finishedRun = async (live: Live, plan: Plan.Plan): Promise<Run.Run> => {
  const started = await Providers.run(live.provider.startRun(plan))
  let last: Run.Run = started
  await Providers.run(Stream.runForEach(live.provider.watch(started.ref, { interval: "5 millis", maxInterval: "20 millis" }), (r) =>
    Effect.sync(() => {
      last = r
    })))
  if (!Status.isTerminal(last.status)) throw new Error(`${live.vendor.name}: run ${started.ref.toString()} did not finish`)
  return last
}
