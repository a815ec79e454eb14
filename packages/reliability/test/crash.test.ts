/**
 * Crash: `simbridge run` as a child process, SIGKILLed at seeded random points (before the create,
 * during the watch, ...), then `simbridge resume` (itself sometimes killed) until nothing is left
 * unfinished. The four vendors are served by `simbridge emulate` child processes with a pace at which
 * a run takes several seconds, and a share of lost responses on creates. Asserts from the ledger
 * (every recorded run finished, terminal, every result) and from the emulators (exactly one vendor
 * run per marker, and no vendor run the ledger does not know).
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
const executions = 3
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
    for (const v of crashVendors) {
      // Speed 2: a run takes several seconds (queued, talking, evaluating). A fifth of creates lose their response.
      emulators.push(await Cli.emulate(v, ["--seed", "9", "--speed", "2", "--faults", "lost-response=0.2"]))
    }
  }, 60_000)
  afterAll(async () => {
    await Promise.all(emulators.map((e) => e.stop()))
  })

  it("SIGKILLed runs and resumes finish everything, with exactly one vendor run per marker", async () => {
    const env: Record<string, string> = { SIMBRIDGE_LEDGER_PATH: ledger }
    for (const e of emulators) Object.assign(env, Cli.providerEnv(e.vendor, e.url, apiKey))
    const providers = crashVendors.flatMap((v) => ["--provider", v])
    const log: Array<Array<string | number>> = [["step", "command", "kill after ms", "outcome"]]
    let kills = 0
    let resumes = 0
    let step = 0

    const resumeUntilDone = async () => {
      for (let round = 0; round < 8; round++) {
        // Half of the resumes are killed too, at a random point of their first seconds.
        const killAfter = round < 4 && random() < 0.5 ? Math.round(300 + random() * 2500) : undefined
        const r = await Cli.run(["resume"], env, { killAfterMs: killAfter, timeoutMs: 60_000 })
        resumes++
        if (r.killed) kills++
        log.push([++step, "resume", killAfter ?? "-", r.killed ? "SIGKILL" : `exit ${r.code}${/nothing to resume/.test(r.stdout) ? " (nothing to resume)" : ""}`])
        if (!r.killed) {
          expect(r.code === 0 || r.code === 1, `resume failed: ${r.stderr}`).toBe(true)
          if (/nothing to resume/.test(r.stdout)) return
        }
      }
    }

    for (let i = 0; i < executions; i++) {
      // From just after start (before any create) to well into the watch.
      const killAfter = Math.round(200 + random() * 4500)
      const r = await Cli.run(["run", Cli.example, ...providers], env, { killAfterMs: killAfter, timeoutMs: 60_000 })
      if (r.killed) kills++
      log.push([++step, "run", killAfter, r.killed ? "SIGKILL" : `exit ${r.code}`])
      await resumeUntilDone()
    }
    // A last resume that must find nothing left.
    const last = await Cli.run(["resume"], env, { timeoutMs: 60_000 })
    log.push([++step, "resume", "-", `exit ${last.code}${/nothing to resume/.test(last.stdout) ? " (nothing to resume)" : ""}`])
    expect(last.stdout).toContain("nothing to resume")

    // The ledger: every recorded run finished, terminal, with every result.
    const recorded = await Effect.runPromise(
      Effect.gen(function*() {
        const l = yield* RunLedger.RunLedger
        const runs = yield* l.list({ limit: 1000 })
        const unfinished = yield* l.unfinished()
        const details = yield* Effect.forEach(runs, (r) => Effect.map(l.get(r.id), Option.getOrUndefined))
        return { runs, unfinished, details }
      }).pipe(Effect.provide(RunLedger.layerSqlite({ filename: ledger })))
    )
    // The vendors' own records.
    const vendorRuns = new Map<string, ReadonlyArray<{ id: string; marker: string | undefined; key: string | undefined }>>()
    for (const e of emulators) vendorRuns.set(e.vendor, await Effect.runPromise(vendors[e.vendor as VendorName].listRuns(e.url, apiKey)))

    // What the emulators served: requests and injected faults (lost create responses).
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
        if (d!.run.phase !== "finished") problems.push(`${v} ${d!.run.marker}: phase ${d!.run.phase}`)
        else if (d!.report?.error) problems.push(`${v} ${d!.run.marker}: ${d!.report.error.step}: ${d!.report.error.message}`)
      }
      for (const r of unknown) problems.push(`${v}: vendor run ${r.id} (marker ${r.marker}) is not in the ledger`)
      for (const d of dups) problems.push(`${v}: marker ${d.key} has ${d.ids.length} vendor runs`)
      const seen = served.get(v)
      const injected = Object.values(seen?.faults ?? {}).reduce((n, c) => n + c, 0)
      rows.push([v, mine.length, finished.length, terminal.length, results, mine.length * slots - results, seen?.total ?? 0, injected, onVendor.length, dups.length, unknown.length, neverCreated.length])
    }
    console.log(
      `\ncrash: ${executions} executions of \`simbridge run\` on ${crashVendors.join(" + ")} (emulator speed 2, 20% lost create responses), ` +
        `${kills} SIGKILLs, ${resumes + 1} resumes\n${table(log)}\n\n${table(rows)}\n${problems.map((p) => `  ${p}`).join("\n")}`
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
        expect(d!.report!.results.length).toBe(slots)
      }
    }
  }, 240_000)
})
