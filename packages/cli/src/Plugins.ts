/**
 * The providers and emulators this CLI knows. Vendor packages export a `ProviderPlugin` and an
 * `EmulatorPlugin`; the TestProvider is always there (`--provider test`).
 *
 * @since 0.1.0
 */
import { ProviderRegistry, SimulationProvider, TestProvider } from "@simbridge/core"
import type { Emulator } from "@simbridge/emulator"
import { InteractlyEmulator, InteractlyProvider } from "@simbridge/interactly"
import { VapiEmulator, VapiProvider } from "@simbridge/vapi"
import * as Layer from "effect/Layer"

const testLayer = TestProvider.layer({ callDuration: "1500 millis", queueDelay: "300 millis", seed: 1 }).pipe(
  Layer.map((ctx) => ctx)
) as Layer.Layer<SimulationProvider.SimulationProvider>

/** The in-memory TestProvider: emulated by nature, configured by nothing. */
export const testPlugin: ProviderRegistry.ProviderPlugin = {
  name: "test",
  displayName: "TestProvider (in-memory)",
  capabilities: TestProvider.defaultCapabilities,
  layerConfig: testLayer,
  layer: () => testLayer,
  env: []
}

export const providers: ReadonlyArray<ProviderRegistry.ProviderPlugin> = [
  testPlugin,
  VapiProvider.plugin,
  InteractlyProvider.plugin
]

export const emulators: ReadonlyArray<Emulator.EmulatorPlugin> = [
  VapiEmulator.plugin,
  InteractlyEmulator.plugin
]

/** Vendors with an emulator, in the order the demo runs them. */
export const vendorNames = (): ReadonlyArray<string> => emulators.map((e) => e.vendor)
