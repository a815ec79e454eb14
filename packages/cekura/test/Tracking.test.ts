import { afterAll, describe, expect, it } from "@effect/vitest"
import { Plan, ProviderRef, Retry, type Run, SimulationProvider, Status, SuiteRunner } from "@simbridge/core"
import * as Tracking from "@simbridge/conformance/Tracking"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as CekuraClient from "../src/CekuraClient.js"
import * as CekuraEmulator from "@simbridge/emulators/CekuraEmulator"
import * as CekuraProvider from "../src/CekuraProvider.js"
import { dentalClinic } from "./fixtures/dentalClinic.js"
import { apiKey, httpLayer, seen } from "./support/setup.js"
import * as Contract from "./support/contract.js"

const dental = Schema.decodeUnknownSync(Plan.Plan)(dentalClinic)
const fastRetry = new Retry.RetryPolicy({ ...Retry.defaultPolicy, initialDelay: Duration.millis(10), maxDelay: Duration.millis(50), maxAttempts: 4 })
const watchOptions = { interval: "20 millis", maxInterval: "100 millis" } as const

/** An emulator, and a fresh driver over it each time `driver` is run (no shared cache). */
const setup = (speed: number, options: CekuraProvider.DriverOptions = {}) =>
  Effect.gen(function*() {
    const handle = yield* CekuraEmulator.start({ speed, apiKey, failureRate: 0.3, seed: 5 })
    const context = yield* Layer.build(CekuraClient.layer({ baseUrl: handle.url, apiKey: Redacted.make(apiKey) }).pipe(Layer.provide(httpLayer)))
    const driver = Effect.provide(CekuraProvider.make(options), context)
    const provider = SimulationProvider.make(yield* driver, { retry: fastRetry })
    return { handle, driver, provider }
  })

describe("CekuraProvider tracking (getRuns over the results list)", () => {
  afterAll(() => {
    expect(Contract.describe(Contract.check(seen).failures)).toBe("")
  })

  it.scopedLive("getRuns answers the same canonical runs as getRun whenever both read the same moment, through to the end", () =>
    Effect.gen(function*() {
      const { driver, provider } = yield* setup(10)
      const ids: Array<string> = []
      for (let i = 0; i < 4; i++) ids.push((yield* provider.startRun(dental)).ref.id)
      const result = yield* Tracking.compareWithGetRun(yield* driver, yield* driver, ids, { pause: Effect.sleep("15 millis"), maxSamples: 400 })
      expect(result.mismatch).toBeUndefined()
      // Which moments were sampled depends on timing (a loaded machine may see only the end).
      expect(result.samples).toBeGreaterThanOrEqual(1)
      expect(result.terminal).toBe(1)
    }))

  it.scopedLive("watching several runs reaches every terminal status, reading each result on its own only once", () =>
    Effect.gen(function*() {
      const n = 16
      const measure = (batched: boolean) =>
        Effect.gen(function*() {
          const { driver, handle } = yield* setup(5)
          const d = yield* driver
          const provider = SimulationProvider.make(batched ? d : Tracking.perRunPolling(d), { retry: fastRetry })
          const ids: Array<string> = []
          for (let i = 0; i < n; i++) ids.push((yield* provider.startRun(dental)).ref.id)
          handle.requests.reset()
          const watched = yield* Tracking.watchAll(provider, ids, watchOptions)
          return { watched, resultReads: handle.requests.count("GET /test_framework/v1/results/:id"), lists: handle.requests.count("GET /test_framework/v1/results/") - handle.requests.count("GET /test_framework/v1/results/:id") }
        })
      const perRun = yield* measure(false)
      const batched = yield* measure(true)
      expect(perRun.watched.map((s) => s[s.length - 1]!.counts)).toEqual(batched.watched.map((s) => s[s.length - 1]!.counts))
      for (const snapshots of [...perRun.watched, ...batched.watched]) {
        const last = snapshots[snapshots.length - 1]!
        expect(last.status.unified).toBe("completed")
        expect(last.counts.queued + last.counts.running).toBe(0)
      }
      // Batched, each result is read on its own once (its watch's first snapshot); every later
      // snapshot came from result lists. (How many requests that saves depends on timing: see the benchmark.)
      expect(batched.resultReads).toBeLessThanOrEqual(n)
      if (batched.watched.some((s) => s.length > 1)) expect(batched.lists).toBeGreaterThan(0)
      if (perRun.watched.some((s) => s.length > 1)) expect(perRun.resultReads).toBeGreaterThan(n)
    }))
})

// ---------------------------------------------------------------------------------------------
// without verdicts (`getRuns(ids, { verdicts: false })`)
// ---------------------------------------------------------------------------------------------

const bulkReads = "GET /test_framework/v1/runs/bulk/"
/** Six runs a result, in waves of `concurrency` (failureRate 0.3: some fail). */
const sixRuns = (concurrency: number) => Schema.decodeUnknownSync(Plan.Plan)({ ...dentalClinic, iterations: 6, concurrency })
const refOf = (id: string) => new ProviderRef.ProviderRef({ provider: "cekura", kind: "run", id })
const countsOf = (c: Run.RunCounts) => ({
  total: c.total,
  queued: c.queued,
  running: c.running,
  passed: c.passed,
  failed: c.failed,
  errored: c.errored,
  skipped: c.skipped,
  pending: c.pending
})
type Counts = NonNullable<typeof Run.Run.Encoded["counts"]>
const decided = (c: Counts) => c.passed + c.failed

/** Repeats `read` every 10 ms until `done` holds (at most `max` times); the last value read. */
const pollUntil = <A, E>(read: Effect.Effect<A, E>, done: (a: A) => boolean, max = 2000) =>
  Effect.gen(function*() {
    let last = yield* read
    for (let i = 0; i < max && !done(last); i++) {
      yield* Effect.sleep("10 millis")
      last = yield* read
    }
    return last
  })

/** The real clock, which can be stopped at a moment (an emulator on it then answers the same state). */
const stoppableClock = () => {
  const real = Clock.make()
  let stopped: number | undefined
  const millis = () => stopped ?? real.unsafeCurrentTimeMillis()
  const clock: Clock.Clock = {
    [Clock.ClockTypeId]: Clock.ClockTypeId,
    unsafeCurrentTimeMillis: millis,
    currentTimeMillis: Effect.sync(millis),
    unsafeCurrentTimeNanos: () => BigInt(millis()) * 1_000_000n,
    currentTimeNanos: Effect.sync(() => BigInt(millis()) * 1_000_000n),
    sleep: (duration) => real.sleep(duration)
  }
  return { clock, stop: () => void (stopped = real.unsafeCurrentTimeMillis()), resume: () => void (stopped = undefined) }
}

describe("CekuraProvider tracking without verdicts (getRuns' verdicts: false)", () => {
  afterAll(() => {
    expect(Contract.describe(Contract.check(seen).failures)).toBe("")
  })

  it.scopedLive("a watch without verdicts reads no runs/bulk/: completed runs end pending, failed ones errored; the results read settles them to getRun's", () =>
    Effect.gen(function*() {
      const { handle, provider } = yield* setup(10)
      const plan = sixRuns(3)
      const ids: Array<string> = []
      for (let i = 0; i < 3; i++) ids.push((yield* provider.startRun(plan)).ref.id)
      handle.requests.reset()
      const watched = yield* Tracking.watchAll(provider, ids, { ...watchOptions, verdicts: false })
      expect(handle.requests.count(bulkReads)).toBe(0)
      let pending = 0, errored = 0
      for (const [i, id] of ids.entries()) {
        const snapshots = watched[i]!
        // The first snapshot is a getRun (it reads the result, with verdicts); the end came from getRuns.
        expect(snapshots.length).toBeGreaterThan(1)
        for (const s of snapshots.slice(1)) expect(s.counts.passed + s.counts.failed).toBe(0)
        const terminal = snapshots[snapshots.length - 1]!
        expect(terminal.status.unified).toBe("completed")
        const results = Chunk.toReadonlyArray(yield* Stream.runCollect(provider.results(refOf(id))))
        expect(results).toHaveLength(6)
        const completed = results.filter((r) => r.status.unified === "completed").length
        const failed = results.filter((r) => r.status.unified === "failed").length
        expect(completed + failed).toBe(6)
        // No verdict was read (getRun does not remember the ones it reads): every completed run is
        // pending; a failed run's verdict is its status's (error), counted without its evaluation.
        expect(countsOf(terminal.counts)).toEqual({ total: 6, queued: 0, running: 0, passed: 0, failed: 0, errored: failed, skipped: 0, pending: completed })
        // What the suite runner reports equals a read with every verdict.
        const reference = yield* provider.getRun(refOf(id))
        expect(reference.counts.pending).toBe(0)
        expect(decided(reference.counts)).toBe(completed)
        expect(countsOf(SuiteRunner.settleVerdicts(terminal.counts, results))).toEqual(countsOf(reference.counts))
        expect(terminal.status).toEqual(reference.status)
        pending += terminal.counts.pending
        errored += terminal.counts.errored
      }
      // Both cases did happen.
      expect(pending).toBeGreaterThan(0)
      expect(errored).toBeGreaterThan(0)
    }))

  it.scopedLive("verdicts read by a call with verdicts are counted by later calls without, and nothing more is read", () =>
    Effect.gen(function*() {
      const { driver, handle, provider } = yield* setup(10)
      const id = (yield* provider.startRun(sixRuns(2))).ref.id
      const d = yield* driver
      // With verdicts until some completed run's verdict is known, before the result ends.
      const [midway] = yield* pollUntil(d.getRuns!([id]), (rs) => rs.length === 1 && (decided(rs[0]!.counts!) > 0 || Status.isTerminal(rs[0]!.status)))
      expect(Status.isTerminal(midway!.status)).toBe(false)
      const known = decided(midway!.counts!)
      expect(known).toBeGreaterThan(0)
      expect(known).toBeLessThan(6)
      const bulkBefore = handle.requests.count(bulkReads)
      expect(bulkBefore).toBeGreaterThan(0)
      const [terminal] = yield* pollUntil(d.getRuns!([id], { verdicts: false }), (rs) => rs.length === 1 && Status.isTerminal(rs[0]!.status))
      expect(handle.requests.count(bulkReads)).toBe(bulkBefore)
      const reference = yield* (yield* driver).getRun(id)
      const completed = decided(reference.counts!)
      expect(terminal!.counts).toEqual({ ...reference.counts, passed: midway!.counts!.passed, failed: midway!.counts!.failed, pending: completed - known })
      expect(completed - known).toBeGreaterThan(0)
      // A call with verdicts after the result ended (its state was forgotten) reads them again.
      expect(yield* d.getRuns!([id])).toEqual([reference])
      expect(handle.requests.count(bulkReads)).toBeGreaterThan(bulkBefore)
    }))

  it.scopedLive("a cancelled result read without verdicts by a fresh driver: no runs/bulk/, cancelled runs skipped, failed ones errored, completed ones pending; then with verdicts, getRun's", () =>
    Effect.gen(function*() {
      const { driver, handle, provider } = yield* setup(5)
      const id = (yield* provider.startRun(sixRuns(2))).ref.id
      const single = yield* driver
      // Cancelled once the first wave ended: the later runs are cancelled.
      yield* pollUntil(single.getRun(id), (r) => r.counts!.total - r.counts!.queued - r.counts!.running > 0)
      yield* provider.cancel(refOf(id))
      const reference = yield* pollUntil(single.getRun(id), (r) => Status.isTerminal(r.status))
      expect(reference.status.unified).toBe("canceled")
      expect(reference.counts!.skipped).toBeGreaterThan(0)
      expect(decided(reference.counts!)).toBeGreaterThan(0)
      const d = yield* driver
      handle.requests.reset()
      const [without] = yield* d.getRuns!([id], { verdicts: false })
      expect(handle.requests.count(bulkReads)).toBe(0)
      expect(without!.status).toEqual(reference.status)
      expect(without!.counts).toEqual({ ...reference.counts, passed: 0, failed: 0, pending: decided(reference.counts!) })
      // With verdicts, the same driver does not answer from that read: exactly getRun's run.
      expect(yield* d.getRuns!([id])).toEqual([reference])
      // Only the completed runs were read (failed and cancelled ones need no evaluation).
      expect(handle.requests.count(bulkReads)).toBe(1)
    }))

  it.scopedLive("a result built without verdicts is not the answer of a call with verdicts, even when its list item did not change", () =>
    Effect.gen(function*() {
      // The emulator's clock is stopped midway: its list items (updated_at included) stay the same.
      const time = stoppableClock()
      const handle = yield* CekuraEmulator.start({ speed: 10, apiKey, failureRate: 0.3, seed: 5 }).pipe(Effect.withClock(time.clock))
      const context = yield* Layer.build(CekuraClient.layer({ baseUrl: handle.url, apiKey: Redacted.make(apiKey) }).pipe(Layer.provide(httpLayer)))
      const driver = Effect.provide(CekuraProvider.make(), context)
      const provider = SimulationProvider.make(yield* driver, { retry: fastRetry })
      const id = (yield* provider.startRun(sixRuns(2))).ref.id
      const single = yield* driver
      yield* pollUntil(single.getRun(id), (r) => decided(r.counts!) > 0 || Status.isTerminal(r.status))
      time.stop()
      const reference = yield* single.getRun(id)
      expect(Status.isTerminal(reference.status)).toBe(false)
      const completed = decided(reference.counts!)
      expect(completed).toBeGreaterThan(0)
      const d = yield* driver
      handle.requests.reset()
      const [without] = yield* d.getRuns!([id], { verdicts: false })
      expect(handle.requests.count(bulkReads)).toBe(0)
      expect(without!.counts).toEqual({ ...reference.counts, passed: 0, failed: 0, pending: completed })
      // Same list item: the call with verdicts reads the verdicts all the same.
      expect(yield* d.getRuns!([id])).toEqual([reference])
      expect(handle.requests.count(bulkReads)).toBe(1)
      // Known now: a call without verdicts counts them, with no request for them.
      expect(yield* d.getRuns!([id], { verdicts: false })).toEqual([reference])
      expect(handle.requests.count(bulkReads)).toBe(1)
      time.resume()
    }))

  it.scopedLive("calls with and without verdicts on one driver: those with verdicts never count pending runs, and end as getRun's", () =>
    Effect.gen(function*() {
      const { driver, provider } = yield* setup(10)
      const plan = sixRuns(3)
      const ids: Array<string> = []
      for (let i = 0; i < 3; i++) ids.push((yield* provider.startRun(plan)).ref.id)
      // The call without verdicts first each time: it sees each change of the list first (the
      // end included, where it forgets the result), so the call with verdicts after it must not
      // answer from what it built.
      const both = yield* driver
      const single = yield* driver
      let pendingSeen = 0
      let withVerdicts: ReadonlyArray<typeof Run.Run.Encoded> = []
      for (let i = 0; i < 1000; i++) {
        const without = yield* both.getRuns!(ids, { verdicts: false })
        pendingSeen += without.filter((r) => (r.counts?.pending ?? 0) > 0).length
        withVerdicts = yield* both.getRuns!(ids)
        for (const r of withVerdicts) expect(r.counts?.pending ?? 0).toBe(0)
        if (withVerdicts.length === ids.length && withVerdicts.every((r) => Status.isTerminal(r.status))) break
        yield* Effect.sleep("5 millis")
      }
      expect(withVerdicts.every((r) => Status.isTerminal(r.status))).toBe(true)
      expect(withVerdicts).toEqual(yield* Effect.forEach(ids, (id) => single.getRun(id)))
      // The case above did happen: some answer without verdicts had pending runs.
      expect(pendingSeen).toBeGreaterThan(0)
    }))
})

// ---------------------------------------------------------------------------------------------
// memory bounds
// ---------------------------------------------------------------------------------------------

describe("CekuraProvider tracking memory", () => {
  afterAll(() => {
    expect(Contract.describe(Contract.check(seen).failures)).toBe("")
  })

  it.scopedLive("getRuns keeps at most maxTrackedRuns results and maxVerdicts verdicts, answers as getRun all the same, and forgets a result once terminal", () =>
    Effect.gen(function*() {
      const { driver, provider } = yield* setup(10, { maxTrackedRuns: 2, maxVerdicts: 3 })
      const ids: Array<string> = []
      for (let i = 0; i < 4; i++) ids.push((yield* provider.startRun(sixRuns(3))).ref.id)
      const d = yield* driver
      const sizes: Array<CekuraProvider.MemorySizes> = []
      const last = yield* pollUntil(
        Effect.tap(d.getRuns!(ids), () => sizes.push(d.memory())),
        (rs) => rs.length === ids.length && rs.every((r) => Status.isTerminal(r.status))
      )
      for (const size of sizes) {
        expect(size.trackedRuns).toBeLessThanOrEqual(2)
        expect(size.agentOfResult).toBeLessThanOrEqual(2)
        expect(size.verdicts).toBeLessThanOrEqual(3)
      }
      // The first poll saw four results still running: the bound was reached.
      expect(sizes[0]!.trackedRuns).toBe(2)
      const fresh = yield* driver
      expect(last).toEqual(yield* Effect.forEach(ids, (id) => fresh.getRun(id)))
      const after = d.memory()
      expect([after.trackedRuns, after.verdicts, after.agentOfResult]).toEqual([0, 0, 0])
    }))
})
