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
  required: Schema.optionalWith(Schema.Boolean, { default: () => true })
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
  return out
}

/** Applies the comparator: does `actual` pass against the evaluator's expectation? */
export const passes = (e: Pick<Evaluator, "comparator" | "expect">, actual: unknown): boolean => {
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
