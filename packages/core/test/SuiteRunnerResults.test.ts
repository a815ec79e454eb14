/**
 * A run its vendor reports ended must come with every result: a results read that gives fewer
 * (none, or some) than the run's conversations is read again, then fails the results step, so the
 * report carries an error instead of an empty or partial pass (and the CLI exits non-zero).
 */
import { describe, expect, it } from "@effect/vitest"
import { SimulationProvider, SuiteRunner, TestProvider } from "@simbridge/core"
import type { RunReport } from "@simbridge/core/SuiteReport"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Ref from "effect/Ref"
import * as TestClock from "effect/TestClock"
import { plan } from "./fixtures.js"

/**
 * A TestProvider whose results listing gives only the first `keep` results of a read, and then
 * ends, for its first `short` reads (Infinity: every read).
 */
const shortListing = (keep: number, short: number) =>
  Effect.gen(function*() {
    const { driver } = yield* TestProvider.make({ name: "alpha", outcome: () => "pass" })
    const reads = yield* Ref.make(0)
    const listResults: SimulationProvider.Driver["listResults"] = (id, cursor, options) =>
      Effect.gen(function*() {
        // A read starts at the first page (no cursor).
        const read = cursor === undefined ? yield* Ref.updateAndGet(reads, (n) => n + 1) : yield* Ref.get(reads)
        const page = yield* driver.listResults(id, cursor, options)
        return read > short ? page : { results: page.results.slice(0, keep) }
      })
    return { reads, service: SimulationProvider.make({ ...driver, listResults }) }
  })

const runToEnd = (service: SimulationProvider.Service, options: SuiteRunner.Options = {}) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(SuiteRunner.run(plan, [service], { watch: { interval: "1 second" }, ...options }))
    yield* TestClock.adjust("10 minutes")
    return yield* Fiber.join(fiber)
  })

describe("SuiteRunner: every result of a run that ended", () => {
  it.effect("a results listing that misses conversations at first is read again until it has them all", () =>
    Effect.gen(function*() {
      const alpha = yield* shortListing(0, 2)
      const report = yield* runToEnd(alpha.service)
      const run = report.runs[0]!
      expect(run.error).toBeUndefined()
      expect(run.status.unified).toBe("completed")
      expect(run.results).toHaveLength(4)
      expect(yield* Ref.get(alpha.reads)).toBe(3)
    }))

  it.effect("a completed run whose results cannot be read ends with an error, not as an empty pass", () =>
    Effect.gen(function*() {
      const alpha = yield* shortListing(0, Number.POSITIVE_INFINITY)
      const finished = yield* Ref.make<ReadonlyArray<RunReport>>([])
      const journal: SuiteRunner.Journal = {
        intent: () => Effect.void,
        started: () => Effect.void,
        progress: () => Effect.void,
        finished: (_provider, _marker, report) => Ref.update(finished, (xs) => [...xs, report])
      }
      const report = yield* runToEnd(alpha.service, { journal })
      const run = report.runs[0]!
      expect(run.status.unified).toBe("completed")
      expect(run.results).toEqual([])
      expect(run.error).toMatchObject({ step: "results", reason: "ProviderInternal" })
      expect(run.error!.message).toContain("0 of its 4 conversations")
      // Read again under the retry policy before giving up.
      expect(yield* Ref.get(alpha.reads)).toBeGreaterThan(1)
      // The journal's final report (the ledger's) carries the error too.
      expect((yield* Ref.get(finished)).map((r) => r.error?.step)).toEqual(["results"])
      expect(report.comparison.every((row) => row.verdicts["alpha"] === "missing")).toBe(true)
    }))

  it.effect("a partial read keeps the results it has and fails the step", () =>
    Effect.gen(function*() {
      const alpha = yield* shortListing(1, Number.POSITIVE_INFINITY)
      const report = yield* runToEnd(alpha.service)
      const run = report.runs[0]!
      expect(run.results).toHaveLength(1)
      expect(run.error).toMatchObject({ step: "results", reason: "ProviderInternal" })
      expect(run.error!.message).toContain("1 of its 4 conversations")
    }))

  it.effect("a resumed run that ended is held to the same", () =>
    Effect.gen(function*() {
      const alpha = yield* shortListing(0, Number.POSITIVE_INFINITY)
      const existing = yield* alpha.service.startRun(plan, { marker: "m-resumed" })
      yield* TestClock.adjust("10 minutes")
      const report = yield* runToEnd(alpha.service, { resume: new Map([["alpha", { marker: "m-resumed", ref: existing.ref }]]) })
      const run = report.runs[0]!
      expect(run.status.unified).toBe("completed")
      expect(run.results).toEqual([])
      expect(run.error).toMatchObject({ step: "results" })
    }))
})
