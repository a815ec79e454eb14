/**
 * Typed calls to Roark's API over `HttpClient`: bearer auth, the `{data}` envelope, cursor
 * pagination, status -> reason mapping (through `ProviderHttp`). No retries here: the one retry
 * loop lives in `SimulationProvider.make`.
 *
 * @since 0.1.0
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { Issues, ProviderError, ProviderHttp } from "@simbridge/core"
import * as Chunk from "effect/Chunk"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as RoarkSuite from "./RoarkSuite.js"
import * as Wire from "./RoarkWire.js"

export const defaultBaseUrl = "https://api.roark.ai"

export const provider = RoarkSuite.name

export interface Settings {
  /** Default `https://api.roark.ai`. */
  readonly baseUrl?: string | undefined
  readonly apiKey: Redacted.Redacted<string>
  /** Per-request timeout; default 30 seconds. */
  readonly timeout?: Duration.DurationInput | undefined
}

type E = ProviderError.ProviderError

// Response schemas are built once, not per request (`Wire.Envelope` and `Wire.Page` are memoized
// per item schema).
const deleted = Schema.Struct({ success: Schema.Boolean })
const health = Schema.Union(Wire.Envelope(Wire.Health), Wire.Health)
type Page<A> = Wire.PageOf<A>

export interface Service {
  readonly http: ProviderHttp.ProviderHttp
  readonly health: Effect.Effect<typeof Wire.Health.Type, E>
  readonly personas: {
    readonly create: (body: Wire.PersonaCreate) => Effect.Effect<Wire.Persona, E>
    readonly update: (id: string, body: Wire.PersonaUpdate) => Effect.Effect<Wire.Persona, E>
    readonly list: (params?: Wire.ListParams) => Effect.Effect<Page<Wire.Persona>, E>
    readonly get: (id: string) => Effect.Effect<Wire.Persona, E>
  }
  readonly scenarios: {
    readonly create: (body: Wire.ScenarioCreate) => Effect.Effect<Wire.Scenario, E>
    readonly update: (id: string, body: Wire.ScenarioUpdate) => Effect.Effect<Wire.Scenario, E>
    readonly list: (params?: Wire.ListParams) => Effect.Effect<Page<Wire.Scenario>, E>
    readonly get: (id: string) => Effect.Effect<Wire.Scenario, E>
    readonly delete: (id: string) => Effect.Effect<typeof Wire.Deleted.Type, E>
  }
  readonly metrics: {
    /** Every definition of the project, in one answer (the endpoint takes no parameters and is not paged). */
    readonly listDefinitions: () => Effect.Effect<Page<Wire.MetricDefinition>, E>
    readonly createDefinition: (body: Wire.MetricDefinitionCreate) => Effect.Effect<Wire.MetricDefinition, E>
  }
  readonly agents: {
    readonly create: (body: typeof Wire.AgentCreate.Type) => Effect.Effect<Wire.Agent, E>
    readonly update: (id: string, body: typeof Wire.AgentUpdate.Type) => Effect.Effect<Wire.Agent, E>
    readonly list: (params?: Wire.ListParams) => Effect.Effect<Page<Wire.Agent>, E>
    readonly get: (id: string) => Effect.Effect<Wire.Agent, E>
  }
  readonly agentEndpoints: {
    readonly create: (body: typeof Wire.AgentEndpointCreate.Type) => Effect.Effect<Wire.AgentEndpoint, E>
    readonly update: (id: string, body: typeof Wire.AgentEndpointUpdate.Type) => Effect.Effect<Wire.AgentEndpoint, E>
    readonly list: (params?: Wire.ListParams & { readonly agentId?: string | undefined }) => Effect.Effect<Page<Wire.AgentEndpoint>, E>
    readonly get: (id: string) => Effect.Effect<Wire.AgentEndpoint, E>
  }
  readonly runPlans: {
    readonly create: (body: Wire.RunPlanCreate) => Effect.Effect<typeof Wire.RunPlanCreated.Type, E>
    readonly update: (id: string, body: Wire.RunPlanUpdate) => Effect.Effect<Wire.RunPlan, E>
    readonly list: (params?: Wire.ListParams & { readonly agentId?: string | undefined }) => Effect.Effect<Page<Wire.RunPlan>, E>
    readonly get: (id: string) => Effect.Effect<Wire.RunPlan, E>
    readonly delete: (id: string) => Effect.Effect<typeof Wire.Deleted.Type, E>
  }
  readonly runPlanJobs: {
    readonly start: (planId: string, body?: Wire.RunPlanJobStartParams) => Effect.Effect<Wire.RunPlanJobStart, E>
    readonly list: (
      params?: Wire.ListParams & {
        readonly simulationRunPlanId?: string | undefined
        readonly status?: string | undefined
        readonly labelId?: string | undefined
        readonly labelName?: string | undefined
      }
    ) => Effect.Effect<Page<Wire.RunPlanJobSummary>, E>
    readonly get: (jobId: string) => Effect.Effect<Wire.RunPlanJobDetail, E>
    readonly cancel: (jobId: string) => Effect.Effect<Wire.RunPlanJobCancel, E>
  }
  readonly simulationJobs: {
    readonly get: (jobId: string) => Effect.Effect<Wire.SimulationJob, E>
    readonly lookup: (params: { readonly roarkPhoneNumber: string; readonly callReceivedAt?: string | undefined }) => Effect.Effect<Wire.SimulationJob, E>
  }
  readonly calls: {
    readonly list: (
      params?: Wire.ListParams & {
        readonly simulationRunPlanJobId?: string | undefined
        readonly sortBy?: string | undefined
        readonly sortDirection?: "asc" | "desc" | undefined
        readonly status?: string | undefined
      }
    ) => Effect.Effect<Page<Wire.Call>, E>
    readonly get: (callId: string) => Effect.Effect<Wire.Call, E>
    readonly transcript: (callId: string, params?: { readonly source?: string | undefined }) => Effect.Effect<Wire.Transcript, E>
    readonly metrics: (callId: string) => Effect.Effect<ReadonlyArray<Wire.CallMetric>, E>
  }
  readonly webhooks: {
    readonly create: (body: Wire.WebhookCreate) => Effect.Effect<Wire.Webhook, E>
    readonly list: (params?: Wire.ListParams) => Effect.Effect<Page<Wire.Webhook>, E>
    readonly get: (id: string) => Effect.Effect<Wire.Webhook, E>
    readonly delete: (id: string) => Effect.Effect<{ readonly success: boolean }, E>
  }
}

export class RoarkClient extends Context.Tag("@simbridge/roark/RoarkClient")<RoarkClient, Service>() {}

/** Every item of a cursor-paginated list, following `nextCursor` until `hasMore` is false or the cursor is missing. */
export const paginate = <A>(
  list: (params: Wire.ListParams) => Effect.Effect<Page<A>, E>,
  params: Wire.ListParams = {}
): Stream.Stream<A, E> =>
  Stream.paginateChunkEffect(params.after as string | undefined, (after) =>
    Effect.map(list({ ...params, limit: params.limit ?? 50, ...(after === undefined ? {} : { after }) }), (page) => {
      const next = page.pagination?.nextCursor
      const more = page.pagination?.hasMore === true && next !== undefined && next !== null && next !== "" && page.data.length > 0
      return [Chunk.unsafeFromArray(page.data), more ? Option.some(next) : Option.none<string>()] as const
    }))

/** Every item of a cursor-paginated list (`paginate`), collected. */
export const all = <A>(
  list: (params: Wire.ListParams) => Effect.Effect<Page<A>, E>,
  params: Wire.ListParams = {}
): Effect.Effect<ReadonlyArray<A>, E> => Effect.map(Stream.runCollect(paginate(list, params)), Chunk.toReadonlyArray)

const query = (params: object | undefined): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(params ?? {})) if (v !== undefined && v !== null) out[k] = String(v)
  return out
}

const seg = (id: string) => encodeURIComponent(id)

export const make = (settings: Settings): Effect.Effect<Service, never, HttpClient.HttpClient> =>
  Effect.map(HttpClient.HttpClient, (client) => {
    const http = ProviderHttp.make({
      provider,
      client: ProviderHttp.baseClient(client, settings.baseUrl ?? defaultBaseUrl).pipe(
        HttpClient.mapRequest(HttpClientRequest.bearerToken(Redacted.value(settings.apiKey)))
      ),
      ...(settings.timeout === undefined ? {} : { timeout: settings.timeout })
    })

    /** The `data` of a response of schema `envelope` (`{ data: A }`). */
    const data = <A, I>(operation: string, request: HttpClientRequest.HttpClientRequest, envelope: Schema.Schema<{ readonly data: A }, I>) =>
      Effect.map(http.json(operation, request, envelope), (b) => b.data)

    const one = <A, I>(operation: string, request: HttpClientRequest.HttpClientRequest, schema: Schema.Schema<A, I>) =>
      data(operation, request, Wire.Envelope(schema))

    const page = <A, I>(operation: string, path: string, schema: Schema.Schema<A, I>, params?: object) =>
      http.json(operation, HttpClientRequest.get(path, { urlParams: query(params) }), Wire.Page(schema))

    /** Validates a request body with its strict schema before sending it. */
    const body = <A, I>(operation: string, schema: Schema.Schema<A, I>, value: A) =>
      Schema.encode(schema)(value).pipe(
        Effect.mapError((error) =>
          ProviderError.make({
            provider,
            operation,
            reason: "InvalidRequest",
            description: `invalid request body: ${Issues.summarize(Issues.fromParseError(error))}`
          })
        )
      )

    const send = <A, I, B, J>(
      operation: string,
      method: "POST" | "PUT",
      path: string,
      inSchema: Schema.Schema<A, I>,
      value: A,
      outSchema: Schema.Schema<B, J>
    ) =>
      Effect.flatMap(body(operation, inSchema, value), (encoded) =>
        one(operation, HttpClientRequest.make(method)(path).pipe(HttpClientRequest.bodyUnsafeJson(encoded)), outSchema))

    return RoarkClient.of({
      http,
      health: Effect.flatMap(
        http.json("health", HttpClientRequest.get("/health"), health),
        (b) => Effect.succeed("data" in b ? b.data : b)
      ),
      personas: {
        create: (b) => send("createPersona", "POST", "/v1/persona", Wire.PersonaCreate, b, Wire.Persona),
        update: (id, b) => send("updatePersona", "PUT", `/v1/persona/${seg(id)}`, Wire.PersonaUpdate, b, Wire.Persona),
        list: (p) => page("listPersonas", "/v1/persona", Wire.Persona, p),
        get: (id) => one("getPersona", HttpClientRequest.get(`/v1/persona/${seg(id)}`), Wire.Persona)
      },
      scenarios: {
        create: (b) => send("createScenario", "POST", "/v1/simulation/scenario", Wire.ScenarioCreate, b, Wire.Scenario),
        update: (id, b) => send("updateScenario", "PUT", `/v1/simulation/scenario/${seg(id)}`, Wire.ScenarioUpdate, b, Wire.Scenario),
        list: (p) => page("listScenarios", "/v1/simulation/scenario", Wire.Scenario, p),
        get: (id) => one("getScenario", HttpClientRequest.get(`/v1/simulation/scenario/${seg(id)}`), Wire.Scenario),
        delete: (id) => one("deleteScenario", HttpClientRequest.del(`/v1/simulation/scenario/${seg(id)}`), Wire.Deleted)
      },
      metrics: {
        listDefinitions: () => page("listMetricDefinitions", "/v1/metric/definitions", Wire.MetricDefinition),
        createDefinition: (b) => send("createMetricDefinition", "POST", "/v1/metric/definitions", Wire.MetricDefinitionCreate, b, Wire.MetricDefinition)
      },
      agents: {
        create: (b) => send("createAgent", "POST", "/v1/agent", Wire.AgentCreate, b, Wire.Agent),
        update: (id, b) => send("updateAgent", "PUT", `/v1/agent/${seg(id)}`, Wire.AgentUpdate, b, Wire.Agent),
        list: (p) => page("listAgents", "/v1/agent", Wire.Agent, p),
        get: (id) => one("getAgent", HttpClientRequest.get(`/v1/agent/${seg(id)}`), Wire.Agent)
      },
      agentEndpoints: {
        create: (b) => send("createAgentEndpoint", "POST", "/v1/agent/endpoint", Wire.AgentEndpointCreate, b, Wire.AgentEndpoint),
        update: (id, b) => send("updateAgentEndpoint", "PUT", `/v1/agent/endpoint/${seg(id)}`, Wire.AgentEndpointUpdate, b, Wire.AgentEndpoint),
        list: (p) => page("listAgentEndpoints", "/v1/agent/endpoint", Wire.AgentEndpoint, p),
        get: (id) => one("getAgentEndpoint", HttpClientRequest.get(`/v1/agent/endpoint/${seg(id)}`), Wire.AgentEndpoint)
      },
      runPlans: {
        create: (b) => send("createRunPlan", "POST", "/v1/simulation/plan", Wire.RunPlanCreate, b, Wire.RunPlanCreated),
        update: (id, b) => send("updateRunPlan", "PUT", `/v1/simulation/plan/${seg(id)}`, Wire.RunPlanUpdate, b, Wire.RunPlan),
        list: (p) => page("listRunPlans", "/v1/simulation/plan", Wire.RunPlan, p),
        get: (id) => one("getRunPlan", HttpClientRequest.get(`/v1/simulation/plan/${seg(id)}`), Wire.RunPlan),
        delete: (id) => one("deleteRunPlan", HttpClientRequest.del(`/v1/simulation/plan/${seg(id)}`), Wire.Deleted)
      },
      runPlanJobs: {
        start: (planId, b = {}) =>
          Effect.flatMap(body("startRunPlanJob", Wire.RunPlanJobStartParams, b), (encoded) =>
            data(
              "startRunPlanJob",
              HttpClientRequest.post(`/v1/simulation/plan/${seg(planId)}/job`).pipe(HttpClientRequest.bodyUnsafeJson(encoded)),
              Wire.RunPlanJobStartResponse
            )),
        list: (p) => http.json("listRunPlanJobs", HttpClientRequest.get("/v1/simulation/plan/jobs", { urlParams: query(p) }), Wire.RunPlanJobSummaryPage),
        get: (id) => data("getRunPlanJob", HttpClientRequest.get(`/v1/simulation/plan/job/${seg(id)}`), Wire.RunPlanJobDetailResponse),
        cancel: (id) => one("cancelRunPlanJob", HttpClientRequest.post(`/v1/simulation/plan/job/${seg(id)}/cancel`), Wire.RunPlanJobCancel)
      },
      simulationJobs: {
        get: (id) => one("getSimulationJob", HttpClientRequest.get(`/v1/simulation/job/${seg(id)}`), Wire.SimulationJob),
        lookup: (p) => one("lookupSimulationJob", HttpClientRequest.get("/v1/simulation/job/lookup", { urlParams: query(p) }), Wire.SimulationJob)
      },
      calls: {
        list: (p) => page("listCalls", "/v1/call", Wire.Call, p),
        get: (id) => data("getCall", HttpClientRequest.get(`/v1/call/${seg(id)}`), Wire.CallResponse),
        transcript: (id, p) =>
          data("getCallTranscript", HttpClientRequest.get(`/v1/call/${seg(id)}/transcript`, { urlParams: query(p) }), Wire.TranscriptResponse),
        metrics: (id) => data("listCallMetrics", HttpClientRequest.get(`/v1/call/${seg(id)}/metrics`), Wire.CallMetricsResponse)
      },
      webhooks: {
        create: (b) => send("createWebhook", "POST", "/v1/webhook", Wire.WebhookCreate, b, Wire.Webhook),
        list: (p) => page("listWebhooks", "/v1/webhook", Wire.Webhook, p),
        get: (id) => one("getWebhook", HttpClientRequest.get(`/v1/webhook/${seg(id)}`), Wire.Webhook),
        delete: (id) => one("deleteWebhook", HttpClientRequest.del(`/v1/webhook/${seg(id)}`), deleted)
      }
    })
  })

export const layer = (settings: Settings): Layer.Layer<RoarkClient, never, HttpClient.HttpClient> =>
  Layer.effect(RoarkClient, make(settings))

/** `ROARK_API_KEY` (falling back to `ROARK_API_BEARER_TOKEN`, the SDK's name) and `ROARK_BASE_URL`. */
export const settingsConfig: Config.Config<Settings> = Config.all({
  apiKey: Config.redacted("ROARK_API_KEY").pipe(Config.orElse(() => Config.redacted("ROARK_API_BEARER_TOKEN"))),
  baseUrl: Config.string("ROARK_BASE_URL").pipe(Config.withDefault(defaultBaseUrl))
})

export const layerConfig: Layer.Layer<RoarkClient, ConfigError.ConfigError, HttpClient.HttpClient> =
  Layer.unwrapEffect(Effect.map(settingsConfig, layer))
