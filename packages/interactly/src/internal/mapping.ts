/**
 * Pure tables and translators between Interactly's vocabulary and the canonical model.
 *
 * @internal
 */
import { Evaluator, Persona, Status } from "@simbridge/core"
import type * as Plan from "@simbridge/core/Plan"
import type * as Result from "@simbridge/core/Result"
import * as Schema from "effect/Schema"
import { callerWorkflowName, name } from "../InteractlySuite.js"
import * as Wire from "../InteractlyWire.js"

type Mapped = { readonly unified: Status.UnifiedStatus; readonly raw: string }

export type Mutable<A> = { -readonly [K in keyof A]: A[K] }

/** The canonical ref of an Interactly object (`interactly:<kind>:<id>`), encoded. */
export const ref = (kind: string, id: string) => ({ provider: name, kind, id })

/** A number as a JSON copy gives it: null for none, NaN or an infinity; 0 for -0. */
export const jsonNumber = (x: number | null | undefined): number | null => (typeof x === "number" && Number.isFinite(x) ? x + 0 : null)

/** `SimulationStatus`: simulation groups (runs) and the simulation config's `status`. */
export const groupStatus = Status.table({
  pending: "queued",
  running: "running",
  completed: "completed",
  failed: "failed",
  cancelled: "canceled"
})

/**
 * Executions (`individual_runs[].status`). The reference does not list their values; simbridge
 * assumes `SimulationStatus` and also accepts the workflow-run vocabulary.
 */
export const executionStatus = Status.table({
  pending: "queued",
  not_started: "queued",
  running: "running",
  started: "running",
  completed: "completed",
  failed: "failed",
  cancelled: "canceled",
  aborted_looping_risk: "failed"
})

/** `WorkflowStatus` of a workflow run (plus the SDK's `pending`). */
export const workflowRunStatus = Status.table({
  not_started: "queued",
  pending: "queued",
  started: "running",
  running: "running",
  paused: "running",
  waiting_for_user_input: "running",
  completed: "completed",
  failed: "failed",
  cancelled: "canceled",
  /** The run was aborted because it looked like it would loop (for example `max_events` reached). */
  aborted_looping_risk: "failed"
})

/**
 * One status for a run made of several groups (one per scenario x persona): any unknown status
 * wins (so it is never hidden), then anything still moving, then failed, canceled, completed.
 */
export const aggregateStatus = (statuses: ReadonlyArray<Mapped>): Mapped => {
  if (statuses.length === 0) return { unified: "unknown", raw: "" }
  const find = (u: Status.UnifiedStatus) => statuses.find((s) => s.unified === u)
  const unknown = find("unknown")
  if (unknown) return unknown
  const running = find("running")
  if (running) return running
  const queued = find("queued")
  if (queued) return statuses.some((s) => Status.isTerminal(s)) ? { unified: "running", raw: queued.raw } : queued
  return find("failed") ?? find("timed_out") ?? find("canceled") ?? statuses[0]!
}

/** Language names for the caller's prompt variables (`persona_language_name`). */
export const languageName: Record<Persona.Language, string> = {
  en: "English",
  es: "Spanish",
  de: "German",
  hi: "Hindi",
  fr: "French",
  nl: "Dutch",
  ar: "Arabic",
  el: "Greek",
  it: "Italian",
  id: "Indonesian",
  th: "Thai",
  ja: "Japanese",
  tl: "Tagalog",
  ms: "Malay",
  zh: "Chinese",
  tr: "Turkish",
  pt: "Portuguese",
  he: "Hebrew"
}

export const languageNameOf = (code: string): string => (languageName as Record<string, string>)[code] ?? code

const snake = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, "$1_$2").replace(/[^A-Za-z0-9_]/g, "_").toLowerCase()

/**
 * The persona as the caller workflow's `dynamic_variables`: every attribute set, the language name,
 * the free properties (`persona_<property>`), and the whole persona as prose
 * (`persona_description`, from `Persona.describe`).
 */
export const personaVariables = (persona: Persona.Persona): Record<string, unknown> => {
  const out: Record<string, unknown> = {
    persona_id: persona.id,
    persona_name: persona.name,
    persona_language: persona.language,
    persona_language_name: languageNameOf(persona.language)
  }
  for (const attribute of Persona.Attribute.literals) {
    const value = persona[attribute]
    if (attribute !== "language" && value !== undefined) out[`persona_${snake(attribute)}`] = value
  }
  if (persona.backstory !== undefined) out.persona_backstory = persona.backstory
  for (const [k, v] of Object.entries(persona.properties ?? {})) {
    const key = `persona_${snake(k)}`
    if (!(key in out)) out[key] = v
  }
  out.persona_description = Persona.describe(persona)
  return out
}

/** The scenario as `dynamic_variables`: instructions (scripted steps folded in) and its variables as given. */
export const scenarioVariables = (scenario: {
  readonly id: string
  readonly name: string
  readonly instructions: string
  readonly steps?: ReadonlyArray<string> | undefined
  readonly expectedOutcome?: string | undefined
  readonly variables?: Readonly<Record<string, string | number | boolean>> | undefined
}): Record<string, unknown> => {
  const steps = scenario.steps && scenario.steps.length > 0
    ? `\nFollow these steps in order:\n${scenario.steps.map((s, i) => `${i + 1}. ${s}`).join("\n")}`
    : ""
  return {
    ...(scenario.variables ?? {}),
    scenario_id: scenario.id,
    scenario_name: scenario.name,
    scenario_instructions: `${scenario.instructions}${steps}`,
    ...(scenario.expectedOutcome === undefined ? {} : { scenario_expected_outcome: scenario.expectedOutcome })
  }
}

// ---------------------------------------------------------------------------------------------
// Names simbridge gives vendor objects, and how canonical ids are recovered from them
// ---------------------------------------------------------------------------------------------

/** `simbridge/<target workflow>/<scenario>/<persona>/<config hash>`: the simulation's `logical_id`. */
export const simulationLogicalId = (target: string, scenario: string, persona: string, configHash: string): string =>
  `simbridge/${target}/${scenario}/${persona}/${configHash}`

export const parseSimulationLogicalId = (
  logicalId: string | null | undefined
): { readonly target: string; readonly scenario: string; readonly persona: string; readonly hash: string } | undefined => {
  const m = /^simbridge\/([^/]+)\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(logicalId ?? "")
  return m ? { target: m[1]!, scenario: m[2]!, persona: m[3]!, hash: m[4]! } : undefined
}

/** The canonical scenario and persona of a simulation. */
export interface Canonical {
  readonly scenario: string
  readonly persona: string
}

/** The scenario and persona of a group whose simulation is not known. */
export const noSimulation: Canonical = { scenario: "simulation-unknown", persona: "workflow-unknown" }

/**
 * The canonical scenario and persona of a simulation simbridge created (from its `logical_id`);
 * of another, names made of its id and its caller workflow's.
 */
export const canonicalOfSimulation = (simulationId: string, simulation: Wire.SimulationDoc): Canonical =>
  parseSimulationLogicalId(simulation.simulation_config.logical_id) ?? {
    scenario: `simulation-${simulationId}`,
    persona: `workflow-${simulation.simulation_config.counter_workflow?.workflow_id ?? "unknown"}`
  }

/** The name of the caller workflow simbridge creates for a persona; defined with the plan check. */
export { callerWorkflowName }

/** The hash tag kept at the end of a description: `[simbridge:<hash>]`. */
export const hashTag = (hash: string): string => `[simbridge:${hash}]`

export const hashOf = (description: string | null | undefined): string | undefined =>
  /\[simbridge:([0-9a-f]+)\]\s*$/.exec(description ?? "")?.[1]

// ---------------------------------------------------------------------------------------------
// Transcripts
// ---------------------------------------------------------------------------------------------

const text = (content: unknown): string =>
  typeof content === "string"
    ? content
    : Array.isArray(content)
    ? content.map((c) => (typeof c === "string" ? c : typeof c === "object" && c !== null && "text" in c ? String((c as { text: unknown }).text) : "")).join("")
    : content === undefined || content === null
    ? ""
    : JSON.stringify(content)

/** Events arrive unchecked (`LenientEvent`): an event is skipped when its schema refuses it. */
const decodeEvent = Schema.decodeUnknownOption(Wire.WorkflowEvent)

/** What a workflow run's events give: its transcript and duration. */
export interface Conversation {
  readonly transcript: Array<typeof Result.TranscriptTurn.Encoded>
  readonly durationSeconds: number | undefined
}

/**
 * The transcript and the duration of the workflow under test's run, from one pass over its events
 * (each decoded once; see {@link transcriptOf} and {@link durationOf}).
 */
export const conversationOf = (run: Wire.WorkflowRunData): Conversation => {
  const transcript: Array<typeof Result.TranscriptTurn.Encoded> = []
  // The first timestamp (turns before it have no offset), and the bounds of all of them (NaN
  // propagates as through `Math.max(...times)`).
  let first: number | undefined
  let min = Number.POSITIVE_INFINITY, max = Number.NEGATIVE_INFINITY, timed = 0
  for (const pair of run.input_output_pairs ?? []) {
    for (const raw of pair.run_output?.events ?? []) {
      const o = decodeEvent(raw)
      if (o._tag === "None") continue
      const e = o.value
      const timestamp = e.timestamp
      if (typeof timestamp === "number") {
        if (first === undefined) first = timestamp
        min = Math.min(min, timestamp)
        max = Math.max(max, timestamp)
        timed++
      }
      let role: Result.Role | undefined
      let said = ""
      switch (e.type) {
        case "user_messages":
          role = "caller"
          for (const m of e.messages ?? []) {
            const t = text(m.content)
            if (t !== "") said = said === "" ? t : `${said}\n${t}`
          }
          break
        case "assistant_response":
          role = "agent"
          said = text(e.content)
          break
        case "say_static":
        case "say_llm":
          role = "agent"
          said = text(e.message?.content ?? e.content)
          break
      }
      if (role !== undefined && said.trim() !== "") {
        const turn: Mutable<typeof Result.TranscriptTurn.Encoded> = { role, text: said }
        if (first !== undefined && typeof timestamp === "number") turn.startSeconds = Math.round((timestamp - first) * 1000) / 1000
        transcript.push(turn)
      }
    }
  }
  return { transcript, durationSeconds: timed < 2 ? undefined : Math.round((max - min) * 1000) / 1000 }
}

/**
 * The transcript of the workflow under test's run: `user_messages` are the caller (the counter
 * workflow), `assistant_response`, `say_static` and `say_llm` the agent. Times are seconds from the
 * first event. Other event types (node starts and ends, state dumps) are skipped.
 */
export const transcriptOf = (run: Wire.WorkflowRunData): Array<typeof Result.TranscriptTurn.Encoded> => conversationOf(run).transcript

/** Seconds between the first and the last timestamped event. */
export const durationOf = (run: Wire.WorkflowRunData): number | undefined => conversationOf(run).durationSeconds

// ---------------------------------------------------------------------------------------------
// Evaluations
// ---------------------------------------------------------------------------------------------

const decodeMetricResults = Schema.decodeUnknownOption(Schema.Array(Wire.MetricResult))

/** Per-metric results of a run's evaluation: `details.metrics`, `details` as a list, or `details.<metric>: {score}`. */
export const metricResults = (details: unknown): ReadonlyArray<Wire.MetricResult> => {
  if (Array.isArray(details)) {
    const o = decodeMetricResults(details)
    return o._tag === "Some" ? o.value : []
  }
  if (details !== null && typeof details === "object") {
    const d = details as Record<string, unknown>
    if (Array.isArray(d.metrics)) return metricResults(d.metrics)
    const entries: Array<unknown> = []
    for (const [name, v] of Object.entries(d)) {
      if (v !== null && typeof v === "object" && typeof (v as { score?: unknown }).score === "number") entries.push({ metric_name: name, ...(v as object) })
    }
    const o = decodeMetricResults(entries)
    return o._tag === "Some" ? o.value : []
  }
  return []
}

export interface MetricOption {
  /** The metric name on the workflow; default the evaluator's id. */
  readonly name?: string | undefined
  /** Rescales the 0-100 score to 0-`scale` for number evaluators (5 for a 1-5 scale). */
  readonly scale?: number | undefined
}

export interface EvaluationContext {
  readonly metrics?: Readonly<Record<string, MetricOption>> | undefined
  /** A metric without its own `passed` passes at this score (0-100); default 60. */
  readonly passThreshold?: number | undefined
}

/** How metric names compare: case and surrounding spaces aside. */
const nameKey = (name: string) => name.trim().toLowerCase()

/**
 * Canonical evaluation results from the workflow's metrics. Each evaluator of the scenario is
 * matched to the metric of its configured name (default its id): boolean evaluators read the
 * metric's `passed` (or `score >= passThreshold`), number evaluators its score (0-100, or rescaled),
 * string evaluators its score as text (either its `passed` when it has no score); the evaluator's
 * comparator decides. Metrics no evaluator
 * claims are reported as optional results under their own name. Without the plan (`evaluators`
 * undefined) every metric is reported as required.
 */
export const evaluationsOf = (
  metrics: ReadonlyArray<Wire.MetricResult>,
  evaluators: ReadonlyArray<Evaluator.Evaluator> | undefined,
  context: EvaluationContext = {}
): Array<typeof Result.EvaluationResult.Encoded> => {
  // Built by assignment, not conditional spreads: this runs for every execution judged.
  const threshold = context.passThreshold ?? 60
  const metricPassed = (m: Wire.MetricResult): boolean | null =>
    typeof m.passed === "boolean" ? m.passed : typeof m.score === "number" ? m.score >= threshold : null
  /** A metric reported under its own name (`required` without the plan, else not). */
  const asIs = (m: Wire.MetricResult, required: boolean) => {
    const out: Mutable<typeof Result.EvaluationResult.Encoded> = { evaluator: m.metric_name, name: m.metric_name, passed: metricPassed(m), required }
    if (typeof m.score === "number") out.actual = m.score
    if (m.reasoning) out.reasoning = m.reasoning
    return out
  }
  const out: Array<typeof Result.EvaluationResult.Encoded> = []
  if (evaluators === undefined) {
    for (const m of metrics) out.push(asIs(m, true))
    return out
  }
  const keys = metrics.map((m) => nameKey(m.metric_name))
  /** Indexes of the metrics some evaluator matched. */
  const claimed = new Set<number>()
  for (const e of evaluators) {
    const option = context.metrics?.[e.id]
    const metricName = option?.name ?? e.id
    let i = keys.indexOf(nameKey(metricName))
    if (i < 0 && e.name) i = keys.indexOf(nameKey(e.name))
    if (i < 0) {
      out.push({ evaluator: e.id, name: e.name ?? metricName, required: e.required, expected: e.expect, passed: null, reasoning: `the workflow reported no metric named "${metricName}"` })
      continue
    }
    claimed.add(i)
    const m = metrics[i]!
    const score = m.score ?? undefined
    // A yes/no metric (`passed`, no score) answers a number or string evaluator with that boolean:
    // reported as the vendor said it, core fails it as a value of the wrong type.
    const actual = e.type === "boolean"
      ? metricPassed(m)
      : score === undefined
      ? typeof m.passed === "boolean" ? m.passed : null
      : e.type === "number"
      ? numberOnScale(score, e, option)
      : String(score)
    const evaluation: Mutable<typeof Result.EvaluationResult.Encoded> = {
      evaluator: e.id,
      name: e.name ?? metricName,
      required: e.required,
      expected: e.expect,
      actual,
      passed: actual === null ? null : Evaluator.passes(e, actual)
    }
    if (m.reasoning) evaluation.reasoning = m.reasoning
    out.push(evaluation)
  }
  for (let i = 0; i < metrics.length; i++) if (!claimed.has(i)) out.push(asIs(metrics[i]!, false))
  return out
}

/**
 * A 0-100 metric score on a number evaluator's scale: linear onto the evaluator's `scale`
 * (`[1, 5]`: 0 -> 1, 100 -> 5), or onto 0-`scale` of the metric option; else the score as is.
 * Rounded to one decimal. Without either, a score compared with a small expectation is judged as
 * it is (92 >= 4), which is why the suite should give number evaluators their scale: core then
 * fails any value outside it.
 */
export const numberOnScale = (score: number, evaluator: Evaluator.Evaluator, option: MetricOption | undefined): number => {
  const round = (x: number) => Math.round(x * 10) / 10
  if (option?.scale !== undefined) return round((score * option.scale) / 100)
  if (evaluator.scale !== undefined) {
    const [min, max] = evaluator.scale
    return round(min + (score / 100) * (max - min))
  }
  return score
}

/** Evaluators a scenario uses, for callers holding the plan. */
export const scenarioEvaluators = (plan: Plan.Plan, scenarioId: string): ReadonlyArray<Evaluator.Evaluator> | undefined => {
  const scenario = plan.scenarios.find((s) => s.id === scenarioId)
  return scenario === undefined ? undefined : scenario.evaluators.flatMap((id) => plan.evaluators.filter((e) => e.id === id))
}
