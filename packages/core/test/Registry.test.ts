import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { describe, expect, it } from "@effect/vitest"
import { PromiseApi, ProviderRegistry, SimulationProvider, TestProvider } from "@simbridge/core"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import type * as Layer from "effect/Layer"
import { encodedPlan } from "./fixtures.js"

const layers = new Map<string, Layer.Layer<SimulationProvider.SimulationProvider>>()
const plugin = (name: string): ProviderRegistry.ProviderPlugin => {
  const layer = TestProvider.layer({ name, callDuration: "20 millis", queueDelay: "5 millis" }) as Layer.Layer<SimulationProvider.SimulationProvider>
  layers.set(name, layer)
  return { name, displayName: name, capabilities: TestProvider.defaultCapabilities, layerConfig: layer, layer: () => layer, env: [] }
}
const plugins = [plugin("alpha"), plugin("beta")]

const selected = (env: Record<string, string>) =>
  Effect.map(SimulationProvider.SimulationProvider, (p) => p.name).pipe(
    Effect.provide(ProviderRegistry.layerFromConfig(plugins)),
    Effect.provide(FetchHttpClient.layer),
    Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))
  )

describe("provider selection", () => {
  it.effect("layerFromConfig picks the provider named by SIMBRIDGE_PROVIDER", () =>
    Effect.gen(function*() {
      expect(yield* selected({ SIMBRIDGE_PROVIDER: "beta" })).toBe("beta")
      expect(yield* selected({ SIMBRIDGE_PROVIDER: "alpha" })).toBe("alpha")
      const unknown = yield* Effect.flip(selected({ SIMBRIDGE_PROVIDER: "gamma" }))
      expect(unknown.message).toBe('unknown provider "gamma"; known providers: alpha, beta')
      const missing = yield* Effect.flip(selected({}))
      expect(String(missing)).toContain("SIMBRIDGE_PROVIDER")
    }))

  it.scoped("the registry builds providers by name", () =>
    Effect.gen(function*() {
      const registry = ProviderRegistry.make(plugins)
      const provider = yield* registry.build("alpha")
      expect(provider.name).toBe("alpha")
      expect((yield* Effect.flip(registry.build("zeta")))._tag).toBe("UnknownProvider")
    }).pipe(Effect.provide(FetchHttpClient.layer)))
})

describe("lazyLayers", () => {
  it.scoped("loads the provider module when a layer is built, not before, and builds from it", () =>
    Effect.gen(function*() {
      const loads: Array<string> = []
      const lazy: ProviderRegistry.ProviderPlugin = {
        name: "lazy",
        displayName: "lazy",
        capabilities: TestProvider.defaultCapabilities,
        env: [],
        ...ProviderRegistry.lazyLayers(async () => {
          loads.push("module")
          return { layer: (settings) => layers.get(settings.baseUrl)!, layerConfig: layers.get("beta")! }
        })
      }
      const registry = ProviderRegistry.make([lazy])
      expect(loads).toEqual([])
      expect((yield* registry.build("lazy", { baseUrl: "alpha", apiKey: Redacted.make("k") })).name).toBe("alpha")
      expect(loads).toEqual(["module"])
      expect((yield* registry.build("lazy")).name).toBe("beta")
      expect(loads).toEqual(["module", "module"])
    }).pipe(Effect.provide(FetchHttpClient.layer)))
})

describe("PromiseApi", () => {
  it("starts, waits for and reads a run without Effect, and rejects with the ProviderError", async () => {
    const client = PromiseApi.makeClient(layers.get("alpha")!)
    try {
      const run = await client.startRun(encodedPlan)
      const done = await client.waitForRun(run.ref.toString(), { interval: "10 millis" })
      expect(done.status.unified).toBe("completed")
      const results = await client.results(done.ref)
      expect(results).toHaveLength(4)
      await expect(client.getRun("alpha:run:nope")).rejects.toMatchObject({ _tag: "ProviderError", reason: "NotFound" })
      await expect(client.getRun("not a ref")).rejects.toMatchObject({ reason: "InvalidRequest" })
    } finally {
      await client.dispose()
    }
  })

  it("runSuite runs a plan on several providers and reports the comparison", async () => {
    const events: Array<string> = []
    const report = await PromiseApi.runSuite(encodedPlan, [...layers.values()], {
      watch: { interval: "10 millis" },
      onEvent: (e) => events.push(e._tag)
    })
    expect(report.runs.map((r) => r.provider)).toEqual(["alpha", "beta"])
    expect(report.comparison).toHaveLength(4)
    expect(events[events.length - 1]).toBe("Completed")
    await expect(PromiseApi.runSuite({ ...encodedPlan, personas: [] } as never, [])).rejects.toMatchObject({ reason: "InvalidRequest" })
  })
})
