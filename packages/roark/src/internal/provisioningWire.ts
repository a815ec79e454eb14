/**
 * Roark's wire format for the objects a run plan is built from (personas, scenarios, metric
 * definitions, agents and their endpoints) and for the run plan itself: the lenient response
 * shapes and the strict create and update bodies provisioning sends. Every name here is part of
 * `RoarkWire`, which re-exports this module; import it from there.
 *
 * @internal
 */
import * as Schema from "effect/Schema"
import { OptStr, Ref, Str, StringMap, Unknowns } from "./wireFields.js"

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

/** The output types that need an `llmPrompt` (the instructions Roark's judge scores with). */
export const promptedMetricTypes: ReadonlySet<string> = new Set(["BOOLEAN", "NUMERIC", "TEXT", "SCALE"])

/** What `MetricDefinitionCreate` requires beyond its fields, by output type and scope (the SDK's field docs). */
const metricDefinitionRules = (b: {
  readonly outputType: string
  readonly llmPrompt?: string | undefined
  readonly scaleMin?: number | undefined
  readonly scaleMax?: number | undefined
  readonly classificationOptions?: ReadonlyArray<unknown> | undefined
  readonly scope?: string | undefined
  readonly participantRole?: string | undefined
}): Array<Schema.FilterIssue> => {
  const issues: Array<Schema.FilterIssue> = []
  const missing = (field: string, when: string) => issues.push({ path: [field], message: `is missing (required ${when})` })
  if (promptedMetricTypes.has(b.outputType) && b.llmPrompt === undefined) missing("llmPrompt", `for outputType ${b.outputType}`)
  if (b.outputType === "SCALE") {
    if (b.scaleMin === undefined) missing("scaleMin", "for outputType SCALE")
    if (b.scaleMax === undefined) missing("scaleMax", "for outputType SCALE")
    if (b.scaleMin !== undefined && b.scaleMax !== undefined && !(b.scaleMin < b.scaleMax)) {
      issues.push({ path: ["scaleMax"], message: `must be greater than scaleMin (${b.scaleMin})` })
    }
  }
  if (b.outputType === "CLASSIFICATION" && (b.classificationOptions ?? []).length === 0) missing("classificationOptions", "for outputType CLASSIFICATION")
  if (b.scope === "PER_PARTICIPANT" && b.participantRole === undefined) missing("participantRole", "when scope is PER_PARTICIPANT")
  return issues
}

/**
 * `POST /v1/metric/definitions` (the SDK's `MetricCreateDefinitionParams`): the definition is
 * added to an analysis package; `metricId` is its slug (generated from the name when absent).
 * `llmPrompt` is required for BOOLEAN, NUMERIC, TEXT and SCALE, `scaleMin` / `scaleMax` for
 * SCALE, `classificationOptions` for CLASSIFICATION and `participantRole` for PER_PARTICIPANT.
 */
export const MetricDefinitionCreate = Schema.Struct({
  analysisPackageId: Schema.NonEmptyString,
  name: Schema.NonEmptyString,
  outputType: MetricType,
  llmPrompt: Schema.optional(Schema.NonEmptyString),
  metricId: Schema.optional(Schema.String.pipe(Schema.pattern(/^[a-z0-9_]+$/))),
  booleanTrueLabel: Schema.optional(Schema.NonEmptyString),
  booleanFalseLabel: Schema.optional(Schema.NonEmptyString),
  classificationOptions: Schema.optional(Schema.Array(Schema.Struct({ description: Str, displayOrder: Schema.Number, label: Schema.NonEmptyString }))),
  maxClassifications: Schema.optional(Schema.Int.pipe(Schema.greaterThanOrEqualTo(1))),
  participantRole: Schema.optional(Schema.Literal("AGENT", "CUSTOMER", "SIMULATED_CUSTOMER", "BACKGROUND_SPEAKER")),
  scaleLabels: Schema.optional(Schema.Array(Schema.Struct({
    displayOrder: Schema.Number,
    label: Schema.NonEmptyString,
    rangeMax: Schema.Number,
    rangeMin: Schema.Number,
    colorHex: Schema.optional(Str),
    description: Schema.optional(Str)
  }))),
  scaleMax: Schema.optional(Schema.Finite),
  scaleMin: Schema.optional(Schema.Finite),
  scope: Schema.optional(MetricScope),
  supportedContexts: Schema.optional(Schema.Array(Schema.Literal("CALL", "SEGMENT", "TURN")))
}).pipe(Schema.filter(metricDefinitionRules))
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

/** An array of at least one item (Roark refuses an empty `personas`, `scenarios`, `agentEndpoints` or `metrics`). */
const AtLeastOne = <A, I, R>(item: Schema.Schema<A, I, R>) => Schema.Array(item).pipe(Schema.minItems(1))

const PlanScenarioRef = Schema.Struct({ id: Str, variables: Schema.optional(StringMap) })

export const RunPlanCreate = Schema.Struct({
  name: Schema.NonEmptyString,
  direction: Direction,
  maxSimulationDurationSeconds: PositiveInt,
  agentEndpoints: AtLeastOne(Ref),
  personas: AtLeastOne(Ref),
  scenarios: AtLeastOne(PlanScenarioRef),
  metrics: AtLeastOne(MetricRef),
  autoRun: Schema.optional(Schema.Boolean),
  ...runPlanFields
})
export type RunPlanCreate = typeof RunPlanCreate.Type

export const RunPlanUpdate = Schema.Struct({
  name: Schema.optional(Schema.NonEmptyString),
  direction: Schema.optional(Direction),
  maxSimulationDurationSeconds: Schema.optional(PositiveInt),
  agentEndpoints: Schema.optional(AtLeastOne(Ref)),
  personas: Schema.optional(AtLeastOne(Ref)),
  scenarios: Schema.optional(AtLeastOne(PlanScenarioRef)),
  metrics: Schema.optional(AtLeastOne(MetricRef)),
  ...runPlanFields
})
export type RunPlanUpdate = typeof RunPlanUpdate.Type

