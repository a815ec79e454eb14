/**
 * The HTTP half every vendor client shares: executing a request, turning HTTP statuses, transport
 * failures and timeouts into {@link ProviderError}s with the right `reason`, reading `Retry-After`,
 * redacting secrets, and decoding the body with a Schema (a body that does not fit fails as
 * `MalformedResponse` naming the path). Vendor clients add their base URL, auth and paths.
 *
 * Each request goes through the one retry loop (`Retry.request`) when the caller set
 * `Retry.perRequest`, as `SimulationProvider.make` does around every driver call; a client used
 * on its own does not retry.
 *
 * @since 0.1.0
 */
import * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as UrlParams from "@effect/platform/UrlParams"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as Tracing from "./internal/tracing.js"
import * as Issues from "./Issues.js"
import * as ProviderError from "./ProviderError.js"
import * as Retry from "./Retry.js"

export interface Options {
  readonly provider: string
  /** A client that already carries the vendor's base URL and auth. */
  readonly client: HttpClient.HttpClient
  /** The vendor's message from an error body (`message`, `detail`, field errors...). */
  readonly errorMessage?: (body: unknown) => string | undefined
  /** A finer reason than the status gives (for example Vapi's 402 reasons), from the body. */
  readonly refineReason?: (status: number, body: unknown) => ProviderError.Reason | undefined
  /** Per-request timeout; default 30 seconds. */
  readonly timeout?: Duration.DurationInput
}

export interface ProviderHttp {
  readonly provider: string
  /** Executes the request and decodes the JSON body with `schema`. */
  readonly json: <A, I, R>(
    operation: string,
    request: HttpClientRequest.HttpClientRequest,
    schema: Schema.Schema<A, I, R>
  ) => Effect.Effect<A, ProviderError.ProviderError, R>
  /** Executes the request and ignores the body. */
  readonly send: (
    operation: string,
    request: HttpClientRequest.HttpClientRequest
  ) => Effect.Effect<void, ProviderError.ProviderError>
}

/** Header names whose values never appear in spans or logs. */
export const redactedHeaderNames: ReadonlyArray<string | RegExp> = [
  "authorization",
  "cookie",
  "set-cookie",
  "x-api-key",
  /api[-_]?key|token|secret|password/i
]

const truncate = (s: string, n = 2048) => (s.length > n ? `${s.slice(0, n)}... (${s.length} bytes)` : s)

export const fullUrl = (request: HttpClientRequest.HttpClientRequest): string => {
  const params = UrlParams.toString(request.urlParams)
  return params === "" ? request.url : `${request.url}${request.url.includes("?") ? "&" : "?"}${params}`
}

export const httpDetails = (
  request: HttpClientRequest.HttpClientRequest,
  status?: number,
  body?: string
): ProviderError.HttpDetails =>
  new ProviderError.HttpDetails({
    method: request.method,
    url: fullUrl(request),
    requestHeaders: ProviderError.redactHeaders(request.headers),
    ...(status === undefined ? {} : { status }),
    ...(body === undefined ? {} : { body: truncate(body) })
  })

/** A generic message extractor that understands the common error body shapes. */
export const defaultErrorMessage = (body: unknown): string | undefined => {
  if (typeof body === "string") return body === "" ? undefined : truncate(body, 300)
  if (Array.isArray(body)) return body.map((b) => defaultErrorMessage(b) ?? JSON.stringify(b)).join("; ")
  if (body !== null && typeof body === "object") {
    const o = body as Record<string, unknown>
    for (const key of ["message", "detail", "error", "errors", "msg"]) {
      const v = o[key]
      if (typeof v === "string" && v !== "") return v
      if (Array.isArray(v) && v.length > 0) return defaultErrorMessage(v)
      if (v !== null && typeof v === "object") {
        const inner = defaultErrorMessage(v)
        if (inner !== undefined) return inner
      }
    }
    const fieldErrors = Object.entries(o).filter(([, v]) => Array.isArray(v) && v.every((x) => typeof x === "string"))
    if (fieldErrors.length > 0) return fieldErrors.map(([k, v]) => `${k}: ${(v as Array<string>).join(" ")}`).join("; ")
  }
  return undefined
}

const parseJson = (text: string): unknown => {
  if (text.trim() === "") return undefined
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

const isConnectionRefused = (cause: unknown): boolean => {
  let c: unknown = cause
  for (let depth = 0; depth < 5 && c !== null && typeof c === "object"; depth++) {
    if ((c as { code?: unknown }).code === "ECONNREFUSED") return true
    c = (c as { cause?: unknown }).cause
  }
  return false
}

const always = () => true

/** The wall clock, for request deadlines. */
const liveClock = Clock.make()

/** UTF-8 as `Response.text()` decodes it: invalid bytes become U+FFFD, a leading BOM is dropped. */
const utf8 = new TextDecoder()

/**
 * A response's body as text, read as bytes and decoded here: the text undici decodes itself
 * stays reachable from the response's body stream (its consumer's promise), and the stream
 * outlived a scavenge often enough that most body texts were promoted to V8's old generation;
 * bytes live outside V8's heap. A body a middleware already read as text (`HttpClient.tap` with
 * `response.text`, a logger) cannot be read again as bytes: the text it read is used.
 */
const bodyText = (response: HttpClientResponse.HttpClientResponse): Effect.Effect<string, HttpClientError.ResponseError> =>
  Effect.orElse(Effect.map(response.arrayBuffer, (bytes) => utf8.decode(bytes)), () => response.text)

/**
 * The client span of @effect/platform only with a tracer installed (building it costs a fifth of a
 * request's CPU, for a span no exporter sees), and then with the vendors' key headers redacted
 * (@effect/platform redacts only a few header names itself).
 */
const clientSpan = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.tracerWith((tracer) =>
    tracer === Tracing.builtInTracer
      ? Effect.locally(effect, HttpClient.currentTracerDisabledWhen, always)
      : Effect.locally(effect, Headers.currentRedactedNames, redactedHeaderNames)
  )

export const make = (options: Options): ProviderHttp => {
  const { provider } = options
  const errorMessage = options.errorMessage ?? defaultErrorMessage
  const timeout = Duration.decode(options.timeout ?? Duration.seconds(30))

  const fromStatus = (
    operation: string,
    response: HttpClientResponse.HttpClientResponse,
    text: string
  ): Effect.Effect<ProviderError.ProviderError> =>
    Effect.map(Clock.currentTimeMillis, (now) => {
      const body = parseJson(text)
      const status = response.status
      const reason = options.refineReason?.(status, body) ?? ProviderError.reasonFromStatus(status)
      const retryAfter = ProviderError.parseRetryAfter(response.headers["retry-after"], now)
      return ProviderError.make({
        provider,
        operation,
        reason,
        description: errorMessage(body) ?? `HTTP ${status}`,
        retryAfter,
        http: httpDetails(response.request, status, text),
        outcomeUnknown: status >= 500 && response.request.method !== "GET"
      })
    })

  const fromClientError = (operation: string, error: HttpClientError.HttpClientError): ProviderError.ProviderError => {
    const request = error.request
    const refused = isConnectionRefused(error.cause)
    return ProviderError.make({
      provider,
      operation,
      // A body that cannot be encoded or a URL that does not parse will not get better by retrying.
      reason: error._tag === "RequestError" && (error.reason === "Encode" || error.reason === "InvalidUrl") ? "InvalidRequest" : "Transport",
      description: refused
        ? `could not connect to ${new URL(request.url).origin} (connection refused)`
        : error._tag === "ResponseError"
        ? `the response was cut off: ${error.message}`
        : error.message,
      http: httpDetails(request, error._tag === "ResponseError" ? error.response.status : undefined),
      outcomeUnknown: !refused && request.method !== "GET",
      cause: error.cause
    })
  }

  const timedOut = (operation: string, request: HttpClientRequest.HttpClientRequest) => () =>
    ProviderError.make({
      provider,
      operation,
      reason: "Timeout",
      description: `no response within ${Duration.format(timeout)}`,
      http: httpDetails(request),
      outcomeUnknown: request.method !== "GET"
    })

  /**
   * One exchange (status, headers and body text) bounded by the timeout. The timeout interrupts
   * the exchange, and @effect/platform aborts the request's `AbortSignal` on interruption: undici,
   * `fetch` and Node's `http` then close the connection. The deadline runs on the live clock: a
   * vendor that does not answer is a matter of real time, also under a `TestClock`; the exchange
   * itself keeps the caller's clock.
   */
  const execute = (operation: string, request: HttpClientRequest.HttpClientRequest) =>
    Effect.clockWith((clock) =>
      options.client.execute(request).pipe(
        Effect.flatMap((response) => Effect.map(bodyText(response), (text) => ({ response, text }))),
        // Vendor key headers (X-CEKURA-API-KEY...) must never reach a tracer.
        clientSpan,
        Effect.mapError((e) => fromClientError(operation, e)),
        Effect.withClock(clock),
        // The timeout stops the exchange also in a caller's uninterruptible region.
        Effect.interruptible,
        Effect.timeoutFail({ duration: timeout, onTimeout: timedOut(operation, request) }),
        Effect.withClock(liveClock)
      )
    ).pipe(
      Effect.flatMap(({ response, text }) =>
        response.status >= 400 ? Effect.flatMap(fromStatus(operation, response, text), Effect.fail) : Effect.succeed({ response, text })
      )
    )

  // The body is JSON of the wrong shape: the vendor's API disagrees with ours, so no retry; a
  // create may still have taken effect.
  const malformed = (operation: string, request: HttpClientRequest.HttpClientRequest, status: number, text: string, description: string) =>
    ProviderError.make({
      provider,
      operation,
      reason: "MalformedResponse",
      description,
      http: httpDetails(request, status, text),
      outcomeUnknown: request.method !== "GET"
    })

  return {
    provider,
    json: (operation, request, schema) =>
      execute(operation, request).pipe(
        Effect.flatMap(({ response, text }) => {
          let body: unknown
          try {
            body = text.trim() === "" ? undefined : JSON.parse(text)
          } catch (e) {
            // Not JSON at all: cut or garbled in transit, so worth another try; a create may have
            // taken effect.
            return Effect.fail(ProviderError.make({
              provider,
              operation,
              reason: "Transport",
              description: `the response body is not valid JSON (cut or garbled in transit): ${(e as Error).message}`,
              http: httpDetails(response.request, response.status, text),
              outcomeUnknown: response.request.method !== "GET"
            }))
          }
          return Schema.decodeUnknown(schema, { onExcessProperty: "ignore" })(body).pipe(
            Effect.mapError((error: ParseResult.ParseError) =>
              malformed(operation, response.request, response.status, text, `unexpected body: ${Issues.summarize(Issues.fromParseError(error))}`)
            )
          )
        }),
        Retry.request(request.method),
        Tracing.withSpan(`${provider}.${operation}`, () => ({ "http.method": request.method, "http.url": request.url }))
      ),
    send: (operation, request) =>
      execute(operation, request).pipe(
        Effect.asVoid,
        Retry.request(request.method),
        Tracing.withSpan(`${provider}.${operation}`, () => ({ "http.method": request.method, "http.url": request.url }))
      )
  }
}

/**
 * A client with the vendor's base URL prepended and JSON accepted. Auth is added by the vendor
 * client (`HttpClientRequest.bearerToken`, `setHeader`).
 */
export const baseClient = (client: HttpClient.HttpClient, baseUrl: string): HttpClient.HttpClient =>
  client.pipe(
    HttpClient.mapRequest((request) =>
      request.pipe(HttpClientRequest.prependUrl(baseUrl.replace(/\/+$/, "")), HttpClientRequest.acceptJson)
    )
  )
