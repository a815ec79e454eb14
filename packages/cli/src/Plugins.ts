/**
 * The providers and emulators this CLI knows. Vendor packages export a `ProviderPlugin`;
 * `@simbridge/emulators` keeps an `EmulatorPlugin` per vendor. Both are loaded on first use
 * (dynamic imports), so `simbridge --help` and `simbridge validate` load no driver and no
 * emulator. The TestProvider is always there (`--provider test`).
 *
 * @since 0.1.0
 */
import { ProviderRegistry, SimulationProvider, TestProvider } from "@simbridge/core"
import type { Emulator } from "@simbridge/emulator"
import * as EmulatorRegistry from "@simbridge/emulators/EmulatorRegistry"
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"

const testLayer = TestProvider.layer({ callDuration: "1500 millis", queueDelay: "300 millis", seed: 1 }) as Layer.Layer<SimulationProvider.SimulationProvider>

/** The in-memory TestProvider: emulated by nature, configured by nothing. */
export const testPlugin: ProviderRegistry.ProviderPlugin = {
  name: "test",
  displayName: "TestProvider (in-memory)",
  capabilities: TestProvider.defaultCapabilities,
  layerConfig: testLayer,
  layer: () => testLayer,
  env: []
}

const providerLoaders: Record<string, () => Promise<ProviderRegistry.ProviderPlugin>> = {
  vapi: () => import("@simbridge/vapi/VapiSuite").then((m) => m.plugin),
  roark: () => import("@simbridge/roark/RoarkSuite").then((m) => m.plugin),
  cekura: () => import("@simbridge/cekura/CekuraSuite").then((m) => m.plugin),
  interactly: () => import("@simbridge/interactly/InteractlySuite").then((m) => m.plugin)
}

/** Every provider name, the TestProvider first. */
export const providerNames: ReadonlyArray<string> = ["test", ...Object.keys(providerLoaders)]

/** The vendors that have an emulator, in the order the demo runs them. */
export const emulatorVendors: ReadonlyArray<string> = EmulatorRegistry.vendors

/** Loads the named providers (all when `names` is omitted). */
export const loadProviders = (names: ReadonlyArray<string> = providerNames): Effect.Effect<ReadonlyArray<ProviderRegistry.ProviderPlugin>> =>
  Effect.promise(() =>
    Promise.all(names.filter((n) => n === "test" || n in providerLoaders).map((n) => (n === "test" ? Promise.resolve(testPlugin) : providerLoaders[n]!())))
  )

/** Loads one vendor's emulator, if it has one. */
export const loadEmulator = (vendor: string): Effect.Effect<Emulator.EmulatorPlugin | undefined> =>
  Effect.promise(() => EmulatorRegistry.load(vendor))
