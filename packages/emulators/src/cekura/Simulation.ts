/**
 * How runs progress and how they end, derived lazily from timestamps: each run's timeline (in
 * waves of the result's concurrency), its status at a time, a result's status from its runs', and
 * a finished run's evaluation and transcript. Outcomes are seeded by the run's stable key
 * (scenario, personality and profile names, iteration).
 *
 * @internal
 */
import { Conversation, Emulator, Judging } from "@simbridge/emulator"
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

/** The blocks of a scenario's instructions: what to do, the `Steps:` list and the `Caller persona:` prose (the driver's format). */
const instructionBlocks = (instructions: string) => {
  const blocks = instructions.split(/\n\s*\n/).map((b) => b.trim()).filter((b) => b !== "")
  const labelled = (label: string) => blocks.find((b) => b.startsWith(label))?.slice(label.length).trim()
  const steps = labelled("Steps:")?.split("\n").map((l) => l.trim().replace(/^\d+[.)]\s*/, "")).filter((l) => l !== "")
  return {
    instructions: blocks.filter((b) => !b.startsWith("Steps:") && !b.startsWith("Caller persona:")).join("\n"),
    steps: steps ?? [],
    persona: labelled("Caller persona:")
  }
}

/**
 * The yes/no checks of a finished run: its expected-outcome parts (`[id] (optional) text`, read
 * without the prefix; a part expecting something not to happen or a value says nothing the agent
 * would announce) and its binary metrics.
 */
const checksOf = (ev: ReturnType<typeof evaluate>): Array<Conversation.Check> => [
  ...ev.expected_outcome.outcome_alignments
    .filter((a) => !/\(expected[ :]/.test(a.prompt_part))
    .map((a) => ({ description: a.prompt_part.replace(/^\[[^\]]*\](\s\(optional\))?\s*/, ""), met: a.aligned })),
  ...ev.evaluation.metrics.filter((m) => m.type === "binary").map((m) => ({ description: m.name, met: m.score > 0 }))
]

/**
 * A finished run's conversation: the scenario's instructions and steps voiced by the caller persona
 * (from the instructions' persona prose, else the personality), the agent doing what was expected
 * when the run succeeded, lasting the run's duration (seeded by the run's key).
 */
export const conversationOf = (ctx: Context, run: RunRec): Conversation.Conversation => {
  const scenario = scenarioOf(ctx, run)
  const result = ctx.state.results.get(run.result)
  const agent = result === undefined ? undefined : ctx.state.agents.get(result.agent)
  const personality = ctx.state.personalities.get(run.personality)
  const blocks = instructionBlocks(scenario?.instructions ?? "")
  const described = Conversation.personaOf(blocks.persona ?? personality?.prompt ?? "")
  const persona = {
    ...described,
    emotion: described.emotion ?? Conversation.emotionIn(personality?.name),
    language: described.language ?? personality?.language
  }
  const ev = evaluate(ctx, run)
  const seconds = 12 + Math.floor(chance(ctx, `${keyOf(ctx, run)}|duration`) * 60)
  return Conversation.make({
    seed: ctx.seed,
    key: keyOf(ctx, run),
    // The driver names a scenario `<scenario> / <persona>`.
    scenario: { name: (scenario?.name ?? "").split(" / ")[0]!, instructions: blocks.instructions, steps: blocks.steps, variables: profileOf(ctx, run.testProfile)?.information ?? {} },
    persona,
    agent: agent?.agent_name,
    direction: agent?.inbound === false ? "outbound" : "inbound",
    outcome: { achieved: ev.success, checks: checksOf(ev) },
    durationMs: seconds * 1000
  })
}

/** Tenths of a second, as Cekura's transcript timestamps are. */
const seconds = (ms: number) => Math.round(ms / 100) / 10

export const transcript = (conversation: Conversation.Conversation) => {
  const turns = conversation.turns.map((t) => [t.speaker === "agent" ? "Main Agent" : "Testing Agent", t.text, seconds(t.startMs)] as const)
  return {
    transcript_object: turns.map(([role, content, timestamp]) => ({ role, content, timestamp, normalized_content: content.toLowerCase(), comparison_spans: [] })),
    transcript: turns.map(([role, content, ts]) => `[${formatDuration(ts)}] ${role}: ${content}`).join("\n")
  }
}

/** Each turn's end in seconds (the webhook's `end_time`). */
export const turnEnds = (conversation: Conversation.Conversation) => conversation.turns.map((t) => seconds(t.endMs))
