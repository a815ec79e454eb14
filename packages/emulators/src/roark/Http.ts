/**
 * Reading requests (JSON bodies decoded with the vendor's wire schemas, path and query parameters)
 * and writing Roark's `{data}` envelope and cursor pagination.
 *
 * @internal
 */
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { Issues } from "@simbridge/core"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { ApiError, invalid } from "./Errors.js"

export const decodeBody = <A, I>(schema: Schema.Schema<A, I>, optional = false) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const text = yield* Effect.orElseSucceed(request.text, () => "")
    let body: unknown = undefined
    if (text.trim() !== "") {
      try {
        body = JSON.parse(text)
      } catch {
        return yield* new ApiError({ status: 400, message: "Request body is not valid JSON" })
      }
    }
    if (body === undefined && optional) body = {}
    return yield* decodeWith(schema, body)
  })

/** `raw` decoded with `schema`; every problem (not just the first) is a 400 issue naming its field. */
export const decodeWith = <A, I>(schema: Schema.Schema<A, I>, raw: unknown) =>
  Schema.decodeUnknown(schema, { onExcessProperty: "ignore", errors: "all" })(raw).pipe(
    Effect.mapError((error) => {
      const issues = Issues.fromParseError(error).map((i) => ({ path: Issues.formatPath(i.path) || "body", message: i.message }))
      return new ApiError({ status: 400, message: issues.map((i) => `${i.path}: ${i.message}`).join("; "), issues })
    })
  )

export const rawBody = Effect.gen(function*() {
  const request = yield* HttpServerRequest.HttpServerRequest
  const text = yield* Effect.orElseSucceed(request.text, () => "")
  try {
    return text.trim() === "" ? {} : JSON.parse(text) as unknown
  } catch {
    return yield* new ApiError({ status: 400, message: "Request body is not valid JSON" })
  }
})

export const queryParams = Effect.map(HttpServerRequest.HttpServerRequest, (r) => new URL(r.url, "http://127.0.0.1").searchParams)

export const param = (name: string) =>
  Effect.flatMap(HttpRouter.params, (p) => {
    const v = p[name]
    return v === undefined ? Effect.fail(new ApiError({ status: 400, message: `missing ${name}` })) : Effect.succeed(v)
  })

export const ok = (data: unknown, status = 200) => Effect.succeed(HttpServerResponse.unsafeJson({ data }, { status }))

export const paginate = <A, B = A>(items: ReadonlyArray<A>, idOf: (a: A) => string, max = 50, render: (a: A) => B = (a) => a as unknown as B) =>
  Effect.gen(function*() {
    const q = yield* queryParams
    const limitRaw = q.get("limit")
    const limit = limitRaw === null ? 20 : Number(limitRaw)
    if (!Number.isInteger(limit) || limit < 1 || limit > max) return yield* invalid("limit", `must be an integer between 1 and ${max}`)
    const after = q.get("after")
    let from = 0
    if (after !== null && after !== "") {
      const i = items.findIndex((a) => idOf(a) === after)
      if (i < 0) return yield* invalid("after", `unknown cursor ${after}`)
      from = i + 1
    }
    const data = items.slice(from, from + limit)
    const hasMore = from + limit < items.length
    return HttpServerResponse.unsafeJson({
      data: data.map(render),
      pagination: { hasMore, nextCursor: hasMore && data.length > 0 ? idOf(data[data.length - 1]!) : null, total: items.length }
    })
  })

export const search = <A>(items: Iterable<A>, text: string | null, field: (a: A) => string | null | undefined) => {
  const all = [...items]
  if (text === null || text === "") return all
  const needle = text.toLowerCase()
  return all.filter((a) => (field(a) ?? "").toLowerCase().includes(needle))
}
