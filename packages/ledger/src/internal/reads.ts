/**
 * The ledger's reads: an execution, the runs to resume, the run history and one run in full.
 *
 * @internal
 */
import type * as SqlClient from "@effect/sql/SqlClient"
import { Status } from "@simbridge/core"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { Service } from "../RunLedger.js"
import { wrap } from "./errors.js"
import { type Execution, ListOptions, type RunRecord, RunDetail, Transition, UnfinishedRun } from "./model.js"
import { decodeRows, EXECUTION_COLUMNS, ExecutionRow, opt, ReportRow, RUN_COLUMNS, RunRow, toExecution, toRunRecord, TransitionRow } from "./rows.js"

export type Reads = Pick<Service, "getExecution" | "unfinished" | "list" | "get">

/** The reads over `sql` (a client without name transforms: the rows keep their column names). */
export const make = (sql: SqlClient.SqlClient): Reads => {
  const getExecution = (executionId: string) =>
    sql`SELECT ${sql.literal(EXECUTION_COLUMNS)} FROM simbridge_executions e WHERE e.id = ${executionId}`.pipe(
      Effect.flatMap(decodeRows(ExecutionRow)),
      Effect.map((rows) => Option.fromNullable(rows[0]).pipe(Option.map(toExecution))),
      wrap("getExecution")
    )

  const unfinished = () =>
    Effect.gen(function*() {
      const rows = yield* sql`SELECT ${sql.literal(RUN_COLUMNS)} FROM simbridge_runs r
        JOIN simbridge_executions e ON e.id = r.execution_id
        WHERE r.phase <> 'finished' ORDER BY r.created_at ASC, r.id ASC`.pipe(Effect.flatMap(decodeRows(RunRow)))
      const executions = new Map<string, Execution>()
      const out: Array<UnfinishedRun> = []
      for (const row of rows) {
        let execution = executions.get(row.execution_id)
        if (execution === undefined) {
          const found = yield* getExecution(row.execution_id)
          if (Option.isNone(found)) continue
          execution = found.value
          executions.set(row.execution_id, execution)
        }
        out.push(new UnfinishedRun({ run: toRunRecord(row), execution }))
      }
      return out as ReadonlyArray<UnfinishedRun>
    }).pipe(wrap("unfinished"))

  const list = (options: ListOptions = new ListOptions({})) =>
    Effect.gen(function*() {
      const filters = [
        ...(options.suite !== undefined ? [sql`e.suite = ${options.suite}`] : []),
        ...(options.provider !== undefined ? [sql`r.provider = ${options.provider}`] : [])
      ]
      const rows = yield* sql`SELECT ${sql.literal(RUN_COLUMNS)} FROM simbridge_runs r
        JOIN simbridge_executions e ON e.id = r.execution_id
        ${filters.length > 0 ? sql`WHERE ${sql.and(filters)}` : sql``}
        ORDER BY r.created_at DESC, r.id DESC LIMIT ${options.limit}`.pipe(Effect.flatMap(decodeRows(RunRow)))
      return rows.map(toRunRecord) as ReadonlyArray<RunRecord>
    }).pipe(wrap("list"))

  const get = (idOrRef: string) =>
    Effect.gen(function*() {
      const rows = yield* sql`SELECT ${sql.literal(RUN_COLUMNS)} FROM simbridge_runs r
        JOIN simbridge_executions e ON e.id = r.execution_id
        WHERE r.id = ${idOrRef} OR r.ref = ${idOrRef} OR r.marker = ${idOrRef}
        ORDER BY CASE WHEN r.id = ${idOrRef} THEN 0 WHEN r.ref = ${idOrRef} THEN 1 ELSE 2 END, r.created_at DESC
        LIMIT 1`.pipe(Effect.flatMap(decodeRows(RunRow)))
      const row = rows[0]
      if (row === undefined) return Option.none<RunDetail>()
      const execution = yield* getExecution(row.execution_id)
      if (Option.isNone(execution)) return Option.none<RunDetail>()
      const transitions = yield* sql`SELECT seq, at, status_unified, status_raw, counts_json FROM simbridge_run_transitions
        WHERE run_id = ${row.id} ORDER BY seq ASC`.pipe(Effect.flatMap(decodeRows(TransitionRow)))
      const report = yield* sql`SELECT report_json FROM simbridge_runs WHERE id = ${row.id}`.pipe(
        Effect.flatMap(decodeRows(ReportRow))
      )
      return Option.some(
        new RunDetail({
          run: toRunRecord(row),
          execution: execution.value,
          transitions: transitions.map((t) =>
            new Transition({ seq: t.seq, at: t.at, status: new Status.Status({ unified: t.status_unified, raw: t.status_raw }), counts: t.counts_json })
          ),
          ...opt("report", report[0]?.report_json)
        })
      )
    }).pipe(wrap("get"))

  return { getExecution, unfinished, list, get }
}
