/**
 * The outcome of running one plan on several providers: each provider's run and results, and the
 * side-by-side comparison (scenario x persona x iteration -> each provider's verdict). This is the
 * versioned JSON format `simbridge run --json` writes.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { Reason } from "./ProviderError.js"
import { Result } from "./Result.js"
import { RunCounts } from "./Run.js"
import { Status, Verdict } from "./Status.js"
import { Warning } from "./Warning.js"

export const version = 1

export class RunError extends Schema.Class<RunError>("RunError")({
  /** A `ProviderError` reason, or `LedgerUnavailable` when the run's intent could not be recorded (nothing was sent). */
  reason: Schema.Union(Reason, Schema.Literal("LedgerUnavailable")),
  message: Schema.String,
  /** The step that failed: ledger, check, provision, startRun, resume, watch, results, cancel. */
  step: Schema.String
}) {}

export class RunReport extends Schema.Class<RunReport>("RunReport")({
  provider: Schema.String,
  /** The run's `ProviderRef` in string form (`vapi:run:<id>`); absent when no run was started. */
  ref: Schema.optional(Schema.String),
  status: Status,
  counts: Schema.optional(RunCounts),
  warnings: Schema.Array(Warning),
  error: Schema.optional(RunError),
  startedAt: Schema.optional(Schema.String),
  finishedAt: Schema.optional(Schema.String),
  results: Schema.Array(Result)
}) {}

export const Cell = Schema.Union(Verdict, Schema.Literal("missing"))
export type Cell = typeof Cell.Type

export class ComparisonRow extends Schema.Class<ComparisonRow>("ComparisonRow")({
  scenario: Schema.String,
  persona: Schema.String,
  iteration: Schema.Int,
  verdicts: Schema.Record({ key: Schema.String, value: Cell }),
  /** Every provider gave the same verdict. */
  agree: Schema.Boolean
}) {}

export class SuiteReport extends Schema.Class<SuiteReport>("SuiteReport")({
  version: Schema.Literal(version),
  suite: Schema.String,
  planHash: Schema.String,
  emulated: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  /** True when the run was interrupted (Ctrl-C) and the report holds what was known then. */
  partial: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  startedAt: Schema.String,
  finishedAt: Schema.String,
  runs: Schema.Array(RunReport),
  comparison: Schema.Array(ComparisonRow)
}) {}

/** Verdict counts of a set of results (one provider's run, or all of them). */
export interface Totals {
  readonly results: number
  readonly passed: number
  readonly failed: number
  readonly errored: number
  readonly skipped: number
  readonly pending: number
  /** passed / (passed + failed + errored); `undefined` when nothing was decided. */
  readonly passRate: number | undefined
}

export const totalsOf = (results: ReadonlyArray<{ readonly verdict: string }>): Totals => {
  const count = (v: string) => results.filter((r) => r.verdict === v).length
  const passed = count("pass")
  const failed = count("fail")
  const errored = count("error")
  const decided = passed + failed + errored
  return {
    results: results.length,
    passed,
    failed,
    errored,
    skipped: count("skipped"),
    pending: count("pending"),
    passRate: decided === 0 ? undefined : passed / decided
  }
}
