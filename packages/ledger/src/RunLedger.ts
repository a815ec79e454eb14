/**
 * The durable run ledger: every suite execution, every vendor run simbridge starts (its intent
 * before the create call, its vendor ref, every status transition, its final report) and every
 * provisioned vendor resource, in SQLite (default, `.simbridge/ledger.db`) or PostgreSQL
 * (`SIMBRIDGE_DATABASE_URL`), through one `@effect/sql` code path.
 *
 * This module is the ledger's public face: its records, the `Service` and `RunLedger` tag, `make`
 * and the layers. The schema is in `internal/migrations.ts`, the stored form in `internal/rows.ts`,
 * the queries in `internal/recording.ts`, `internal/reads.ts` and `internal/resources.ts`.
 *
 * @since 0.1.0
 */
import * as SqlClient from "@effect/sql/SqlClient"
import { Plan, type Run, type SuiteReport, type SuiteRunner } from "@simbridge/core"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { backendConfig, type PgOptions, pgClient, type SqliteOptions, sqliteClient } from "./internal/backends.js"
import { LedgerError, wrap } from "./internal/errors.js"
import { journal } from "./internal/journal.js"
import { migrate } from "./internal/migrations.js"
import type {
  BeginExecution,
  Execution,
  ListOptions,
  PutResource,
  PutResourceResult,
  Resource,
  ResourceKey,
  RunDetail,
  RunRecord,
  UnfinishedRun
} from "./internal/model.js"
import * as Reads from "./internal/reads.js"
import * as Recording from "./internal/recording.js"
import * as Resources from "./internal/resources.js"

export { type Backend, backendConfig, defaultPath, type PgOptions, pgClient, type SqliteOptions, sqliteClient } from "./internal/backends.js"
export { LedgerError } from "./internal/errors.js"
export { journal } from "./internal/journal.js"
export {
  BeginExecution,
  Execution,
  ListOptions,
  Phase,
  PutResource,
  PutResourceResult,
  Resource,
  ResourceChange,
  ResourceKey,
  RunDetail,
  RunRecord,
  Settings,
  Transition,
  UnfinishedRun
} from "./internal/model.js"

/** Decodes an execution's plan back into a `Plan`. */
export const decodePlan = (execution: Execution): Effect.Effect<Plan.Plan, LedgerError> =>
  Schema.decodeUnknown(Plan.Plan)(execution.plan).pipe(wrap("decodePlan"))

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

/** Builds the ledger over the `SqlClient` in context, migrating the schema first. */
export const make: Effect.Effect<Service, LedgerError, SqlClient.SqlClient> = Effect.gen(function*() {
  // The row schemas name the columns as stored, so no client-side name transforms.
  const sql = (yield* SqlClient.SqlClient).withoutTransforms()
  yield* migrate(sql).pipe(wrap("migrate"))
  const reads = Reads.make(sql)
  const service: Service = {
    ...Recording.make(sql, reads.getExecution),
    ...Resources.make(sql),
    ...reads,
    journal: (executionId) => journal(service, executionId)
  }
  return service
})

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

/** The ledger on a SQLite file. */
export const layerSqlite = (options: SqliteOptions): Layer.Layer<RunLedger, LedgerError> =>
  Layer.provide(layer, sqliteClient(options))

/** The ledger on PostgreSQL. */
export const layerPg = (options: PgOptions): Layer.Layer<RunLedger, LedgerError> => Layer.provide(layer, pgClient(options))

/** The ledger on the backend `backendConfig` selects. */
export const layerConfig: Layer.Layer<RunLedger, LedgerError | ConfigError.ConfigError> = Layer.unwrapEffect(
  Effect.map(backendConfig, (backend) =>
    backend._tag === "Pg" ? layerPg({ url: backend.url }) : layerSqlite({ filename: backend.filename }))
)
