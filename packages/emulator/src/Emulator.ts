/**
 * What every vendor emulator shares: serving an `HttpApp` on 127.0.0.1, fault injection around
 * the vendor routes, a request log, control routes under `/__simbridge/`, the emulator's pace
 * (`speed`) and seeded outcomes. A vendor emulator provides the routes; this module does the rest.
 *
 * Control routes (never faulted, never authenticated):
 * - `GET /__simbridge/health` -> `{ vendor, seed, speed }`
 * - `GET /__simbridge/faults`, `PUT /__simbridge/faults` with a FaultSpec JSON body
 * - `GET /__simbridge/requests` -> `{ total, byRoute, faults }` (faults served, by kind)
 *
 * With `recordExchanges`, the request log also keeps every request's and response's body
 * (`RequestLog.exchanges`), for contract checks of both sides against the vendor's OpenAPI file.
 *
 * @since 0.1.0
 */
import { createServer } from "node:http"
import * as Headers from "@effect/platform/Headers"
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpServer from "@effect/platform/HttpServer"
import * as HttpServerError from "@effect/platform/HttpServerError"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as UrlParams from "@effect/platform/UrlParams"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import { ProviderHttp } from "@simbridge/core"
import { unitHash } from "@simbridge/core/TestProvider"
import { corrupt, FaultControl, FaultSpec } from "./Faults.js"

export interface Options {
  /** Port to listen on; 0 (default) picks a free one. The host is always 127.0.0.1. */
  readonly port?: number | undefined
  /** When set, only this key is accepted; otherwise any key is. */
  readonly apiKey?: string | undefined
  /** Seed of the outcomes and of the fault draws; default 1. */
  readonly seed?: number | undefined
  /** Pace multiplier: at 1 a simulated call takes a few seconds, at 50 fifty times less. Default 1. */
  readonly speed?: number | undefined
  readonly faults?: FaultSpec | undefined
  /** Keep every request and response body in `requests.exchanges` (contract tests); off by default. */
  readonly recordExchanges?: boolean | undefined
}

/** A running emulator. */
export interface Handle {
  readonly vendor: string
  /** `http://127.0.0.1:<port>`, plus the vendor's base path where it has one. */
  readonly url: string
  readonly port: number
  readonly faults: FaultControl
  readonly requests: RequestLog
}

/** What each vendor module of `@simbridge/emulators` exports, so the CLI can start its emulator. */
export interface EmulatorPlugin {
  readonly vendor: string
  readonly start: (options: Options) => Effect.Effect<Handle, HttpServerError.ServeError, Scope.Scope>
}

/** One request the emulator answered, with both bodies as text. */
export interface Exchange {
  readonly method: string
  /** The path with its query string. */
  readonly path: string
  /** The request body; undefined when empty. */
  readonly requestBody: string | undefined
  readonly status: number
  /** The response body; undefined when empty. */
  readonly responseBody: string | undefined
  /** The fault kind when fault injection answered or altered the response (`status`, `garbled`, `malformed`). */
  readonly fault: string | undefined
}

/**
 * Counts requests per route, for tests and benchmarks (requests per observed state change), and,
 * when built with `exchanges: true`, keeps every exchange's bodies (`exchanges`).
 */
export class RequestLog {
  total = 0
  readonly byRoute = new Map<string, number>()
  /** Faults served, by kind (`429`, `500`, `502`, `503`, `cut`, `garbled`, `malformed`, `lostResponse`, ...). */
  readonly faults = new Map<string, number>()
  /** Every answered request in order; empty unless the log records exchanges. Cut and lost responses are not in it. */
  readonly exchanges: Array<Exchange> = []
  readonly recordsExchanges: boolean

  constructor(options: { readonly exchanges?: boolean | undefined } = {}) {
    this.recordsExchanges = options.exchanges === true
  }

  exchange(exchange: Exchange): void {
    if (this.recordsExchanges) this.exchanges.push(exchange)
  }

  fault(kind: string): void {
    this.faults.set(kind, (this.faults.get(kind) ?? 0) + 1)
  }

  record(method: string, path: string): void {
    this.total++
    // Ids (UUIDs, ObjectIds, integers) are folded so routes aggregate.
    const route = `${method} ${path.replace(/\/[0-9a-f]{8}-[0-9a-f-]{27,}|\/[0-9a-f]{24}|\/\d+(?=\/|$)/gi, "/:id")}`
    this.byRoute.set(route, (this.byRoute.get(route) ?? 0) + 1)
  }

  count(prefix = ""): number {
    let n = 0
    for (const [route, c] of this.byRoute) if (route.startsWith(prefix)) n += c
    return n
  }

  reset(): void {
    this.total = 0
    this.byRoute.clear()
    this.faults.clear()
    this.exchanges.length = 0
  }

  toJSON() {
    return { total: this.total, byRoute: Object.fromEntries(this.byRoute), faults: Object.fromEntries(this.faults) }
  }
}

/** Renders a vendor's error body for a status and message. */
export type ErrorRenderer = (status: number, message: string) => HttpServerResponse.HttpServerResponse

/** The emulator's pace: simulated durations divided by `speed`. */
export const paced = (speed: number | undefined) => (ms: number): number => ms / Math.max(0.001, speed ?? 1)

/** A deterministic number in [0, 1) for a seed and a key: same seed, same outcomes. */
export const chance = (seed: number, key: string): number => unitHash(seed, key)

const controlPrefix = "/__simbridge/"

/** Set on every response the fault injection altered, so test recorders can tell them apart. */
export const faultHeader = "x-simbridge-fault"

interface WrapOptions {
  readonly faults: FaultControl
  readonly requests: RequestLog
  readonly renderError: ErrorRenderer
  readonly seed: number
  readonly speed: number
}

/**
 * A request whose body is `text`, already read from the stream: the app, and any request the
 * router derives from it (`modify`, for prefixed routes), read that text instead of the stream.
 */
const withBody = (request: HttpServerRequest.HttpServerRequest, text: string): HttpServerRequest.HttpServerRequest =>
  new Proxy(request, {
    get(target, key) {
      switch (key) {
        case "text":
          return Effect.succeed(text)
        case "json":
          return Effect.try({
            try: () => JSON.parse(text) as unknown,
            catch: (cause) => new HttpServerError.RequestError({ request: target, reason: "Decode", cause })
          })
        case "arrayBuffer":
          return Effect.succeed(new TextEncoder().encode(text).buffer)
        case "urlParamsBody":
          return Effect.succeed(UrlParams.fromInput(new URLSearchParams(text)))
        case "modify":
          return (options: Parameters<HttpServerRequest.HttpServerRequest["modify"]>[0]) => withBody(target.modify(options), text)
      }
      const value = Reflect.get(target, key, target)
      return typeof value === "function" ? value.bind(target) : value
    }
  })

const bodyText = (response: HttpServerResponse.HttpServerResponse): string | undefined =>
  response.body._tag === "Uint8Array" && response.body.body.length > 0
    ? new TextDecoder().decode(response.body.body)
    : response.body._tag === "Raw" && typeof response.body.body === "string" && response.body.body !== "" ? response.body.body : undefined

/**
 * Wraps the vendor's app with the request log, the control routes and fault injection.
 */
export const wrap = <E, R>(
  vendor: string,
  app: HttpApp.Default<E, R>,
  options: WrapOptions
): HttpApp.Default<E | HttpServerError.RequestError, R> =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const url = new URL(request.url, "http://127.0.0.1")
    if (url.pathname.startsWith(controlPrefix)) return yield* control(vendor, request, url.pathname, options)
    options.requests.record(request.method, url.pathname)
    if (!options.requests.recordsExchanges) return yield* respond(request, app, options)
    const text = yield* Effect.orElseSucceed(request.text, () => "")
    const response = yield* respond(request, Effect.provideService(app, HttpServerRequest.HttpServerRequest, withBody(request, text)), options)
    options.requests.exchange({
      method: request.method,
      path: `${url.pathname}${url.search}`,
      requestBody: text === "" ? undefined : text,
      status: response.status,
      responseBody: bodyText(response),
      fault: response.headers[faultHeader]
    })
    return response
  })

/** Fault injection around the app; `request` is the one from the server (cut connections need its socket). */
const respond = <E, R>(request: HttpServerRequest.HttpServerRequest, app: HttpApp.Default<E, R>, options: WrapOptions) =>
  Effect.gen(function*() {
    const url = new URL(request.url, "http://127.0.0.1")
    const { faults } = options
    const oneShot = faults.take(request.method, url.pathname, (f) => f._tag !== "UnknownEnum")
    const latency = faults.current.latencyMs + (oneShot?._tag === "Latency" ? oneShot.ms : 0)
    if (oneShot?._tag === "Latency") options.requests.fault("latency")
    if (latency > 0) yield* Effect.sleep(latency)
    if (oneShot?._tag === "Status" || (oneShot === undefined && faults.draw("rateLimit"))) {
      const status = oneShot?._tag === "Status" ? oneShot.status : 429
      options.requests.fault(String(status))
      const retryAfter = oneShot?._tag === "Status" ? oneShot.retryAfterSeconds : faults.current.retryAfterSeconds
      const response = HttpServerResponse.setHeader(options.renderError(status, status === 429 ? "Too many requests" : `Injected ${status}`), faultHeader, "status")
      return retryAfter === undefined ? response : HttpServerResponse.setHeader(response, "retry-after", String(retryAfter))
    }
    if (oneShot === undefined && faults.draw("serverError")) {
      const status = faults.serverErrorStatus()
      options.requests.fault(String(status))
      const message = status === 503 ? "Service unavailable" : status === 502 ? "Bad gateway" : "Internal server error"
      return HttpServerResponse.setHeader(options.renderError(status, message), faultHeader, "status")
    }
    if (oneShot?._tag === "Cut" || (oneShot === undefined && faults.draw("cut"))) {
      options.requests.fault("cut")
      const res = NodeHttpServerRequest.toServerResponse(request)
      res.writeHead(200, { "content-type": "application/json", "content-length": "4096" })
      res.write('{"id":"')
      res.socket?.destroy()
      return yield* Effect.interrupt
    }
    if (oneShot?._tag === "Garbled" || (oneShot === undefined && faults.draw("garbled"))) {
      options.requests.fault("garbled")
      return HttpServerResponse.text('{"id": "broken", "status": ', { contentType: "application/json", headers: { [faultHeader]: "garbled" } })
    }
    const malformed = oneShot?._tag === "Malformed" || (oneShot === undefined && faults.draw("malformed"))
    const lose = oneShot?._tag === "LostResponse" || (oneShot === undefined && request.method !== "GET" && faults.draw("lostResponse"))
    const response = yield* app
    if (malformed && response.body._tag === "Uint8Array") {
      const text = new TextDecoder().decode(response.body.body)
      let json: unknown
      try {
        json = JSON.parse(text)
      } catch {
        return response
      }
      options.requests.fault("malformed")
      return HttpServerResponse.unsafeJson(corrupt(json), { status: response.status, headers: response.headers }).pipe(
        HttpServerResponse.setHeader(faultHeader, "malformed")
      )
    }
    if (lose) {
      // The emulator acted on the request; the client never hears about it.
      options.requests.fault("lostResponse")
      NodeHttpServerRequest.toServerResponse(request).socket?.destroy()
      return yield* Effect.interrupt
    }
    return response
  })

const control = (
  vendor: string,
  request: HttpServerRequest.HttpServerRequest,
  path: string,
  options: WrapOptions
) =>
  Effect.gen(function*() {
    const route = `${request.method} ${path.slice(controlPrefix.length)}`
    switch (route) {
      case "GET health":
        return yield* HttpServerResponse.json({ vendor, seed: options.seed, speed: options.speed })
      case "GET faults":
        return yield* HttpServerResponse.json(Schema.encodeSync(FaultSpec)(options.faults.current))
      case "PUT faults": {
        const body = yield* request.json
        const spec = Schema.decodeUnknownEither(FaultSpec)(body)
        if (spec._tag === "Left") return yield* HttpServerResponse.json({ message: spec.left.message }, { status: 400 })
        options.faults.set(spec.right)
        return yield* HttpServerResponse.json(Schema.encodeSync(FaultSpec)(spec.right))
      }
      case "GET requests":
        return yield* HttpServerResponse.json(options.requests.toJSON())
      default:
        return yield* HttpServerResponse.json({ message: `no control route ${route}` }, { status: 404 })
    }
  }).pipe(Effect.orDie)

/**
 * Serves a vendor app on 127.0.0.1 for the lifetime of the scope and returns its handle.
 * `basePath` is appended to the handle's `url` (for vendors whose API lives under a prefix).
 */
export const serve = <E, R>(
  vendor: string,
  app: (context: { readonly faults: FaultControl; readonly seed: number; readonly speed: number }) => HttpApp.Default<E, R>,
  options: Options & { readonly renderError: ErrorRenderer; readonly basePath?: string | undefined }
): Effect.Effect<Handle, HttpServerError.ServeError, Scope.Scope | Exclude<R, HttpServerRequest.HttpServerRequest>> =>
  Effect.gen(function*() {
    const seed = options.seed ?? 1
    const speed = options.speed ?? 1
    const faults = new FaultControl(options.faults ?? new FaultSpec({}), seed)
    const requests = new RequestLog({ exchanges: options.recordExchanges })
    const server = yield* NodeHttpServer.make(() => createServer({ keepAlive: true }), { port: options.port ?? 0, host: "127.0.0.1" })
    const wrapped = wrap(vendor, app({ faults, seed, speed }), { faults, requests, renderError: options.renderError, seed, speed })
    // The server's spans carry request headers: never the clients' keys.
    yield* Effect.locally(server.serve(wrapped), Headers.currentRedactedNames, ProviderHttp.redactedHeaderNames)
    const address = server.address as HttpServer.TcpAddress
    return {
      vendor,
      url: `http://127.0.0.1:${address.port}${options.basePath ?? ""}`,
      port: address.port,
      faults,
      requests
    }
  })
