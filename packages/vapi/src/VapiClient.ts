/**
 * Typed calls to Vapi's simulation API over `HttpClient`: personalities, scenarios, simulations,
 * suites, runs, run items, cancel (run and item) and concurrency. Every call is one entry of
 * `operations` (method, path template and operationId as Vapi's OpenAPI file writes them), the one
 * declaration the contract test diffs against that file. HTTP statuses become `ProviderError`s
 * through core's `ProviderHttp` (a 402 is `QuotaExhausted` with Vapi's `reason` in the
 * description). No retries here: the one retry loop is in `SimulationProvider.make`.
 *
 * @since 0.1.0
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { Issues, ProviderError, ProviderHttp } from "@simbridge/core"
import * as Config from "effect/Config"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Mapping from "./internal/mapping.js"
import * as VapiSuite from "./VapiSuite.js"
import * as VapiWire from "./VapiWire.js"

export const defaultBaseUrl = "https://api.vapi.ai"
export const providerName = VapiSuite.name

/** One Vapi operation: method, path template and operationId exactly as Vapi's OpenAPI file has them. */
export interface Operation {
  readonly method: "GET" | "POST" | "PATCH" | "DELETE"
  readonly path: `/eval/simulation${string}`
  readonly operationId: string
}

const operation = (method: Operation["method"], path: Operation["path"], operationId: string): Operation => ({ method, path, operationId })

/**
 * Every Vapi operation the client calls, keyed by the name it reports in `ProviderError.operation`.
 * The client builds each request from this table, so it is the whole of what simbridge asks of Vapi.
 */
export const operations = {
  createPersonality: operation("POST", "/eval/simulation/personality", "PersonalityController_create"),
  listPersonalities: operation("GET", "/eval/simulation/personality", "PersonalityController_findAll"),
  getPersonality: operation("GET", "/eval/simulation/personality/{id}", "PersonalityController_findOne"),
  updatePersonality: operation("PATCH", "/eval/simulation/personality/{id}", "PersonalityController_update"),
  deletePersonality: operation("DELETE", "/eval/simulation/personality/{id}", "PersonalityController_remove"),
  createScenario: operation("POST", "/eval/simulation/scenario", "ScenarioController_create"),
  listScenarios: operation("GET", "/eval/simulation/scenario", "ScenarioController_findAll"),
  getScenario: operation("GET", "/eval/simulation/scenario/{id}", "ScenarioController_findOne"),
  updateScenario: operation("PATCH", "/eval/simulation/scenario/{id}", "ScenarioController_update"),
  deleteScenario: operation("DELETE", "/eval/simulation/scenario/{id}", "ScenarioController_remove"),
  createSimulation: operation("POST", "/eval/simulation", "SimulationController_create"),
  listSimulations: operation("GET", "/eval/simulation", "SimulationController_findAll"),
  getSimulation: operation("GET", "/eval/simulation/{id}", "SimulationController_findOne"),
  updateSimulation: operation("PATCH", "/eval/simulation/{id}", "SimulationController_update"),
  deleteSimulation: operation("DELETE", "/eval/simulation/{id}", "SimulationController_remove"),
  getConcurrency: operation("GET", "/eval/simulation/concurrency", "SimulationController_getConcurrency"),
  createSuite: operation("POST", "/eval/simulation/suite", "SimulationSuiteController_create"),
  listSuites: operation("GET", "/eval/simulation/suite", "SimulationSuiteController_findAll"),
  getSuite: operation("GET", "/eval/simulation/suite/{id}", "SimulationSuiteController_findOne"),
  updateSuite: operation("PATCH", "/eval/simulation/suite/{id}", "SimulationSuiteController_update"),
  deleteSuite: operation("DELETE", "/eval/simulation/suite/{id}", "SimulationSuiteController_remove"),
  createRun: operation("POST", "/eval/simulation/run", "SimulationRunController_create"),
  listRuns: operation("GET", "/eval/simulation/run", "SimulationRunController_findAll"),
  getRun: operation("GET", "/eval/simulation/run/{id}", "SimulationRunController_findOne"),
  cancelRun: operation("PATCH", "/eval/simulation/run/{id}", "SimulationRunController_cancelGroup"),
  listRunItems: operation("GET", "/eval/simulation/run/{id}/item", "SimulationRunController_findItems"),
  getRunItem: operation("GET", "/eval/simulation/run/{id}/item/{itemId}", "SimulationRunController_findItem"),
  cancelRunItem: operation("PATCH", "/eval/simulation/run/{id}/item/{itemId}", "SimulationRunController_cancelItem")
} as const satisfies Record<string, Operation>

/** The name of a declared operation. */
export type OperationName = keyof typeof operations

/** The request of an operation, its path parameters filled in (URL-encoded). */
export const request = (name: OperationName, params: Readonly<Record<string, string>> = {}): HttpClientRequest.HttpClientRequest => {
  const { method, path } = operations[name]
  return HttpClientRequest.make(method)(path.replace(/\{(\w+)\}/g, (_, key: string) => encodeURIComponent(params[key] ?? "")))
}

export interface Settings {
  readonly baseUrl?: string | undefined
  readonly apiKey: Redacted.Redacted<string>
  /** Per-request timeout; default 30 seconds. */
  readonly timeout?: Duration.DurationInput | undefined
}

/** Common list parameters (`page` is 1-based, `limit` 0..1000). */
export interface ListParams {
  readonly page?: number | undefined
  readonly limit?: number | undefined
  readonly sortOrder?: "ASC" | "DESC" | undefined
  readonly createdAtGe?: string | undefined
  readonly [key: string]: string | number | boolean | ReadonlyArray<string> | undefined
}

export interface Crud<A, Create, Update> {
  readonly create: (body: Create) => Effect.Effect<A, ProviderError.ProviderError>
  readonly list: (params?: ListParams) => Effect.Effect<VapiWire.Page<A>, ProviderError.ProviderError>
  /** Every page of the list (`limit` per page). */
  readonly listAll: (params?: ListParams) => Effect.Effect<ReadonlyArray<A>, ProviderError.ProviderError>
  readonly get: (id: string) => Effect.Effect<A, ProviderError.ProviderError>
  readonly update: (id: string, body: Update) => Effect.Effect<A, ProviderError.ProviderError>
  readonly remove: (id: string) => Effect.Effect<A, ProviderError.ProviderError>
}

export interface Service {
  readonly http: ProviderHttp.ProviderHttp
  readonly personalities: Crud<VapiWire.Personality, VapiWire.CreatePersonality, VapiWire.UpdatePersonality>
  readonly scenarios: Crud<VapiWire.Scenario, VapiWire.CreateScenario, VapiWire.UpdateScenario>
  readonly simulations: Crud<VapiWire.Simulation, VapiWire.CreateSimulation, VapiWire.UpdateSimulation> & {
    readonly concurrency: Effect.Effect<VapiWire.Concurrency, ProviderError.ProviderError>
  }
  readonly suites: Crud<VapiWire.Suite, VapiWire.CreateSuite, VapiWire.UpdateSuite>
  readonly runs: {
    readonly create: (body: VapiWire.CreateRun) => Effect.Effect<VapiWire.CreateRunResponse, ProviderError.ProviderError>
    readonly list: (params?: ListParams) => Effect.Effect<VapiWire.Page<VapiWire.Run>, ProviderError.ProviderError>
    readonly get: (id: string) => Effect.Effect<VapiWire.Run, ProviderError.ProviderError>
    /** `PATCH /eval/simulation/run/{id}` with no body. */
    readonly cancel: (id: string) => Effect.Effect<VapiWire.Run, ProviderError.ProviderError>
    readonly items: (id: string, params?: ListParams) => Effect.Effect<VapiWire.Page<VapiWire.RunItem>, ProviderError.ProviderError>
    readonly item: (id: string, itemId: string) => Effect.Effect<VapiWire.RunItem, ProviderError.ProviderError>
    /** `PATCH /eval/simulation/run/{id}/item/{itemId}` with no body. */
    readonly cancelItem: (id: string, itemId: string) => Effect.Effect<VapiWire.RunItem, ProviderError.ProviderError>
  }
}

export class VapiClient extends Context.Tag("@simbridge/vapi/VapiClient")<VapiClient, Service>() {}

const toUrlParams = (params: ListParams | undefined): Record<string, string | ReadonlyArray<string>> => {
  const out: Record<string, string | ReadonlyArray<string>> = {}
  for (const [k, v] of Object.entries(params ?? {})) {
    if (v === undefined) continue
    out[k] = Array.isArray(v) ? (v as ReadonlyArray<string>) : String(v)
  }
  return out
}

/** Builds the client from an `HttpClient` and settings. */
export const make = (settings: Settings): Effect.Effect<Service, never, HttpClient.HttpClient> =>
  Effect.map(HttpClient.HttpClient, (client) => {
    const authed = ProviderHttp.baseClient(client, settings.baseUrl ?? defaultBaseUrl).pipe(
      HttpClient.mapRequest(HttpClientRequest.bearerToken(Redacted.value(settings.apiKey)))
    )
    const http = ProviderHttp.make({
      provider: providerName,
      client: authed,
      errorMessage: Mapping.errorMessage,
      refineReason: Mapping.refineReason,
      ...(settings.timeout === undefined ? {} : { timeout: settings.timeout })
    })

    /** Validates a request body against its schema before anything is sent. */
    const withBody = <A, I>(operation: string, schema: Schema.Schema<A, I>, body: A) => (base: HttpClientRequest.HttpClientRequest) =>
      Schema.encode(schema)(body).pipe(
        Effect.mapError((error) =>
          ProviderError.make({
            provider: providerName,
            operation,
            reason: "InvalidRequest",
            description: `invalid request body: ${Issues.summarize(Issues.fromParseError(error))}`
          })
        ),
        Effect.map((encoded) => HttpClientRequest.bodyUnsafeJson(base, encoded))
      )

    type Noun = "Personality" | "Scenario" | "Simulation" | "Suite"
    const crud = <A, IA, C, IC, U, IU>(
      noun: Noun,
      list: `list${"Personalities" | "Scenarios" | "Simulations" | "Suites"}`,
      schema: Schema.Schema<A, IA>,
      createSchema: Schema.Schema<C, IC>,
      updateSchema: Schema.Schema<U, IU>
    ): Crud<A, C, U> => {
      const listSchema = VapiWire.List(schema)
      const listPage = (params?: ListParams) => http.json(list, request(list).pipe(HttpClientRequest.setUrlParams(toUrlParams(params))), listSchema)
      return {
        create: (body) =>
          withBody(`create${noun}`, createSchema, body)(request(`create${noun}`)).pipe(
            Effect.flatMap((r) => http.json(`create${noun}`, r, schema))
          ),
        list: listPage,
        listAll: (params) => pageAll(listPage, params),
        get: (id) => http.json(`get${noun}`, request(`get${noun}`, { id }), schema),
        update: (id, body) =>
          withBody(`update${noun}`, updateSchema, body)(request(`update${noun}`, { id })).pipe(
            Effect.flatMap((r) => http.json(`update${noun}`, r, schema))
          ),
        remove: (id) => http.json(`delete${noun}`, request(`delete${noun}`, { id }), schema)
      }
    }

    const itemList = VapiWire.List(VapiWire.RunItem)

    return {
      http,
      personalities: crud("Personality", "listPersonalities", VapiWire.Personality, VapiWire.CreatePersonality, VapiWire.UpdatePersonality),
      scenarios: crud("Scenario", "listScenarios", VapiWire.Scenario, VapiWire.CreateScenario, VapiWire.UpdateScenario),
      simulations: {
        ...crud("Simulation", "listSimulations", VapiWire.Simulation, VapiWire.CreateSimulation, VapiWire.UpdateSimulation),
        concurrency: http.json("getConcurrency", request("getConcurrency"), VapiWire.Concurrency)
      },
      suites: crud("Suite", "listSuites", VapiWire.Suite, VapiWire.CreateSuite, VapiWire.UpdateSuite),
      runs: {
        create: (body) =>
          withBody("createRun", VapiWire.CreateRun, body)(request("createRun")).pipe(
            Effect.flatMap((r) => http.json("createRun", r, VapiWire.CreateRunResponse))
          ),
        list: (params) => http.json("listRuns", request("listRuns").pipe(HttpClientRequest.setUrlParams(toUrlParams(params))), VapiWire.List(VapiWire.Run)),
        get: (id) => http.json("getRun", request("getRun", { id }), VapiWire.Run),
        cancel: (id) => http.json("cancelRun", request("cancelRun", { id }), VapiWire.Run),
        items: (id, params) =>
          http.json("listRunItems", request("listRunItems", { id }).pipe(HttpClientRequest.setUrlParams(toUrlParams(params))), itemList),
        item: (id, itemId) => http.json("getRunItem", request("getRunItem", { id, itemId }), VapiWire.RunItem),
        cancelItem: (id, itemId) => http.json("cancelRunItem", request("cancelRunItem", { id, itemId }), VapiWire.RunItem)
      }
    }
  })

/** Fetches pages until the list says there are no more (at most 50 pages). */
export const pageAll = <A>(
  listPage: (params: ListParams) => Effect.Effect<VapiWire.Page<A>, ProviderError.ProviderError>,
  params: ListParams = {}
): Effect.Effect<ReadonlyArray<A>, ProviderError.ProviderError> => {
  const limit = params.limit ?? 100
  const loop = (page: number, acc: ReadonlyArray<A>): Effect.Effect<ReadonlyArray<A>, ProviderError.ProviderError> =>
    Effect.flatMap(listPage({ ...params, page, limit }), (result) => {
      const all = [...acc, ...result.items]
      return VapiWire.hasNextPage(result, page, limit) && page < 50 ? loop(page + 1, all) : Effect.succeed(all)
    })
  return loop(params.page ?? 1, [])
}

export const layer = (settings: Settings): Layer.Layer<VapiClient, never, HttpClient.HttpClient> => Layer.effect(VapiClient, make(settings))

/** `VAPI_API_KEY` (secret) and `VAPI_BASE_URL` (default `https://api.vapi.ai`). */
export const config: Config.Config<Settings> = Config.all({
  apiKey: Config.redacted("VAPI_API_KEY"),
  baseUrl: Config.string("VAPI_BASE_URL").pipe(Config.withDefault(defaultBaseUrl))
})

export const layerConfig = Layer.unwrapEffect(Effect.map(config, layer))
