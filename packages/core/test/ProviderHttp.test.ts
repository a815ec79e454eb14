import { describe, expect, it } from "@effect/vitest"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { ProviderHttp } from "@simbridge/core"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberRef from "effect/FiberRef"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Tracer from "effect/Tracer"

/** A vendor that answers after `delayMs` (never when undefined); records whether a request was interrupted. */
const slowVendor = (delayMs: number | undefined) => {
  const seen = { requests: 0, interrupted: 0 }
  const client = HttpClient.make((request) => {
    seen.requests++
    const answer = Effect.succeed(HttpClientResponse.fromWeb(request, new Response(JSON.stringify({ id: "r1" }), { status: 200, headers: { "content-type": "application/json" } })))
    return (delayMs === undefined ? Effect.never : Effect.zipRight(Effect.sleep(`${delayMs} millis`), answer)).pipe(
      Effect.onInterrupt(() => Effect.sync(() => void seen.interrupted++))
    )
  })
  const http = ProviderHttp.make({ provider: "fake", client: ProviderHttp.baseClient(client, "http://vendor.test"), timeout: "150 millis" })
  return { seen, get: http.json("getRun", HttpClientRequest.get("/runs/r1"), Schema.Struct({ id: Schema.String })) }
}

describe("ProviderHttp per-request timeout", () => {
  it.live("a request without an answer fails with Timeout, naming the bound, and is aborted", () =>
    Effect.gen(function*() {
      const { get, seen } = slowVendor(undefined)
      const error = yield* Effect.flip(get)
      expect(error.reason).toBe("Timeout")
      expect(error.description).toBe("no response within 150ms")
      expect(error.outcomeUnknown).toBe(false)
      expect(error.http?.url).toContain("/runs/r1")
      expect(seen.interrupted).toBe(1)
    }))

  it.live("an answer within the bound passes through", () =>
    Effect.gen(function*() {
      const { get, seen } = slowVendor(20)
      expect(yield* get).toEqual({ id: "r1" })
      expect(seen.interrupted).toBe(0)
    }))

  it.live("deadline: the effect's own failure is kept; interrupting the caller interrupts the effect and no timeout fires later", () =>
    Effect.gen(function*() {
      expect(yield* Effect.flip(ProviderHttp.deadline(Effect.fail("own" as const), 50, () => "late" as const))).toBe("own")
      let interrupted = false
      let timedOut = false
      const fiber = yield* Effect.fork(
        ProviderHttp.deadline(Effect.never.pipe(Effect.onInterrupt(() => Effect.sync(() => void (interrupted = true)))), 80, () => {
          timedOut = true
          return "late"
        })
      )
      yield* Effect.sleep("10 millis")
      const exit = yield* Fiber.interrupt(fiber)
      expect(Exit.isInterrupted(exit)).toBe(true)
      expect(interrupted).toBe(true)
      yield* Effect.sleep("150 millis")
      expect(timedOut).toBe(false)
    }))
})

describe("ProviderHttp client spans", () => {
  /** A vendor that records, per request, whether @effect/platform would make its client span. */
  const vendor = () => {
    const traced: Array<boolean> = []
    /** The span each request runs in, if any. */
    const parents: Array<string | undefined> = []
    const client = HttpClient.make((request, _url, _signal, fiber) => {
      traced.push(fiber.getFiberRef(FiberRef.currentTracerEnabled) && !fiber.getFiberRef(HttpClient.currentTracerDisabledWhen)(request))
      const parent = Context.getOption(fiber.currentContext, Tracer.ParentSpan)
      parents.push(Option.isSome(parent) && parent.value._tag === "Span" ? parent.value.name : undefined)
      return Effect.succeed(HttpClientResponse.fromWeb(request, new Response(JSON.stringify({ id: "r1" }), { status: 200, headers: { "content-type": "application/json" } })))
    })
    const http = ProviderHttp.make({ provider: "fake", client: ProviderHttp.baseClient(client, "http://vendor.test") })
    return { traced, parents, get: http.json("getRun", HttpClientRequest.get("/runs/r1"), Schema.Struct({ id: Schema.String })) }
  }

  it.effect("without a tracer installed, no span is made (nobody would see it): neither the client's nor the request's", () =>
    Effect.gen(function*() {
      const { get, parents, traced } = vendor()
      expect(yield* get).toEqual({ id: "r1" })
      expect(traced).toEqual([false])
      expect(parents).toEqual([undefined])
    }))

  it.effect("with a tracer installed, the request span and the client span are made as before", () =>
    Effect.gen(function*() {
      const builtIn = yield* Effect.tracer
      const spans: Array<string> = []
      const recording = Tracer.make({
        span: (...args) => {
          spans.push(args[0])
          return builtIn.span(...args)
        },
        context: (f) => f()
      })
      const { get, parents, traced } = vendor()
      expect(yield* Effect.withTracer(get, recording)).toEqual({ id: "r1" })
      expect(traced).toEqual([true])
      expect(spans).toEqual(["fake.getRun", "http.client GET"])
      expect(parents).toEqual(["fake.getRun"])
    }))
})
