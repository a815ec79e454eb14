import { describe, expect, it } from "@effect/vitest"
import * as MarkdownReport from "../../src/reports/MarkdownReport.js"
import { report, result, sample } from "./fixtures.js"

describe("MarkdownReport", () => {
  const md = MarkdownReport.render(sample)

  it("has a title and the emulated banner, and no partial banner when complete", () => {
    expect(md.startsWith("# simbridge: dental-clinic\n")).toBe(true)
    expect(md).toContain("> **EMULATED**: these results come from local emulators")
    expect(md).not.toContain("**PARTIAL**")
    expect(md).toContain("4 conversations on 3 providers, 2026-03-01T10:00:00.000Z to 2026-03-01T10:02:30.000Z, plan `0123456789abcdef`.")
  })

  it("shows the partial banner for an interrupted run", () => {
    const partial = report([{ provider: "vapi", results: [] }], { partial: true })
    expect(MarkdownReport.render(partial)).toContain("> **PARTIAL**: the run was interrupted")
    expect(MarkdownReport.render(partial)).not.toContain("EMULATED")
  })

  it("has a totals table per provider with pass rates and provider errors", () => {
    expect(md).toContain([
      "| provider | status | run | passed | failed | errors | skipped | pending | pass rate |",
      "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
      "| vapi | completed (ended) | `vapi:run:5f0c9b1e-0000-4000-8000-000000000001` | 1 | 1 | 1 | 1 | 0 | 33.3% (1/3) |",
      "| roark | completed (COMPLETED) | `roark:run:8a1d2c3b-0000-4000-8000-000000000002` | 2 | 1 | 0 | 0 | 1 | 66.7% (2/3) |",
      "| cekura | **ERROR** Unauthorized during startRun: invalid API key &lt;redacted&gt; &amp; expired | - | 0 | 0 | 0 | 0 | 0 | n/a |"
    ].join("\n"))
  })

  it("has the scenario x persona x iteration matrix with one column per provider, emoji-free", () => {
    expect(md).toContain([
      "| scenario | persona | # | vapi | roark | cekura |",
      "| --- | --- | ---: | --- | --- | --- |",
      "| urgent-appointment | anxious-sarah | 1 | pass | pass | - |",
      "| urgent-appointment | anxious-sarah | 2 | **FAIL** | pass | - |",
      "| reschedule | calm-bob | 1 | **ERROR** | **FAIL** | - |",
      "| reschedule | calm-bob | 2 | skipped | pending | - |"
    ].join("\n"))
    expect(md).not.toMatch(/\p{Extended_Pictographic}/u)
  })

  it("lists failures with expected vs actual and the failure reason, escaping | in cells", () => {
    expect(md).toContain([
      "### vapi: urgent-appointment / anxious-sarah #2 (fail)",
      "",
      "| evaluator | expected | actual | reasoning |",
      "| --- | --- | --- | --- |",
      "| booked | true | false | no slot \\| offered |",
      "",
      "Failure reason: `evaluation-failed` required evaluation booked failed"
    ].join("\n"))
    expect(md).toContain("### vapi: reschedule / calm-bob #1 (error)\n\nFailure reason: `call-dropped` the call dropped after 3 seconds")
    expect(md).toContain("### cekura: the provider could not run\n\n`Unauthorized` during startRun: invalid API key &lt;redacted&gt; &amp; expired")
    // passing and skipped results are not failures
    expect(md).not.toContain("anxious-sarah #1 (")
    expect(md).not.toContain("calm-bob #2 (")
  })

  it("lists warnings", () => {
    expect(md).toContain("## Warnings\n\n- vapi `capability-gap` `personas[0].accent`: accent is rendered into the prompt only\n")
  })

  it("escapes |, newlines and HTML in cells so a table row stays one row", () => {
    const r = report([{
      provider: "vapi",
      results: [result({
        provider: "vapi", scenario: "s", persona: "p", iteration: 1, verdict: "fail",
        evaluations: [{ evaluator: "e", passed: false, required: true, expected: "a|b", actual: "line1\nline2", reasoning: "<script>x</script> | \\\nnext line" }]
      })]
    }])
    const out = MarkdownReport.render(r)
    expect(out).toContain('| e | "a\\|b" | "line1\\\\nline2" | &lt;script&gt;x&lt;/script&gt; \\| \\\\<br>next line |')
    expect(MarkdownReport.escape("a|b\nc\r\nd")).toBe("a\\|b<br>c<br>d")
    expect(out).not.toContain("<script>")
  })

  it("has no failures or warnings sections when everything passed", () => {
    const ok = MarkdownReport.render(report([{ provider: "vapi", results: [result({ provider: "vapi", scenario: "s", persona: "p", iteration: 1, verdict: "pass" })] }]))
    expect(ok).not.toContain("## Failures")
    expect(ok).not.toContain("## Warnings")
    expect(ok).toContain("| s | p | 1 | pass |")
    expect(ok).toContain("| 100.0% (1/1) |")
  })
})
