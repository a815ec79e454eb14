/**
 * The judging cases of the conformance suite: core, not the vendor, decides verdicts. A subject's
 * plan is run with each scenario twice, once with a required evaluator the vendor leaves unjudged
 * and once with a required number evaluator the vendor answers with a boolean, and the results
 * read with the plan must show that:
 *
 * - no result passes;
 * - the unjudged evaluator's evaluation has `passed: null`, and its result is `error` with
 *   failure reason `unjudged` naming it, or `fail` when another required evaluation failed;
 * - the number evaluator's evaluation failed, with a reasoning saying the value is not a number;
 * - the vendor's own pass/fail flag (`providerMetadata.vendorPassed`) is kept, and compared with a
 *   `pass` / `fail` verdict (`vendorAgrees`).
 *
 * The evaluators reach the emulators through words in their descriptions (`Judging.markers` of
 * `@simbridge/emulator`); a subject whose vendor does not carry the description to what judges it
 * adapts the plan (`Subject.judging`).
 *
 * @since 0.1.0
 */
import { expect } from "@effect/vitest"
import { Plan, Result } from "@simbridge/core"
import { Judging } from "@simbridge/emulator"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"

/** The id of the evaluator the vendor leaves unjudged. */
export const unjudgedId = "sb-unjudged"

/** The id of the number evaluator the vendor answers with a boolean. */
export const booleanId = "sb-rating"

/** The suffixes of the two scenarios made of each scenario of the subject's plan. */
export const variants = { unjudged: "unjudged", boolean: "boolean" } as const
export type Variant = keyof typeof variants

/** The plan in its encoded form, what {@link Adapt} changes. */
export type EncodedPlan = typeof Plan.Plan.Encoded

/**
 * Makes the judging plan reach a vendor whose evaluation objects do not carry the description:
 * vendor options (a metric mapping), another target. Gets and returns the encoded plan.
 */
export type Adapt = (plan: EncodedPlan) => EncodedPlan

/**
 * The subject's plan for the judging cases: each scenario `<id>` becomes `<id>.unjudged`, with
 * the evaluator {@link unjudgedId} added, and `<id>.boolean`, with {@link booleanId} added (a
 * number on a 1-5 scale, `>= 1`: any number on the scale passes, so only a value of another type
 * fails it). Scenario ids of their own keep the cases' resources apart from the other cases'.
 */
export const plan = (base: Plan.Plan, adapt?: Adapt): Plan.Plan => {
  const encoded = Schema.encodeSync(Plan.Plan)(base)
  const added: EncodedPlan = {
    ...encoded,
    scenarios: encoded.scenarios.flatMap((s) => [
      { ...s, id: `${s.id}.${variants.unjudged}`, name: `${s.name} (unjudged)`, evaluators: [...(s.evaluators ?? []), unjudgedId] },
      { ...s, id: `${s.id}.${variants.boolean}`, name: `${s.name} (boolean)`, evaluators: [...(s.evaluators ?? []), booleanId] }
    ]) as unknown as EncodedPlan["scenarios"],
    evaluators: [
      ...(encoded.evaluators ?? []),
      { id: unjudgedId, description: `The agent confirmed the caller's loyalty tier (${Judging.markers.unjudged})`, type: "boolean", expect: true, required: true },
      {
        id: booleanId,
        description: `How warmly the agent spoke, on a 1-5 scale (${Judging.markers.boolean})`,
        type: "number",
        comparator: ">=",
        expect: 1,
        scale: [1, 5],
        required: true
      }
    ]
  }
  return Schema.decodeUnknownSync(Plan.Plan)(adapt === undefined ? added : adapt(added))
}

/** Which variant a result's scenario is, if any. */
export const variantOf = (scenario: string): Variant | undefined =>
  scenario.endsWith(`.${variants.unjudged}`) ? "unjudged" : scenario.endsWith(`.${variants.boolean}`) ? "boolean" : undefined

export interface CheckOptions {
  /** The vendor reports its own pass/fail per conversation: every completed result carries it. */
  readonly vendorPassed: boolean
}

/** How many completed results each variant had, and how many unjudged ones were `error` (a case without any proves nothing). */
export interface Checked {
  readonly unjudged: number
  readonly boolean: number
  readonly unjudgedErrors: number
}

/** Checks the results of a run of {@link plan}, read with that plan (`readResults(ref, { plan })`). */
export const check = (results: ReadonlyArray<Result.Result>, options: CheckOptions): Checked => {
  const completed = { unjudged: 0, boolean: 0, unjudgedErrors: 0 }
  for (const r of results) {
    const where = `${r.ref.toString()} (${r.scenario}, ${r.status.unified})`
    const roundTrip = Schema.encodeUnknownEither(Result.Result)(r).pipe(Either.flatMap(Schema.decodeUnknownEither(Result.Result)))
    if (Either.isLeft(roundTrip)) expect.fail(`${where} does not fit the canonical model: ${roundTrip.left.message}`)
    expect(r.verdict, where).not.toBe("pass")

    const vendorPassed = r.providerMetadata?.["vendorPassed"]
    const vendorAgrees = r.providerMetadata?.["vendorAgrees"]
    if (typeof vendorPassed === "boolean" && (r.verdict === "pass" || r.verdict === "fail")) {
      expect(vendorAgrees, `${where}: vendorAgrees`).toBe(vendorPassed === (r.verdict === "pass"))
    } else {
      expect(vendorAgrees, `${where}: vendorAgrees without a vendor flag or a pass/fail verdict`).toBeUndefined()
    }

    const variant = variantOf(r.scenario)
    expect(variant, `${where}: a scenario of the judging plan`).toBeDefined()
    if (r.status.unified !== "completed") {
      expect(["error", "skipped"], `${where}: verdict`).toContain(r.verdict)
      continue
    }
    completed[variant!]++
    if (options.vendorPassed) expect(typeof vendorPassed, `${where}: vendorPassed`).toBe("boolean")
    const failed = r.evaluations.filter((e) => e.required && e.passed === false)
    if (variant === "unjudged") {
      const e = r.evaluations.find((x) => x.evaluator === unjudgedId)
      expect(e, `${where}: an evaluation of ${unjudgedId}`).toBeDefined()
      expect(e!.required).toBe(true)
      expect(e!.passed, `${where}: ${unjudgedId} is not judged`).toBeNull()
      expect(e!.actual ?? null, `${where}: ${unjudgedId} has no value`).toBeNull()
      if (failed.length > 0) {
        expect(r.verdict, `${where}: a required evaluation failed`).toBe("fail")
      } else {
        expect(r.verdict, `${where}: verdict`).toBe("error")
        completed.unjudgedErrors++
        expect(r.failureReason?.code, `${where}: failure reason`).toBe("unjudged")
        expect(r.failureReason?.message, `${where}: failure reason`).toContain(unjudgedId)
      }
    } else {
      const e = r.evaluations.find((x) => x.evaluator === booleanId)
      expect(e, `${where}: an evaluation of ${booleanId}`).toBeDefined()
      expect(typeof e!.actual, `${where}: ${booleanId} was answered with a boolean`).toBe("boolean")
      expect(e!.passed, `${where}: ${booleanId} failed`).toBe(false)
      expect(e!.reasoning ?? "", `${where}: ${booleanId} says why`).toMatch(/not a number/)
      expect(r.verdict, `${where}: verdict`).toBe("fail")
    }
  }
  return completed
}
