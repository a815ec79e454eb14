/**
 * What tracking (`getRun`, `getRuns`) reads and builds: the results list item, its change
 * signature, and the canonical run built from a result and its counts.
 */
import { type Run, Status, type Warning } from "@simbridge/core"
import * as Schema from "effect/Schema"
import * as Wire from "../CekuraWire.js"
import * as Mapping from "./mapping.js"
import { markerOf, provider } from "./requests.js"
import { json, type Mutable, statusVerdict } from "./results.js"

export type RunEncoded = typeof Run.Run.Encoded

const nullable = <A, I>(schema: Schema.Schema<A, I>) => Schema.optional(Schema.NullOr(schema))

const TrackedRun = Schema.Struct({ id: Schema.Number, status: nullable(Schema.String), success: nullable(Schema.Boolean) })

const trackedFields = {
  id: Schema.Number,
  name: nullable(Schema.String),
  agent: nullable(Schema.Number),
  status: Schema.String,
  success_rate: nullable(Schema.Number),
  /** Summaries `{ id, status, success }`; an object keyed by run id is tolerated too. */
  runs: Schema.optional(Schema.transform(
    Schema.Union(Schema.Array(TrackedRun), Schema.Record({ key: Schema.String, value: TrackedRun })),
    Schema.Array(TrackedRun),
    { strict: false, decode: (runs) => (Array.isArray(runs) ? runs : Object.values(runs)), encode: (runs) => runs }
  )),
  total_runs_count: nullable(Wire.Count),
  completed_runs_count: nullable(Wire.Count),
  success_runs_count: nullable(Wire.Count),
  run_type: nullable(Schema.String),
  created_at: nullable(Schema.String),
  updated_at: nullable(Schema.String)
}

/** An item of `GET /test_framework/v1/results/` with what tracking needs (counts and run summaries). */
export const TrackedResult = Schema.Struct(trackedFields)
export type TrackedResult = typeof TrackedResult.Type

/** What decides whether a listed result changed since the last poll. */
export const signatureOf = (r: TrackedResult): string =>
  JSON.stringify([r.status, r.success_rate, r.total_runs_count, r.completed_runs_count, r.success_runs_count, r.updated_at, (r.runs ?? []).map((run) => [run.id, run.status, run.success])])

/** A Cekura result as a canonical run with the given counts. */
export const toRun = (
  detail: { readonly id: number; readonly name?: string | null | undefined; readonly status: string; readonly agent?: number | null | undefined; readonly created_at?: string | null | undefined },
  counts: typeof Run.RunCounts.Encoded,
  extra: Record<string, unknown> = {},
  warnings: ReadonlyArray<typeof Warning.Warning.Encoded> = []
): typeof Run.Run.Encoded => {
  const marker = markerOf(detail.name)
  return {
    ref: { provider, kind: "run", id: String(detail.id) },
    provider,
    ...(detail.name ? { name: detail.name } : {}),
    status: Mapping.statusOf(detail.status),
    counts,
    ...(detail.created_at ? { createdAt: detail.created_at } : {}),
    ...(marker === undefined ? {} : { marker }),
    warnings,
    providerMetadata: json({ cekuraResultId: detail.id, agentId: detail.agent ?? null, ...extra }) as Record<string, never>
  }
}

/**
 * A result's counts from its runs' statuses and verdicts. With `pendingFinished`, a finished run
 * without a verdict counts as `pending` (its evaluation was not read; the results read gives it).
 */
export const countRuns = (
  judged: ReadonlyArray<readonly [status: ReturnType<typeof Mapping.statusOf>, verdict: Status.Verdict]>,
  pendingFinished: boolean
): typeof Run.RunCounts.Encoded => {
  const counts: Mutable<typeof Run.RunCounts.Encoded> = { total: judged.length, queued: 0, running: 0, passed: 0, failed: 0, errored: 0, skipped: 0 }
  let pending = 0
  for (const [status, verdict] of judged) {
    if (verdict === "pass") counts.passed++
    else if (verdict === "fail") counts.failed++
    else if (verdict === "error") counts.errored++
    else if (verdict === "skipped") counts.skipped++
    else if (pendingFinished && Status.isTerminal(status)) pending++
    else if (status.unified === "queued") counts.queued++
    else counts.running++
  }
  if (pending > 0) counts.pending = pending
  return counts
}

const count = (n: typeof Wire.Count.Type | null | undefined) => n === undefined || n === null ? undefined : Number(n)

/** A result (detail or list item) as a canonical run: its success rate as a percentage, and its run type. */
export const resultRun = (
  detail: Parameters<typeof toRun>[0] & {
    readonly success_rate?: number | null | undefined
    readonly total_runs_count?: typeof Wire.Count.Type | null | undefined
    readonly success_runs_count?: typeof Wire.Count.Type | null | undefined
    readonly run_type?: string | null | undefined
  },
  counts: typeof Run.RunCounts.Encoded
) =>
  toRun(detail, counts, {
    successRatePercent: Mapping.successRatePercent(detail.success_rate, count(detail.success_runs_count), count(detail.total_runs_count)) ?? null,
    runType: detail.run_type ?? null
  })

/**
 * Whether `getRuns` reads a listed run's evaluation: its verdict is not known nor decided by its
 * status, and it is completed (with verdicts only) or of a status this driver does not know (with
 * or without: it may be finished and evaluated, so it is read as `getRun` would, which only
 * happens on an undocumented status).
 */
export const needsEvaluation = (status: string | null | undefined, known: boolean, verdicts: boolean): boolean => {
  const s = Mapping.statusOf(status ?? "")
  if (known || statusVerdict(s) !== undefined) return false
  return s.unified === "unknown" || (verdicts && Status.isTerminal(s))
}
