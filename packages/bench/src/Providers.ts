/**
 * The vendors' providers as the harness uses them, without their emulators (so a process that only
 * tracks runs, section 4's, loads no emulator code): each one's provider plugin, suite plans of a
 * chosen size, a provider pointed at a URL (over undici, as the CLI does) and request recording.
 *
 * @since 0.2.0
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as CekuraSuite from "@simbridge/cekura/CekuraSuite"
import { Plan, ProviderHttp, type ProviderRegistry, SimulationProvider } from "@simbridge/core"
import * as InteractlySuite from "@simbridge/interactly/InteractlySuite"
import * as RoarkSuite from "@simbridge/roark/RoarkSuite"
import * as VapiSuite from "@simbridge/vapi/VapiSuite"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"

export interface Entry {
  readonly name: string
  readonly provider: ProviderRegistry.ProviderPlugin
}

/** Every vendor's provider, Vapi first (the order of `Vendors.all`). */
export const all: ReadonlyArray<Entry> = [
  { name: "vapi", provider: VapiSuite.plugin },
  { name: "interactly", provider: InteractlySuite.plugin },
  { name: "roark", provider: RoarkSuite.plugin },
  { name: "cekura", provider: CekuraSuite.plugin }
]

export const byName = (name: string): Entry => {
  const v = all.find((x) => x.name === name)
  if (v === undefined) throw new Error(`unknown vendor ${name}`)
  return v
}

/** Targets of the example suite (examples/dental-clinic.yaml). */
const targets = {
  vapi: { assistantId: "7b0c2a9e-1d2f-4c1a-9e55-0a4f3f6b8d21" },
  roark: { agentEndpointId: "3c2b1a09-8f7e-6d5c-4b3a-291807060504" },
  cekura: { agentId: 2142 },
  interactly: { workflowId: "5eb7cf5a86d9755df3a6c593" }
}

export interface Shape {
  readonly scenarios: number
  readonly personas: number
  readonly iterations: number
}

/** A shape with `items` conversations for a vendor (iterations capped by its capabilities). */
export const shapeFor = (vendor: Entry, items: number): Shape => {
  const iterations = Math.min(10, vendor.provider.capabilities.maxIterations ?? 10, items)
  const slots = Math.ceil(items / iterations)
  let scenarios = Math.min(slots, 10)
  while (slots % scenarios !== 0) scenarios--
  return { scenarios, personas: slots / scenarios, iterations }
}

/** A plan of `shape` with the example suite's evaluators, on the vendor's first transport. */
export const planFor = (vendor: Entry, shape: Shape, tag: string): Plan.Plan => {
  const caps = vendor.provider.capabilities
  const emotions = ["frustrated", "neutral", "cheerful", "confused"]
  return Schema.decodeUnknownSync(Plan.Plan)({
    name: `bench ${tag}`,
    target: { [vendor.name]: targets[vendor.name as keyof typeof targets] },
    direction: caps.directions[0] ?? "inbound",
    transport: caps.transports[0] ?? "voice",
    iterations: shape.iterations,
    concurrency: 10,
    ...(caps.executionMode ? { executionMode: "parallel" } : {}),
    maxDurationSeconds: 300,
    vendors: { roark: { analysisPackageId: "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e" } },
    personas: Array.from({ length: shape.personas }, (_, i) => ({
      id: `persona-${i + 1}`,
      name: `Caller ${i + 1}`,
      language: "en",
      gender: i % 2 === 0 ? "female" : "male",
      emotion: emotions[i % emotions.length],
      backstory: `Caller number ${i + 1}, calling during a lunch break`
    })),
    scenarios: Array.from({ length: shape.scenarios }, (_, i) => ({
      id: `scenario-${i + 1}`,
      name: `Booking scenario ${i + 1}`,
      instructions: `You have a bad toothache (case ${i + 1}) and want the earliest appointment this week.`,
      evaluators: ["booked", "polite"]
    })),
    evaluators: [
      { id: "booked", description: "The agent booked an appointment for the caller", type: "boolean", expect: true },
      { id: "polite", description: "The agent stayed polite throughout, on a 1-5 scale", type: "number", comparator: ">=", expect: 4, required: false }
    ]
  })
}

/** A request as sent: method, full URL (query included) and headers. */
export interface Recorded {
  readonly method: string
  readonly url: string
  readonly headers: Record<string, string>
}

/** Requests seen by the provider's HttpClient while `on`. */
export class Recorder {
  on = false
  requests: Array<Recorded> = []
  async record<A>(f: () => Promise<A>): Promise<{ readonly value: A; readonly requests: ReadonlyArray<Recorded> }> {
    this.requests = []
    this.on = true
    try {
      return { value: await f(), requests: this.requests }
    } finally {
      this.on = false
    }
  }
}

/**
 * `client`, recording each request it sends while `recorder.on`: the request as the vendor client
 * finished it (base URL, auth). Recorded in the client's last step (`transform`), not by wrapping
 * it in `HttpClient.make`, which would add a second client span (URL parsing, header redaction,
 * span attributes) to every request of the adapter's side only.
 */
const recording = (recorder: Recorder) => (client: HttpClient.HttpClient): HttpClient.HttpClient =>
  HttpClient.transform(client, (effect, request) => {
    if (recorder.on) recorder.requests.push({ method: request.method, url: ProviderHttp.fullUrl(request), headers: { ...request.headers } })
    return effect
  })

/** Runs an effect of the provider (which needs nothing) as a promise. */
export const run = <A, E>(effect: Effect.Effect<A, E>): Promise<A> => Effect.runPromise(effect)

/** A provider from a plugin over `client` (the default: undici, as the CLI). */
export const providerOn = async (
  vendor: Entry,
  baseUrl: string,
  options: { readonly recorder?: Recorder | undefined; readonly client?: Layer.Layer<HttpClient.HttpClient> | undefined } = {}
): Promise<{ readonly provider: SimulationProvider.Service; readonly dispose: () => Promise<void> }> => {
  const recorder = options.recorder
  const base = options.client ?? NodeHttpClient.layerUndici
  const http = recorder === undefined ? base : Layer.effect(HttpClient.HttpClient, Effect.map(HttpClient.HttpClient, recording(recorder))).pipe(Layer.provide(base))
  const runtime = ManagedRuntime.make(vendor.provider.layer({ baseUrl, apiKey: Redacted.make("bench") }).pipe(Layer.provide(http)))
  const provider = await runtime.runPromise(SimulationProvider.SimulationProvider)
  return { provider, dispose: () => runtime.dispose() }
}

/**
 * Fresh providers (empty driver caches) over one shared HttpClient: `make()` builds one outside
 * any timing, so each timed read is a cold read, as the raw replay of its recorded requests is.
 */
export const providerFactory = async (
  vendor: Entry,
  baseUrl: string,
  recorder: Recorder
): Promise<{ readonly make: () => Promise<SimulationProvider.Service>; readonly dispose: () => Promise<void> }> => {
  const http = Layer.effect(HttpClient.HttpClient, Effect.map(HttpClient.HttpClient, recording(recorder))).pipe(Layer.provide(NodeHttpClient.layerUndici))
  const runtime = ManagedRuntime.make(http)
  const client = await runtime.runPromise(HttpClient.HttpClient)
  const layer = vendor.provider.layer({ baseUrl, apiKey: Redacted.make("bench") })
  const scope = await Effect.runPromise(Scope.make())
  return {
    make: () =>
      Effect.runPromise(Layer.buildWithScope(layer, scope).pipe(
        Effect.map((context) => Context.get(context, SimulationProvider.SimulationProvider)),
        Effect.provideService(HttpClient.HttpClient, client)
      )),
    dispose: async () => {
      await Effect.runPromise(Scope.close(scope, Exit.void))
      await runtime.dispose()
    }
  }
}

