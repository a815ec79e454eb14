/**
 * The two backends: the SQL client layer for each (SQLite file, PostgreSQL pool) and the
 * environment's choice between them.
 *
 * @internal
 */
import * as SqlClient from "@effect/sql/SqlClient"
import * as PgClient from "@effect/sql-pg/PgClient"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import { mkdir } from "node:fs/promises"
import { dirname } from "node:path"
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { causeMessage, LedgerError, wrap } from "./errors.js"

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
