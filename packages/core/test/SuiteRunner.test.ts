import { describe, expect, it } from "@effect/vitest"
import { type Result, Run, SimulationProvider, SuiteRunner, TestProvider } from "@simbridge/core"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Ref from "effect/Ref"
import * as TestClock from "effect/TestClock"
import { plan } from "./fixtures.js"

const provider = (name: string, options: TestProvider.Options = {}) =>
  Effect.map(TestProvider.make({ name, ...options }), ({ control, driver }) => ({ control, service: SimulationProvider.make(driver) }))

describe("SuiteRunner", () => {
  it.effect("runs one plan on several providers concurrently and compares their verdicts", () =>
    Effect.gen(function*() {
      const a = yield* provider("alpha", { outcome: () => "pass" })
      const b = yield* provider("beta", { outcome: (slot) => (slot.persona === "calm-bob" && slot.iteration === 2 ? "fail" : "pass") })
      const events = yield* Ref.make<ReadonlyArray<SuiteRunner.Event>>([])
      const fiber = yield* Effect.fork(SuiteRunner.run(plan, [a.service, b.service], {
        watch: { interval: "1 second" },
        onEvent: (e) => Ref.update(events, (es) => [...es, e])
      }))
      yield* TestClock.adjust("5 minutes")
      const report = yield* Fiber.join(fiber)

      expect(report.runs.map((r) => [r.provider, r.status.unified, r.results.length])).toEqual([["alpha", "completed", 4], ["beta", "completed", 4]])
      expect(report.comparison).toHaveLength(4)
      const disagreement = report.comparison.filter((row) => !row.agree)
      expect(disagreement.map((row) => [row.persona, row.iteration, row.verdicts])).toEqual([["calm-bob", 2, { alpha: "pass", beta: "fail" }]])
      const beta = report.runs[1]!
      const failed = beta.results.find((r) => r.verdict === "fail")!
      expect(failed.evaluations.find((e) => e.evaluator === "booked")).toMatchObject({ passed: false, required: true, expected: true, actual: false })

      const tags = (yield* Ref.get(events)).map((e) => (e._tag === "Completed" ? e._tag : `${e._tag}:${e.provider}`))
      expect(tags.filter((t) => t.startsWith("Started"))).toHaveLength(2)
      expect(tags.filter((t) => t.startsWith("Finished"))).toHaveLength(2)
      expect(tags.filter((t) => t.startsWith("Progress:alpha")).length).toBeGreaterThanOrEqual(2)
      expect(tags[tags.length - 1]).toBe("Completed")
    }))

  it.effect("follows without verdicts, and settles the pending ones of the report's counts with the results", () =>
    Effect.gen(function*() {
      const a = yield* provider("alpha", { outcome: (slot) => (slot.iteration === 2 ? "fail" : "pass") })
      const events = yield* Ref.make<ReadonlyArray<SuiteRunner.Event>>([])
      const fiber = yield* Effect.fork(SuiteRunner.run(plan, [a.service], {
        watch: { interval: "1 second" },
        onEvent: (e) => Ref.update(events, (es) => [...es, e])
      }))
      yield* TestClock.adjust("5 minutes")
      const report = yield* Fiber.join(fiber)

      // The tracker asked for no verdicts; the snapshots counted finished conversations as pending.
      const batches = (yield* a.control.calls).filter((c) => c.operation === "getRuns")
      expect(batches.length).toBeGreaterThan(0)
      expect(batches.every((c) => c.args[1] === false)).toBe(true)
      const progress = (yield* Ref.get(events)).flatMap((e) => (e._tag === "Progress" ? [e.run.counts] : []))
      const last = progress[progress.length - 1]!
      expect([last.passed, last.failed, last.pending, last.finished]).toEqual([0, 0, 4, 4])
      // The report's counts come from the results: nothing pending, the split the verdicts give.
      const verdicts = report.runs[0]!.results.map((r) => r.verdict)
      expect(verdicts.filter((v) => v === "fail")).toHaveLength(2)
      expect(report.runs[0]!.counts).toMatchObject({ total: 4, queued: 0, running: 0, passed: 2, failed: 2, errored: 0, skipped: 0, pending: 0 })
      const finished = (yield* Ref.get(events)).find((e) => e._tag === "Finished")
      expect(finished?._tag === "Finished" ? finished.report.counts : undefined).toEqual(report.runs[0]!.counts)
    }))

  it.effect("settleVerdicts counts the results' verdicts and keeps unaccounted finished conversations pending", () =>
    Effect.sync(() => {
      const counts = new Run.RunCounts({ total: 5, queued: 0, running: 1, passed: 1, failed: 0, errored: 0, skipped: 0, pending: 3 })
      const results = [{ verdict: "pass" }, { verdict: "fail" }, { verdict: "error" }] as unknown as ReadonlyArray<Result.Result>
      expect(SuiteRunner.settleVerdicts(counts, results)).toMatchObject({ total: 5, running: 1, passed: 1, failed: 1, errored: 1, skipped: 0, pending: 1 })
    }))

  it.effect("a provider that fails does not stop the others; its report carries the reason and step", () =>
    Effect.gen(function*() {
      const ok = yield* provider("alpha")
      const broken = yield* provider("beta")
      yield* broken.control.inject("startRun", { _tag: "Error", reason: "Unauthorized", status: 401 })
      const fiber = yield* Effect.fork(SuiteRunner.run(plan, [ok.service, broken.service]))
      yield* TestClock.adjust("5 minutes")
      const report = yield* Fiber.join(fiber)
      expect(report.runs[0]!.status.unified).toBe("completed")
      expect(report.runs[1]).toMatchObject({ provider: "beta", status: { unified: "failed", raw: "simbridge_error" }, error: { reason: "Unauthorized", step: "startRun" } })
      expect(report.runs[1]!.ref).toBeUndefined()
      expect(report.comparison.every((row) => row.verdicts["beta"] === "missing" && !row.agree)).toBe(true)
    }))

  it.effect("when the journal cannot record a provider's intent, that run is not started and the others go on", () =>
    Effect.gen(function*() {
      const ok = yield* provider("alpha")
      const refused = yield* provider("beta")
      const recorded = yield* Ref.make<ReadonlyArray<string>>([])
      const journal: SuiteRunner.Journal = {
        intent: (name, marker) =>
          name === "beta"
            ? Effect.fail(new SuiteRunner.JournalError({ message: "database is locked" }))
            : Ref.update(recorded, (xs) => [...xs, `intent:${name}:${marker.slice(0, 3)}`]),
        started: (name) => Ref.update(recorded, (xs) => [...xs, `started:${name}`]),
        progress: () => Effect.void,
        finished: (name) => Ref.update(recorded, (xs) => [...xs, `finished:${name}`])
      }
      const fiber = yield* Effect.fork(SuiteRunner.run(plan, [ok.service, refused.service], { journal }))
      yield* TestClock.adjust("5 minutes")
      const report = yield* Fiber.join(fiber)
      expect(report.runs[0]!.status.unified).toBe("completed")
      expect(report.runs[1]).toMatchObject({ provider: "beta", status: { unified: "failed" }, error: { reason: "LedgerUnavailable", step: "ledger" } })
      expect(report.runs[1]!.error!.message).toContain("database is locked")
      // Nothing was sent to beta: no provisioning, no run.
      expect((yield* refused.control.calls).map((c) => c.operation)).toEqual([])
      expect([...(yield* Ref.get(recorded))].sort()).toEqual(["finished:alpha", "finished:beta", "intent:alpha:sb-", "started:alpha"])
    }))

  it.effect("when interrupted it cancels the vendor runs and hands over the partial report", () =>
    Effect.gen(function*() {
      const a = yield* provider("alpha", { callDuration: "1 minute" })
      const partial = yield* Ref.make<ReadonlyArray<string>>([])
      const fiber = yield* Effect.fork(SuiteRunner.run(plan, [a.service], {
        onInterrupt: (report) => Ref.set(partial, [String(report.partial), report.runs[0]!.status.unified, String(report.runs[0]!.results.length)])
      }))
      yield* TestClock.adjust("10 seconds")
      yield* Fiber.interrupt(fiber)
      expect((yield* a.control.calls).filter((c) => c.operation === "cancelRun")).toHaveLength(1)
      expect(yield* Ref.get(partial)).toEqual(["true", "canceled", "4"])
    }))
})

describe("SuiteRunner interruption with a vendor that takes time to settle a cancel", () => {
  it.effect("waits for the cancel to settle, so the partial report has the terminal status and every result", () =>
    Effect.gen(function*() {
      const a = yield* provider("alpha", { callDuration: "1 minute", cancelSettle: "2 seconds" })
      const partial = yield* Ref.make<ReadonlyArray<string>>([])
      const fiber = yield* Effect.fork(SuiteRunner.run(plan, [a.service], {
        onInterrupt: (report) => Ref.set(partial, [report.runs[0]!.status.raw, ...report.runs[0]!.results.map((r) => r.verdict)])
      }))
      yield* TestClock.adjust("10 seconds")
      const interrupting = yield* Effect.fork(Fiber.interrupt(fiber))
      // Let the settle polls run on the test clock.
      for (let i = 0; i < 20; i++) yield* TestClock.adjust("250 millis")
      yield* Fiber.join(interrupting)
      expect(yield* Ref.get(partial)).toEqual(["cancelled", "skipped", "skipped", "skipped", "skipped"])
    }))
})

describe("TestProvider", () => {
  it.effect("advances on the Effect clock and records every call", () =>
    Effect.gen(function*() {
      const { control, service } = yield* provider("test", { queueDelay: "1 second", callDuration: "3 seconds" })
      const run = yield* service.startRun(plan)
      expect(run.status.unified).toBe("queued")
      yield* TestClock.adjust("1 second")
      expect((yield* service.getRun(run.ref)).counts).toMatchObject({ running: 2, queued: 2 })
      yield* TestClock.adjust("6 seconds")
      const done = yield* service.getRun(run.ref)
      expect(done.status).toMatchObject({ unified: "completed", raw: "done" })
      expect((yield* control.calls).map((c) => c.operation)).toEqual(["provision", "startRun", "getRun", "getRun"])
    }))
})

describe("SuiteRunner resume", () => {
  it.effect("continues a known run, adopts a run found by its marker, and starts one that never landed", () =>
    Effect.gen(function*() {
      const known = yield* provider("known")
      const found = yield* provider("found")
      const lost = yield* provider("lost")
      const existing = yield* known.service.startRun(plan, { marker: "m-known" })
      yield* found.service.startRun(plan, { marker: "m-found" })
      yield* Effect.forEach([known, found, lost], (p) => p.control.clearCalls)
      const fiber = yield* Effect.fork(SuiteRunner.run(plan, [known.service, found.service, lost.service], {
        resume: new Map([
          ["known", { marker: "m-known", ref: existing.ref }],
          ["found", { marker: "m-found" }],
          ["lost", { marker: "m-lost" }]
        ])
      }))
      yield* TestClock.adjust("5 minutes")
      const report = yield* Fiber.join(fiber)
      expect(report.runs.map((r) => [r.provider, r.status.unified, r.results.length])).toEqual([
        ["known", "completed", 4],
        ["found", "completed", 4],
        ["lost", "completed", 4]
      ])
      const ops = (calls: ReadonlyArray<TestProvider.Call>) => calls.filter((c) => c.operation === "startRun" || c.operation === "findRun").map((c) => c.operation)
      expect(ops(yield* known.control.calls)).toEqual([])
      expect(ops(yield* found.control.calls)).toEqual(["findRun"])
      expect(ops(yield* lost.control.calls)).toEqual(["findRun", "startRun"])
      expect((yield* lost.control.calls).find((c) => c.operation === "startRun")!.args).toContain("m-lost")
    }))
})
