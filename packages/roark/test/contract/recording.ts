/**
 * Records every exchange the adapter has with Roark: the request's method, route, body, and the
 * response's status and body, as they crossed the wire. The recorder wraps the `HttpClient` the
 * adapter is given (below its own client, so nothing it sends is missed); the emulator's request
 * log counts routes only.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

export interface Exchange {
  readonly method: string
  /** The path with ids folded to `:id`, as the emulator's `RequestLog` folds them. */
  readonly route: string
  readonly url: string
  /** The JSON body sent; `undefined` when there was none. */
  readonly body: unknown
  readonly status: number
  /** The JSON body answered (the text when it is not JSON; `undefined` when empty). */
  readonly response: unknown
}

/** `GET /v1/call/<uuid>/metrics` -> `GET /v1/call/:id/metrics`. */
export const routeOf = (method: string, url: string): string =>
  `${method} ${new URL(url).pathname.replace(/\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?=\/|$)/gi, "/:id")}`

const json = (text: string): unknown => {
  if (text === "") return undefined
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/** An `HttpClient` layer over `HttpClient` that appends every exchange to `log`. */
export const recording = (log: Array<Exchange>): Layer.Layer<HttpClient.HttpClient, never, HttpClient.HttpClient> =>
  Layer.effect(
    HttpClient.HttpClient,
    Effect.map(HttpClient.HttpClient, (client) =>
      HttpClient.transform(client, (response, request) =>
        Effect.flatMap(response, (res) =>
          Effect.map(Effect.orElseSucceed(res.text, () => ""), (text) => {
            const body = request.body._tag === "Uint8Array" ? json(new TextDecoder().decode(request.body.body)) : undefined
            log.push({ method: request.method, route: routeOf(request.method, request.url), url: request.url, body, status: res.status, response: json(text) })
            // The body was read here: the adapter gets a response that reads the same text again.
            return HttpClientResponse.fromWeb(request, new Response(text === "" ? null : text, { status: res.status, headers: res.headers }))
          })))))
