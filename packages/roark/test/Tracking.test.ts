import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { describe, expect, it } from "@effect/vitest"
import { Plan, Retry, type Run, SimulationProvider, Status } from "@simbridge/core"
import * as Tracking from "@simbridge/conformance/Tracking"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { RoarkClient, RoarkEmulator, RoarkProvider } from "../src/index.js"
import { fixture } from "./helpers.js"

const fastRetry = new Retry.RetryPolicy({ ...Retry.defaultPolicy, initialDelay: Duration.millis(10), maxDelay: Duration.millis(50), maxAttempts: 4 })
const watchOptions = { interval: "20 millis", maxInterval: "100 millis" } as const
const dental = () => Schema.decodeUnknownSync(Plan.Plan)(fixture("dental-clinic.json"))

/** An emulator, and a fresh driver over it each time `driver` is run (no shared cache). */
const setup = (speed: number, options?: RoarkProvider.MakeOptions) =>
  Effect.gen(function*() {
    const handle = yield* RoarkEmulator.start({ speed, seed: 4 })
    const context = yield* Layer.build(RoarkClient.layer({ baseUrl: handle.url, apiKey: Redacted.make("k") }))
    const driver = Effect.provide(RoarkProvider.makeWith(options), context)
    const provider = SimulationProvider.make(yield* driver, { retry: fastRetry })
    return { handle, driver, provider }
  })

/** Every page of a run's results from a driver (encoded, without raw). */
const allResults = (driver: SimulationProvider.Driver, id: string) =>
  Effect.gen(function*() {
    const out: Array<unknown> = []
    let cursor: string | undefined
    do {
      const page = yield* driver.listResults(id, cursor, { raw: false })
      out.push(...page.results)
      cursor = page.cursor
    } while (cursor !== undefined)
    return out
  })

const metricReads = "GET /v1/call/:id/metrics"

describe("RoarkProvider tracking (getRuns over the plan's job list)", () => {
  it.scopedLive("getRuns follows every status change of getRun, and answers the same runs once they ended", () =>
    Effect.gen(function*() {
      const { driver, provider } = yield* setup(2)
      const plan = dental()
      const ids: Array<string> = []
      for (let i = 0; i < 3; i++) ids.push((yield* provider.startRun(plan)).ref.id)
      const tracked = yield* driver
      const single = yield* driver
      const seen = new Set<string>()
      for (let i = 0; i < 400; i++) {
        const before = yield* tracked.getRuns!(ids)
        const one = yield* Effect.forEach(ids, (id) => single.getRun(id))
        const after = yield* tracked.getRuns!(ids)
        if (JSON.stringify(before) === JSON.stringify(after)) {
          // Between status changes counts may lag behind getRun; the status never does.
          expect(before.map((r) => r.status)).toEqual(one.map((r) => r.status))
          for (const r of one) seen.add(r.status.unified)
        }
        if (one.every((r) => Status.isTerminal(r.status)) && after.length === ids.length) {
          expect(after).toEqual(one)
          for (const r of one) seen.add(r.status.unified)
          break
        }
        yield* Effect.sleep("10 millis")
      }
      expect([...seen]).toEqual(expect.arrayContaining(["running", "completed"]))
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("watching several runs reaches every terminal status, reading job details only on a listed status change", () =>
    Effect.gen(function*() {
      const n = 8
      const measure = (batched: boolean) =>
        Effect.gen(function*() {
          const { driver, handle } = yield* setup(4)
          const d = yield* driver
          const provider = SimulationProvider.make(batched ? d : Tracking.perRunPolling(d), { retry: fastRetry })
          const plan = dental()
          const ids: Array<string> = []
          for (let i = 0; i < n; i++) ids.push((yield* provider.startRun(plan)).ref.id)
          handle.requests.reset()
          const watched = yield* Tracking.watchAll(provider, ids, watchOptions)
          return { watched, jobReads: handle.requests.count("GET /v1/simulation/plan/job/"), lists: handle.requests.count("GET /v1/simulation/plan/jobs"), total: handle.requests.total }
        })
      const perRun = yield* measure(false)
      const batched = yield* measure(true)
      expect(batched.watched.map((s) => s[s.length - 1]!.counts)).toEqual(perRun.watched.map((s) => s[s.length - 1]!.counts))
      for (const snapshots of [...perRun.watched, ...batched.watched]) expect(snapshots[snapshots.length - 1]!.status.unified).toBe("completed")
      // Batched, a job's detail is read for its watch's first snapshot and then only when the job
      // list shows its status changed (queued -> running -> completed at most); every poll in
      // between is one list. (How many requests that saves depends on timing: see the benchmark.)
      const statusChanges = batched.watched.reduce((k, s) => k + new Set(s.map((r) => r.status.raw)).size, 0)
      expect(batched.jobReads).toBeLessThanOrEqual(n + statusChanges)
      if (batched.watched.some((s) => s.length > 1)) expect(batched.lists).toBeGreaterThan(0)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("the terminal snapshot's metrics serve the results read, then are dropped; caches stay bounded and results exact", () =>
    Effect.gen(function*() {
      const plan = dental()
      // Default bounds: the results read right after the watch reads no metrics again.
      {
        const { driver, handle } = yield* setup(50)
        const d = yield* driver
        const provider = SimulationProvider.make(d, { retry: fastRetry })
        const id = (yield* provider.startRun(plan)).ref.id
        const [snapshots] = yield* Tracking.watchAll(provider, [id], watchOptions)
        const last = snapshots![snapshots!.length - 1]!
        expect(last.status.unified).toBe("completed")
        expect(last.counts.passed + last.counts.failed).toBe(last.counts.total)
        const withMetrics = handle.requests.count(metricReads)
        expect(withMetrics).toBe(last.counts.total) // each finished call's metrics once
        expect(d.memory().cache.settled).toBe(1)
        const results = (yield* allResults(d, id)) as ReadonlyArray<typeof import("@simbridge/core").Result.Result.Encoded>
        expect(handle.requests.count(metricReads)).toBe(withMetrics)
        expect(results.filter((r) => r.verdict === "pass").length).toBe(last.counts.passed)
        expect(results.filter((r) => r.verdict === "fail").length).toBe(last.counts.failed)
        expect(d.memory()).toEqual({ cache: { active: 0, settled: 0, entries: 0 }, tracked: 0, contexts: 1, attempts: 0 })
      }
      // At most 2 terminal runs kept: watching 5 leaves 2; the others' results are read again from
      // the vendor, and every run's results equal those of a driver that never evicted anything.
      const { driver, handle } = yield* setup(50, { maxSettledRuns: 2 })
      const d = yield* driver
      const provider = SimulationProvider.make(d, { retry: fastRetry })
      const provisioning = yield* provider.provision(plan)
      const started: Array<Run.Run> = []
      for (let i = 0; i < 5; i++) started.push(yield* provider.startRun(plan, { provisioning }))
      const ids = started.map((r) => r.ref.id)
      const watched = yield* Tracking.watchAll(provider, ids, watchOptions)
      for (const s of watched) expect(s[s.length - 1]!.status.unified).toBe("completed")
      expect(d.memory()).toMatchObject({ cache: { active: 0, settled: 2 }, tracked: 0, attempts: 0 })
      handle.requests.reset()
      const read: Array<ReadonlyArray<unknown>> = []
      for (const id of ids) read.push(yield* allResults(d, id))
      // 3 runs at least were evicted (2 calls each): their metrics are read again.
      expect(handle.requests.count(metricReads)).toBeGreaterThanOrEqual(3 * 2)
      expect(handle.requests.count(metricReads)).toBeLessThanOrEqual(5 * 2)
      expect(d.memory().cache).toEqual({ active: 0, settled: 0, entries: 0 })
      // The reference: a fresh driver that adopts each run by its marker (no eviction, no cache).
      const reference = yield* driver
      for (const [i, run] of started.entries()) {
        yield* reference.findRun!({ plan, provisioning, marker: run.marker! })
        expect(read[i]).toEqual(yield* allResults(reference, run.ref.id))
      }
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("getRuns remembers at most maxTrackedRuns runs and still answers every run asked for", () =>
    Effect.gen(function*() {
      const { driver, provider } = yield* setup(0.5, { maxTrackedRuns: 2 })
      const d = yield* driver
      const plan = dental()
      const provisioning = yield* provider.provision(plan)
      const ids: Array<string> = []
      for (let i = 0; i < 4; i++) ids.push((yield* d.startRun({ plan, provisioning, marker: `m-${i}` })).ref.id)
      for (const id of ids) yield* d.getRun(id)
      expect(d.memory().tracked).toBe(2)
      const runs = yield* d.getRuns!(ids)
      expect(runs.map((r) => r.ref.id)).toEqual(ids)
      expect(d.memory().tracked).toBeLessThanOrEqual(2)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))
})
