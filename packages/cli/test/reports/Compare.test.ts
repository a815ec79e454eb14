import { describe, expect, it } from "@effect/vitest"
import * as Schema from "effect/Schema"
import * as Compare from "../../src/reports/Compare.js"
import { report, result, sample, type Verdict } from "./fixtures.js"

/** A report from `provider -> "scenario/persona" -> verdicts of iterations 1..n`. */
const build = (spec: Record<string, Record<string, ReadonlyArray<Verdict>>>, extra: Record<string, unknown> = {}) =>
  report(
    Object.entries(spec).map(([provider, groups]) => ({
      provider,
      results: Object.entries(groups).flatMap(([key, verdicts]) => {
        const [scenario, persona] = key.split("/") as [string, string]
        return verdicts.map((verdict, i) => result({ provider, scenario, persona, iteration: i + 1, verdict }))
      })
    })),
    extra
  )

const pick = (c: Compare.Comparison) =>
  c.groups.map((g) => `${g.provider} ${g.scenario}/${g.persona}: ${g.change}${g.flaky ? " flaky" : ""}`)

describe("Compare", () => {
  it("classifies new failures, fixed, still failing, passing and flaky per provider x scenario x persona", () => {
    const before = build({
      vapi: { "a/p": ["pass", "pass"], "b/p": ["fail", "fail"], "c/p": ["fail", "error"], "d/p": ["pass", "pass"], "e/p": ["pass", "fail"] },
      roark: { "a/p": ["pass", "pass"], "b/p": ["pass", "pass"], "c/p": ["pass", "pass"], "d/p": ["pass", "pass"], "e/p": ["pass", "pass"] }
    })
    const after = build({
      vapi: { "a/p": ["pass", "fail"], "b/p": ["pass", "pass"], "c/p": ["error", "fail"], "d/p": ["pass", "pass"], "e/p": ["pass", "pass"] },
      roark: { "a/p": ["pass", "pass"], "b/p": ["pass", "pass"], "c/p": ["pass", "pass"], "d/p": ["skipped", "pending"], "e/p": ["pass", "pass"] }
    })
    const c = Compare.compare(before, after)
    expect(pick(c)).toEqual([
      "vapi a/p: new-failure flaky",
      "vapi b/p: fixed",
      "vapi c/p: still-failing",
      "vapi d/p: passing",
      "vapi e/p: fixed flaky",
      "roark a/p: passing",
      "roark b/p: passing",
      "roark c/p: passing",
      "roark d/p: no-verdict",
      "roark e/p: passing"
    ])
    expect(c.hasRegressions).toBe(true)
    expect(c.newFailures.map((g) => `${g.provider} ${g.scenario}`)).toEqual(["vapi a"])
    expect(c.fixed.map((g) => g.scenario)).toEqual(["b", "e"])
    expect(c.stillFailing.map((g) => g.scenario)).toEqual(["c"])
    expect(c.flaky.map((g) => g.scenario)).toEqual(["a", "e"])
    expect(c.groups[0]!.before!.verdicts).toEqual(["pass", "pass"])
    expect(c.groups[0]!.after).toMatchObject({ verdicts: ["pass", "fail"], outcome: "fail", flaky: true })
    expect(c.providers.map((p) => [p.provider, p.presence, p.newFailures, p.fixed, p.stillFailing, p.flaky])).toEqual([
      ["vapi", "both", 1, 2, 1, 2],
      ["roark", "both", 0, 0, 0, 0]
    ])
    expect(c.providers[0]!.before!.passRate).toBeCloseTo(5 / 10)
    expect(c.providers[0]!.after!.passRate).toBeCloseTo(7 / 10)
  })

  it("no regressions when nothing got worse; fixed and flaky alone do not gate", () => {
    const before = build({ vapi: { "a/p": ["fail", "pass"] } })
    const after = build({ vapi: { "a/p": ["pass", "pass"] } })
    const c = Compare.compare(before, after)
    expect(pick(c)).toEqual(["vapi a/p: fixed flaky"])
    expect(c.hasRegressions).toBe(false)
    expect(Compare.render(c)).toContain("no regressions")
  })

  it("a slot without a verdict before that fails now is a new failure", () => {
    const c = Compare.compare(build({ vapi: { "a/p": ["skipped"] } }), build({ vapi: { "a/p": ["fail"] } }))
    expect(pick(c)).toEqual(["vapi a/p: new-failure"])
    expect(c.hasRegressions).toBe(true)
  })

  it("reports added and removed groups and providers", () => {
    const before = build({ vapi: { "a/p": ["pass"], "old/p": ["pass"] }, cekura: { "a/p": ["pass"] } })
    const after = build({ vapi: { "a/p": ["pass"], "new/p": ["fail"] }, roark: { "a/p": ["fail"] } })
    const c = Compare.compare(before, after)
    expect(pick(c)).toEqual([
      "vapi a/p: passing",
      "vapi old/p: removed",
      "vapi new/p: added",
      "cekura a/p: removed",
      // the plan's slots are in the comparison for every provider, so cekura had old/p (no result)
      "cekura old/p: removed",
      "roark a/p: added",
      "roark new/p: added"
    ])
    expect(c.providers.map((p) => [p.provider, p.presence])).toEqual([["vapi", "both"], ["cekura", "removed"], ["roark", "added"]])
    expect(c.added.map((g) => `${g.provider} ${g.scenario}`)).toEqual(["vapi new", "roark a", "roark new"])
    expect(c.removed.map((g) => `${g.provider} ${g.scenario}`)).toEqual(["vapi old", "cekura a", "cekura old"])
    expect(c.groups[1]!.after).toBeUndefined()
    expect(c.groups[2]!.before).toBeUndefined()
    // a group added with a failure is reported, not a regression
    expect(c.hasRegressions).toBe(false)
  })

  it("a provider that ran before and could not run now is a regression", () => {
    const after = sample
    const before = build({ vapi: { "urgent-appointment/anxious-sarah": ["pass", "pass"] }, cekura: { "urgent-appointment/anxious-sarah": ["pass", "pass"] } })
    const c = Compare.compare(before, after)
    const cekura = c.providers.find((p) => p.provider === "cekura")!
    expect(cekura).toMatchObject({ presence: "both", newError: true })
    expect(cekura.after!.error).toBe("Unauthorized during startRun: invalid API key <redacted> & expired")
    expect(c.groups.filter((g) => g.provider === "cekura").map((g) => `${g.scenario} ${g.change}`)).toEqual([
      "urgent-appointment no-verdict",
      "reschedule added"
    ])
    expect(c.hasRegressions).toBe(true)
    expect(Compare.render(c)).toContain("REGRESSIONS: 1 new failure, 1 provider could not run")
  })

  it("is a Schema class: encodes to JSON and decodes back equal", () => {
    const c = Compare.compare(build({ vapi: { "urgent-appointment/anxious-sarah": ["pass", "pass"] } }), sample)
    const json = JSON.parse(JSON.stringify(Compare.encode(c)))
    expect(json).toMatchObject({ version: 1, samePlan: true, hasRegressions: true, before: { suite: "dental-clinic" } })
    const back = Compare.decode(json)
    expect(back).toBeInstanceOf(Compare.Comparison)
    expect(Schema.equivalence(Compare.Comparison)(back, c)).toBe(true)
    expect(back.newFailures.length).toBe(c.newFailures.length)
    expect(() => Compare.decode({ ...json, version: 2 })).toThrow()
  })

  it("renders a readable summary for a regression gate", () => {
    const before = build({ vapi: { "a/p": ["pass", "pass"], "b/p": ["fail"] }, roark: { "a/p": ["pass", "pass"] } }, { planHash: "aaaa" })
    const after = build({ vapi: { "a/p": ["pass", "fail"], "b/p": ["pass"] }, cekura: { "a/p": ["pass", "pass"] } }, { planHash: "bbbb" })
    const text = Compare.render(Compare.compare(before, after))
    expect(text).toContain("compare dental-clinic\n")
    expect(text).toContain("note: the plans differ")
    expect(text).toContain("REGRESSIONS: 1 new failure\n")
    expect(text).toMatch(/provider\s+before\s+after\s+new failures\s+fixed\s+still failing\s+flaky/)
    expect(text).toMatch(/vapi\s+66\.7% \(2\/3\)\s+66\.7% \(2\/3\)\s+1\s+1\s+0\s+1/)
    expect(text).toMatch(/roark\s+100\.0% \(2\/2\)\s+-\s+\(provider removed\)/)
    expect(text).toMatch(/cekura\s+-\s+100\.0% \(2\/2\)\s+\(provider added\)/)
    expect(text).toContain("New failures:\n  vapi a / p: pass pass -> pass FAIL  (flaky)\n")
    expect(text).toContain("Fixed:\n  vapi b / p: FAIL -> pass\n")
    expect(text).toContain("Added:\n  cekura a / p: (absent) -> pass pass\n")
    expect(text).toContain("Removed:\n  roark a / p: pass pass -> (absent)\n")
  })
})
