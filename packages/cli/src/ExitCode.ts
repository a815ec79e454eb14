/**
 * The exit codes scripts and CI depend on (see docs/cli.md):
 * 0 every required evaluation passed; 1 a result failed (or errored, or did not finish); 2 usage or
 * suite-file error (missing credentials included); 3 a provider could not be reached or refused;
 * 130 interrupted (Ctrl-C).
 *
 * @since 0.1.0
 */
import type { SuiteReport } from "@simbridge/core"

export const Ok = 0
export const ResultFailed = 1
export const Usage = 2
export const ProviderFailed = 3
export const Interrupted = 130

export const fromReport = (report: SuiteReport.SuiteReport): number => {
  if (report.runs.some((r) => r.error !== undefined)) return ProviderFailed
  const results = report.runs.flatMap((r) => r.results)
  if (report.partial) return ResultFailed
  if (results.some((r) => r.verdict === "fail" || r.verdict === "error" || r.verdict === "pending")) return ResultFailed
  if (report.runs.some((r) => r.status.unified !== "completed")) return ResultFailed
  // A conversation of the plan that no result accounts for was not judged: never a pass.
  if (report.comparison.some((row) => Object.values(row.verdicts).some((v) => v === "missing"))) return ResultFailed
  return Ok
}
