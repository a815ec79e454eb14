/**
 * FastAPI's error bodies: `{detail}` and validation errors `{detail: [{loc, msg, type}]}`, and the
 * failure the routes raise.
 *
 * @internal
 */
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { Issues } from "@simbridge/core"
import type { Emulator } from "@simbridge/emulator"
import * as Data from "effect/Data"
import type * as ParseResult from "effect/ParseResult"

export class ApiError extends Data.TaggedError("ApiError")<{ readonly status: number; readonly body: unknown }> {}

export const notFound = (what: string) => new ApiError({ status: 404, body: { detail: `${what} not found` } })

export const validation = (loc: ReadonlyArray<string | number>, msg: string, type = "value_error") =>
  new ApiError({ status: 422, body: { detail: [{ loc, msg, type }] } })

export const fromParseError = (where: "body" | "query", error: ParseResult.ParseError) =>
  new ApiError({
    status: 422,
    body: {
      // One entry per field, without Schema's union noise ("Expected null/undefined" of optional fields).
      detail: Issues.fromParseError(error).map((i) => ({
        loc: [where, ...i.path.map((p) => (typeof p === "number" ? p : String(p)))],
        msg: i.message,
        type: i.message === "is missing" ? "missing" : "value_error"
      }))
    }
  })

export const renderError: Emulator.ErrorRenderer = (status, message) => HttpServerResponse.unsafeJson({ detail: message }, { status })
