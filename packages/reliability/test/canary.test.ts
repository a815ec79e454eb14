/**
 * Secret canary: suites run with recognisable fake API keys (`sk-canary-<random>`), in-process and
 * through the CLI, with failures on purpose (401 from emulators started with `--api-key`, 5xx, cut
 * connections, malformed bodies, unreachable hosts). Then no stdout/stderr line, error message or
 * `inspect`ed error, report file (--json/--junit/--markdown/--html), ledger byte (SQLite file, WAL
 * and all), log line or span attribute/event/exit may contain a key.
 */
import { randomBytes } from "node:crypto"
import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { inspect } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { SuiteFile } from "@simbridge/cli"
import { ProviderRef, Retry, SuiteRunner } from "@simbridge/core"
import { Faults } from "@simbridge/emulator"
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { SuiteReport } from "@simbridge/core/SuiteReport"
import * as Cli from "./support/cli.js"
import { Recorder } from "./support/recorder.js"
import { provider, vendorNames, vendors } from "./support/vendors.js"

const canary = () => `sk-canary-${randomBytes(12).toString("hex")}`
const decoded = SuiteFile.decode(Cli.example, readFileSync(Cli.example, "utf8"))
if (Either.isLeft(decoded)) throw new Error(decoded.left.message)
const plan = decoded.right.plan

/** A port nothing listens on. */
const closedPort = (): Promise<number> =>
  new Promise((resolve) => {
    const server = createServer()
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port
      server.close(() => resolve(port))
    })
  })

const quickPolicy = new Retry.RetryPolicy({
  maxAttempts: 3,
  maxElapsed: Duration.seconds(10),
  initialDelay: Duration.millis(10),
  maxDelay: Duration.millis(50),
  factor: 2,
  jitter: 0.2
})

/** Every way an error may be shown to a user or a log. */
const describeError = (e: unknown): string =>
  [String(e), (e as { message?: unknown })?.message, inspect(e, { depth: 10 }), safeStringify(e)].join("\n")

const safeStringify = (u: unknown) => {
  try {
    return JSON.stringify(u)
  } catch {
    return ""
  }
}

const leaks = (text: string, keys: ReadonlyArray<string>) => keys.filter((k) => text.includes(k))

/** Every file under `dir`, as latin1 text (byte-exact search for ASCII keys). */
const filesUnder = (dir: string): Array<{ file: string; text: string }> =>
  readdirSync(dir).flatMap((name) => {
    const file = join(dir, name)
    return statSync(file).isDirectory() ? filesUnder(file) : [{ file, text: readFileSync(file).toString("latin1") }]
  })

describe("secret canary", () => {
  it.live("in-process: 401s, 5xx, cuts, malformed bodies and unreachable hosts never show the key in errors, reports, logs or spans", () => {
    const recorder = new Recorder()
    const keys: Array<string> = []
    const texts: Array<string> = []
    return Effect.gen(function*() {
      let sawUnauthorized = 0
      let sawTransport = 0
      let sawFailure = 0
      for (const name of vendorNames) {
        const vendor = vendors[name]
        const good = canary()
        const wrong = canary()
        keys.push(good, wrong)
        const handle = yield* vendor.emulator.start({ seed: 2, speed: 40, apiKey: good })
        const unreachable = `http://127.0.0.1:${yield* Effect.promise(closedPort)}`

        const cases = [
          { label: "401", service: yield* provider(vendor, handle.url, wrong, { retry: quickPolicy }) },
          { label: "faults", service: yield* provider(vendor, handle.url, good, { retry: quickPolicy }) },
          { label: "unreachable", service: yield* provider(vendor, unreachable, good, { retry: quickPolicy }) }
        ]
        for (const c of cases) {
          if (c.label === "faults") handle.faults.set(Schema.decodeSync(Faults.FaultSpec)({ serverError: 0.25, cut: 0.1, malformed: 0.1, lostResponse: 0.2 }))
          const report = yield* SuiteRunner.run(plan, [c.service], { emulated: true, watch: { interval: "50 millis", maxInterval: "200 millis" } })
          texts.push(JSON.stringify(Schema.encodeSync(SuiteReport)(report)))
          for (const run of report.runs) {
            if (run.error) {
              sawFailure++
              if (run.error.reason === "Unauthorized") sawUnauthorized++
              if (run.error.reason === "Transport") sawTransport++
            }
          }
          // Direct calls: the errors themselves, as users print them.
          const ref = ProviderRef.make(name, "run", name === "cekura" ? 999999 : name === "interactly" ? "0123456789abcdef01234567" : "00000000-0000-4000-8000-000000000000")
          const attempts = [
            c.service.provision(plan),
            c.service.getRun(ref),
            c.service.cancel(ref),
            Stream.runCollect(c.service.results(ref)),
            c.service.startRun(plan)
          ]
          for (const attempt of attempts) {
            const exit = yield* Effect.exit(attempt as Effect.Effect<unknown, unknown>)
            if (Exit.isFailure(exit)) {
              texts.push(Cause.pretty(exit.cause), describeError(Cause.squash(exit.cause)))
            }
          }
          handle.faults.clear()
        }
      }
      texts.push(recorder.text())
      console.log(`canary (in-process): ${keys.length} keys, ${sawFailure} failed runs (${sawUnauthorized} Unauthorized, ${sawTransport} Transport), ${recorder.spans.length} spans, ${recorder.logs.length} log lines, ${texts.reduce((n, t) => n + t.length, 0)} characters searched`)
      expect(sawUnauthorized).toBe(vendorNames.length)
      expect(sawTransport).toBeGreaterThanOrEqual(vendorNames.length)
      expect(recorder.spans.length).toBeGreaterThan(0)
      // Positive control: the searched text does carry the HTTP details (redacted).
      expect(texts.join("\n")).toContain("<redacted>")
      const found = texts.flatMap((t) => keys.filter((k) => t.includes(k)).map((k) => { const i = t.indexOf(k); return t.slice(Math.max(0, i - 600), i + 80) }))
      if (found.length > 0) console.log(`LEAK CONTEXT:\n${found.slice(0, 3).join("\n-----\n")}`)
      expect(leaks(texts.join("\n"), keys)).toEqual([])
    }).pipe(Effect.scoped, Effect.provide(recorder.layer))
  }, 60_000)

  // Regression: @effect/platform records request headers on its `http.client` spans except the
  // names in `Headers.currentRedactedNames`; ProviderHttp extends that list with every key header.
  it.live("span attributes never contain the Cekura key (X-CEKURA-API-KEY)", () => {
    const recorder = new Recorder()
    const key = canary()
    return Effect.gen(function*() {
      const handle = yield* vendors.cekura.emulator.start({ seed: 2, speed: 40, apiKey: key })
      const service = yield* provider(vendors.cekura, handle.url, key, { retry: quickPolicy })
      yield* service.provision(plan)
      const attributes = recorder.spans.flatMap((s) => [...s.attributes].filter(([, v]) => String(v).includes(key)).map(([k]) => `${s.name} ${k}`))
      expect(attributes).toEqual([])
    }).pipe(Effect.scoped, Effect.provide(recorder.layer))
  }, 30_000)

  describe("through the CLI", () => {
    const dir = mkdtempSync(join(tmpdir(), "simbridge-canary-"))
    const emulators: Array<Cli.Emulated> = []
    const keys = { vapi: canary(), roark: canary(), cekura: canary(), interactly: canary(), wrong: canary() }
    beforeAll(async () => {
      Cli.assertBuilt()
      // Emulators that accept only their canary key; Vapi and Cekura with faults.
      emulators.push(await Cli.emulate("vapi", ["--api-key", keys.vapi, "--speed", "40", "--seed", "3", "--faults", "5xx=0.15,cut=0.05,malformed=0.05,lost-response=0.2"]))
      emulators.push(await Cli.emulate("cekura", ["--api-key", keys.cekura, "--speed", "40", "--seed", "3", "--faults", "5xx=0.15,cut=0.05,malformed=0.05,lost-response=0.2"]))
      emulators.push(await Cli.emulate("roark", ["--api-key", keys.roark, "--speed", "40", "--seed", "3"]))
    }, 60_000)
    afterAll(async () => {
      await Promise.all(emulators.map((e) => e.stop()))
    })

    it("run (401, faults, unreachable), runs, show and resume: no key in output, report files or the ledger", async () => {
      const [vapi, cekura, roark] = emulators as [Cli.Emulated, Cli.Emulated, Cli.Emulated]
      const ledger = join(dir, "ledger", "ledger.db")
      const reports = join(dir, "reports")
      const env = {
        SIMBRIDGE_LEDGER_PATH: ledger,
        SIMBRIDGE_RETRY_MAX_ATTEMPTS: "2",
        ...Cli.providerEnv("vapi", vapi.url, keys.vapi),
        ...Cli.providerEnv("cekura", cekura.url, keys.cekura),
        // Roark's emulator only accepts keys.roark: a 401.
        ...Cli.providerEnv("roark", roark.url, keys.wrong),
        // Nothing listens there.
        ...Cli.providerEnv("interactly", `http://127.0.0.1:${await closedPort()}/workflows`, keys.interactly)
      }
      const outputs: Array<string> = []
      const t0 = Date.now()
      const first = await Cli.run([
        "run", Cli.example, "--provider", "vapi", "--provider", "cekura", "--provider", "roark", "--provider", "interactly",
        "--json", join(reports, "r.json"), "--junit", join(reports, "r.xml"), "--markdown", join(reports, "r.md"), "--html", join(reports, "r.html")
      ], env, { timeoutMs: 90_000 })
      outputs.push(first.stdout, first.stderr)
      const t1 = Date.now()
      // A run that fails on every provider with a key in the environment only.
      const unauthorized = await Cli.run(["run", Cli.example, "--provider", "roark", "--json", join(reports, "u.json")], env, { timeoutMs: 60_000 })
      outputs.push(unauthorized.stdout, unauthorized.stderr)
      const listed = await Cli.run(["runs", "--limit", "50"], env)
      outputs.push(listed.stdout, listed.stderr)
      const report = Schema.decodeUnknownSync(SuiteReport)(JSON.parse(readFileSync(join(reports, "r.json"), "utf8")))
      // `show` of the failed Roark run (its error) and of the completed Cekura run (its results).
      for (const run of report.runs.filter((r) => r.provider === "roark" || r.provider === "cekura")) {
        const shown = await Cli.run(["show", run.ref ?? run.provider], env)
        outputs.push(shown.stdout, shown.stderr)
      }
      const resumed = await Cli.run(["resume"], env, { timeoutMs: 60_000 })
      outputs.push(resumed.stdout, resumed.stderr)
      const files = [...filesUnder(reports), ...filesUnder(join(dir, "ledger"))]
      const byProvider = Object.fromEntries(report.runs.map((r) => [r.provider, r.error?.reason ?? r.status.unified]))
      console.log(`canary (CLI): first run ${t1 - t0} ms, rest ${Date.now() - t1} ms; exit codes run=${first.code} unauthorized=${unauthorized.code} runs=${listed.code} resume=${resumed.code}; outcomes ${JSON.stringify(byProvider)}; ` +
        `files searched: ${files.map((f) => `${f.file.slice(dir.length + 1)} (${f.text.length} B)`).join(", ")}`)

      // The failures happened as intended.
      expect(byProvider["roark"]).toBe("Unauthorized")
      expect(byProvider["interactly"]).toBe("Transport")
      expect(first.stderr + first.stdout).toContain("Unauthorized")
      expect(files.some((f) => f.file.endsWith("ledger.db"))).toBe(true)
      expect(files.filter((f) => f.file.startsWith(reports)).length).toBe(5)
      const all = Object.values(keys)
      for (const out of outputs) expect(leaks(out, all)).toEqual([])
      for (const f of files) expect({ file: f.file, leaks: leaks(f.text, all) }).toEqual({ file: f.file, leaks: [] })
    }, 120_000)
  })
})
