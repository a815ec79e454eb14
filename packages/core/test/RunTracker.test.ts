import { describe, expect, it } from "@effect/vitest"
import { ProviderError, ProviderRef, Run, RunTracker, SimulationProvider, TestProvider } from "@simbridge/core"
import * as Chunk from "effect/Chunk"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { plan } from "./fixtures.js"

const timing = { callDuration: "10 seconds", queueDelay: "2 seconds" } as const
const watchOptions = { interval: "1 second", maxInterval: "4 seconds" } as const

const summary = (snapshots: ReadonlyArray<Run.Run>) => snapshots.map((s) => `${s.status.raw}:${s.counts.running}/${s.counts.passed + s.counts.failed}`)

/** After two minutes, `fiber` failed with the callback's "stop", and its runs are polled no more. */
const stoppedAndNoLongerPolled = (fiber: Fiber.RuntimeFiber<Either.Either<unknown, unknown>>, control: TestProvider.Control) =>
  Effect.gen(function*() {
    yield* TestClock.adjust("2 minutes")
    const result = yield* Fiber.join(fiber)
    expect(result._tag === "Left" && result.left).toBe("stop")
    yield* control.clearCalls
    yield* TestClock.adjust("1 minute")
    expect((yield* control.calls).filter((c) => c.operation === "getRuns")).toHaveLength(0)
  })

/** Starts `n` runs, one every `gap` seconds of test clock, watching each from its start. */
const watchMany = (provider: SimulationProvider.Service, n: number) =>
  Effect.gen(function*() {
    const fibers: Array<Fiber.RuntimeFiber<Chunk.Chunk<Run.Run>, unknown>> = []
    const refs = []
    for (let i = 0; i < n; i++) {
      const run = yield* provider.startRun(plan)
      refs.push(run.ref)
      fibers.push(yield* Effect.fork(Stream.runCollect(provider.watch(run.ref, watchOptions))))
      if (i % 5 === 4) yield* TestClock.adjust("1 second")
    }
    return { fibers, refs }
  })

describe("RunTracker (watch through a driver with getRuns)", () => {
  it.effect("N concurrent watches cost far fewer driver calls than N per-run polls, and every watcher sees every change", () =>
    Effect.gen(function*() {
      const n = 20
      const polled = (calls: ReadonlyArray<TestProvider.Call>) => calls.filter((c) => c.operation === "getRun" || c.operation === "getRuns")

      const single = yield* TestProvider.make({ ...timing, batch: false })
      const perRun = yield* watchMany(SimulationProvider.make(single.driver), n)
      yield* TestClock.adjust("2 minutes")
      const expected = yield* Effect.forEach(perRun.fibers, (f) => Effect.map(Fiber.join(f), (c) => summary(Chunk.toReadonlyArray(c))))
      const perRunCalls = polled(yield* single.control.calls).length

      const batched = yield* TestProvider.make(timing)
      const tracked = yield* watchMany(SimulationProvider.make(batched.driver), n)
      yield* TestClock.adjust("2 minutes")
      const seen = yield* Effect.forEach(tracked.fibers, (f) => Effect.map(Fiber.join(f), (c) => summary(Chunk.toReadonlyArray(c))))
      const calls = yield* batched.control.calls

      // Every change of every run, ending with its terminal snapshot, exactly as per-run polling saw it.
      expect(seen).toEqual(expected)
      for (const s of seen) {
        expect(s[0]).toBe("pending:0/0")
        expect(s[s.length - 1]).toBe("done:0/4")
        expect(s.length).toBe(4)
      }
      // One getRun per watch for its first snapshot, then one getRuns per poll for all of them.
      expect(calls.filter((c) => c.operation === "getRun")).toHaveLength(n)
      const batches = calls.filter((c) => c.operation === "getRuns")
      expect(batches.length).toBeGreaterThan(3)
      expect(batches.length).toBeLessThan(n)
      expect(Math.max(...batches.map((c) => (c.args[0] as ReadonlyArray<string>).length))).toBe(n)
      expect(perRunCalls).toBeGreaterThan(n * 5)
      expect(polled(calls).length * 2).toBeLessThan(perRunCalls)
    }))

  it.effect("interrupting one watcher does not stop the others; its run is no longer polled", () =>
    Effect.gen(function*() {
      const { control, driver } = yield* TestProvider.make(timing)
      const provider = SimulationProvider.make(driver)
      const { fibers, refs } = yield* watchMany(provider, 3)
      yield* TestClock.adjust("3 seconds")
      yield* Fiber.interrupt(fibers[1]!)
      yield* control.clearCalls
      yield* TestClock.adjust("2 minutes")
      const others = yield* Effect.forEach([fibers[0]!, fibers[2]!], (f) => Effect.map(Fiber.join(f), (c) => summary(Chunk.toReadonlyArray(c))))
      for (const s of others) expect(s[s.length - 1]).toBe("done:0/4")
      const asked = (yield* control.calls).filter((c) => c.operation === "getRuns").flatMap((c) => c.args[0] as ReadonlyArray<string>)
      expect(asked).toContain(refs[0]!.id)
      expect(asked).not.toContain(refs[1]!.id)
    }))

  it.effect("the loop stops when the last watcher ends, and starts again for a new watcher", () =>
    Effect.gen(function*() {
      const { control, driver } = yield* TestProvider.make(timing)
      const provider = SimulationProvider.make(driver)
      const batches = Effect.map(control.calls, (cs) => cs.filter((c) => c.operation === "getRuns").length)
      // Ends at the terminal status.
      const { fibers } = yield* watchMany(provider, 2)
      yield* TestClock.adjust("1 minute")
      yield* Effect.forEach(fibers, Fiber.join)
      const afterTerminal = yield* batches
      yield* TestClock.adjust("10 minutes")
      expect(yield* batches).toBe(afterTerminal)
      // Ends by interruption before the terminal status.
      const run = yield* provider.startRun(plan)
      const fiber = yield* Effect.fork(Stream.runCollect(provider.watch(run.ref, watchOptions)))
      yield* TestClock.adjust("5 seconds")
      const whileWatched = yield* batches
      expect(whileWatched).toBeGreaterThan(afterTerminal)
      yield* Fiber.interrupt(fiber)
      yield* TestClock.adjust("10 minutes")
      expect(yield* batches).toBe(whileWatched)
    }))

  it.effect("a provider from `layer` stops its polling loop when the layer's scope closes", () =>
    Effect.gen(function*() {
      const { control, driver } = yield* TestProvider.make(timing)
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(SimulationProvider.layer(Effect.succeed(driver)), scope)
      const provider = Context.get(context, SimulationProvider.SimulationProvider)
      const run = yield* provider.startRun(plan)
      const fiber = yield* Effect.fork(Stream.runDrain(provider.watch(run.ref, watchOptions)))
      yield* TestClock.adjust("3 seconds")
      expect((yield* control.calls).filter((c) => c.operation === "getRuns").length).toBeGreaterThan(0)
      yield* Scope.close(scope, Exit.void)
      yield* control.clearCalls
      yield* TestClock.adjust("1 minute")
      expect((yield* control.calls).filter((c) => c.operation === "getRuns")).toHaveLength(0)
      yield* Fiber.interrupt(fiber)
    }))

  it.effect("a follower that runs uninterruptibly still ends, and its loop stops with it", () =>
    Effect.gen(function*() {
      const { control, driver } = yield* TestProvider.make(timing)
      const provider = SimulationProvider.make(driver)
      const run = yield* provider.startRun(plan)
      const fiber = yield* Effect.fork(Effect.uninterruptible(provider.followAll([run], () => Effect.void, watchOptions)))
      yield* TestClock.adjust("2 minutes")
      const [outcome] = yield* Fiber.join(fiber)
      expect(outcome !== undefined && Either.isRight(outcome) && outcome.right.status.unified).toBe("completed")
      yield* control.clearCalls
      yield* TestClock.adjust("1 minute")
      expect((yield* control.calls).filter((c) => c.operation === "getRuns")).toHaveLength(0)
    }))

  it.effect("slows down while nothing changes (x1.5 up to the smallest maxInterval) and resets on a change", () =>
    Effect.gen(function*() {
      const { control, driver } = yield* TestProvider.make({ callDuration: "100 seconds", queueDelay: "2 seconds" })
      const provider = SimulationProvider.make(driver)
      const run = yield* provider.startRun(plan)
      const slow = yield* Effect.fork(Stream.runCollect(provider.watch(run.ref, { interval: "1 second", maxInterval: "30 seconds" })))
      const fast = yield* Effect.fork(Stream.runCollect(provider.watch(run.ref, watchOptions)))
      yield* TestClock.adjust("5 minutes")
      const times = (yield* control.calls).filter((c) => c.operation === "getRuns").map((c) => c.at)
      const gaps = times.slice(1).map((t, i) => t - times[i]!)
      // The run changes at 2 s, 102 s and 202 s: in between, gaps grow to 4 s (the smaller maximum) and stay there.
      expect(Math.max(...gaps)).toBe(4000)
      expect(gaps.filter((g) => g === 4000).length).toBeGreaterThan(40)
      expect(gaps.filter((g) => g === 1000).length).toBeGreaterThanOrEqual(2)
      expect(times.length).toBeLessThan(90)
      const a = summary(Chunk.toReadonlyArray(yield* Fiber.join(slow)))
      expect(a).toEqual(summary(Chunk.toReadonlyArray(yield* Fiber.join(fast))))
      expect(a[a.length - 1]).toBe("done:0/4")
    }))

  it.effect("watchers without verdicts share their own polling loop; their snapshots count finished conversations as pending", () =>
    Effect.gen(function*() {
      const { control, driver } = yield* TestProvider.make(timing)
      const provider = SimulationProvider.make(driver)
      const full = yield* provider.startRun(plan)
      const light = yield* provider.startRun(plan)
      const a = yield* Effect.fork(Stream.runCollect(provider.watch(full.ref, watchOptions)))
      const b = yield* Effect.fork(Stream.runCollect(provider.watch(light.ref, { ...watchOptions, verdicts: false })))
      yield* TestClock.adjust("2 minutes")
      const withVerdicts = Chunk.toReadonlyArray(yield* Fiber.join(a))
      const without = Chunk.toReadonlyArray(yield* Fiber.join(b))
      const counts = (r: Run.Run) => [r.counts.passed + r.counts.failed, r.counts.pending]
      expect(counts(withVerdicts[withVerdicts.length - 1]!)).toEqual([4, 0])
      expect(counts(without[without.length - 1]!)).toEqual([0, 4])
      expect(without[without.length - 1]!.counts.finished).toBe(4)
      // Each loop asked for its own ids only, with its own verdicts flag.
      const batches = (yield* control.calls).filter((c) => c.operation === "getRuns")
      for (const c of batches) {
        expect(c.args[0]).toEqual([c.args[1] === false ? light.ref.id : full.ref.id])
      }
      expect(new Set(batches.map((c) => c.args[1]))).toEqual(new Set([true, false]))
    }))

  it.effect("a getRuns that fails after the retry loop fails the watchers of that batch", () =>
    Effect.gen(function*() {
      const { control, driver } = yield* TestProvider.make(timing)
      const provider = SimulationProvider.make(driver)
      const { fibers } = yield* watchMany(provider, 2)
      yield* control.inject("getRuns", { _tag: "Error", reason: "Unauthorized", status: 401 })
      yield* TestClock.adjust("1 minute")
      const errors = yield* Effect.forEach(fibers, (f) => Effect.flip(Fiber.join(f)))
      expect(errors.map((e) => (e as { reason: string }).reason)).toEqual(["Unauthorized", "Unauthorized"])
      // A malformed run fails as MalformedResponse naming the run.
      const run = yield* provider.startRun(plan)
      const fiber = yield* Effect.fork(Stream.runCollect(provider.watch(run.ref, watchOptions)))
      yield* TestClock.adjust("1 second")
      yield* control.inject("getRuns", { _tag: "Malformed" })
      yield* TestClock.adjust("1 minute")
      const malformed = yield* Effect.flip(Fiber.join(fiber))
      expect((malformed as { reason: string }).reason).toBe("MalformedResponse")
    }))

  it.effect("a run getRuns keeps leaving out is read alone: gone, its watcher fails NotFound; still there, it is followed to the end", () =>
    Effect.gen(function*() {
      const { control, driver } = yield* TestProvider.make(timing)
      const hidden = new Set<string>()
      const deleted = new Set<string>()
      const lossy: SimulationProvider.Driver = {
        ...driver,
        // The vendor's list no longer shows these runs (deleted, or listed otherwise).
        getRuns: (ids, o) => Effect.map(driver.getRuns!(ids, o), (runs) => runs.filter((r) => !hidden.has(r.ref.id))),
        getRun: (id) =>
          deleted.has(id)
            ? Effect.fail(ProviderError.make({ provider: "test", operation: "getRun", reason: "NotFound", description: `no run ${id}` }))
            : driver.getRun(id)
      }
      const provider = SimulationProvider.make(lossy)
      const gone = yield* provider.startRun(plan)
      const unlisted = yield* provider.startRun(plan)
      const kept = yield* provider.startRun(plan)
      const watch = (ref: typeof gone.ref) => Effect.fork(Stream.runCollect(provider.watch(ref, watchOptions)))
      const fibers = [yield* watch(gone.ref), yield* watch(unlisted.ref), yield* watch(kept.ref)]
      yield* TestClock.adjust("1 second")
      hidden.add(gone.ref.id).add(unlisted.ref.id)
      deleted.add(gone.ref.id)
      yield* TestClock.adjust("2 minutes")

      const error = yield* Effect.flip(Fiber.join(fibers[0]!))
      expect((error as ProviderError.ProviderError).reason).toBe("NotFound")
      for (const f of fibers.slice(1)) {
        const s = summary(Chunk.toReadonlyArray(yield* Fiber.join(f)))
        expect(s[s.length - 1]).toBe("done:0/4")
      }
      // Read alone only after three polls in a row left it out, not at every poll.
      const calls = yield* control.calls
      const alone = calls.filter((c) => c.operation === "getRun" && c.args[0] === unlisted.ref.id).length
      const polls = calls.filter((c) => c.operation === "getRuns" && (c.args[0] as ReadonlyArray<string>).includes(unlisted.ref.id)).length
      expect(alone).toBeGreaterThan(1)
      expect(alone).toBeLessThanOrEqual(Math.ceil(polls / 3) + 1)
    }))

  it.effect("a driver defect in getRuns fails the watchers of that poll, and the loop serves later watchers", () =>
    Effect.gen(function*() {
      const { driver } = yield* TestProvider.make(timing)
      let die = true
      const dying: SimulationProvider.Driver = {
        ...driver,
        getRuns: (ids) => (die ? Effect.die(new Error("boom")) : driver.getRuns!(ids))
      }
      const provider = SimulationProvider.make(dying)
      const { fibers } = yield* watchMany(provider, 2)
      yield* TestClock.adjust("5 seconds")
      const errors = yield* Effect.forEach(fibers, (f) => Effect.flip(Fiber.join(f)))
      expect(errors.map((e) => [(e as { reason: string }).reason, (e as { description: string }).description])).toEqual([
        ["ProviderInternal", "the driver failed: Error: boom"],
        ["ProviderInternal", "the driver failed: Error: boom"]
      ])
      die = false
      const later = yield* watchMany(provider, 1)
      yield* TestClock.adjust("2 minutes")
      const s = summary(Chunk.toReadonlyArray(yield* Fiber.join(later.fibers[0]!)))
      expect(s[s.length - 1]).toBe("done:0/4")
    }))
})

describe("follow (the snapshots of watch without a Stream per run)", () => {
  /** Starts `n` runs as `watchMany` does, following each with a callback that collects. */
  const followMany = (provider: SimulationProvider.Service, n: number) =>
    Effect.gen(function*() {
      const fibers: Array<Fiber.RuntimeFiber<{ readonly seen: ReadonlyArray<Run.Run>; readonly last: Run.Run }, unknown>> = []
      for (let i = 0; i < n; i++) {
        const run = yield* provider.startRun(plan)
        const seen: Array<Run.Run> = []
        fibers.push(yield* Effect.fork(Effect.map(SimulationProvider.follow(provider, run.ref, (r) => Effect.sync(() => void seen.push(r)), watchOptions), (last) => ({ seen, last }))))
        if (i % 5 === 4) yield* TestClock.adjust("1 second")
      }
      return fibers
    })

  for (const batch of [true, false]) {
    it.effect(`hands over exactly the snapshots watch emits and returns the terminal one (${batch ? "batched, getRuns" : "per-run polling"})`, () =>
      Effect.gen(function*() {
        const n = 8
        const watched = yield* TestProvider.make({ ...timing, batch })
        const viaWatch = yield* watchMany(SimulationProvider.make(watched.driver), n)
        yield* TestClock.adjust("2 minutes")
        const expected = yield* Effect.forEach(viaWatch.fibers, (f) => Effect.map(Fiber.join(f), (c) => summary(Chunk.toReadonlyArray(c))))

        const followed = yield* TestProvider.make({ ...timing, batch })
        const fibers = yield* followMany(SimulationProvider.make(followed.driver), n)
        yield* TestClock.adjust("2 minutes")
        const got = yield* Effect.forEach(fibers, Fiber.join)
        expect(got.map((g) => summary(g.seen))).toEqual(expected)
        for (const g of got) {
          expect(g.last.status.unified).toBe("completed")
          expect(g.seen[g.seen.length - 1]).toBe(g.last)
        }
        // the same vendor calls as watch
        const ops = (calls: ReadonlyArray<TestProvider.Call>) => calls.map((c) => c.operation).filter((o) => o === "getRun" || o === "getRuns").length
        expect(ops(yield* followed.control.calls)).toBe(ops(yield* watched.control.calls))
      }))
  }

  it.effect("a failure of the callback ends the follow with that failure and stops polling its run", () =>
    Effect.gen(function*() {
      const { control, driver } = yield* TestProvider.make(timing)
      const provider = SimulationProvider.make(driver)
      const run = yield* provider.startRun(plan)
      const fiber = yield* Effect.fork(Effect.either(SimulationProvider.follow(provider, run.ref, (r) => (r.status.raw === "pending" ? Effect.void : Effect.fail("stop" as const)), watchOptions)))
      yield* stoppedAndNoLongerPolled(fiber, control)
    }))

  it.effect("a run already terminal at the first read is handed over once", () =>
    Effect.gen(function*() {
      const { driver } = yield* TestProvider.make(timing)
      const provider = SimulationProvider.make(driver)
      const run = yield* provider.startRun(plan)
      yield* TestClock.adjust("2 minutes")
      const seen: Array<Run.Run> = []
      const last = yield* SimulationProvider.follow(provider, run.ref, (r) => Effect.sync(() => void seen.push(r)))
      expect(seen).toEqual([last])
      expect(last.status.unified).toBe("completed")
    }))
})

describe("followAll (many runs from one fiber)", () => {
  /** Starts `n` runs, a second of test clock after every third. */
  const startMany = (provider: SimulationProvider.Service, n: number) =>
    Effect.gen(function*() {
      const refs: Array<Run.Run["ref"]> = []
      for (let i = 0; i < n; i++) {
        refs.push((yield* provider.startRun(plan)).ref)
        if (i % 3 === 2) yield* TestClock.adjust("1 second")
      }
      return refs
    })

  for (const batch of [true, false]) {
    it.effect(`hands each run's snapshots over as follow does and returns the outcomes in order (${batch ? "batched, getRuns" : "per-run polling"})`, () =>
      Effect.gen(function*() {
        const n = 8
        const one = yield* TestProvider.make({ ...timing, batch })
        const single = SimulationProvider.make(one.driver)
        const refsA = yield* startMany(single, n)
        const fibers = yield* Effect.forEach(refsA, (ref) => {
          const seen: Array<Run.Run> = []
          return Effect.fork(Effect.as(SimulationProvider.follow(single, ref, (r) => Effect.sync(() => void seen.push(r)), watchOptions), seen))
        })
        yield* TestClock.adjust("2 minutes")
        const expected = yield* Effect.forEach(fibers, (f) => Effect.map(Fiber.join(f), summary))

        const all = yield* TestProvider.make({ ...timing, batch })
        const many = SimulationProvider.make(all.driver)
        const refsB = yield* startMany(many, n)
        const seen = new Map<string, Array<Run.Run>>(refsB.map((r) => [r.id, []]))
        const fiber = yield* Effect.fork(many.followAll(refsB, (r) => Effect.sync(() => void seen.get(r.ref.id)!.push(r)), watchOptions))
        yield* TestClock.adjust("2 minutes")
        const outcomes = yield* Fiber.join(fiber)

        expect(refsB.map((r) => summary(seen.get(r.id)!))).toEqual(expected)
        expect(outcomes.map((o) => (Either.isRight(o) ? `${o.right.ref.id}:${o.right.status.unified}` : "error"))).toEqual(refsB.map((r) => `${r.id}:completed`))
        // the same vendor calls as one follow per run
        const ops = (calls: ReadonlyArray<TestProvider.Call>) => calls.filter((c) => c.operation === "getRun" || c.operation === "getRuns").length
        expect(ops(yield* all.control.calls)).toBe(ops(yield* one.control.calls))
      }))
  }

  it.effect("a run whose tracking fails has its error in its place; the others go on", () =>
    Effect.gen(function*() {
      const { control, driver } = yield* TestProvider.make(timing)
      const provider = SimulationProvider.make(driver)
      const refs = yield* startMany(provider, 3)
      const foreign = ProviderRef.make("other", "run", "x")
      const fiber = yield* Effect.fork(provider.followAll([refs[0]!, foreign, refs[1]!], () => Effect.void, watchOptions))
      yield* TestClock.adjust("2 minutes")
      const outcomes = yield* Fiber.join(fiber)
      expect(outcomes.map((o) => (Either.isRight(o) ? o.right.status.unified : o.left.reason))).toEqual(["completed", "InvalidRequest", "completed"])

      // A getRuns that fails after the retry loop ends the runs of that batch with its error.
      const later = yield* provider.startRun(plan)
      const failing = yield* Effect.fork(provider.followAll([later.ref], () => Effect.void, watchOptions))
      yield* TestClock.adjust("1 second")
      yield* control.inject("getRuns", { _tag: "Error", reason: "Unauthorized", status: 401 })
      yield* TestClock.adjust("1 minute")
      const [outcome] = yield* Fiber.join(failing)
      expect(outcome !== undefined && Either.isLeft(outcome) && outcome.left.reason).toBe("Unauthorized")
    }))

  it.effect("a failure of the callback stops it with that failure, and its runs are no longer polled", () =>
    Effect.gen(function*() {
      const { control, driver } = yield* TestProvider.make(timing)
      const provider = SimulationProvider.make(driver)
      const refs = yield* startMany(provider, 4)
      const fiber = yield* Effect.fork(Effect.either(provider.followAll(refs, (r) => (r.counts.running === 0 ? Effect.void : Effect.fail("stop" as const)), watchOptions)))
      yield* stoppedAndNoLongerPolled(fiber, control)
    }))
})

describe("following from the snapshot in hand (startRun's run instead of its reference)", () => {
  const count = (calls: ReadonlyArray<TestProvider.Call>, operation: string) => calls.filter((c) => c.operation === operation).length

  for (const batch of [true, false]) {
    for (const via of ["watch", "follow", "followAll"] as const) {
      it.effect(`${via}: the snapshot given is the first handed over, with no read for it; the rest as from the reference (${batch ? "batched, getRuns" : "per-run polling"})`, () =>
        Effect.gen(function*() {
          const n = 4
          /** Every run's snapshots, followed from its reference or from its started snapshot. */
          const run = (fromSnapshot: boolean) =>
            Effect.gen(function*() {
              const made = yield* TestProvider.make({ ...timing, batch })
              const provider = SimulationProvider.make(made.driver)
              const started: Array<Run.Run> = []
              for (let i = 0; i < n; i++) started.push(yield* provider.startRun(plan))
              yield* made.control.clearCalls
              const from = (r: Run.Run) => (fromSnapshot ? r : r.ref)
              const seen = new Map<string, Array<Run.Run>>(started.map((r) => [r.ref.id, []]))
              const push = (r: Run.Run) => Effect.sync(() => void seen.get(r.ref.id)!.push(r))
              const fiber = yield* Effect.fork(
                via === "watch"
                  ? Effect.forEach(started, (r) => Stream.runForEach(provider.watch(from(r), watchOptions), push), { concurrency: "unbounded", discard: true })
                  : via === "follow"
                  ? Effect.forEach(started, (r) => SimulationProvider.follow(provider, from(r), push, watchOptions), { concurrency: "unbounded", discard: true })
                  : Effect.asVoid(provider.followAll(started.map(from), push, watchOptions))
              )
              yield* TestClock.adjust("2 minutes")
              yield* Fiber.join(fiber)
              return { started, seen: started.map((r) => seen.get(r.ref.id)!), calls: yield* made.control.calls }
            })
          const byRef = yield* run(false)
          const bySnapshot = yield* run(true)
          // The first snapshot handed over is the very run startRun returned.
          bySnapshot.seen.forEach((s, i) => expect(s[0]).toBe(bySnapshot.started[i]))
          expect(bySnapshot.seen.map(summary)).toEqual(byRef.seen.map(summary))
          for (const s of bySnapshot.seen) expect(s[s.length - 1]!.status.unified).toBe("completed")
          // One read less per run: the first.
          expect(count(byRef.calls, "getRun") - count(bySnapshot.calls, "getRun")).toBe(n)
          if (batch) expect(count(bySnapshot.calls, "getRun")).toBe(0)
        }))
    }
  }

  it.effect("a snapshot of another provider's run fails as its reference does (InvalidRequest)", () =>
    Effect.gen(function*() {
      const { driver } = yield* TestProvider.make(timing)
      const provider = SimulationProvider.make(driver)
      const other = SimulationProvider.make((yield* TestProvider.make({ ...timing, name: "other" })).driver)
      const foreign = yield* other.startRun(plan)
      const error = yield* Effect.flip(SimulationProvider.follow(provider, foreign, () => Effect.void, watchOptions))
      expect(error.reason).toBe("InvalidRequest")
      const [outcome] = yield* provider.followAll([foreign], () => Effect.void, watchOptions)
      expect(outcome !== undefined && Either.isLeft(outcome) && outcome.left.reason).toBe("InvalidRequest")
    }))
})

describe("RunTracker.make (the tracker on its own)", () => {
  type Encoded = typeof Run.Run.Encoded
  const decodeRun = Schema.decodeUnknownSync(Run.Run)
  const encoded = (id: string, raw: "running" | "done", passed: number): Encoded => ({
    ref: { provider: "test", kind: "run", id },
    provider: "test",
    status: { unified: raw === "done" ? "completed" : "running", raw },
    counts: { total: 4, queued: 0, running: 4 - passed, passed, failed: 0, errored: 0, skipped: 0, pending: 0 }
  })
  const key = (run: Run.Run) => `${run.status.raw}|${JSON.stringify(run.counts)}`

  /**
   * A driver that keeps each run's last snapshot and hands the same object back while the run does
   * not move (as drivers do with `RunSnapshots`), with a tracker over it that counts decodes.
   * `interrupted` makes its `getRuns` end as a call interrupted from elsewhere does (a fiber of the
   * driver's that something else interrupted), with no failure and no result.
   */
  const setup = (interrupted: () => boolean = () => false) =>
    Effect.gen(function*() {
      const snapshots = new Map<string, Encoded>()
      const decoded: Array<string> = []
      const tracker = yield* RunTracker.make({
        provider: "test",
        getRuns: (ids) => interrupted() ? Effect.interrupt : Effect.sync(() => ids.flatMap((id) => snapshots.get(id) ?? [])),
        decode: (e) => Effect.sync(() => (decoded.push(e.ref.id), decodeRun(e))),
        key
      })
      const start = (id: string) =>
        Effect.sync(() => {
          snapshots.set(id, encoded(id, "running", 0))
          return decodeRun(snapshots.get(id)!)
        })
      const move = (id: string, raw: "running" | "done", passed: number) => Effect.sync(() => void snapshots.set(id, encoded(id, raw, passed)))
      return { decoded, move, start, tracker }
    })

  const options = { interval: Duration.seconds(1), maxInterval: Duration.seconds(1) }

  it.scoped("decodes only the snapshots that moved: the one handed back unchanged is not decoded again", () =>
    Effect.gen(function*() {
      const { decoded, move, start, tracker } = yield* setup()
      const seen: Array<string> = []
      const fiber = yield* Effect.fork(tracker.followAll([start("a"), start("b")], options, (r) => Effect.sync(() => void seen.push(`${r.ref.id}:${r.counts.passed}`))))
      yield* TestClock.adjust("10 seconds")
      // The first poll decodes each run once; ten polls of runs that did not move decode nothing more.
      expect(decoded).toEqual(["a", "b"])
      yield* move("a", "running", 2)
      yield* TestClock.adjust("3 seconds")
      expect(decoded).toEqual(["a", "b", "a"])
      yield* move("a", "done", 4)
      yield* move("b", "done", 4)
      yield* TestClock.adjust("3 seconds")
      const outcomes = yield* Fiber.join(fiber)
      expect(decoded).toEqual(["a", "b", "a", "a", "b"])
      expect(seen).toEqual(["a:0", "b:0", "a:2", "a:4", "b:4"])
      expect(outcomes.map((o) => Either.isRight(o) && o.right.status.unified)).toEqual(["completed", "completed"])
    }))

  it.scoped("a getRuns interrupted from elsewhere fails the watchers of that poll, and the loop serves later watchers", () =>
    Effect.gen(function*() {
      let interrupted = true
      const { move, start, tracker } = yield* setup(() => interrupted)
      const first = yield* Effect.fork(tracker.followAll([start("a")], options, () => Effect.void))
      yield* TestClock.adjust("3 seconds")
      const [outcome] = yield* Fiber.join(first)
      expect(outcome !== undefined && Either.isLeft(outcome) && outcome.left.reason).toBe("ProviderInternal")
      interrupted = false
      const later = yield* Effect.fork(tracker.followAll([start("b")], options, () => Effect.void))
      yield* TestClock.adjust("2 seconds")
      yield* move("b", "done", 4)
      yield* TestClock.adjust("2 seconds")
      const [done] = yield* Fiber.join(later)
      expect(done !== undefined && Either.isRight(done) && done.right.status.unified).toBe("completed")
    }))
})
