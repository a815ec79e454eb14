/**
 * Typed calls to Cekura's "run evaluators" API over `HttpClient`, built on `ProviderHttp` from core
 * (status -> reason, `Retry-After`, redaction, decoding). The API key goes in `X-CEKURA-API-KEY`;
 * paths are Django REST style with trailing slashes; lists use page-number pagination with
 * absolute `next` links, which `nextPage` follows. Every call is one entry of `operations` (method,
 * path template and operationId as Cekura's OpenAPI file writes them), the one declaration the
 * contract test diffs against that file. No retries here (see `Retry` in core).
 *
 * @since 0.1.0
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { ProviderError, ProviderHttp } from "@simbridge/core"
import * as Chunk from "effect/Chunk"
import * as Config from "effect/Config"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as CekuraSuite from "./CekuraSuite.js"
import * as Wire from "./CekuraWire.js"

export const defaultBaseUrl = "https://api.cekura.ai"

export const env = CekuraSuite.envKeys

const v1 = "/test_framework/v1"

/** One Cekura operation: method, path template and operationId exactly as Cekura's OpenAPI file has them. */
export interface Operation {
  readonly method: "GET" | "POST" | "PATCH" | "DELETE"
  readonly path: `${typeof v1}/${string}`
  readonly operationId: string
}

const operation = (method: Operation["method"], path: Operation["path"], operationId: string): Operation => ({ method, path, operationId })

/**
 * Every Cekura operation the client calls, keyed by the name it reports in `ProviderError.operation`.
 * The client builds each request from this table, so it is the whole of what simbridge asks of Cekura.
 */
export const operations = {
  runScenarios: operation("POST", `${v1}/scenarios/run_scenarios/`, "scenarios-run-voice_2"),
  runScenariosText: operation("POST", `${v1}/scenarios/run_scenarios_text/`, "scenarios-run-text_2"),
  getResult: operation("GET", `${v1}/results/{id}/`, "results-v1-retrieve"),
  listResults: operation("GET", `${v1}/results/`, "results-v1-list"),
  endCalls: operation("POST", `${v1}/results/{id}/end_calls/`, "end-calls_2"),
  rerun: operation("POST", `${v1}/results/{id}/rerun/`, "results-v1-rerun-create"),
  getRun: operation("GET", `${v1}/runs/{id}/`, "runs-v1-retrieve"),
  listRuns: operation("GET", `${v1}/runs/`, "runs-v1-list"),
  bulkRuns: operation("GET", `${v1}/runs/bulk/`, "runs-v1-bulk-retrieve"),
  endCall: operation("POST", `${v1}/runs/{id}/end_call/`, "end-call_2"),
  createScenario: operation("POST", `${v1}/scenarios/`, "scenarios-create"),
  listScenarios: operation("GET", `${v1}/scenarios/`, "scenarios-list"),
  getScenario: operation("GET", `${v1}/scenarios/{id}/`, "scenarios-retrieve"),
  updateScenario: operation("PATCH", `${v1}/scenarios/{id}/`, "scenarios-partial-update"),
  deleteScenario: operation("DELETE", `${v1}/scenarios/{id}/`, "scenarios-destroy"),
  listPersonalities: operation("GET", `${v1}/personalities/`, "personalities-list"),
  createPersonality: operation("POST", `${v1}/personalities/`, "personalities-create"),
  listTestProfiles: operation("GET", `${v1}/test-profiles/`, "test-profiles-list"),
  createTestProfile: operation("POST", `${v1}/test-profiles/`, "test-profiles-create"),
  listAgents: operation("GET", `${v1}/aiagents/`, "aiagents-v1-list"),
  getAgent: operation("GET", `${v1}/aiagents/{id}/`, "aiagents-v1-retrieve")
} as const satisfies Record<string, Operation>

/** The name of a declared operation. */
export type OperationName = keyof typeof operations

/** The request of an operation, its `{id}` filled in (URL-encoded). */
export const request = (name: OperationName, id?: number): HttpClientRequest.HttpClientRequest => {
  const { method, path } = operations[name]
  return HttpClientRequest.make(method)(path.replace("{id}", encodeURIComponent(String(id ?? ""))))
}

export interface Settings {
  readonly baseUrl?: string | undefined
  readonly apiKey: Redacted.Redacted<string>
  /** Per-request timeout; default 30 seconds. */
  readonly timeout?: Duration.DurationInput | undefined
}

export interface PageParams {
  readonly page?: number | undefined
  readonly pageSize?: number | undefined
}

type E = ProviderError.ProviderError
type Eff<A> = Effect.Effect<A, E>

export interface Service {
  readonly baseUrl: string
  // run triggers
  readonly runScenarios: (body: Wire.RunScenariosRequest) => Eff<Wire.TriggerResponse>
  readonly runScenariosText: (body: Wire.RunScenariosTextRequest) => Eff<Wire.TriggerResponse>
  // results
  readonly getResult: (id: number) => Eff<Wire.ResultDetail>
  readonly listResults: (params: PageParams & { readonly agentId?: number; readonly projectId?: number; readonly search?: string }) => Eff<Wire.Page<Wire.ResultListItem>>
  readonly endCalls: (resultId: number) => Eff<void>
  readonly rerun: (resultId: number) => Eff<Wire.ResultListItem>
  // runs
  readonly getRun: (id: number) => Eff<Wire.Run>
  readonly listRuns: (params: PageParams & { readonly resultId?: number; readonly status?: string }) => Eff<Wire.Page<Wire.RunListItem>>
  readonly bulkRuns: (ids: ReadonlyArray<number>) => Eff<ReadonlyArray<Wire.Run>>
  readonly endCall: (runId: number) => Eff<void>
  // scenarios
  readonly createScenario: (body: Wire.CreateScenarioRequest) => Eff<Wire.Scenario>
  readonly listScenarios: (params: PageParams & { readonly agentId?: number; readonly projectId?: number; readonly tags?: ReadonlyArray<string>; readonly folderPath?: string }) => Eff<Wire.Page<Wire.Scenario>>
  readonly getScenario: (id: number) => Eff<Wire.Scenario>
  readonly updateScenario: (id: number, body: Wire.UpdateScenarioRequest) => Eff<Wire.Scenario>
  readonly deleteScenario: (id: number) => Eff<void>
  // personalities and test profiles
  readonly listPersonalities: (params?: { readonly language?: string; readonly projectId?: number }) => Eff<ReadonlyArray<Wire.Personality>>
  readonly createPersonality: (body: Wire.CreatePersonalityRequest) => Eff<Wire.Personality>
  readonly listTestProfiles: (params: { readonly agentId?: number; readonly projectId?: number }) => Eff<ReadonlyArray<Wire.TestProfile>>
  readonly createTestProfile: (body: Wire.CreateTestProfileRequest) => Eff<Wire.TestProfile>
  // agents
  readonly listAgents: (params?: PageParams & { readonly projectId?: number; readonly q?: string }) => Eff<Wire.Page<Wire.Agent>>
  readonly getAgent: (id: number) => Eff<Wire.Agent>
  /** The page a `next` link points to, decoded with `item`. */
  readonly nextPage: <A, I>(operation: string, next: string, item: Schema.Schema<A, I>) => Eff<Wire.Page<A>>
  /** Every item of a paginated list, following `next` links. */
  readonly all: <A, I>(operation: string, first: Eff<Wire.Page<A>>, item: Schema.Schema<A, I>) => Stream.Stream<A, E>
}

export class CekuraClient extends Context.Tag("@simbridge/cekura/CekuraClient")<CekuraClient, Service>() {}

const provider = CekuraSuite.name
/** `runs/bulk/`: a plain array of runs. */
export const bulkRuns = Schema.Array(Wire.Run)
/** Plain-array list responses. */
const personalities = Schema.Array(Wire.Personality)
const testProfiles = Schema.Array(Wire.TestProfile)

/** Cekura's message from an error body: `{detail}`, a bare list, or DRF field errors. */
export const errorMessage = (body: unknown): string | undefined => {
  if (Array.isArray(body)) return body.map((b) => (typeof b === "string" ? b : JSON.stringify(b))).join("; ") || undefined
  if (body !== null && typeof body === "object") {
    const o = body as Record<string, unknown>
    if (typeof o.detail === "string") return o.detail
    const fields = Object.entries(o).filter(([, v]) => Array.isArray(v) || typeof v === "string")
    if (fields.length > 0) {
      return fields.map(([k, v]) => {
        const text = Array.isArray(v) ? v.map((x) => (typeof x === "string" ? x : JSON.stringify(x))).join(" ") : String(v)
        return k === "non_field_errors" ? text : `${k}: ${text}`
      }).join("; ")
    }
  }
  return ProviderHttp.defaultErrorMessage(body)
}

/**
 * A 403 whose detail is about the key itself (DRF answers a bad credential with 403 when the
 * authentication class sends no challenge) is `Unauthorized`; other 403s stay `Forbidden`.
 */
export const refineReason = (status: number, body: unknown): ProviderError.Reason | undefined => {
  if (status !== 403) return undefined
  const message = errorMessage(body) ?? ""
  return /api[ -]?key|credential|authenticat|token/i.test(message) ? "Unauthorized" : undefined
}

/** A `next` link relative to the configured base URL (the API may echo another host or scheme). */
export const relativize = (baseUrl: string, next: string): string => {
  const base = baseUrl.replace(/\/+$/, "")
  if (next.startsWith(base)) return next.slice(base.length) || "/"
  try {
    const url = new URL(next)
    const basePath = new URL(base).pathname.replace(/\/+$/, "")
    const path = basePath !== "" && url.pathname.startsWith(basePath) ? url.pathname.slice(basePath.length) : url.pathname
    return `${path}${url.search}`
  } catch {
    return next
  }
}

const pageParams = (p: PageParams) => ({
  ...(p.page === undefined ? {} : { page: String(p.page) }),
  ...(p.pageSize === undefined ? {} : { page_size: String(p.pageSize) })
})

const defined = (o: Record<string, string | undefined>): Record<string, string> =>
  Object.fromEntries(Object.entries(o).filter((e): e is [string, string] => e[1] !== undefined))

const str = (n: number | undefined) => (n === undefined ? undefined : String(n))

export const make = (settings: Settings): Effect.Effect<Service, never, HttpClient.HttpClient> =>
  Effect.map(HttpClient.HttpClient, (client) => {
    const baseUrl = (settings.baseUrl ?? defaultBaseUrl).replace(/\/+$/, "")
    const http = ProviderHttp.make({
      provider,
      client: ProviderHttp.baseClient(client, baseUrl).pipe(
        HttpClient.mapRequest(HttpClientRequest.setHeader("X-CEKURA-API-KEY", Redacted.value(settings.apiKey)))
      ),
      errorMessage,
      refineReason,
      ...(settings.timeout === undefined ? {} : { timeout: settings.timeout })
    })

    /** Validates a request body with its schema; a bad body fails as InvalidRequest naming the field. */
    const body = <A, I>(operation: string, schema: Schema.Schema<A, I>, value: A) =>
      Schema.encode(schema)(value).pipe(
        Effect.mapError((error) =>
          ProviderError.make({ provider, operation, reason: "InvalidRequest", description: `invalid request body: ${error.message}` })
        )
      )

    /** A declared operation with a JSON body validated by `schema`. */
    const send = <A, I, B, J>(
      name: OperationName,
      id: number | undefined,
      schema: Schema.Schema<A, I>,
      value: A,
      response: Schema.Schema<B, J>
    ) =>
      Effect.flatMap(body(name, schema, value), (encoded) =>
        http.json(name, request(name, id).pipe(HttpClientRequest.bodyUnsafeJson(encoded)), response))

    const post = <A, I, B, J>(name: OperationName, schema: Schema.Schema<A, I>, value: A, response: Schema.Schema<B, J>) =>
      send(name, undefined, schema, value, response)

    const get = <B, J>(name: OperationName, id: number | undefined, params: Record<string, string>, response: Schema.Schema<B, J>) =>
      http.json(name, request(name, id).pipe(HttpClientRequest.setUrlParams(params)), response)

    const nextPage: Service["nextPage"] = (operation, next, item) =>
      http.json(operation, HttpClientRequest.get(relativize(baseUrl, next)), Wire.Page(item))

    const all: Service["all"] = (operation, first, item) =>
      Stream.paginateChunkEffect(Option.none<string>(), (next) =>
        Effect.map(
          Option.match(next, { onNone: () => first, onSome: (url) => nextPage(operation, url, item) }),
          (page) => [Chunk.fromIterable(page.results), page.next ? Option.some(Option.some(page.next)) : Option.none()] as const
        ))

    return {
      baseUrl,
      runScenarios: (b) => post("runScenarios", Wire.RunScenariosRequest, b, Wire.TriggerResponse),
      runScenariosText: (b) => post("runScenariosText", Wire.RunScenariosTextRequest, b, Wire.TriggerResponse),
      getResult: (id) => get("getResult", id, {}, Wire.ResultDetail),
      listResults: (p) =>
        get("listResults", undefined, { ...pageParams(p), ...defined({ agent_id: str(p.agentId), project_id: str(p.projectId), search: p.search }) }, Wire.Page(Wire.ResultListItem)),
      endCalls: (id) => http.send("endCalls", request("endCalls", id)),
      rerun: (id) => http.json("rerun", request("rerun", id), Wire.ResultListItem),
      getRun: (id) => get("getRun", id, {}, Wire.Run),
      listRuns: (p) =>
        get("listRuns", undefined, { ...pageParams(p), ...defined({ result_id: str(p.resultId), status: p.status }) }, Wire.Page(Wire.RunListItem)),
      bulkRuns: (ids) =>
        ids.length === 0 ? Effect.succeed([]) : get("bulkRuns", undefined, { run_ids: ids.join(",") }, bulkRuns),
      endCall: (id) => http.send("endCall", request("endCall", id)),
      createScenario: (b) => post("createScenario", Wire.CreateScenarioRequest, b, Wire.Scenario),
      listScenarios: (p) =>
        get("listScenarios", undefined, {
          ...pageParams(p),
          ...defined({ agent_id: str(p.agentId), project_id: str(p.projectId), tags: p.tags?.join(","), folder_path: p.folderPath })
        }, Wire.Page(Wire.Scenario)),
      getScenario: (id) => get("getScenario", id, {}, Wire.Scenario),
      updateScenario: (id, b) => send("updateScenario", id, Wire.UpdateScenarioRequest, b, Wire.Scenario),
      deleteScenario: (id) => http.send("deleteScenario", request("deleteScenario", id)),
      listPersonalities: (p = {}) =>
        get("listPersonalities", undefined, defined({ language: p.language, project_id: str(p.projectId) }), personalities),
      createPersonality: (b) => post("createPersonality", Wire.CreatePersonalityRequest, b, Wire.Personality),
      listTestProfiles: (p) =>
        get("listTestProfiles", undefined, defined({ agent_id: str(p.agentId), project_id: str(p.projectId) }), testProfiles),
      createTestProfile: (b) => post("createTestProfile", Wire.CreateTestProfileRequest, b, Wire.TestProfile),
      listAgents: (p = {}) =>
        get("listAgents", undefined, { ...pageParams(p), ...defined({ project_id: str(p.projectId), q: p.q }) }, Wire.Page(Wire.Agent)),
      getAgent: (id) => get("getAgent", id, {}, Wire.Agent),
      nextPage,
      all
    }
  })

export const layer = (settings: Settings): Layer.Layer<CekuraClient, never, HttpClient.HttpClient> =>
  Layer.effect(CekuraClient, make(settings))

/** Settings from `CEKURA_API_KEY` and `CEKURA_BASE_URL` (default `https://api.cekura.ai`). */
export const settingsConfig: Config.Config<{ readonly baseUrl: string; readonly apiKey: Redacted.Redacted<string> }> = Config.all({
  apiKey: Config.redacted(env.apiKey),
  baseUrl: Config.string(env.baseUrl).pipe(Config.withDefault(defaultBaseUrl))
})

export const layerConfig = Layer.unwrapEffect(Effect.map(settingsConfig, layer))
