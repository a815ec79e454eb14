/**
 * The built `simbridge` binary, run as a process: exit codes and output. `pnpm test` builds
 * (`tsc -b`) before running the tests.
 */
import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { createServer } from "node:net"
import { describe, expect, it } from "@effect/vitest"
import { Plugins, SuiteFile } from "@simbridge/cli"
import { SuiteReport } from "@simbridge/core"
import { RunLedger } from "@simbridge/ledger"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"

const bin = fileURLToPath(new URL("../bin/simbridge.js", import.meta.url))
const example = fileURLToPath(new URL("../../../examples/dental-clinic.yaml", import.meta.url))
const dir = mkdtempSync(join(tmpdir(), "simbridge-cli-"))

const simbridge = (...args: Array<string>) => {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", env: { ...process.env, CI: "true", SIMBRIDGE_LEDGER_PATH: join(dir, "ledger.db") }, timeout: 30_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

describe("simbridge CLI", () => {
  it("run --emulate on the TestProvider exits 0, says it is emulated, writes the JSON report", () => {
    const json = join(dir, "report.json")
    const r = simbridge("run", example, "--provider", "test", "--emulate", "--json", json)
    expect(r.stderr).not.toContain("Error")
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("EMULATED")
    expect(r.stdout).toMatch(/urgent-appointment\s+anxious-sarah\s+1\s+PASS/)
    const report = Schema.decodeUnknownSync(SuiteReport.SuiteReport)(JSON.parse(readFileSync(json, "utf8")))
    expect(report.version).toBe(1)
    expect(report.runs[0]).toMatchObject({ provider: "test", status: { unified: "completed", raw: "done" } })
    expect(report.runs[0]!.results).toHaveLength(2)
    expect(report.runs[0]!.results[0]!.evaluations.map((e) => e.evaluator)).toEqual(["booked", "polite"])
    expect(r.stderr).toMatch(/\[\d\d:\d\d:\d\d\] test: started test:run:/)
  })

  it("exits 1 when a result fails, and lists the failure with expected vs actual", () => {
    const suite = join(dir, "many.yaml")
    writeFileSync(suite, readFileSync(example, "utf8").replace("iterations: 2", "iterations: 10"))
    const r = simbridge("run", suite, "--provider", "test", "--emulate", "--seed", "4")
    expect(r.code).toBe(1)
    expect(r.stdout).toContain("Failures:")
    expect(r.stdout).toMatch(/test urgent-appointment \/ anxious-sarah #\d+: booked: expected true, got false/)
  })

  it("exits 2 for a bad suite file and names file, line and path", () => {
    const suite = join(dir, "bad.yaml")
    writeFileSync(suite, readFileSync(example, "utf8").replace("accent: us", "accent: usa"))
    const r = simbridge("run", suite, "--provider", "test")
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(`${suite}:17:13 personas[0].accent: expected one of us,`)
    expect(r.stderr).toContain('got "usa"')
  })

  it("exits 2 for an unknown provider, a missing file and an unknown command", () => {
    expect(simbridge("run", example, "--provider", "nope")).toMatchObject({ code: 2 })
    expect(simbridge("run", example, "--provider", "nope").stderr).toContain('unknown provider "nope"')
    const missing = simbridge("run", join(dir, "missing.yaml"), "--provider", "test")
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain("no such file")
    expect(simbridge("frobnicate").code).toBe(2)
  })

  it("validate checks the suite without running it", () => {
    const r = simbridge("validate", example, "--provider", "test")
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('valid suite "Dental clinic booking"')
    expect(r.stdout).toContain("2 conversations per provider")
  })

  it("validate shows each provider's own warnings besides capability gaps, without contacting the vendor", () => {
    const r = simbridge("validate", example, "--provider", "interactly", "--provider", "cekura")
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("[evaluators_as_workflow_metrics] evaluators:")
    expect(r.stdout).toContain("[caller_workflow_managed] personas[0]:")
    expect(r.stdout).toContain("[persona_from_catalogue] personas[0]:")
  })
})

describe("the modules a command loads", () => {
  const moduleLog = fileURLToPath(new URL("./fixtures/moduleLog.mjs", import.meta.url))
  const bundled = existsSync(fileURLToPath(new URL("../dist/bundle/simbridge.js", import.meta.url)))
  let logs = 0
  /** The URLs of every module `simbridge ...args` loaded (it must complete: exit 0, or 1 when a conversation failed). */
  const loaded = (env: Record<string, string>, ...args: Array<string>) => {
    const file = join(dir, `modules-${logs++}.log`)
    const r = spawnSync(process.execPath, ["--import", moduleLog, bin, ...args], {
      encoding: "utf8",
      env: { ...process.env, CI: "true", SIMBRIDGE_LEDGER_PATH: join(dir, "ledger.db"), SIMBRIDGE_MODULE_LOG: file, ...env },
      timeout: 60_000
    })
    expect(r.stderr).not.toContain("Error")
    expect([0, 1]).toContain(r.status)
    return readFileSync(file, "utf8").split("\n").filter((u) => u !== "")
  }
  const names = (urls: ReadonlyArray<string>, pattern: RegExp) => [...new Set(urls.flatMap((u) => pattern.exec(u)?.[1] ?? []))].sort()
  /** A vendor module of the tsc output (`.../vapi/dist/VapiWire.js` -> `VapiWire`). */
  const vendorModule = /\/(?:vapi|roark|cekura|interactly)\/dist\/(\w+)\.js$/
  /** A vendor emulator of the tsc output (`.../emulators/dist/VapiEmulator.js` -> `VapiEmulator`). */
  const emulatorModule = /\/emulators\/dist\/(\w+Emulator)\.js$/
  /** An entry chunk of the bundle (`.../dist/bundle/VapiProvider-3XK2.js` -> `VapiProvider`). */
  const bundleEntry = /\/dist\/bundle\/(\w+)-\w+\.js$/

  it("validate reads each vendor's plugin without loading its driver, client or wire schemas", () => {
    const urls = loaded({ SIMBRIDGE_NO_BUNDLE: "1" }, "validate", example)
    expect(names(urls, vendorModule)).toEqual(["CekuraSuite", "InteractlySuite", "RoarkSuite", "VapiSuite"])
    expect(names(urls, emulatorModule)).toEqual([])
  })

  it("a run loads the driver of the provider it runs, when it builds it, and no other vendor's", () => {
    const urls = loaded({ SIMBRIDGE_NO_BUNDLE: "1" }, "run", example, "--provider", "vapi", "--emulate", "--speed", "200", "--no-ledger")
    expect(names(urls, vendorModule)).toEqual(["VapiClient", "VapiProvider", "VapiSuite", "VapiWire"])
    expect(names(urls, emulatorModule)).toEqual(["VapiEmulator"])
  })

  it.skipIf(!bundled)("the bundle: validate loads no vendor client; a run loads its provider's only", () => {
    /** The vendors whose client (its `Context.Tag` key) is in a loaded file of the bundle. */
    const clients = (urls: ReadonlyArray<string>) =>
      ["vapi/VapiClient", "roark/RoarkClient", "cekura/CekuraClient", "interactly/InteractlyClient"].filter((key) =>
        urls.some((u) => u.includes("/dist/bundle/") && readFileSync(fileURLToPath(u), "utf8").includes(`"@simbridge/${key}"`))
      )
    const validate = loaded({}, "validate", example)
    expect(names(validate, bundleEntry)).toEqual(expect.arrayContaining(["CekuraSuite", "InteractlySuite", "RoarkSuite", "VapiSuite"]))
    expect(clients(validate)).toEqual([])
    expect(clients(loaded({}, "run", example, "--provider", "roark", "--emulate", "--speed", "200", "--no-ledger"))).toEqual(["roark/RoarkClient"])
  })
})

describe("simbridge CLI interruption", () => {
  it("Ctrl-C cancels the vendor runs and still writes the partial report", async () => {
    const { spawn } = await import("node:child_process")
    const json = join(dir, "partial.json")
    const child = spawn(process.execPath, [bin, "run", example, "--provider", "test", "--emulate", "--speed", "0.05", "--json", json], {
      env: { ...process.env, CI: "true" }
    })
    let stderr = ""
    let stdout = ""
    child.stdout.on("data", (d) => (stdout += d))
    const started = new Promise<void>((resolve) =>
      child.stderr.on("data", (d) => {
        stderr += d
        if (stderr.includes("started test:run:")) resolve()
      })
    )
    await started
    child.kill("SIGINT")
    const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)))
    expect(code).toBe(130)
    expect(stdout).toContain("INTERRUPTED: partial results")
    const report = JSON.parse(readFileSync(json, "utf8"))
    expect(report.partial).toBe(true)
    expect(report.runs[0].status.unified).toBe("canceled")
    expect(report.runs[0].results.map((r: { verdict: string }) => r.verdict)).toEqual(["skipped", "skipped"])
  })
})

describe("simbridge against vendor emulators", () => {
  const vendors = Plugins.emulatorVendors

  it("exits 3 when a provider cannot be reached, and 2 when its credentials are missing", () => {
    const unreachable = spawnSync(process.execPath, [bin, "run", example, "--provider", "vapi"], {
      encoding: "utf8",
      env: { ...process.env, CI: "true", VAPI_API_KEY: "sk-test", VAPI_BASE_URL: "http://127.0.0.1:1" },
      timeout: 60_000
    })
    expect(unreachable.stdout + unreachable.stderr).toContain("connection refused")
    expect(unreachable.status).toBe(3)
    const env: NodeJS.ProcessEnv = { ...process.env, CI: "true" }
    delete env["VAPI_API_KEY"]
    const missing = spawnSync(process.execPath, [bin, "run", example, "--provider", "vapi"], { encoding: "utf8", env, timeout: 30_000 })
    expect(missing.status).toBe(2)
    expect(missing.stderr).toContain("vapi: VAPI_API_KEY is not set")
  })

  it.each(vendors)("%s: simbridge emulate in another process gives the same results as --emulate for the same seed", async (vendor) => {
    const { spawn } = await import("node:child_process")
    const server = spawn(process.execPath, [bin, "emulate", "--vendor", vendor, "--seed", "7", "--speed", "40"], { env: { ...process.env, CI: "true" } })
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = ""
        server.stdout.on("data", (d) => {
          out += d
          const m = /listening on (http:\/\/127\.0\.0\.1:\d+\S*)/.exec(out)
          if (m) resolve(m[1]!)
        })
        server.on("exit", (code) => reject(new Error(`emulator exited ${code}`)))
      })
      const prefix = vendor.toUpperCase()
      const external = join(dir, `${vendor}-external.json`)
      const inProcess = join(dir, `${vendor}-inprocess.json`)
      const a = spawnSync(process.execPath, [bin, "run", example, "--provider", vendor, "--json", external], {
        encoding: "utf8",
        env: { ...process.env, CI: "true", [`${prefix}_API_KEY`]: "sk-any", [`${prefix}_BASE_URL`]: url },
        timeout: 60_000
      })
      expect(a.stderr).not.toContain("failed during")
      const b = simbridge("run", example, "--provider", vendor, "--emulate", "--seed", "7", "--json", inProcess)
      expect([a.status, b.code]).toEqual([b.code, a.status])
      const verdicts = (file: string) => {
        const report = JSON.parse(readFileSync(file, "utf8"))
        return report.runs[0].results.map((r: any) => `${r.scenario}/${r.persona}/${r.iteration}:${r.verdict}:${r.evaluations.map((e: any) => `${e.evaluator}=${JSON.stringify(e.actual)}`).join(",")}`).sort()
      }
      expect(verdicts(external)).toEqual(verdicts(inProcess))
      expect(verdicts(external)).toHaveLength(2)
      // The runs were followed without verdicts; the report's counts are settled from the results.
      for (const file of [external, inProcess]) {
        const run = JSON.parse(readFileSync(file, "utf8")).runs[0]
        const tally = (v: string) => run.results.filter((r: any) => r.verdict === v).length
        expect(run.counts).toMatchObject({ total: 2, pending: 0, passed: tally("pass"), failed: tally("fail"), errored: tally("error"), skipped: tally("skipped") })
      }
    } finally {
      server.kill("SIGTERM")
    }
  }, 120_000)
})

describe("simbridge reports and compare", () => {
  it("writes JUnit, Markdown and HTML next to JSON, and compare exits 1 on regressions only", () => {
    const out = join(dir, "reports")
    const a = simbridge("run", example, "--provider", "test", "--emulate", "--json", join(out, "a.json"), "--junit", join(out, "junit.xml"), "--markdown", join(out, "summary.md"), "--html", join(out, "report.html"))
    expect(a.code).toBe(0)
    expect(readFileSync(join(out, "junit.xml"), "utf8")).toMatch(/<testsuite[^>]*name="test"[^>]*tests="2"/)
    expect(readFileSync(join(out, "summary.md"), "utf8")).toContain("| urgent-appointment | anxious-sarah | 1 | pass |")
    expect(readFileSync(join(out, "report.html"), "utf8")).toMatch(/^<!doctype html>/i)

    const many = join(dir, "many-compare.yaml")
    writeFileSync(many, readFileSync(example, "utf8").replace("iterations: 2", "iterations: 10"))
    expect(simbridge("run", many, "--provider", "test", "--emulate", "--seed", "3", "--json", join(out, "clean.json")).code).toBe(0)
    expect(simbridge("run", many, "--provider", "test", "--emulate", "--seed", "4", "--json", join(out, "broken.json")).code).toBe(1)
    const regressed = simbridge("compare", join(out, "clean.json"), join(out, "broken.json"))
    expect(regressed.code).toBe(1)
    expect(regressed.stdout).toContain("New failures:")
    const fixed = simbridge("compare", join(out, "broken.json"), join(out, "clean.json"))
    expect(fixed.code).toBe(0)
    const bad = simbridge("compare", join(out, "junit.xml"), join(out, "clean.json"))
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain("junit.xml: not JSON")
  })
})

describe("the README's demo", () => {
  it("passes every conversation on all four emulators with the seed the README and `pnpm demo` use", () => {
    const demo = JSON.parse(readFileSync(fileURLToPath(new URL("../../../package.json", import.meta.url)), "utf8")).scripts.demo as string
    const seed = /--seed (\d+)/.exec(demo)?.[1]
    expect(seed).toBeDefined()
    const r = simbridge("run", example, "--emulate", "--seed", seed!, "--no-ledger")
    expect(r.stdout).toContain("2 conversations on 4 providers")
    expect(r.stdout).not.toContain("FAIL")
    expect(r.code).toBe(0)
  })
})

describe("simbridge vendor sections", () => {
  it("an unknown vendor option and a bad target entry are usage errors naming the path, before anything is sent", () => {
    const suite = join(dir, "vendor-options.yaml")
    writeFileSync(suite, readFileSync(example, "utf8").replace("vendors:\n", "vendors:\n  vapi: { colour: blue }\n").replace("vapi: { assistantId: 7b0c2a9e-1d2f-4c1a-9e55-0a4f3f6b8d21 }", "vapi: { assistantId: 42 }"))
    const r = simbridge("run", suite, "--provider", "vapi", "--emulate")
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/vendor-options\.yaml:\d+:\d+ target\.vapi\.assistantId: /)
    expect(r.stderr).toMatch(/vendor-options\.yaml:\d+:\d+ vendors\.vapi\.colour: is not a known field/)
    expect(r.stderr).not.toContain("started")
  })
})

describe("simbridge usage errors", () => {
  it("an invalid override names the flag, in one line, exit 2", () => {
    const r = simbridge("run", example, "--provider", "test", "--emulate", "--iterations", "0")
    expect(r.code).toBe(2)
    expect(r.stderr.trim()).toBe("simbridge: --iterations: expected a positive integer, got 0")
  })

  it("emulate --port outside 0-65535 is a usage error in one line, not a stack trace", () => {
    const r = simbridge("emulate", "--vendor", "vapi", "--port", "99999")
    expect(r.code).toBe(2)
    expect(r.stderr.trim()).toBe("simbridge: --port: expected a port number from 0 to 65535 (0 picks a free one), got 99999")
  })

  it("emulate on a port in use says why it could not listen", async () => {
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    try {
      const port = (server.address() as { port: number }).port
      const r = simbridge("emulate", "--vendor", "vapi", "--port", String(port))
      expect(r.code).toBe(2)
      expect(r.stderr.trim()).toBe(`simbridge: could not listen on 127.0.0.1:${port}: EADDRINUSE: address already in use`)
    } finally {
      server.close()
    }
  })

  it("the help renders the repeatable --filter and --provider as optional", () => {
    const r = simbridge("run", "--help")
    expect(r.stdout).toContain("[--filter text...]")
    expect(r.stdout).toContain("[(-p, --provider text)...]")
  })
})

describe("simbridge resume", () => {
  it.live("reports the runs it marked failed (in-process emulator) and exits 1, once", () =>
    Effect.gen(function*() {
      const ledgerFile = join(dir, "resume-ledger.db")
      const decoded = SuiteFile.decode(example, readFileSync(example, "utf8"))
      if (Either.isLeft(decoded)) throw decoded.left
      // What a SIGKILLed `run --emulate` leaves behind: an intent, never finished.
      const runId = yield* Effect.gen(function*() {
        const ledger = yield* RunLedger.RunLedger
        const execution = yield* ledger.begin(new RunLedger.BeginExecution({
          plan: decoded.right.plan,
          providers: ["test"],
          settings: new RunLedger.Settings({ emulated: true })
        }))
        return (yield* ledger.intent(execution.id, "test", "sb-killed-1")).id
      }).pipe(Effect.provide(RunLedger.layerSqlite({ filename: ledgerFile })), Effect.scoped)
      const env: NodeJS.ProcessEnv = { ...process.env, CI: "true", SIMBRIDGE_LEDGER_PATH: ledgerFile }
      delete env["SIMBRIDGE_DATABASE_URL"]
      const resume = () => spawnSync(process.execPath, [bin, "resume"], { encoding: "utf8", env, timeout: 30_000 })
      const first = resume()
      expect(first.status).toBe(1)
      expect(first.stdout).toContain("1 run marked failed:")
      expect(first.stdout).toContain(`test ${runId}: not resumable (in-process emulator)`)
      expect(first.stdout).not.toContain("nothing to resume")
      const again = resume()
      expect(again.status).toBe(0)
      expect(again.stdout).toContain("nothing to resume")
      const shown = spawnSync(process.execPath, [bin, "show", runId], { encoding: "utf8", env, timeout: 30_000 })
      expect(shown.stdout).toContain("phase finished")
      expect(shown.stdout).toContain("Error during resume: Unsupported")
    }))
})
