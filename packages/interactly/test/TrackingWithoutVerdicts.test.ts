import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { expect, layer } from "@effect/vitest"
import { ProviderRef, type Run, SimulationProvider, SuiteRunner } from "@simbridge/core"
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

const withoutVerdicts = { interval: "20 millis", maxInterval: "100 millis", verdicts: false } as const
/** max_events 9 with stop_on_failure: some executions fail (errored), later ones may be cancelled (skipped). */
const failing = { vendors: { interactly: { maxEvents: 9, stopOnFailure: true } } }

const route = (handle: { readonly requests: { readonly byRoute: ReadonlyMap<string, number> } }, r: string) =>
  handle.requests.byRoute.get(`GET ${InteractlyEmulator.basePath}${r}`) ?? 0
const evaluationReads = (handle: Parameters<typeof route>[0]) => route(handle, "/v1/workflow-runs/:id/evaluation-result")
const summaryReads = (handle: Parameters<typeof route>[0]) => route(handle, "/v1/simulations/:id/evaluation-summary")

const refOf = (id: string) => new ProviderRef.ProviderRef({ provider: "interactly", kind: "run", id })

/** An emulator, and a fresh driver over it each time `driver` is run (no shared cache). */
const setup = (speed: number) =>
  Effect.gen(function*() {
    const handle = yield* InteractlyEmulator.start({ speed, seed: 11 })
    const context = yield* Layer.build(InteractlyClient.layer({ baseUrl: handle.url, apiKey: Redacted.make("sk-test") }))
    const driver = Effect.provide(InteractlyProvider.make(), context)
    const service = (d: SimulationProvider.Driver) => SimulationProvider.make(d, { retry: fastRetry })
    return { handle, driver, service }
  })

/** The plans watched below: required evaluators (one and two groups, failures). */
const plans = () => [
  { plan: dental({ iterations: 4, concurrency: 2 }), summary: false },
  { plan: dental({ ...twoPersonas, iterations: 3, concurrency: 3 }), summary: false },
  { plan: dental({ iterations: 5, concurrency: 1, ...failing }), summary: false }
]

/**
 * Starts the plans on one driver and follows them to their end without verdicts, counting the
 * requests of the watch alone.
 */
const watchWithoutVerdicts = (speed: number) =>
  Effect.gen(function*() {
    const { driver, handle, service } = yield* setup(speed)
    const d = yield* driver
    const provider = service(d)
    const started: Array<{ readonly id: string; readonly summary: boolean }> = []
    for (const { plan, summary } of plans()) started.push({ id: (yield* provider.startRun(plan)).ref.id, summary })
    handle.requests.reset()
    const watched = yield* Tracking.watchAll(provider, started.map((s) => s.id), withoutVerdicts)
    const watch = { evaluations: evaluationReads(handle), summaries: summaryReads(handle), executions: route(handle, "/v1/simulation-runs/:id/executions") }
    return { d, driver, handle, service, provider, started, watched, watch }
  })

const first = (s: ReadonlyArray<Run.Run>) => s[0]!
const last = (s: ReadonlyArray<Run.Run>) => s[s.length - 1]!
/** Finished conversations whose verdict a snapshot carries. */
const decided = (r: { readonly counts?: { readonly passed: number; readonly failed: number } | undefined }) => r.counts!.passed + r.counts!.failed

layer(NodeHttpClient.layerUndici, { excludeTestServices: true, timeout: 60_000 })("InteractlyProvider tracking without verdicts", (it) => {
  it.effect("watching without verdicts reads no evaluation or evaluation summary after the first snapshot; completed executions end as pending", () =>
    Effect.gen(function*() {
      const { driver, service, started, watch, watched } = yield* watchWithoutVerdicts(4)
      // The first snapshot of a watch is a getRun (with verdicts): the only reads of verdicts
      // allowed. It normally comes before any execution completed, so nothing at all is read.
      const byGetRun = started.reduce((n, s, i) => n + (s.summary ? 0 : decided(first(watched[i]!))), 0)
      const summariesByGetRun = started.reduce((n, s, i) => n + (s.summary && decided(first(watched[i]!)) > 0 ? 1 : 0), 0)
      expect(watch.evaluations).toBe(byGetRun)
      expect(watch.summaries).toBe(summariesByGetRun)
      let pending = 0
      for (const [i, s] of started.entries()) {
        const terminal = last(watched[i]!)
        expect(terminal.status.unified).toMatch(/^(completed|failed)$/)
        // What a read with every verdict says of the same finished run (a driver of its own).
        const full = yield* service(yield* driver).getRun(refOf(s.id))
        expect(full.counts.pending).toBe(0)
        // Only verdicts the driver already knew (judged by the first getRun) are split; every
        // other completed execution is pending. The counts the listing gives are exact.
        const known = s.summary ? 0 : decided(first(watched[i]!))
        expect(decided(terminal)).toBe(known)
        expect(terminal.counts.pending).toBe(decided(full) - known)
        const unsplit = (c: Run.RunCounts) => ({ total: c.total, queued: c.queued, running: c.running, errored: c.errored, skipped: c.skipped, finished: c.finished })
        expect(unsplit(terminal.counts)).toEqual(unsplit(full.counts))
        expect(terminal.status).toEqual(full.status)
        pending += terminal.counts.pending
      }
      expect(pending).toBeGreaterThan(0)
      // The failing plan really errs or skips (counted from its group listing).
      const failed = last(watched[2]!)
      expect(failed.counts.errored + failed.counts.skipped).toBeGreaterThan(0)
    }).pipe(Effect.scoped))

  it.effect("the results read afterwards gives every verdict, reads each evaluation once overall, and settles the pending counts to getRun's", () =>
    Effect.gen(function*() {
      const { handle, provider, started, watch, watched } = yield* watchWithoutVerdicts(4)
      handle.requests.reset()
      const read = []
      for (const s of started) read.push(Chunk.toReadonlyArray(yield* Stream.runCollect(provider.results(refOf(s.id)))))
      const resultEvaluations = evaluationReads(handle)
      // Every completed execution has an evaluation (the workflow has criteria): each was read
      // exactly once overall, by the watch's first getRun or by the results read.
      const completed = read.flat().filter((r) => r.status.unified === "completed").length
      expect(completed).toBeGreaterThan(0)
      expect(watch.evaluations + resultEvaluations).toBe(completed)
      for (const [i, s] of started.entries()) {
        const terminal = last(watched[i]!)
        const results = read[i]!
        expect(results.length).toBe(terminal.counts.total)
        expect(results.some((r) => r.verdict === "pending")).toBe(false)
        // What the suite runner reports (the last snapshot settled with the results) is what a
        // read with every verdict gives (by the driver that started the run: it knows the plan,
        // which decides the verdicts).
        const full = yield* provider.getRun(refOf(s.id))
        expect(SuiteRunner.settleVerdicts(terminal.counts, results)).toEqual(full.counts)
        expect(full.counts.pending).toBe(0)
      }
    }).pipe(Effect.scoped))

  it.effect("a finished run is read without verdicts from its group alone; verdicts the driver judged since are counted, and verdicts never come from a read without them", () =>
    Effect.gen(function*() {
      const { driver, handle, service } = yield* setup(50)
      const ids: Array<string> = []
      const watcher = service(yield* driver)
      for (const plan of [dental({ iterations: 3, concurrency: 3 }), dental({ iterations: 5, concurrency: 1, ...failing })]) {
        ids.push((yield* watcher.startRun(plan)).ref.id)
      }
      yield* Tracking.watchAll(watcher, ids, { interval: "20 millis", maxInterval: "100 millis" })
      for (const id of ids) {
        const full = yield* (yield* driver).getRun(id)
        // A fresh driver: one group read, no executions, no evaluation, no summary.
        const d = yield* driver
        handle.requests.reset()
        const [without] = yield* d.getRuns([id], { verdicts: false })
        expect(route(handle, "/v1/simulation-runs/:id")).toBe(1)
        expect(route(handle, "/v1/simulation-runs/:id/executions")).toBe(0)
        expect(evaluationReads(handle)).toBe(0)
        expect(summaryReads(handle)).toBe(0)
        expect(without!.counts).toEqual({ ...full.counts, passed: 0, failed: 0, pending: full.counts!.passed + full.counts!.failed })
        expect(without!.status).toEqual(full.status)
        // With verdicts, the same driver does not answer from that read: exactly getRun's run.
        expect(yield* d.getRuns([id], { verdicts: true })).toEqual([full])
        // Now that the driver judged them, a read without verdicts counts them, with no request.
        handle.requests.reset()
        const [again] = yield* d.getRuns([id], { verdicts: false })
        expect(handle.requests.total).toBe(1)
        expect(again!.counts).toEqual(full.counts)
      }
    }).pipe(Effect.scoped))

  it.effect("verdicts judged while a group ran are still counted once it finished, from its listing alone", () =>
    Effect.gen(function*() {
      // Two waves of two: the first wave's verdicts can be read while the second runs.
      const { driver, handle, service } = yield* setup(2)
      const d = yield* driver
      const id = (yield* service(d).startRun(dental({ iterations: 4, concurrency: 2 }))).ref.id
      let midway = yield* d.getRun(id)
      while (!(midway.status.unified === "running" && decided(midway) > 0)) {
        yield* Effect.sleep("20 millis")
        midway = yield* d.getRun(id)
        expect(midway.status.unified).not.toBe("completed")
      }
      const known = decided(midway)
      // Wait for the end on another driver, so that `d` learns nothing more.
      const watcher = yield* driver
      while ((yield* watcher.getRun(id)).status.unified === "running") yield* Effect.sleep("50 millis")
      handle.requests.reset()
      const [finished] = yield* d.getRuns([id], { verdicts: false })
      // The group list, nothing else: no executions, no evaluation, no summary.
      expect(route(handle, "/v1/simulations/:id/runs")).toBe(1)
      expect(handle.requests.total).toBe(1)
      const full = yield* d.getRun(id)
      expect(finished!.status.unified).toBe("completed")
      expect(decided(finished!)).toBe(known)
      expect(finished!.counts!.passed).toBeLessThanOrEqual(full.counts!.passed)
      expect(finished!.counts!.failed).toBeLessThanOrEqual(full.counts!.failed)
      expect(finished!.counts!.pending).toBe(decided(full) - known)
      expect(finished!.counts!.pending).toBeGreaterThan(0)
    }).pipe(Effect.scoped))

  it.effect("verdicts of results already read are counted while the group runs, with no evaluation read", () =>
    Effect.gen(function*() {
      const { driver, handle, service } = yield* setup(2)
      const d = yield* driver
      const provider = service(d)
      const id = (yield* provider.startRun(dental({ iterations: 4, concurrency: 2 }))).ref.id
      // Wait (on another driver) until the first wave completed and the second runs.
      const watcher = yield* driver
      let midway = yield* watcher.getRun(id)
      while (!(midway.status.unified === "running" && decided(midway) > 0)) {
        yield* Effect.sleep("20 millis")
        midway = yield* watcher.getRun(id)
      }
      // The results read judges the completed executions (and keeps their results).
      const results = Chunk.toReadonlyArray(yield* Stream.runCollect(provider.results(refOf(id))))
      const count = (v: string) => results.filter((r) => r.status.unified === "completed" && r.verdict === v).length
      expect(count("pass") + count("fail")).toBe(decided(midway))
      handle.requests.reset()
      const [run] = yield* d.getRuns([id], { verdicts: false })
      // The group list and its executions (the queued / running split), no evaluation.
      expect(evaluationReads(handle)).toBe(0)
      expect(route(handle, "/v1/simulation-runs/:id/executions")).toBe(1)
      expect(run!.status.unified).toBe("running")
      expect(run!.counts).toMatchObject({ total: 4, queued: 0, running: 2, passed: count("pass"), failed: count("fail") })
      expect(run!.counts!.pending ?? 0).toBe(0)
    }).pipe(Effect.scoped))

  it.effect("while runs move, getRuns without verdicts agrees with getRun on everything but the pass/fail split of completed executions", () =>
    Effect.gen(function*() {
      const { driver, service } = yield* setup(4)
      const starter = service(yield* driver)
      const ids: Array<string> = []
      for (const { plan } of plans()) ids.push((yield* starter.startRun(plan)).ref.id)
      const tracked = yield* driver
      const single = yield* driver
      for (const id of ids) yield* tracked.getRun(id)
      let samples = 0, terminal = false
      for (let i = 0; i < 300 && !terminal; i++) {
        const before = yield* tracked.getRuns(ids, { verdicts: false })
        const one = yield* Effect.forEach(ids, (id) => single.getRun(id))
        const after = yield* tracked.getRuns(ids, { verdicts: false })
        yield* Effect.sleep("15 millis")
        // Vendor state only moves forward: when both batch reads agree, getRun saw that state too.
        if (JSON.stringify(before) !== JSON.stringify(after)) continue
        samples++
        for (const [k, r] of before.entries()) {
          const o = one[k]!.counts!
          const c = r.counts!
          expect([r.ref.id, r.status, c.queued, c.running, c.errored, c.skipped, c.total]).toEqual([ids[k], one[k]!.status, o.queued, o.running, o.errored, o.skipped, o.total])
          // The completed executions: split by getRun, pending (or split when already known) here.
          expect(c.passed + c.failed + (c.pending ?? 0)).toBe(o.passed + o.failed)
          expect(o.pending ?? 0).toBe(0)
        }
        terminal = one.every((r) => r.status.unified === "completed" || r.status.unified === "failed")
      }
      expect(terminal).toBe(true)
      expect(samples).toBeGreaterThan(0)
    }).pipe(Effect.scoped))
})
