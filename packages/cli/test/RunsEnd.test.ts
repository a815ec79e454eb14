/**
 * Runs that always end: the run deadline (`--timeout`, the suite's `timeout`) and Ctrl-C, on the
 * built `simbridge` binary run as a process, and the ledger's record of such runs.
 */
import { spawn, spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { Signals, SuiteFile } from "@simbridge/cli"
import { SuiteReport } from "@simbridge/core"
import { RunLedger } from "@simbridge/ledger"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"

const bin = fileURLToPath(new URL("../bin/simbridge.js", import.meta.url))
const example = fileURLToPath(new URL("../../../examples/dental-clinic.yaml", import.meta.url))
const dir = mkdtempSync(join(tmpdir(), "simbridge-ends-"))

const envWith = (ledger: string): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env, CI: "true", SIMBRIDGE_LEDGER_PATH: ledger }
  delete env["SIMBRIDGE_DATABASE_URL"]
  return env
}

const simbridge = (ledger: string, ...args: Array<string>) => {
  const started = Date.now()
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", env: envWith(ledger), timeout: 60_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, elapsed: Date.now() - started }
}

const readReport = (file: string) => Schema.decodeUnknownSync(SuiteReport.SuiteReport)(JSON.parse(readFileSync(file, "utf8")))

const recordedRuns = (ledger: string) =>
  Effect.gen(function*() {
    const l = yield* RunLedger.RunLedger
    return yield* l.list(new RunLedger.ListOptions({}))
  }).pipe(Effect.provide(RunLedger.layerSqlite({ filename: ledger })), Effect.scoped)

describe("simbridge run --timeout", () => {
  it.live("ends the run at its deadline: the runs timed out, exit 1, the reports written, the ledger finished", () =>
    Effect.gen(function*() {
      const ledger = join(dir, "deadline.db")
      const json = join(dir, "deadline.json")
      // At speed 0.01 a conversation takes five minutes: the run is mid-way at the deadline.
      const r = simbridge(ledger, "run", example, "--provider", "test", "--emulate", "--speed", "0.01", "--timeout", "5s", "--json", json)
      expect(r.code).toBe(1)
      expect(r.elapsed).toBeGreaterThanOrEqual(5_000)
      expect(r.elapsed).toBeLessThan(15_000)
      expect(r.stdout).toContain("test: timed_out (simbridge_deadline)")
      const report = readReport(json)
      expect(report.partial).toBe(false)
      expect(report.runs[0]).toMatchObject({ provider: "test", status: { unified: "timed_out", raw: "simbridge_deadline" } })
      expect(report.runs[0]!.results.map((result) => result.verdict)).toEqual(["skipped", "skipped"])
      const runs = yield* recordedRuns(ledger)
      expect(runs.map((run) => [run.phase, run.status?.unified])).toEqual([["finished", "timed_out"]])
      expect(simbridge(ledger, "resume").stdout).toContain("nothing to resume")
    }), 60_000)

  it.live("the suite's timeout applies without the flag; a bad --timeout is a usage error", () =>
    Effect.gen(function*() {
      const ledger = join(dir, "suite-timeout.db")
      const suite = join(dir, "timeout.yaml")
      writeFileSync(suite, `${readFileSync(example, "utf8")}\ntimeout: 2s\n`)
      const r = simbridge(ledger, "run", suite, "--provider", "test", "--emulate", "--speed", "0.01", "--no-ledger")
      expect(r.code).toBe(1)
      expect(r.elapsed).toBeLessThan(12_000)
      expect(r.stdout).toContain("timed_out (simbridge_deadline)")
      const bad = simbridge(ledger, "run", suite, "--provider", "test", "--emulate", "--timeout", "soon")
      expect(bad.code).toBe(2)
      expect(bad.stderr).toContain(`--timeout: expected a duration such as 90s, 30m or 2h, got "soon"`)
    }), 60_000)
})

describe("simbridge run interrupted", () => {
  it.live("two SIGINTs 50 ms apart are one Ctrl-C: the partial reports are written, exit 130, the ledger has the runs finished and canceled", () =>
    Effect.gen(function*() {
      const ledger = join(dir, "interrupt.db")
      const json = join(dir, "interrupted.json")
      const markdown = join(dir, "interrupted.md")
      const { code, stderr, stdout } = yield* Effect.promise(() =>
        new Promise<{ code: number | null; stderr: string; stdout: string }>((resolve) => {
          const child = spawn(process.execPath, [bin, "run", example, "--provider", "test", "--emulate", "--speed", "0.05", "--json", json, "--markdown", markdown], { env: envWith(ledger) })
          let stderr = ""
          let stdout = ""
          let sent = false
          child.stdout.on("data", (d) => (stdout += d))
          child.stderr.on("data", (d) => {
            stderr += d
            if (!sent && stderr.includes("started test:run:")) {
              sent = true
              // What a terminal plus `pnpm exec` deliver on one Ctrl-C.
              child.kill("SIGINT")
              setTimeout(() => child.kill("SIGINT"), 50)
            }
          })
          child.on("exit", (code) => resolve({ code, stderr, stdout }))
        })
      )
      expect(code).toBe(130)
      expect(stderr).toContain("interrupting: canceling the vendor runs and writing the reports (Ctrl-C again to stop at once)")
      expect(stdout).toContain("INTERRUPTED: partial results")
      const report = readReport(json)
      expect(report.partial).toBe(true)
      expect(report.runs[0]!.status.unified).toBe("canceled")
      expect(readFileSync(markdown, "utf8")).not.toBe("")
      const runs = yield* recordedRuns(ledger)
      expect(runs.map((run) => [run.phase, run.status?.unified])).toEqual([["finished", "canceled"]])
      // Finished: resume leaves it alone.
      expect(simbridge(ledger, "resume").stdout).toContain("nothing to resume")
    }), 60_000)

  it.live("a second Ctrl-C more than a second after the first stops at once, without the reports", () =>
    Effect.gen(function*() {
      const ledger = join(dir, "hard-stop.db")
      const json = join(dir, "hard-stop.json")
      // Roark's emulator at this pace takes seconds to settle a cancel: the orderly stop is slow.
      const { code, stderr } = yield* Effect.promise(() =>
        new Promise<{ code: number | null; stderr: string }>((resolve) => {
          const child = spawn(process.execPath, [bin, "run", example, "--provider", "roark", "--emulate", "--speed", "0.01", "--json", json], { env: envWith(ledger) })
          let stderr = ""
          let sent = false
          child.stderr.on("data", (d) => {
            stderr += d
            if (!sent && stderr.includes("started roark:run:")) {
              sent = true
              child.kill("SIGINT")
              setTimeout(() => child.kill("SIGINT"), 1_500)
            }
          })
          child.on("exit", (code) => resolve({ code, stderr }))
        })
      )
      expect(code).toBe(130)
      expect(stderr).toContain("interrupting:")
      expect(stderr).not.toContain(`wrote ${json}`)
    }), 60_000)
})

describe("signals", () => {
  it("signals within a second of the first count as one; a later one stops at once", () => {
    expect(Signals.decide(undefined, 10_000)).toBe("interrupt")
    expect(Signals.decide(10_000, 10_050)).toBe("ignore")
    expect(Signals.decide(10_000, 11_000)).toBe("ignore")
    expect(Signals.decide(10_000, 11_001)).toBe("exit")
  })
})

describe("suite timeout", () => {
  const text = readFileSync(example, "utf8")
  it("is a top-level duration beside the plan, outside its hash", () => {
    const decoded = SuiteFile.decode("s.yaml", `${text}\ntimeout: 90s\n`)
    if (Either.isLeft(decoded)) throw decoded.left
    expect(Duration.toMillis(decoded.right.run.timeout!)).toBe(90_000)
    const without = SuiteFile.decode("s.yaml", text)
    if (Either.isLeft(without)) throw without.left
    expect(without.right.run.timeout).toBeUndefined()
    expect(SuiteFile.parseDuration("30m").pipe((d) => d._tag === "Some" && Duration.toMillis(d.value))).toBe(1_800_000)
    expect(SuiteFile.parseDuration("2h").pipe((d) => d._tag === "Some" && Duration.toMillis(d.value))).toBe(7_200_000)
  })

  it("a bad timeout is located like any other problem, with the plan's", () => {
    const decoded = SuiteFile.decode("s.yaml", `${text.replace("accent: us", "accent: usa")}\ntimeout: 0s\nfoo: 1\n`)
    expect(Either.isLeft(decoded)).toBe(true)
    const messages = Either.isLeft(decoded) ? decoded.left.problems.map(SuiteFile.formatProblem) : []
    expect(messages[0]).toContain("personas[0].accent")
    expect(messages).toContainEqual(expect.stringMatching(/^s\.yaml:\d+:10 timeout: expected a duration such as 90s, 30m or 2h, got "0s"$/))
    expect(messages).toContainEqual(expect.stringMatching(/foo: is not a known field; known fields: name, .*, timeout$/))
  })
})
