/**
 * Roark's wire format (the v2.31 Node SDK types plus the later run/cancel additions; see
 * `docs/providers/roark.md`). Responses are lenient: enums are `Schema.String` (the mapping tables
 * decide), optional and nullable fields stay optional, extra fields are ignored on decode. Request
 * bodies are strict and are validated before they are sent (and by the emulator when received).
 *
 * This module holds the envelope, pagination, run-plan jobs, simulation jobs, calls, webhooks and
 * errors; the objects a run plan is built from and the run plan itself (personas, scenarios,
 * metric definitions, agents, agent endpoints, run plans, with their create and update bodies)
 * are defined in `internal/provisioningWire.ts` and re-exported here, so every wire name is
 * `RoarkWire.<Name>`.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { Persona, RunPlan } from "./internal/provisioningWire.js"
import { OptStr, Str, StringMap, Unknowns } from "./internal/wireFields.js"

export * from "./internal/provisioningWire.js"

// ---------------------------------------------------------------------------------------------
// Envelope and pagination
// ---------------------------------------------------------------------------------------------

const envelopes = new WeakMap<Schema.Schema.Any, Schema.Schema.Any>()

/**
 * `{ data: A }`, the envelope of every response. One schema per `data` schema, so that a request
 * does not build its response schema again.
 */
export const Envelope = <A, I, R>(data: Schema.Schema<A, I, R>): Schema.Struct<{ data: Schema.Schema<A, I, R> }> => {
  const known = envelopes.get(data)
  if (known !== undefined) return known as Schema.Struct<{ data: Schema.Schema<A, I, R> }>
  const made = Schema.Struct({ data })
  envelopes.set(data, made)
  return made
}

/** `pagination` of list responses; `nextCursor` may be missing (run-plan jobs) or null. */
export const Pagination = Schema.Struct({
  hasMore: Schema.Boolean,
  nextCursor: Schema.optional(Schema.NullOr(Schema.String)),
  total: Schema.optional(Schema.Number)
})
export type Pagination = typeof Pagination.Type

const pages = new WeakMap<Schema.Schema.Any, Schema.Schema.Any>()

/** `{ data: A[], pagination }`. One schema per item schema (see `Envelope`). */
export const Page = <A, I, R>(item: Schema.Schema<A, I, R>): Schema.Struct<{
  data: Schema.Array$<Schema.Schema<A, I, R>>
  pagination: Schema.optional<typeof Pagination>
}> => {
  const known = pages.get(item)
  if (known !== undefined) return known as ReturnType<typeof Page<A, I, R>>
  const made = Schema.Struct({ data: Schema.Array(item), pagination: Schema.optional(Pagination) })
  pages.set(item, made)
  return made
}

export interface PageOf<A> {
  readonly data: ReadonlyArray<A>
  readonly pagination?: Pagination | undefined
}

/** `limit` (default 20, at most 50; 100 for calls) and `after` (the previous `nextCursor`). */
export interface ListParams {
  readonly limit?: number | undefined
  readonly after?: string | undefined
  readonly searchText?: string | undefined
}

// ---------------------------------------------------------------------------------------------
// Statuses and webhook events (the mapping tables in `internal/mapping.ts` read the statuses)
// ---------------------------------------------------------------------------------------------

/** The run-plan job statuses (all 12), for documentation and the emulator. */
export const RunPlanJobStatuses = [
  "PENDING", "QUEUED", "CREATING_SNAPSHOTS", "CREATING_SIMULATIONS", "PREPARING_CAPACITY", "RUNNING_SIMULATIONS",
  "ENDING_SIMULATIONS", "COMPLETED", "FAILED", "TIMED_OUT", "CANCELLED", "CANCELLING"
] as const
export const SimulationJobStatuses = [
  "PENDING", "QUEUED", "PROCESSING", "COMPLETED", "FAILED", "TIMED_OUT", "CANCELLED", "CANCELLING", "RETRY_SCHEDULED"
] as const
export const ProcessingStatuses = [
  "PENDING", "RESERVING_CAPACITY", "CONNECTING", "WAITING_FOR_OUTBOUND_CALL", "WAITING_FOR_LIVE_CONVERSATION", "SIMULATING",
  "ENDING", "ANALYZING", "EVALUATING", "COLLECTING_METRICS", "COMPLETED"
] as const
export const WebhookEvents = [
  "CALL_ANALYSIS_COMPLETED", "CALL_ANALYSIS_FAILED", "CALL_ANALYSIS_CANCELLED", "CALL_EVALUATION_COMPLETED",
  "CALL_EVALUATION_FAILED", "SIMULATION_RUN_PLAN_JOB_STARTED", "SIMULATION_RUN_PLAN_JOB_COMPLETED",
  "SIMULATION_RUN_PLAN_JOB_FAILED", "SIMULATION_RUN_PLAN_JOB_CANCELLED", "SIMULATION_JOB_STARTED",
  "SIMULATION_JOB_COMPLETED", "SIMULATION_JOB_FAILED", "SIMULATION_JOB_CANCELLED", "METRIC_COLLECTION_JOB_COMPLETED",
  "METRIC_COLLECTION_JOB_FAILED", "CHAT_ANALYSIS_COMPLETED", "CHAT_ANALYSIS_FAILED", "ISSUE_OPENED", "ISSUE_RESOLVED"
] as const
export const WebhookEvent = Schema.Literal(...WebhookEvents)

// ---------------------------------------------------------------------------------------------
// Run-plan jobs and simulation jobs
// ---------------------------------------------------------------------------------------------

export const RunPlanJobStart = Schema.Struct({
  createdAt: Schema.optional(Str),
  simulationRunPlanId: Str,
  simulationRunPlanJobId: Str,
  status: Str
})
export type RunPlanJobStart = typeof RunPlanJobStart.Type

/** `POST /v1/simulation/plan/{id}/job`. */
export const RunPlanJobStartResponse = Envelope(RunPlanJobStart)

/** `POST /v1/simulation/plan`: the run plan, and its first job when it was created with `autoRun`. */
export const RunPlanCreated = Schema.Struct({
  runPlan: RunPlan,
  runPlanJob: Schema.optional(Schema.NullOr(RunPlanJobStart))
})

/** Start body: a flat map applies to every scenario; the array form applies per scenario. */
export const RunPlanJobStartParams = Schema.Struct({
  variables: Schema.optional(Schema.Union(
    StringMap,
    Schema.Array(Schema.Struct({ scenarioId: Str, variables: StringMap }))
  ))
})
export type RunPlanJobStartParams = typeof RunPlanJobStartParams.Type

export const RunPlanJobSummary = Schema.Struct({
  createdAt: Schema.optional(Str),
  simulationRunPlanId: Str,
  simulationRunPlanJobId: Str,
  status: Str,
  triggeredBy: OptStr,
  startedAt: OptStr,
  endedAt: OptStr
})
export type RunPlanJobSummary = typeof RunPlanJobSummary.Type

/** `GET /v1/simulation/plan/jobs`. */
export const RunPlanJobSummaryPage = Page(RunPlanJobSummary)

/** The agent endpoint projection; `type` was `endpointType` before 2025-12-19 (both accepted). */
export const SimulationAgentEndpoint = Schema.Struct({
  id: Str,
  name: OptStr,
  phoneNumber: OptStr,
  type: OptStr,
  endpointType: OptStr
})

export const SimulationJob = Schema.Struct({
  simulationJobId: Str,
  status: Str,
  processingStatus: OptStr,
  callId: OptStr,
  roarkPhoneNumber: OptStr,
  persona: Schema.optional(Schema.NullOr(Persona)),
  scenario: Schema.optional(Schema.NullOr(Schema.Struct({ id: Str, description: OptStr }))),
  agentEndpoint: Schema.optional(Schema.NullOr(SimulationAgentEndpoint)),
  /** Later versions: the run plan and the resolved variables of this job. */
  runPlan: Schema.optional(Schema.NullOr(Schema.Struct({ id: Schema.optional(Str), name: OptStr, variables: Schema.optional(Schema.NullOr(Unknowns)) }))),
  createdAt: Schema.optional(Str),
  startedAt: OptStr,
  completedAt: OptStr
})
export type SimulationJob = typeof SimulationJob.Type

/** The endpoint type of a simulation job, from `type` or the older `endpointType`. */
export const endpointTypeOf = (job: SimulationJob): string | undefined =>
  job.agentEndpoint?.type ?? job.agentEndpoint?.endpointType ?? undefined

export const RunPlanJobDetail = Schema.Struct({
  simulationRunPlanJobId: Str,
  simulationRunPlanId: Str,
  status: Str,
  createdAt: Schema.optional(Str),
  startedAt: OptStr,
  endedAt: OptStr,
  simulationJobs: Schema.optionalWith(Schema.Array(SimulationJob), { default: () => [] })
})
export type RunPlanJobDetail = typeof RunPlanJobDetail.Type

/** `GET /v1/simulation/plan/job/{id}`. */
export const RunPlanJobDetailResponse = Envelope(RunPlanJobDetail)

export const RunPlanJobCancel = Schema.Struct({
  cancelled: Schema.Boolean,
  simulationRunPlanJobId: Str,
  status: Str
})
export type RunPlanJobCancel = typeof RunPlanJobCancel.Type

// ---------------------------------------------------------------------------------------------
// Calls
// ---------------------------------------------------------------------------------------------

export const Call = Schema.Struct({
  id: Str,
  projectId: Schema.optional(Str),
  callDirection: Schema.optional(Str),
  startedAt: OptStr,
  createdAt: OptStr,
  endedAt: OptStr,
  durationMs: Schema.optional(Schema.NullOr(Schema.Number)),
  status: OptStr,
  endedStatus: OptStr,
  recordingUrl: OptStr,
  summary: OptStr,
  title: OptStr,
  properties: Schema.optional(Schema.NullOr(Unknowns)),
  simulationJobId: OptStr,
  updatedAt: OptStr
})
export type Call = typeof Call.Type

/** `GET /v1/call/{id}`. */
export const CallResponse = Envelope(Call)

export const TranscriptEntry = Schema.Struct({
  startOffsetMs: Schema.optional(Schema.Number),
  endOffsetMs: Schema.optional(Schema.Number),
  participantId: OptStr,
  role: OptStr,
  text: Str
})

export const Transcript = Schema.Struct({
  entries: Schema.optionalWith(Schema.Array(TranscriptEntry), { default: () => [] }),
  participants: Schema.optional(Schema.Array(Schema.Struct({ id: Str, type: Str, agentId: OptStr, customerId: OptStr }))),
  transcriptionSource: OptStr
})
export type Transcript = typeof Transcript.Type

/** `GET /v1/call/{id}/transcript`. */
export const TranscriptResponse = Envelope(Transcript)

export const MetricValue = Schema.Struct({
  value: Schema.optional(Schema.Union(Schema.Number, Schema.Boolean, Schema.String, Schema.Null)),
  confidence: Schema.optional(Schema.Number),
  context: OptStr,
  computedAt: OptStr,
  valueReasoning: OptStr,
  participantRole: OptStr,
  captureStatus: OptStr
})
export type MetricValue = typeof MetricValue.Type

export const CallMetric = Schema.Struct({
  metricDefinitionId: Str,
  metricId: Schema.optional(Str),
  slug: Schema.optional(Str),
  name: Str,
  description: OptStr,
  scope: OptStr,
  type: Str,
  unit: Schema.optional(Schema.NullOr(Schema.Struct({ name: Str, symbol: OptStr }))),
  values: Schema.optionalWith(Schema.Array(MetricValue), { default: () => [] })
})
export type CallMetric = typeof CallMetric.Type

/** `GET /v1/call/{id}/metrics` (`{ data: CallMetric[] }`). */
export const CallMetricsResponse = Envelope(Schema.Array(CallMetric))

// ---------------------------------------------------------------------------------------------
// Webhooks and health
// ---------------------------------------------------------------------------------------------

export const WebhookCreate = Schema.Struct({
  url: Schema.String.pipe(Schema.pattern(/^https?:\/\//)),
  events: Schema.NonEmptyArray(WebhookEvent),
  description: Schema.optional(Schema.NullOr(Str)),
  headers: Schema.optional(StringMap)
})
export type WebhookCreate = typeof WebhookCreate.Type

export const Webhook = Schema.Struct({
  id: Str,
  url: Str,
  description: OptStr,
  events: Schema.Array(Str),
  headers: Schema.optional(Schema.NullOr(StringMap)),
  signingSecret: Schema.optional(Str),
  createdAt: Schema.optional(Str),
  updatedAt: Schema.optional(Str)
})
export type Webhook = typeof Webhook.Type

/** A webhook delivery: `{ event, version, timestamp, data }` with dotted lower-case event names. */
export const WebhookDelivery = Schema.Struct({
  event: Str,
  version: Str,
  timestamp: Str,
  data: Unknowns
})
export type WebhookDelivery = typeof WebhookDelivery.Type

export const Health = Schema.Struct({ status: Str, timestamp: Schema.optional(Str), version: Schema.optional(Str) })

/**
 * The error body the emulator sends (Roark's own is UNKNOWN): `{ statusCode, error, message }`,
 * plus `issues: [{ path, message }]` on validation errors. The SDK reads `message`.
 */
export const ErrorBody = Schema.Struct({
  statusCode: Schema.Number,
  error: Str,
  message: Str,
  issues: Schema.optional(Schema.Array(Schema.Struct({ path: Str, message: Str })))
})
export type ErrorBody = typeof ErrorBody.Type
