/**
 * How runs progress and how they end, derived lazily from timestamps: each run's timeline (in
 * waves of the result's concurrency), its status at a time, a result's status from its runs', and
 * a finished run's evaluation and transcript. Outcomes are seeded by the run's stable key
 * (scenario, personality and profile names, iteration).
 *
 * @internal
 */
import { Emulator, Judging } from "@simbridge/emulator"
import type { Context } from "./Context.js"
import { formatDuration, metricCatalogue } from "./State.js"
import type { ResultRec, RunRec, ScenarioRec } from "./State.js"

/** Timeline of a run at the emulator's pace. */
interface Timeline {
  readonly dispatched: number
  readonly start: number
  readonly callEnd: number
  readonly end: number
}

const chance = (ctx: Context, key: string) => Emulator.chance(ctx.seed, key)

export const personalityName = (ctx: Context, id: number) => ctx.state.personalities.get(id)?.name ?? `Personality ${id}`
export const profileOf = (ctx: Context, id: number | null) => (id === null ? undefined : ctx.state.profiles.get(id))
export const scenarioOf = (ctx: Context, run: RunRec) => ctx.state.scenarios.get(run.scenario)
export const keyOf = (ctx: Context, run: RunRec) =>
  `${scenarioOf(ctx, run)?.name ?? run.scenario}|${personalityName(ctx, run.personality)}|${profileOf(ctx, run.testProfile)?.name ?? "-"}|${run.iteration}`

export const timeline = ({ pace }: Context, result: ResultRec, run: RunRec): Timeline => {
  const dispatched = result.createdAt + pace(250)
  const wave = Math.floor(run.index / result.concurrency)
  const call = pace(3000)
  const evaluation = pace(700)
  const start = dispatched + pace(250) + wave * (call + evaluation)
  return { dispatched, start, callEnd: start + call, end: start + call + evaluation }
}

const isOutbound = (ctx: Context, result: ResultRec) => !ctx.state.agent(result.agent, result.createdAt).inbound

/** When a run reaches its terminal status, cancellation aside. */
const terminalAt = (ctx: Context, result: ResultRec, run: RunRec): number =>
  isOutbound(ctx, result) && chance(ctx, `${keyOf(ctx, run)}|dial`) < ctx.noDialRate ? result.createdAt + ctx.pace(300_000) : timeline(ctx, result, run).end

/** The raw status of a run at `t`. */
export const runStatus = (ctx: Context, result: ResultRec, run: RunRec, t: number): string => {
  const ended = ctx.endedRuns.get(run.id)
  if (ended !== undefined && t >= ended) return "cancelled"
  const tl = timeline(ctx, result, run)
  const end = terminalAt(ctx, result, run)
  if (result.cancelledAt !== null && result.cancelledAt < end && t >= result.cancelledAt) return "cancelled"
  if (t >= end) return finalStatus(ctx, result, run)
  if (t < tl.dispatched) return "pending"
  if (end !== tl.end) return "in_queue" // waiting for a dial that never comes
  if (t < tl.start) return "in_queue"
  if (t < tl.callEnd) return "in_progress"
  return "evaluating"
}

const finalStatus = (ctx: Context, result: ResultRec, run: RunRec): string => {
  const key = keyOf(ctx, run)
  if (isOutbound(ctx, result) && chance(ctx, `${key}|dial`) < ctx.noDialRate) return "timeout"
  return chance(ctx, `${key}|infra`) < ctx.failureRate ? "failed" : "completed"
}

export const resultStatus = (result: ResultRec, statuses: ReadonlyArray<string>): string => {
  if (result.cancelledAt !== null && statuses.some((s) => s === "cancelled")) return "cancelled"
  const terminal = (s: string) => ["completed", "failed", "timeout", "cancelled"].includes(s)
  if (statuses.every(terminal)) return statuses.length > 0 && statuses.every((s) => s === "failed") ? "failed" : "completed"
  if (statuses.every((s) => s === "pending")) return "pending"
  if (statuses.every((s) => s === "pending" || s === "in_queue")) return "in_queue"
  if (statuses.every((s) => s === "evaluating" || terminal(s))) return "evaluating"
  return "running"
}

/** When every run of the result is terminal (cancellation aside). */
export const resultEnd = (ctx: Context, result: ResultRec): number =>
  Math.max(result.createdAt, ...result.runs.map((id) => terminalAt(ctx, result, ctx.state.runs.get(id)!)))

export const isFinished = (ctx: Context, result: ResultRec, t: number): boolean =>
  result.runs.every((id) => ["completed", "failed", "timeout", "cancelled"].includes(runStatus(ctx, result, ctx.state.runs.get(id)!, t)))

const promptParts = (scenario: ScenarioRec | undefined) =>
  (scenario?.expected_outcome_prompt ?? "").split("\n").map((l) => l.trim()).filter((l) => l !== "")

/** The evaluation of a finished run: expected-outcome alignments and metrics. */
export const evaluate = (ctx: Context, run: RunRec) => {
  const { missRate } = ctx
  const key = keyOf(ctx, run)
  const scenario = scenarioOf(ctx, run)
  // A part that says `emulator:unjudged` is not evaluated: it gets no alignment.
  const alignments = promptParts(scenario).filter((part) => Judging.of(part) !== "unjudged").map((part) => {
    const aligned = chance(ctx, `${key}|outcome|${part}`) >= missRate
    return { outcome: aligned ? "The agent did what was expected." : "The agent did not do what was expected.", prompt_part: part, aligned }
  })
  const metrics = (scenario?.metrics ?? []).map((id) => {
    const known = metricCatalogue[id] ?? { name: `Metric ${id}`, type: "binary" as const }
    const draw = chance(ctx, `${key}|metric|${id}`)
    const score = known.type === "binary" ? (draw >= missRate ? 1 : 0) : 1 + Math.floor(draw * 5)
    return {
      id,
      name: known.name,
      type: known.type,
      score,
      enum: "",
      value: String(score),
      explanation: [known.type === "binary" ? (score > 0 ? "The criterion was met." : "The criterion was not met.") : `Scored ${score} out of 5.`],
      extra: {}
    }
  })
  const met = alignments.filter((a) => a.aligned).length
  const expected_outcome = {
    score: alignments.length === 0 ? 100 : Math.round((100 * met) / alignments.length),
    explanation: alignments.map((a) => `${a.aligned ? "✅" : "❌"} ${a.prompt_part}`),
    outcome_alignments: alignments
  }
  const success = alignments.every((a) => a.aligned) && metrics.every((m) => m.type !== "binary" || m.score > 0)
  return { expected_outcome, evaluation: { metrics }, success }
}

export const transcript = (ctx: Context, run: RunRec, success: boolean) => {
  const scenario = scenarioOf(ctx, run)
  const agent = scenario === undefined ? undefined : ctx.state.agents.get(scenario.agent)
  const ask = (scenario?.instructions ?? "I have a question.").split(/(?<=[.!?])\s/)[0]!
  const turns: Array<[string, string, number]> = [
    ["Main Agent", `Thank you for calling ${agent?.agent_name ?? "us"}, how can I help you today?`, 0.8],
    ["Testing Agent", ask, 3.2],
    ["Main Agent", success ? "Certainly, that is all taken care of for you." : "I'm sorry, I can't help with that right now.", 7.5],
    ["Testing Agent", "Thank you, goodbye.", 11]
  ]
  return {
    transcript_object: turns.map(([role, content, timestamp]) => ({ role, content, timestamp, normalized_content: content.toLowerCase(), comparison_spans: [] })),
    transcript: turns.map(([role, content, ts]) => `[${formatDuration(ts)}] ${role}: ${content}`).join("\n")
  }
}
