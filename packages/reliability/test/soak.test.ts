/**
 * Soak: many suite runs on all four in-process emulators with ~20% of responses faulted (429 with
 * Retry-After, 500/502/503, latency spikes, cut connections, responses lost after a create was acted
 * on, garbled bodies), through the real providers and the one retry loop. Asserts from the
 * emulators' own records, not from what simbridge believes:
 *
 * - every run reaches a terminal status with every result collected (count = slots), no error;
 * - each vendor holds exactly one run per marker (per marker and simulation for Interactly);
 * - no defect escapes (no `Die` in any run's cause or any span's exit).
 *
 * `pnpm --filter @simbridge/reliability soak -- --long` (or `SIMBRIDGE_SOAK_LONG=1`) scales it up for local use.
 */
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { SuiteFile } from "@simbridge/cli"
import { Plan, Retry, SimulationProvider, SuiteRunner } from "@simbridge/core"
import { isTerminal } from "@simbridge/core/Status"
import type { SuiteReport } from "@simbridge/core/SuiteReport"
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import type { Emulator } from "@simbridge/emulator"
import { emptyCounts, type FaultCounts, instrument, totalFaults } from "./support/faults.js"
import { Recorder } from "./support/recorder.js"
import { duplicates, provider, table, type VendorName, vendorNames, vendors } from "./support/vendors.js"

const long = process.env["SIMBRIDGE_SOAK_LONG"] === "1"
/** Suite runs (each one run per vendor). */
const rounds = long ? 150 : 12
const concurrency = long ? 24 : 6
const speed = 40

const examplePath = fileURLToPath(new URL("../../../examples/dental-clinic.yaml", import.meta.url))
const decoded = SuiteFile.decode(examplePath, readFileSync(examplePath, "utf8").replace("iterations: 2", "iterations: 3"))
if (Either.isLeft(decoded)) throw new Error(decoded.left.message)
const plan = decoded.right.plan
const slots = Plan.slots(plan).length

/** Realistic shape, short delays: 8 attempts, 25 ms doubling to 1 s, 60 s in all. */
export const soakPolicy = new Retry.RetryPolicy({
  maxAttempts: 8,
  maxElapsed: Duration.seconds(60),
  initialDelay: Duration.millis(25),
  maxDelay: Duration.seconds(1),
  factor: 2,
  jitter: 0.2
})

/**
 * ~20% of responses, as drawn in order by the emulator kit (429, 5xx, cut, garbled, lost
 * response), plus 3% latency spikes of 300 ms added by the test. Garbled bodies are soaked
 * separately below.
 */
const faultSpec = {
  rateLimit: 0.06,
  retryAfterSeconds: 1,
  serverError: 0.05,
  cut: 0.04,
  // Only non-GET requests (creates, cancels) draw this one, so a high share keeps the total near 20%.
  lostResponse: 0.3,
  malformed: 0,
  garbled: 0
}
const spikeShare = 0.03

const apiKey = "sk-soak-test"

interface VendorFigures {
  runs: number
  terminal: number
  results: number
  expected: number
  errors: Array<string>
  requests: number
  faults: FaultCounts
  vendorRuns: number
  duplicates: number
}

interface SoakOptions {
  readonly title: string
  readonly rounds: number
  readonly concurrency: number
  readonly faults: typeof faultSpec
  readonly spikeShare: number
}

/** Runs the soak and returns per-vendor figures and the defects seen; prints the figures table. */
const soak = (options: SoakOptions) => {
  const recorder = new Recorder()
  const { rounds, concurrency } = options
  return Effect.gen(function*() {
      const started = Date.now()
      const setup: Array<{ name: VendorName; vendor: (typeof vendors)[VendorName]; handle: Emulator.Handle; counts: FaultCounts; service: SimulationProvider.Service }> = []
      for (const name of vendorNames) {
        const vendor = vendors[name]
        const handle = yield* vendor.emulator.start({ seed: 11, speed })
        const service = yield* provider(vendor, handle.url, apiKey, { retry: soakPolicy })
        setup.push({ name, vendor, handle, counts: emptyCounts(), service })
      }
      const services = setup.map((s) => s.service)

      // Provision once without faults, as a first `simbridge run` would.
      yield* Effect.forEach(services, (s) => s.provision(plan), { concurrency: "unbounded" })

      // Faults on, through the control route.
      for (const s of setup) {
        const control = `http://127.0.0.1:${s.handle.port}/__simbridge/faults`
        const res = yield* Effect.promise(() => fetch(control, { method: "PUT", body: JSON.stringify(options.faults), headers: { "content-type": "application/json" } }))
        expect(res.status).toBe(200)
        s.counts = instrument(s.handle, { spikeShare: options.spikeShare, spikeMs: 300, seed: 5 })
        s.handle.requests.reset()
      }

      const markers = new Map<VendorName, Set<string>>(vendorNames.map((n) => [n, new Set()]))
      const exits = yield* Effect.forEach(
        Array.from({ length: rounds }, (_, i) => i),
        () =>
          SuiteRunner.run(plan, services, {
            emulated: true,
            watch: { interval: "100 millis", maxInterval: "400 millis" },
            marker: (name) => Effect.tap(SimulationProvider.newMarker, (m) => Effect.sync(() => markers.get(name as VendorName)!.add(m)))
          }).pipe(Effect.exit),
        { concurrency }
      )

      // Faults off to read the vendors' own records.
      for (const s of setup) s.handle.faults.clear()
      const figures = new Map<VendorName, VendorFigures>()
      for (const s of setup) {
        const f: VendorFigures = {
          runs: 0,
          terminal: 0,
          results: 0,
          expected: 0,
          errors: [],
          requests: (yield* Effect.promise(() => fetch(`http://127.0.0.1:${s.handle.port}/__simbridge/requests`).then((r) => r.json() as Promise<{ total: number }>))).total,
          faults: s.counts,
          vendorRuns: 0,
          duplicates: 0
        }
        const recorded = yield* s.vendor.listRuns(s.handle.url, apiKey)
        const ours = recorded.filter((r) => r.marker !== undefined && markers.get(s.name)!.has(r.marker))
        f.vendorRuns = new Set(ours.map((r) => r.marker)).size
        f.duplicates = duplicates(ours).reduce((n, d) => n + d.ids.length - 1, 0)
        figures.set(s.name, f)
      }

      const defects: Array<string> = []
      for (const exit of exits) {
        if (Exit.isFailure(exit)) {
          defects.push(Cause.pretty(exit.cause))
          continue
        }
        const report: SuiteReport = exit.value
        for (const run of report.runs) {
          const f = figures.get(run.provider as VendorName)!
          f.runs++
          if (isTerminal(run.status)) f.terminal++
          f.results += run.results.length
          f.expected += slots
          if (run.error) f.errors.push(`${run.error.step}: ${run.error.message}`)
        }
      }
      // The in-process emulators share the tracer: their server spans (`http.server ...`) die when a
      // cut fault writes to the socket behind the platform's back; that is the emulator, not simbridge.
      for (const s of recorder.defects.filter((s) => !s.name.startsWith("http.server"))) defects.push(`${s.name}: ${s.exit ? Cause.pretty((s.exit as Exit.Failure<unknown, unknown>).cause) : ""}`)

      const rows: Array<Array<string | number>> = [["vendor", "runs", "terminal", "results", "lost results", "requests", "faults", "429", "500", "502", "503", "spike", "cut", "lost-resp", "garbled", "vendor runs", "duplicates", "errors"]]
      const sum = { runs: 0, terminal: 0, results: 0, lost: 0, requests: 0, faults: emptyCounts(), vendorRuns: 0, duplicates: 0, errors: 0 }
      for (const [name, f] of figures) {
        const c = f.faults
        rows.push([name, f.runs, f.terminal, f.results, f.expected - f.results, f.requests, totalFaults(c), c.rateLimit, c.serverError500, c.serverError502, c.serverError503, c.latencySpike, c.cut, c.lostResponse, c.garbled, f.vendorRuns, f.duplicates, f.errors.length])
        sum.runs += f.runs
        sum.terminal += f.terminal
        sum.results += f.results
        sum.lost += f.expected - f.results
        sum.requests += f.requests
        sum.vendorRuns += f.vendorRuns
        sum.duplicates += f.duplicates
        sum.errors += f.errors.length
        for (const k of Object.keys(c) as Array<keyof FaultCounts>) sum.faults[k] += c[k]
      }
      const t = sum.faults
      rows.push(["all", sum.runs, sum.terminal, sum.results, sum.lost, sum.requests, totalFaults(t), t.rateLimit, t.serverError500, t.serverError502, t.serverError503, t.latencySpike, t.cut, t.lostResponse, t.garbled, sum.vendorRuns, sum.duplicates, sum.errors])
      console.log(
        `\n${options.title}${long ? " (long)" : ""}: ${rounds} suite runs x ${vendorNames.length} vendors, ${slots} slots each, concurrency ${concurrency}, emulator speed ${speed}, ` +
          `${((Date.now() - started) / 1000).toFixed(1)} s\n` +
          `${table(rows)}\n` +
          `faulted share of vendor requests: ${(100 * totalFaults(t) / Math.max(1, sum.requests)).toFixed(1)}%; ` +
          `retries (sum of the retry loop's simbridge.retry span annotations): ${recorder.retries}; defects: ${defects.length}\n` +
          [...figures].flatMap(([n, f]) => f.errors.slice(0, 5).map((e) => `  ${n} error: ${e}`)).join("\n")
      )

      return { figures, defects }
  }).pipe(Effect.scoped, Effect.provide(recorder.layer))
}

/** Every run done with every result, exactly one vendor run per marker, no defect. */
const expectClean = (result: Effect.Effect.Success<ReturnType<typeof soak>>, rounds: number) => {
  const { figures, defects } = result
  expect(defects).toEqual([])
  for (const [name, f] of figures) {
    expect({ name, errors: f.errors }).toEqual({ name, errors: [] })
    expect({ name, runs: f.runs }).toEqual({ name, runs: rounds })
    expect({ name, terminal: f.terminal }).toEqual({ name, terminal: rounds })
    expect({ name, lost: f.expected - f.results }).toEqual({ name, lost: 0 })
    expect({ name, duplicates: f.duplicates }).toEqual({ name, duplicates: 0 })
    expect({ name, vendorRuns: f.vendorRuns }).toEqual({ name, vendorRuns: rounds })
    expect({ name, faults: totalFaults(f.faults) > 0 }).toEqual({ name, faults: true })
  }
}

describe("soak", () => {
  it.live(`${rounds * vendorNames.length} runs on four emulators with ~20% faulted responses (429, 500/502/503, spikes, cuts, lost responses): all terminal, all results, no duplicates, no defects`, () =>
    Effect.map(soak({ title: "soak", rounds, concurrency, faults: faultSpec, spikeShare }), (r) => {
      expectClean(r, rounds)
      // Every kind of server error was served somewhere.
      const all = [...r.figures.values()].map((f) => f.faults)
      for (const status of ["serverError500", "serverError502", "serverError503"] as const) {
        expect({ status, served: all.reduce((n, c) => n + c[status], 0) > 0 }).toEqual({ status, served: true })
      }
    }), long ? 1_800_000 : 120_000)

  // A body that is not JSON (cut or garbled in transit) is a retryable Transport error, with the
  // outcome unknown on creates (reconciled by marker). A body of the wrong shape (the emulator's
  // `malformed` fault: a vendor whose API changed) is a MalformedResponse and is not retried.
  it.live("with 5% garbled bodies on top, every run still completes with all results", () =>
    Effect.map(
      soak({ title: "soak with garbled bodies", rounds: 4, concurrency: 4, faults: { ...faultSpec, serverError: 0.03, lostResponse: 0.04, garbled: 0.05 }, spikeShare: 0 }),
      (r) => expectClean(r, 4)
    ), 120_000)
})
