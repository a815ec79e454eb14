/**
 * A GitHub-flavoured Markdown summary for CI step summaries (`$GITHUB_STEP_SUMMARY`): title,
 * emulated / partial banners, a totals table per provider with its pass rate, the scenario x persona
 * x iteration matrix with one column per provider, the failures with expected vs actual, and the
 * warnings. No emoji: verdicts read `pass`, `**FAIL**`, `**ERROR**`, `skipped`, `pending`, `-`.
 *
 * @since 0.1.0
 */
import type { Result, SuiteReport } from "@simbridge/core"
import { unjudgedLine } from "../Render.js"
import {
  cellOf,
  type Cell,
  failedRequired,
  formatPassRate,
  formatValue,
  resultIndex,
  slotLabel,
  slots as slotsOf,
  totalsOf
} from "./internal/slots.js"

const cells: Record<Cell, string> = {
  pass: "pass",
  fail: "**FAIL**",
  error: "**ERROR**",
  skipped: "skipped",
  pending: "pending",
  missing: "-"
}

/**
 * Escapes text for a table cell or a line of Markdown: `|` and `\` are escaped, `<`, `>` and `&`
 * become entities (so text never turns into HTML), and newlines become `<br>`.
 */
export const escape = (text: string): string =>
  text
    .replace(/\\/g, "\\\\")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/\|/g, "\\|")
    .replace(/\r?\n/g, "<br>")

/** Inline code for identifiers (refs, hashes); backticks inside are dropped. */
const code = (text: string): string => `\`${text.replace(/`/g, "'").replace(/\|/g, "\\|").replace(/\r?\n/g, " ")}\``

const row = (values: ReadonlyArray<string>): string => `| ${values.join(" | ")} |`

const table = (header: ReadonlyArray<string>, align: ReadonlyArray<"l" | "r">, rows: ReadonlyArray<ReadonlyArray<string>>): Array<string> => [
  row(header),
  row(align.map((a) => (a === "r" ? "---:" : "---"))),
  ...rows.map(row)
]

const failureLines = (provider: string, r: Result.Result): Array<string> => {
  const lines = [`### ${escape(provider)}: ${escape(slotLabel(r))} (${r.verdict})`, ""]
  const failed = failedRequired(r)
  if (failed.length > 0) {
    lines.push(
      ...table(
        ["evaluator", "expected", "actual", "reasoning"],
        ["l", "l", "l", "l"],
        failed.map((e) => [
          escape(e.evaluator),
          escape(formatValue(e.expected)),
          escape(formatValue(e.actual) + (e.passed === null ? " (not evaluated)" : "")),
          escape(e.reasoning ?? "")
        ])
      ),
      ""
    )
  }
  if (r.failureReason) lines.push(`Failure reason: ${code(r.failureReason.code)} ${escape(r.failureReason.message)}`, "")
  if (failed.length === 0 && !r.failureReason) lines.push(`Status ${escape(r.status.unified)} (${escape(r.status.raw)}) without a verdict.`, "")
  return lines
}

/** Renders the report as Markdown. */
export const render = (report: SuiteReport.SuiteReport): string => {
  const providers = report.runs.map((r) => r.provider)
  const cell = cellOf(report)
  const lookup = resultIndex(report)
  const all = slotsOf(report)
  const out: Array<string> = []

  out.push(`# simbridge: ${escape(report.suite)}`, "")
  if (report.emulated) {
    out.push("> **EMULATED**: these results come from local emulators; no vendor was called and nothing was billed.", "")
  }
  if (report.partial) {
    out.push("> **PARTIAL**: the run was interrupted; this report holds what was known at that moment.", "")
  }
  out.push(
    `${all.length} conversation${all.length === 1 ? "" : "s"} on ${providers.length} provider${providers.length === 1 ? "" : "s"}, ` +
      `${escape(report.startedAt)} to ${escape(report.finishedAt)}, plan ${code(report.planHash)}.`,
    ""
  )

  out.push("## Totals", "")
  out.push(
    ...table(
      ["provider", "status", "run", "passed", "failed", "errors", "skipped", "pending", "pass rate"],
      ["l", "l", "l", "r", "r", "r", "r", "r", "r"],
      report.runs.map((run) => {
        const t = totalsOf(run.results)
        const status = run.error
          ? `**ERROR** ${escape(run.error.reason)} during ${escape(run.error.step)}: ${escape(run.error.message)}`
          : `${escape(run.status.unified)} (${escape(run.status.raw)})`
        return [
          escape(run.provider),
          status,
          run.ref ? code(run.ref) : "-",
          String(t.passed),
          String(t.failed),
          String(t.errored),
          String(t.skipped),
          String(t.pending),
          formatPassRate(t)
        ]
      })
    ),
    ""
  )
  const unjudged = report.runs.flatMap((run) => {
    const line = unjudgedLine(run)
    return line === undefined ? [] : [`- ${escape(line)}`]
  })
  if (unjudged.length > 0) out.push(...unjudged, "")

  out.push("## Results", "")
  if (all.length === 0) out.push("No conversations.", "")
  else {
    out.push(
      ...table(
        ["scenario", "persona", "#", ...providers.map(escape)],
        ["l", "l", "r", ...providers.map(() => "l" as const)],
        all.map((s) => [escape(s.scenario), escape(s.persona), String(s.iteration), ...providers.map((p) => cells[cell(p, s)])])
      ),
      ""
    )
  }

  const failures = report.runs.flatMap((run) =>
    all.flatMap((s) => {
      const r = lookup(run.provider, s)
      return r && (r.verdict === "fail" || r.verdict === "error") ? [{ provider: run.provider, r }] : []
    })
  )
  const providerErrors = report.runs.filter((run) => run.error !== undefined)
  if (failures.length > 0 || providerErrors.length > 0) {
    out.push("## Failures", "")
    for (const run of providerErrors) {
      out.push(`### ${escape(run.provider)}: the provider could not run`, "")
      out.push(`${code(run.error!.reason)} during ${escape(run.error!.step)}: ${escape(run.error!.message)}`, "")
    }
    for (const { provider, r } of failures) out.push(...failureLines(provider, r))
  }

  const warnings = report.runs.flatMap((run) => run.warnings.map((w) => ({ provider: run.provider, w })))
  if (warnings.length > 0) {
    out.push("## Warnings", "")
    for (const { provider, w } of warnings) {
      out.push(`- ${escape(provider)} ${code(w.code)}${w.field ? ` ${code(w.field)}` : ""}: ${escape(w.message)}`)
    }
    out.push("")
  }
  return out.join("\n")
}
