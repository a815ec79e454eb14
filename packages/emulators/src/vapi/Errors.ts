/**
 * Vapi's (NestJS) error body `{ message, error, statusCode }` and the failure the routes raise.
 *
 * @internal
 */
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"

const reasonPhrases: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  402: "Payment Required",
  403: "Forbidden",
  404: "Not Found",
  409: "Conflict",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable"
}

/** Vapi's (NestJS) error body. */
export const renderError = (status: number, message: string | ReadonlyArray<string>): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.unsafeJson({ message, error: reasonPhrases[status] ?? "Error", statusCode: status }, { status })

export class HttpFailure {
  constructor(readonly status: number, readonly message: string | ReadonlyArray<string>) {}
}

export const fail = (status: number, message: string | ReadonlyArray<string>) => Effect.fail(new HttpFailure(status, message))

export const unauthorized = renderError(401, "Invalid Key. Hot tip, you may be using the private key instead of the public key, or vice versa.")
