import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { describe, expect, it } from "@effect/vitest"
import { Retry, SimulationProvider } from "@simbridge/core"
import * as Tracking from "@simbridge/conformance/Tracking"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { VapiClient, VapiProvider, VapiWire } from "@simbridge/vapi"
import * as VapiEmulator from "@simbridge/emulators/VapiEmulator"
import { toRun } from "../src/internal/results.js"
import * as Tracker from "../src/internal/tracking.js"
import { dentalPlan } from "./fixtures.js"

const fastRetry = new Retry.RetryPolicy({ ...Retry.defaultPolicy, initialDelay: Duration.millis(10), maxDelay: Duration.millis(50), maxAttempts: 4 })
const watchOptions = { interval: "20 millis", maxInterval: "100 millis" } as const

/** An emulator, and a fresh driver over it each time `driver` is run (no shared cache). */
const setup = (speed: number) =>
  Effect.gen(function*() {
    const handle = yield* VapiEmulator.start({ speed, seed: 3 })
    const context = yield* Layer.build(VapiClient.layer({ baseUrl: handle.url, apiKey: Redacted.make("sk-test") }))
    const driver = Effect.provide(VapiProvider.make(), context)
    const provider = SimulationProvider.make(yield* driver, { retry: fastRetry })
    return { handle, driver, provider }
  })

describe("VapiProvider tracking (getRuns over the run list)", () => {
  it.scopedLive("getRuns answers the same canonical runs as getRun whenever both read the same moment, through to the end", () =>
    Effect.gen(function*() {
      const { driver, provider } = yield* setup(5)
      const ids: Array<string> = []
      for (let i = 0; i < 4; i++) ids.push((yield* provider.startRun(dentalPlan)).ref.id)
      const result = yield* Tracking.compareWithGetRun(yield* driver, yield* driver, ids, { pause: Effect.sleep("15 millis") })
      expect(result.mismatch).toBeUndefined()
      // Which moments were sampled depends on timing (a loaded machine may see only the end).
      expect(result.samples).toBeGreaterThanOrEqual(1)
      expect(result.terminal).toBe(1)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("the emulator's updatedAt follows status and item-count changes, and the list honours updatedAt* filters", () =>
    Effect.gen(function*() {
      const { handle, provider } = yield* setup(20)
      const context = yield* Layer.build(VapiClient.layer({ baseUrl: handle.url, apiKey: Redacted.make("sk-test") }))
      const client = yield* Effect.provide(VapiClient.VapiClient, context)
      const run = yield* provider.startRun(dentalPlan)
      const queued = yield* client.runs.get(run.ref.id)
      yield* Effect.sleep("20 millis")
      // Still queued: nothing changed, so updatedAt did not move.
      expect((yield* client.runs.get(run.ref.id)).updatedAt).toBe(queued.updatedAt)
      yield* Tracking.watchAll(provider, [run.ref.id], watchOptions)
      const ended = yield* client.runs.get(run.ref.id)
      expect(ended.status).toBe("ended")
      expect(ended.updatedAt).toBe(ended.endedAt)
      yield* Effect.sleep("20 millis")
      expect((yield* client.runs.get(run.ref.id)).updatedAt).toBe(ended.updatedAt)
      const after = yield* client.runs.list({ updatedAtGt: ended.updatedAt, limit: 1000 })
      expect(after.items.map((r) => r.id)).not.toContain(run.ref.id)
      const atOrAfter = yield* client.runs.list({ updatedAtGe: ended.updatedAt, limit: 1000 })
      expect(atOrAfter.items.map((r) => r.id)).toContain(run.ref.id)
      const before = yield* client.runs.list({ updatedAtLt: ended.updatedAt, limit: 1000 })
      expect(before.items.map((r) => r.id)).not.toContain(run.ref.id)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("watching several runs reaches every terminal status, reading each run on its own only once", () =>
    Effect.gen(function*() {
      const n = 16
      const measure = (batched: boolean) =>
        Effect.gen(function*() {
          const { driver, handle } = yield* setup(20)
          const d = yield* driver
          let alone = 0
          const counted: typeof d = { ...d, getRuns: (ids, options) => Effect.suspend(() => (ids.length === 1 && alone++, d.getRuns!(ids, options))) }
          const provider = SimulationProvider.make(batched ? counted : Tracking.perRunPolling(d), { retry: fastRetry })
          const ids: Array<string> = []
          for (let i = 0; i < n; i++) ids.push((yield* provider.startRun(dentalPlan)).ref.id)
          handle.requests.reset()
          const watched = yield* Tracking.watchAll(provider, ids, watchOptions)
          return { watched, alone, runReads: handle.requests.count("GET /eval/simulation/run/"), lists: handle.requests.count("GET /eval/simulation/run") - handle.requests.count("GET /eval/simulation/run/") }
        })
      const perRun = yield* measure(false)
      const batched = yield* measure(true)
      for (const snapshots of [...perRun.watched, ...batched.watched]) {
        const last = snapshots[snapshots.length - 1]!
        expect(last.status).toMatchObject({ unified: "completed", raw: "ended" })
        expect(last.counts.passed + last.counts.failed).toBe(2)
      }
      // Batched, each run is read on its own once (its watch's first snapshot), and when it is the
      // only one left to poll; every other snapshot came from run lists. (How many requests that
      // saves depends on timing: see the benchmark.)
      expect(batched.runReads).toBeLessThanOrEqual(n + batched.alone)
      if (batched.watched.some((s) => s.length > 1)) expect(batched.lists).toBeGreaterThan(0)
      if (perRun.watched.some((s) => s.length > 1)) expect(perRun.runReads).toBeGreaterThan(n)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("followed from the runs startRun returned, no run is read for its first snapshot (only a run polled alone is read alone); the ends are getRun's", () =>
    Effect.gen(function*() {
      const { driver, handle } = yield* setup(20)
      const d = yield* driver
      let alone = 0
      const provider = SimulationProvider.make({ ...d, getRuns: (ids, options) => Effect.suspend(() => (ids.length === 1 && alone++, d.getRuns!(ids, options))) }, { retry: fastRetry })
      const started = []
      for (let i = 0; i < 6; i++) started.push(yield* provider.startRun(dentalPlan))
      handle.requests.reset()
      const outcomes = yield* provider.followAll(started, () => Effect.void, watchOptions)
      expect(handle.requests.count("GET /eval/simulation/run/")).toBe(alone)
      expect(handle.requests.count("GET /eval/simulation/run")).toBeGreaterThan(alone)
      const single = yield* driver
      for (const [i, outcome] of outcomes.entries()) {
        expect(outcome._tag).toBe("Right")
        const last = (outcome as { readonly right: { readonly status: unknown; readonly counts: unknown } }).right
        const reference = yield* single.getRun(started[i]!.ref.id)
        expect(last.status).toMatchObject(reference.status)
        expect(last.counts).toMatchObject(reference.counts!)
      }
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("getRuns of one run reads that run alone, not the run list", () =>
    Effect.gen(function*() {
      const { driver, handle, provider } = yield* setup(20)
      const run = yield* provider.startRun(dentalPlan)
      const d = yield* driver
      handle.requests.reset()
      const [answer] = yield* d.getRuns!([run.ref.id])
      expect(answer?.ref.id).toBe(run.ref.id)
      expect(handle.requests.count("GET /eval/simulation/run/")).toBe(1)
      expect(handle.requests.count("GET /eval/simulation/run")).toBe(1)
      // Gone: no answer for it (the tracker reads it alone after a few polls and fails its watchers).
      expect(yield* d.getRuns!(["00000000-0000-4000-8000-000000000000"])).toEqual([])
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("getRuns of runs a fresh driver never read answers them, ended ones included", () =>
    Effect.gen(function*() {
      const { driver, provider } = yield* setup(50)
      const ended = (yield* provider.startRun(dentalPlan)).ref.id
      yield* Tracking.watchAll(provider, [ended], watchOptions)
      const queued = (yield* provider.startRun(dentalPlan)).ref.id
      const fresh = yield* driver
      const runs = yield* fresh.getRuns!([ended, queued])
      expect(runs.map((r) => [r.ref.id, r.status.unified])).toEqual([[ended, "completed"], [queued, expect.stringMatching(/queued|running/)]])
      // Twice: the ended run is answered again, not forgotten.
      expect((yield* fresh.getRuns!([ended])).map((r) => r.status.unified)).toEqual(["completed"])
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))
})

describe("the tracker's snapshots (internal/tracking.ts)", () => {
  /** Runs as a fake Vapi holds them (bodies), read through the real wire schemas. */
  const fake = (bodies: Map<string, Record<string, unknown>>) => {
    const decodeRun = Schema.decodeUnknownSync(VapiWire.Run)
    const decodeList = Schema.decodeUnknownSync(VapiWire.List(VapiWire.Run))
    const reads = { get: 0, list: 0 }
    const client = {
      runs: {
        get: (id: string) => Effect.sync(() => (reads.get++, decodeRun(structuredClone(bodies.get(id))))),
        list: (params: { readonly updatedAtGt: string; readonly page: number }) =>
          Effect.sync(() => {
            reads.list++
            const since = Date.parse(params.updatedAtGt)
            return decodeList({ results: params.page > 1 ? [] : [...bodies.values()].filter((b) => Date.parse(String(b.updatedAt)) > since).map((b) => structuredClone(b)) })
          })
      }
    } as unknown as VapiClient.Service
    const tracker = new Tracker.Tracker(client, 100)
    const driver = { getRun: Tracker.getRun(tracker), getRuns: Tracker.getRuns(tracker) }
    return { driver, reads, tracker }
  }
  const body = (id: string, updatedAt: string, counts: Record<string, number>, extra: Record<string, unknown> = {}) => ({
    id,
    status: "running",
    createdAt: "2026-01-01T00:00:00.000Z",
    startedAt: "2026-01-01T00:00:01.000Z",
    updatedAt,
    itemCounts: { total: 4, ...counts },
    simulations: [{ type: "simulationSuite", name: "sb-abc123-0123abcd plan" }],
    target: { type: "assistant", assistantId: "a" },
    ...extra
  })
  const canonical = (b: unknown) => toRun(Schema.decodeUnknownSync(VapiWire.Run)(b))

  it.effect("a run listed again unchanged keeps its snapshot; any change of status, counts, times or updatedAt makes a new one", () =>
    Effect.gen(function*() {
      const bodies = new Map<string, Record<string, unknown>>([
        ["a", body("a", "2026-01-01T00:00:05.000Z", { running: 2, queued: 2 })],
        ["b", body("b", "2026-01-01T00:00:06.000Z", { running: 1, queued: 3 })]
      ])
      const { driver, reads, tracker } = fake(bodies)
      const first = yield* driver.getRuns!(["a", "b"])
      expect(first).toStrictEqual([canonical(bodies.get("a")), canonical(bodies.get("b"))])
      expect(reads.get).toBe(2)
      // Listed again (the list reaches back 5 s): the same snapshots.
      const again = yield* driver.getRuns!(["a", "b"])
      expect(reads.list).toBeGreaterThanOrEqual(2)
      expect(again[0]).toBe(first[0])
      expect(again[1]).toBe(first[1])
      // getRun of a run that did not move: the same snapshot too.
      expect(yield* driver.getRun("a")).toBe(first[0])
      // Counts moved without updatedAt (not what Vapi does, but safe): a new snapshot.
      bodies.set("a", body("a", "2026-01-01T00:00:05.000Z", { running: 3, queued: 1 }))
      // updatedAt moved alone: a new, equal snapshot.
      bodies.set("b", body("b", "2026-01-01T00:00:07.000Z", { running: 1, queued: 3 }))
      const moved = yield* driver.getRuns!(["a", "b"])
      expect(moved).toStrictEqual([canonical(bodies.get("a")), canonical(bodies.get("b"))])
      expect(moved[0]).not.toBe(first[0])
      expect(moved[0]!.counts).toMatchObject({ running: 3, queued: 1 })
      expect(moved[1]).not.toBe(first[1])
      // Each field the snapshot shows, changed alone at the same updatedAt, makes a new snapshot.
      const changes: ReadonlyArray<Record<string, unknown>> = [
        { status: "queued" },
        { startedAt: "2026-01-01T00:00:02.000Z" },
        { endedAt: "2026-01-01T00:00:03.000Z" },
        { endedReason: "something" },
        { itemCounts: { total: 5, running: 3, queued: 1 } },
        { itemCounts: { total: 4, running: 3, queued: 0, passed: 1 } },
        { itemCounts: { total: 4, running: 3, queued: 0, failed: 1 } }
      ]
      let previous = moved[0]!
      for (const change of changes) {
        bodies.set("a", { ...bodies.get("a")!, ...change })
        const [run] = yield* driver.getRuns!(["a"])
        expect(run).toStrictEqual(canonical(bodies.get("a")))
        expect(run).not.toBe(previous)
        previous = run!
      }
      // Ended: the terminal snapshot, and the run is no longer remembered.
      bodies.set("a", { ...bodies.get("a")!, status: "ended", endedReason: "completed", updatedAt: "2026-01-01T00:00:09.000Z" })
      const [ended] = yield* driver.getRuns!(["a"])
      expect(ended).toStrictEqual(canonical(bodies.get("a")))
      expect(ended!.status.unified).toBe("completed")
      expect(tracker.snapshots.peek("a")).toBeUndefined()
      expect(tracker.snapshots.peek("b")).toBeDefined()
    }))
})
