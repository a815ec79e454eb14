import { describe, expect, it } from "@effect/vitest"
import * as Permits from "../src/internal/permits.js"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"

describe("Permits", () => {
  it.effect("serves waiters first come, first served, never more than the permits at once", () =>
    Effect.gen(function*() {
      const permits = Permits.unsafeMake(2)
      const order: Array<number> = []
      let inFlight = 0
      let peak = 0
      const job = (i: number) =>
        permits.withPermits(1)(Effect.gen(function*() {
          inFlight++
          peak = Math.max(peak, inFlight)
          order.push(i)
          yield* Effect.sleep("1 second")
          inFlight--
        }))
      const fiber = yield* Effect.fork(Effect.forEach(Array.from({ length: 10 }, (_, i) => i), job, { concurrency: "unbounded" }))
      yield* TestClock.adjust("10 seconds")
      yield* Fiber.join(fiber)
      expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
      expect(peak).toBe(2)
      expect(yield* permits.available).toBe(2)
      expect(yield* permits.waiting).toBe(0)
    }))

  it.effect("an interrupted waiter leaves the queue and an interrupted holder gives its permit back", () =>
    Effect.gen(function*() {
      const permits = Permits.unsafeMake(1)
      const gate = yield* Deferred.make<void>()
      const holder = yield* Effect.fork(permits.withPermits(1)(Deferred.await(gate)))
      yield* Effect.yieldNow()
      const waiter = yield* Effect.fork(permits.withPermits(1)(Effect.void))
      const other = yield* Effect.fork(permits.withPermits(1)(Effect.succeed("served")))
      yield* Effect.yieldNow()
      expect(yield* permits.waiting).toBe(2)
      yield* Fiber.interrupt(waiter)
      expect(yield* permits.waiting).toBe(1)
      yield* Fiber.interrupt(holder)
      expect(yield* Fiber.join(other)).toBe("served")
      expect(yield* permits.available).toBe(1)
    }))
})
