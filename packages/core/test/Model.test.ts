import { describe, expect, it } from "@effect/vitest"
import { Evaluator, Issues, Persona, Plan, Result, Run, Scenario } from "@simbridge/core"
import * as Arbitrary from "effect/Arbitrary"
import * as FastCheck from "effect/FastCheck"
import * as Schema from "effect/Schema"

const roundTrips = <A, I>(name: string, schema: Schema.Schema<A, I>) =>
  it(`${name} survives encode -> JSON -> decode`, () => {
    FastCheck.assert(
      FastCheck.property(Arbitrary.make(schema), (value) => {
        const json = JSON.parse(JSON.stringify(Schema.encodeSync(schema)(value)))
        const back = Schema.decodeUnknownSync(schema)(json)
        expect(JSON.stringify(Schema.encodeSync(schema)(back))).toBe(JSON.stringify(Schema.encodeSync(schema)(value)))
      }),
      { numRuns: 60 }
    )
  })

describe("canonical model", () => {
  roundTrips("Persona", Persona.Persona)
  roundTrips("Scenario", Scenario.Scenario)
  roundTrips("Evaluator", Evaluator.Evaluator)
  roundTrips("Run", Run.Run)
  roundTrips("Result", Result.Result)

  it("a persona rejects an accent outside the vocabulary and names the field", () => {
    const result = Schema.decodeUnknownEither(Persona.Persona)({ id: "p", name: "Pat", accent: "usa" })
    expect(result._tag).toBe("Left")
    if (result._tag === "Left") expect(result.left.message).toContain("accent")
  })

  it("defaults: language en, evaluator boolean/=/true/required", () => {
    const p = Schema.decodeUnknownSync(Persona.Persona)({ id: "p", name: "Pat" })
    expect(p.language).toBe("en")
    const e = Schema.decodeUnknownSync(Evaluator.Evaluator)({ id: "ok", description: "it worked" })
    expect([e.type, e.comparator, e.expect, e.required]).toEqual(["boolean", "=", true, true])
  })

  const base = {
    name: "s",
    target: { test: {} },
    personas: [{ id: "p", name: "Pat" }],
    scenarios: [{ id: "s", name: "S", instructions: "do", evaluators: ["ok"] }],
    evaluators: [{ id: "ok", description: "ok" }]
  }

  it("a plan rejects a scenario that references an unknown evaluator, with the path", () => {
    const result = Schema.decodeUnknownEither(Plan.Plan)({ ...base, scenarios: [{ id: "s", name: "S", instructions: "do", evaluators: ["nope"] }] })
    expect(result._tag).toBe("Left")
    if (result._tag === "Left") {
      expect(result.left.message).toContain('unknown evaluator "nope"')
      expect(result.left.message).toContain('["scenarios"][0]["evaluators"][0]')
    }
  })

  it("a plan rejects duplicate ids and evaluators whose expectation does not fit the type", () => {
    const dup = Schema.decodeUnknownEither(Plan.Plan)({ ...base, personas: [{ id: "p", name: "A" }, { id: "p", name: "B" }] })
    expect(dup._tag === "Left" && dup.left.message).toContain('duplicate id "p"')
    const mismatch = Schema.decodeUnknownEither(Plan.Plan)({ ...base, evaluators: [{ id: "ok", description: "ok", type: "number", expect: "four" }] })
    expect(mismatch._tag === "Left" && mismatch.left.message).toContain("expected a number")
  })

  it("slots enumerate scenario x persona x iteration", () => {
    const plan = Schema.decodeUnknownSync(Plan.Plan)({ ...base, iterations: 2, personas: [{ id: "a", name: "A" }, { id: "b", name: "B" }] })
    expect(Plan.slots(plan).map(Plan.slotKey)).toEqual(["s/a/1", "s/a/2", "s/b/1", "s/b/2"])
  })

  it("the plan hash ignores key order and changes with content", () => {
    expect(Plan.definitionHash({ a: 1, b: [1, 2] })).toBe(Plan.definitionHash({ b: [1, 2], a: 1 }))
    expect(Plan.definitionHash({ a: 1 })).not.toBe(Plan.definitionHash({ a: 2 }))
  })

  it("comparators decide pass and fail", () => {
    expect(Evaluator.passes({ comparator: ">=", expect: 4 }, 4)).toBe(true)
    expect(Evaluator.passes({ comparator: ">=", expect: 4 }, 3)).toBe(false)
    expect(Evaluator.passes({ comparator: "=", expect: true }, true)).toBe(true)
    expect(Evaluator.passes({ comparator: "=", expect: "Yes" }, "yes")).toBe(true)
    expect(Evaluator.passes({ comparator: "contains", expect: "book" }, "Booked it")).toBe(true)
    expect(Evaluator.passes({ comparator: "!=", expect: "no" }, "no")).toBe(false)
    expect(Evaluator.passes({ comparator: "<", expect: 2 }, "1")).toBe(false)
  })

  const encodedResult = {
    ref: { provider: "vendor", kind: "result", id: "r1" },
    run: { provider: "vendor", kind: "run", id: "run1" },
    scenario: "s",
    persona: "p",
    iteration: 1,
    status: { unified: "completed", raw: "done" },
    verdict: "pass"
  }

  it("a result's evaluations and transcript may be absent in the encoded form and are then empty", () => {
    for (const encoded of [encodedResult, { ...encodedResult, evaluations: undefined, transcript: undefined }]) {
      const r = Schema.decodeUnknownSync(Result.Result)(encoded)
      expect(r).toBeInstanceOf(Result.Result)
      expect([r.evaluations, r.transcript]).toEqual([[], []])
      expect(Schema.encodeSync(Result.Result)(r)).toMatchObject({ evaluations: [], transcript: [] })
    }
    const made = new Result.Result({ ...Schema.decodeUnknownSync(Result.Result)(encodedResult) }, true)
    expect([made.evaluations, made.transcript]).toEqual([[], []])
  })

  it("a result names the nested field that does not fit", () => {
    const bad = (extra: Record<string, unknown>) => {
      const r = Schema.decodeUnknownEither(Result.Result)({ ...encodedResult, ...extra })
      return r._tag === "Left" ? Issues.summarize(Issues.fromParseError(r.left)) : "decoded"
    }
    expect(bad({ transcript: [{ role: "agent", text: "hi" }, { role: "robot", text: "hi" }] })).toContain("transcript[1].role")
    expect(bad({ evaluations: [{ evaluator: "e", passed: "yes", required: true }] })).toContain("evaluations[0].passed")
    expect(bad({ latency: { averageMs: Number.NaN } })).toContain("latency.averageMs")
    expect(bad({ failureReason: { code: "x" } })).toContain("failureReason.message")
    expect(bad({ evaluations: null })).toContain("evaluations")
  })

  it("verdicts follow status and required evaluations", () => {
    const ok = { passed: true, required: true }
    const bad = { passed: false, required: true }
    const optionalBad = { passed: false, required: false }
    expect(Result.verdictOf({ unified: "running" }, [])).toBe("pending")
    expect(Result.verdictOf({ unified: "canceled" }, [ok])).toBe("skipped")
    expect(Result.verdictOf({ unified: "failed" }, [])).toBe("error")
    expect(Result.verdictOf({ unified: "completed" }, [ok, optionalBad])).toBe("pass")
    expect(Result.verdictOf({ unified: "completed" }, [ok, bad])).toBe("fail")
    expect(Result.verdictOf({ unified: "completed" }, [])).toBe("error")
    expect(Result.verdictOf({ unified: "failed" }, [ok])).toBe("error")
    expect(Result.verdictOf({ unified: "timed_out" }, [bad])).toBe("fail")
    expect(Result.verdictOf({ unified: "completed" }, [{ passed: null, required: true }])).toBe("error")
  })
})
