import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { describe, expect, it } from "@effect/vitest"
import { Plan, Retry, SimulationProvider, Status } from "@simbridge/core"
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
const setup = (speed: number) =>
  Effect.gen(function*() {
    const handle = yield* RoarkEmulator.start({ speed, seed: 4 })
    const context = yield* Layer.build(RoarkClient.layer({ baseUrl: handle.url, apiKey: Redacted.make("k") }))
    const driver = Effect.provide(RoarkProvider.make, context)
    const provider = SimulationProvider.make(yield* driver, { retry: fastRetry })
    return { handle, driver, provider }
  })

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
})
