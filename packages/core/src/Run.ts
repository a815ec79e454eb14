/**
 * One execution of a plan on one provider.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { Json, JsonRecord } from "./Json.js"
import { ProviderRef } from "./ProviderRef.js"
import { Status } from "./Status.js"
import { Warning } from "./Warning.js"

const Count = Schema.Int.pipe(Schema.nonNegative())

/**
 * How many conversations are in each state. `queued + running + finished` is `total`, where
 * `finished` is `passed + failed + errored + skipped + pending`.
 */
export class RunCounts extends Schema.Class<RunCounts>("RunCounts")({
  total: Count,
  queued: Count,
  running: Count,
  passed: Count,
  failed: Count,
  errored: Count,
  skipped: Count,
  /**
   * Finished conversations whose verdict was not read yet: only in snapshots read with
   * `verdicts: false` (see `WatchOptions.verdicts`), from vendors where each conversation's verdict
   * costs a request of its own. The results read gives their verdicts. Absent (0) in older data.
   */
  pending: Schema.optionalWith(Count, { default: () => 0 })
}) {
  get finished(): number {
    return this.passed + this.failed + this.errored + this.skipped + this.pending
  }
}

export const emptyCounts = new RunCounts({ total: 0, queued: 0, running: 0, passed: 0, failed: 0, errored: 0, skipped: 0 })

export class Run extends Schema.Class<Run>("Run")({
  ref: ProviderRef,
  provider: Schema.String,
  name: Schema.optional(Schema.String),
  status: Status,
  counts: Schema.optionalWith(RunCounts, { default: () => emptyCounts }),
  createdAt: Schema.optional(Schema.String),
  startedAt: Schema.optional(Schema.String),
  endedAt: Schema.optional(Schema.String),
  /** The client marker simbridge attached at creation (see the reliability docs). */
  marker: Schema.optional(Schema.String),
  warnings: Schema.optionalWith(Schema.Array(Warning), { default: () => [] }),
  providerMetadata: Schema.optional(JsonRecord),
  raw: Schema.optional(Json)
}) {}
