import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Effect from "effect/Effect"
import { readFileSync } from "node:fs"

export const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8"))

export interface Reply {
  readonly status: number
  readonly body: any
  readonly headers: Readonly<Record<string, string>>
}

/**
 * Plain HTTP exactly as Roark's Stainless SDK sends it: bearer auth, JSON accept, `User-Agent:
 * Roark/JS`, `X-Stainless-*` headers, JSON bodies, comma-style query arrays.
 */
export const raw = (baseUrl: string, token: string | undefined = "test-key") =>
  (method: "GET" | "POST" | "PUT" | "DELETE", path: string, body?: unknown): Effect.Effect<Reply, unknown, HttpClient.HttpClient> =>
    Effect.gen(function*() {
      const client = yield* HttpClient.HttpClient
      let request = HttpClientRequest.make(method)(`${baseUrl}${path}`).pipe(
        HttpClientRequest.setHeaders({
          accept: "application/json",
          "user-agent": "Roark/JS 2.31.0",
          "x-stainless-lang": "js",
          "x-stainless-package-version": "2.31.0",
          "x-stainless-retry-count": "0",
          "x-stainless-timeout": "60"
        })
      )
      if (token !== undefined) request = HttpClientRequest.bearerToken(request, token)
      if (body !== undefined) request = HttpClientRequest.bodyUnsafeJson(request, body)
      const response = yield* client.execute(request)
      const text = yield* response.text
      return { status: response.status, body: text === "" ? undefined : JSON.parse(text), headers: response.headers }
    }).pipe(Effect.scoped)

/** Polls `get` until `done` holds, collecting every distinct value of `key`. */
export const pollUntil = <A, E, R>(
  get: Effect.Effect<A, E, R>,
  done: (a: A) => boolean,
  key: (a: A) => string,
  intervalMs = 3,
  maxPolls = 5000
): Effect.Effect<{ readonly last: A; readonly seen: ReadonlyArray<string> }, E | string, R> =>
  Effect.gen(function*() {
    const seen: Array<string> = []
    for (let i = 0; i < maxPolls; i++) {
      const a = yield* get
      const k = key(a)
      if (seen[seen.length - 1] !== k) seen.push(k)
      if (done(a)) return { last: a, seen }
      yield* Effect.sleep(intervalMs)
    }
    return yield* Effect.fail(`not done after ${maxPolls} polls; seen ${seen.join(" -> ")}`)
  })
