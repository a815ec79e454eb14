/**
 * The durable run ledger: every suite execution, every vendor run simbridge starts (its intent
 * before the create call, its vendor ref, every status transition, its final report) and every
 * provisioned vendor resource, in SQLite (default, `.simbridge/ledger.db`) or PostgreSQL
 * (`SIMBRIDGE_DATABASE_URL`), through one `@effect/sql` code path.
 *
 * @since 0.1.0
 */
import * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import * as PgClient from "@effect/sql-pg/PgClient"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import { Json, Plan, ProviderRef, Run, SuiteReport, Status } from "@simbridge/core"
import { SuiteRunner } from "@simbridge/core"
import { randomUUID } from "node:crypto"
import { mkdir } from "node:fs/promises"
import { dirname } from "node:path"
import * as Clock from "effect/Clock"
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import { migrate } from "./internal/migrations.js"

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/** Any ledger failure: the operation that failed and the underlying cause (SQL, decoding, I/O). */
export class LedgerError extends Schema.TaggedError<LedgerError>()("LedgerError", {
  operation: Schema.String,
  message: Schema.String,
  cause: Schema.optional(Schema.Defect)
}) {}

const causeMessage = (cause: unknown): string =>
  cause !== null && typeof cause === "object" && "message" in cause && typeof cause.message === "string"
    ? cause.message
    : String(cause)

const wrap = (operation: string) => <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, LedgerError, R> =>
  Effect.mapError(effect, (cause) =>
    cause instanceof LedgerError ? cause : new LedgerError({ operation, message: `${operation}: ${causeMessage(cause)}`, cause }))

// ---------------------------------------------------------------------------------------------
// Inputs and outputs
// ---------------------------------------------------------------------------------------------

/** Settings of a suite execution, kept so `simbridge resume` can rebuild the providers. */
export class Settings extends Schema.Class<Settings>("Settings")({
  emulated: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  seed: Schema.optional(Schema.Int),
  strict: Schema.optional(Schema.Boolean),
  /**
   * When the execution must end (ISO-8601 UTC), from the suite's `timeout`: `simbridge resume`
   * gives the runs it continues only the time left.
   */
  deadline: Schema.optional(Schema.String),
  /** Anything else the caller wants to keep (CLI flags, emulator speed...). Never secrets. */
  options: Schema.optionalWith(Json.JsonRecord, { default: () => ({}) })
}) {}

/** Input of {@link Service.begin}. */
export class BeginExecution extends Schema.Class<BeginExecution>("BeginExecution")({
  /** Chosen by the caller, or generated. */
  id: Schema.optional(Schema.NonEmptyString),
  plan: Plan.Plan,
  /** The providers the suite runs on; the execution is finished when each has a final report. */
  providers: Schema.Array(Schema.String),
  settings: Schema.optionalWith(Settings, { default: () => new Settings({}) })
}) {}

export class Execution extends Schema.Class<Execution>("Execution")({
  id: Schema.String,
  suite: Schema.String,
  planHash: Schema.String,
  /** The plan in its encoded (JSON) form; {@link decodePlan} turns it back into a `Plan`. */
  plan: Json.Json,
  providers: Schema.Array(Schema.String),
  settings: Settings,
  startedAt: Schema.String,
  finishedAt: Schema.optional(Schema.String)
}) {}

/** Where a provider run is: intent recorded, vendor run known, final report recorded. */
export const Phase = Schema.Literal("intent", "started", "finished")
export type Phase = typeof Phase.Type

/** One provider run of an execution (without its transitions and results). */
export class RunRecord extends Schema.Class<RunRecord>("RunRecord")({
  /** The ledger id (`run_<uuid>`). */
  id: Schema.String,
  executionId: Schema.String,
  suite: Schema.String,
  planHash: Schema.String,
  provider: Schema.String,
  /** The client marker the vendor run carries (unique per provider). */
  marker: Schema.String,
  /** The vendor run as `provider:run:<id>`, once known. */
  ref: Schema.optional(Schema.String),
  phase: Phase,
  status: Schema.optional(Status.Status),
  counts: Schema.optional(Run.RunCounts),
  error: Schema.optional(SuiteReport.RunError),
  createdAt: Schema.String,
  startedAt: Schema.optional(Schema.String),
  updatedAt: Schema.String,
  finishedAt: Schema.optional(Schema.String)
}) {}

/** A recorded status change of a vendor run. */
export class Transition extends Schema.Class<Transition>("Transition")({
  seq: Schema.Int,
  at: Schema.String,
  status: Status.Status,
  counts: Run.RunCounts
}) {}

/** One run with everything recorded about it. */
export class RunDetail extends Schema.Class<RunDetail>("RunDetail")({
  run: RunRecord,
  execution: Execution,
  transitions: Schema.Array(Transition),
  /** The final report, results included; absent while the run is unfinished. */
  report: Schema.optional(SuiteReport.RunReport)
}) {}

/** A run to resume: its record and the execution it belongs to (plan, settings). */
export class UnfinishedRun extends Schema.Class<UnfinishedRun>("UnfinishedRun")({
  run: RunRecord,
  execution: Execution
}) {}

export class ListOptions extends Schema.Class<ListOptions>("ListOptions")({
  limit: Schema.optionalWith(Schema.Int.pipe(Schema.positive()), { default: () => 20 }),
  suite: Schema.optional(Schema.String),
  provider: Schema.optional(Schema.String)
}) {}

/**
 * A provisioned vendor resource is addressed by provider, canonical key (`persona:anxious-sarah`,
 * see core's `Provisioning.key`) and a scope (the vendor account or base URL; "" by default), so
 * an emulator's resources are never mistaken for the real vendor's.
 */
export class ResourceKey extends Schema.Class<ResourceKey>("ResourceKey")({
  provider: Schema.String,
  key: Schema.String,
  scope: Schema.optionalWith(Schema.String, { default: () => "" })
}) {}

export class PutResource extends Schema.Class<PutResource>("PutResource")({
  provider: Schema.String,
  key: Schema.String,
  scope: Schema.optionalWith(Schema.String, { default: () => "" }),
  ref: ProviderRef.ProviderRef,
  /** `Plan.definitionHash` of the canonical definition. */
  definitionHash: Schema.String
}) {}

export class Resource extends Schema.Class<Resource>("Resource")({
  provider: Schema.String,
  key: Schema.String,
  scope: Schema.String,
  ref: ProviderRef.ProviderRef,
  definitionHash: Schema.String,
  createdAt: Schema.String,
  updatedAt: Schema.String
}) {}

/** What a put did: `created` (new key), `updated` (hash or ref changed), `unchanged`. */
export const ResourceChange = Schema.Literal("created", "updated", "unchanged")
export type ResourceChange = typeof ResourceChange.Type

export class PutResourceResult extends Schema.Class<PutResourceResult>("PutResourceResult")({
  resource: Resource,
  change: ResourceChange
}) {}

/** Decodes an execution's plan back into a `Plan`. */
export const decodePlan = (execution: Execution): Effect.Effect<Plan.Plan, LedgerError> =>
  Schema.decodeUnknown(Plan.Plan)(execution.plan).pipe(wrap("decodePlan"))

// ---------------------------------------------------------------------------------------------
// Service
// ---------------------------------------------------------------------------------------------

export interface Service {
  /** Records a suite execution (plan, providers, settings) and returns it with its id. */
  readonly begin: (input: BeginExecution) => Effect.Effect<Execution, LedgerError>
  /** Marks an execution finished (done automatically when every provider has a final report). */
  readonly finishExecution: (executionId: string) => Effect.Effect<void, LedgerError>
  /** Before the vendor create call. Idempotent per (provider, marker). */
  readonly intent: (executionId: string, provider: string, marker: string) => Effect.Effect<RunRecord, LedgerError>
  /** The vendor run exists: its ref and first status. */
  readonly started: (provider: string, marker: string, run: Run.Run) => Effect.Effect<void, LedgerError>
  /** A snapshot; stored as a transition only when status or counts changed. True when stored. */
  readonly progress: (provider: string, marker: string, run: Run.Run) => Effect.Effect<boolean, LedgerError>
  /** The final report, results included. */
  readonly finished: (provider: string, marker: string, report: SuiteReport.RunReport) => Effect.Effect<void, LedgerError>
  /** An error outside the final report (a failed resume or reconciliation). */
  readonly failed: (provider: string, marker: string, error: SuiteReport.RunError) => Effect.Effect<void, LedgerError>
  readonly getResource: (key: ResourceKey) => Effect.Effect<Option.Option<Resource>, LedgerError>
  readonly putResource: (input: PutResource) => Effect.Effect<PutResourceResult, LedgerError>
  /** Runs without a final report (intent only, or started and not finished), oldest first. */
  readonly unfinished: () => Effect.Effect<ReadonlyArray<UnfinishedRun>, LedgerError>
  /** Runs, newest first. */
  readonly list: (options?: ListOptions) => Effect.Effect<ReadonlyArray<RunRecord>, LedgerError>
  /** One run by ledger id, vendor ref string (`vapi:run:<id>`) or marker. */
  readonly get: (idOrRef: string) => Effect.Effect<Option.Option<RunDetail>, LedgerError>
  readonly getExecution: (executionId: string) => Effect.Effect<Option.Option<Execution>, LedgerError>
  /** The runner's hooks for one execution (see {@link journal}). */
  readonly journal: (executionId: string) => SuiteRunner.Journal
}

// ---------------------------------------------------------------------------------------------
// Rows
// ---------------------------------------------------------------------------------------------

const Nullable = <S extends Schema.Schema.Any>(s: S) => Schema.NullOr(s)
const RunCountsJson = Schema.parseJson(Run.RunCounts)
const RunErrorJson = Schema.parseJson(SuiteReport.RunError)
const RunReportJson = Schema.parseJson(SuiteReport.RunReport)
const SettingsJson = Schema.parseJson(Settings)
const ProvidersJson = Schema.parseJson(Schema.Array(Schema.String))
const PlanJson = Schema.parseJson(Json.Json)

const ExecutionRow = Schema.Struct({
  id: Schema.String,
  suite: Schema.String,
  plan_hash: Schema.String,
  plan_json: PlanJson,
  providers_json: ProvidersJson,
  settings_json: SettingsJson,
  started_at: Schema.String,
  finished_at: Nullable(Schema.String)
})

const RunRow = Schema.Struct({
  id: Schema.String,
  execution_id: Schema.String,
  suite: Schema.String,
  plan_hash: Schema.String,
  provider: Schema.String,
  marker: Schema.String,
  ref: Nullable(Schema.String),
  phase: Phase,
  status_unified: Nullable(Status.UnifiedStatus),
  status_raw: Nullable(Schema.String),
  counts_json: Nullable(RunCountsJson),
  error_json: Nullable(RunErrorJson),
  created_at: Schema.String,
  started_at: Nullable(Schema.String),
  updated_at: Schema.String,
  finished_at: Nullable(Schema.String)
})

const TransitionRow = Schema.Struct({
  seq: Schema.Int,
  at: Schema.String,
  status_unified: Status.UnifiedStatus,
  status_raw: Schema.String,
  counts_json: RunCountsJson
})

const ResourceRow = Schema.Struct({
  provider: Schema.String,
  key: Schema.String,
  scope: Schema.String,
  ref: ProviderRef.ProviderRefFromString,
  definition_hash: Schema.String,
  created_at: Schema.String,
  updated_at: Schema.String
})

const ReportRow = Schema.Struct({ report_json: Nullable(RunReportJson) })

const opt = <K extends string, V>(key: K, value: V | null | undefined): { [P in K]?: V } =>
  (value === null || value === undefined ? {} : { [key]: value }) as { [P in K]?: V }

const toExecution = (row: typeof ExecutionRow.Type): Execution =>
  new Execution({
    id: row.id,
    suite: row.suite,
    planHash: row.plan_hash,
    plan: row.plan_json,
    providers: row.providers_json,
    settings: row.settings_json,
    startedAt: row.started_at,
    ...opt("finishedAt", row.finished_at)
  })

const toRunRecord = (row: typeof RunRow.Type): RunRecord =>
  new RunRecord({
    id: row.id,
    executionId: row.execution_id,
    suite: row.suite,
    planHash: row.plan_hash,
    provider: row.provider,
    marker: row.marker,
    ...opt("ref", row.ref),
    phase: row.phase,
    ...(row.status_unified !== null ? { status: new Status.Status({ unified: row.status_unified, raw: row.status_raw ?? "" }) } : {}),
    ...opt("counts", row.counts_json),
    ...opt("error", row.error_json),
    createdAt: row.created_at,
    ...opt("startedAt", row.started_at),
    updatedAt: row.updated_at,
    ...opt("finishedAt", row.finished_at)
  })

const toResource = (row: typeof ResourceRow.Type): Resource =>
  new Resource({
    provider: row.provider,
    key: row.key,
    scope: row.scope,
    ref: row.ref,
    definitionHash: row.definition_hash,
    createdAt: row.created_at,
    updatedAt: row.updated_at
  })

const decodeRows = <A, I>(schema: Schema.Schema<A, I>) => Schema.decodeUnknown(Schema.Array(schema))

const encodeJson = <A, I>(schema: Schema.Schema<A, I>) => Schema.encode(Schema.parseJson(schema))

const now = Effect.map(Clock.currentTimeMillis, (ms) => new Date(ms).toISOString())

const sameCounts = (a: Run.RunCounts, b: Run.RunCounts) =>
  a.total === b.total && a.queued === b.queued && a.running === b.running && a.passed === b.passed &&
  a.failed === b.failed && a.errored === b.errored && a.skipped === b.skipped && a.pending === b.pending

const RUN_COLUMNS = `r.id, r.execution_id, e.suite, e.plan_hash, r.provider, r.marker, r.ref, r.phase, r.status_unified,
  r.status_raw, r.counts_json, r.error_json, r.created_at, r.started_at, r.updated_at, r.finished_at`

const EXECUTION_COLUMNS = `e.id, e.suite, e.plan_hash, e.plan_json, e.providers_json, e.settings_json, e.started_at, e.finished_at`

// ---------------------------------------------------------------------------------------------
// make
// ---------------------------------------------------------------------------------------------

/** Builds the ledger over the `SqlClient` in context, migrating the schema first. */
export const make: Effect.Effect<Service, LedgerError, SqlClient.SqlClient> = Effect.gen(function*() {
  const sql = (yield* SqlClient.SqlClient).withoutTransforms()
  yield* migrate(sql).pipe(wrap("migrate"))

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

  const getExecution = (executionId: string) =>
    sql`SELECT ${sql.literal(EXECUTION_COLUMNS)} FROM simbridge_executions e WHERE e.id = ${executionId}`.pipe(
      Effect.flatMap(decodeRows(ExecutionRow)),
      Effect.map((rows) => Option.fromNullable(rows[0]).pipe(Option.map(toExecution))),
      wrap("getExecution")
    )

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

  const selectResource = (key: ResourceKey) =>
    sql`SELECT provider, key, scope, ref, definition_hash, created_at, updated_at FROM simbridge_resources
      WHERE scope = ${key.scope} AND provider = ${key.provider} AND key = ${key.key}`.pipe(
      Effect.flatMap(decodeRows(ResourceRow)),
      Effect.map((rows) => Option.fromNullable(rows[0]).pipe(Option.map(toResource)))
    )

  const getResource = (key: ResourceKey) => selectResource(key).pipe(wrap("getResource"))

  /**
   * Insert-or-update in two atomic statements, each telling by RETURNING whether it acted: the
   * insert only when the key is new, the update only when the ref or hash differs. Concurrent
   * writers of one key therefore see exactly one `created`, and `updated` only for a real change.
   */
  const putResource = (input: PutResource) =>
    Effect.gen(function*() {
      const at = yield* now
      const key = new ResourceKey({ provider: input.provider, key: input.key, scope: input.scope })
      const ref = input.ref.toString()
      const inserted = yield* sql`INSERT INTO simbridge_resources ${
        sql.insert({
          scope: input.scope,
          provider: input.provider,
          key: input.key,
          ref,
          definition_hash: input.definitionHash,
          created_at: at,
          updated_at: at
        })
      } ON CONFLICT (scope, provider, key) DO NOTHING RETURNING key`
      const change: ResourceChange = inserted.length > 0
        ? "created"
        : (yield* sql`UPDATE simbridge_resources SET ref = ${ref}, definition_hash = ${input.definitionHash}, updated_at = ${at}
            WHERE scope = ${input.scope} AND provider = ${input.provider} AND key = ${input.key}
              AND (ref <> ${ref} OR definition_hash <> ${input.definitionHash})
            RETURNING key`).length > 0
        ? "updated"
        : "unchanged"
      const after = yield* selectResource(key)
      if (Option.isNone(after)) {
        return yield* new LedgerError({ operation: "putResource", message: `putResource: ${input.key} was not stored` })
      }
      return new PutResourceResult({ resource: after.value, change })
    }).pipe(wrap("putResource"))

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

  const service: Service = {
    begin,
    finishExecution,
    intent,
    started,
    progress,
    finished,
    failed,
    getResource,
    putResource,
    unfinished,
    list,
    get,
    getExecution,
    journal: (executionId) => journal(service, executionId)
  }
  return service
})

// ---------------------------------------------------------------------------------------------
// Journal
// ---------------------------------------------------------------------------------------------

/** Transient failures (a busy SQLite file, a dropped PostgreSQL connection) get a few quick retries. */
const retryBriefly = <A>(effect: Effect.Effect<A, LedgerError>) =>
  Effect.retry(effect, Schedule.exponential("50 millis").pipe(Schedule.intersect(Schedule.recurs(4))))

/**
 * Adapts the ledger to the runner's `Journal`. The intent must be durable before the vendor is
 * asked to create a run: when it cannot be recorded (after a few quick retries), that provider's
 * run is not created and its report says why (`LedgerUnavailable`); the others go on. Later
 * hooks log a failure and let the suite go on: the intent and marker are enough for `resume`
 * to find the vendor run again.
 */
export const journal = (ledger: Service, executionId: string): SuiteRunner.Journal => {
  const soft = (what: string, provider: string, marker: string) => (effect: Effect.Effect<unknown, LedgerError>) =>
    retryBriefly(effect).pipe(
      Effect.catchAll((error) =>
        Effect.logWarning(`run ledger: could not record ${what}`).pipe(
          Effect.annotateLogs({ provider, marker, operation: error.operation, error: error.message })
        )
      ),
      Effect.asVoid
    )
  return {
    intent: (provider, marker) =>
      retryBriefly(ledger.intent(executionId, provider, marker)).pipe(
        Effect.mapError((error) => new SuiteRunner.JournalError({ message: error.message })),
        Effect.asVoid
      ),
    started: (provider, marker, run) => soft("the started run", provider, marker)(ledger.started(provider, marker, run)),
    progress: (provider, marker, run) => soft("a status transition", provider, marker)(ledger.progress(provider, marker, run)),
    finished: (provider, marker, report) => soft("the final report", provider, marker)(ledger.finished(provider, marker, report))
  }
}

// ---------------------------------------------------------------------------------------------
// Tag and layers
// ---------------------------------------------------------------------------------------------

export interface SqliteOptions {
  /** Path of the database file; its directory is created. `:memory:` for a throwaway ledger. */
  readonly filename: string
}

export interface PgOptions {
  readonly url: Redacted.Redacted<string>
  readonly maxConnections?: number | undefined
}

/** The default SQLite location, relative to the working directory. */
export const defaultPath = ".simbridge/ledger.db"

/** The ledger service; `layerConfig` picks SQLite or PostgreSQL from the environment. */
export class RunLedger extends Context.Tag("@simbridge/ledger/RunLedger")<RunLedger, Service>() {
  static readonly make = make
  static get layer(): Layer.Layer<RunLedger, LedgerError, SqlClient.SqlClient> {
    return layer
  }
  static layerSqlite(options: SqliteOptions): Layer.Layer<RunLedger, LedgerError> {
    return layerSqlite(options)
  }
  static layerPg(options: PgOptions): Layer.Layer<RunLedger, LedgerError> {
    return layerPg(options)
  }
  static get layerConfig(): Layer.Layer<RunLedger, LedgerError | ConfigError.ConfigError> {
    return layerConfig
  }
}

/** The ledger over the `SqlClient` in context. */
export const layer: Layer.Layer<RunLedger, LedgerError, SqlClient.SqlClient> = Layer.effect(RunLedger, make)

/** SQLite client (WAL, busy timeout) at `filename`, creating its directory. */
export const sqliteClient = (options: SqliteOptions): Layer.Layer<SqlClient.SqlClient | SqliteClient.SqliteClient, LedgerError> =>
  Layer.unwrapEffect(
    Effect.gen(function*() {
      if (options.filename !== ":memory:") {
        yield* Effect.tryPromise(() => mkdir(dirname(options.filename), { recursive: true })).pipe(wrap("open"))
      }
      return SqliteClient.layer({ filename: options.filename, spanAttributes: { "simbridge.ledger": "sqlite" } })
    })
  ).pipe(
    Layer.tap((context) =>
      // Other processes may write the same file: wait for their lock instead of failing at once.
      Context.get(context, SqlClient.SqlClient).unsafe("PRAGMA busy_timeout = 5000").pipe(
        Effect.zipRight(Context.get(context, SqlClient.SqlClient).unsafe("PRAGMA foreign_keys = ON")),
        wrap("open")
      )
    ),
    Layer.mapError((e) => (e instanceof LedgerError ? e : new LedgerError({ operation: "open", message: `open: ${causeMessage(e)}`, cause: e })))
  )

/** PostgreSQL client (a small pool). */
export const pgClient = (options: PgOptions): Layer.Layer<SqlClient.SqlClient | PgClient.PgClient, LedgerError> =>
  PgClient.layer({
    url: options.url,
    maxConnections: options.maxConnections ?? 4,
    applicationName: "simbridge-ledger",
    connectTimeout: "10 seconds",
    spanAttributes: { "simbridge.ledger": "pg" }
  }).pipe(Layer.mapError((e) => new LedgerError({ operation: "open", message: `open: cannot connect to PostgreSQL: ${causeMessage(e)}`, cause: e })))

export const layerSqlite = (options: SqliteOptions): Layer.Layer<RunLedger, LedgerError> =>
  Layer.provide(layer, sqliteClient(options))

export const layerPg = (options: PgOptions): Layer.Layer<RunLedger, LedgerError> => Layer.provide(layer, pgClient(options))

/** Which backend the environment selects. */
export type Backend =
  | { readonly _tag: "Sqlite"; readonly filename: string }
  | { readonly _tag: "Pg"; readonly url: Redacted.Redacted<string> }

/**
 * `SIMBRIDGE_DATABASE_URL` (a `postgres://` or `postgresql://` URL, kept redacted) selects
 * PostgreSQL; otherwise SQLite at `SIMBRIDGE_LEDGER_PATH`, default `.simbridge/ledger.db`.
 */
export const backendConfig: Config.Config<Backend> = Config.all({
  url: Config.option(Config.redacted("SIMBRIDGE_DATABASE_URL")),
  path: Config.withDefault(Config.string("SIMBRIDGE_LEDGER_PATH"), defaultPath)
}).pipe(
  Config.mapOrFail(({ path, url }): Either.Either<Backend, ConfigError.ConfigError> => {
    if (Option.isNone(url) || Redacted.value(url.value).trim() === "") return Either.right({ _tag: "Sqlite" as const, filename: path })
    const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(Redacted.value(url.value))?.[1]?.toLowerCase()
    return scheme === "postgres" || scheme === "postgresql"
      ? Either.right({ _tag: "Pg" as const, url: url.value })
      : Either.left(ConfigError.InvalidData(
        ["SIMBRIDGE_DATABASE_URL"],
        `expected a postgres:// or postgresql:// URL, got scheme ${scheme ?? "(none)"}`
      ))
  })
)

export const layerConfig: Layer.Layer<RunLedger, LedgerError | ConfigError.ConfigError> = Layer.unwrapEffect(
  Effect.map(backendConfig, (backend) =>
    backend._tag === "Pg" ? layerPg({ url: backend.url }) : layerSqlite({ filename: backend.filename }))
)
