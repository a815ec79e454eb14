/**
 * Human-readable output: the results matrix (scenario x persona x iteration, one column per
 * provider), totals, failures with expected vs actual, and warnings.
 *
 * @since 0.1.0
 */
import { Judge, SuiteReport } from "@simbridge/core"

const symbols: Record<string, string> = { pass: "PASS", fail: "FAIL", error: "ERROR", skipped: "SKIP", pending: "PEND", missing: "-" }

const pad = (s: string, n: number) => s + " ".repeat(Math.max(0, n - s.length))

export const table = (rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)))
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : pad(c, widths[i]!))).join("  ").trimEnd()).join("\n")
}

const fmt = (v: unknown) => (v === undefined ? "?" : JSON.stringify(v))

export const matrix = (report: SuiteReport.SuiteReport): string => {
  const providers = report.runs.map((r) => r.provider)
  const header = ["scenario", "persona", "#", ...providers]
  const rows = report.comparison.map((row) => [
    row.scenario,
    row.persona,
    String(row.iteration),
    ...providers.map((p) => symbols[row.verdicts[p] ?? "missing"] ?? String(row.verdicts[p]))
  ])
  return table([header, ...rows])
}

/**
 * The required evaluators a provider left unjudged, with how many conversations each: why its
 * results are errors rather than passes. `undefined` when it judged them all.
 */
export const unjudgedLine = (run: SuiteReport.RunReport): string | undefined => {
  const counts = Judge.unjudged(run.results)
  if (counts.size === 0) return undefined
  return `not judged by ${run.provider} (required, so not a pass): ${[...counts].map(([id, n]) => `${id} (${n})`).join(", ")}`
}

export const summary = (report: SuiteReport.SuiteReport): string => {
  const lines: Array<string> = []
  const n = report.runs.length
  lines.push(`${report.suite}: ${report.comparison.length} conversation${report.comparison.length === 1 ? "" : "s"} on ${n} provider${n === 1 ? "" : "s"}${report.partial ? " (INTERRUPTED: partial results)" : ""}`)
  if (report.emulated) lines.push("EMULATED: these results come from local emulators; no vendor was called and nothing was billed.")
  lines.push("")
  lines.push(matrix(report))
  lines.push("")
  for (const run of report.runs) {
    if (run.error) {
      lines.push(`${run.provider}: ${run.error.reason} during ${run.error.step}: ${run.error.message}`)
      continue
    }
    const t = SuiteReport.totalsOf(run.results)
    lines.push(`${run.provider}: ${run.status.unified} (${run.status.raw}) ${run.ref ?? "no run"}: ${t.passed} passed, ${t.failed} failed, ${t.errored} errors, ${t.skipped} skipped${t.pending ? `, ${t.pending} pending` : ""}`)
    const unjudged = unjudgedLine(run)
    if (unjudged) lines.push(`  ${unjudged}`)
  }
  const failures = report.runs.flatMap((run) =>
    run.results.filter((r) => r.verdict === "fail" || r.verdict === "error").map((r) => ({ run, r }))
  )
  if (failures.length > 0) {
    lines.push("", "Failures:")
    for (const { r, run } of failures) {
      const why = r.evaluations.filter((e) => e.required && e.passed !== true)
        .map((e) => `${e.evaluator}: expected ${fmt(e.expected)}, got ${fmt(e.actual)}${e.reasoning ? ` (${e.reasoning})` : ""}`)
      if (r.failureReason) why.push(`${r.failureReason.code}: ${r.failureReason.message}`)
      lines.push(`  ${run.provider} ${r.scenario} / ${r.persona} #${r.iteration}: ${why.join("; ") || r.verdict}`)
    }
  }
  const warnings = report.runs.flatMap((run) => run.warnings.map((w) => ({ run, w })))
  if (warnings.length > 0) {
    lines.push("", "Warnings:")
    for (const { run, w } of warnings) lines.push(`  ${run.provider} [${w.code}]${w.field ? ` ${w.field}` : ""}: ${w.message}`)
  }
  return lines.join("\n")
}
