import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { describe, expect, it } from "@effect/vitest"
import { Plan, ProviderRef, type Result, Retry, type Run, SimulationProvider, Status, SuiteRunner } from "@simbridge/core"
import * as Tracking from "@simbridge/conformance/Tracking"
import * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { RoarkClient, RoarkProvider } from "../src/index.js"
import * as RoarkEmulator from "@simbridge/emulators/RoarkEmulator"
import { fixture, pollUntil } from "./helpers.js"

const fastRetry = new Retry.RetryPolicy({ ...Retry.defaultPolicy, initialDelay: Duration.millis(10), maxDelay: Duration.millis(50), maxAttempts: 4 })
const watchOptions = { interval: "20 millis", maxInterval: "100 millis" } as const
const dental = () => Schema.decodeUnknownSync(Plan.Plan)(fixture("dental-clinic.json"))

/** An emulator, and a fresh driver over it each time `driver` is run (no shared cache). */
const setup = (speed: number, options?: RoarkProvider.DriverOptions) =>
  Effect.gen(function*() {
    const handle = yield* RoarkEmulator.start({ speed, seed: 4 })
    const context = yield* Layer.build(RoarkClient.layer({ baseUrl: handle.url, apiKey: Redacted.make("k") }))
    const driver = Effect.provide(RoarkProvider.make(options), context)
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

  it.scopedLive("followed from the runs startRun returned, a job's detail is read only on a listed status change; the ends are getRun's", () =>
    Effect.gen(function*() {
      const { driver, handle, provider } = yield* setup(4)
      const plan = dental()
      const started: Array<Run.Run> = []
      for (let i = 0; i < 6; i++) started.push(yield* provider.startRun(plan))
      handle.requests.reset()
      const snapshots = started.map(() => [] as Array<Run.Run>)
      const outcomes = yield* provider.followAll(started, (run) => Effect.sync(() => void snapshots[started.findIndex((s) => s.ref.id === run.ref.id)]!.push(run)), { ...watchOptions, verdicts: false })
      // No first read: the start's snapshot is remembered; each job's detail is read once per
      // listed status change after it (the terminal one included), never more.
      const statusChanges = snapshots.reduce((k, s, i) => k + new Set([started[i]!.status.raw, ...s.map((r) => r.status.raw)]).size - 1, 0)
      expect(handle.requests.count("GET /v1/simulation/plan/job/")).toBeLessThanOrEqual(statusChanges)
      expect(handle.requests.count("GET /v1/simulation/plan/jobs")).toBeGreaterThan(0)
      const single = yield* driver
      for (const [i, outcome] of outcomes.entries()) {
        expect(outcome._tag).toBe("Right")
        const last = (outcome as { readonly right: Run.Run }).right
        expect(last.status.unified).toBe("completed")
        const reference = yield* single.getRun(started[i]!.ref.id)
        expect(last.status).toMatchObject(reference.status)
        expect(last.counts.total).toBe(reference.counts!.total)
      }
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
        expect(d.memory()).toEqual({ cache: { active: 0, settled: 0, entries: 0 }, tracked: 0, contexts: 1, attempts: 0, reconciling: 0, scenarioIds: 1, pages: 0 })
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

/**
 * The dental suite with a second persona whose calls fail (the emulator's `emulatorOutcome`), 3
 * iterations and 2 calls at a time: 3 completed calls (verdict from their metrics) and 3 failed
 * ones (verdict from their status alone), finishing in waves.
 */
const mixed = () => {
  const base = fixture("dental-clinic.json") as { personas: ReadonlyArray<unknown> }
  return Schema.decodeUnknownSync(Plan.Plan)({
    ...base,
    iterations: 3,
    concurrency: 2,
    personas: [...base.personas, { id: "dropped-dan", name: "Dan", properties: { emulatorOutcome: "FAILED" } }]
  })
}

const decided = (c: Run.RunCounts) => c.passed + c.failed + c.errored + c.skipped

describe("RoarkProvider tracking without verdicts (getRuns' verdicts: false)", () => {
  it.scopedLive("a watch without verdicts reads no metrics: completed calls are pending, failed ones keep their verdict; the results read gives them all", () =>
    Effect.gen(function*() {
      const { driver, handle } = yield* setup(10)
      const d = yield* driver
      const provider = SimulationProvider.make(d, { retry: fastRetry })
      const plan = mixed()
      const ids: Array<string> = []
      for (let i = 0; i < 3; i++) ids.push((yield* provider.startRun(plan)).ref.id)
      handle.requests.reset()
      const watched = yield* Tracking.watchAll(provider, ids, { ...watchOptions, verdicts: false })
      // (a) No metrics while tracking (the first snapshot, getRun, saw nothing finished yet).
      expect(watched.map((s) => s[0]!.counts.finished)).toEqual([0, 0, 0])
      expect(handle.requests.count(metricReads)).toBe(0)
      const terminals = watched.map((s) => s[s.length - 1]!)
      for (const t of terminals) {
        expect(t.status.unified).toBe("completed")
        // 3 completed calls (pending), 3 failed ones (errored: their verdict needs no metrics).
        expect(t.counts).toMatchObject({ total: 6, queued: 0, running: 0, passed: 0, failed: 0, errored: 3, skipped: 0, pending: 3 })
      }
      // Snapshots on the way never split completed calls either.
      for (const s of watched) for (const r of s) expect(r.counts.passed + r.counts.failed).toBe(0)
      // (b) The results read reads each completed call's metrics once, and settles the pending counts
      // to what getRun (with verdicts) says of the finished run.
      const read: Array<ReadonlyArray<Result.Result>> = []
      for (const t of terminals) {
        const before = handle.requests.count(metricReads)
        const results = Chunk.toReadonlyArray(yield* Stream.runCollect(provider.results(t.ref)))
        expect(handle.requests.count(metricReads) - before).toBe(3)
        expect(results.filter((r) => r.verdict === "pass" || r.verdict === "fail")).toHaveLength(3)
        expect(results.filter((r) => r.verdict === "error")).toHaveLength(3)
        read.push(results)
      }
      // Nothing kept once the results were read to the end.
      expect(d.memory().cache).toEqual({ active: 0, settled: 0, entries: 0 })
      for (const [i, id] of ids.entries()) {
        const reference = yield* provider.getRun(new ProviderRef.ProviderRef({ provider: provider.name, kind: "run", id }))
        expect(reference.counts.pending).toBe(0)
        expect(decided(reference.counts)).toBe(6)
        expect(SuiteRunner.settleVerdicts(terminals[i]!.counts, read[i]!)).toEqual(reference.counts)
      }
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("verdicts already read (by a getRun) are counted, not pending, and not read again", () =>
    Effect.gen(function*() {
      const { driver, handle } = yield* setup(6)
      const d = yield* driver
      const plan = mixed()
      const provisioning = yield* SimulationProvider.make(d, { retry: fastRetry }).provision(plan)
      const id = (yield* d.startRun({ plan, provisioning, marker: "m-cached" })).ref.id
      // A getRun (with verdicts) once some calls completed, before the run ends.
      const { last: midway } = yield* pollUntil(
        d.getRun(id),
        (r) => r.counts!.passed + r.counts!.failed > 0 || Status.isTerminal(r.status),
        (r) => JSON.stringify(r.counts),
        10,
        1000
      )
      expect(Status.isTerminal(midway.status)).toBe(false)
      const known = midway.counts!.passed + midway.counts!.failed
      expect(known).toBeGreaterThan(0)
      expect(known).toBeLessThan(3)
      const metricsBefore = handle.requests.count(metricReads)
      expect(metricsBefore).toBe(known)
      const { last } = yield* pollUntil(d.getRuns!([id], { verdicts: false }), (rs) => rs.length === 1 && Status.isTerminal(rs[0]!.status), (rs) => JSON.stringify(rs), 10, 1000)
      const terminal = last[0]!
      expect(handle.requests.count(metricReads)).toBe(metricsBefore)
      expect(terminal.counts!.passed + terminal.counts!.failed).toBe(known)
      expect(terminal.counts!.pending).toBe(3 - known)
      expect(terminal.counts!.errored).toBe(3)
      // The results read reads only the calls not read before.
      const results = yield* allResults(d, id)
      expect(handle.requests.count(metricReads)).toBe(3)
      expect(results).toHaveLength(6)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("getRuns with verdicts answers as getRun does, also when the same runs are followed without verdicts", () =>
    Effect.gen(function*() {
      const { driver, provider } = yield* setup(4)
      const plan = mixed()
      // Both modes on one driver, the one without verdicts first each time (it reads each status
      // change first, ENDING_SIMULATIONS included, where every call is done): the answers with
      // verdicts never have pending conversations, and end as getRun's.
      const more: Array<string> = []
      for (let i = 0; i < 3; i++) more.push((yield* provider.startRun(plan)).ref.id)
      const both = yield* driver
      const single = yield* driver
      let pendingSeen = 0
      let withVerdicts: ReadonlyArray<typeof Run.Run.Encoded> = []
      for (let i = 0; i < 1000; i++) {
        const without = yield* both.getRuns!(more, { verdicts: false })
        pendingSeen += without.filter((r) => (r.counts?.pending ?? 0) > 0).length
        withVerdicts = yield* both.getRuns!(more)
        for (const r of withVerdicts) expect(r.counts?.pending ?? 0).toBe(0)
        if (withVerdicts.length === more.length && withVerdicts.every((r) => Status.isTerminal(r.status))) break
        yield* Effect.sleep("5 millis")
      }
      expect(withVerdicts.every((r) => Status.isTerminal(r.status))).toBe(true)
      expect(withVerdicts).toEqual(yield* Effect.forEach(more, (id) => single.getRun(id)))
      // The case above did happen: some answer without verdicts had pending conversations.
      expect(pendingSeen).toBeGreaterThan(0)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("watch without verdicts then results costs no more requests than watch with verdicts then results", () =>
    Effect.gen(function*() {
      const measure = (verdicts: boolean) =>
        Effect.gen(function*() {
          const { driver, handle } = yield* setup(10)
          const provider = SimulationProvider.make(yield* driver, { retry: fastRetry })
          const plan = mixed()
          const ids: Array<string> = []
          for (let i = 0; i < 4; i++) ids.push((yield* provider.startRun(plan)).ref.id)
          handle.requests.reset()
          const watched = yield* Tracking.watchAll(provider, ids, { ...watchOptions, verdicts })
          const watchMetrics = handle.requests.count(metricReads)
          for (const s of watched) yield* Stream.runDrain(provider.results(s[s.length - 1]!.ref))
          // Everything but the job list and job details (how often those are read depends on timing).
          const perCall = ["GET /v1/call/:id/metrics", "GET /v1/call/:id/transcript", "GET /v1/call/:id"]
          return { watchMetrics, perCall: Object.fromEntries(perCall.map((r) => [r, handle.requests.byRoute.get(r) ?? 0])) }
        })
      const withVerdicts = yield* measure(true)
      const withoutVerdicts = yield* measure(false)
      expect(withVerdicts.watchMetrics).toBe(4 * 3)
      expect(withoutVerdicts.watchMetrics).toBe(0)
      expect(withoutVerdicts.perCall).toEqual(withVerdicts.perCall)
      expect(withoutVerdicts.perCall["GET /v1/call/:id/metrics"]).toBe(4 * 3)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))
})
