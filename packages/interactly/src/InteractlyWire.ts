/**
 * Interactly's wire format (workflow service, `https://api.interactly.ai/workflows`), as schemas.
 *
 * Responses are lenient: enums are plain strings (the mapping tables decide), optional fields are
 * optional, nullable fields accept `null`, extra fields survive decoding into `raw` where kept, and
 * the envelopes the reference is unsure about (`{simulation_group: ...}` or a bare object) decode
 * either way. Request bodies are strict and are validated before they are sent.
 *
 * Reference: `vendors/interactly.md` (docs-qa pages, the official Python SDK `interactly-ai/workflow-sdk`).
 *
 * @since 0.1.0
 */
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import { ObjectId } from "./InteractlySuite.js"

// ---------------------------------------------------------------------------------------------
// Scalars
// ---------------------------------------------------------------------------------------------

/** A 24-hex Mongo ObjectId, the format of every Interactly id; defined with the suite schemas. */
export { ObjectId }

/** `SimulationStatus` (simulation config `status`, simulation group `status`). */
export const SimulationStatus = Schema.Literal("pending", "running", "completed", "failed", "cancelled")
export type SimulationStatus = typeof SimulationStatus.Type

/** `WorkflowStatus` of a workflow run (the SDK's `RunStatus` adds `pending`). */
export const WorkflowRunStatus = Schema.Literal(
  "not_started", "pending", "started", "running", "failed", "completed", "paused", "waiting_for_user_input", "cancelled",
  "aborted_looping_risk"
)
export type WorkflowRunStatus = typeof WorkflowRunStatus.Type

const Nullable = <S extends Schema.Schema.Any>(schema: S) => Schema.optional(Schema.NullOr(schema))

/** Free JSON objects (`dynamic_variables`, `run_input`...). */
export const AnyRecord = Schema.Record({ key: Schema.String, value: Schema.Unknown })

/**
 * Decodes `{ <key>: A }` or a bare `A` (the SDK reads `raw.get(key, raw)`); encodes the envelope.
 * The first key is the documented one; the others are accepted aliases.
 */
export const Enveloped = <A, I>(schema: Schema.Schema<A, I>, key: string, ...aliases: ReadonlyArray<string>): Schema.Schema<A, Record<string, I> | I> => {
  const keys = [key, ...aliases]
  const wrapped = keys.map((k) => Schema.Struct({ [k]: schema }) as unknown as Schema.Schema<Record<string, A>, Record<string, I>>)
  return Schema.transform(
    Schema.Union(...wrapped, schema),
    Schema.typeSchema(schema),
    {
      strict: false,
      decode: (u) => {
        for (const k of keys) if (Predicate.isRecord(u) && k in u) return (u as Record<string, A>)[k]!
        return u as A
      },
      encode: (a) => ({ [key]: a })
    }
  ) as unknown as Schema.Schema<A, Record<string, I> | I>
}

// ---------------------------------------------------------------------------------------------
// Simulations (requests)
// ---------------------------------------------------------------------------------------------

/**
 * `SimulationWorkflowDetails` as sent: the workflow under test or the caller workflow. Every field
 * is `Optional[...]` in the server's model (`configs/.../simulation.py`), so each may be `null`;
 * simbridge is stricter on two: `workflow_id` is an ObjectId and `version_number` is not negative.
 */
export const SimulationWorkflowDetailsInput = Schema.Struct({
  workflow_id: Schema.optional(Schema.NullOr(ObjectId)),
  version_number: Schema.optional(Schema.NullOr(Schema.Int.pipe(Schema.nonNegative()))),
  version_name: Schema.optional(Schema.NullOr(Schema.String)),
  dynamic_variables: Schema.optional(Schema.NullOr(AnyRecord)),
  name: Schema.optional(Schema.NullOr(Schema.String)),
  total_events: Schema.optional(Schema.NullOr(Schema.Int)),
  total_nodes: Schema.optional(Schema.NullOr(Schema.Int)),
  total_duration_seconds: Schema.optional(Schema.NullOr(Schema.Int)),
  run_id: Schema.optional(Schema.NullOr(Schema.String))
})
export type SimulationWorkflowDetailsInput = typeof SimulationWorkflowDetailsInput.Type

const PositiveInt = Schema.Int.pipe(Schema.positive())

/**
 * `SimulationConfig`, the body of `POST /v1/simulations`, as the server's pydantic model declares
 * it: every field optional and nullable (the emulator validates bodies with this schema, then
 * checks the workflows semantically). Counts are at least 1 here, where the model takes any int.
 */
export const SimulationConfigInput = Schema.Struct({
  logical_id: Schema.optional(Schema.NullOr(Schema.String)),
  name: Schema.optional(Schema.NullOr(Schema.String)),
  description: Schema.optional(Schema.NullOr(Schema.String)),
  selected_workflow: Schema.optional(Schema.NullOr(SimulationWorkflowDetailsInput)),
  counter_workflow: Schema.optional(Schema.NullOr(SimulationWorkflowDetailsInput)),
  timeout_seconds: Schema.optional(Schema.NullOr(PositiveInt)),
  max_events: Schema.optional(Schema.NullOr(PositiveInt)),
  number_of_simulations: Schema.optional(Schema.NullOr(PositiveInt)),
  max_concurrent_runs: Schema.optional(Schema.NullOr(PositiveInt)),
  assistant_starts_first: Schema.optional(Schema.NullOr(Schema.Boolean)),
  stop_on_failure: Schema.optional(Schema.NullOr(Schema.Boolean)),
  status: Schema.optional(Schema.NullOr(SimulationStatus)),
  run_by: Schema.optional(Schema.NullOr(Schema.String))
})
export type SimulationConfigInput = typeof SimulationConfigInput.Type

/** What the client sends: the config with both workflow ids required. */
export const CreateSimulationRequest = Schema.Struct({
  ...SimulationConfigInput.fields,
  logical_id: Schema.NonEmptyTrimmedString,
  selected_workflow: Schema.Struct({ ...SimulationWorkflowDetailsInput.fields, workflow_id: ObjectId }),
  counter_workflow: Schema.Struct({ ...SimulationWorkflowDetailsInput.fields, workflow_id: ObjectId })
})
export type CreateSimulationRequest = typeof CreateSimulationRequest.Type

/** `PATCH /v1/simulations/{id}`: only `description` and `status` are updatable (SDK). */
export const UpdateSimulationRequest = Schema.Struct({
  description: Schema.optional(Schema.String),
  status: Schema.optional(SimulationStatus)
})
export type UpdateSimulationRequest = typeof UpdateSimulationRequest.Type

/** `POST /v1/simulations/{id}/run` (the SDK sends `{}` when no runner name is given). */
export const RunSimulationRequest = Schema.Struct({
  runner_name: Schema.optional(Schema.String)
})
export type RunSimulationRequest = typeof RunSimulationRequest.Type

// ---------------------------------------------------------------------------------------------
// Simulations (responses)
// ---------------------------------------------------------------------------------------------

export const SimulationWorkflowDetails = Schema.Struct({
  workflow_id: Nullable(Schema.String),
  version_number: Nullable(Schema.Number),
  version_name: Nullable(Schema.String),
  dynamic_variables: Nullable(AnyRecord),
  name: Nullable(Schema.String),
  total_events: Nullable(Schema.Number),
  total_nodes: Nullable(Schema.Number),
  total_duration_seconds: Nullable(Schema.Number),
  run_id: Nullable(Schema.String)
})
export type SimulationWorkflowDetails = typeof SimulationWorkflowDetails.Type

export const SimulationConfig = Schema.Struct({
  logical_id: Nullable(Schema.String),
  name: Nullable(Schema.String),
  description: Nullable(Schema.String),
  selected_workflow: Nullable(SimulationWorkflowDetails),
  counter_workflow: Nullable(SimulationWorkflowDetails),
  timeout_seconds: Nullable(Schema.Number),
  max_events: Nullable(Schema.Number),
  number_of_simulations: Nullable(Schema.Number),
  max_concurrent_runs: Nullable(Schema.Number),
  assistant_starts_first: Nullable(Schema.Boolean),
  stop_on_failure: Nullable(Schema.Boolean),
  status: Nullable(Schema.String),
  run_by: Nullable(Schema.String)
})
export type SimulationConfig = typeof SimulationConfig.Type

const Audit = {
  team_id: Nullable(Schema.String),
  created_by: Nullable(Schema.String),
  updated_by: Nullable(Schema.String),
  created_at: Nullable(Schema.String),
  updated_at: Nullable(Schema.String)
}

/** `SimulationsModel`: one stored simulation (`_id`, audit fields, `simulation_config`). */
export const SimulationDoc = Schema.Struct({
  _id: Schema.String,
  ...Audit,
  simulation_config: SimulationConfig,
  /** Unverified top-level status (the SDK's mock puts it here; docs keep it in the config). */
  status: Nullable(Schema.String)
})
export type SimulationDoc = typeof SimulationDoc.Type

export const SimulationResponse = Enveloped(SimulationDoc, "simulation")

export const SimulationList = Schema.Struct({
  simulations: Schema.Array(SimulationDoc),
  total: Schema.optional(Schema.Number)
})
export type SimulationList = typeof SimulationList.Type

export const DeleteResponse = Schema.Struct({ message: Nullable(Schema.String) })

export const ConfigSchemaResponse = Schema.Struct({ config_schema: Schema.Unknown })

/** `fields` with `_id` or `id` required. */
const withId = <Fields extends Schema.Struct.Fields>(
  fields: Fields,
  message: string
) => {
  const ids = (o: unknown) => o as { readonly _id?: unknown; readonly id?: unknown }
  return Schema.Struct(fields).pipe(Schema.filter((o) => ids(o)._id !== undefined || ids(o).id !== undefined || message))
}

/** A run group ("simulation group"): one `run` of a simulation, `number_of_simulations` executions. */
export const SimulationGroup = withId({
  _id: Schema.optional(Schema.String),
  id: Schema.optional(Schema.String),
  simulation_config_id: Nullable(Schema.String),
  status: Schema.String,
  total_runs: Nullable(Schema.Number),
  completed_runs: Nullable(Schema.Number),
  failed_runs: Nullable(Schema.Number),
  /** The `runner_name` the run was started with; echoed by the emulator, unverified on the real API. */
  runner_name: Nullable(Schema.String),
  ...Audit
}, "a simulation group needs _id or id")
export type SimulationGroup = typeof SimulationGroup.Type

export const SimulationGroupResponse = Enveloped(SimulationGroup, "simulation_group", "group")

export const SimulationGroupList = Schema.Struct({
  simulation_groups: Schema.Array(SimulationGroup),
  total: Schema.optional(Schema.Number)
})
export type SimulationGroupList = typeof SimulationGroupList.Type

/** One execution (`SimulationRun`) of a group: a conversation between the two workflows. */
export const SimulationRun = withId({
  _id: Schema.optional(Schema.String),
  id: Schema.optional(Schema.String),
  simulation_group_id: Nullable(Schema.String),
  selected_workflow_run_id: Nullable(Schema.String),
  counter_workflow_run_id: Nullable(Schema.String),
  status: Schema.String,
  error_message: Nullable(Schema.String),
  /** Position in the group; not in the SDK model of this endpoint, sent by the emulator (0-based). */
  run_index: Nullable(Schema.Number),
  ...Audit
}, "an execution needs _id or id")
export type SimulationRun = typeof SimulationRun.Type

export const SimulationRunList = Schema.Struct({
  individual_runs: Schema.Array(SimulationRun),
  total: Schema.optional(Schema.Number)
})
export type SimulationRunList = typeof SimulationRunList.Type

/** Items of `/executions/detailed` (keys read by the official notebook, plus those of the guide). */
export const DetailedExecution = Schema.Struct({
  _id: Schema.optional(Schema.String),
  id: Schema.optional(Schema.String),
  run_index: Nullable(Schema.Number),
  status: Nullable(Schema.String),
  selected_workflow_name: Nullable(Schema.String),
  selected_workflow_status: Nullable(Schema.String),
  counter_workflow_name: Nullable(Schema.String),
  counter_workflow_status: Nullable(Schema.String),
  selected_workflow_run_id: Nullable(Schema.String),
  counter_workflow_run_id: Nullable(Schema.String),
  workflow_name: Nullable(Schema.String),
  workflow_id: Nullable(Schema.String),
  evaluation_run_id: Nullable(Schema.String),
  score: Nullable(Schema.Number),
  error_message: Nullable(Schema.String)
})
export type DetailedExecution = typeof DetailedExecution.Type

export const DetailedExecutionList = Schema.Struct({
  individual_runs: Schema.Array(DetailedExecution),
  total: Schema.optional(Schema.Number)
})

// ---------------------------------------------------------------------------------------------
// Evaluation summary
// ---------------------------------------------------------------------------------------------

export const ScoreDistribution = Schema.Struct({
  bucket_0_20: Schema.optionalWith(Schema.Number, { default: () => 0 }),
  bucket_21_40: Schema.optionalWith(Schema.Number, { default: () => 0 }),
  bucket_41_60: Schema.optionalWith(Schema.Number, { default: () => 0 }),
  bucket_61_80: Schema.optionalWith(Schema.Number, { default: () => 0 }),
  bucket_81_100: Schema.optionalWith(Schema.Number, { default: () => 0 })
})
export type ScoreDistribution = typeof ScoreDistribution.Type

export const MetricSummary = Schema.Struct({
  metric_name: Schema.String,
  average_score: Nullable(Schema.Number),
  min_score: Nullable(Schema.Number),
  max_score: Nullable(Schema.Number),
  distribution: Nullable(ScoreDistribution)
})
export type MetricSummary = typeof MetricSummary.Type

export const WorkflowEvaluationSummary = Schema.Struct({
  total_runs: Schema.optionalWith(Schema.Number, { default: () => 0 }),
  successful_evaluations: Schema.optionalWith(Schema.Number, { default: () => 0 }),
  failed_evaluations: Schema.optionalWith(Schema.Number, { default: () => 0 }),
  pending_evaluations: Schema.optionalWith(Schema.Number, { default: () => 0 }),
  no_evaluation_configured: Schema.optionalWith(Schema.Number, { default: () => 0 }),
  metrics: Schema.optionalWith(Schema.Array(MetricSummary), { default: () => [] })
})
export type WorkflowEvaluationSummary = typeof WorkflowEvaluationSummary.Type

/** `GET /v1/simulations/{id}/evaluation-summary`. */
export const EvaluationSummary = Schema.Struct({
  simulation_id: Schema.String,
  group_id: Nullable(Schema.String),
  selected_workflow_summary: Nullable(WorkflowEvaluationSummary),
  counter_workflow_summary: Nullable(WorkflowEvaluationSummary)
})
export type EvaluationSummary = typeof EvaluationSummary.Type

// ---------------------------------------------------------------------------------------------
// Workflow runs (transcripts) and their evaluation
// ---------------------------------------------------------------------------------------------

/** A message inside a `user_messages` event (LangChain message shape). */
export const EventMessage = Schema.Struct({
  content: Schema.Unknown,
  type: Nullable(Schema.String)
})

/** One workflow-run event; only the fields simbridge reads are typed, the rest survive in `raw`. */
export const WorkflowEvent = Schema.Struct({
  type: Schema.String,
  logical_id: Nullable(Schema.String),
  /** Epoch seconds (float). */
  timestamp: Nullable(Schema.Number),
  messages: Nullable(Schema.Array(EventMessage)),
  content: Schema.optional(Schema.Unknown),
  message: Nullable(EventMessage),
  origin_node_name: Nullable(Schema.String),
  interrupted: Nullable(Schema.Boolean)
})
export type WorkflowEvent = typeof WorkflowEvent.Type

/**
 * Events are read as they arrive: the mapping decodes each with {@link WorkflowEvent} and skips one
 * that does not fit, and the whole event stays in `raw`.
 */
export const LenientEvent = Schema.Unknown

export const InputOutputPair = Schema.Struct({
  run_input: Nullable(AnyRecord),
  run_output: Nullable(Schema.Struct({ events: Schema.optional(Schema.Array(LenientEvent)) })),
  evaluation: Nullable(AnyRecord)
})

export const LatencyStats = Schema.Struct({
  call_count: Nullable(Schema.Number),
  total_latency_milliseconds: Nullable(Schema.Number),
  average_latency_milliseconds: Nullable(Schema.Number)
})

/** The inner `workflow_run` object. */
export const WorkflowRunData = Schema.Struct({
  logical_id: Nullable(Schema.String),
  workflow_run_id: Nullable(Schema.String),
  workflow_id: Nullable(Schema.String),
  version_number: Nullable(Schema.Number),
  status: Schema.String,
  termination_source: Nullable(Schema.String),
  input_output_pairs: Schema.optional(Schema.Array(InputOutputPair)),
  run_by: Nullable(Schema.String),
  llm_latency_stats: Nullable(LatencyStats)
})
export type WorkflowRunData = typeof WorkflowRunData.Type

/** The stored document: audit fields, `_id`, and the run itself under `workflow_run` again. */
export const WorkflowRunDoc = Schema.Struct({
  _id: Schema.String,
  ...Audit,
  workflow_run: WorkflowRunData
})
export type WorkflowRunDoc = typeof WorkflowRunDoc.Type

/** `GET /v1/workflow-runs/{id}`: `{workflow_run: {..., workflow_run: {...}}}` (double nested). */
export const WorkflowRunResponse = Schema.Struct({ workflow_run: WorkflowRunDoc })

/** One metric of a run's evaluation (inside `details.metrics`; shape chosen, see the docs page). */
export const MetricResult = Schema.Struct({
  metric_name: Schema.String,
  score: Nullable(Schema.Number),
  passed: Nullable(Schema.Boolean),
  reasoning: Nullable(Schema.String)
})
export type MetricResult = typeof MetricResult.Type

/** `GET /v1/workflow-runs/{id}/evaluation-result` (SDK model `{score, passed, details, evaluated_at}`). */
export const WorkflowRunEvaluation = Schema.Struct({
  score: Nullable(Schema.Number),
  passed: Nullable(Schema.Boolean),
  details: Schema.optional(Schema.Unknown),
  evaluated_at: Nullable(Schema.String)
})
export type WorkflowRunEvaluation = typeof WorkflowRunEvaluation.Type

// ---------------------------------------------------------------------------------------------
// Workflows (enough to create and find the two workflows a simulation needs)
// ---------------------------------------------------------------------------------------------

export const CreateWorkflowRequest = Schema.Struct({
  name: Schema.NonEmptyTrimmedString,
  description: Schema.optional(Schema.String),
  config: Schema.optional(AnyRecord)
})
export type CreateWorkflowRequest = typeof CreateWorkflowRequest.Type

export const UpdateWorkflowRequest = Schema.Struct({
  name: Schema.optional(Schema.NonEmptyTrimmedString),
  description: Schema.optional(Schema.String)
})
export type UpdateWorkflowRequest = typeof UpdateWorkflowRequest.Type

/** The fields of a workflow's `WorkflowConfig` simbridge reads. */
export const WorkflowConfig = Schema.Struct({
  logical_id: Nullable(Schema.String),
  name: Nullable(Schema.String),
  description: Nullable(Schema.String)
})

const WorkflowDoc = Schema.Struct({
  _id: Schema.String,
  ...Audit,
  name: Nullable(Schema.String),
  description: Nullable(Schema.String),
  logical_id: Nullable(Schema.String),
  status: Nullable(Schema.String),
  workflow_config: Nullable(WorkflowConfig)
})

/**
 * A stored workflow. Its name, description and logical id live in its `workflow_config`; the
 * SDK's `Workflow` reads them from there when they are not at the top level, and so does this
 * schema: the decoded `name`, `description` and `logical_id` are the top-level ones, else the
 * config's.
 */
export const Workflow = Schema.transform(WorkflowDoc, Schema.typeSchema(WorkflowDoc), {
  strict: true,
  decode: (w) => {
    const c = w.workflow_config
    if (c === undefined || c === null) return w
    return {
      ...w,
      name: w.name ?? c.name ?? null,
      description: w.description ?? c.description ?? null,
      logical_id: w.logical_id ?? c.logical_id ?? null
    }
  },
  encode: (w) => w
})
export type Workflow = typeof Workflow.Type

export const WorkflowResponse = Enveloped(Workflow, "workflow")

export const WorkflowList = Schema.Struct({
  workflows: Schema.Array(Workflow),
  total: Schema.optional(Schema.Number)
})
export type WorkflowList = typeof WorkflowList.Type

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/** FastAPI's validation error item (422). */
export const ValidationIssue = Schema.Struct({
  loc: Schema.Array(Schema.Union(Schema.String, Schema.Number)),
  msg: Schema.String,
  type: Schema.String
})
export type ValidationIssue = typeof ValidationIssue.Type

/** The error bodies seen: `{detail: "..."}`, `{detail: [{loc, msg, type}]}` (422), `{message, error}` (400). */
export const ErrorBody = Schema.Union(
  Schema.Struct({ detail: Schema.Union(Schema.String, Schema.Array(ValidationIssue)) }),
  Schema.Struct({ message: Schema.String, error: Schema.optional(Schema.NullOr(Schema.String)) })
)
export type ErrorBody = typeof ErrorBody.Type

/** The id of an object that may carry `_id` or `id`. */
export const idOf = (o: { readonly _id?: string | undefined; readonly id?: string | undefined }): string => o._id ?? o.id ?? ""
