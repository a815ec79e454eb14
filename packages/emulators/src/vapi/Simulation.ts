/**
 * How a run item progresses and comes out: its phases at the emulator's pace (in waves that fit
 * the org's call slots), its evaluations (seeded by scenario name, personality name, iteration and
 * evaluation name) and its conversation.
 *
 * @internal
 */
import { Conversation, Emulator, Judging } from "@simbridge/emulator"
import type * as VapiWire from "@simbridge/vapi/VapiWire"
import type { Context } from "./Context.js"
import type { Json, StoredItem, StoredRun } from "./Store.js"

/** Simulated durations at speed 1, in milliseconds. */
export const timing = { queued: 1500, talking: 3000, evaluating: 1000 } as const

/** A value of the evaluation's type that does (or does not) satisfy `comparator value`. */
export const extracted = (comparator: string, value: VapiWire.Primitive, pass: boolean): VapiWire.Primitive => {
  if (typeof value === "boolean") return (comparator === "!=") === pass ? !value : value
  if (typeof value === "number") {
    const ok: Record<string, number> = { "=": value, "!=": value + 1, ">": value + 1, ">=": value, "<": value - 1, "<=": value }
    const bad: Record<string, number> = { "=": value + 1, "!=": value, ">": value, ">=": value - 1, "<": value, "<=": value + 1 }
    return (pass ? ok : bad)[comparator] ?? value
  }
  const same = comparator !== "!="
  return same === pass ? value : `not ${value}`
}

const satisfies = (comparator: string, actual: VapiWire.Primitive, expected: VapiWire.Primitive): boolean => {
  switch (comparator) {
    case "=":
      return actual === expected
    case "!=":
      return actual !== expected
    case ">":
      return Number(actual) > Number(expected)
    case ">=":
      return Number(actual) >= Number(expected)
    case "<":
      return Number(actual) < Number(expected)
    case "<=":
      return Number(actual) <= Number(expected)
    default:
      return false
  }
}

const audioOnly = /\b(audio|tone of voice|pronunciation|background noise|interrupt)/i

export const slotsPerItem = (run: StoredRun) => (run.chat ? 1 : 2)
export const phases = ({ concurrencyLimit, pace }: Context, run: StoredRun, item: StoredItem) => {
  const parallel = Math.max(1, Math.floor(concurrencyLimit / slotsPerItem(run)))
  const each = pace(timing.talking + timing.evaluating)
  const start = run.createdAt + pace(timing.queued) + Math.floor(item.index / parallel) * each
  const talkEnd = start + pace(timing.talking)
  return { start, talkEnd, end: start + each }
}

export const evaluationsOf = ({ failRate, seed }: Context, run: StoredRun, item: StoredItem) => {
  const evaluations = (item.scenario.evaluations as ReadonlyArray<Json> | undefined) ?? []
  return evaluations.map((e, j) => {
    const output = e.structuredOutput as Json | undefined
    const name = (output?.name as string | undefined) ?? `evaluation-${j + 1}`
    const description = output?.description as string | undefined
    const value = e.value as VapiWire.Primitive
    const comparator = e.comparator as string
    const required = e.required !== false
    const key = `${String(item.scenario.name)}|${String(item.personality.name)}|${item.iterationNumber}|${name}`
    const pass = Emulator.chance(seed, key) >= failRate
    const judging = Judging.of(description)
    const audio = run.chat && audioOnly.test(`${name} ${description ?? ""}`)
    // Vapi skips what it cannot evaluate (audio in chat mode): `isSkipped`, no extracted value.
    const skipped = audio || judging === "unjudged"
    // `emulator:boolean`: a yes/no where the schema asks for a number (whether the criterion was met).
    const actual = judging === "boolean" && typeof value === "number" ? pass : extracted(comparator, value, pass)
    return {
      structuredOutputId: (e.structuredOutputId as string | undefined) ?? "inline",
      name,
      ...(e.path === undefined ? {} : { path: e.path }),
      ...(description === undefined ? {} : { description }),
      ...(output?.schema === undefined ? {} : { schema: output.schema }),
      extractedValue: skipped ? null : actual,
      expectedValue: value,
      comparator,
      passed: skipped ? false : satisfies(comparator, actual, value),
      required,
      ...(skipped ? { isSkipped: true, skipReason: audio ? "multimodal evaluation skipped in chat mode" : "evaluation skipped: nothing in the conversation to evaluate it on" } : {})
    }
  })
}

// `.invalid` hosts (RFC 2606): nothing resolves them, so no URL the emulator hands out reaches a
// real server.
export const recordingUrl = (item: StoredItem) => `https://recordings.vapi.invalid/${item.conversationId}-mono.wav`
export const listenUrl = (item: StoredItem) => `wss://listen.vapi.invalid/${item.conversationId}/listen`

/** Where the driver folds a scenario's steps into its instructions. */
const stepsMarker = "\n\nFollow these steps in order:\n"

/**
 * An item's conversation: the scenario voiced by the personality (its tester prompt, which is
 * `Persona.describe`'s prose; Vapi's default personalities by name), ending as its evaluations came
 * out. Its turns span the item's talking window, so the transcript agrees with the item's times at
 * every pace.
 */
export const conversationOf = (ctx: Context, run: StoredRun, item: StoredItem, evaluations: ReturnType<typeof evaluationsOf>, passed: boolean) => {
  const scenario = item.scenario
  const { start, talkEnd } = phases(ctx, run, item)
  const instructions = String(scenario.instructions ?? "")
  const at = instructions.indexOf(stepsMarker)
  const model = (item.personality.assistant as Json | undefined)?.model as Json | undefined
  const prompt = (model?.messages as ReadonlyArray<Json> | undefined)?.find((m) => m.role === "system")?.content
  return Conversation.make({
    seed: ctx.seed,
    key: `${String(scenario.name)}|${String(item.personality.name)}|${item.iterationNumber}`,
    scenario: {
      name: String(scenario.name ?? ""),
      instructions: at < 0 ? instructions : instructions.slice(0, at),
      steps: at < 0 ? [] : instructions.slice(at + stepsMarker.length).split("\n"),
      variables: ((scenario.targetOverrides as Json | undefined)?.variableValues as Json | undefined) ?? {}
    },
    persona: { name: String(item.personality.name ?? ""), ...Conversation.personaOf(String(prompt ?? "")) },
    durationMs: talkEnd - start,
    outcome: {
      achieved: passed,
      checks: evaluations.filter((e) => e.isSkipped !== true && typeof e.extractedValue === "boolean")
        .map((e) => ({ description: e.description ?? e.name, met: e.extractedValue === true }))
    }
  })
}

/** The item's `call`: its messages and transcript, and on voice runs where to hear it. */
export const conversation = (ctx: Context, run: StoredRun, item: StoredItem, evaluations: ReturnType<typeof evaluationsOf>, passed: boolean) => {
  const messages = conversationOf(ctx, run, item, evaluations, passed).turns.map((t) => ({
    role: t.speaker === "agent" ? "assistant" : "user",
    content: t.text,
    secondsFromStart: t.startMs / 1000
  }))
  const transcript = messages.map((m) => `${m.role === "assistant" ? "AI" : "User"}: ${m.content}`).join("\n")
  return { transcript, messages, ...(run.chat ? {} : { recordingUrl: recordingUrl(item), monitor: { listenUrl: listenUrl(item) } }) }
}
