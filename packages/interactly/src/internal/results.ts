/**
 * Results: an execution's vendor payloads -> its canonical result, evaluations and verdict. Pure
 * functions (no request, no Effect): the driver reads the payloads and builds every result here.
 *
 * @internal
 */
import { Result, Status } from "@simbridge/core"
import type { Evaluator } from "@simbridge/core"
import type * as Plan from "@simbridge/core/Plan"
import { name, type Options } from "../InteractlySuite.js"
import * as Wire from "../InteractlyWire.js"
import * as Mapping from "./mapping.js"

export const ref = (kind: string, id: string) => ({ provider: name, kind, id })

export const json = (value: unknown): any => JSON.parse(JSON.stringify(value))

/** A number as a JSON copy gives it: null for none, NaN or an infinity; 0 for -0. */
export const jsonNumber = (x: number | null | undefined): number | null => (typeof x === "number" && Number.isFinite(x) ? x + 0 : null)

export type Mutable<A> = { -readonly [K in keyof A]: A[K] }

/** A canonical result without `raw`, and the vendor payloads `raw` is made of when asked for. */
export interface Computed {
  readonly result: typeof Result.Result.Encoded
  readonly raw: unknown
}

/** The scenario and persona of a group whose simulation is not known. */
export const noSimulation: Canonical = { scenario: "simulation-unknown", persona: "workflow-unknown" }

/** The canonical scenario and persona of a simulation. */
export interface Canonical {
  readonly scenario: string
  readonly persona: string
}

// ---------------------------------------------------------------------------------------------
// Pure mapping: one execution's vendor payloads -> its canonical result (no request, no Effect)
// ---------------------------------------------------------------------------------------------

/**
 * The canonical scenario and persona of a simulation simbridge created (from its `logical_id`);
 * of another, names made of its id and its caller workflow's.
 */
export const canonicalOfSimulation = (simulationId: string, simulation: Wire.SimulationDoc): Canonical => {
  const parsed = Mapping.parseSimulationLogicalId(simulation.simulation_config.logical_id)
  return parsed ?? {
    scenario: `simulation-${simulationId}`,
    persona: `workflow-${simulation.simulation_config.counter_workflow?.workflow_id ?? "unknown"}`
  }
}

/** What the judging of one execution gives (see {@link judgeFrom}). */
export interface Judged {
  readonly status: { readonly unified: Status.UnifiedStatus; readonly raw: string }
  readonly verdict: Status.Verdict
  readonly evaluations: ReadonlyArray<typeof Result.EvaluationResult.Encoded>
  readonly evaluation: Wire.WorkflowRunEvaluation | undefined
  readonly source: "evaluation-result" | "evaluation-summary" | "none"
}

/**
 * The evaluators of the execution's scenario and the metric options of its run (from the run's
 * plan); without the plan (`evaluators` undefined) every metric is a required evaluation.
 */
export interface JudgeContext extends Mapping.EvaluationContext {
  readonly evaluators: ReadonlyArray<Evaluator.Evaluator> | undefined
}

/**
 * The judging context of an execution of `scenario` in a run of `known` (its plan and options);
 * without them (a run this process did not start) every metric is a required evaluation.
 */
export const judgeContextOf = (known: { readonly plan: Plan.Plan; readonly options: Options } | undefined, scenario: string): JudgeContext => {
  const evaluators = known ? Mapping.scenarioEvaluators(known.plan, scenario) : undefined
  return { evaluators, metrics: known?.options.metrics, passThreshold: known?.options.passThreshold }
}

/**
 * The verdict of one execution from what was read for it: its status, the evaluation result of
 * the workflow under test's run and its metrics (`metricResults` of its details), and, for a
 * group's only execution without metrics, the group's evaluation summary. Required evaluators
 * decide (`Result.verdictOf`, then core's `Judge` against the plan); Interactly's own `passed` is
 * kept as `vendorPassed`, never trusted: a required evaluator without a metric is not judged.
 */
export const judgeFrom = (
  status: Judged["status"],
  evaluation: Wire.WorkflowRunEvaluation | undefined,
  evaluationMetrics: ReadonlyArray<Wire.MetricResult>,
  groupSummary: Wire.EvaluationSummary | undefined,
  context: JudgeContext
): Judged => {
  let metrics = evaluationMetrics
  let source: Judged["source"] = evaluation === undefined ? "none" : "evaluation-result"
  const summary = groupSummary?.selected_workflow_summary
  if (summary && summary.metrics.length > 0) {
    metrics = summary.metrics.map((m) => ({ metric_name: m.metric_name, ...(typeof m.average_score === "number" ? { score: m.average_score } : {}) }))
    source = "evaluation-summary"
  }
  const evaluated = source === "none"
    ? []
    : Mapping.evaluationsOf(metrics, context.evaluators, { metrics: context.metrics, passThreshold: context.passThreshold })
  const verdict = Result.verdictOf(status, evaluated.map((x) => ({ passed: x.passed, required: x.required })))
  return { status, verdict, evaluations: evaluated, evaluation, source }
}

/**
 * The verdict of one execution from the payloads the driver reads for it, as its `judge` uses
 * them: the evaluation result of its workflow run (used when the execution completed) and the
 * evaluation summary of its group (used only for a completed group's only execution without
 * metrics); either undefined when not read or absent (404).
 */
export const judgeExecution = (
  execution: Wire.SimulationRun,
  payloads: { readonly evaluation?: Wire.WorkflowRunEvaluation | undefined; readonly summary?: Wire.EvaluationSummary | undefined },
  groupSize: number,
  context: JudgeContext = { evaluators: undefined }
): Judged => {
  const status = Mapping.executionStatus(execution.status)
  const completed = status.unified === "completed"
  const evaluation = completed && (execution.selected_workflow_run_id ?? undefined) !== undefined ? payloads.evaluation : undefined
  const metrics = Mapping.metricResults(evaluation?.details)
  const summary = completed && metrics.length === 0 && groupSize === 1 ? payloads.summary : undefined
  return judgeFrom(status, evaluation, metrics, summary, context)
}

/** Executions per page of results when `DriverOptions.pageSize` is not given. */
export const defaultPageSize = 50

/**
 * How many executions a group has, from one page of its listing: the listing's `total`, or a
 * first page shorter than the page size; otherwise unknown (infinite: not the group's only one).
 */
export const groupSizeOf = (list: { readonly total?: number | null | undefined; readonly individual_runs: ReadonlyArray<unknown> }, page: number, pageSize: number): number =>
  list.total ?? (page === 1 && list.individual_runs.length < pageSize ? list.individual_runs.length : Number.POSITIVE_INFINITY)

/** Everything one execution's canonical result is built from (see {@link toResult}). */
export interface ResultInput {
  /** The run id (group ids joined with `.`). */
  readonly runId: string
  readonly groupId: string
  /** The group's simulation ("" when not known). */
  readonly simulationId: string
  readonly canonical: Canonical
  readonly execution: Wire.SimulationRun
  /** 0-based index of the execution in its group's listing (its iteration without `run_index`). */
  readonly position: number
  readonly judged: Judged
  /** The workflow under test's run (`GET /v1/workflow-runs/{id}`), when read and found. */
  readonly workflowRun: Wire.WorkflowRunDoc | undefined
}

/**
 * The canonical result (encoded, without `raw`) of one execution, from its payloads and verdict:
 * pure, no request. The driver reads the payloads (the evaluation and workflow run of the
 * execution, the group's summary) and builds every result with it.
 */
export const toResult = (input: ResultInput): typeof Result.Result.Encoded => {
  const { canonical, execution: e, judged, runId, workflowRun } = input
  const { status } = judged
  const run = workflowRun?.workflow_run
  const latency = run?.llm_latency_stats?.average_latency_milliseconds
  // Transcript and duration from one pass over the run's events.
  const conversation = run ? Mapping.conversationOf(run) : undefined
  const executionId = Wire.idOf(e)
  // Built by assignment, not conditional spreads (this runs for every result read); the
  // keys in the order the canonical JSON has always shown them.
  const result: Mutable<typeof Result.Result.Encoded> = {
    ref: ref("execution", executionId),
    run: ref("run", runId),
    scenario: canonical.scenario,
    persona: canonical.persona,
    iteration: typeof e.run_index === "number" ? e.run_index + 1 : input.position + 1,
    status,
    verdict: judged.verdict,
    evaluations: judged.evaluations,
    transcript: conversation?.transcript ?? []
  }
  if (typeof latency === "number") result.latency = { averageMs: latency }
  if (status.unified === "failed" || status.unified === "timed_out") {
    result.failureReason = { code: run?.status ?? e.status, message: e.error_message ?? "the simulated conversation failed" }
  }
  if (workflowRun?.created_at) result.startedAt = workflowRun.created_at
  if (Status.isTerminal(status) && e.updated_at) result.endedAt = e.updated_at
  if (conversation?.durationSeconds !== undefined) result.durationSeconds = conversation.durationSeconds
  // JSON values already (strings, numbers of parsed JSON, booleans, null): no copy needed.
  result.providerMetadata = {
    simulationId: input.simulationId,
    simulationGroupId: input.groupId,
    executionId,
    selectedWorkflowRunId: e.selected_workflow_run_id ?? null,
    counterWorkflowRunId: e.counter_workflow_run_id ?? null,
    workflowRunStatus: run?.status ?? null,
    score: judged.evaluation?.score ?? null,
    // Interactly's own `passed`: kept and compared with core's verdict (`Judge`), not trusted.
    vendorPassed: judged.evaluation?.passed ?? null,
    evaluationSource: judged.source
  }
  return result
}
