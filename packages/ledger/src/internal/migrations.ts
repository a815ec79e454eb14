/**
 * The ledger's schema, as ordered migrations that run on SQLite and PostgreSQL alike (portable
 * types only: TEXT, INTEGER; JSON kept as TEXT; times as ISO-8601 UTC strings, which sort).
 * Applied at layer build inside one transaction; on PostgreSQL an advisory lock serialises
 * processes that start at the same time. Never edit a shipped migration: append a new one.
 *
 * @internal
 */
import type * as SqlClient from "@effect/sql/SqlClient"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"

export interface Migration {
  readonly id: number
  readonly name: string
  readonly statements: ReadonlyArray<string>
}

export const migrations: ReadonlyArray<Migration> = [
  {
    id: 1,
    name: "initial",
    statements: [
      `CREATE TABLE IF NOT EXISTS simbridge_executions (
        id TEXT PRIMARY KEY,
        suite TEXT NOT NULL,
        plan_hash TEXT NOT NULL,
        plan_json TEXT NOT NULL,
        providers_json TEXT NOT NULL,
        settings_json TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT
      )`,
      `CREATE TABLE IF NOT EXISTS simbridge_runs (
        id TEXT PRIMARY KEY,
        execution_id TEXT NOT NULL REFERENCES simbridge_executions (id),
        provider TEXT NOT NULL,
        marker TEXT NOT NULL,
        ref TEXT,
        phase TEXT NOT NULL CHECK (phase IN ('intent', 'started', 'finished')),
        status_unified TEXT,
        status_raw TEXT,
        counts_json TEXT,
        report_json TEXT,
        error_json TEXT,
        created_at TEXT NOT NULL,
        started_at TEXT,
        updated_at TEXT NOT NULL,
        finished_at TEXT,
        UNIQUE (provider, marker)
      )`,
      `CREATE INDEX IF NOT EXISTS simbridge_runs_execution ON simbridge_runs (execution_id)`,
      `CREATE INDEX IF NOT EXISTS simbridge_runs_ref ON simbridge_runs (ref)`,
      `CREATE INDEX IF NOT EXISTS simbridge_runs_marker ON simbridge_runs (marker)`,
      `CREATE INDEX IF NOT EXISTS simbridge_runs_phase ON simbridge_runs (phase, created_at)`,
      `CREATE INDEX IF NOT EXISTS simbridge_runs_created ON simbridge_runs (created_at)`,
      `CREATE TABLE IF NOT EXISTS simbridge_run_transitions (
        run_id TEXT NOT NULL REFERENCES simbridge_runs (id),
        seq INTEGER NOT NULL,
        at TEXT NOT NULL,
        status_unified TEXT NOT NULL,
        status_raw TEXT NOT NULL,
        counts_json TEXT NOT NULL,
        PRIMARY KEY (run_id, seq)
      )`,
      `CREATE TABLE IF NOT EXISTS simbridge_resources (
        scope TEXT NOT NULL,
        provider TEXT NOT NULL,
        key TEXT NOT NULL,
        ref TEXT NOT NULL,
        definition_hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (scope, provider, key)
      )`
    ]
  }
]

/** A constant key for `pg_advisory_xact_lock` ("sbledger" in ASCII, fits in a bigint). */
const lockKey = "7378626c65646772"

/** Applies every migration not yet recorded in `simbridge_ledger_migrations`. */
export const migrate = (sql: SqlClient.SqlClient) =>
  sql.withTransaction(Effect.gen(function*() {
    yield* sql.onDialectOrElse({
      pg: () => sql.unsafe(`SELECT pg_advisory_xact_lock(x'${lockKey}'::bigint)`),
      orElse: () => Effect.void
    })
    yield* sql.unsafe(`CREATE TABLE IF NOT EXISTS simbridge_ledger_migrations (
      id INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      applied_at TEXT NOT NULL
    )`)
    const applied = new Set(
      (yield* sql<{ readonly id: number | string }>`SELECT id FROM simbridge_ledger_migrations`).map((r) => Number(r.id))
    )
    for (const migration of migrations) {
      if (applied.has(migration.id)) continue
      for (const statement of migration.statements) yield* sql.unsafe(statement)
      const at = new Date(yield* Clock.currentTimeMillis).toISOString()
      yield* sql`INSERT INTO simbridge_ledger_migrations ${sql.insert({ id: migration.id, name: migration.name, applied_at: at })}`
    }
  }))

/** The highest migration this code knows. */
export const latest = migrations[migrations.length - 1]!.id
