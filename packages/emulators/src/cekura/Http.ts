/**
 * Reading requests (JSON bodies, integer path and query parameters) and writing Django REST
 * framework's answers: `{detail}` and field errors, and page-number pagination.
 *
 * @internal
 */
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { Issues } from "@simbridge/core"
import type { Emulator } from "@simbridge/emulator"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"

export const v1 = "/test_framework/v1"

export const json = (body: unknown, status = 200) => HttpServerResponse.unsafeJson(body, { status })
export const detail = (status: number, message: string) => json({ detail: message }, status)
export const notFound = detail(404, "Not found.")

/** The error body the fault middleware and auth use: DRF's `{detail}`. */
export const renderError: Emulator.ErrorRenderer = (status, message) =>
  json({ detail: status === 429 ? "Request was throttled." : message }, status)

const parseIssues = (error: ParseResult.ParseError): Record<string, Array<string>> => {
  const out: Record<string, Array<string>> = {}
  // One message per field, without Schema's union noise ("Expected undefined" of optional fields).
  for (const issue of Issues.fromParseError(error)) {
    const key = issue.path.length === 0 ? "non_field_errors" : String(issue.path[0])
    ;(out[key] ??= []).push(issue.message)
  }
  return out
}

export class BadRequest {
  readonly _tag = "BadRequest"
  constructor(readonly body: unknown) {}
}

export const body = <A, I>(schema: Schema.Schema<A, I>) =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
    request.json.pipe(
      Effect.mapError(() => new BadRequest({ detail: "JSON parse error." })),
      Effect.flatMap((raw) =>
        Either.match(Schema.decodeUnknownEither(schema, { onExcessProperty: "ignore" })(raw), {
          onLeft: (e) => Effect.fail(new BadRequest(parseIssues(e))),
          onRight: Effect.succeed
        })
      )
    ))

export const intParam = (name: string) =>
  Effect.flatMap(HttpRouter.params, (p) => {
    const raw = p[name] ?? ""
    return /^\d+$/.test(raw) ? Effect.succeed(Number(raw)) : Effect.fail(new BadRequest(null))
  })

export const query = Effect.map(HttpServerRequest.HttpServerRequest, (r) => new URL(r.url, "http://127.0.0.1").searchParams)

export const intQuery = (q: URLSearchParams, name: string): number | undefined => {
  const v = q.get(name)
  return v !== null && /^\d+$/.test(v) ? Number(v) : undefined
}

/** DRF page-number pagination with absolute links built from the request's Host. */
export const paginate = <A, B = A>(items: ReadonlyArray<A>, render: (item: A) => B = (item) => item as unknown as B) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const url = new URL(request.url, `http://${request.headers["host"] ?? "127.0.0.1"}`)
    const size = Math.min(100, Math.max(1, intQuery(url.searchParams, "page_size") ?? 20))
    const page = intQuery(url.searchParams, "page") ?? 1
    const pages = Math.max(1, Math.ceil(items.length / size))
    if (page < 1 || page > pages) return detail(404, "Invalid page.")
    const link = (n: number) => {
      const u = new URL(url.toString())
      u.searchParams.set("page", String(n))
      return u.toString()
    }
    return json({
      count: items.length,
      next: page < pages ? link(page + 1) : null,
      previous: page > 1 ? link(page - 1) : null,
      results: items.slice((page - 1) * size, page * size).map(render)
    })
  })
