/**
 * Judging: the verdict of one execution. `judgeFrom` and `judgeExecution` are pure (the payloads
 * in, the verdict out); `judge` reads what they need through the driver's caches, and
 * `knownVerdict` tells a verdict from the caches alone, without a request.
 *
 * @internal
 */
import { type Evaluator, type ProviderError, Result, Status } from "@simbridge/core"
import * as Effect from "effect/Effect"
import type * as InteractlyClient from "../InteractlyClient.js"
import * as Wire from "../InteractlyWire.js"
import { type Caches, peekFinished, type RunPlan } from "./caches.js"
import * as Mapping from "./mapping.js"
import { evaluationOf, summaryOf } from "./reads.js"

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
export const judgeContextOf = (known: RunPlan | undefined, scenario: string): JudgeContext => {
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
 * The verdict of one execution from the payloads the driver reads for it, as `judge` uses them:
 * the evaluation result of its workflow run (used when the execution completed) and the
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

/** `judgeFrom` in the context of the run's plan, when this process knows it. */
const judgeIn = (
  caches: Caches,
  runId: string,
  canonical: Mapping.Canonical,
  status: Judged["status"],
  evaluation: Wire.WorkflowRunEvaluation | undefined,
  evaluationMetrics: ReadonlyArray<Wire.MetricResult>,
  groupSummary: Wire.EvaluationSummary | undefined
): Judged => judgeFrom(status, evaluation, evaluationMetrics, groupSummary, judgeContextOf(caches.runPlans.get(runId), canonical.scenario))

/**
 * The verdict of one execution, shared by `getRun` (counts) and `listResults`. Metrics come from
 * the evaluation result of the workflow under test's run; when there is none and the group has a
 * single execution, the group's evaluation summary is exactly that execution's (average = score).
 */
export const judge = (
  client: InteractlyClient.Service,
  caches: Caches,
  runId: string,
  groupId: string,
  simulationId: string,
  canonical: Mapping.Canonical,
  e: Wire.SimulationRun,
  groupSize: number
) =>
  Effect.gen(function*(): Effect.fn.Return<Judged, ProviderError.ProviderError> {
    const status = Mapping.executionStatus(e.status)
    const workflowRunId = e.selected_workflow_run_id ?? undefined
    const completed = status.unified === "completed"
    const evaluation = completed && workflowRunId !== undefined ? yield* evaluationOf(client, caches, workflowRunId) : undefined
    const metrics = Mapping.metricResults(evaluation?.details)
    // The group's only execution finished: its summary is final.
    const summary = completed && metrics.length === 0 && groupSize === 1 ? yield* summaryOf(client, caches, simulationId, groupId, true) : undefined
    return judgeIn(caches, runId, canonical, status, evaluation, metrics, summary)
  })

/**
 * The verdict of a completed execution if the driver's caches already tell it (a finished
 * result, or a cached evaluation), without a request; else undefined. An execution judged
 * without an evaluation (none yet) is not known: its evaluation may come.
 */
export const knownVerdict = (caches: Caches, runId: string, groupId: string, canonical: Mapping.Canonical, e: Wire.SimulationRun, groupSize: number): Status.Verdict | undefined => {
  const result = peekFinished(caches, runId, Wire.idOf(e))?.result
  if (result !== undefined) return result.providerMetadata?.evaluationSource !== "none" ? result.verdict : undefined
  const workflowRunId = e.selected_workflow_run_id ?? undefined
  if (workflowRunId === undefined || caches.evaluations.peek(workflowRunId) === undefined) return undefined
  const metrics = Mapping.metricResults(caches.evaluations.peek(workflowRunId)!.details)
  // Without metrics the verdict of a group's only execution comes from the group's summary.
  if (metrics.length === 0 && groupSize === 1 && caches.summaries.peek(groupId) === undefined) return undefined
  // As `judge` would read them, both from the caches.
  const status = Mapping.executionStatus(e.status)
  const completed = status.unified === "completed"
  const evaluation = completed ? caches.evaluations.get(workflowRunId) : undefined
  const evaluationMetrics = completed ? metrics : Mapping.metricResults(undefined)
  const summary = completed && evaluationMetrics.length === 0 && groupSize === 1 ? caches.summaries.get(groupId) : undefined
  const judged = judgeIn(caches, runId, canonical, status, evaluation, evaluationMetrics, summary)
  return judged.source === "none" ? undefined : judged.verdict
}
