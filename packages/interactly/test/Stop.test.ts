/**
 * A group with fewer executions than it planned: Interactly's orchestrator creates an execution
 * only when it spawns it, and a stop (or `stop_on_failure` after a failure) ends the spawning
 * (the SDK's guide: "already-running runs complete naturally"). The run's counts and results then
 * account for every planned conversation: the unspawned ones are canceled results, verdict
 * skipped, never a pass, and the suite runner does not wait for results that will never come.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { describe, expect, it, layer } from "@effect/vitest"
import { type Plan, type Result, SimulationProvider, SuiteRunner } from "@simbridge/core"
import * as InteractlyEmulator from "@simbridge/emulators/InteractlyEmulator"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import * as InteractlyClient from "../src/InteractlyClient.js"
import * as InteractlyProvider from "../src/InteractlyProvider.js"
import * as Wire from "../src/InteractlyWire.js"
import { unspawned } from "../src/internal/groups.js"
import { notSpawnedStatus } from "../src/internal/results.js"
import { dental, fastRetry } from "./fixtures/trackingPlans.js"

const watch = { interval: "20 millis", maxInterval: "100 millis" } as const

const setup = (speed: number) =>
  Effect.gen(function*() {
    const handle = yield* InteractlyEmulator.start({ speed, seed: 2 })
    const context = yield* Layer.build(InteractlyProvider.layer({ baseUrl: handle.url, apiKey: Redacted.make("sk-test"), retry: fastRetry, watch }))
    const provider = yield* Effect.provide(SimulationProvider.SimulationProvider, context)
    const client = yield* Effect.provide(InteractlyClient.InteractlyClient, context)
    return { provider, client }
  })

const waitFor = <A, E, R>(poll: Effect.Effect<A, E, R>, done: (a: A) => boolean) =>
  Effect.gen(function*() {
    for (let i = 0; i < 1000; i++) {
      const a = yield* poll
      if (done(a)) return a
      yield* Effect.sleep("5 millis")
    }
    return yield* Effect.die("condition never reached")
  })

const notSpawned = (results: ReadonlyArray<Result.Result>) => results.filter((r) => r.status.raw === notSpawnedStatus)

/** Every result of the plan once, by iteration; the unspawned ones canceled and skipped. */
const checkAccounted = (results: ReadonlyArray<Result.Result>, plan: Plan.Plan) => {
  expect(results.map((r) => r.iteration).sort((a, b) => a - b)).toEqual(Array.from({ length: plan.iterations }, (_, i) => i + 1))
  for (const r of notSpawned(results)) {
    expect(r.status.unified).toBe("canceled")
    expect(r.verdict).toBe("skipped")
    expect(r.evaluations.every((e) => e.passed !== true)).toBe(true)
    expect(r.ref.kind).toBe("unspawned")
  }
}

layer(NodeHttpClient.layerUndici, { excludeTestServices: true, timeout: 30_000 })("a group with fewer executions than planned", (it) => {
  it.scoped("after a cancel the run counts and lists every planned conversation: running ones finish, unspawned ones are canceled", () =>
    Effect.gen(function*() {
      // Speed 5: waves of 2 start every 0.6 s; the cancel comes in the first.
      const { client, provider } = yield* setup(5)
      const plan = dental({ iterations: 6, concurrency: 2 })
      const run = yield* provider.startRun(plan)
      yield* waitFor(client.listExecutions(run.ref.id), (l) => l.individual_runs.length > 0)
      yield* provider.cancel(run.ref)
      const snapshots = Chunk.toReadonlyArray(yield* Stream.runCollect(provider.watch(run.ref)))
      const stopped = snapshots[snapshots.length - 1]!
      expect(stopped.status).toMatchObject({ unified: "canceled", raw: "cancelled" })
      expect(stopped.counts).toMatchObject({ total: 6, queued: 0, skipped: 4 })

      // Read now, the running conversations are pending; the unspawned ones are results already.
      const early = yield* SimulationProvider.readResults(provider, run.ref, { plan })
      expect(early).toHaveLength(6)
      expect(notSpawned(early).map((r) => r.iteration)).toEqual([3, 4, 5, 6])
      checkAccounted(early, plan)

      // The running ones complete naturally.
      yield* waitFor(client.listExecutions(run.ref.id), (l) => l.individual_runs.every((e) => e.status === "completed"))
      const ended = yield* provider.getRun(run.ref)
      expect(ended.counts.total).toBe(6)
      expect(ended.counts.skipped).toBe(4)
      expect(ended.counts.passed + ended.counts.failed + ended.counts.errored).toBe(2)
      const results = yield* SimulationProvider.readResults(provider, run.ref, { plan, raw: true })
      checkAccounted(results, plan)
      expect(results.filter((r) => r.status.unified === "completed")).toHaveLength(2)
      expect(results.filter((r) => r.verdict === "pass").length).toBe(ended.counts.passed)
      expect(notSpawned(results).every((r) => r.raw !== undefined && r.verdict !== "pass")).toBe(true)
    }))

  it.scoped("stop_on_failure: a failed run's results give every planned conversation, so the suite runner reads them once", () =>
    Effect.gen(function*() {
      const { client, provider } = yield* setup(200)
      // max_events 4 fails every conversation: the first fails, nothing more is spawned.
      const plan = dental({ iterations: 3, concurrency: 1, vendors: { interactly: { stopOnFailure: true, maxEvents: 4 } } })
      const report = yield* SuiteRunner.run(plan, [provider], { watch })
      const [run] = report.runs
      expect(run!.error).toBeUndefined()
      expect(run!.status).toMatchObject({ unified: "failed", raw: "failed" })
      expect(run!.counts).toMatchObject({ total: 3, errored: 1, skipped: 2, passed: 0 })
      expect(run!.results).toHaveLength(3)
      checkAccounted(run!.results, plan)
      expect(notSpawned(run!.results).map((r) => r.iteration)).toEqual([2, 3])
      const group = yield* client.getSimulationRun(run!.ref!.split(":")[2]!)
      expect(group).toMatchObject({ status: "failed", total_runs: 3, failed_runs: 1 })
      expect((yield* client.listExecutions(Wire.idOf(group))).total).toBe(1)
    }))

  it.scoped("stopped at the suite's deadline: the report holds every planned conversation, none of the unspawned passes, no error", () =>
    Effect.gen(function*() {
      // Speed 5, one conversation at a time (0.6 s each): at the 1.2 s deadline most were never spawned.
      const { provider } = yield* setup(5)
      const plan = dental({ iterations: 6, concurrency: 1 })
      const report = yield* SuiteRunner.run(plan, [provider], { watch, timeout: "1200 millis" })
      const [run] = report.runs
      expect(run!.error).toBeUndefined()
      expect(run!.status.unified).toBe("timed_out")
      expect(run!.results).toHaveLength(6)
      checkAccounted(run!.results, plan)
      expect(notSpawned(run!.results).length).toBeGreaterThan(0)
      expect(run!.counts?.total).toBe(6)
    }))
})

describe("unspawned (the planned conversations a group does not list)", () => {
  const group = (status: string, total_runs: number | null, completed_runs = 0, failed_runs = 0): Wire.SimulationGroup => ({ _id: "g", status, total_runs, completed_runs, failed_runs })
  it.each([
    ["pending", 6, 0, 0, 0, { queued: 6, never: 0 }],
    ["running", 6, 0, 0, 2, { queued: 4, never: 0 }],
    ["suspended", 6, 0, 0, 2, { queued: 4, never: 0 }],
    ["cancelled", 6, 2, 0, 2, { queued: 0, never: 4 }],
    ["cancelled", 6, 1, 0, 2, { queued: 0, never: 4 }],
    ["failed", 3, 0, 1, 1, { queued: 0, never: 2 }],
    // A completed group spawned them all; a listing shorter than what the group finished is partial.
    ["completed", 3, 3, 0, 1, { queued: 0, never: 0 }],
    ["cancelled", 6, 4, 0, 2, { queued: 0, never: 0 }],
    ["failed", 3, 0, 3, 1, { queued: 0, never: 0 }],
    // Nothing planned beyond the listing, or no plan given.
    ["cancelled", 2, 2, 0, 2, { queued: 0, never: 0 }],
    ["cancelled", null, 0, 0, 2, { queued: 0, never: 0 }]
  ] as const)("%s, %s planned, %s completed, %s failed, %s listed", (status, total, completed, failed, listed, expected) => {
    expect(unspawned(group(status, total, completed, failed), listed)).toEqual(expected)
  })
})
