/**
 * Roark's error body `{ statusCode, error, message, issues? }` and the failure the routes raise.
 *
 * @internal
 */
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import type { Emulator } from "@simbridge/emulator"
import * as Data from "effect/Data"

const reasonPhrase: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  409: "Conflict",
  422: "Unprocessable Entity",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable"
}

export const renderError: Emulator.ErrorRenderer = (status, message) =>
  HttpServerResponse.unsafeJson({ statusCode: status, error: reasonPhrase[status] ?? "Error", message }, { status })

export class ApiError extends Data.TaggedError("ApiError")<{
  readonly status: number
  readonly message: string
  readonly issues?: ReadonlyArray<{ readonly path: string; readonly message: string }>
}> {}

export const notFound = (what: string, id: string) => new ApiError({ status: 404, message: `${what} ${id} not found` })
export const invalid = (path: string, message: string) =>
  new ApiError({ status: 400, message: `${path}: ${message}`, issues: [{ path, message }] })

export const errorResponse = (e: ApiError) =>
  HttpServerResponse.unsafeJson(
    { statusCode: e.status, error: reasonPhrase[e.status] ?? "Error", message: e.message, ...(e.issues ? { issues: e.issues } : {}) },
    { status: e.status }
  )
