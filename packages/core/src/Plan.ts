/**
 * What to run: a target, personas x scenarios, evaluators and run options. A suite file decodes
 * into a Plan.
 *
 * @since 0.1.0
 */
import { createHash } from "node:crypto"
import type * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as Evaluator from "./Evaluator.js"
import { JsonRecord } from "./Json.js"
import { Persona } from "./Persona.js"
import { Scenario } from "./Scenario.js"
import { Target } from "./Target.js"

export const Direction = Schema.Literal("inbound", "outbound")
export type Direction = typeof Direction.Type

export const Transport = Schema.Literal("voice", "chat")
export type Transport = typeof Transport.Type

export const ExecutionMode = Schema.Literal("parallel", "sequential")
export type ExecutionMode = typeof ExecutionMode.Type

const show = (actual: unknown): string => {
  try {
    return JSON.stringify(actual) ?? String(actual)
  } catch {
    return String(actual)
  }
}

const PositiveInt = Schema.Int.pipe(Schema.positive()).annotations({
  message: (issue) => ({ message: `Expected a positive integer, actual ${show(issue.actual)}`, override: true })
})

/**
 * A list that needs at least one item: an empty list says so (instead of "[0] is missing");
 * problems inside the items keep their own messages and paths.
 */
const nonEmpty = (noun: string) => (issue: ParseResult.ParseIssue) =>
  Array.isArray(issue.actual) && issue.actual.length === 0
    ? { message: `expected at least one ${noun}, got an empty list`, override: true }
    : { message: `Expected a list of at least one ${noun}, actual ${show(issue.actual)}`, override: false }

const uniqueIds = (field: string) => (items: ReadonlyArray<{ readonly id: string }>) => {
  const seen = new Set<string>()
  for (const [i, item] of items.entries()) {
    if (seen.has(item.id)) return { path: [field, i, "id"], message: `duplicate id "${item.id}"` }
    seen.add(item.id)
  }
  return undefined
}

const PlanFields = {
  name: Schema.NonEmptyTrimmedString,
  description: Schema.optional(Schema.String),
  target: Target,
  direction: Schema.optionalWith(Direction, { default: () => "inbound" as const }),
  transport: Schema.optionalWith(Transport, { default: () => "voice" as const }),
  iterations: Schema.optionalWith(PositiveInt, { default: () => 1 }),
  concurrency: Schema.optional(PositiveInt),
  maxDurationSeconds: Schema.optional(PositiveInt),
  silenceTimeoutSeconds: Schema.optional(PositiveInt),
  endCallPhrases: Schema.optional(Schema.Array(Schema.NonEmptyTrimmedString)),
  executionMode: Schema.optional(ExecutionMode),
  personas: Schema.NonEmptyArray(Persona).annotations({ message: nonEmpty("persona") }),
  scenarios: Schema.NonEmptyArray(Scenario).annotations({ message: nonEmpty("scenario") }),
  evaluators: Schema.optionalWith(Schema.Array(Evaluator.Evaluator), { default: () => [] }),
  /** Per-vendor options, each checked by that provider's own schema. */
  vendors: Schema.optionalWith(Schema.Record({ key: Schema.String, value: JsonRecord }), { default: () => ({}) })
}

export class Plan extends Schema.Class<Plan>("Plan")(
  Schema.Struct(PlanFields).pipe(
    Schema.filter((plan) => {
      const issues: Array<Schema.FilterIssue> = []
      for (const check of [uniqueIds("personas")(plan.personas), uniqueIds("scenarios")(plan.scenarios), uniqueIds("evaluators")(plan.evaluators)]) {
        if (check) issues.push(check)
      }
      const evaluatorIds = new Set(plan.evaluators.map((e) => e.id))
      plan.scenarios.forEach((s, i) =>
        s.evaluators.forEach((ref, j) => {
          if (!evaluatorIds.has(ref)) {
            issues.push({
              path: ["scenarios", i, "evaluators", j],
              message: `unknown evaluator "${ref}"; defined: ${[...evaluatorIds].join(", ") || "none"}`
            })
          }
        })
      )
      const required = new Set(plan.evaluators.filter((e) => e.required).map((e) => e.id))
      plan.scenarios.forEach((s, i) => {
        if (s.judge === "none") {
          if (s.evaluators.length > 0) {
            issues.push({ path: ["scenarios", i, "judge"], message: `scenario "${s.id}" says judge: none but lists evaluators; remove one or the other` })
          }
        } else if (s.evaluators.length === 0) {
          issues.push({
            path: ["scenarios", i],
            message: `scenario "${s.id}" has no evaluators: nothing would judge its conversations; add evaluators, or set judge: none to run it unjudged`
          })
        } else if (!s.evaluators.some((id) => required.has(id))) {
          issues.push({
            path: ["scenarios", i, "evaluators"],
            message: `scenario "${s.id}" has no required evaluator: nothing would decide its verdict; make one required, or set judge: none`
          })
        }
      })
      plan.evaluators.forEach((e, i) => {
        for (const p of Evaluator.problems(e)) issues.push({ path: ["evaluators", i, p.field], message: p.message })
      })
      return issues
    })
  )
) {}

/** One conversation slot of a plan: scenario x persona x iteration. */
export interface Slot {
  readonly scenario: string
  readonly persona: string
  readonly iteration: number
}

export const slots = (plan: Plan): ReadonlyArray<Slot> =>
  plan.scenarios.flatMap((s) =>
    plan.personas.flatMap((p) =>
      Array.from({ length: plan.iterations }, (_, i) => ({ scenario: s.id, persona: p.id, iteration: i + 1 }))
    )
  )

export const slotKey = (slot: Slot): string => `${slot.scenario}/${slot.persona}/${slot.iteration}`

/** The evaluators a scenario uses, in the scenario's order. */
export const evaluatorsOf = (plan: Plan, scenario: Scenario): ReadonlyArray<Evaluator.Evaluator> =>
  scenario.evaluators.flatMap((id) => plan.evaluators.filter((e) => e.id === id))

/**
 * A stable hash of any canonical definition (sorted keys, sha256, first 16 hex digits). Providers
 * keep it on the vendor object to know whether a provisioned resource is still current.
 */
export const definitionHash = (value: unknown): string =>
  createHash("sha256").update(stableStringify(value)).digest("hex").slice(0, 16)

export const stableStringify = (value: unknown): string =>
  JSON.stringify(value, (_, v) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]))
      : v
  )

export const hash = (plan: Plan): string => definitionHash(Schema.encodeSync(Plan)(plan))
