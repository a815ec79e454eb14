/**
 * The scripted conversation of one execution and the metric scores it earns, seeded by a stable
 * key: its turns and their timing, whether it went well, and whether it breaks `max_events` or
 * `timeout_seconds`.
 *
 * @internal
 */
import { Emulator } from "@simbridge/emulator"
import type * as Wire from "@simbridge/interactly/InteractlyWire"
import type { Config } from "./Store.js"
import { defaults } from "./Store.js"

interface Line {
  readonly who: "agent" | "caller"
  readonly text: string
  /** Simulated seconds from the start of the conversation. */
  readonly at: number
}

export interface Conversation {
  readonly lines: ReadonlyArray<Line>
  readonly events: number
  readonly seconds: number
  readonly good: boolean
  readonly failure: { readonly status: "aborted_looping_risk" | "failed"; readonly message: string } | undefined
}

const str = (v: unknown, fallback: string) => (typeof v === "string" && v.trim() !== "" ? v : typeof v === "number" ? String(v) : fallback)

export const conversation = (seed: number, key: string, config: Config): Conversation => {
  const caller = config.counter_workflow?.dynamic_variables ?? {}
  const name = str(caller.persona_name ?? caller.patientName ?? caller.name, "Alex")
  const instructions = str(caller.scenario_instructions, "I would like some help with my account.")
  const agentName = str(config.selected_workflow?.name, "the clinic")
  const good = Emulator.chance(seed, `${key}/outcome`) >= 0.25
  const extra = Math.floor(Emulator.chance(seed, `${key}/turns`) * 3)
  const script: Array<Omit<Line, "at">> = []
  if (config.assistant_starts_first ?? true) script.push({ who: "agent", text: `Hello, thank you for calling ${agentName}. How can I help you today?` })
  script.push({ who: "caller", text: `Hi, this is ${name}. ${instructions}` })
  script.push({ who: "agent", text: `I can help with that, ${name}. Let me check what is available.` })
  const fillers: ReadonlyArray<[string, string]> = [
    ["Is there anything sooner?", "Let me look again; one moment please."],
    ["Could you double-check for me?", "Of course, I am checking the schedule now."],
    ["Sorry, can you repeat that?", "Sure: I am looking at the options for you."]
  ]
  for (let i = 0; i < extra; i++) {
    const [c, a] = fillers[i]!
    script.push({ who: "caller", text: c }, { who: "agent", text: a })
  }
  script.push({
    who: "agent",
    text: good
      ? `You're all set, ${name}: I have booked you for Thursday at 10:30. Is there anything else?`
      : "I'm sorry, I could not find anything that works right now. Please call back later."
  })
  script.push({ who: "caller", text: good ? "No, that's all. Thank you!" : "That is really frustrating. Goodbye." })
  let t = 0
  const lines = script.map((l, i) => {
    t += i === 0 ? 1 : 3 + Math.floor(Emulator.chance(seed, `${key}/gap/${i}`) * 5)
    return { ...l, at: t }
  })
  const events = lines.length + 2 // start_node_run ... end_node_run
  const seconds = t + 1
  const maxEvents = config.max_events ?? defaults.max_events
  const timeout = config.timeout_seconds ?? defaults.timeout_seconds
  const failure = events > maxEvents
    ? { status: "aborted_looping_risk" as const, message: `max_events (${maxEvents}) reached before the conversation ended` }
    : seconds > timeout
    ? { status: "failed" as const, message: `timeout_seconds (${timeout}) exceeded after ${timeout} seconds` }
    : undefined
  return { lines, events, seconds, good, failure }
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
