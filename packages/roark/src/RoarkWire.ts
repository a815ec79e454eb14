/**
 * Roark's wire format (the v2.31 Node SDK types plus the later run/cancel additions; see
 * `docs/providers/roark.md`). Responses are lenient: enums are `Schema.String` (the mapping tables
 * decide), optional and nullable fields stay optional, extra fields are ignored on decode. Request
 * bodies are strict and are validated before they are sent (and by the emulator when received).
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

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

const Str = Schema.String
const OptStr = Schema.optional(Schema.NullOr(Schema.String))
const Ref = Schema.Struct({ id: Str })
const Unknowns = Schema.Record({ key: Schema.String, value: Schema.Unknown })
const StringMap = Schema.Record({ key: Schema.String, value: Schema.String })

// ---------------------------------------------------------------------------------------------
// Enums (strict, for request bodies)
// ---------------------------------------------------------------------------------------------

export const Language = Schema.Literal(
  "EN", "ES", "DE", "HI", "FR", "NL", "AR", "EL", "IT", "ID", "TH", "JA", "TL", "MS", "ZH", "TR", "PT", "HE"
)
export const Accent = Schema.Literal(
  "US", "US_X_SOUTH", "GB", "ES", "DE", "IN", "FR", "NL", "SA", "GR", "AU", "IT", "ID", "TH", "JP", "NZ", "PH", "SG",
  "MY", "HK", "TR", "PT", "IL"
)
export const Gender = Schema.Literal("MALE", "FEMALE")
export const BackgroundNoise = Schema.Literal(
  "NONE", "AIRPORT", "CHILDREN_PLAYING", "CITY", "COFFEE_SHOP", "DRIVING", "OFFICE", "THUNDERSTORM", "CONSTRUCTION",
  "CRYING_BABY", "LIBRARY", "TRAIN"
)
export const SpeechPace = Schema.Literal("SUPER_SLOW", "SLOW", "NORMAL", "FAST", "SUPER_FAST")
export const SpeechClarity = Schema.Literal("CLEAR", "VAGUE", "RAMBLING")
export const BaseEmotion = Schema.Literal(
  "NEUTRAL", "CHEERFUL", "CONFUSED", "FRUSTRATED", "SKEPTICAL", "RUSHED", "DISTRACTED", "ANGRY", "ANXIOUS", "SAD"
)
export const IntentClarity = Schema.Literal("CLEAR", "INDIRECT", "VAGUE")
export const ConfirmationStyle = Schema.Literal("EXPLICIT", "VAGUE")
export const MemoryReliability = Schema.Literal("HIGH", "LOW")
export const ResponseTiming = Schema.Literal("RELAXED", "NORMAL", "QUICK", "BARGE_IN")
export const Direction = Schema.Literal("INBOUND", "OUTBOUND")
export const ExecutionMode = Schema.Literal("PARALLEL", "SEQUENTIAL_SAME_RUN_PLAN", "SEQUENTIAL_PROJECT")
export const StepType = Schema.Literal(
  "AGENT_TURN", "CUSTOMER_TURN", "CUSTOMER_FIRST_MESSAGE", "CUSTOMER_SILENCE", "CUSTOMER_DTMF", "VOICEMAIL", "SCENARIO_LINK"
)
export const MetricType = Schema.Literal("COUNT", "NUMERIC", "BOOLEAN", "SCALE", "TEXT", "CLASSIFICATION", "OFFSET")
export const MetricScope = Schema.Literal("GLOBAL", "PER_PARTICIPANT")
export const EndpointDirection = Schema.Literal("INCOMING", "OUTGOING", "INCOMING_AND_OUTGOING")

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
// Personas (`/v1/persona`)
// ---------------------------------------------------------------------------------------------

export const Persona = Schema.Struct({
  id: Str,
  name: Str,
  language: Str,
  accent: Str,
  gender: Str,
  backgroundNoise: Schema.optional(Str),
  speechPace: Schema.optional(Str),
  speechClarity: Schema.optional(Str),
  hasDisfluencies: Schema.optional(Schema.Boolean),
  baseEmotion: Schema.optional(Str),
  intentClarity: Schema.optional(Str),
  confirmationStyle: Schema.optional(Str),
  memoryReliability: Schema.optional(Str),
  responseTiming: Schema.optional(Str),
  idleMessages: Schema.optional(Schema.NullOr(Schema.Array(Str))),
  idleTimeoutSeconds: Schema.optional(Schema.Number),
  idleMessageMaxSpokenCount: Schema.optional(Schema.Number),
  idleMessageResetCountOnUserSpeechEnabled: Schema.optional(Schema.Boolean),
  properties: Schema.optional(Schema.NullOr(Unknowns)),
  backstoryPrompt: OptStr,
  description: OptStr,
  secondaryLanguage: OptStr,
  createdAt: Schema.optional(Str),
  updatedAt: Schema.optional(Str)
})
export type Persona = typeof Persona.Type

const personaOptionalFields = {
  backgroundNoise: Schema.optional(BackgroundNoise),
  speechPace: Schema.optional(SpeechPace),
  speechClarity: Schema.optional(SpeechClarity),
  hasDisfluencies: Schema.optional(Schema.Boolean),
  baseEmotion: Schema.optional(BaseEmotion),
  intentClarity: Schema.optional(IntentClarity),
  confirmationStyle: Schema.optional(ConfirmationStyle),
  memoryReliability: Schema.optional(MemoryReliability),
  responseTiming: Schema.optional(ResponseTiming),
  idleMessages: Schema.optional(Schema.NullOr(Schema.Array(Str))),
  idleTimeoutSeconds: Schema.optional(Schema.Int.pipe(Schema.between(5, 60))),
  idleMessageMaxSpokenCount: Schema.optional(Schema.Int.pipe(Schema.between(1, 10))),
  idleMessageResetCountOnUserSpeechEnabled: Schema.optional(Schema.Boolean),
  properties: Schema.optional(Unknowns),
  backstoryPrompt: Schema.optional(Schema.NullOr(Str)),
  description: Schema.optional(Schema.NullOr(Str)),
  secondaryLanguage: Schema.optional(Schema.NullOr(Schema.Literal("EN")))
}

export const PersonaCreate = Schema.Struct({
  name: Schema.NonEmptyString,
  language: Language,
  accent: Accent,
  gender: Gender,
  ...personaOptionalFields
})
export type PersonaCreate = typeof PersonaCreate.Type

export const PersonaUpdate = Schema.Struct({
  name: Schema.optional(Schema.NonEmptyString),
  language: Schema.optional(Language),
  accent: Schema.optional(Accent),
  gender: Schema.optional(Gender),
  ...personaOptionalFields
})
export type PersonaUpdate = typeof PersonaUpdate.Type

// ---------------------------------------------------------------------------------------------
// Scenarios (`/v1/simulation/scenario`)
// ---------------------------------------------------------------------------------------------

export const ScenarioStep = Schema.Struct({
  nodeId: Schema.optional(Str),
  type: Str,
  content: Schema.optional(Schema.NullOr(Str)),
  dtmfDigits: OptStr,
  linkedScenarioId: OptStr,
  silenceDurationSeconds: Schema.optional(Schema.NullOr(Schema.Number))
})

export const Scenario = Schema.Struct({
  id: Str,
  name: Schema.NullOr(Str),
  description: OptStr,
  steps: Schema.optionalWith(Schema.Array(ScenarioStep), { default: () => [] }),
  createdAt: Schema.optional(Str),
  updatedAt: Schema.optional(Str)
})
export type Scenario = typeof Scenario.Type

export const StepInput = Schema.Struct({
  content: Str,
  type: StepType,
  dtmfDigits: Schema.optional(Schema.String.pipe(Schema.pattern(/^[0-9*#wW]+$/))),
  linkedScenarioId: Schema.optional(Str),
  silenceDurationSeconds: Schema.optional(Schema.Number)
})
export type StepInput = typeof StepInput.Type

export const ScenarioCreate = Schema.Struct({
  name: Schema.NonEmptyString,
  steps: Schema.NonEmptyArray(StepInput)
})
export type ScenarioCreate = typeof ScenarioCreate.Type

export const StepChange = Schema.Union(
  Schema.Struct({ action: Schema.Literal("create"), ...StepInput.fields }),
  Schema.Struct({
    action: Schema.Literal("update"),
    nodeId: Str,
    content: Schema.optional(Str),
    type: Schema.optional(StepType),
    dtmfDigits: Schema.optional(Str),
    linkedScenarioId: Schema.optional(Str),
    silenceDurationSeconds: Schema.optional(Schema.Number)
  }),
  Schema.Struct({ action: Schema.Literal("delete"), nodeId: Str })
)
export type StepChange = typeof StepChange.Type

export const ScenarioUpdate = Schema.Struct({
  name: Schema.optional(Schema.NonEmptyString),
  stepChanges: Schema.Array(StepChange)
})
export type ScenarioUpdate = typeof ScenarioUpdate.Type

export const Deleted = Schema.Struct({ deleted: Schema.Boolean })

// ---------------------------------------------------------------------------------------------
// Metric definitions (`/v1/metric/definitions`)
// ---------------------------------------------------------------------------------------------

export const MetricDefinition = Schema.Struct({
  id: Str,
  /** The slug (`metricId` in v2.31, renamed `slug` in 2026-05; either is accepted). */
  metricId: Schema.optional(Str),
  slug: Schema.optional(Str),
  name: Str,
  description: OptStr,
  scope: Schema.optional(Str),
  type: Str,
  supportedContexts: Schema.optional(Schema.Array(Str)),
  unit: Schema.optional(Schema.NullOr(Schema.Struct({ name: Str, symbol: OptStr })))
})
export type MetricDefinition = typeof MetricDefinition.Type

/** The slug of a definition, whichever field carries it. */
export const slugOf = (m: { readonly metricId?: string | undefined; readonly slug?: string | undefined }): string | undefined =>
  m.slug ?? m.metricId

/**
 * Create params. Not in the reference (UNKNOWN); chosen as the definition object's own writable
 * fields: `name`, `slug` (also sent as `metricId` for older servers), `description`, `type`,
 * `scope`, `supportedContexts`.
 */
export const MetricDefinitionCreate = Schema.Struct({
  name: Schema.NonEmptyString,
  slug: Schema.String.pipe(Schema.pattern(/^[a-z0-9_]+$/)),
  metricId: Schema.optional(Schema.String.pipe(Schema.pattern(/^[a-z0-9_]+$/))),
  description: Schema.NonEmptyString,
  type: MetricType,
  scope: Schema.optional(MetricScope),
  supportedContexts: Schema.optional(Schema.Array(Schema.Literal("CALL", "SEGMENT", "TURN")))
})
export type MetricDefinitionCreate = typeof MetricDefinitionCreate.Type

// ---------------------------------------------------------------------------------------------
// Agents and agent endpoints
// ---------------------------------------------------------------------------------------------

export const Agent = Schema.Struct({
  id: Str,
  name: Str,
  customId: OptStr,
  description: OptStr,
  createdAt: Schema.optional(Str),
  updatedAt: Schema.optional(Str)
})
export type Agent = typeof Agent.Type

export const AgentCreate = Schema.Struct({
  name: Schema.NonEmptyString,
  customId: Schema.optional(Schema.NullOr(Str)),
  description: Schema.optional(Schema.NullOr(Str))
})
export const AgentUpdate = Schema.Struct({ name: Schema.optional(Schema.NonEmptyString), description: Schema.optional(Schema.NullOr(Str)) })

export const AgentEndpoint = Schema.Struct({
  id: Str,
  agentId: Str,
  direction: Str,
  environment: Schema.optional(Str),
  outboundDialType: Schema.optional(Str),
  outboundDialHttpRequestDefinitionId: OptStr,
  type: Schema.optional(Str),
  value: Str,
  createdAt: Schema.optional(Str),
  updatedAt: Schema.optional(Str)
})
export type AgentEndpoint = typeof AgentEndpoint.Type

export const E164 = Schema.String.pipe(Schema.pattern(/^\+[1-9]\d{6,14}$/, { message: () => "expected an E.164 phone number" }))

export const AgentEndpointCreate = Schema.Struct({
  agentId: Str,
  direction: EndpointDirection,
  value: E164,
  environment: Schema.optional(Str),
  outboundDialType: Schema.optional(Schema.Literal("NONE", "HTTP_REQUEST")),
  outboundDialHttpRequestDefinitionId: Schema.optional(Schema.NullOr(Str))
})
export const AgentEndpointUpdate = Schema.Struct({
  environment: Schema.optional(Str),
  outboundDialType: Schema.optional(Schema.Literal("NONE", "HTTP_REQUEST")),
  outboundDialHttpRequestDefinitionId: Schema.optional(Schema.NullOr(Str))
})

// ---------------------------------------------------------------------------------------------
// Run plans (`/v1/simulation/plan`)
// ---------------------------------------------------------------------------------------------

export const ScenarioRef = Schema.Struct({ id: Str, variables: Schema.optional(Schema.NullOr(StringMap)) })

export const RunPlan = Schema.Struct({
  id: Str,
  name: Str,
  description: OptStr,
  direction: Str,
  agentEndpoints: Schema.optionalWith(Schema.Array(Ref), { default: () => [] }),
  personas: Schema.optionalWith(Schema.Array(Ref), { default: () => [] }),
  scenarios: Schema.optionalWith(Schema.Array(ScenarioRef), { default: () => [] }),
  metrics: Schema.optionalWith(Schema.Array(Schema.Struct({ id: Schema.optional(Str), slug: Schema.optional(Str) })), { default: () => [] }),
  /** Deprecated by Roark ("Use metrics instead"). */
  evaluators: Schema.optional(Schema.Array(Ref)),
  iterationCount: Schema.optional(Schema.Number),
  maxConcurrentJobs: Schema.optional(Schema.Number),
  maxSimulationDurationSeconds: Schema.optional(Schema.Number),
  silenceTimeoutSeconds: Schema.optional(Schema.Number),
  endCallPhrases: Schema.optional(Schema.Array(Str)),
  endCallReasons: Schema.optional(Schema.Array(Str)),
  executionMode: Schema.optional(Str),
  testCaseCount: Schema.optional(Schema.Number),
  createdAt: Schema.optional(Str),
  updatedAt: Schema.optional(Str)
})
export type RunPlan = typeof RunPlan.Type

const PositiveInt = Schema.Int.pipe(Schema.greaterThanOrEqualTo(1))
const MetricRef = Schema.Union(Schema.Struct({ id: Str }), Schema.Struct({ slug: Str }))

const runPlanFields = {
  description: Schema.optional(Str),
  iterationCount: Schema.optional(PositiveInt),
  maxConcurrentJobs: Schema.optional(PositiveInt),
  silenceTimeoutSeconds: Schema.optional(PositiveInt),
  endCallPhrases: Schema.optional(Schema.Array(Str)),
  endCallReasons: Schema.optional(Schema.Array(Str)),
  executionMode: Schema.optional(ExecutionMode)
}

export const RunPlanCreate = Schema.Struct({
  name: Schema.NonEmptyString,
  direction: Direction,
  maxSimulationDurationSeconds: PositiveInt,
  agentEndpoints: Schema.NonEmptyArray(Ref),
  personas: Schema.NonEmptyArray(Ref),
  scenarios: Schema.NonEmptyArray(Schema.Struct({ id: Str, variables: Schema.optional(StringMap) })),
  metrics: Schema.NonEmptyArray(MetricRef),
  autoRun: Schema.optional(Schema.Boolean),
  ...runPlanFields
})
export type RunPlanCreate = typeof RunPlanCreate.Type

export const RunPlanUpdate = Schema.Struct({
  name: Schema.optional(Schema.NonEmptyString),
  direction: Schema.optional(Direction),
  maxSimulationDurationSeconds: Schema.optional(PositiveInt),
  agentEndpoints: Schema.optional(Schema.NonEmptyArray(Ref)),
  personas: Schema.optional(Schema.NonEmptyArray(Ref)),
  scenarios: Schema.optional(Schema.NonEmptyArray(Schema.Struct({ id: Str, variables: Schema.optional(StringMap) }))),
  metrics: Schema.optional(Schema.NonEmptyArray(MetricRef)),
  ...runPlanFields
})
export type RunPlanUpdate = typeof RunPlanUpdate.Type

export const RunPlanJobStart = Schema.Struct({
  createdAt: Schema.optional(Str),
  simulationRunPlanId: Str,
  simulationRunPlanJobId: Str,
  status: Str
})
export type RunPlanJobStart = typeof RunPlanJobStart.Type

/** `POST /v1/simulation/plan/{id}/job`. */
export const RunPlanJobStartResponse = Envelope(RunPlanJobStart)

export const RunPlanCreated = Schema.Struct({
  runPlan: RunPlan,
  runPlanJob: Schema.optional(Schema.NullOr(RunPlanJobStart))
})

// ---------------------------------------------------------------------------------------------
// Run-plan jobs and simulation jobs
// ---------------------------------------------------------------------------------------------

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
