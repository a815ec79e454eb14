/**
 * What provisioning a plan created or found on a vendor: the vendor ref of every canonical object,
 * keyed `persona:<id>`, `scenario:<id>`, `evaluator:<id>`, `plan`, plus vendor-specific keys
 * (`simulation:<scenario>/<persona>` on Vapi...), and the warnings it raised.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { ProviderRef } from "./ProviderRef.js"
import { Warning } from "./Warning.js"

export class Provisioning extends Schema.Class<Provisioning>("Provisioning")({
  provider: Schema.String,
  refs: Schema.Record({ key: Schema.String, value: ProviderRef }),
  /** How many vendor objects were created, updated, or reused unchanged. */
  created: Schema.optionalWith(Schema.Int, { default: () => 0 }),
  updated: Schema.optionalWith(Schema.Int, { default: () => 0 }),
  reused: Schema.optionalWith(Schema.Int, { default: () => 0 }),
  warnings: Schema.optionalWith(Schema.Array(Warning), { default: () => [] })
}) {}

export const key = {
  persona: (id: string) => `persona:${id}`,
  scenario: (id: string) => `scenario:${id}`,
  evaluator: (id: string) => `evaluator:${id}`,
  plan: "plan"
} as const

/** What provisioning did with one vendor object. */
export type Outcome = "created" | "updated" | "reused"

/** One vendor object standing for a canonical one, and how it was brought to match the plan. */
export interface Found<A> {
  readonly object: A
  readonly outcome: Outcome
}

export interface FindOrCreate<A, E, R> {
  /**
   * The vendor object that already stands for the canonical one (recognised by the marker the
   * driver wrote on it: a name, a tag, a description line), if any.
   */
  readonly found: A | undefined
  /** Whether `found` already carries the plan's definition (its definition hash). */
  readonly isCurrent: (found: A) => boolean
  readonly create: Effect.Effect<A, E, R>
  /**
   * Brings `found` up to the plan's definition. Without it (a vendor with no update route for this
   * kind of object) a changed object is replaced by a new one, which counts as an update.
   */
  readonly update?: ((found: A) => Effect.Effect<A, E, R>) | undefined
}

/**
 * Provisioning's one rule for every vendor object: reuse the object that stands for the canonical
 * one when its definition hash matches, update it when it does not, create it when there is none.
 * Running it again with the same plan changes nothing (`reused`), which is what makes `provision`
 * idempotent.
 */
export const findOrCreate = <A, E, R>(spec: FindOrCreate<A, E, R>): Effect.Effect<Found<A>, E, R> => {
  const found = spec.found
  if (found === undefined) return Effect.map(spec.create, (object) => ({ object, outcome: "created" as const }))
  if (spec.isCurrent(found)) return Effect.succeed({ object: found, outcome: "reused" as const })
  return Effect.map(spec.update === undefined ? spec.create : spec.update(found), (object) => ({ object, outcome: "updated" as const }))
}

/** The `created` / `updated` / `reused` counts of a provisioning from its outcomes. */
export const count = (outcomes: Iterable<Outcome>): { created: number; updated: number; reused: number } => {
  const counts = { created: 0, updated: 0, reused: 0 }
  for (const outcome of outcomes) counts[outcome]++
  return counts
}
