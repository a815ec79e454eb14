/**
 * Cekura's wire format (the "run evaluators" API, `/test_framework/v1/...`), after Cekura's own
 * OpenAPI file. Responses are lenient: enums are strings (the mapping tables decide), counts typed
 * "string" in the spec are accepted as numbers or numeric strings, extra fields survive, optional
 * fields are optional. Request bodies are strict and validated before sending.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { Mode } from "./CekuraSuite.js"

// ---------------------------------------------------------------------------------------------
// shared pieces
// ---------------------------------------------------------------------------------------------

const Int = Schema.Int
const PositiveInt = Schema.Int.pipe(Schema.greaterThanOrEqualTo(1))
const opt = <S extends Schema.Schema.Any>(s: S) => Schema.optional(Schema.NullOr(s))

/** A count the spec types as "string" while examples and clients treat it as an integer. */
export const Count = Schema.Union(Schema.Number, Schema.NumberFromString)

const pageOf = <A, I, R>(item: Schema.Schema<A, I, R>) =>
  Schema.Struct({
    count: Schema.Number,
    next: opt(Schema.String),
    previous: opt(Schema.String),
    results: Schema.Array(item)
  })
const pages = new WeakMap<Schema.Schema.Any, Schema.Schema.Any>()

/**
 * DRF page-number pagination: `{count, next, previous, results}` with absolute `next` links. One
 * schema per item schema, so that a request does not build its page schema again.
 */
export const Page = <A, I, R>(item: Schema.Schema<A, I, R>): ReturnType<typeof pageOf<A, I, R>> => {
  const known = pages.get(item)
  if (known !== undefined) return known as ReturnType<typeof pageOf<A, I, R>>
  const made = pageOf(item)
  pages.set(item, made)
  return made
}

export interface Page<A> {
  readonly count: number
  readonly next?: string | null | undefined
  readonly previous?: string | null | undefined
  readonly results: ReadonlyArray<A>
}

/** Test-profile `information`: sectioned variables (main -> the agent, testing -> the simulated caller). */
export const Information = Schema.Struct({
  main_agent_variables: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  testing_agent_variables: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown }))
}, Schema.Record({ key: Schema.String, value: Schema.Unknown }))

// ---------------------------------------------------------------------------------------------
// agents, personalities, test profiles, scenarios
// ---------------------------------------------------------------------------------------------

export class Agent extends Schema.Class<Agent>("CekuraAgent")({
  id: Int,
  agent_name: Schema.optional(Schema.String),
  /** true: Cekura calls the agent (inbound); false: the agent dials Cekura (outbound). */
  inbound: Schema.optional(Schema.Boolean),
  assistant_id: opt(Schema.String),
  contact_number: opt(Schema.String),
  language: opt(Schema.String),
  project: opt(Int),
  description: opt(Schema.String),
  webhook_url: opt(Schema.String)
}) {}

/** `CreatePersonality` as the list and the create answer it. */
export class Personality extends Schema.Class<Personality>("CekuraPersonality")({
  id: Int,
  name: Schema.String,
  prompt: opt(Schema.String),
  language: opt(Schema.String),
  accent: opt(Schema.String),
  background_noise: opt(Schema.String),
  voice_model: opt(Schema.String),
  voice_id: opt(Schema.String),
  provider: opt(Schema.String),
  project: opt(Int)
}) {}

/** The language codes of `CreatePersonality.language`. */
export const personalityLanguages = [
  "af", "ar", "bn", "bg", "zh", "cs", "da", "nl", "en", "et", "fi", "fr", "de", "el", "gu", "hi", "he", "hu", "id", "it", "ja", "kn",
  "ko", "ms", "ml", "mr", "multi", "no", "pl", "pa", "pt", "ro", "ru", "sk", "es", "sv", "th", "tr", "tl", "ta", "te", "uk", "vi"
] as const

/** The voice providers of `CreatePersonality.provider`. */
export const personalityProviders = ["11labs", "cartesia"] as const

/** `POST /test_framework/v1/personalities/` (`CreatePersonality`; `name`, `background_noise` and `voice_model` required). */
export class CreatePersonalityRequest extends Schema.Class<CreatePersonalityRequest>("CekuraCreatePersonalityRequest")({
  /** Optional with a project-scoped API key, required otherwise. */
  project: Schema.optional(PositiveInt),
  name: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(255)),
  prompt: Schema.optional(Schema.String),
  language: Schema.optional(Schema.Literal(...personalityLanguages)),
  accent: Schema.optional(Schema.String.pipe(Schema.maxLength(255))),
  background_noise: Schema.String,
  voice_model: Schema.String.pipe(Schema.minLength(1)),
  voice_id: Schema.optional(Schema.String),
  provider: Schema.optional(Schema.Literal(...personalityProviders))
}) {}

export class TestProfile extends Schema.Class<TestProfile>("CekuraTestProfile")({
  id: Int,
  name: Schema.String,
  agent: opt(Int),
  project: opt(Int),
  information: Schema.optional(Schema.Unknown)
}) {}

export class Scenario extends Schema.Class<Scenario>("CekuraScenario")({
  id: Int,
  name: Schema.String,
  agent: opt(Int),
  project: opt(Int),
  personality: opt(Int),
  personality_name: opt(Schema.String),
  instructions: opt(Schema.String),
  expected_outcome_prompt: opt(Schema.String),
  /** Tags: strings on create; tolerated as any shape on read (the list schema leaves it untyped). */
  tags: Schema.optional(Schema.Unknown),
  metrics: Schema.optional(Schema.Unknown),
  test_profile: opt(Int),
  folder_path: opt(Schema.String),
  scenario_language: opt(Schema.String)
}) {}

/** The tags of a scenario as strings, whatever shape they came in. */
export const tagsOf = (scenario: Scenario): ReadonlyArray<string> =>
  Array.isArray(scenario.tags)
    ? scenario.tags.flatMap((t: unknown) =>
      typeof t === "string" ? [t] : t !== null && typeof t === "object" && typeof (t as { name?: unknown }).name === "string" ? [(t as { name: string }).name] : []
    )
    : typeof scenario.tags === "string" ? scenario.tags.split(",").map((t) => t.trim()).filter((t) => t !== "") : []

// ---------------------------------------------------------------------------------------------
// run trigger
// ---------------------------------------------------------------------------------------------

/** The voice run mode; defined with the suite schemas. */
export { Mode }

const triggerFields = {
  agent_id: Schema.optional(PositiveInt),
  assistant_id: Schema.optional(Schema.String.pipe(Schema.minLength(1))),
  scenarios: Schema.optional(Schema.Array(PositiveInt)),
  tags: Schema.optional(Schema.Array(Schema.String)),
  folder_path: Schema.optional(Schema.String.pipe(Schema.minLength(1))),
  project_id: Schema.optional(PositiveInt),
  frequency: Schema.optional(PositiveInt),
  name: Schema.optional(Schema.String),
  outbound_phone_number: Schema.optional(Schema.String),
  personality_ids: Schema.optional(Schema.Array(PositiveInt)),
  test_profile_ids: Schema.optional(Schema.Array(PositiveInt)),
  agent_number: Schema.optional(Schema.String),
  concurrency_limit: Schema.optional(PositiveInt),
  mock_tool_names: Schema.optional(Schema.Array(Schema.String))
}

/** The selection rules the server enforces in prose ("Either scenarios, tags, or folder_path..."). */
const selection = (body: {
  readonly agent_id?: number | undefined
  readonly assistant_id?: string | undefined
  readonly scenarios?: ReadonlyArray<number> | undefined
  readonly tags?: ReadonlyArray<string> | undefined
  readonly folder_path?: string | undefined
  readonly project_id?: number | undefined
}): ReadonlyArray<Schema.FilterIssue> => {
  const issues: Array<Schema.FilterIssue> = []
  if (body.agent_id === undefined && body.assistant_id === undefined) {
    issues.push({ path: ["agent_id"], message: "either agent_id or assistant_id must be provided" })
  }
  const chosen = [body.scenarios !== undefined, body.tags !== undefined, body.folder_path !== undefined].filter(Boolean).length
  if (chosen === 0) issues.push({ path: ["scenarios"], message: "either scenarios, tags, or folder_path must be provided" })
  if (body.folder_path !== undefined && chosen > 1) {
    issues.push({ path: ["folder_path"], message: "folder_path is mutually exclusive with scenarios and tags" })
  }
  if (body.folder_path !== undefined && body.project_id === undefined) {
    issues.push({ path: ["project_id"], message: "project_id is required with folder_path" })
  }
  return issues
}

const runScenariosFields = Schema.Struct({
  ...triggerFields,
  personality_id: Schema.optional(Schema.NullOr(PositiveInt)),
  test_profile_id: Schema.optional(Schema.NullOr(PositiveInt)),
  mode: Schema.optional(Mode)
})

/** `POST /test_framework/v1/scenarios/run_scenarios/` (voice). */
export class RunScenariosRequest extends Schema.Class<RunScenariosRequest>("CekuraRunScenariosRequest")(
  runScenariosFields.pipe(Schema.filter(selection))
) {}

const runScenariosTextFields = Schema.Struct({
  ...triggerFields,
  websocket_url: Schema.optional(Schema.String),
  websocket_headers: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String }))
})

/** `POST /test_framework/v1/scenarios/run_scenarios_text/` (text, SMS, chat, websocket). */
export class RunScenariosTextRequest extends Schema.Class<RunScenariosTextRequest>("CekuraRunScenariosTextRequest")(
  runScenariosTextFields.pipe(Schema.filter(selection))
) {}

export class TriggerRun extends Schema.Class<TriggerRun>("CekuraTriggerRun")({
  id: Int,
  status: Schema.optional(Schema.String),
  scenario: opt(Int),
  scenario_name: opt(Schema.String),
  number: opt(Schema.String),
  inbound_number: opt(Schema.String),
  test_profile_data: Schema.optional(Schema.Unknown),
  outbound_dial_window_opens_at: opt(Schema.String),
  outbound_dial_window_seconds: opt(Schema.Number),
  outbound_dial_window_closes_at: opt(Schema.String)
}) {}

/** The 201 body of a run trigger: the new result and its runs. */
export class TriggerResponse extends Schema.Class<TriggerResponse>("CekuraTriggerResponse")({
  id: Int,
  agent: opt(Int),
  status: Schema.String,
  success_rate: opt(Schema.Number),
  run_as_text: Schema.optional(Schema.Boolean),
  runs: Schema.optionalWith(Schema.Array(TriggerRun), { default: () => [] }),
  created_at: opt(Schema.String)
}) {}

// ---------------------------------------------------------------------------------------------
// evaluations
// ---------------------------------------------------------------------------------------------

export const Explanation = Schema.Union(Schema.String, Schema.Array(Schema.String))

export const Metric = Schema.Struct({
  id: opt(Schema.Number),
  name: opt(Schema.String),
  type: opt(Schema.String),
  /** Webhook payloads say `eval_type` where the API says `type`. */
  eval_type: opt(Schema.String),
  score: opt(Schema.Number),
  passed: opt(Schema.Boolean),
  value: Schema.optional(Schema.Unknown),
  enum: Schema.optional(Schema.Unknown),
  explanation: opt(Explanation)
})
export type Metric = typeof Metric.Type

export const OutcomeAlignment = Schema.Struct({
  outcome: opt(Schema.String),
  prompt_part: opt(Schema.String),
  aligned: opt(Schema.Boolean)
})
export type OutcomeAlignment = typeof OutcomeAlignment.Type

export const ExpectedOutcome = Schema.Struct({
  score: opt(Schema.Number),
  explanation: opt(Explanation),
  outcome_alignments: opt(Schema.Array(OutcomeAlignment))
})
export type ExpectedOutcome = typeof ExpectedOutcome.Type

export const Evaluation = Schema.Struct({ metrics: opt(Schema.Array(Metric)) })

/** `scenario` is an id in the API and `{id, name, ...}` in webhook payloads. */
export const ScenarioField = Schema.Union(Int, Schema.Struct({ id: Int, name: opt(Schema.String) }))
export const scenarioIdOf = (s: typeof ScenarioField.Type | null | undefined): number | undefined =>
  s === null || s === undefined ? undefined : typeof s === "number" ? s : s.id

const runSummaryFields = {
  id: Int,
  scenario: opt(ScenarioField),
  scenario_name: opt(Schema.String),
  status: opt(Schema.String),
  success: opt(Schema.Boolean),
  error_message: opt(Schema.String),
  evaluation: opt(Evaluation),
  /** An object in every example; the spec types it "string" on `Run`. */
  expected_outcome: opt(Schema.Union(ExpectedOutcome, Schema.String)),
  personality_name: opt(Schema.String),
  duration: opt(Schema.String),
  timestamp: opt(Schema.String),
  executed_at: opt(Schema.String),
  inbound_number: opt(Schema.String),
  outbound_number: opt(Schema.String)
}

/** One entry of a result detail's `runs` object. */
export const RunSummary = Schema.Struct(runSummaryFields)
export type RunSummary = typeof RunSummary.Type

export const TranscriptItem = Schema.Struct({
  role: opt(Schema.String),
  content: opt(Schema.String),
  /** Seconds from the start (API). */
  timestamp: opt(Schema.Number),
  /** `"MM:SS"` (webhook). */
  time: opt(Schema.String),
  start_time: opt(Schema.Number),
  end_time: opt(Schema.Number)
})
export type TranscriptItem = typeof TranscriptItem.Type

/** `GET /test_framework/v1/runs/{id}/` and the items of `runs/bulk/`; undeclared fields are kept (the run is the result's `raw`). */
export const Run = Schema.Struct({
  ...runSummaryFields,
  result_id: opt(Int),
  result_name: opt(Schema.String),
  agent: opt(Int),
  personality: opt(Int),
  provider_call_id: opt(Schema.String),
  transcript: opt(Schema.String),
  transcript_object: opt(Schema.Array(TranscriptItem)),
  voice_recording_url: opt(Schema.String),
  run_as_text: opt(Schema.Boolean),
  test_profile_data: Schema.optional(Schema.Unknown),
  evaluation_status: opt(Schema.String),
  run_type: opt(Schema.String)
}, Schema.Record({ key: Schema.String, value: Schema.Unknown }))

export type Run = typeof Run.Type

/** An item of `GET /test_framework/v1/runs/` (a subset of `Run`). */
export const RunListItem = Schema.Struct({
  id: Int,
  scenario: opt(Int),
  status: opt(Schema.String),
  result_id: opt(Int),
  success: opt(Schema.Boolean)
})
export type RunListItem = typeof RunListItem.Type

// ---------------------------------------------------------------------------------------------
// results
// ---------------------------------------------------------------------------------------------

/**
 * A result detail's `runs`: an object keyed by run id (the documented shape), tolerated as an
 * array (the list endpoint's summaries) and normalised to an array.
 */
export const Runs = Schema.transform(
  Schema.Union(Schema.Record({ key: Schema.String, value: RunSummary }), Schema.Array(RunSummary)),
  Schema.typeSchema(Schema.Array(RunSummary)),
  {
    strict: true,
    decode: (runs) => (Array.isArray(runs) ? runs : Object.values(runs)) as ReadonlyArray<RunSummary>,
    encode: (runs) => Object.fromEntries(runs.map((r) => [String(r.id), r]))
  }
)

/** `GET /test_framework/v1/results/{id}/` (`ResultDetailV2`). */
export class ResultDetail extends Schema.Class<ResultDetail>("CekuraResultDetail")({
  id: Int,
  name: opt(Schema.String),
  agent: opt(Int),
  status: Schema.String,
  success_rate: opt(Schema.Number),
  run_as_text: opt(Schema.Boolean),
  runs: Schema.optionalWith(Runs, { default: () => [] }),
  total_runs_count: opt(Count),
  completed_runs_count: opt(Count),
  success_runs_count: opt(Count),
  failed_runs_count: opt(Count),
  run_type: opt(Schema.String),
  created_at: opt(Schema.String),
  updated_at: opt(Schema.String)
}) {}

/** An item of `GET /test_framework/v1/results/` (`Result`); `runs` summaries are left untyped. */
export class ResultListItem extends Schema.Class<ResultListItem>("CekuraResultListItem")({
  id: Int,
  name: opt(Schema.String),
  agent: opt(Int),
  status: Schema.String,
  success_rate: opt(Schema.Number),
  created_at: opt(Schema.String)
}) {}

// ---------------------------------------------------------------------------------------------
// scenario and test-profile requests
// ---------------------------------------------------------------------------------------------

/** `POST /test_framework/v1/scenarios/` (`SchemaPostScenario`). */
export class CreateScenarioRequest extends Schema.Class<CreateScenarioRequest>("CekuraCreateScenarioRequest")(
  Schema.Struct({
    name: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(80)),
    personality: PositiveInt,
    agent: Schema.optional(PositiveInt),
    project: Schema.optional(PositiveInt),
    scenario_type: Schema.optional(Schema.Literal("instruction", "conditional_actions")),
    instructions: Schema.String.pipe(Schema.minLength(1)),
    expected_outcome_prompt: Schema.optional(Schema.String),
    metrics: Schema.optional(Schema.Array(PositiveInt)),
    tags: Schema.optional(Schema.Array(Schema.String)),
    test_profile: Schema.optional(PositiveInt),
    folder_path: Schema.optional(Schema.NullOr(Schema.String))
  }).pipe(Schema.filter((b) => b.agent === undefined && b.project === undefined ? { path: ["agent"], message: "agent or project is required" } : undefined))
) {}

/** `PATCH /test_framework/v1/scenarios/{id}/` (`PatchedSchemaPostScenario`). */
export class UpdateScenarioRequest extends Schema.Class<UpdateScenarioRequest>("CekuraUpdateScenarioRequest")({
  name: Schema.optional(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(80))),
  personality: Schema.optional(PositiveInt),
  instructions: Schema.optional(Schema.String.pipe(Schema.minLength(1))),
  expected_outcome_prompt: Schema.optional(Schema.String),
  metrics: Schema.optional(Schema.Array(PositiveInt)),
  tags: Schema.optional(Schema.Array(Schema.String)),
  test_profile: Schema.optional(PositiveInt),
  folder_path: Schema.optional(Schema.NullOr(Schema.String))
}) {}

/** `POST /test_framework/v1/test-profiles/` (`SchemaPostAIAgentTestProfileExternal`). */
export class CreateTestProfileRequest extends Schema.Class<CreateTestProfileRequest>("CekuraCreateTestProfileRequest")(
  Schema.Struct({
    agent: Schema.optional(PositiveInt),
    project: Schema.optional(PositiveInt),
    name: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(255)),
    information: Information
  }).pipe(Schema.filter((b) => b.agent === undefined && b.project === undefined ? { path: ["agent"], message: "agent or project is required" } : undefined))
) {}

// ---------------------------------------------------------------------------------------------
// webhook
// ---------------------------------------------------------------------------------------------

/** The `result.completed` webhook Cekura posts to the agent's `webhook_url`. */
export class WebhookEvent extends Schema.Class<WebhookEvent>("CekuraWebhookEvent")({
  event_type: Schema.String,
  data: Schema.Struct({
    id: Int,
    name: opt(Schema.String),
    agent: opt(Int),
    status: Schema.String,
    success_rate: opt(Schema.Number),
    runs: Schema.optionalWith(Runs, { default: () => [] })
  })
}) {}
