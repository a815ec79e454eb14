/**
 * Emulated conversations: the turns of one simulated call, written from what an emulator knows of
 * the scenario and the persona, and ending the way the emulator already decided the call went.
 *
 * - The caller's lines come from the scenario: its instructions and steps in the caller's own voice
 *   ("You have a toothache" -> "I have a toothache", "Order a pizza" -> "I'd like to order a
 *   pizza"), `{{ variables }}` filled in and the unused variables given as details. They are
 *   voiced in the persona's manner: its name, its emotion (how it opens, an aside only that mood
 *   brings, how it takes the ending), the greeting of its language, its speech pace (timing).
 * - The agent's lines are plausible replies: a greeting (or an outbound introduction), taking the
 *   request on, acknowledgements, and a closing that agrees with the outcome: each check that
 *   held and names an agent action is confirmed ("The agent booked an appointment" -> "I have
 *   booked an appointment for you."), a check that failed never is, and an unfulfilled request
 *   gets an apology.
 * - The ending follows the emulator's ended reason: a goodbye (`completed`), an agent gone quiet
 *   (`silence`), or a turn cut off by the time limit (`max-duration`).
 * - Turns are timed from their words at the speaker's pace with seeded pauses. An emulator that
 *   already decided the call's length (`durationMs`) or its number of turns (`turns`) gets exactly
 *   that: filler exchanges bring the conversation near the length, then every offset is scaled by
 *   one factor so that the last turn ends at `durationMs`. The duration is always the last turn's
 *   end.
 *
 * Everything is deterministic for a seed and a key built from stable inputs (scenario and persona
 * names, iteration: the emulator's outcome key), never from ids. The conversation is in simulated
 * time, the time vendors report; an emulator shows it over the call's window on its own clock
 * (`Emulator.paced`), which `spoken` maps with one factor for the whole call.
 *
 * @since 0.1.0
 */
import { unitHash } from "@simbridge/core/TestProvider"
import * as P from "./internal/phrasing.js"

export type Speaker = "agent" | "caller"

/** How the call ended: a goodbye, an agent that stopped answering, or the time limit cutting a turn off. */
export type Ending = "completed" | "silence" | "max-duration"

/** The scenario as the emulator holds it. */
export interface Scenario {
  /** What the call is about; bracketed markers and parenthesised asides are dropped. */
  readonly name: string
  /** What the caller is told to do (second person or imperatives): its sentences become the caller's lines. */
  readonly instructions?: string | undefined
  /** Scripted steps the caller follows in order, one line each. */
  readonly steps?: ReadonlyArray<string> | undefined
  /** Fill `{{ key }}` placeholders; the ones the text does not use, the caller gives as details. */
  readonly variables?: Readonly<Record<string, unknown>> | undefined
}

/** The persona as the emulator holds it; enum values in any case (`FRUSTRATED`, `frustrated`). */
export interface Persona {
  readonly name?: string | undefined
  /** One of the canonical emotions (`neutral`, `cheerful`, `confused`, `frustrated`, `skeptical`, `rushed`, `distracted`, `angry`, `anxious`, `sad`). */
  readonly emotion?: string | undefined
  /** An ISO 639-1 code (`en`, `ES`...). */
  readonly language?: string | undefined
  /** `super_slow` ... `super_fast`. */
  readonly speechPace?: string | undefined
  readonly backstory?: string | undefined
}

/** One thing an evaluator looks for, as its description says it, and whether it held in this call. */
export interface Check {
  readonly description: string
  readonly met: boolean
}

/** What the emulator decided about the call. */
export interface Outcome {
  /** Whether the agent did what the caller called for. */
  readonly achieved: boolean
  /** The evaluators' checks: a met one naming an agent action is confirmed in the agent's closing, an unmet one never is. */
  readonly checks?: ReadonlyArray<Check> | undefined
  /** Default `completed`. */
  readonly ending?: Ending | undefined
}

export interface Input {
  readonly seed: number
  /** The emulator's stable key of the call (scenario, persona, iteration...). */
  readonly key: string
  readonly scenario: Scenario
  readonly persona: Persona
  /** The agent's or the business's name, for its greeting. */
  readonly agent?: string | undefined
  /** `outbound`: the agent calls the persona, who picks up. Default `inbound`. */
  readonly direction?: "inbound" | "outbound" | undefined
  /** On an inbound call, whether the agent speaks first (default) or the caller does. */
  readonly agentFirst?: boolean | undefined
  readonly outcome: Outcome
  /** The call's length in simulated milliseconds when the emulator decided it; the last turn then ends there. */
  readonly durationMs?: number | undefined
  /** The number of turns when the emulator decided it. */
  readonly turns?: number | undefined
}

export interface Turn {
  readonly speaker: Speaker
  readonly text: string
  /** Simulated milliseconds from the start of the call. */
  readonly startMs: number
  readonly endMs: number
}

export interface Conversation {
  readonly turns: ReadonlyArray<Turn>
  /** The last turn's end. */
  readonly durationMs: number
  readonly ending: Ending
}

/** The emotions the templates know, and the one a text names (a vendor enum, persona prose, a personality's name). */
export { emotionIn, emotions } from "./internal/phrasing.js"
export type { Emotion } from "./internal/phrasing.js"

interface Line {
  readonly speaker: Speaker
  readonly text: string
  /** The caller waiting for an agent that went quiet: a long pause before it. */
  readonly afterSilence?: boolean
}

type Draw = (what: string) => number

/** The conversation of one call. */
export const make = (input: Input): Conversation => {
  // `Emulator.chance`'s draw, under keys of their own so that no outcome's draw is reused.
  const draw: Draw = (what) => unitHash(input.seed, `${input.key}/conversation/${what}`)
  const ending = input.outcome.ending ?? "completed"
  const parts = partsOf(input, draw)
  const target = input.durationMs !== undefined && input.durationMs > 0 ? input.durationMs : undefined
  let lines: ReadonlyArray<Line>
  if (input.turns !== undefined) {
    lines = exactly(input, parts, ending, input.turns)
  } else {
    const base = parts.details.length + (parts.aside === undefined ? 0 : 1)
    let fillers = Math.floor(draw("fillers") * 2)
    if (target !== undefined) {
      // As many filler exchanges as fit the decided length, so that scaling changes the pace little.
      fillers = 0
      while (fillers < P.fillers.length && naturalEnd(timed(assemble(input, parts, ending, base + fillers + 1), input, draw)) <= target) fillers++
    }
    lines = assemble(input, parts, ending, base + fillers)
  }
  const turns = timed(lines, input, draw)
  return { turns: target === undefined ? turns : scaled(turns, target), durationMs: target ?? naturalEnd(turns), ending }
}

/**
 * The turns spoken `elapsedMs` into a call the emulator shows over `windowMs` of its own clock (the
 * call's window at its pace, `Emulator.paced`): simulated offsets scaled by `windowMs / durationMs`.
 */
export const spoken = (conversation: Conversation, elapsedMs: number, windowMs: number): ReadonlyArray<Turn> =>
  windowMs <= 0 || elapsedMs >= windowMs
    ? conversation.turns
    : conversation.turns.filter((t) => t.startMs <= (Math.max(0, elapsedMs) / windowMs) * conversation.durationMs)

/**
 * A persona read back from the prose `Persona.describe` writes (what Cekura's personality prompts and
 * scenario instructions, Vapi's tester prompt and Interactly's `persona_description` carry); any
 * other text gives at most the emotion it names.
 */
export const personaOf = (prose: string): Persona => {
  const name = /You are (.+?), the caller\./.exec(prose)?.[1]
  const emotion = /Your mood is (\w+)\./.exec(prose)?.[1] ?? P.emotionIn(prose)
  const language = /^You speak ([a-z]{2})\b/m.exec(prose)?.[1]
  const speechPace = /You speak at a ([a-z ]+) pace\./.exec(prose)?.[1]?.replace(/ /g, "_")
  const backstory = /^Backstory: (.+)$/m.exec(prose)?.[1]
  return {
    ...(name === undefined ? {} : { name }),
    ...(emotion === undefined ? {} : { emotion }),
    ...(language === undefined ? {} : { language }),
    ...(speechPace === undefined ? {} : { speechPace }),
    ...(backstory === undefined ? {} : { backstory })
  }
}

// ---------------------------------------------------------------------------------------------
// Script
// ---------------------------------------------------------------------------------------------

interface Parts {
  readonly first: string | undefined
  readonly subject: P.Subject | undefined
  readonly request: string
  /** The caller's lines after the request, each answered with an acknowledgement; the first may be the variables. */
  readonly details: ReadonlyArray<string>
  readonly askDetails: boolean
  readonly aside: readonly [string, string] | undefined
  readonly pool: ReadonlyArray<readonly [string, string]>
  /** Where the agent's acknowledgements start in their list. */
  readonly ack: number
}

const partsOf = (input: Input, draw: Draw): Parts => {
  const { persona, scenario } = input
  const variables = scenario.variables ?? {}
  const texts = [scenario.instructions ?? "", ...(scenario.steps ?? [])]
  const used = new Set(texts.flatMap((t) => [...t.matchAll(/\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}/g)].map((m) => m[1]!)))
  const lines = (text: string) => P.sentences(P.fill(text, variables)).flatMap((s) => P.callerLine(s) ?? [])
  const instructed = lines(scenario.instructions ?? "")
  // A short first sentence sets the scene; the request is then the next one with it.
  const opening = instructed.length > 1 && P.words(instructed[0]!) < 8 ? 2 : 1
  const steps = (scenario.steps ?? []).flatMap((s) => {
    const l = lines(s)
    return l.length === 0 ? [] : [l.join(" ")]
  })
  const subject = P.subjectOf(scenario.name)
  const given = Object.entries(variables).filter(([k, v]) => !used.has(k) && (typeof v === "string" ? v.trim() !== "" : typeof v === "number" || typeof v === "boolean"))
  const details = [...(given.length > 0 ? [P.detailsLine(given)] : []), ...instructed.slice(opening), ...steps]
  const name = persona.name === undefined ? "" : P.clean(persona.name)
  const start = Math.floor(draw("pool") * P.fillers.length)
  return {
    first: name === "" ? undefined : name.split(" ")[0],
    subject,
    request: instructed.length === 0 ? P.requestFromSubject(subject) : instructed.slice(0, opening).join(" "),
    details,
    askDetails: given.length > 0,
    aside: P.mannerOf(persona.emotion).aside,
    pool: [...P.fillers.slice(start), ...P.fillers.slice(0, start)],
    ack: Math.floor(draw("ack") * P.acknowledgements.length)
  }
}

const prefixLength = (input: Input) => (input.direction === "outbound" ? 2 : input.agentFirst === false ? 0 : 1)
const suffixLength = (ending: Ending) => (ending === "completed" ? 2 : ending === "silence" ? 1 : 0)

/** The exchanges after the request that make `turns` turns. */
const slotsFor = (input: Input, ending: Ending, turns: number) =>
  Math.max(0, Math.floor((turns - prefixLength(input) - suffixLength(ending)) / 2) - 1)

/** The call with `slots` exchanges between the request and the closing. */
const assemble = (input: Input, parts: Parts, ending: Ending, slots: number): ReadonlyArray<Line> => {
  const { persona, outcome } = input
  const manner = P.mannerOf(persona.emotion)
  const hi = P.greetingOf(persona.language)
  const name = persona.name === undefined || P.clean(persona.name) === "" ? undefined : P.clean(persona.name)
  const lines: Array<Line> = []
  const agent = (text: string) => lines.push({ speaker: "agent", text })
  const caller = (text: string, afterSilence = false) => lines.push({ speaker: "caller", text, ...(afterSilence ? { afterSilence } : {}) })
  const backstory = P.backstoryLine(persona.backstory)
  if (input.direction === "outbound") {
    caller(P.callerAnswers(parts.first, hi))
    agent(P.agentCalling(input.agent, parts.first, parts.subject))
    caller([`Yes, go ahead.`, backstory, parts.request].filter((x) => x !== undefined).join(" "))
  } else {
    if (input.agentFirst !== false) agent(P.agentGreeting(input.agent))
    caller([P.opening(manner, hi, name), backstory, parts.request].filter((x) => x !== undefined).join(" "))
  }

  // The exchanges after the request: details, the mood's aside, then fillers; extra details share the last slot.
  const items: Array<readonly [string, string | undefined]> = parts.details.map((d) => [d, undefined])
  if (parts.aside !== undefined) items.push(parts.aside)
  for (let i = 0; items.length < slots; i++) items.push(parts.pool[i % parts.pool.length]!)
  const kept = items.slice(0, slots)
  const overflow = items.slice(slots).filter(([, reply]) => reply === undefined).map(([line]) => line)
  const replies: Array<string> = [P.acknowledge(parts.subject, parts.first, parts.askDetails && slots > 0)]
  if (overflow.length > 0) {
    if (kept.length === 0) lines[lines.length - 1] = { speaker: "caller", text: [lines[lines.length - 1]!.text, ...overflow].join(" ") }
    else kept[kept.length - 1] = [[kept[kept.length - 1]![0], ...overflow].join(" "), undefined]
  }
  kept.forEach(([line, reply], i) => {
    agent(replies[i]!)
    caller(line)
    replies.push(reply ?? P.acknowledgements[(parts.ack + i) % P.acknowledgements.length]!)
  })

  const last = replies[replies.length - 1]!
  const confirmations = [...new Set((outcome.checks ?? []).filter((c) => c.met).flatMap((c) => P.confirmation(c.description) ?? []))]
  switch (ending) {
    case "completed":
      agent(`${last} ${outcome.achieved ? P.fulfilled(confirmations, parts.subject) : P.declined(confirmations, parts.subject)}`)
      caller(outcome.achieved ? manner.thanks : manner.letdown)
      agent(P.farewell(outcome.achieved, parts.first))
      break
    case "silence":
      agent(`${last} ${P.hold}`)
      caller(P.stillThere, true)
      break
    case "max-duration":
      agent(P.cutOff(`${last} ${P.hold}`))
      break
  }
  return lines
}

/**
 * Exactly `turns` turns. A call cut off by the time limit takes one more exchange and is cut at the
 * last turn kept; any other is cut at the end, or padded with what a caller or agent adds after
 * the ending (a last goodbye, another "Hello?").
 */
const exactly = (input: Input, parts: Parts, ending: Ending, turns: number): ReadonlyArray<Line> => {
  const slots = slotsFor(input, ending, turns)
  let lines = assemble(input, parts, ending, slots)
  if (ending === "max-duration" && lines.length < turns) {
    const longer = assemble(input, parts, ending, slots + 1).slice(0, turns)
    const last = longer[longer.length - 1]!
    return [...longer.slice(0, -1), { ...last, text: P.cutOff(last.text) }]
  }
  lines = lines.slice(0, Math.max(0, turns))
  const out = [...lines]
  while (out.length < turns) {
    const speaker: Speaker = ending === "silence" || out[out.length - 1]?.speaker === "agent" ? "caller" : "agent"
    out.push(ending === "silence" ? { speaker, text: "Hello?", afterSilence: true } : { speaker, text: speaker === "caller" ? "Bye." : "Goodbye." })
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// Timing
// ---------------------------------------------------------------------------------------------

/** Each line timed from its words at its speaker's pace, after a seeded pause. */
const timed = (lines: ReadonlyArray<Line>, input: Input, draw: Draw): Array<Turn> => {
  const callerRate = P.callerRate(input.persona.speechPace)
  let t = 300 + Math.round(draw("pickup") * 700)
  return lines.map((l, i) => {
    if (i > 0) {
      const d = draw(`gap/${i}`)
      t += l.afterSilence === true ? 5000 + Math.round(d * 3000) : l.speaker === "agent" ? 500 + Math.round(d * 900) : 300 + Math.round(d * 700)
    }
    const startMs = t
    const endMs = startMs + 300 + Math.round((P.words(l.text) / (l.speaker === "agent" ? P.agentRate : callerRate)) * 1000)
    t = endMs
    return { speaker: l.speaker, text: l.text, startMs, endMs }
  })
}

const naturalEnd = (turns: ReadonlyArray<Turn>) => turns[turns.length - 1]?.endMs ?? 0

/** Every offset scaled by one factor, so that the last turn ends at `durationMs`. */
const scaled = (turns: ReadonlyArray<Turn>, durationMs: number): Array<Turn> => {
  const f = durationMs / Math.max(1, naturalEnd(turns))
  return turns.map((t, i) => ({
    ...t,
    startMs: Math.round(t.startMs * f),
    endMs: i === turns.length - 1 ? durationMs : Math.round(t.endMs * f)
  }))
}
