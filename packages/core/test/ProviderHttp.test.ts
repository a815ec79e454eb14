import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { describe, expect, it } from "@effect/vitest"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { ProviderHttp } from "@simbridge/core"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as FiberRef from "effect/FiberRef"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Tracer from "effect/Tracer"

/**
 * A vendor that answers after `delayMs` (never when undefined) and, as undici, `fetch` and Node's
 * `http` do, fails a request whose signal is aborted; records the aborted requests.
 */
const slowVendor = (delayMs: number | undefined) => {
  const seen = { requests: 0, aborted: 0, signal: undefined as AbortSignal | undefined }
  const client = HttpClient.make((request, _url, signal) => {
    seen.requests++
    seen.signal = signal
    const answer = Effect.succeed(HttpClientResponse.fromWeb(request, new Response(JSON.stringify({ id: "r1" }), { status: 200, headers: { "content-type": "application/json" } })))
    const aborted = Effect.async<never, HttpClientError.RequestError>((resume) => {
      const onAbort = () => {
        seen.aborted++
        resume(Effect.fail(new HttpClientError.RequestError({ request, reason: "Transport", cause: signal.reason })))
      }
      signal.addEventListener("abort", onAbort, { once: true })
      return Effect.sync(() => signal.removeEventListener("abort", onAbort))
    })
    return delayMs === undefined ? aborted : Effect.raceFirst(Effect.zipRight(Effect.sleep(`${delayMs} millis`), answer), aborted)
  })
  const http = ProviderHttp.make({ provider: "fake", client: ProviderHttp.baseClient(client, "http://vendor.test"), timeout: "150 millis" })
  return { seen, get: http.json("getRun", HttpClientRequest.get("/runs/r1"), Schema.Struct({ id: Schema.String })) }
}

/** A server on 127.0.0.1 that sends the headers and half a body, then nothing; records closed requests. */
const stallingServer = Effect.acquireRelease(
  Effect.async<{ readonly url: string; readonly closed: () => number; readonly server: Server }>((resume) => {
    let closed = 0
    const server = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": "100" })
      res.write(`{"id":`)
      res.once("close", () => void closed++)
    })
    server.listen(0, "127.0.0.1", () => resume(Effect.succeed({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, closed: () => closed, server })))
  }),
  ({ server }) => Effect.async<void>((resume) => {
    server.closeAllConnections()
    server.close(() => resume(Effect.void))
  })
)

describe("ProviderHttp per-request timeout", () => {
  it.live("a request without an answer fails with Timeout, naming the bound, and its signal is aborted", () =>
    Effect.gen(function*() {
      const { get, seen } = slowVendor(undefined)
      const error = yield* Effect.flip(get)
      expect(error.reason).toBe("Timeout")
      expect(error.description).toBe("no response within 150ms")
      expect(error.outcomeUnknown).toBe(false)
      expect(error.http?.url).toContain("/runs/r1")
      expect(seen.signal?.aborted).toBe(true)
    }))

  it.live("an answer within the bound passes through, and no abort comes later", () =>
    Effect.gen(function*() {
      const { get, seen } = slowVendor(20)
      expect(yield* get).toEqual({ id: "r1" })
      yield* Effect.sleep("200 millis")
      expect(seen.signal?.aborted).toBe(false)
    }))

  it.live("interrupting the caller aborts the request", () =>
    Effect.gen(function*() {
      const { get, seen } = slowVendor(undefined)
      const fiber = yield* Effect.fork(get)
      yield* Effect.sleep("20 millis")
      expect(seen.signal?.aborted).toBe(false)
      yield* Fiber.interrupt(fiber)
      expect(seen.signal?.aborted).toBe(true)
    }))

  it.scopedLive("over a real socket (fetch), a body that stops halfway fails with Timeout and the connection is closed", () =>
    Effect.gen(function*() {
      const server = yield* stallingServer
      const client = yield* HttpClient.HttpClient
      const http = ProviderHttp.make({ provider: "fake", client: ProviderHttp.baseClient(client, server.url), timeout: "200 millis" })
      const error = yield* Effect.flip(http.json("createRun", HttpClientRequest.post("/runs"), Schema.Struct({ id: Schema.String })))
      expect(error.reason).toBe("Timeout")
      expect(error.description).toBe("no response within 200ms")
      // A POST that timed out may have taken effect.
      expect(error.outcomeUnknown).toBe(true)
      yield* Effect.sleep("100 millis")
      expect(server.closed()).toBe(1)
    }).pipe(Effect.provide(FetchHttpClient.layer)))
})

describe("ProviderHttp body", () => {
  const answer = (body: string) =>
    HttpClient.make((request) => Effect.succeed(HttpClientResponse.fromWeb(request, new Response(body, { status: 200, headers: { "content-type": "application/json" } }))))
  const get = (client: HttpClient.HttpClient) =>
    ProviderHttp.make({ provider: "fake", client: ProviderHttp.baseClient(client, "http://vendor.test") }).json("getRun", HttpClientRequest.get("/runs/r1"), Schema.Struct({ id: Schema.String }))

  it.effect("is decoded as UTF-8 from its bytes, a leading BOM dropped", () =>
    Effect.gen(function*() {
      expect(yield* get(answer("\uFEFF{\"id\":\"r\u00e9sum\u00e9 \u2713\"}"))).toEqual({ id: "résumé ✓" })
    }))

  it.effect("a body a middleware already read as text is read from that text", () =>
    Effect.gen(function*() {
      const logged: Array<string> = []
      const logging = HttpClient.tap(answer(`{"id":"r1"}`), (response) => Effect.map(response.text, (text) => void logged.push(text)))
      expect(yield* get(logging)).toEqual({ id: "r1" })
      expect(logged).toEqual([`{"id":"r1"}`])
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
