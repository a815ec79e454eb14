/**
 * A pass/fail or scored criterion, judged on each conversation.
 *
 * `type` says what the judge extracts (a boolean, a number, a string); `comparator` and `expect`
 * say what passes. A `required: false` evaluator is reported but does not fail the result.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { EvaluatorId } from "./Ids.js"

export const Type = Schema.Literal("boolean", "number", "string")
export type Type = typeof Type.Type

export const Comparator = Schema.Literal("=", "!=", ">", ">=", "<", "<=", "contains")
export type Comparator = typeof Comparator.Type

export const Expected = Schema.Union(Schema.Boolean, Schema.Finite, Schema.String)
export type Expected = typeof Expected.Type

export class Evaluator extends Schema.Class<Evaluator>("Evaluator")({
  id: EvaluatorId,
  name: Schema.optional(Schema.String),
  description: Schema.NonEmptyTrimmedString,
  type: Schema.optionalWith(Type, { default: () => "boolean" as const }),
  comparator: Schema.optionalWith(Comparator, { default: () => "=" as const }),
  expect: Schema.optionalWith(Expected, { default: () => true }),
  required: Schema.optionalWith(Schema.Boolean, { default: () => true }),
  /**
   * A number evaluator's range, `[min, max]` (`[1, 5]` for a 1-5 scale). Providers whose vendor
   * scores on a fixed scale of its own convert to it (each documents how), and a value outside it
   * fails the evaluation: a 0-100 score is never compared with a 1-5 expectation.
   */
  scale: Schema.optional(Schema.Tuple(Schema.Finite, Schema.Finite))
}) {}

/** Checks that comparator and expected value fit the evaluator's type; returns problems by field. */
export const problems = (e: Evaluator): ReadonlyArray<{ readonly field: string; readonly message: string }> => {
  const out: Array<{ field: string; message: string }> = []
  const actualType = typeof e.expect
  if (actualType !== e.type) out.push({ field: "expect", message: `expected a ${e.type} (the evaluator's type), got ${JSON.stringify(e.expect)}` })
  if (e.type === "boolean" && e.comparator !== "=" && e.comparator !== "!=") {
    out.push({ field: "comparator", message: `a boolean evaluator compares with "=" or "!=", got "${e.comparator}"` })
  }
  if (e.type === "string" && [">", ">=", "<", "<="].includes(e.comparator)) {
    out.push({ field: "comparator", message: `a string evaluator compares with "=", "!=" or "contains", got "${e.comparator}"` })
  }
  if (e.type === "number" && e.comparator === "contains") {
    out.push({ field: "comparator", message: `a number evaluator cannot use "contains"` })
  }
  if (e.scale !== undefined) {
    const [min, max] = e.scale
    if (e.type !== "number") out.push({ field: "scale", message: `only a number evaluator has a scale; this one is a ${e.type}` })
    else if (!(min < max)) out.push({ field: "scale", message: `expected [min, max] with min < max, got ${JSON.stringify(e.scale)}` })
    else if (typeof e.expect === "number" && (e.expect < min || e.expect > max)) {
      out.push({ field: "expect", message: `${e.expect} is outside the evaluator's scale ${min}-${max}` })
    }
  }
  return out
}

/** Applies the comparator: does `actual` pass against the evaluator's expectation? */
export const passes = (e: Pick<Evaluator, "comparator" | "expect">, actual: unknown): boolean => {
  // A value of another type than the expectation never equals it ("4" is not 4, "true" is not true).
  if (typeof actual !== typeof e.expect) return false
  const expected = e.expect
  switch (e.comparator) {
    case "=":
      return actual === expected || (typeof actual === "string" && String(expected).toLowerCase() === actual.toLowerCase())
    case "!=":
      return !passes({ comparator: "=", expect: expected }, actual)
    case ">":
      return typeof actual === "number" && actual > Number(expected)
    case ">=":
      return typeof actual === "number" && actual >= Number(expected)
    case "<":
      return typeof actual === "number" && actual < Number(expected)
    case "<=":
      return typeof actual === "number" && actual <= Number(expected)
    case "contains":
      return typeof actual === "string" && actual.toLowerCase().includes(String(expected).toLowerCase())
  }
}
