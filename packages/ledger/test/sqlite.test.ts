import { describe, expect, it } from "@effect/vitest"
import { ProviderRef } from "@simbridge/core"
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { afterAll } from "vitest"
import { RunLedger } from "../src/index.js"
import { ledgerSuite } from "./ledgerSuite.js"

const dir = mkdtempSync(join(tmpdir(), "simbridge-ledger-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

ledgerSuite("RunLedger on SQLite", RunLedger.layerSqlite({ filename: join(dir, "nested", "ledger.db") }))

describe("RunLedger.layerConfig (SQLite)", () => {
  it.live("uses SIMBRIDGE_LEDGER_PATH, creates its directory, and keeps data across reopenings", () =>
    Effect.gen(function*() {
      const path = join(dir, "config", "deeper", "ledger.db")
      const config = Layer.setConfigProvider(ConfigProvider.fromMap(new Map([["SIMBRIDGE_LEDGER_PATH", path]])))
      const layer = RunLedger.layerConfig.pipe(Layer.provide(config))
      const key = new RunLedger.ResourceKey({ provider: "roark", key: "persona:calm-bob" })
      yield* Effect.flatMap(RunLedger.RunLedger, (l) =>
        l.putResource(new RunLedger.PutResource({ provider: "roark", key: "persona:calm-bob", ref: ProviderRef.make("roark", "persona", "p-1"), definitionHash: "abc" }))
      ).pipe(Effect.provide(layer))
      expect(existsSync(path)).toBe(true)
      // A second process (here: a second layer) opens the same file and sees the resource.
      const again = yield* Effect.flatMap(RunLedger.RunLedger, (l) => l.getResource(key)).pipe(Effect.provide(layer))
      expect(again._tag === "Some" && again.value.definitionHash).toBe("abc")
    }))

  it.live("defaults to .simbridge/ledger.db and rejects a database URL that is not PostgreSQL", () =>
    Effect.gen(function*() {
      const backend = yield* RunLedger.backendConfig.pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map())))
      expect(backend).toEqual({ _tag: "Sqlite", filename: ".simbridge/ledger.db" })
      const bad = yield* Effect.flip(
        RunLedger.backendConfig.pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["SIMBRIDGE_DATABASE_URL", "mysql://user:hunter2@db/x"]]))))
      )
      expect(String(bad)).toContain("postgres://")
      expect(String(bad)).not.toContain("hunter2")
      const pg = yield* RunLedger.backendConfig.pipe(
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["SIMBRIDGE_DATABASE_URL", "postgresql://u:hunter2@127.0.0.1:5/x"]])))
      )
      expect(pg._tag).toBe("Pg")
      expect(String(pg._tag === "Pg" && pg.url)).not.toContain("hunter2")
    }))
})
