/**
 * The ledger's writes for executions and runs: an execution begun and finished, and each provider
 * run's intent, start, status transitions, final report and later errors. Every write to an
 * existing run holds that run's lock for its transaction, so concurrent writers of one run queue.
 *
 * @internal
 */
import type * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import { Plan, Run, SuiteReport, type Status } from "@simbridge/core"
import { randomUUID } from "node:crypto"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { Service } from "../RunLedger.js"
import { LedgerError, wrap } from "./errors.js"
import { type BeginExecution, type RunRecord, Settings } from "./model.js"
import { decodeRows, encodeJson, now, RUN_COLUMNS, RunRow, toRunRecord, TransitionRow } from "./rows.js"

export type Recording = Pick<Service, "begin" | "finishExecution" | "intent" | "started" | "progress" | "finished" | "failed">

const sameCounts = (a: Run.RunCounts, b: Run.RunCounts) =>
  a.total === b.total && a.queued === b.queued && a.running === b.running && a.passed === b.passed &&
  a.failed === b.failed && a.errored === b.errored && a.skipped === b.skipped && a.pending === b.pending

/**
 * The writes over `sql` (a client without name transforms); `getExecution` is the ledger's read of
 * one execution.
 */
export const make = (sql: SqlClient.SqlClient, getExecution: Service["getExecution"]): Recording => {
  const tx = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | SqlError, R> => sql.withTransaction(effect)

  const findRunRow = (provider: string, marker: string) =>
    sql`SELECT ${sql.literal(RUN_COLUMNS)} FROM simbridge_runs r JOIN simbridge_executions e ON e.id = r.execution_id
      WHERE r.provider = ${provider} AND r.marker = ${marker}`.pipe(
      Effect.flatMap(decodeRows(RunRow)),
      Effect.map((rows) => Option.fromNullable(rows[0]).pipe(Option.map(toRunRecord)))
    )

  const requireRun = (operation: string, provider: string, marker: string) =>
    findRunRow(provider, marker).pipe(
      Effect.flatMap(Option.match({
        onNone: () => Effect.fail(new LedgerError({ operation, message: `${operation}: no intent recorded for ${provider} run with marker ${marker}` })),
        onSome: Effect.succeed
      }))
    )

  /**
   * Runs `f` in a transaction that first takes the run's row lock with a no-op UPDATE: a row lock
   * on PostgreSQL, the write lock on SQLite (so a deferred transaction never has to upgrade).
   * Two writers of one run (a runner and a `resume` elsewhere) then queue instead of interleaving.
   */
  const withRun = <A, E, R>(operation: string, provider: string, marker: string, f: (record: RunRecord) => Effect.Effect<A, E, R>) =>
    tx(Effect.gen(function*() {
      yield* sql`UPDATE simbridge_runs SET updated_at = updated_at WHERE provider = ${provider} AND marker = ${marker}`
      return yield* f(yield* requireRun(operation, provider, marker))
    }))

  const lastTransition = (runId: string) =>
    sql`SELECT seq, at, status_unified, status_raw, counts_json FROM simbridge_run_transitions
      WHERE run_id = ${runId} ORDER BY seq DESC LIMIT 1`.pipe(
      Effect.flatMap(decodeRows(TransitionRow)),
      Effect.map((rows) => Option.fromNullable(rows[0]))
    )

  /** Appends a transition when status or counts differ from the last one; true when appended. */
  const transition = (runId: string, status: Status.Status, counts: Run.RunCounts, at: string) =>
    Effect.gen(function*() {
      const last = yield* lastTransition(runId)
      if (
        Option.isSome(last) && last.value.status_unified === status.unified && last.value.status_raw === status.raw &&
        sameCounts(last.value.counts_json, counts)
      ) return false
      const countsJson = yield* encodeJson(Run.RunCounts)(counts)
      const seq = Option.isSome(last) ? last.value.seq + 1 : 1
      yield* sql`INSERT INTO simbridge_run_transitions ${
        sql.insert({ run_id: runId, seq, at, status_unified: status.unified, status_raw: status.raw, counts_json: countsJson })
      } ON CONFLICT (run_id, seq) DO NOTHING`
      yield* sql`UPDATE simbridge_runs SET status_unified = ${status.unified}, status_raw = ${status.raw},
        counts_json = ${countsJson}, updated_at = ${at} WHERE id = ${runId}`
      return true
    })

  const begin = (input: BeginExecution) =>
    Effect.gen(function*() {
      const id = input.id ?? `ex_${randomUUID()}`
      const startedAt = yield* now
      const planEncoded = yield* Schema.encode(Plan.Plan)(input.plan)
      const row = {
        id,
        suite: input.plan.name,
        plan_hash: Plan.hash(input.plan),
        plan_json: JSON.stringify(planEncoded),
        providers_json: JSON.stringify(input.providers),
        settings_json: yield* encodeJson(Settings)(input.settings),
        started_at: startedAt,
        finished_at: null
      }
      yield* sql`INSERT INTO simbridge_executions ${sql.insert(row)} ON CONFLICT (id) DO NOTHING`
      const stored = yield* getExecution(id)
      return yield* Option.match(stored, {
        onNone: () => Effect.fail(new LedgerError({ operation: "begin", message: `begin: execution ${id} was not stored` })),
        onSome: Effect.succeed
      })
    }).pipe(wrap("begin"))

  const finishExecution = (executionId: string) =>
    Effect.gen(function*() {
      const at = yield* now
      yield* sql`UPDATE simbridge_executions SET finished_at = ${at} WHERE id = ${executionId} AND finished_at IS NULL`
    }).pipe(wrap("finishExecution"))

  const intent = (executionId: string, provider: string, marker: string) =>
    Effect.gen(function*() {
      const at = yield* now
      const execution = yield* getExecution(executionId)
      if (Option.isNone(execution)) {
        return yield* new LedgerError({ operation: "intent", message: `intent: unknown execution ${executionId}` })
      }
      // Unique (provider, marker): concurrent writers of one intent end up with the same row.
      yield* sql`INSERT INTO simbridge_runs ${
        sql.insert({
          id: `run_${randomUUID()}`,
          execution_id: executionId,
          provider,
          marker,
          ref: null,
          phase: "intent",
          status_unified: null,
          status_raw: null,
          counts_json: null,
          report_json: null,
          error_json: null,
          created_at: at,
          started_at: null,
          updated_at: at,
          finished_at: null
        })
      } ON CONFLICT (provider, marker) DO NOTHING`
      const record = yield* requireRun("intent", provider, marker)
      if (record.executionId !== executionId) {
        return yield* new LedgerError({
          operation: "intent",
          message: `intent: marker ${marker} of ${provider} already belongs to execution ${record.executionId}`
        })
      }
      return record
    }).pipe(wrap("intent"))

  const started = (provider: string, marker: string, run: Run.Run) =>
    withRun("started", provider, marker, (record) =>
      Effect.gen(function*() {
        const at = yield* now
        const ref = run.ref.toString()
        yield* sql`UPDATE simbridge_runs SET ref = ${ref},
          phase = CASE WHEN phase = 'finished' THEN phase ELSE 'started' END,
          started_at = COALESCE(started_at, ${run.startedAt ?? run.createdAt ?? at}), updated_at = ${at}
          WHERE id = ${record.id}`
        yield* transition(record.id, run.status, run.counts, at)
      })).pipe(wrap("started"))

  const progress = (provider: string, marker: string, run: Run.Run) =>
    withRun("progress", provider, marker, (record) =>
      Effect.gen(function*() {
        const at = yield* now
        if (record.ref === undefined) {
          yield* sql`UPDATE simbridge_runs SET ref = ${run.ref.toString()}, phase = 'started', started_at = ${at}
            WHERE id = ${record.id} AND ref IS NULL`
        }
        return yield* transition(record.id, run.status, run.counts, at)
      })).pipe(wrap("progress"))

  const finished = (provider: string, marker: string, report: SuiteReport.RunReport) =>
    withRun("finished", provider, marker, (record) =>
      Effect.gen(function*() {
        const at = yield* now
        if (report.ref !== undefined) yield* transition(record.id, report.status, report.counts ?? Run.emptyCounts, at)
        const reportJson = yield* encodeJson(SuiteReport.RunReport)(report)
        const errorJson = report.error ? yield* encodeJson(SuiteReport.RunError)(report.error) : null
        const countsJson = report.counts ? yield* encodeJson(Run.RunCounts)(report.counts) : null
        yield* sql`UPDATE simbridge_runs SET phase = 'finished', ref = COALESCE(${report.ref ?? null}, ref),
          status_unified = ${report.status.unified}, status_raw = ${report.status.raw},
          counts_json = COALESCE(${countsJson}, counts_json), report_json = ${reportJson},
          error_json = COALESCE(${errorJson}, error_json), updated_at = ${at}, finished_at = ${report.finishedAt ?? at}
          WHERE id = ${record.id}`
        // The execution is over when every provider it was started for has a final report. Two
        // providers finishing at once must not each miss the other's uncommitted report (write
        // skew under READ COMMITTED): lock the execution row first, so the second check waits for
        // the first transaction and then reads its commit.
        yield* sql`UPDATE simbridge_executions SET finished_at = finished_at WHERE id = ${record.executionId}`
        const execution = yield* getExecution(record.executionId)
        if (Option.isSome(execution) && execution.value.finishedAt === undefined) {
          const done = yield* sql<{ readonly provider: string }>`SELECT DISTINCT provider FROM simbridge_runs
            WHERE execution_id = ${record.executionId} AND phase = 'finished'`
          const finishedProviders = new Set(done.map((r) => r.provider))
          if (execution.value.providers.every((p) => finishedProviders.has(p))) {
            yield* sql`UPDATE simbridge_executions SET finished_at = ${at} WHERE id = ${record.executionId} AND finished_at IS NULL`
          }
        }
      })).pipe(wrap("finished"))

  const failed = (provider: string, marker: string, error: SuiteReport.RunError) =>
    withRun("failed", provider, marker, (record) =>
      Effect.gen(function*() {
        const at = yield* now
        const errorJson = yield* encodeJson(SuiteReport.RunError)(error)
        yield* sql`UPDATE simbridge_runs SET error_json = ${errorJson}, updated_at = ${at} WHERE id = ${record.id}`
      })).pipe(wrap("failed"))

  return { begin, finishExecution, intent, started, progress, finished, failed }
}
