import { readFileSync } from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import { create } from "xmlbuilder2"
import { validateXML } from "xmllint-wasm"
import * as JUnitReport from "../../src/reports/JUnitReport.js"
import { nastyText, report, result, sample } from "./fixtures.js"

// The Jenkins xunit-plugin junit-10.xsd (see the comment at the top of the file for its source).
const xsd = readFileSync(new URL("./fixtures/junit-10.xsd", import.meta.url), "utf8")

const validate = (xml: string) =>
  validateXML({ xml: { fileName: "report.xml", contents: xml }, schema: { fileName: "junit-10.xsd", contents: xsd } })

/** Parses the XML with a real parser (xmlbuilder2's DOM), so assertions see unescaped values. */
const parse = (xml: string): Element => create(xml).root().node as unknown as Element

const children = (el: Element, tag: string): Array<Element> => Array.from(el.childNodes).filter((n): n is Element => (n as Element).tagName === tag)

const attrs = (el: Element, ...names: Array<string>) => Object.fromEntries(names.map((n) => [n, el.getAttribute(n)]))

describe("JUnitReport", () => {
  it("is valid against the junit-10.xsd the CI reporters use", async () => {
    const result = await validate(JUnitReport.render(sample))
    expect(result.errors).toEqual([])
    expect(result.valid).toBe(true)
  })

  it("the validator does reject a document the schema forbids (the test can fail)", async () => {
    const bad = JUnitReport.render(sample).replace(`<testsuite name="roark"`, `<testsuite`)
    const result = await validate(bad)
    expect(result.valid).toBe(false)
    expect(result.errors.map((e) => e.message).join("\n")).toContain("name")
  })

  it("one testsuite per provider with counts, timestamp and properties", () => {
    const root = parse(JUnitReport.render(sample))
    expect(root.tagName).toBe("testsuites")
    expect(attrs(root, "name", "tests", "failures", "errors", "time")).toEqual({
      name: "dental-clinic", tests: "9", failures: "2", errors: "2", time: "150.000"
    })
    const suites = children(root, "testsuite")
    expect(suites.map((s) => attrs(s, "name", "tests", "failures", "errors", "skipped", "time", "timestamp"))).toEqual([
      { name: "vapi", tests: "4", failures: "1", errors: "1", skipped: "1", time: "119.000", timestamp: "2026-03-01T10:00:01.000Z" },
      { name: "roark", tests: "4", failures: "1", errors: "0", skipped: "1", time: "170.000", timestamp: "2026-03-01T10:00:00.000Z" },
      { name: "cekura", tests: "1", failures: "0", errors: "1", skipped: "0", time: "0.000", timestamp: "2026-03-01T10:00:00.000Z" }
    ])
    const props = Object.fromEntries(
      children(children(suites[0]!, "properties")[0]!, "property").map((p) => [p.getAttribute("name"), p.getAttribute("value")])
    )
    expect(props).toMatchObject({
      run: "vapi:run:5f0c9b1e-0000-4000-8000-000000000001",
      "status.unified": "completed",
      "status.raw": "ended",
      emulated: "true",
      warning: "[capability-gap] personas[0].accent: accent is rendered into the prompt only"
    })
  })

  it("one testcase per scenario x persona x iteration, classname <suite>.<scenario>, name <persona> #<iteration>", () => {
    const vapi = children(parse(JUnitReport.render(sample)), "testsuite")[0]!
    expect(children(vapi, "testcase").map((t) => attrs(t, "classname", "name", "time"))).toEqual([
      { classname: "dental-clinic.urgent-appointment", name: "anxious-sarah #1", time: "42.500" },
      { classname: "dental-clinic.urgent-appointment", name: "anxious-sarah #2", time: "42.500" },
      { classname: "dental-clinic.reschedule", name: "calm-bob #1", time: "42.500" },
      { classname: "dental-clinic.reschedule", name: "calm-bob #2", time: "42.500" }
    ])
  })

  it("failures list the failed required evaluations (expected vs actual) and the failure reason", () => {
    const [, failing] = children(children(parse(JUnitReport.render(sample)), "testsuite")[0]!, "testcase")
    const [failure] = children(failing!, "failure")
    expect(attrs(failure!, "message", "type")).toEqual({ message: "1 required evaluation failed: booked", type: "EvaluationFailed" })
    expect(failure!.textContent).toContain("booked (Booked an appointment): expected true, actual false - no slot | offered")
    expect(failure!.textContent).toContain("failure reason: evaluation-failed: required evaluation booked failed")
    // the optional evaluation that passed is not listed
    expect(failure!.textContent).not.toContain("polite")
  })

  it("verdict error and a provider that failed to start become <error>; skipped and pending become <skipped>", () => {
    const [vapi, roark, cekura] = children(parse(JUnitReport.render(sample)), "testsuite")
    const vapiCases = children(vapi!, "testcase")
    expect(attrs(children(vapiCases[2]!, "error")[0]!, "message", "type")).toEqual({ message: "the call dropped after 3 seconds", type: "call-dropped" })
    expect(children(vapiCases[3]!, "skipped")[0]!.getAttribute("message")).toBe("skipped: canceled (cancelled)")
    expect(children(children(roark!, "testcase")[3]!, "skipped")[0]!.getAttribute("message")).toContain("pending")
    const [only, ...rest] = children(cekura!, "testcase")
    expect(rest).toEqual([])
    expect(attrs(only!, "classname", "name")).toEqual({ classname: "dental-clinic.cekura", name: "provider run (startRun)" })
    const error = children(only!, "error")[0]!
    expect(attrs(error, "message", "type")).toEqual({ message: "invalid API key <redacted> & expired", type: "Unauthorized" })
  })

  it("the transcript goes to system-out, escaped, and reads back unchanged", () => {
    const xml = JUnitReport.render(sample)
    expect(xml).toContain(`caller: I need "urgent" care &lt;now&gt; &amp; fast`)
    expect(xml).toContain(`message="invalid API key &lt;redacted&gt; &amp; expired"`)
    const first = children(children(parse(xml), "testsuite")[0]!, "testcase")[0]!
    const out = children(first, "system-out")[0]!.textContent
    expect(out).toContain(`[2.5s] caller: ${nastyText}`)
    expect(out).toContain("recording: https://recordings.example.com/vapi/call-1.wav")
  })

  it("quotes in attributes and control characters stay valid XML", async () => {
    const r = report([{
      provider: "vapi",
      results: [result({
        provider: "vapi", scenario: "s", persona: "p", iteration: 1, verdict: "fail",
        transcript: [{ role: "caller", text: "bell \u0007 and <b>\"quoted\"</b>" }],
        failureReason: { code: "x", message: `said "no" & <left>` },
        evaluations: [{ evaluator: "e", passed: false, required: true, expected: "a\"b", actual: "<c>" }]
      })]
    }])
    const xml = JUnitReport.render(r)
    expect((await validate(xml)).valid).toBe(true)
    const tc = children(children(parse(xml), "testsuite")[0]!, "testcase")[0]!
    expect(children(tc, "system-out")[0]!.textContent).toBe("caller: bell \uFFFD and <b>\"quoted\"</b>")
    expect(children(tc, "failure")[0]!.textContent).toContain(`e: expected "a\\"b", actual "<c>"`)
  })

  it("a slot a provider has no result for is a skipped testcase", async () => {
    const r = report([
      { provider: "vapi", results: [result({ provider: "vapi", scenario: "s", persona: "p", iteration: 1, verdict: "pass" }), result({ provider: "vapi", scenario: "s", persona: "p", iteration: 2, verdict: "pass" })] },
      { provider: "roark", results: [result({ provider: "roark", scenario: "s", persona: "p", iteration: 1, verdict: "pass" })] }
    ])
    const xml = JUnitReport.render(r)
    expect((await validate(xml)).valid).toBe(true)
    const roark = children(parse(xml), "testsuite")[1]!
    expect(attrs(roark, "tests", "skipped")).toEqual({ tests: "2", skipped: "1" })
    expect(children(children(roark, "testcase")[1]!, "skipped")[0]!.getAttribute("message")).toBe("no result from this provider")
  })
})
