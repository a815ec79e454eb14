import { describe, expect, it } from "@effect/vitest"
import { ProviderError, Retry, SimulationProvider, TestProvider, Warning } from "@simbridge/core"
import * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { plan } from "./fixtures.js"

const fast = new Retry.RetryPolicy({ ...Retry.defaultPolicy, initialDelay: Duration.millis(10), jitter: 0 })

describe("SimulationProvider.make", () => {
  it.effect("warns about every plan option the capabilities do not cover, or fails in strict mode", () =>
    Effect.gen(function*() {
      const { driver } = yield* TestProvider.make({
        capabilities: { directions: ["inbound"], transports: ["voice"], concurrency: false, personaAttributes: ["language", "accent"] }
      })
      const provider = SimulationProvider.make(driver)
      const outbound = new (plan.constructor as any)({ ...plan, direction: "outbound", transport: "chat" })
      const warnings = yield* provider.check(outbound)
      expect(warnings.map((w) => w.code).sort()).toEqual([
        "persona_attributes_not_native",
        "unsupported_concurrency",
        "unsupported_direction",
        "unsupported_transport"
      ])
      expect(warnings.find((w) => w.code === "persona_attributes_not_native")).toMatchObject({ field: "personas[0]" })
      expect(warnings.find((w) => w.code === "persona_attributes_not_native")!.message).toContain("emotion")
      const strict = yield* Effect.flip(provider.check(outbound, { strict: true }))
      expect(strict.reason).toBe("Unsupported")
      expect(strict.description).toContain("direction")
      const run = yield* provider.startRun(outbound)
      expect(run.warnings.map((w) => w.code)).toContain("unsupported_direction")
    }))

  it.effect("checks a plan once however often it is started (plans are immutable, checks pure); another plan is checked anew", () =>
    Effect.gen(function*() {
      const { driver } = yield* TestProvider.make({ capabilities: { directions: ["inbound"], transports: ["voice"] } })
      let checks = 0
      const provider = SimulationProvider.make({
        ...driver,
        check: (p) => {
          checks++
          return [Warning.make("vendor_note", `checked ${p.name}`)]
        }
      })
      const outbound = new (plan.constructor as any)({ ...plan, direction: "outbound" })
      const first = yield* provider.startRun(outbound)
      const second = yield* provider.startRun(outbound)
      expect(checks).toBe(1)
      expect(second.warnings).toEqual(first.warnings)
      expect(first.warnings.map((w) => w.code).sort()).toEqual(["unsupported_direction", "vendor_note"])
      expect(yield* Effect.flip(provider.check(outbound, { strict: true }))).toMatchObject({ reason: "Unsupported" })
      expect(checks).toBe(1)
      const renamed = new (plan.constructor as any)({ ...plan, name: "another" })
      expect((yield* provider.check(renamed)).map((w) => w.message)).toEqual(["checked another"])
      expect(checks).toBe(2)
    }))

  it.effect("adopts a run whose creation answer was lost instead of starting a second one", () =>
    Effect.gen(function*() {
      const { driver, control } = yield* TestProvider.make()
      let lost = false
      const lossy: SimulationProvider.Driver = {
        ...driver,
        // The first create reaches the vendor, but its answer is lost.
        startRun: (input) =>
          Effect.flatMap(driver.startRun(input), (run) =>
            lost ? Effect.succeed(run) : Effect.sync(() => (lost = true)).pipe(
              Effect.zipRight(Effect.fail(ProviderError.make({ provider: "test", operation: "startRun", reason: "Transport", description: "socket hang up", outcomeUnknown: true })))
            ))
      }
      const provider = SimulationProvider.make(lossy, { retry: fast })
      const run = yield* provider.startRun(plan, { marker: "sb-fixed" })
      const calls = yield* control.calls
      expect(calls.filter((c) => c.operation === "startRun")).toHaveLength(1)
      expect(calls.filter((c) => c.operation === "findRun")).toHaveLength(1)
      expect(run.marker).toBe("sb-fixed")
    }))

  it.effect("watch polls on the clock, backs off while nothing changes, and ends at the terminal status", () =>
    Effect.gen(function*() {
      // batch: false: a driver without getRuns keeps one getRun poll per watch.
      const { driver, control } = yield* TestProvider.make({ callDuration: "10 seconds", queueDelay: "2 seconds", batch: false })
      const provider = SimulationProvider.make(driver)
      const run = yield* provider.startRun(plan)
      const fiber = yield* Effect.fork(Stream.runCollect(provider.watch(run.ref, { interval: "1 second", maxInterval: "4 seconds" })))
      yield* TestClock.adjust("2 minutes")
      const snapshots = Chunk.toReadonlyArray(yield* Fiber.join(fiber))
      expect(snapshots.map((s) => s.status.raw)).toEqual(["pending", "in_progress", "in_progress", "done"])
      expect(snapshots.map((s) => s.counts.running)).toEqual([0, 2, 2, 0])
      expect(snapshots[3]!.counts.total).toBe(4)
      // 22 seconds of run, polled at 1s growing to 4s: far fewer polls than seconds.
      const polls = (yield* control.calls).filter((c) => c.operation === "getRun").length
      expect(polls).toBeGreaterThan(4)
      expect(polls).toBeLessThan(15)
    }))

  it.effect("results stream every page and decode; a driver returning bad data fails as MalformedResponse with the path", () =>
    Effect.gen(function*() {
      const { driver, control } = yield* TestProvider.make({ pageSize: 3 })
      const provider = SimulationProvider.make(driver, { retry: fast })
      const run = yield* provider.startRun(plan)
      yield* TestClock.adjust("1 minute")
      const results = Chunk.toReadonlyArray(yield* Stream.runCollect(provider.results(run.ref)))
      expect(results.map((r) => `${r.persona}/${r.iteration}`)).toEqual(["anxious-sarah/1", "anxious-sarah/2", "calm-bob/1", "calm-bob/2"])
      expect((yield* control.calls).filter((c) => c.operation === "listResults")).toHaveLength(2)
      yield* control.inject("listResults", { _tag: "Malformed" })
      const error = yield* Effect.flip(Stream.runCollect(provider.results(run.ref)))
      expect(error.reason).toBe("MalformedResponse")
      expect(error.description).toContain("results[0].verdict")
    }))

  it.effect("a driver result with a bad nested field fails as MalformedResponse naming it", () =>
    Effect.gen(function*() {
      const { driver } = yield* TestProvider.make({ pageSize: 3 })
      const provider = SimulationProvider.make({
        ...driver,
        listResults: (id, cursor, options) =>
          Effect.map(driver.listResults(id, cursor, options), (page) => ({
            ...page,
            results: page.results.map((r, i) => (i === 1 ? { ...r, transcript: [{ role: "robot" as "agent", text: "hello" }] } : r))
          }))
      }, { retry: fast })
      const run = yield* provider.startRun(plan)
      yield* TestClock.adjust("1 minute")
      const error = yield* Effect.flip(Stream.runCollect(provider.results(run.ref)))
      expect(error.reason).toBe("MalformedResponse")
      expect(error.description).toContain("results[1].transcript[0].role")
    }))

  it.effect("rejects a reference to another provider's run", () =>
    Effect.gen(function*() {
      const { driver } = yield* TestProvider.make()
      const provider = SimulationProvider.make(driver)
      const run = yield* provider.startRun(plan)
      const error = yield* Effect.flip(provider.getRun(new (run.ref.constructor as any)({ ...run.ref, provider: "vapi" })))
      expect(error.reason).toBe("InvalidRequest")
      expect(error.description).toContain("test:run:<id>")
    }))
})

describe("SimulationProvider.make in-flight bound", () => {
  it.effect("no more than maxInFlight driver calls run at once", () =>
    Effect.gen(function*() {
      const { driver } = yield* TestProvider.make()
      let inFlight = 0
      let peak = 0
      const counting: SimulationProvider.Driver = {
        ...driver,
        getRun: (id) =>
          Effect.sync(() => {
            inFlight++
            peak = Math.max(peak, inFlight)
          }).pipe(
            Effect.zipRight(Effect.sleep("10 millis")),
            Effect.zipRight(driver.getRun(id)),
            Effect.ensuring(Effect.sync(() => inFlight--))
          )
      }
      const provider = SimulationProvider.make(counting, { maxInFlight: 3 })
      const run = yield* provider.startRun(plan)
      const fiber = yield* Effect.fork(Effect.forEach(Array.from({ length: 20 }), () => provider.getRun(run.ref), { concurrency: "unbounded" }))
      yield* TestClock.adjust("1 second")
      expect(yield* Fiber.join(fiber)).toHaveLength(20)
      expect(peak).toBe(3)
    }))
})
