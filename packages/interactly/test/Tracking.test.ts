import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { describe, expect, it } from "@effect/vitest"
import { Plan, ProviderRef, type Run, SimulationProvider } from "@simbridge/core"
import * as Tracking from "@simbridge/conformance/Tracking"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import * as InteractlyClient from "../src/InteractlyClient.js"
import * as InteractlyEmulator from "@simbridge/emulators/InteractlyEmulator"
import * as InteractlyProvider from "../src/InteractlyProvider.js"
import { dental, fastRetry, twoPersonas } from "./fixtures/trackingPlans.js"

const watchOptions = { interval: "20 millis", maxInterval: "100 millis" } as const

/** Requests the emulator served on one route (ids folded to `:id`). */
const route = (handle: { readonly requests: { readonly byRoute: ReadonlyMap<string, number> } }, r: string) =>
  handle.requests.byRoute.get(`GET ${InteractlyEmulator.basePath}${r}`) ?? 0

/** An emulator, and a fresh driver over it each time `driver` is run (no shared cache). */
const setup = (speed: number, driverOptions: InteractlyProvider.DriverOptions = {}) =>
  Effect.gen(function*() {
    const handle = yield* InteractlyEmulator.start({ speed, seed: 6 })
    const context = yield* Layer.build(InteractlyClient.layer({ baseUrl: handle.url, apiKey: Redacted.make("sk-test") }))
    const driver = Effect.provide(InteractlyProvider.make(driverOptions), context)
    const provider = SimulationProvider.make(yield* driver, { retry: fastRetry })
    return { handle, driver, provider }
  })

describe("InteractlyProvider tracking (getRuns over each simulation's group list)", () => {
  it.scopedLive("getRuns answers the same canonical runs as getRun whenever both read the same moment (runs this process did not start)", () =>
    Effect.gen(function*() {
      const { driver, provider } = yield* setup(4)
      const ids: Array<string> = []
      ids.push((yield* provider.startRun(dental())).ref.id)
      ids.push((yield* provider.startRun(dental(twoPersonas))).ref.id)
      ids.push((yield* provider.startRun(dental({ iterations: 3, concurrency: 1 }))).ref.id)
      const result = yield* Tracking.compareWithGetRun(yield* driver, yield* driver, ids, { pause: Effect.sleep("15 millis") })
      expect(result.mismatch).toBeUndefined()
      // Which moments were sampled depends on timing (a loaded machine may see only the end).
      expect(result.samples).toBeGreaterThanOrEqual(1)
      expect(result.terminal).toBe(1)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("a group read again reuses the verdicts of its judged executions, even once their evaluations left the cache", () =>
    Effect.gen(function*() {
      const { handle, provider } = yield* setup(50)
      const run = yield* provider.startRun(dental({ iterations: 3, concurrency: 3 }))
      yield* Tracking.watchAll(provider, [run.ref.id], watchOptions)
      // One entry per cache: the evaluations of the 3 executions cannot all stay.
      const d = yield* Effect.provide(InteractlyProvider.make({ cacheSize: 1 }), yield* Layer.build(InteractlyClient.layer({ baseUrl: handle.url, apiKey: Redacted.make("k") })))
      handle.requests.reset()
      const first = yield* d.getRun(run.ref.id)
      expect(route(handle, "/v1/workflow-runs/:id/evaluation-result")).toBe(3)
      const again = yield* d.getRun(run.ref.id)
      expect(route(handle, "/v1/workflow-runs/:id/evaluation-result")).toBe(3)
      expect(again).toEqual(first)
      expect(first.counts).toMatchObject({ total: 3, queued: 0, running: 0 })
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("watching several runs reaches every terminal status; groups are listed, not read one by one, and each evaluation is read at most once", () =>
    Effect.gen(function*() {
      const n = 6
      const measure = (batched: boolean, plan: Plan.Plan) =>
        Effect.gen(function*() {
          const { driver, handle } = yield* setup(4)
          const d = yield* driver
          const provider = SimulationProvider.make(batched ? d : Tracking.perRunPolling(d), { retry: fastRetry })
          const ids: Array<string> = []
          for (let i = 0; i < n; i++) ids.push((yield* provider.startRun(plan)).ref.id)
          handle.requests.reset()
          const watched = yield* Tracking.watchAll(provider, ids, watchOptions)
          return {
            watched,
            groupReads: route(handle, "/v1/simulation-runs/:id"),
            lists: route(handle, "/v1/simulations/:id/runs"),
            evaluations: route(handle, "/v1/workflow-runs/:id/evaluation-result"),
            summaries: route(handle, "/v1/simulations/:id/evaluation-summary")
          }
        })
      const last = (s: ReadonlyArray<Run.Run>) => s[s.length - 1]!
      for (const plan of [dental()]) {
        const perRun = yield* measure(false, plan)
        const batched = yield* measure(true, plan)
        for (const snapshots of [...perRun.watched, ...batched.watched]) {
          expect(last(snapshots).status).toMatchObject({ unified: "completed", raw: "completed" })
          expect(last(snapshots).counts).toMatchObject({ total: 2, queued: 0, running: 0, errored: 0, skipped: 0 })
        }
        // The same seed and inputs: the same outcomes, whichever way they were tracked.
        expect(batched.watched.map((s) => last(s).counts)).toEqual(perRun.watched.map((s) => last(s).counts))
        // Batched, a group is read on its own once (its watch's first snapshot); every later
        // snapshot came from group lists. (How many requests that saves depends on timing: see the benchmark.)
        expect(batched.groupReads).toBeLessThanOrEqual(n)
        if (batched.watched.some((s) => s.length > 1)) expect(batched.lists).toBeGreaterThan(0)
        // A required evaluator: each completed execution's evaluation is read once, never again.
        expect(batched.evaluations).toBeLessThanOrEqual(2 * n)
      }
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("getRuns of runs a fresh driver never read answers them, ended ones included, and omits what does not exist", () =>
    Effect.gen(function*() {
      const { driver, provider } = yield* setup(50)
      const ended = (yield* provider.startRun(dental())).ref.id
      yield* Tracking.watchAll(provider, [ended], watchOptions)
      const queued = (yield* provider.startRun(dental(twoPersonas))).ref.id
      const fresh = yield* driver
      const runs = yield* fresh.getRuns!([ended, queued, "000000000000000000000000", "not-a-run"])
      expect(runs.map((r) => [r.ref.id, r.status.unified])).toEqual([[ended, "completed"], [queued, expect.stringMatching(/queued|running|completed/)]])
      // Twice: the ended run is answered again (from the group list), not forgotten.
      expect((yield* fresh.getRuns!([ended])).map((r) => r.status.unified)).toEqual(["completed"])
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("the driver's caches stay bounded over many finished runs whose results were read, and results stay correct", () =>
    Effect.gen(function*() {
      const cacheSize = 8
      const { driver, provider } = yield* setup(50, { cacheSize })
      const d = yield* driver
      const service = SimulationProvider.make(d, { retry: fastRetry })
      const plan = dental({ iterations: 3, concurrency: 3 })
      const first = new Map<string, ReadonlyArray<unknown>>()
      const runs = 12
      for (let i = 0; i < runs; i++) {
        const run = yield* provider.startRun(plan, { marker: `bounded-${i}` })
        const watched = yield* Tracking.watchAll(service, [run.ref.id], watchOptions)
        expect(watched[0]![watched[0]!.length - 1]!.status.unified).toBe("completed")
        const results = Chunk.toReadonlyArray(yield* Stream.runCollect(service.results(run.ref)))
        first.set(run.ref.id, results.map((r) => [r.iteration, r.verdict, r.evaluations.map((e) => e.passed)]))
        const sizes = d.memory()
        // Every cache within its bound, whatever the number of runs read so far.
        expect(sizes.evaluations).toBeLessThanOrEqual(cacheSize)
        expect(sizes.summaries).toBeLessThanOrEqual(cacheSize)
        expect(sizes.verdicts).toBeLessThanOrEqual(cacheSize)
        expect(sizes.results).toBeLessThanOrEqual(cacheSize / 4)
        expect(sizes.started).toBeLessThanOrEqual(cacheSize)
        expect(sizes.runKeys).toBeLessThanOrEqual(cacheSize * 16)
        // A run watched to its end is forgotten once its terminal snapshot was handed out.
        expect(sizes.runs).toBe(0)
        // A result that was built holds its evaluation: the evaluation cache has let it go.
        expect(sizes.evaluations).toBe(0)
      }
      // 12 runs x 3 executions went through caches of 8 entries (2 finished results): results read
      // again after eviction are the same.
      for (const [id, before] of first) {
        const again = Chunk.toReadonlyArray(yield* Stream.runCollect(service.results(new ProviderRef.ProviderRef({ provider: "interactly", kind: "run", id }))))
        expect(again.map((r) => [r.iteration, r.verdict, r.evaluations.map((e) => e.passed)])).toEqual(before)
      }
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("the emulator lists a simulation's groups newest first and honours page and size", () =>
    Effect.gen(function*() {
      const { handle, provider } = yield* setup(50)
      const plan = dental()
      const ids: Array<string> = []
      for (let i = 0; i < 5; i++) ids.push((yield* provider.startRun(plan)).ref.id)
      const context = yield* Layer.build(InteractlyClient.layer({ baseUrl: handle.url, apiKey: Redacted.make("sk-test") }))
      const client = yield* Effect.provide(InteractlyClient.InteractlyClient, context)
      const simulationId = (yield* client.getSimulationRun(ids[0]!)).simulation_config_id!
      const page1 = yield* client.listSimulationRuns(simulationId, { page: 1, size: 2 })
      const page3 = yield* client.listSimulationRuns(simulationId, { page: 3, size: 2 })
      expect(page1.total).toBe(5)
      expect(page1.simulation_groups.map((g) => g._id)).toEqual([ids[4], ids[3]])
      expect(page3.simulation_groups.map((g) => g._id)).toEqual([ids[0]])
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("a server that lists groups oldest first is read from its last page backwards, without reading groups one by one", () =>
    Effect.gen(function*() {
      const { handle, provider } = yield* setup(50)
      const plan = dental({ iterations: 1 })
      const ids: Array<string> = []
      for (let i = 0; i < 250; i++) ids.push((yield* provider.startRun(plan)).ref.id)
      const real = yield* Effect.provide(InteractlyClient.InteractlyClient, yield* Layer.build(InteractlyClient.layer({ baseUrl: handle.url, apiKey: Redacted.make("k") })))
      const pages: Array<number> = []
      // The emulator's list, served oldest first (the reference does not say which order the server
      // uses), with creation times a second apart (the emulator's fall within the same seconds).
      const oldestFirst: InteractlyClient.InteractlyClient["Type"] = {
        ...real,
        listSimulationRuns: (id, params) =>
          Effect.map(real.listSimulationRuns(id, { page: 1, size: 1000 }), (all) => {
            const page = params?.page ?? 1, size = params?.size ?? 100
            pages.push(page)
            const ascending = [...all.simulation_groups].reverse().map((g, i) => ({ ...g, created_at: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString() }))
            return { ...all, simulation_groups: ascending.slice((page - 1) * size, page * size) }
          })
      }
      const d = yield* Effect.provide(InteractlyProvider.make(), Layer.succeed(InteractlyClient.InteractlyClient, oldestFirst))
      const watched = [ids[0]!, ids[64]!, ids[249]!]
      for (const id of watched) yield* d.getRun(id)
      handle.requests.reset()
      const runs = yield* d.getRuns(watched)
      expect(runs.map((r) => r.ref.id)).toEqual(watched)
      // Page 1 (the oldest 100: two of the three), then straight to the last page (the newest 50).
      expect(pages).toEqual([1, 3])
      expect(route(handle, "/v1/simulation-runs/:id")).toBe(0)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))
})
