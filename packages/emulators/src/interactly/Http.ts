/**
 * Reading requests (ObjectId path parameters, query and body decoded with FastAPI's validation
 * errors, where a status is rendered) and writing JSON answers.
 *
 * @internal
 */
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { At } from "./Bodies.js"
import { fromParseError, validation } from "./Errors.js"
import { isObjectId } from "./Store.js"

export const basePath = "/workflows"

export const where = Effect.map(HttpServerRequest.HttpServerRequest, (request): At => ({
  method: request.method,
  // The full path (with the `/workflows` base), as the fault middleware matches it.
  path: new URL(request.originalUrl, "http://127.0.0.1").pathname
}))

export const pathId = (name: string) =>
  Effect.flatMap(HttpRouter.params, (params) => {
    const value = params[name]
    return isObjectId(value)
      ? Effect.succeed(value)
      : Effect.fail(validation(["path", name], "String should match a 24 character hex ObjectId", "string_pattern_mismatch"))
  })

const searchParams = Effect.map(HttpServerRequest.HttpServerRequest, (request) => new URL(request.url, "http://127.0.0.1").searchParams)

export const PageQuery = Schema.Struct({
  page: Schema.optionalWith(Schema.NumberFromString.pipe(Schema.int(), Schema.greaterThanOrEqualTo(1)), { default: () => 1 }),
  size: Schema.optionalWith(Schema.NumberFromString.pipe(Schema.int(), Schema.greaterThanOrEqualTo(1)), { default: () => 100 })
})

export const query = <A, I>(schema: Schema.Schema<A, I>) =>
  Effect.flatMap(searchParams, (params) =>
    Schema.decodeUnknown(schema, { onExcessProperty: "ignore" })(Object.fromEntries(params)).pipe(Effect.mapError((e) => fromParseError("query", e)))
  )

export const body = <A, I>(schema: Schema.Schema<A, I>) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const text = yield* Effect.orElseSucceed(request.text, () => "")
    let json: unknown = {}
    if (text.trim() !== "") {
      try {
        json = JSON.parse(text)
      } catch {
        return yield* Effect.fail(validation(["body", 0], "JSON decode error", "json_invalid"))
      }
    }
    return yield* Schema.decodeUnknown(schema, { onExcessProperty: "ignore" })(json).pipe(Effect.mapError((e) => fromParseError("body", e)))
  })

export const page = <T>(items: ReadonlyArray<T>, p: { readonly page: number; readonly size: number }) => items.slice((p.page - 1) * p.size, p.page * p.size)

export const json = (value: unknown, status = 200) => Effect.succeed(HttpServerResponse.unsafeJson(value, { status }))
