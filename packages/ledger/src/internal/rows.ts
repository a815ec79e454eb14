/**
 * The stored form of the ledger's records: one row schema per table (JSON columns decoded through
 * their schema, NULL for absent), the row-to-model conversions, and the column lists the queries
 * select. Times are stored as ISO-8601 UTC strings, which sort in time order on both backends.
 *
 * @internal
 */
import { Json, ProviderRef, Run, SuiteReport, Status } from "@simbridge/core"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { Execution, Phase, Resource, RunRecord, Settings } from "./model.js"

const Nullable = <S extends Schema.Schema.Any>(s: S) => Schema.NullOr(s)
const RunCountsJson = Schema.parseJson(Run.RunCounts)
const RunErrorJson = Schema.parseJson(SuiteReport.RunError)
const RunReportJson = Schema.parseJson(SuiteReport.RunReport)
const SettingsJson = Schema.parseJson(Settings)
const ProvidersJson = Schema.parseJson(Schema.Array(Schema.String))
const PlanJson = Schema.parseJson(Json.Json)

export const ExecutionRow = Schema.Struct({
  id: Schema.String,
  suite: Schema.String,
  plan_hash: Schema.String,
  plan_json: PlanJson,
  providers_json: ProvidersJson,
  settings_json: SettingsJson,
  started_at: Schema.String,
  finished_at: Nullable(Schema.String)
})

export const RunRow = Schema.Struct({
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

export const TransitionRow = Schema.Struct({
  seq: Schema.Int,
  at: Schema.String,
  status_unified: Status.UnifiedStatus,
  status_raw: Schema.String,
  counts_json: RunCountsJson
})

export const ResourceRow = Schema.Struct({
  provider: Schema.String,
  key: Schema.String,
  scope: Schema.String,
  ref: ProviderRef.ProviderRefFromString,
  definition_hash: Schema.String,
  created_at: Schema.String,
  updated_at: Schema.String
})

export const ReportRow = Schema.Struct({ report_json: Nullable(RunReportJson) })

/** `{ [key]: value }`, or `{}` when the column is NULL: optional fields are absent, never `undefined`. */
export const opt = <K extends string, V>(key: K, value: V | null | undefined): { [P in K]?: V } =>
  (value === null || value === undefined ? {} : { [key]: value }) as { [P in K]?: V }

export const toExecution = (row: typeof ExecutionRow.Type): Execution =>
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

export const toRunRecord = (row: typeof RunRow.Type): RunRecord =>
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

export const toResource = (row: typeof ResourceRow.Type): Resource =>
  new Resource({
    provider: row.provider,
    key: row.key,
    scope: row.scope,
    ref: row.ref,
    definitionHash: row.definition_hash,
    createdAt: row.created_at,
    updatedAt: row.updated_at
  })

/** Decodes a query's rows with a row schema. */
export const decodeRows = <A, I>(schema: Schema.Schema<A, I>) => Schema.decodeUnknown(Schema.Array(schema))

/** Encodes a value for a JSON column. */
export const encodeJson = <A, I>(schema: Schema.Schema<A, I>) => Schema.encode(Schema.parseJson(schema))

/** The current time as stored (ISO-8601 UTC). */
export const now = Effect.map(Clock.currentTimeMillis, (ms) => new Date(ms).toISOString())

/** A run's columns as `RunRow` reads them: `simbridge_runs r` joined to its execution `e` for suite and plan hash. */
export const RUN_COLUMNS = `r.id, r.execution_id, e.suite, e.plan_hash, r.provider, r.marker, r.ref, r.phase, r.status_unified,
  r.status_raw, r.counts_json, r.error_json, r.created_at, r.started_at, r.updated_at, r.finished_at`

/** An execution's columns as `ExecutionRow` reads them, from `simbridge_executions e`. */
export const EXECUTION_COLUMNS = `e.id, e.suite, e.plan_hash, e.plan_json, e.providers_json, e.settings_json, e.started_at, e.finished_at`
