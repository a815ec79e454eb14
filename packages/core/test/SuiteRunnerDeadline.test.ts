/**
 * Runs that always end: the run deadline (`timeout`) and the journal's record of a run the runner
 * stopped (deadline or interrupt).
 */
import { describe, expect, it } from "@effect/vitest"
import { SimulationProvider, SuiteReport, SuiteRunner, TestProvider } from "@simbridge/core"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Ref from "effect/Ref"
import * as TestClock from "effect/TestClock"
import { plan } from "./fixtures.js"

const provider = (name: string, options: TestProvider.Options = {}) =>
  Effect.map(TestProvider.make({ name, ...options }), ({ control, driver }) => ({ control, service: SimulationProvider.make(driver) }))

/** A journal that keeps the final reports, by provider. */
const recordingJournal = Effect.gen(function*() {
  const finished = yield* Ref.make<ReadonlyArray<SuiteReport.RunReport>>([])
  const journal: SuiteRunner.Journal = {
    intent: () => Effect.void,
    started: () => Effect.void,
    progress: () => Effect.void,
    finished: (_, __, report) => Ref.update(finished, (rs) => [...rs, report])
  }
  return { journal, finished: Ref.get(finished) }
})

const operations = (calls: ReadonlyArray<TestProvider.Call>, operation: TestProvider.Call["operation"]) =>
  calls.filter((c) => c.operation === operation)

describe("SuiteRunner deadline", () => {
  it.effect("at the deadline it cancels the runs still going, keeps their results and reports them timed_out", () =>
    Effect.gen(function*() {
      const fast = yield* provider("fast", { callDuration: "2 seconds" })
      const slow = yield* provider("slow", { callDuration: "1 minute" })
      const { finished, journal } = yield* recordingJournal
      const events = yield* Ref.make<ReadonlyArray<string>>([])
      const fiber = yield* Effect.fork(SuiteRunner.run(plan, [fast.service, slow.service], {
        journal,
        timeout: "10 seconds",
        watch: { interval: "1 second" },
        onEvent: (e) => Ref.update(events, (es) => [...es, e._tag === "Completed" ? e._tag : `${e._tag}:${e.provider}`])
      }))
      yield* TestClock.adjust("10 seconds")
      const report = yield* Fiber.join(fiber)

      // The run that ended before the deadline keeps its status; the other is timed out.
      expect(report.runs.map((r) => [r.provider, r.status.unified, r.status.raw])).toEqual([
        ["fast", "completed", "done"],
        ["slow", "timed_out", "simbridge_deadline"]
      ])
      expect(report.partial).toBe(false)
      expect(operations(yield* fast.control.calls, "cancelRun")).toHaveLength(0)
      expect(operations(yield* slow.control.calls, "cancelRun")).toHaveLength(1)
      // The results read after the cancel: every conversation was cut short.
      expect(report.runs[1]!.results.map((r) => r.verdict)).toEqual(["skipped", "skipped", "skipped", "skipped"])
      expect(report.runs[1]!.ref).toMatch(/^slow:run:/)
      expect((yield* finished).map((r) => [r.provider, r.status.unified])).toEqual([["fast", "completed"], ["slow", "timed_out"]])
      const tags = yield* Ref.get(events)
      expect(tags.filter((t) => t.startsWith("Finished"))).toEqual(["Finished:fast", "Finished:slow"])
      expect(tags[tags.length - 1]).toBe("Completed")
    }))

  it.effect("a run that ends before the deadline is not touched", () =>
    Effect.gen(function*() {
      const a = yield* provider("alpha", { callDuration: "2 seconds" })
      const fiber = yield* Effect.fork(SuiteRunner.run(plan, [a.service], { timeout: "1 hour", watch: { interval: "1 second" } }))
      yield* TestClock.adjust("1 minute")
      const report = yield* Fiber.join(fiber)
      expect(report.runs[0]!.status.unified).toBe("completed")
      expect(operations(yield* a.control.calls, "cancelRun")).toHaveLength(0)
    }))

  it.effect("a create in flight at the deadline is looked up by its marker; without a vendor run it is timed out with no ref", () =>
    Effect.gen(function*() {
      const a = yield* provider("alpha")
      // The create is refused with a long Retry-After: the runner is waiting to retry at the deadline.
      yield* a.control.inject("startRun", { _tag: "Error", reason: "RateLimited", status: 429, retryAfter: "1 minute" }, 1)
      const fiber = yield* Effect.fork(SuiteRunner.run(plan, [a.service], { timeout: "10 seconds", marker: () => Effect.succeed("sb-deadline") }))
      yield* TestClock.adjust("10 seconds")
      const report = yield* Fiber.join(fiber)
      expect(report.runs[0]).toMatchObject({ status: { unified: "timed_out", raw: "simbridge_deadline" }, results: [] })
      expect(report.runs[0]!.ref).toBeUndefined()
      const calls = yield* a.control.calls
      expect(operations(calls, "findRun").map((c) => c.args)).toEqual([expect.arrayContaining(["sb-deadline"])])
      expect(operations(calls, "cancelRun")).toHaveLength(0)
    }))

  it.effect("resuming past the deadline (timeout 0) cancels the known run at once and records it timed out", () =>
    Effect.gen(function*() {
      const a = yield* provider("alpha", { callDuration: "1 minute" })
      const existing = yield* a.service.startRun(plan, { marker: "m-late" })
      yield* a.control.clearCalls
      const { finished, journal } = yield* recordingJournal
      const fiber = yield* Effect.fork(SuiteRunner.run(plan, [a.service], {
        journal,
        timeout: 0,
        resume: new Map([["alpha", { marker: "m-late", ref: existing.ref }]])
      }))
      yield* TestClock.adjust("1 second")
      const report = yield* Fiber.join(fiber)
      expect(report.runs[0]).toMatchObject({ ref: existing.ref.toString(), status: { unified: "timed_out", raw: "simbridge_deadline" } })
      expect(operations(yield* a.control.calls, "cancelRun").map((c) => c.args[0])).toEqual([existing.ref.id])
      expect((yield* finished).map((r) => [r.provider, r.status.unified])).toEqual([["alpha", "timed_out"]])
    }))
})

describe("SuiteRunner interruption and the journal", () => {
  it.effect("an interrupted run is recorded finished, canceled, with the results read after the cancel", () =>
    Effect.gen(function*() {
      const a = yield* provider("alpha", { callDuration: "1 minute" })
      const { finished, journal } = yield* recordingJournal
      const fiber = yield* Effect.fork(SuiteRunner.run(plan, [a.service], { journal }))
      yield* TestClock.adjust("10 seconds")
      yield* Fiber.interrupt(fiber)
      const reports = yield* finished
      expect(reports.map((r) => [r.provider, r.status.unified, r.status.raw, r.results.length])).toEqual([["alpha", "canceled", "cancelled", 4]])
    }))

  it.effect("when the vendor does not settle the cancel in time, the run is recorded canceled by simbridge", () =>
    Effect.gen(function*() {
      const a = yield* provider("alpha", { callDuration: "1 minute", cancelSettle: "1 minute" })
      const { finished, journal } = yield* recordingJournal
      const partial = yield* Ref.make<ReadonlyArray<string>>([])
      const fiber = yield* Effect.fork(SuiteRunner.run(plan, [a.service], {
        journal,
        onInterrupt: (report) => Ref.set(partial, [String(report.partial), report.runs[0]!.status.unified, report.runs[0]!.status.raw])
      }))
      yield* TestClock.adjust("10 seconds")
      const interrupting = yield* Effect.fork(Fiber.interrupt(fiber))
      for (let i = 0; i < 30; i++) yield* TestClock.adjust("250 millis")
      yield* Fiber.join(interrupting)
      expect(yield* Ref.get(partial)).toEqual(["true", "canceled", "simbridge_interrupted"])
      expect((yield* finished).map((r) => [r.status.unified, r.status.raw])).toEqual([["canceled", "simbridge_interrupted"]])
    }))
})
