/**
 * How core decides verdicts. Drivers report what the vendor measured (each evaluation's actual
 * value and reasoning, or nothing when the vendor did not judge it); core decides, from the plan,
 * whether each evaluation passed and what the conversation's verdict is:
 *
 * | the conversation                                          | verdict   |
 * |-----------------------------------------------------------|-----------|
 * | not finished                                              | `pending` |
 * | canceled, or its scenario says `judge: none`              | `skipped` |
 * | a required evaluation failed (wrong value or wrong type)  | `fail`    |
 * | a required evaluator has no evaluation (not judged)       | `error`   |
 * | failed or timed out at the vendor                         | `error`   |
 * | completed, every required evaluator judged and met        | `pass`    |
 *
 * A value whose type does not fit the evaluator (a boolean for a number evaluator) fails its
 * evaluation. The vendor's own pass/fail flag (`providerMetadata.vendorPassed`) is not trusted:
 * core records whether it agrees (`providerMetadata.vendorAgrees`).
 *
 * @since 0.1.0
 */
import type * as Evaluator from "./Evaluator.js"
import { passes } from "./Evaluator.js"
import type { Json } from "./Json.js"
import * as Plan from "./Plan.js"
import { EvaluationResult, FailureReason, Result } from "./Result.js"
import { isTerminal, type Verdict } from "./Status.js"

/** One evaluation's judgement: `passed` is `null` when the vendor gave no value to judge. */
export interface Judgement {
  readonly passed: boolean | null
  /** Why it failed or was not judged, when core knows better than the vendor. */
  readonly reason?: string | undefined
}

const show = (value: unknown): string => JSON.stringify(value) ?? String(value)

/** Whether `actual` is a value of the evaluator's type. */
export const fitsType = (type: Evaluator.Type, actual: unknown): boolean =>
  type === "number" ? typeof actual === "number" && Number.isFinite(actual) : typeof actual === type

/** Judges one value against an evaluator: its type first, then its comparator and expected value. */
export const evaluation = (evaluator: Evaluator.Evaluator, actual: Json | undefined): Judgement => {
  if (actual === undefined || actual === null) return { passed: null }
  if (!fitsType(evaluator.type, actual)) {
    return { passed: false, reason: `the vendor answered ${show(actual)}, which is not a ${evaluator.type} (the evaluator's type)` }
  }
  if (evaluator.type === "number" && evaluator.scale !== undefined) {
    const [min, max] = evaluator.scale
    if ((actual as number) < min || (actual as number) > max) {
      return { passed: false, reason: `the vendor answered ${show(actual)}, outside the evaluator's scale ${min}-${max}` }
    }
  }
  return { passed: passes(evaluator, actual) }
}

/** The plan's scenario of a result; `undefined` for a scenario the plan does not have. */
const scenarioOf = (plan: Plan.Plan, id: string) => plan.scenarios.find((s) => s.id === id)

const joinReasons = (ours: string | undefined, theirs: string | undefined): string | undefined =>
  ours === undefined ? theirs : theirs === undefined || theirs === "" ? ours : `${ours} (vendor: ${theirs})`

/**
 * The result judged against the plan: the scenario's evaluators in the scenario's order (each
 * judged from the value the vendor reported for it, or unjudged), then the vendor's other
 * evaluations as optional; and the verdict from the table above.
 */
export const result = (plan: Plan.Plan, r: Result): Result => {
  const scenario = scenarioOf(plan, r.scenario)
  const evaluators = scenario === undefined ? [] : Plan.evaluatorsOf(plan, scenario)
  const reported = new Map<string, EvaluationResult>()
  for (const e of r.evaluations) if (!reported.has(e.evaluator)) reported.set(e.evaluator, e)
  const finished = isTerminal(r.status)

  const judged = evaluators.map((evaluator) => {
    const vendor = reported.get(evaluator.id)
    const judgement = vendor?.checkedByVendor === true && typeof vendor.actual === "boolean"
      ? { passed: vendor.actual }
      : evaluation(evaluator, vendor?.actual)
    const reasoning = joinReasons(
      judgement.reason ?? (judgement.passed === null && finished && r.status.unified === "completed" ? `not judged by ${r.ref.provider}` : undefined),
      vendor?.reasoning
    )
    return EvaluationResult.make({
      evaluator: evaluator.id,
      ...(vendor?.name ?? evaluator.name ? { name: vendor?.name ?? evaluator.name } : {}),
      passed: judgement.passed,
      required: evaluator.required,
      expected: evaluator.expect,
      ...(vendor?.actual !== undefined ? { actual: vendor.actual } : {}),
      ...(reasoning !== undefined ? { reasoning } : {}),
      ...(vendor?.checkedByVendor === true ? { checkedByVendor: true } : {})
    })
  })
  const known = new Set<string>(evaluators.map((e) => e.id))
  const others = r.evaluations
    .filter((e) => !known.has(e.evaluator))
    .map((e) => (e.required ? EvaluationResult.make({ ...e, required: false }) : e))
  const evaluations = [...judged, ...others]

  const required = judged.filter((e) => e.required)
  const failed = required.filter((e) => e.passed === false)
  const unjudged = required.filter((e) => e.passed === null)
  let failureReason = r.failureReason
  let verdict: Verdict
  if (!finished) verdict = "pending"
  else if (r.status.unified === "canceled") verdict = "skipped"
  else if (scenario === undefined) {
    verdict = "error"
    failureReason ??= FailureReason.make({ code: "unknown_scenario", message: `scenario "${r.scenario}" is not in the plan: nothing says what this conversation must meet` })
  } else if (failed.length > 0) verdict = "fail"
  else if (r.status.unified !== "completed") verdict = "error"
  else if (scenario.judge === "none") verdict = "skipped"
  else if (unjudged.length > 0) {
    verdict = "error"
    failureReason ??= FailureReason.make({
      code: "unjudged",
      message: `${r.ref.provider} did not judge ${unjudged.map((e) => e.evaluator).join(", ")}: a required evaluator without an evaluation is not a pass`
    })
  } else if (required.length === 0) {
    // The plan check refuses such scenarios; a plan built around it still gets no vacuous pass.
    verdict = "error"
    failureReason ??= FailureReason.make({ code: "nothing_required", message: `scenario "${scenario.id}" has no required evaluator` })
  } else verdict = "pass"

  const vendorPassed = r.providerMetadata?.["vendorPassed"]
  const providerMetadata = typeof vendorPassed === "boolean" && (verdict === "pass" || verdict === "fail")
    ? { ...r.providerMetadata, vendorAgrees: vendorPassed === (verdict === "pass") }
    : r.providerMetadata

  // Every part is valid already (the decoded result, evaluations and failure reasons built with
  // `make`, a boolean added to its metadata): no second validation of the whole result.
  return new Result({
    ...r,
    verdict,
    evaluations,
    ...(failureReason !== undefined ? { failureReason } : {}),
    ...(providerMetadata !== undefined ? { providerMetadata } : {})
  }, true)
}

/** The required evaluators of these results that no vendor evaluation judged, with how often. */
export const unjudged = (results: ReadonlyArray<Result>): ReadonlyMap<string, number> => {
  const out = new Map<string, number>()
  for (const r of results) {
    if (r.verdict !== "error" && r.verdict !== "fail") continue
    if (r.status.unified !== "completed") continue
    for (const e of r.evaluations) if (e.required && e.passed === null) out.set(e.evaluator, (out.get(e.evaluator) ?? 0) + 1)
  }
  return out
}
