/**
 * Reading requests (bodies decoded strictly with Vapi's wire schemas, UUID path parameters, query
 * values and lists) and Vapi's list parameters: `createdAt*`/`updatedAt*` filters, sort, `page`
 * and `limit`.
 *
 * @internal
 */
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { fail } from "./Errors.js"
import type { Json } from "./Store.js"

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export const body = <A, I>(schema: Schema.Schema<A, I>) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const text = yield* Effect.orElseSucceed(request.text, () => "")
    let json: unknown
    try {
      json = text.trim() === "" ? {} : JSON.parse(text)
    } catch (e) {
      return yield* fail(400, `Unexpected token in JSON body: ${(e as Error).message}`)
    }
    const decoded = Schema.decodeUnknownEither(schema, { onExcessProperty: "error", errors: "all" })(json)
    if (Either.isLeft(decoded)) {
      return yield* fail(
        400,
        ParseResult.ArrayFormatter.formatErrorSync(decoded.left).map((i) => `${i.path.length === 0 ? "body" : i.path.join(".")}: ${i.message}`)
      )
    }
    return { value: decoded.right, json: json as Json }
  })

export const idParam = (name: string, kind: string) =>
  Effect.flatMap(HttpRouter.params, (params) => {
    const id = params[name] ?? ""
    return uuidPattern.test(id) ? Effect.succeed(id) : fail(400, `Validation failed (uuid is expected) for ${kind} ${name}`)
  })

export const query = Effect.map(HttpServerRequest.ParsedSearchParams, (p) => p)
export const queryValue = (p: Record<string, string | Array<string>>, key: string): string | undefined => {
  const v = p[key]
  return Array.isArray(v) ? v[0] : v
}
export const queryList = (p: Record<string, string | Array<string>>, key: string): ReadonlyArray<string> | undefined => {
  const v = p[key] ?? p[`${key}[]`]
  if (v === undefined) return undefined
  return (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(",")).filter((s) => s !== "")
}

/** Common list parameters: filters on `createdAt*` and `updatedAt*`, sort, `page` (1-based) and `limit` (0..1000). */
export const paginate = (all: ReadonlyArray<Json>, p: Record<string, string | Array<string>>, sortable = true) => {
  const limit = Number(queryValue(p, "limit") ?? 100)
  const page = Number(queryValue(p, "page") ?? 1)
  if (!Number.isInteger(limit) || limit < 0 || limit > 1000) return fail(400, ["limit must not be greater than 1000", "limit must not be less than 0"])
  if (!Number.isInteger(page) || page < 1) return fail(400, ["page must not be less than 1"])
  const bound = (key: string, test: (a: number, b: number) => boolean) => {
    const v = queryValue(p, key)
    return v === undefined ? () => true : (o: Json) => test(Date.parse(String(o.createdAt)), Date.parse(v))
  }
  const boundOn = (field: string, key: string, test: (a: number, b: number) => boolean) => {
    const v = queryValue(p, key)
    return v === undefined ? () => true : (o: Json) => test(Date.parse(String(o[field])), Date.parse(v))
  }
  const filters = [
    bound("createdAtGt", (a, b) => a > b),
    bound("createdAtGe", (a, b) => a >= b),
    bound("createdAtLt", (a, b) => a < b),
    bound("createdAtLe", (a, b) => a <= b),
    boundOn("updatedAt", "updatedAtGt", (a, b) => a > b),
    boundOn("updatedAt", "updatedAtGe", (a, b) => a >= b),
    boundOn("updatedAt", "updatedAtLt", (a, b) => a < b),
    boundOn("updatedAt", "updatedAtLe", (a, b) => a <= b)
  ]
  const filtered = all.filter((o) => filters.every((f) => f(o)))
  const asc = (queryValue(p, "sortOrder") ?? "DESC").toUpperCase() === "ASC"
  const sorted = sortable
    ? filtered.map((o, i) => ({ o, i })).sort((a, b) => {
      const d = Date.parse(String(a.o.createdAt)) - Date.parse(String(b.o.createdAt)) || a.i - b.i
      return asc ? d : -d
    }).map((x) => x.o)
    : filtered
  return Effect.succeed(sorted.slice((page - 1) * limit, page * limit))
}

export const json = (value: unknown, status = 200) => HttpServerResponse.unsafeJson(value, { status })
