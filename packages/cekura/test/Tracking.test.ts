import { afterAll, describe, expect, it } from "@effect/vitest"
import { Plan, Retry, SimulationProvider } from "@simbridge/core"
import * as Tracking from "@simbridge/conformance/Tracking"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as CekuraClient from "../src/CekuraClient.js"
import * as CekuraEmulator from "../src/CekuraEmulator.js"
import * as CekuraProvider from "../src/CekuraProvider.js"
import { dentalClinic } from "./fixtures/dentalClinic.js"
import { apiKey, httpLayer, recorder } from "./support/setup.js"

const dental = Schema.decodeUnknownSync(Plan.Plan)(dentalClinic)
const fastRetry = new Retry.RetryPolicy({ ...Retry.defaultPolicy, initialDelay: Duration.millis(10), maxDelay: Duration.millis(50), maxAttempts: 4 })
const watchOptions = { interval: "20 millis", maxInterval: "100 millis" } as const

/** An emulator, and a fresh driver over it each time `driver` is run (no shared cache). */
const setup = (speed: number) =>
  Effect.gen(function*() {
    const handle = yield* CekuraEmulator.start({ speed, apiKey, failureRate: 0.3, seed: 5 })
    const context = yield* Layer.build(CekuraClient.layer({ baseUrl: handle.url, apiKey: Redacted.make(apiKey) }).pipe(Layer.provide(httpLayer)))
    const driver = Effect.provide(CekuraProvider.make(), context)
    const provider = SimulationProvider.make(yield* driver, { retry: fastRetry })
    return { handle, driver, provider }
  })

describe("CekuraProvider tracking (getRuns over the results list)", () => {
  afterAll(() => {
    expect(recorder.failures).toEqual([])
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
