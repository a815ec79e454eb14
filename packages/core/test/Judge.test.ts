import { describe, expect, it } from "@effect/vitest"
import { Judge, Plan, Result } from "@simbridge/core"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { encodedPlan } from "./fixtures.js"

const plan = Schema.decodeUnknownSync(Plan.Plan)({
  ...encodedPlan,
  scenarios: [
    ...encodedPlan.scenarios,
    { id: "order", name: "Order", instructions: "Order a pizza", evaluators: ["confirmed", "total", "polite"] },
    { id: "smalltalk", name: "Small talk", instructions: "Chat", judge: "none" }
  ],
  evaluators: [
    ...encodedPlan.evaluators.map((e) => (e.id === "polite" ? { ...e, scale: [1, 5] } : e)),
    { id: "confirmed", description: "the order was confirmed", type: "boolean" },
    { id: "total", description: "the total given", type: "string", comparator: "contains", expect: "$" }
  ]
})

const result = (fields: {
  readonly scenario?: string
  readonly status?: string
  readonly evaluations?: ReadonlyArray<Record<string, unknown>>
  readonly vendorPassed?: boolean
}) =>
  Schema.decodeUnknownSync(Result.Result)({
    ref: { provider: "vendor", kind: "result", id: "r1" },
    run: { provider: "vendor", kind: "run", id: "run1" },
    scenario: fields.scenario ?? "urgent-appointment",
    persona: "anxious-sarah",
    iteration: 1,
    status: { unified: fields.status ?? "completed", raw: fields.status ?? "done" },
    // What the driver believed: core must not take it.
    verdict: "pass",
    evaluations: fields.evaluations ?? [],
    ...(fields.vendorPassed === undefined ? {} : { providerMetadata: { vendorPassed: fields.vendorPassed } })
  })

const judged = (fields: Parameters<typeof result>[0]) => Judge.result(plan, result(fields))
const evaluation = (evaluator: string, actual: unknown, passed: boolean | null = true) => ({ evaluator, actual, passed, required: true })

describe("Judge", () => {
  it("passes only when every required evaluator was judged and met", () => {
    const r = judged({ evaluations: [evaluation("booked", true), evaluation("polite", 5)] })
    expect(r.verdict).toBe("pass")
    expect(r.evaluations.map((e) => [e.evaluator, e.passed, e.required, e.expected])).toEqual([
      ["booked", true, true, true],
      ["polite", true, false, 4]
    ])
  })

  it("a required evaluator without an evaluation is an error naming it, whatever the vendor said", () => {
    const r = judged({ scenario: "order", evaluations: [], vendorPassed: true })
    expect(r.verdict).toBe("error")
    expect(r.failureReason?.code).toBe("unjudged")
    expect(r.failureReason?.message).toContain("confirmed, total")
    expect(r.evaluations.filter((e) => e.required).every((e) => e.passed === null)).toBe(true)
    expect(r.providerMetadata?.["vendorAgrees"]).toBeUndefined()
    // A value of null is no judgement either.
    expect(judged({ evaluations: [evaluation("booked", null)] }).verdict).toBe("error")
  })

  it("a value of the wrong type fails its evaluation, never passes", () => {
    const number = judged({ scenario: "order", evaluations: [evaluation("confirmed", true), evaluation("total", "$12"), { ...evaluation("polite", true), required: false }] })
    expect(number.evaluations.find((e) => e.evaluator === "polite")).toMatchObject({ passed: false })
    expect(number.evaluations.find((e) => e.evaluator === "polite")?.reasoning).toContain("not a number")
    const required = Judge.result(plan, result({ evaluations: [evaluation("booked", "true")] }))
    expect(required.verdict).toBe("fail")
    expect(required.evaluations[0]?.reasoning).toContain("not a boolean")
  })

  it("a number outside the evaluator's scale fails (a 0-100 score is not a 1-5 rating)", () => {
    const r = judged({ evaluations: [evaluation("booked", true), evaluation("polite", 92)] })
    expect(r.evaluations[1]).toMatchObject({ evaluator: "polite", passed: false })
    expect(r.evaluations[1]?.reasoning).toContain("outside the evaluator's scale 1-5")
    expect(Judge.evaluation(plan.evaluators[1]!, 4)).toEqual({ passed: true })
  })

  it("takes a vendor's own check only where the driver says the vendor compared the value", () => {
    const contains = (actual: boolean, checkedByVendor?: boolean) =>
      judged({ scenario: "order", evaluations: [evaluation("confirmed", true), { ...evaluation("total", actual), ...(checkedByVendor ? { checkedByVendor } : {}) }] })
    expect(contains(true, true).verdict).toBe("pass")
    expect(contains(false, true).verdict).toBe("fail")
    expect(contains(true).verdict).toBe("fail")
  })

  it("keeps the vendor's flag and says whether it agrees", () => {
    const agreeing = judged({ evaluations: [evaluation("booked", true)], vendorPassed: true })
    expect(agreeing.providerMetadata).toEqual({ vendorPassed: true, vendorAgrees: true })
    const disagreeing = judged({ evaluations: [evaluation("booked", false)], vendorPassed: true })
    expect(disagreeing.verdict).toBe("fail")
    expect(disagreeing.providerMetadata).toEqual({ vendorPassed: true, vendorAgrees: false })
  })

  it("status decides before evaluations: pending, skipped, error", () => {
    const met = [evaluation("booked", true)]
    expect(judged({ status: "running", evaluations: met }).verdict).toBe("pending")
    expect(judged({ status: "unknown", evaluations: met }).verdict).toBe("pending")
    expect(judged({ status: "canceled", evaluations: met }).verdict).toBe("skipped")
    expect(judged({ status: "failed", evaluations: met }).verdict).toBe("error")
    expect(judged({ status: "timed_out", evaluations: [evaluation("booked", false)] }).verdict).toBe("fail")
    expect(judged({ scenario: "smalltalk" }).verdict).toBe("skipped")
    expect(judged({ scenario: "smalltalk", status: "failed" }).verdict).toBe("error")
    const stranger = judged({ scenario: "not-in-plan", evaluations: met })
    expect(stranger.verdict).toBe("error")
    expect(stranger.failureReason?.code).toBe("unknown_scenario")
  })

  it("vendor evaluations the scenario does not use are kept, never required", () => {
    const r = judged({ evaluations: [evaluation("booked", true), evaluation("vendor-extra", false, false)] })
    expect(r.verdict).toBe("pass")
    expect(r.evaluations.find((e) => e.evaluator === "vendor-extra")).toMatchObject({ required: false, passed: false })
  })

  it("Judge.unjudged counts the required evaluators left unjudged", () => {
    const results = [judged({ scenario: "order" }), judged({ scenario: "order", evaluations: [evaluation("confirmed", true)] })]
    expect([...Judge.unjudged(results)]).toEqual([["confirmed", 1], ["total", 2]])
  })
})

describe("suites that judge something", () => {
  const decode = (scenario: Record<string, unknown>) =>
    Schema.decodeUnknownEither(Plan.Plan)({ ...encodedPlan, scenarios: [encodedPlan.scenarios[0], scenario] })
  const message = (scenario: Record<string, unknown>) => {
    const r = decode(scenario)
    return Either.isLeft(r) ? r.left.message : "decoded"
  }
  const base = { id: "b", name: "B", instructions: "do it" }

  it("a scenario without evaluators is an error naming it, unless it says judge: none", () => {
    expect(message(base)).toContain(`scenario "b" has no evaluators`)
    expect(message({ ...base, judge: "none" })).toBe("decoded")
    expect(message({ ...base, judge: "none", evaluators: ["booked"] })).toContain("judge: none but lists evaluators")
    expect(message({ ...base, evaluators: ["polite"] })).toContain(`scenario "b" has no required evaluator`)
  })

  it("expect values and scales are checked against the evaluator's type", () => {
    const withEvaluator = (evaluator: Record<string, unknown>) =>
      Schema.decodeUnknownEither(Plan.Plan)({ ...encodedPlan, evaluators: [encodedPlan.evaluators[0], { id: "polite", description: "d", ...evaluator }] })
    const problem = (evaluator: Record<string, unknown>) => {
      const r = withEvaluator(evaluator)
      return Either.isLeft(r) ? r.left.message : "decoded"
    }
    expect(problem({ type: "number", comparator: ">=", expect: "$" })).toContain("expected a number")
    expect(problem({ type: "number", comparator: ">=", expect: 7, scale: [1, 5] })).toContain("outside the evaluator's scale 1-5")
    expect(problem({ type: "boolean", scale: [1, 5] })).toContain("only a number evaluator has a scale")
    expect(problem({ type: "number", comparator: ">=", expect: 4, scale: [1, 5] })).toBe("decoded")
  })
})
