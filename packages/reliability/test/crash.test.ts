/**
 * Crash: `simbridge run` as a child process, SIGKILLed at seeded random points (before the create,
 * during the watch, while reading results...), then `simbridge resume` (itself sometimes killed)
 * until nothing is left unfinished, 20 times. The four vendors are served by `simbridge emulate`
 * child processes with a pace at which a run takes a second or two, and faults on every request:
 * lost create responses, cut connections, 5xx and 429. Asserts from the ledger (no run lost: every
 * recorded run finished, terminal, without error and with every result) and from the emulators
 * (exactly one vendor run per marker, no vendor run the ledger does not know, none missing).
 */
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { SuiteFile } from "@simbridge/cli"
import { Plan } from "@simbridge/core"
import { isTerminal } from "@simbridge/core/Status"
import { RunLedger } from "@simbridge/ledger"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Cli from "./support/cli.js"
import { rng } from "./support/faults.js"
import { duplicates, table, type VendorName, vendors } from "./support/vendors.js"

const crashVendors: ReadonlyArray<VendorName> = ["vapi", "roark", "cekura", "interactly"]
/** `simbridge run` executions, each SIGKILLed (unless it ends first) and then resumed. */
const executions = 20
/** On every emulator (issue 17): lost create responses, cut connections, server errors, rate limits. */
const faults = "lost-response=0.1,cut=0.02,5xx=0.05,429=0.05"
/** Emulator pace: at 4, a run is queued ~0.15 s and talks ~0.75 s (Interactly), about as long elsewhere. */
const speed = 4
const apiKey = "sk-crash-test"
const random = rng(Number(process.env["SIMBRIDGE_CRASH_SEED"] ?? 20240607))

const decoded = SuiteFile.decode(Cli.example, readFileSync(Cli.example, "utf8"))
if (Either.isLeft(decoded)) throw new Error(decoded.left.message)
const slots = Plan.slots(decoded.right.plan).length

describe("crash and resume", () => {
  const dir = mkdtempSync(join(tmpdir(), "simbridge-crash-"))
  const ledger = join(dir, "ledger.db")
  const emulators: Array<Cli.Emulated> = []
  beforeAll(async () => {
    Cli.assertBuilt()
    for (const v of crashVendors) emulators.push(await Cli.emulate(v, ["--seed", "9", "--speed", String(speed), "--faults", faults]))
  }, 60_000)
  afterAll(async () => {
    await Promise.all(emulators.map((e) => e.stop()))
  })

  /** The ledger as `simbridge` left it (read between child processes, never while one runs). */
  const readLedger = <A>(f: (l: RunLedger.Service) => Effect.Effect<A, RunLedger.LedgerError>) =>
    Effect.runPromise(Effect.flatMap(RunLedger.RunLedger, f).pipe(Effect.provide(RunLedger.layerSqlite({ filename: ledger }))))

  it("SIGKILLed runs and resumes lose no run and no result, with exactly one vendor run per marker", async () => {
    const started = Date.now()
    const env: Record<string, string> = { SIMBRIDGE_LEDGER_PATH: ledger }
    for (const e of emulators) Object.assign(env, Cli.providerEnv(e.vendor, e.url, apiKey))
    const providers = crashVendors.flatMap((v) => ["--provider", v])
    const log: Array<Array<string | number>> = [["step", "command", "kill after ms", "ms", "outcome"]]
    let kills = 0
    let runKills = 0
    let resumes = 0
    let step = 0

    const resumeUntilDone = async () => {
      for (let round = 0; round < 8; round++) {
        // Nothing unfinished: the ledger says so without another process (the last step checks
        // that `resume` agrees).
        if ((await readLedger((l) => l.unfinished())).length === 0) return
        // Half of the resumes are killed too, at a random point of their first seconds.
        const killAfter = round < 4 && random() < 0.5 ? Math.round(300 + random() * 2500) : undefined
        const at = Date.now()
        const r = await Cli.run(["resume"], env, { killAfterMs: killAfter, timeoutMs: 60_000 })
        resumes++
        if (r.killed) kills++
        log.push([++step, "resume", killAfter ?? "-", Date.now() - at, r.killed ? "SIGKILL" : `exit ${r.code}${/nothing to resume/.test(r.stdout) ? " (nothing to resume)" : ""}`])
        // 0: every result passed; 1: a result failed. Not 3: a run ended with an error.
        if (!r.killed) expect(r.code === 0 || r.code === 1, `resume failed (exit ${r.code}): ${r.stdout}\n${r.stderr}`).toBe(true)
      }
    }

    for (let i = 0; i < executions; i++) {
      // Half of the runs are killed at a random time from their start (before the intent, between
      // the intent and the create...), the others at a random moment after their first vendor run
      // started (during the watch, while reading the results): a point tied to what the process
      // did, whatever the speed of the machine.
      const early = random() < 0.5
      const delay = Math.round(early ? 200 + random() * 2800 : random() * 1500)
      const at = Date.now()
      const r = await Cli.run(
        ["run", Cli.example, ...providers],
        env,
        early ? { killAfterMs: delay, timeoutMs: 60_000 } : { killAfterOutput: { pattern: /: started /, delayMs: delay }, killAfterMs: 20_000, timeoutMs: 60_000 }
      )
      if (r.killed) {
        kills++
        runKills++
      }
      log.push([++step, "run", early ? delay : `started + ${delay}`, Date.now() - at, r.killed ? "SIGKILL" : `exit ${r.code}`])
      if (!r.killed) expect(r.code === 0 || r.code === 1, `run failed (exit ${r.code}): ${r.stdout}\n${r.stderr}`).toBe(true)
      await resumeUntilDone()
    }
    // A last resume that must find nothing left.
    const at = Date.now()
    const last = await Cli.run(["resume"], env, { timeoutMs: 60_000 })
    log.push([++step, "resume", "-", Date.now() - at, `exit ${last.code}${/nothing to resume/.test(last.stdout) ? " (nothing to resume)" : ""}`])
    expect(last.stdout).toContain("nothing to resume")

    // The ledger: every recorded run finished, terminal, with every result.
    const recorded = await readLedger((l) =>
      Effect.gen(function*() {
        const runs = yield* l.list({ limit: 1000 })
        const unfinished = yield* l.unfinished()
        const details = yield* Effect.forEach(runs, (r) => Effect.map(l.get(r.id), Option.getOrUndefined))
        return { runs, unfinished, details }
      })
    )
    // The vendors' own records, read without faults (the listing client does not retry).
    for (const e of emulators) {
      await fetch(`${new URL(e.url).origin}/__simbridge/faults`, { method: "PUT", headers: { "content-type": "application/json" }, body: "{}" })
    }
    const vendorRuns = new Map<string, ReadonlyArray<{ id: string; marker: string | undefined; key: string | undefined }>>()
    for (const e of emulators) vendorRuns.set(e.vendor, await Effect.runPromise(vendors[e.vendor as VendorName].listRuns(e.url, apiKey)))

    // What the emulators served: requests and injected faults.
    const served = new Map<string, { total: number; faults: Record<string, number> }>()
    for (const e of emulators) {
      const response = await fetch(`${new URL(e.url).origin}/__simbridge/requests`)
      served.set(e.vendor, (await response.json()) as { total: number; faults: Record<string, number> })
    }

    const rows: Array<Array<string | number>> = [["vendor", "ledger runs", "finished", "terminal", "results", "lost results", "requests", "faults injected", "vendor runs", "duplicates", "unknown to ledger", "never created"]]
    const problems: Array<string> = []
    for (const v of crashVendors) {
      const mine = recorded.details.filter((d) => d?.run.provider === v)
      const onVendor = vendorRuns.get(v) ?? []
      const markers = new Set(mine.map((d) => d!.run.marker))
      const finished = mine.filter((d) => d!.run.phase === "finished" && d!.report !== undefined)
      const terminal = finished.filter((d) => isTerminal(d!.report!.status))
      const results = finished.reduce((n, d) => n + d!.report!.results.length, 0)
      const dups = duplicates(onVendor)
      const unknown = onVendor.filter((r) => r.marker === undefined || !markers.has(r.marker))
      const neverCreated = mine.filter((d) => !onVendor.some((r) => r.marker === d!.run.marker))
      for (const d of mine) {
        const report = d!.report
        if (d!.run.phase !== "finished" || report === undefined) problems.push(`${v} ${d!.run.marker}: phase ${d!.run.phase}`)
        else if (report.error) problems.push(`${v} ${d!.run.marker}: ${report.status.unified}, ${report.error.step}: ${report.error.message}`)
        else if (report.results.length !== slots) problems.push(`${v} ${d!.run.marker}: ${report.status.unified} with ${report.results.length} of ${slots} results`)
      }
      for (const r of unknown) problems.push(`${v}: vendor run ${r.id} (marker ${r.marker}) is not in the ledger`)
      for (const d of dups) problems.push(`${v}: marker ${d.key} has ${d.ids.length} vendor runs`)
      for (const d of neverCreated) problems.push(`${v} ${d!.run.marker}: recorded, but no vendor run carries its marker`)
      const seen = served.get(v)
      const injected = Object.values(seen?.faults ?? {}).reduce((n, c) => n + c, 0)
      rows.push([v, mine.length, finished.length, terminal.length, results, mine.length * slots - results, seen?.total ?? 0, injected, onVendor.length, dups.length, unknown.length, neverCreated.length])
    }
    console.log(
      `\ncrash: ${executions} executions of \`simbridge run\` on ${crashVendors.join(" + ")} (emulator speed ${speed}, faults ${faults}), ` +
        `${kills} SIGKILLs (${runKills} of runs), ${resumes + 1} resumes, ${((Date.now() - started) / 1000).toFixed(0)} s\n${table(log)}\n\n${table(rows)}\n${problems.map((p) => `  ${p}`).join("\n")}`
    )

    expect(kills).toBeGreaterThanOrEqual(executions)
    expect(recorded.unfinished).toEqual([])
    expect(problems).toEqual([])
    for (const v of crashVendors) {
      const mine = recorded.details.filter((d) => d?.run.provider === v)
      expect(mine.length).toBeGreaterThan(0)
      for (const d of mine) {
        expect(d!.run.phase).toBe("finished")
        expect(isTerminal(d!.report!.status)).toBe(true)
        expect(d!.report!.error).toBeUndefined()
        expect(d!.report!.results.length).toBe(slots)
      }
    }
  }, 600_000)
})
