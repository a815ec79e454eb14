import { describe, expect, it } from "@effect/vitest"
import * as PgClient from "@effect/sql-pg/PgClient"
import { Plan, ProviderRef } from "@simbridge/core"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Scope from "effect/Scope"
import { afterAll } from "vitest"
import { RunLedger } from "../src/index.js"
import { planNamed, unique } from "./fixtures.js"
import { ledgerSuite } from "./ledgerSuite.js"
import { type Cluster, cluster, skipPg } from "./support/postgres.js"

// One throwaway cluster for this file, started on first use and removed after the last test.
const scope = Effect.runSync(Scope.make())
let started: Promise<Cluster> | undefined
const pg = Effect.promise(() => (started ??= Effect.runPromise(Scope.extend(cluster, scope))))
afterAll(() => Effect.runPromise(Scope.close(scope, Exit.void)))

/** A fresh database on the cluster, so each test starts from an empty (unmigrated) schema. */
const freshDatabase = Effect.gen(function*() {
  const c = yield* pg
  const name = unique("ledger").replace(/-/g, "_")
  yield* Effect.flatMap(PgClient.PgClient, (sql) => sql.unsafe(`CREATE DATABASE ${name}`)).pipe(
    Effect.provide(PgClient.layer({ url: c.url })),
    Effect.orDie
  )
  return Redacted.make(`postgres://postgres@127.0.0.1:${c.port}/${name}`)
})

const ledgerOn = (url: Redacted.Redacted<string>) => RunLedger.layerPg({ url })

if (skipPg) {
  describe.skip("RunLedger on PostgreSQL (SIMBRIDGE_SKIP_PG=1)", () => {
    it("skipped", () => undefined)
  })
} else {
  ledgerSuite("RunLedger on PostgreSQL", Layer.unwrapEffect(Effect.map(freshDatabase, ledgerOn)))

  describe("RunLedger on PostgreSQL shared by several processes", () => {
    it.live("concurrent openings migrate once; concurrent intents for one marker make one run; upserts do not clash", () =>
      Effect.gen(function*() {
        const url = yield* freshDatabase
        // Four "processes": four independent pools, each running the migrations at the same moment.
        const ledgers = yield* Effect.forEach(
          [1, 2, 3, 4],
          () => Layer.build(ledgerOn(url)).pipe(Effect.map((ctx) => Context.get(ctx, RunLedger.RunLedger))),
          { concurrency: "unbounded" }
        )
        const plan = planNamed(unique("shared"))
        const execution = yield* ledgers[0]!.begin(new RunLedger.BeginExecution({ plan, providers: ["vapi"] }))
        const marker = unique("sb")
        const records = yield* Effect.forEach(ledgers, (l) => l.intent(execution.id, "vapi", marker), { concurrency: "unbounded" })
        expect(new Set(records.map((r) => r.id)).size).toBe(1)
        const runs = yield* ledgers[3]!.list(new RunLedger.ListOptions({ suite: plan.name }))
        expect(runs.map((r) => r.marker)).toEqual([marker])

        const puts = yield* Effect.forEach(
          ledgers,
          (l, i) =>
            l.putResource(new RunLedger.PutResource({
              provider: "vapi",
              key: "scenario:urgent-appointment",
              ref: ProviderRef.make("vapi", "scenario", "s-1"),
              definitionHash: Plan.definitionHash({ i: i % 2 })
            })),
          { concurrency: "unbounded" }
        )
        expect(puts.filter((p) => p.change === "created").length).toBe(1)
        const final = Option.getOrThrow(yield* ledgers[2]!.getResource(new RunLedger.ResourceKey({ provider: "vapi", key: "scenario:urgent-appointment" })))
        expect(puts.map((p) => p.resource.definitionHash)).toContain(final.definitionHash)

        const migrations = yield* Effect.flatMap(PgClient.PgClient, (sql) => sql`SELECT id FROM simbridge_ledger_migrations`).pipe(
          Effect.provide(PgClient.layer({ url }))
        )
        expect(migrations).toHaveLength(1)
      }).pipe(Effect.scoped))

    it.live("layerConfig selects PostgreSQL from SIMBRIDGE_DATABASE_URL", () =>
      Effect.gen(function*() {
        const url = yield* freshDatabase
        const config = Layer.setConfigProvider(ConfigProvider.fromMap(new Map([
          ["SIMBRIDGE_DATABASE_URL", Redacted.value(url)],
          ["SIMBRIDGE_LEDGER_PATH", "/nonexistent/never/ledger.db"]
        ])))
        const plan = planNamed(unique("config"))
        yield* Effect.flatMap(RunLedger.RunLedger, (l) => l.begin(new RunLedger.BeginExecution({ plan, providers: [] }))).pipe(
          Effect.provide(RunLedger.layerConfig.pipe(Layer.provide(config)))
        )
        const tables = yield* Effect.flatMap(PgClient.PgClient, (sql) => sql<{ suite: string }>`SELECT suite FROM simbridge_executions`).pipe(
          Effect.provide(PgClient.layer({ url }))
        )
        expect(tables.map((t) => t.suite)).toEqual([plan.name])
      }))

    it.live("an unreachable server fails with a LedgerError naming the operation, without the password", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(
          Effect.flatMap(RunLedger.RunLedger, (l) => l.list()).pipe(
            Effect.provide(RunLedger.layerPg({ url: Redacted.make("postgres://postgres:hunter2@127.0.0.1:1/x") }))
          )
        )
        expect(error._tag).toBe("LedgerError")
        expect(error.operation).toBe("open")
        expect(error.message).not.toContain("hunter2")
      }))
  })
}
