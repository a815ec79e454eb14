/**
 * The conversation of one execution and the metric scores it earns, seeded by a stable key: its
 * outline (how it goes, its length in turns and seconds, whether it breaks `max_events` or
 * `timeout_seconds`), its metric scores, then its words and timing (`Conversation` of
 * `@simbridge/emulator`) from the caller's dynamic variables, within that outline.
 *
 * @internal
 */
import { Conversation as Dialogue, Emulator } from "@simbridge/emulator"
import type * as Wire from "@simbridge/interactly/InteractlyWire"
import type { Config } from "./Store.js"
import { defaults } from "./Store.js"

/** How one execution goes, decided before its words. */
export interface Outline {
  readonly good: boolean
  /** Turns of the conversation. */
  readonly turns: number
  readonly events: number
  readonly seconds: number
  readonly failure: { readonly status: "aborted_looping_risk" | "failed"; readonly message: string } | undefined
}

export interface Conversation extends Outline {
  /** Its words and their timing in simulated milliseconds, the last turn ending at `seconds`. */
  readonly dialogue: Dialogue.Conversation
}

/**
 * An execution's outline: whether it goes well, how many exchanges it has beyond the request, and
 * the seconds between turns; with `max_events` and `timeout_seconds`, whether it fails.
 */
export const outline = (seed: number, key: string, config: Config): Outline => {
  const good = Emulator.chance(seed, `${key}/outcome`) >= 0.25
  const extra = Math.floor(Emulator.chance(seed, `${key}/turns`) * 3)
  // The agent's greeting (when it starts), the request and its answer, the extra exchanges, the closing and the goodbye.
  const turns = ((config.assistant_starts_first ?? true) ? 1 : 0) + 2 + 2 * extra + 2
  let t = 0
  for (let i = 0; i < turns; i++) t += i === 0 ? 1 : 3 + Math.floor(Emulator.chance(seed, `${key}/gap/${i}`) * 5)
  const events = turns + 2 // start_node_run ... end_node_run
  const seconds = t + 1
  const maxEvents = config.max_events ?? defaults.max_events
  const timeout = config.timeout_seconds ?? defaults.timeout_seconds
  const failure = events > maxEvents
    ? { status: "aborted_looping_risk" as const, message: `max_events (${maxEvents}) reached before the conversation ended` }
    : seconds > timeout
    ? { status: "failed" as const, message: `timeout_seconds (${timeout}) exceeded after ${timeout} seconds` }
    : undefined
  return { good, turns, events, seconds, failure }
}

const text = (v: unknown): string | undefined => (typeof v === "string" && v.trim() !== "" ? v : typeof v === "number" ? String(v) : undefined)

/** The steps the driver folds into `scenario_instructions`, read back out of it. */
const stepsMarker = "\nFollow these steps in order:\n"

/**
 * The words of an execution within its outline: the caller's dynamic variables (`persona_*`,
 * `scenario_*`, the scenario's own variables) voiced as the caller, the workflow under test as the
 * agent, ending as the outline and the metrics say (the agent confirms a criterion met, never one
 * that is not; a failed execution is cut off).
 */
export const conversation = (
  seed: number,
  key: string,
  config: Config,
  outlined: Outline,
  context: { readonly agent: string | undefined; readonly scores: ReadonlyArray<Score> }
): Conversation => {
  const caller = config.counter_workflow?.dynamic_variables ?? {}
  const instructions = text(caller.scenario_instructions) ?? ""
  const at = instructions.indexOf(stepsMarker)
  const steps = at < 0 ? [] : instructions.slice(at + stepsMarker.length).split("\n").map((l) => l.replace(/^\d+\.\s*/, "").trim()).filter((l) => l !== "")
  const variables = Object.fromEntries(Object.entries(caller).filter(([k]) => !k.startsWith("persona_") && !k.startsWith("scenario_")))
  const dialogue = Dialogue.make({
    seed,
    key,
    scenario: { name: text(caller.scenario_name) ?? "", instructions: at < 0 ? instructions : instructions.slice(0, at), steps, variables },
    persona: {
      name: text(caller.persona_name) ?? text(caller.patientName) ?? text(caller.name),
      emotion: text(caller.persona_emotion),
      language: text(caller.persona_language),
      speechPace: text(caller.persona_speech_pace),
      backstory: text(caller.persona_backstory)
    },
    agent: context.agent,
    agentFirst: config.assistant_starts_first ?? true,
    outcome: {
      achieved: outlined.good,
      checks: context.scores.map((s) => ({ description: s.metric, met: s.passed })),
      ending: outlined.failure === undefined ? "completed" : "max-duration"
    },
    durationMs: outlined.seconds * 1000,
    turns: outlined.turns
  })
  return { ...outlined, dialogue }
}

/** A metric's result for one execution; `scored: false` for a yes/no criterion (no score rendered). */
export interface Score {
  readonly metric: string
  readonly score: number
  readonly passed: boolean
  readonly scored: boolean
}

export const scoresOf = (seed: number, key: string, metrics: ReadonlyArray<string>, good: boolean, yesNo?: ReadonlySet<string>): ReadonlyArray<Score> =>
  metrics.map((metric, i) => {
    const r = Emulator.chance(seed, `${key}/metric/${metric}`)
    // The first metric follows the outcome of the conversation; the others vary on their own.
    const score = i === 0 ? (good ? 75 + Math.floor(r * 26) : 10 + Math.floor(r * 41)) : 45 + Math.floor(r * 56)
    return { metric, score, passed: score >= 60, scored: yesNo?.has(metric) !== true }
  })

export const bucket = (score: number): keyof Wire.ScoreDistribution =>
  score <= 20 ? "bucket_0_20" : score <= 40 ? "bucket_21_40" : score <= 60 ? "bucket_41_60" : score <= 80 ? "bucket_61_80" : "bucket_81_100"
