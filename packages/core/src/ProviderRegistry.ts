/**
 * Provider selection. Each provider package exports a {@link ProviderPlugin}; a registry holds the
 * plugins an application knows, builds the provider layers it is asked for, and `layerFromConfig`
 * picks one by `SIMBRIDGE_PROVIDER`, so a program that needs `SimulationProvider` swaps vendors
 * without code changes.
 *
 * @since 0.1.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import type * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import type { Capabilities } from "./Capabilities.js"
import type { Plan } from "./Plan.js"
import type * as Retry from "./Retry.js"
import * as SimulationProviderModule from "./SimulationProvider.js"
import { SimulationProvider } from "./SimulationProvider.js"
import type { Warning } from "./Warning.js"

/** Where a provider is reached, when not taken from the environment (emulators, embedders). */
export interface Settings {
  readonly baseUrl: string
  readonly apiKey: Redacted.Redacted<string>
}

export interface ProviderPlugin {
  readonly name: string
  readonly displayName: string
  readonly capabilities: Capabilities
  /** The provider configured from the environment (`VAPI_API_KEY`, `VAPI_BASE_URL`, ...). */
  readonly layerConfig: Layer.Layer<SimulationProvider, ConfigError.ConfigError, HttpClient.HttpClient>
  /** The provider configured explicitly. */
  readonly layer: (settings: Settings) => Layer.Layer<SimulationProvider, never, HttpClient.HttpClient>
  /** The schema of the suite's `target.<name>` entry. */
  readonly targetSchema?: Schema.Schema<any, any, never> | undefined
  /** The schema of the suite's `vendors.<name>` options. */
  readonly optionsSchema?: Schema.Schema<any, any, never> | undefined
  /** The environment variables the provider reads, for `simbridge providers` and error messages. */
  readonly env: ReadonlyArray<string>
  /**
   * The provider's own warnings for a plan that can be known without contacting the vendor
   * (`simbridge validate` shows them with the capability gaps). Warnings that depend on the
   * vendor's data (a catalogue, existing resources) come with the run.
   */
  readonly check?: ((plan: Plan) => ReadonlyArray<Warning>) | undefined
}

/** What a plugin's layers are made from: a provider module's `layer` and `layerConfig`. */
export interface ProviderLayers {
  readonly layer: (settings: Settings) => Layer.Layer<SimulationProvider, never, HttpClient.HttpClient>
  readonly layerConfig: Layer.Layer<SimulationProvider, ConfigError.ConfigError, HttpClient.HttpClient>
}

/** A vendor package's explicit settings: where the vendor is reached, and how the provider retries and polls. */
export interface VendorSettings extends Settings {
  readonly retry?: Retry.RetryPolicy | undefined
  readonly watch?: SimulationProviderModule.WatchOptions | undefined
}

/** What a vendor package builds its layers from. */
export interface VendorLayersSpec<S extends VendorSettings, Client> {
  /** The driver, over the vendor's client service. */
  readonly driver: (settings: S) => Effect.Effect<SimulationProviderModule.Driver, never, Client>
  /** The vendor's client service for these settings. */
  readonly client: (settings: S) => Layer.Layer<Client, never, HttpClient.HttpClient>
  /** The settings read from the environment (`<VENDOR>_API_KEY`, `<VENDOR>_BASE_URL`, ...). */
  readonly config: Config.Config<S>
}

/**
 * A vendor package's `layer` and `layerConfig`: `SimulationProvider` from its driver, and the
 * client service beside it (for callers that also use the vendor's API directly). Every vendor
 * package builds its layers here, so they all take settings and the environment the same way.
 */
export const vendorLayers = <S extends VendorSettings, Client>(spec: VendorLayersSpec<S, Client>): {
  readonly layer: (settings: S) => Layer.Layer<SimulationProvider | Client, never, HttpClient.HttpClient>
  readonly layerConfig: Layer.Layer<SimulationProvider | Client, ConfigError.ConfigError, HttpClient.HttpClient>
} => {
  const layer = (settings: S) =>
    SimulationProviderModule.layer(spec.driver(settings), { retry: settings.retry, watch: settings.watch }).pipe(
      Layer.provideMerge(spec.client(settings))
    )
  return { layer, layerConfig: Layer.unwrapEffect(Effect.map(spec.config, layer)) }
}

/**
 * A plugin's `layer` and `layerConfig` taken from a module that is loaded when one of them is
 * built: `lazyLayers(() => import("./VapiProvider.js"))`. The vendor packages' registry entries
 * (`VapiSuite`, ...) use it, so loading a plugin to read its schemas, capabilities and checks
 * (`simbridge validate`) does not load the driver, the client and the wire schemas.
 */
export const lazyLayers = (load: () => Promise<ProviderLayers>): Pick<ProviderPlugin, "layer" | "layerConfig"> => {
  const loaded = Effect.promise(load)
  return {
    layer: (settings) => Layer.unwrapEffect(Effect.map(loaded, (m) => m.layer(settings))),
    layerConfig: Layer.unwrapEffect(Effect.map(loaded, (m) => m.layerConfig))
  }
}

export class UnknownProvider extends Data.TaggedError("UnknownProvider")<{
  readonly name: string
  readonly known: ReadonlyArray<string>
}> {
  override get message(): string {
    return `unknown provider "${this.name}"; known providers: ${this.known.join(", ")}`
  }
}

export interface Registry {
  readonly plugins: ReadonlyArray<ProviderPlugin>
  readonly get: (name: string) => Effect.Effect<ProviderPlugin, UnknownProvider>
  /** Builds one provider, from explicit settings or from the environment. */
  readonly build: (
    name: string,
    settings?: Settings
  ) => Effect.Effect<SimulationProvider["Type"], UnknownProvider | ConfigError.ConfigError, HttpClient.HttpClient | Scope.Scope>
}

export class ProviderRegistry extends Context.Tag("@simbridge/core/ProviderRegistry")<ProviderRegistry, Registry>() {}

export const make = (plugins: ReadonlyArray<ProviderPlugin>): Registry => {
  const get = (name: string): Effect.Effect<ProviderPlugin, UnknownProvider> => {
    const plugin = plugins.find((p) => p.name === name)
    return plugin === undefined
      ? Effect.fail(new UnknownProvider({ name, known: plugins.map((p) => p.name) }))
      : Effect.succeed(plugin)
  }
  return {
    plugins,
    get,
    build: (name, settings) =>
      get(name).pipe(
        Effect.flatMap((plugin) => Layer.build(settings === undefined ? plugin.layerConfig : plugin.layer(settings))),
        Effect.map((context) => Context.get(context, SimulationProvider))
      )
  }
}

export const layer = (plugins: ReadonlyArray<ProviderPlugin>): Layer.Layer<ProviderRegistry> =>
  Layer.succeed(ProviderRegistry, make(plugins))

/** `SimulationProvider` for the provider named by `SIMBRIDGE_PROVIDER` (or `config`). */
export const layerFromConfig = (
  plugins: ReadonlyArray<ProviderPlugin>,
  config: Config.Config<string> = Config.string("SIMBRIDGE_PROVIDER")
): Layer.Layer<SimulationProvider, ConfigError.ConfigError | UnknownProvider, HttpClient.HttpClient> =>
  Layer.unwrapEffect(
    Effect.flatMap(config, (name) => Effect.map(make(plugins).get(name), (plugin) => plugin.layerConfig))
  )
