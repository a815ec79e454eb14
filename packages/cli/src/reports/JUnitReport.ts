/**
 * JUnit XML for CI test reporters (GitHub, GitLab, Jenkins): one `<testsuite>` per provider, one
 * `<testcase>` per scenario x persona x iteration. Failed required evaluations become `<failure>`
 * (expected vs actual, and the failure reason), verdict `error` and provider errors become
 * `<error>`, skipped, pending and missing results become `<skipped>`, and the transcript goes to
 * `<system-out>`. A provider that could not run gets one errored testcase carrying its error.
 *
 * Valid against the Jenkins xunit-plugin `junit-10.xsd` (the schema the test reporters accept).
 *
 * @since 0.1.0
 */
import type { Result, SuiteReport } from "@simbridge/core"
import { create } from "xmlbuilder2"
import {
  durationOf,
  failedRequired,
  formatValue,
  resultIndex,
  type Slot,
  slots as slotsOf
} from "./internal/slots.js"

type XMLBuilder = ReturnType<typeof create>

/** Characters XML 1.0 cannot carry (control characters) become U+FFFD. */
const invalidCharReplacement = "\uFFFD"

const seconds = (s: number | undefined): string => (s === undefined || !Number.isFinite(s) || s < 0 ? "0" : s.toFixed(3))

const between = (from: string | undefined, to: string | undefined): number | undefined => {
  if (from === undefined || to === undefined) return undefined
  const ms = Date.parse(to) - Date.parse(from)
  return Number.isFinite(ms) && ms >= 0 ? ms / 1000 : undefined
}

const turnLine = (t: Result.TranscriptTurn): string =>
  `${t.startSeconds === undefined ? "" : `[${t.startSeconds.toFixed(1)}s] `}${t.role}: ${t.text}`

const evaluationLine = (e: Result.EvaluationResult): string =>
  `${e.evaluator}${e.name && e.name !== e.evaluator ? ` (${e.name})` : ""}: expected ${formatValue(e.expected)}, actual ${formatValue(e.actual)}${
    e.passed === null ? " (not evaluated)" : ""
  }${e.reasoning ? ` - ${e.reasoning}` : ""}`

/** The text of a `<failure>` / `<error>`: failed required evaluations, then the failure reason. */
const failureText = (r: Result.Result): string => {
  const lines = failedRequired(r).map(evaluationLine)
  if (r.failureReason) lines.push(`failure reason: ${r.failureReason.code}: ${r.failureReason.message}`)
  lines.push(`status: ${r.status.unified} (${r.status.raw})`, `result: ${r.ref.toString()}`)
  return lines.join("\n")
}

const systemOut = (r: Result.Result): string => {
  const lines = r.transcript.map(turnLine)
  if (lines.length === 0) lines.push("(no transcript)")
  if (r.recordingUrl) lines.push("", `recording: ${r.recordingUrl}`)
  return lines.join("\n")
}

interface Counts {
  tests: number
  failures: number
  errors: number
  skipped: number
  time: number
}

const addCase = (suite: XMLBuilder, report: SuiteReport.SuiteReport, slot: Slot, r: Result.Result | undefined, counts: Counts) => {
  const duration = r ? durationOf(r) : undefined
  const tc = suite.ele("testcase", {
    classname: `${report.suite}.${slot.scenario}`,
    name: `${slot.persona} #${slot.iteration}`,
    time: seconds(duration)
  })
  counts.tests++
  counts.time += duration ?? 0
  if (r === undefined) {
    counts.skipped++
    tc.ele("skipped", { message: "no result from this provider" })
    return
  }
  switch (r.verdict) {
    case "pass":
      break
    case "fail": {
      counts.failures++
      const failed = failedRequired(r)
      const message = failed.length > 0
        ? `${failed.length} required evaluation${failed.length === 1 ? "" : "s"} failed: ${failed.map((e) => e.evaluator).join(", ")}`
        : r.failureReason?.message ?? "failed"
      tc.ele("failure", { message, type: failed.length > 0 ? "EvaluationFailed" : r.failureReason?.code ?? "Failed" }).txt(failureText(r))
      break
    }
    case "error":
      counts.errors++
      tc.ele("error", {
        message: r.failureReason?.message ?? `the conversation ended ${r.status.unified} (${r.status.raw}) without a verdict`,
        type: r.failureReason?.code ?? r.status.unified
      }).txt(failureText(r))
      break
    case "skipped":
    case "pending":
      counts.skipped++
      tc.ele("skipped", {
        message: r.verdict === "pending"
          ? `pending: ${r.status.unified} (${r.status.raw}) when the report was written`
          : `skipped: ${r.status.unified} (${r.status.raw})${r.failureReason ? `: ${r.failureReason.message}` : ""}`
      })
      break
  }
  tc.ele("system-out").txt(systemOut(r))
}

/** Renders the report as a JUnit XML document (UTF-8, pretty-printed). */
export const render = (report: SuiteReport.SuiteReport): string => {
  const lookup = resultIndex(report)
  const all = slotsOf(report)
  const doc = create({ version: "1.0", encoding: "UTF-8", invalidCharReplacement })
  const root = doc.ele("testsuites", { name: report.suite })
  const total: Counts = { tests: 0, failures: 0, errors: 0, skipped: 0, time: 0 }
  for (const run of report.runs) {
    const counts: Counts = { tests: 0, failures: 0, errors: 0, skipped: 0, time: 0 }
    const suite = root.ele("testsuite", { name: run.provider })
    const props = suite.ele("properties")
    const prop = (name: string, value: string) => props.ele("property", { name, value })
    prop("suite", report.suite)
    prop("planHash", report.planHash)
    prop("run", run.ref ?? "")
    prop("status.unified", run.status.unified)
    prop("status.raw", run.status.raw)
    prop("emulated", String(report.emulated))
    prop("partial", String(report.partial))
    for (const w of run.warnings) prop("warning", `[${w.code}]${w.field ? ` ${w.field}` : ""}: ${w.message}`)
    // A provider that could not run: only the results it has (none when it never started).
    const own = run.error ? all.filter((s) => lookup(run.provider, s) !== undefined) : all
    for (const slot of own) addCase(suite, report, slot, lookup(run.provider, slot), counts)
    if (run.error) {
      counts.tests++
      counts.errors++
      suite
        .ele("testcase", { classname: `${report.suite}.${run.provider}`, name: `provider run (${run.error.step})`, time: "0" })
        .ele("error", { message: run.error.message, type: run.error.reason })
        .txt(`${run.provider}: ${run.error.reason} during ${run.error.step}: ${run.error.message}`)
    }
    const time = between(run.startedAt, run.finishedAt) ?? counts.time
    suite.att({
      tests: String(counts.tests),
      failures: String(counts.failures),
      errors: String(counts.errors),
      skipped: String(counts.skipped),
      time: seconds(time),
      timestamp: run.startedAt ?? report.startedAt
    })
    total.tests += counts.tests
    total.failures += counts.failures
    total.errors += counts.errors
    total.skipped += counts.skipped
  }
  root.att({
    tests: String(total.tests),
    failures: String(total.failures),
    errors: String(total.errors),
    time: seconds(between(report.startedAt, report.finishedAt))
  })
  return doc.end({ prettyPrint: true }) + "\n"
}
