/**
 * A typed client of Interactly's workflow service: the 13 simulation endpoints, workflow-run reads
 * (transcripts, per-run evaluation) and enough of `/v1/workflows` to find and create the caller
 * workflows. Built on `ProviderHttp` from core (status -> reason, `Retry-After`, redaction,
 * decoding). No retries happen here.
 *
 * Auth: `Authorization: Bearer <INTERACTLY_API_KEY>`, plus the optional `teamid` / `uuid` headers
 * the official SDK sends, and `X-Interactly-API-Version`.
 *
 * @since 0.1.0
 */
import * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { ProviderError, ProviderHttp, Issues } from "@simbridge/core"
import * as Config from "effect/Config"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as InteractlySuite from "./InteractlySuite.js"
import { env } from "./InteractlySuite.js"
import * as Wire from "./InteractlyWire.js"

export const provider = InteractlySuite.name

/** The production workflow service; QA is `https://api-qa.interactly.ai/workflows`. */
export const defaultBaseUrl = "https://api.interactly.ai/workflows"

/** The API version the official SDK pins. */
export const apiVersion = "2026-04-01"

export interface Settings {
  /** Default {@link defaultBaseUrl}; include the `/workflows` prefix. */
  readonly baseUrl?: string | undefined
  readonly apiKey: Redacted.Redacted<string>
  /** Sent as the `teamid` header when set. */
  readonly teamId?: string | undefined
  /** Sent as the `uuid` header when set. */
  readonly userId?: string | undefined
  /** Per-request timeout; default 30 seconds. */
  readonly timeout?: Duration.DurationInput | undefined
}

export interface PageParams {
  /** 1-based. */
  readonly page?: number | undefined
  readonly size?: number | undefined
}

export interface ListSimulationsParams extends PageParams {
  readonly search?: string | undefined
  readonly logical_id?: string | undefined
  readonly selected_workflow_id?: string | undefined
  readonly counter_workflow_id?: string | undefined
  readonly status?: string | undefined
  /** ISO 8601. */
  readonly start?: string | undefined
  readonly end?: string | undefined
}

export interface ListWorkflowsParams extends PageParams {
  readonly search?: string | undefined
}

type Op<A> = Effect.Effect<A, ProviderError.ProviderError>

export interface Service {
  readonly http: ProviderHttp.ProviderHttp
  /** 1. `GET /v1/simulations/schema` */
  readonly simulationSchema: () => Op<typeof Wire.ConfigSchemaResponse.Type>
  /** 2. `POST /v1/simulations` */
  readonly createSimulation: (body: Wire.CreateSimulationRequest) => Op<Wire.SimulationDoc>
  /** 3. `GET /v1/simulations` */
  readonly listSimulations: (params?: ListSimulationsParams) => Op<Wire.SimulationList>
  /** 4. `GET /v1/simulations/{id}` */
  readonly getSimulation: (id: string) => Op<Wire.SimulationDoc>
  /** 5. `PATCH /v1/simulations/{id}` (description, status) */
  readonly updateSimulation: (id: string, body: Wire.UpdateSimulationRequest) => Op<Wire.SimulationDoc>
  /** 6. `DELETE /v1/simulations/{id}` (also deletes its run history) */
  readonly deleteSimulation: (id: string) => Op<typeof Wire.DeleteResponse.Type>
  /** 7. `POST /v1/simulations/{id}/run` */
  readonly runSimulation: (id: string, body?: Wire.RunSimulationRequest) => Op<Wire.SimulationGroup>
  /** 8. `GET /v1/simulations/{id}/runs` */
  readonly listSimulationRuns: (id: string, params?: PageParams) => Op<Wire.SimulationGroupList>
  /** 9. `GET /v1/simulations/{id}/evaluation-summary` (latest group when `groupId` is omitted) */
  readonly evaluationSummary: (id: string, groupId?: string) => Op<Wire.EvaluationSummary>
  /** 10. `GET /v1/simulation-runs/{runId}` */
  readonly getSimulationRun: (runId: string) => Op<Wire.SimulationGroup>
  /** 11. `POST /v1/simulation-runs/{runId}/stop`: no new executions start; running ones finish. */
  readonly stopSimulationRun: (runId: string) => Op<Wire.SimulationGroup>
  /** 12. `GET /v1/simulation-runs/{runId}/executions` */
  readonly listExecutions: (runId: string, params?: PageParams) => Op<Wire.SimulationRunList>
  /** 13. `GET /v1/simulation-runs/{runId}/executions/detailed` (not paginated, ascending run index) */
  readonly listDetailedExecutions: (runId: string) => Op<ReadonlyArray<Wire.DetailedExecution>>
  /** `GET /v1/workflow-runs/{id}` */
  readonly getWorkflowRun: (id: string) => Op<Wire.WorkflowRunDoc>
  /** `GET /v1/workflow-runs/{id}/evaluation-result` */
  readonly getWorkflowRunEvaluation: (id: string) => Op<Wire.WorkflowRunEvaluation>
  /** `POST /v1/workflows` */
  readonly createWorkflow: (body: Wire.CreateWorkflowRequest) => Op<Wire.Workflow>
  /** `GET /v1/workflows` */
  readonly listWorkflows: (params?: ListWorkflowsParams) => Op<Wire.WorkflowList>
  /** `GET /v1/workflows/{id}` */
  readonly getWorkflow: (id: string) => Op<Wire.Workflow>
  /** `PATCH /v1/workflows/{id}` */
  readonly updateWorkflow: (id: string, body: Wire.UpdateWorkflowRequest) => Op<Wire.Workflow>
}

export class InteractlyClient extends Context.Tag("@simbridge/interactly/InteractlyClient")<InteractlyClient, Service>() {}

/**
 * The vendor's message from an error body: `detail` (string, or FastAPI's `[{loc, msg}]`), or
 * `message` joined with `error` when they differ (what the SDK's `_extract_error_message` does).
 */
export const errorMessage = (body: unknown): string | undefined => {
  const decoded = Schema.decodeUnknownOption(Wire.ErrorBody)(body)
  if (Option.isNone(decoded)) return ProviderHttp.defaultErrorMessage(body)
  const b = decoded.value
  if ("detail" in b) {
    if (typeof b.detail === "string") return b.detail
    return b.detail.map((i) => `${i.loc.filter((l) => l !== "body").join(".") || "body"}: ${i.msg}`).join("; ")
  }
  return b.error && b.error !== b.message ? `${b.message}: ${b.error}` : b.message
}

const encodeBody = <A, I>(operation: string, schema: Schema.Schema<A, I>, body: A) =>
  Schema.encode(schema)(body).pipe(
    Effect.mapError((e) =>
      ProviderError.make({
        provider,
        operation,
        reason: "InvalidRequest",
        description: `request body: ${Issues.summarize(Issues.fromParseError(e))}`
      })
    )
  )

const query = (params: object | undefined): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(params ?? {})) if (v !== undefined) out[k] = String(v)
  return out
}

const seg = (id: string) => encodeURIComponent(id)

/** Builds the client over an `HttpClient`. */
export const make = (settings: Settings): Effect.Effect<Service, never, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const base = yield* HttpClient.HttpClient
    const client = ProviderHttp.baseClient(base, settings.baseUrl ?? defaultBaseUrl).pipe(
      HttpClient.mapRequest((request) =>
        request.pipe(
          HttpClientRequest.bearerToken(Redacted.value(settings.apiKey)),
          HttpClientRequest.setHeader("x-interactly-api-version", apiVersion),
          settings.teamId ? HttpClientRequest.setHeader("teamid", settings.teamId) : (r) => r,
          settings.userId ? HttpClientRequest.setHeader("uuid", settings.userId) : (r) => r
        )
      )
    )
    const options = { provider, errorMessage, ...(settings.timeout === undefined ? {} : { timeout: settings.timeout }) }
    const http = ProviderHttp.make({ ...options, client })

    // The operations make their requests whole (base URL, then the headers `client` adds, in its
    // order) and send them over the HttpClient as given: the same requests, without two
    // `mapRequest` steps copying each one five times.
    const prefix = (settings.baseUrl ?? defaultBaseUrl).replace(/\/+$/, "")
    const headers = Headers.fromInput({
      accept: "application/json",
      authorization: `Bearer ${Redacted.value(settings.apiKey)}`,
      "x-interactly-api-version": apiVersion,
      ...(settings.teamId ? { teamid: settings.teamId } : {}),
      ...(settings.userId ? { uuid: settings.userId } : {})
    })
    const direct = ProviderHttp.make({ ...options, client: base })
    const getTemplate = HttpClientRequest.setHeaders(HttpClientRequest.get(""), headers)
    /** A request without a body: its headers set once, in the template. */
    const request = (method: "GET" | "POST" | "DELETE", path: string) =>
      method === "GET" ? HttpClientRequest.setUrl(getTemplate, `${prefix}${path}`) : HttpClientRequest.setHeaders(HttpClientRequest.make(method)(`${prefix}${path}`), headers)

    const withBody = <A, I, B, BI>(
      operation: string,
      method: "POST" | "PATCH",
      path: string,
      bodySchema: Schema.Schema<B, BI>,
      body: B,
      response: Schema.Schema<A, I>
    ) =>
      encodeBody(operation, bodySchema, body).pipe(
        Effect.flatMap((encoded) =>
          direct.json(operation, HttpClientRequest.setHeaders(HttpClientRequest.bodyUnsafeJson(HttpClientRequest.make(method)(`${prefix}${path}`), encoded), headers), response)
        )
      )

    const get = <A, I>(operation: string, path: string, response: Schema.Schema<A, I>, params?: object) => {
      const urlParams = query(params)
      let r = request("GET", path)
      for (const _ in urlParams) {
        r = HttpClientRequest.setUrlParams(r, urlParams)
        break
      }
      return direct.json(operation, r, response)
    }

    return {
      http,
      simulationSchema: () => get("simulationSchema", "/v1/simulations/schema", Wire.ConfigSchemaResponse),
      createSimulation: (body) => withBody("createSimulation", "POST", "/v1/simulations", Wire.CreateSimulationRequest, body, Wire.SimulationResponse),
      listSimulations: (params) => get("listSimulations", "/v1/simulations", Wire.SimulationList, params),
      getSimulation: (id) => get("getSimulation", `/v1/simulations/${seg(id)}`, Wire.SimulationResponse),
      updateSimulation: (id, body) => withBody("updateSimulation", "PATCH", `/v1/simulations/${seg(id)}`, Wire.UpdateSimulationRequest, body, Wire.SimulationResponse),
      deleteSimulation: (id) => direct.json("deleteSimulation", request("DELETE", `/v1/simulations/${seg(id)}`), Wire.DeleteResponse),
      runSimulation: (id, body = {}) => withBody("runSimulation", "POST", `/v1/simulations/${seg(id)}/run`, Wire.RunSimulationRequest, body, Wire.SimulationGroupResponse),
      listSimulationRuns: (id, params) => get("listSimulationRuns", `/v1/simulations/${seg(id)}/runs`, Wire.SimulationGroupList, params),
      evaluationSummary: (id, groupId) =>
        get("evaluationSummary", `/v1/simulations/${seg(id)}/evaluation-summary`, Wire.EvaluationSummary, { group_id: groupId }),
      getSimulationRun: (runId) => get("getSimulationRun", `/v1/simulation-runs/${seg(runId)}`, Wire.SimulationGroupResponse),
      stopSimulationRun: (runId) => direct.json("stopSimulationRun", request("POST", `/v1/simulation-runs/${seg(runId)}/stop`), Wire.SimulationGroupResponse),
      listExecutions: (runId, params) => get("listExecutions", `/v1/simulation-runs/${seg(runId)}/executions`, Wire.SimulationRunList, params),
      listDetailedExecutions: (runId) =>
        get("listDetailedExecutions", `/v1/simulation-runs/${seg(runId)}/executions/detailed`, Wire.DetailedExecutionList).pipe(
          Effect.map((list) => list.individual_runs)
        ),
      getWorkflowRun: (id) =>
        get("getWorkflowRun", `/v1/workflow-runs/${seg(id)}`, Wire.WorkflowRunResponse).pipe(Effect.map((r) => r.workflow_run)),
      getWorkflowRunEvaluation: (id) => get("getWorkflowRunEvaluation", `/v1/workflow-runs/${seg(id)}/evaluation-result`, Wire.WorkflowRunEvaluation),
      createWorkflow: (body) => withBody("createWorkflow", "POST", "/v1/workflows", Wire.CreateWorkflowRequest, body, Wire.WorkflowResponse),
      listWorkflows: (params) => get("listWorkflows", "/v1/workflows", Wire.WorkflowList, params),
      getWorkflow: (id) => get("getWorkflow", `/v1/workflows/${seg(id)}`, Wire.WorkflowResponse),
      updateWorkflow: (id, body) => withBody("updateWorkflow", "PATCH", `/v1/workflows/${seg(id)}`, Wire.UpdateWorkflowRequest, body, Wire.WorkflowResponse)
    } satisfies Service
  })

export const layer = (settings: Settings): Layer.Layer<InteractlyClient, never, HttpClient.HttpClient> =>
  Layer.effect(InteractlyClient, make(settings))

/** The environment variables read by {@link config}; defined with the registry entry. */
export { env }

/** Settings from the environment: `INTERACTLY_API_KEY` (required), the rest optional. */
export const config: Config.Config<Settings> = Config.all({
  apiKey: Config.redacted("INTERACTLY_API_KEY"),
  baseUrl: Config.string("INTERACTLY_BASE_URL").pipe(Config.withDefault(defaultBaseUrl)),
  teamId: Config.option(Config.string("INTERACTLY_TEAM_ID")),
  userId: Config.option(Config.string("INTERACTLY_USER_ID"))
}).pipe(
  Config.map(({ apiKey, baseUrl, teamId, userId }): Settings => ({
    apiKey,
    baseUrl,
    ...(Option.isSome(teamId) ? { teamId: teamId.value } : {}),
    ...(Option.isSome(userId) ? { userId: userId.value } : {})
  }))
)

export const layerConfig = Layer.unwrapEffect(Effect.map(config, layer))
