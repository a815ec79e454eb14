/**
 * Typed calls to Vapi's simulation API over `HttpClient`: personalities, scenarios, simulations,
 * suites, runs, run items, cancel (run and item) and concurrency. HTTP statuses become
 * `ProviderError`s through core's `ProviderHttp` (a 402 is `QuotaExhausted` with Vapi's `reason` in
 * the description). No retries here: the one retry loop is in `SimulationProvider.make`.
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
    const withBody = <A, I>(operation: string, schema: Schema.Schema<A, I>, body: A) => (request: HttpClientRequest.HttpClientRequest) =>
      Schema.encode(schema)(body).pipe(
        Effect.mapError((error) =>
          ProviderError.make({
            provider: providerName,
            operation,
            reason: "InvalidRequest",
            description: `invalid request body: ${Issues.summarize(Issues.fromParseError(error))}`
          })
        ),
        Effect.map((encoded) => HttpClientRequest.bodyUnsafeJson(request, encoded))
      )

    const plural = (noun: string) => (noun.endsWith("y") ? `${noun.slice(0, -1)}ies` : `${noun}s`)
    const crud = <A, IA, C, IC, U, IU>(
      noun: string,
      path: string,
      schema: Schema.Schema<A, IA>,
      createSchema: Schema.Schema<C, IC>,
      updateSchema: Schema.Schema<U, IU>
    ): Crud<A, C, U> => {
      const list = VapiWire.List(schema)
      const listPage = (params?: ListParams) =>
        http.json(`list${plural(noun)}`, HttpClientRequest.get(path).pipe(HttpClientRequest.setUrlParams(toUrlParams(params))), list)
      return {
        create: (body) =>
          withBody(`create${noun}`, createSchema, body)(HttpClientRequest.post(path)).pipe(
            Effect.flatMap((request) => http.json(`create${noun}`, request, schema))
          ),
        list: listPage,
        listAll: (params) => pageAll(listPage, params),
        get: (id) => http.json(`get${noun}`, HttpClientRequest.get(`${path}/${encodeURIComponent(id)}`), schema),
        update: (id, body) =>
          withBody(`update${noun}`, updateSchema, body)(HttpClientRequest.patch(`${path}/${encodeURIComponent(id)}`)).pipe(
            Effect.flatMap((request) => http.json(`update${noun}`, request, schema))
          ),
        remove: (id) => http.json(`delete${noun}`, HttpClientRequest.del(`${path}/${encodeURIComponent(id)}`), schema)
      }
    }

    const runPath = (id: string) => `/eval/simulation/run/${encodeURIComponent(id)}`
    const itemList = VapiWire.List(VapiWire.RunItem)

    return {
      http,
      personalities: crud("Personality", "/eval/simulation/personality", VapiWire.Personality, VapiWire.CreatePersonality, VapiWire.UpdatePersonality),
      scenarios: crud("Scenario", "/eval/simulation/scenario", VapiWire.Scenario, VapiWire.CreateScenario, VapiWire.UpdateScenario),
      simulations: {
        ...crud("Simulation", "/eval/simulation", VapiWire.Simulation, VapiWire.CreateSimulation, VapiWire.UpdateSimulation),
        concurrency: http.json("getConcurrency", HttpClientRequest.get("/eval/simulation/concurrency"), VapiWire.Concurrency)
      },
      suites: crud("Suite", "/eval/simulation/suite", VapiWire.Suite, VapiWire.CreateSuite, VapiWire.UpdateSuite),
      runs: {
        create: (body) =>
          withBody("createRun", VapiWire.CreateRun, body)(HttpClientRequest.post("/eval/simulation/run")).pipe(
            Effect.flatMap((request) => http.json("createRun", request, VapiWire.CreateRunResponse))
          ),
        list: (params) =>
          http.json("listRuns", HttpClientRequest.get("/eval/simulation/run").pipe(HttpClientRequest.setUrlParams(toUrlParams(params))), VapiWire.List(VapiWire.Run)),
        get: (id) => http.json("getRun", HttpClientRequest.get(runPath(id)), VapiWire.Run),
        cancel: (id) => http.json("cancelRun", HttpClientRequest.patch(runPath(id)), VapiWire.Run),
        items: (id, params) =>
          http.json("listRunItems", HttpClientRequest.get(`${runPath(id)}/item`).pipe(HttpClientRequest.setUrlParams(toUrlParams(params))), itemList),
        item: (id, itemId) => http.json("getRunItem", HttpClientRequest.get(`${runPath(id)}/item/${encodeURIComponent(itemId)}`), VapiWire.RunItem),
        cancelItem: (id, itemId) =>
          http.json("cancelRunItem", HttpClientRequest.patch(`${runPath(id)}/item/${encodeURIComponent(itemId)}`), VapiWire.RunItem)
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
