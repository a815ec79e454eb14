/**
 * What every vendor's registry entry (`<Vendor>Plugin.plugin`) must do, checked against the
 * vendor's emulator: a registry builds a working provider from explicit settings and from the
 * environment (`layerConfig`), and with a wrong key the provider's first request fails with
 * `Unauthorized`. The plugin's layers load the driver when they are built, so this is also the
 * check that that loading works.
 *
 * ```ts
 * const handle = yield* VapiEmulator.start({ apiKey: "sk-env" })
 * yield* RegistryEntry.check({ plugin: VapiSuite.plugin, baseUrl: handle.url, apiKey: "sk-env", plan,
 *   env: (baseUrl, apiKey) => ({ VAPI_API_KEY: apiKey, VAPI_BASE_URL: baseUrl }) })
 * ```
 *
 * @since 0.2.0
 */
import { expect } from "@effect/vitest"
import type * as HttpClient from "@effect/platform/HttpClient"
import { type Plan, ProviderRegistry } from "@simbridge/core"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"

export interface Options {
  readonly plugin: ProviderRegistry.ProviderPlugin
  /** The emulator's base URL. */
  readonly baseUrl: string
  /** The only key the emulator accepts. */
  readonly apiKey: string
  /** The environment `layerConfig` reads for this URL and key. */
  readonly env: (baseUrl: string, apiKey: string) => Record<string, string>
  /** A plan the vendor can provision (the first provision creates objects, the second none). */
  readonly plan: Plan.Plan
}

/** Builds the plugin's provider three ways (explicit settings, environment, wrong key) and checks each. */
export const check = (options: Options): Effect.Effect<void, unknown, HttpClient.HttpClient | Scope.Scope> =>
  Effect.gen(function*() {
    const { apiKey, baseUrl, plan, plugin } = options
    const registry = ProviderRegistry.make([plugin])
    const fromEnv = (key: string) =>
      registry.build(plugin.name).pipe(
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(options.env(baseUrl, key)))))
      )
    const explicit = yield* registry.build(plugin.name, { baseUrl, apiKey: Redacted.make(apiKey) })
    expect((yield* explicit.provision(plan)).created).toBeGreaterThan(0)
    expect((yield* (yield* fromEnv(apiKey)).provision(plan)).created).toBe(0)
    const refused = yield* Effect.flip((yield* fromEnv(`${apiKey}-wrong`)).provision(plan))
    expect(refused.reason).toBe("Unauthorized")
  })
