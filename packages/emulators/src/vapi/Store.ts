/**
 * The emulator's state (personalities with Vapi's seven defaults, scenarios, simulations, suites
 * and runs with their items) and its operations: finding an object, stamping a created or updated
 * one.
 *
 * @internal
 */
import { randomUUID } from "node:crypto"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import { fail } from "./Errors.js"

/** The org every object of the emulator belongs to. */
export const orgId = "0b5e3c1d-7a2f-4e6b-9c8d-1f2a3b4c5d6e"

/** Vapi's seven default personalities (`orgId: null`). */
export const defaultPersonalities = [
  "confused-carl",
  "decisive-derek",
  "emotional-eva",
  "impatient-irene",
  "multitasking-maya",
  "rambling-roger",
  "skeptical-sam"
].map((slug, i) => ({
  id: `a0000000-0000-4000-8000-00000000000${i + 1}`,
  slug,
  name: slug.split("-").map((w) => w[0]!.toUpperCase() + w.slice(1)).join(" ")
}))

export type Json = Record<string, unknown>

export interface StoredItem {
  readonly id: string
  readonly index: number
  readonly iterationNumber: number
  readonly simulation: Json
  readonly scenario: Json
  readonly personality: Json
  readonly conversationId: string
  canceledAt?: number | undefined
  suggestionsRequested?: boolean
}

export interface StoredRun {
  readonly id: string
  readonly body: Json
  readonly createdAt: number
  readonly chat: boolean
  readonly items: ReadonlyArray<StoredItem>
  canceledAt?: number | undefined
}

export const iso = (ms: number) => new Date(ms).toISOString()

export class Store {
  readonly personalities = new Map<string, Json>()
  readonly scenarios = new Map<string, Json>()
  readonly simulations = new Map<string, Json>()
  readonly suites = new Map<string, Json>()
  readonly runs = new Map<string, StoredRun>()
  /** Ids of Vapi's default personalities, which cannot be changed or deleted. */
  readonly defaults = new Set(defaultPersonalities.map((p) => p.id))

  constructor() {
    const epoch = iso(0)
    for (const p of defaultPersonalities) {
      this.personalities.set(p.id, {
        id: p.id,
        orgId: null,
        createdAt: epoch,
        updatedAt: epoch,
        name: p.name,
        assistant: { model: { provider: "openai", model: "gpt-4o", messages: [{ role: "system", content: `You are ${p.name}, a ${p.slug.split("-")[0]} caller.` }] } }
      })
    }
  }
}

/** An object of one kind by id, or Vapi's 404 naming it. */
export const find = (store: Map<string, Json>, noun: string, id: string) => {
  const found = store.get(id)
  return found === undefined ? fail(404, `${noun} with id ${id} not found`) : Effect.succeed(found)
}

const now = Clock.currentTimeMillis

/** A new object of the org: a fresh UUID and creation timestamps, then the given fields. */
export const created = (fields: Json) =>
  Effect.map(now, (t) => ({ id: randomUUID(), orgId, createdAt: iso(t), updatedAt: iso(t), ...fields }))

/** The object with the patch applied; `updatedAt` always moves forward and `path: null` removes the path. */
export const updated = (current: Json, patch: Json) =>
  Effect.map(now, (t) => {
    const next: Json = { ...current, ...patch, updatedAt: iso(Math.max(t, Date.parse(String(current.updatedAt)) + 1)) }
    for (const [k, v] of Object.entries(patch)) if (v === null && k === "path") delete next[k]
    return next
  })
