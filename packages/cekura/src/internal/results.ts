/**
 * Cekura's run payloads as canonical results: pure functions of the vendor run and the scenario's
 * evaluators, shared by `getRun`, `listResults` and `getRuns`.
 */
import { Evaluator, Result, type Status } from "@simbridge/core"
import * as Wire from "../CekuraWire.js"
import * as Mapping from "./mapping.js"
import { type EvaluatorSpec, provider, type ScenarioContext } from "./requests.js"

/** Iteration of each run: 1-based rank among the runs of the same scenario, by run id. */
export const iterations = (runs: ReadonlyArray<{ readonly id: number; readonly scenario?: typeof Wire.ScenarioField.Type | null | undefined }>): Map<number, number> => {
  const byScenario = new Map<number | undefined, Array<number>>()
  for (const r of runs) {
    const s = Wire.scenarioIdOf(r.scenario)
    byScenario.set(s, [...(byScenario.get(s) ?? []), r.id])
  }
  const out = new Map<number, number>()
  for (const ids of byScenario.values()) [...ids].sort((a, b) => a - b).forEach((id, i) => out.set(id, i + 1))
  return out
}

const explanationText = (e: typeof Wire.Explanation.Type | null | undefined): string | undefined =>
  e === null || e === undefined ? undefined : typeof e === "string" ? e : e.join(" ")

export type Mutable<A> = { -readonly [K in keyof A]: A[K] }
type EvaluationEncoded = Mutable<typeof Result.EvaluationResult.Encoded>

/** An evaluation's first fields, in the order every evaluation of a spec has them. */
const judgedBy = (spec: EvaluatorSpec, passed: boolean | null): EvaluationEncoded => {
  const e = { evaluator: spec.id, required: spec.required } as EvaluationEncoded
  if (spec.expect !== undefined) e.expected = spec.expect
  e.passed = passed
  return e
}

/**
 * Judges a run's evaluations against the scenario's evaluators; vendor metrics without a
 * counterpart are kept as optional. Runs twice per result read (`getRun`'s counts, then the
 * result): objects are built by assignment, not conditional spreads.
 */
export const evaluations = (run: Wire.RunSummary, context: ScenarioContext | undefined): Array<typeof Result.EvaluationResult.Encoded> => {
  const status = Mapping.statusOf(run.status)
  const judged = status.unified === "completed" || (status.unified === "unknown" && (run.evaluation != null || run.expected_outcome != null))
  if (!judged) return []
  const outcome = typeof run.expected_outcome === "object" && run.expected_outcome !== null ? run.expected_outcome : undefined
  const alignments = outcome?.outcome_alignments ?? []
  const metrics = run.evaluation?.metrics ?? []
  const used = new Set<Wire.Metric>()
  const out: Array<typeof Result.EvaluationResult.Encoded> = []
  for (const spec of context?.evaluators ?? []) {
    if (spec.metricId !== undefined) {
      const metric = metrics.find((m) => m.id === spec.metricId)
      if (metric === undefined) {
        const e = judgedBy(spec, null)
        e.reasoning = `metric ${spec.metricId} was not evaluated`
        out.push(e)
        continue
      }
      used.add(metric)
      const kind = Mapping.metricKindOf(metric.type ?? metric.eval_type)
      const actual = kind === "binary" ? Mapping.binaryPassed(metric) : kind === "numeric" || kind === "qualitative" ? metric.score ?? null : (metric.value ?? metric.enum ?? null) as string | null
      const passed = actual === null ? null : spec.expect === undefined ? (kind === "binary" ? actual === true : null) : Evaluator.passes({ comparator: spec.comparator, expect: spec.expect }, actual)
      const reasoning = explanationText(metric.explanation)
      const e = { evaluator: spec.id, required: spec.required } as EvaluationEncoded
      if (spec.expect !== undefined) e.expected = spec.expect
      if (metric.name) e.name = metric.name
      e.passed = passed
      if (actual !== null) e.actual = actual
      if (reasoning) e.reasoning = reasoning
      out.push(e)
      continue
    }
    const tag = `[${spec.id}]`
    const alignment = alignments.find((a) => (a.prompt_part ?? "").includes(tag))
    if (alignment === undefined || typeof alignment.aligned !== "boolean") {
      const e = judgedBy(spec, null)
      e.reasoning = "not judged in the expected outcome"
      out.push(e)
      continue
    }
    // The line states the expectation itself (`expectation`): Cekura's `aligned` is its yes/no on
    // the whole line, so it is the outcome, for every evaluator type (`checkedByVendor`).
    const e = judgedBy(spec, alignment.aligned)
    e.actual = alignment.aligned
    e.checkedByVendor = true
    if (alignment.outcome) e.reasoning = alignment.outcome
    out.push(e)
  }
  for (const metric of metrics) {
    if (used.has(metric)) continue
    const kind = Mapping.metricKindOf(metric.type ?? metric.eval_type)
    const actual = kind === "binary" ? Mapping.binaryPassed(metric) : metric.score ?? null
    const reasoning = explanationText(metric.explanation)
    const e = { evaluator: metric.name ?? `metric-${metric.id ?? "?"}` } as EvaluationEncoded
    if (metric.name) e.name = metric.name
    e.passed = kind === "binary" ? (actual as boolean | null) : null
    e.required = false
    if (actual !== null) e.actual = actual
    if (reasoning) e.reasoning = reasoning
    out.push(e)
  }
  return out
}

export const verdictOf = (run: Wire.RunSummary, context: ScenarioContext | undefined) =>
  Result.verdictOf(Mapping.statusOf(run.status), evaluations(run, context))

/**
 * The verdict a run's status decides alone, whatever its evaluation: a failed or timed-out run is
 * `error` and a cancelled one `skipped` (`evaluations` judges only completed runs, so `verdictOf`
 * gives these for any payload); undefined for any other status.
 */
export const statusVerdict = (status: { readonly unified: Status.UnifiedStatus }): Status.Verdict | undefined =>
  status.unified === "failed" || status.unified === "timed_out" || status.unified === "canceled" ? Result.verdictOf(status, []) : undefined

const fallbackIds = (run: { readonly scenario?: typeof Wire.ScenarioField.Type | null | undefined; readonly personality?: number | null | undefined }) => ({
  scenario: `cekura-scenario-${Wire.scenarioIdOf(run.scenario) ?? "deleted"}`,
  persona: `cekura-personality-${run.personality ?? "default"}`
})

export const json = (value: unknown): unknown => JSON.parse(JSON.stringify(value))

const terminalStatuses: ReadonlySet<string> = new Set(["completed", "failed", "canceled", "timed_out"])

/**
 * A Cekura run as a canonical result. Built by assignment, not conditional spreads (it runs for
 * every result read), in a fixed key order.
 */
export const toResult = (
  resultId: number,
  run: Wire.Run,
  context: ScenarioContext | undefined,
  iteration: number,
  /** Attach the vendor's run as `raw` (only when the caller asked for it: it is a deep copy). */
  withRaw = true
): typeof Result.Result.Encoded => {
  const status = Mapping.statusOf(run.status)
  const evals = evaluations(run, context)
  const ids = context ?? fallbackIds(run)
  const transcript: Array<typeof Result.TranscriptTurn.Encoded> = []
  for (const t of run.transcript_object ?? []) {
    if (!t.content) continue
    const turn: Mutable<typeof Result.TranscriptTurn.Encoded> = { role: Mapping.roleOf(t.role), text: t.content }
    const start = t.timestamp ?? t.start_time ?? Mapping.durationSeconds(t.time)
    if (start != null) turn.startSeconds = start
    if (t.end_time != null) turn.endSeconds = t.end_time
    transcript.push(turn)
  }
  const duration = Mapping.durationSeconds(run.duration)
  const outcome = typeof run.expected_outcome === "object" && run.expected_outcome !== null ? run.expected_outcome : undefined
  const result: Mutable<typeof Result.Result.Encoded> = {
    ref: { provider, kind: "result", id: String(run.id) },
    run: { provider, kind: "run", id: String(resultId) },
    scenario: ids.scenario,
    persona: ids.persona,
    iteration,
    status,
    verdict: Result.verdictOf(status, evals),
    evaluations: evals,
    transcript
  }
  if (run.voice_recording_url) result.recordingUrl = run.voice_recording_url
  if (run.error_message) result.failureReason = { code: status.raw || "error", message: run.error_message }
  if (run.executed_at) result.startedAt = run.executed_at
  if (terminalStatuses.has(status.unified) && duration !== undefined && duration > 0) result.durationSeconds = duration
  // Numbers, strings, booleans and nulls only: already JSON (no copy needed).
  result.providerMetadata = {
    cekuraResultId: resultId,
    cekuraRunId: run.id,
    cekuraScenarioId: Wire.scenarioIdOf(run.scenario) ?? null,
    personality: run.personality ?? null,
    personalityName: run.personality_name ?? null,
    providerCallId: run.provider_call_id ?? null,
    // Cekura's own `success`: kept and compared with core's verdict (`Judge`), not trusted.
    vendorPassed: run.success ?? null,
    expectedOutcomeScore: outcome?.score ?? null,
    evaluationStatus: run.evaluation_status ?? null
  }
  if (withRaw) result.raw = json(run) as never
  return result
}

