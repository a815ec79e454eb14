/**
 * Interactly's request and response models, written from the official Python SDK
 * (github `interactly-ai/workflow-sdk`, HEAD c65c60d) and the docs-qa pages it mirrors (the tags
 * of `vendors/interactly.md`), for the contract tests: the judge of what simbridge sends and of
 * what its emulator answers. Nothing here is shared with the adapter or the emulator.
 *
 * How the pydantic models read as JSON here:
 * - `Optional[T] = default` is an optional key whose value is `T` or `null`; a field without a
 *   default is required. `int` is a JSON integer, `float` any number, `str` a string, `bool` a
 *   boolean, `dict` an object, `datetime` an ISO 8601 string. pydantic's lax coercions (`"3"` for
 *   `3`) are not relied on: a value must have the annotated JSON type.
 * - Request bodies: the server's models are plain `BaseModel`s, which drop fields they do not
 *   declare (`extra="ignore"`), so a body field outside the model is checked as an error (it
 *   would be lost).
 * - Responses: the SDK's models (`BaseAPIModel`, `extra="allow"`) keep unknown fields, so the
 *   wire may carry more than they declare; the tests check them against the declared fields plus
 *   the fields the emulator sends on purpose, each listed with its reason.
 *
 * @internal
 */
import * as Schema from "effect/Schema"

// ---------------------------------------------------------------------------------------------
// JSON readings of pydantic types
// ---------------------------------------------------------------------------------------------

/** `Optional[T] = ...`: the key may be absent, or `null`. */
const Opt = <S extends Schema.Schema.Any>(s: S) => Schema.optional(Schema.NullOr(s))
const Str = Schema.String
const Int = Schema.Int
const Float = Schema.Finite
const Bool = Schema.Boolean
const Dict = Schema.Record({ key: Schema.String, value: Schema.Unknown })
/** pydantic `datetime` from JSON: an ISO 8601 date-time string. */
const DateTime = Schema.String.pipe(
  Schema.filter((s) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/.test(s) || "an ISO 8601 date-time")
)
/** A 24-hex ObjectId (`[DQ-update]`, `[DQ-evalsum]`: "Required string length: 24"). */
const ObjectId = Schema.String.pipe(Schema.pattern(/^[0-9a-f]{24}$/i))

// ---------------------------------------------------------------------------------------------
// Enums
// ---------------------------------------------------------------------------------------------

/** `SimulationStatus`: `configs/src/interactly_configs/simulation.py`, `src/interactly/types/simulations/simulation.py`. */
export const SimulationStatus = Schema.Literal("pending", "running", "completed", "failed", "cancelled")

/** `WorkflowStatus` of a workflow run: `configs/src/interactly_configs/workflow_run.py`. */
export const WorkflowStatus = Schema.Literal(
  "not_started", "started", "running", "failed", "completed", "paused", "waiting_for_user_input", "cancelled", "aborted_looping_risk"
)

/** `WorkflowCommand`: `configs/src/interactly_configs/workflow_run.py`. */
export const WorkflowCommand = Schema.Literal("start", "data", "resume", "pause", "stop")

// ---------------------------------------------------------------------------------------------
// Request bodies
// ---------------------------------------------------------------------------------------------

/** `SimulationWorkflowDetails`: `configs/src/interactly_configs/simulation.py` (every field has a default). */
export const SimulationWorkflowDetails = Schema.Struct({
  workflow_id: Opt(Str),
  version_number: Opt(Int),
  version_name: Opt(Str),
  dynamic_variables: Opt(Dict),
  name: Opt(Str),
  total_events: Opt(Int),
  total_nodes: Opt(Int),
  total_duration_seconds: Opt(Int),
  run_id: Opt(Str)
})

/** `SimulationConfig`, the body of `POST /v1/simulations`: `configs/src/interactly_configs/simulation.py` (no required field). */
export const SimulationConfig = Schema.Struct({
  logical_id: Opt(Str),
  status: Opt(SimulationStatus),
  name: Opt(Str),
  description: Opt(Str),
  selected_workflow: Opt(SimulationWorkflowDetails),
  counter_workflow: Opt(SimulationWorkflowDetails),
  timeout_seconds: Opt(Int),
  max_events: Opt(Int),
  number_of_simulations: Opt(Int),
  max_concurrent_runs: Opt(Int),
  assistant_starts_first: Opt(Bool),
  stop_on_failure: Opt(Bool),
  run_by: Opt(Str)
})

/**
 * `PATCH /v1/simulations/{id}`: "Only `description` and `status` are updatable via the backend"
 * (`src/interactly/resources/simulations/simulations.py` `update`, `docs/guides/simulations.md`);
 * `status` is a `SimulationStatus`.
 */
export const UpdateSimulation = Schema.Struct({ description: Opt(Str), status: Opt(SimulationStatus) })

/** `POST /v1/simulations/{id}/run`: `{}` or `{runner_name}` (`simulations.py` `run`). */
export const RunSimulation = Schema.Struct({ runner_name: Schema.optional(Str) })

/** `POST /v1/workflows`: `WorkflowCreateParams`, `src/interactly/types/workflows/params.py` (`name` required). */
export const CreateWorkflow = Schema.Struct({ name: Str, description: Opt(Str), config: Opt(Dict) })

/** `PATCH /v1/workflows/{id}`: `WorkflowUpdateParams`, same file (`name` may not be null). */
export const UpdateWorkflow = Schema.Struct({ name: Schema.optional(Str), description: Opt(Str) })

// ---------------------------------------------------------------------------------------------
// Query strings (every value a string on the wire)
// ---------------------------------------------------------------------------------------------

const QueryInt = Schema.String.pipe(Schema.pattern(/^[1-9]\d*$/, { message: () => "an integer >= 1" }))
const Page = { page: Schema.optional(QueryInt), size: Schema.optional(QueryInt) }

/** `GET /v1/simulations`: `[DQ-list]` (the SDK sends `page`, `size`, `search`). */
export const ListSimulationsQuery = Schema.Struct({
  ...Page,
  search: Schema.optional(Str),
  start: Schema.optional(DateTime),
  end: Schema.optional(DateTime),
  logical_id: Schema.optional(Str),
  selected_workflow_id: Schema.optional(ObjectId),
  counter_workflow_id: Schema.optional(ObjectId),
  status: Schema.optional(SimulationStatus)
})
/** `GET /v1/workflows`: `src/interactly/resources/workflows/workflows.py` `list`. */
export const ListWorkflowsQuery = Schema.Struct({ ...Page, search: Schema.optional(Str) })
/** Page-number lists: `simulations.py` `list_runs`, `list_executions`, `list_detailed_executions`. */
export const PageQuery = Schema.Struct(Page)
/** `GET /v1/simulations/{id}/evaluation-summary`: `group_id` (`simulations.py`, `[DQ-evalsum]`). */
export const EvaluationSummaryQuery = Schema.Struct({ group_id: Schema.optional(ObjectId) })
export const NoQuery = Schema.Struct({})

// ---------------------------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------------------------

/** The audit fields of a stored document (`[DQ-create]`, `[DQ-run]`). */
const Audit = { team_id: Opt(Str), created_by: Opt(Str), updated_by: Opt(Str), created_at: Opt(DateTime), updated_at: Opt(DateTime) }

/**
 * `SimulationsModel` (`[DQ-create]`, `[DQ-update]`): `_id`, audit fields, `simulation_config` (a
 * `SimulationConfig`); the SDK's `Simulation` (`src/interactly/types/simulations/simulation.py`)
 * also declares a top-level `status`.
 */
export const Simulation = Schema.Struct({
  _id: ObjectId,
  ...Audit,
  status: Opt(Str),
  simulation_config: SimulationConfig
})
/** `{"simulation": ...}` (`simulations.py` reads `raw.get("simulation", raw)`). */
export const SimulationEnvelope = Schema.Struct({ simulation: Simulation })
/** `GET /v1/simulations`: `{simulations, total}` (`simulations.py` `list` reads `raw.get("total", len(items))`). */
export const SimulationList = Schema.Struct({ simulations: Schema.Array(Simulation), total: Schema.optional(Int) })

/** `SimulationGroup`: `src/interactly/types/simulations/simulation.py` (`_id` mapped onto `id`); status values of `docs/guides/simulations.md`. */
export const SimulationGroup = Schema.Struct({
  _id: ObjectId,
  simulation_config_id: Opt(Str),
  status: SimulationStatus,
  total_runs: Opt(Int),
  completed_runs: Opt(Int),
  failed_runs: Opt(Int),
  team_id: Opt(Str),
  created_at: Opt(DateTime),
  updated_at: Opt(DateTime)
})
/** `{"simulation_group": ...}` (`simulations.py` `run`, `get_run`, `stop_run`). */
export const SimulationGroupEnvelope = Schema.Struct({ simulation_group: SimulationGroup })
/** `GET /v1/simulations/{id}/runs`: `{simulation_groups, total}` (`simulations.py` `list_runs`). */
export const SimulationGroupList = Schema.Struct({ simulation_groups: Schema.Array(SimulationGroup), total: Schema.optional(Int) })

/** `SimulationRun`: `src/interactly/types/simulations/simulation.py`. */
export const SimulationRun = Schema.Struct({
  _id: ObjectId,
  simulation_group_id: Opt(Str),
  selected_workflow_run_id: Opt(Str),
  counter_workflow_run_id: Opt(Str),
  status: Opt(SimulationStatus),
  error_message: Opt(Str),
  team_id: Opt(Str),
  created_at: Opt(DateTime),
  updated_at: Opt(DateTime)
})
/** `GET /v1/simulation-runs/{id}/executions`: `{individual_runs, total}` (`simulations.py` `list_executions`). */
export const SimulationRunList = Schema.Struct({ individual_runs: Schema.Array(SimulationRun), total: Schema.optional(Int) })

const WorkflowSummary = Schema.Struct({
  total_runs: Int,
  successful_evaluations: Int,
  failed_evaluations: Int,
  pending_evaluations: Int,
  no_evaluation_configured: Int,
  metrics: Schema.Array(Schema.Struct({
    metric_name: Str,
    average_score: Float,
    min_score: Float,
    max_score: Float,
    distribution: Schema.Struct({ bucket_0_20: Int, bucket_21_40: Int, bucket_41_60: Int, bucket_61_80: Int, bucket_81_100: Int })
  }))
})
/** `GET /v1/simulations/{id}/evaluation-summary`: `[DQ-evalsum]` (`simulation_id` required, `group_id` string or null). */
export const EvaluationSummary = Schema.Struct({
  simulation_id: Str,
  group_id: Schema.NullOr(Str),
  selected_workflow_summary: WorkflowSummary,
  counter_workflow_summary: WorkflowSummary
})

/** `RunEvaluationResult`: `src/interactly/types/runs/run.py`. */
export const RunEvaluationResult = Schema.Struct({ score: Opt(Float), passed: Opt(Bool), details: Opt(Dict), evaluated_at: Opt(DateTime) })

// Workflow-run events: `configs/src/interactly_configs/events/event.py` (the stored events are
// these models dumped; `thread_reference_id` is their computed field).
const BaseEvent = {
  logical_id: Opt(Str),
  timestamp: Float,
  origin_thread_id: Opt(Str),
  thread_reference_id: Opt(Str),
  comments: Schema.optional(Schema.Array(Dict)),
  interrupted: Schema.optional(Bool)
}
const NodeEvent = { ...BaseEvent, origin_node_logical_id: Opt(Str), origin_node_name: Opt(Str), origin_node_run_id: Opt(Str) }
/** A node run input or output: a member of `NodeRunInput` / `NodeRunOutput` (`nodes/node_unions.py`), told by `type`. */
const NodeRunIo = Schema.Struct({ type: Str }, Schema.Record({ key: Schema.String, value: Schema.Unknown }))
/** The events simbridge reads or the emulator writes: `StartRunNodeEvent`, `EndRunNodeEvent`, `UserMessagesEvent`, `SayStaticMessageNodeEvent`, `SayLLMNodeEvent`, `AssistantResponseEvent`. */
export const Event = Schema.Union(
  Schema.Struct({ ...NodeEvent, type: Schema.Literal("start_node_run"), run_input: Opt(NodeRunIo) }),
  Schema.Struct({ ...NodeEvent, type: Schema.Literal("end_node_run"), run_output: Opt(NodeRunIo) }),
  Schema.Struct({ ...NodeEvent, type: Schema.Literal("user_messages"), messages: Schema.optional(Schema.Array(Schema.Unknown)) }),
  Schema.Struct({ ...NodeEvent, type: Schema.Literal("say_static"), message: Schema.optional(Schema.Unknown) }),
  Schema.Struct({ ...NodeEvent, type: Schema.Literal("say_llm"), message: Schema.optional(Schema.Unknown), llm_usage_info: Schema.optional(Dict) }),
  Schema.Struct({ ...NodeEvent, type: Schema.Literal("assistant_response"), content: Opt(Str), response_metadata: Schema.optional(Dict), llm_usage_info: Schema.optional(Dict) })
)

/** `WorkflowRunInput` (`configs/.../workflow_run.py`, `run_input.py` `BaseRunInput`). */
const WorkflowRunInput = Schema.Struct({
  dynamic_variables: Schema.optional(Dict),
  runtime_variables: Schema.optional(Dict),
  miscellaneous: Schema.optional(Dict),
  command: Schema.optional(WorkflowCommand),
  workflow_id: Opt(Str),
  version_number: Opt(Int),
  run_by: Opt(Str),
  workflow_run_id: Opt(Str),
  team_id: Opt(Str),
  start_node_logical_id: Opt(Str),
  initial_state: Opt(Dict),
  thread_to_node_inputs: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Struct({ node_run_inputs: Schema.optional(Schema.Array(NodeRunIo)) }) })),
  welcome_message: Opt(Str)
})
/** `WorkflowRunOutput` (`configs/.../workflow_run.py`, `run_output.py`: stored events are untyped; checked as `Event`s here). */
const WorkflowRunOutput = Schema.Struct({
  events: Schema.optional(Schema.Array(Event)),
  thread_to_node_outputs: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Array(NodeRunIo) }))
})
const LLMLatencyStats = Schema.Struct({
  call_count: Opt(Int),
  total_latency_milliseconds: Opt(Int),
  average_latency_milliseconds: Opt(Float),
  breakdown_by_models: Opt(Schema.Array(Dict))
})
/** `WorkflowRun`, the run state: `configs/src/interactly_configs/workflow_run.py` (`status` required). */
export const WorkflowRunState = Schema.Struct({
  logical_id: Opt(Str),
  workflow_id: Opt(Str),
  voice_conversation_id: Opt(Str),
  version_number: Opt(Int),
  status: WorkflowStatus,
  termination_source: Opt(Str),
  input_output_pairs: Schema.optional(Schema.Array(Schema.Struct({
    run_input: Opt(WorkflowRunInput),
    run_output: Opt(WorkflowRunOutput),
    evaluation: Opt(Dict),
    iteration_end_state_miscellaneous: Opt(Dict),
    comments: Schema.optional(Schema.Array(Dict)),
    ratings: Schema.optional(Schema.Array(Dict))
  }))),
  run_by: Opt(Str),
  comments: Schema.optional(Schema.Array(Dict)),
  llm_token_usage: Opt(Dict),
  llm_latency_stats: Opt(LLMLatencyStats),
  version_name: Opt(Str),
  workflow_config_fully_hydrated: Opt(Dict),
  workflow_run_id: Opt(Str),
  miscellaneous: Opt(Dict),
  source_workflow_run_id: Opt(Str),
  checkpoint_source_turn_index: Opt(Int),
  carried_over_llm_token_usage: Opt(Dict),
  carried_over_llm_latency_stats: Opt(Dict),
  is_evaluation_run: Schema.optional(Bool),
  evaluation_run_info: Opt(Dict)
}).pipe(
  // The SDK's `Run` (`src/interactly/types/runs/run.py`) flattens the document and requires
  // `id` (`workflow_run_id` or `_id`) and `workflow_id: str`.
  Schema.filter((s) => typeof s.workflow_id === "string" || "workflow_id: the SDK's Run requires a string")
)
/** `GET /v1/workflow-runs/{id}`: `{"workflow_run": {_id, audit fields, "workflow_run": WorkflowRun}}` (`[DQ-run]`, `run.py` `_flatten_server_document`). */
export const WorkflowRunEnvelope = Schema.Struct({
  workflow_run: Schema.Struct({ _id: ObjectId, ...Audit, workflow_run: WorkflowRunState })
})

/**
 * `Workflow`: `src/interactly/types/workflows/workflow.py` (`id` required, from `_id`; `name`,
 * `description`, `status` read from `workflow_config` when not at the top level).
 */
export const Workflow = Schema.Struct({
  _id: ObjectId,
  name: Opt(Str),
  description: Opt(Str),
  status: Opt(Str),
  team_id: Opt(Str),
  created_by: Opt(Str),
  active_version_number: Opt(Int),
  max_concurrent_runs: Opt(Int),
  created_at: Opt(DateTime),
  updated_at: Opt(DateTime),
  versions: Opt(Schema.Array(Dict)),
  execution_url: Opt(Str),
  /** `WorkflowConfig` (`configs/src/interactly_configs/workflow.py`): the fields the emulator fills. */
  workflow_config: Opt(Schema.Struct({ logical_id: Opt(Str), name: Opt(Str), description: Opt(Str) }, Schema.Record({ key: Schema.String, value: Schema.Unknown })))
})
/** `{"workflow": ..., "execution_url"?}` (`workflow.py` `_flatten_backend_shape`). */
export const WorkflowEnvelope = Schema.Struct({ workflow: Workflow, execution_url: Opt(Str) })
/** `GET /v1/workflows`: rows under `workflows` (`_pagination.py` `_extract_items`) and `total`. */
export const WorkflowList = Schema.Struct({ workflows: Schema.Array(Workflow), total: Schema.optional(Int) })

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/** FastAPI's own errors: `{"detail": "..."}` (`src/interactly/_exceptions.py`: "FastAPI's own errors use `detail`"). */
export const DetailError = Schema.Struct({ detail: Str })
/** FastAPI's 422: `{"detail": [{loc, msg, type}]}` (`[SDK-err]`: presumed, the FastAPI default). */
export const ValidationError = Schema.Struct({
  detail: Schema.NonEmptyArray(Schema.Struct({ loc: Schema.NonEmptyArray(Schema.Union(Str, Int)), msg: Str, type: Str }))
})
/** The workflow service's own validation errors (400): `{"message": <category>, "error": <rule>}` (`_exceptions.py` `_extract_error_message`). */
export const ServiceError = Schema.Struct({ message: Str, error: Str })
