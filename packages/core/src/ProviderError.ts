/**
 * One error for everything a provider can fail with. `reason` says what happened in terms a caller
 * can act on; `isRetryable` says whether trying again may help; `retryAfter` is the vendor's hint.
 * HTTP details are kept with secrets redacted.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"

export const Reason = Schema.Literal(
  "RateLimited",
  "QuotaExhausted",
  "Unauthorized",
  "Forbidden",
  "NotFound",
  "Conflict",
  "InvalidRequest",
  "Unsupported",
  "ProviderInternal",
  "Transport",
  "Timeout",
  "MalformedResponse"
)
export type Reason = typeof Reason.Type

const retryable: ReadonlySet<Reason> = new Set(["RateLimited", "ProviderInternal", "Transport", "Timeout"])

/** The HTTP exchange that failed, with secrets redacted. */
export class HttpDetails extends Schema.Class<HttpDetails>("HttpDetails")({
  method: Schema.String,
  url: Schema.String,
  status: Schema.optional(Schema.Number),
  requestHeaders: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String })),
  /** The response body, truncated to 2 KB. */
  body: Schema.optional(Schema.String)
}) {}

export class ProviderError extends Schema.TaggedError<ProviderError>("@simbridge/core/ProviderError")("ProviderError", {
  provider: Schema.String,
  operation: Schema.String,
  reason: Reason,
  description: Schema.String,
  retryAfter: Schema.optional(Schema.Duration),
  http: Schema.optional(HttpDetails),
  /** Whether the request may have taken effect on the vendor (the body was sent, no answer came). */
  outcomeUnknown: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  /**
   * Set by the retry loop when it gave up on this error (attempts or time spent): how many
   * attempts were made. An error that already went through the loop is not retried again.
   */
  attempts: Schema.optional(Schema.Int),
  cause: Schema.optional(Schema.Defect)
}) {
  get isRetryable(): boolean {
    return retryable.has(this.reason)
  }

  override get message(): string {
    const status = this.http?.status === undefined ? "" : ` (HTTP ${this.http.status})`
    const retry = this.retryAfter === undefined ? "" : `, retry after ${Duration.format(this.retryAfter)}`
    const attempts = this.attempts === undefined || this.attempts < 2 ? "" : ` (gave up after ${this.attempts} attempts)`
    return `${this.provider} ${this.operation}: ${this.reason}${status}: ${this.description}${retry}${attempts}`
  }
}

export const isProviderError = (u: unknown): u is ProviderError => Predicate.isTagged(u, "ProviderError")

export const make = (params: {
  readonly provider: string
  readonly operation: string
  readonly reason: Reason
  readonly description: string
  readonly retryAfter?: Duration.DurationInput | undefined
  readonly http?: HttpDetails | undefined
  readonly outcomeUnknown?: boolean | undefined
  readonly cause?: unknown
}): ProviderError =>
  new ProviderError({
    provider: params.provider,
    operation: params.operation,
    reason: params.reason,
    description: params.description,
    outcomeUnknown: params.outcomeUnknown ?? false,
    ...(params.retryAfter === undefined ? {} : { retryAfter: Duration.decode(params.retryAfter) }),
    ...(params.http === undefined ? {} : { http: params.http }),
    ...(params.cause === undefined ? {} : { cause: params.cause })
  })

/** The same error, marked as given up on by the retry loop after `attempts` attempts. */
export const withAttempts = (error: ProviderError, attempts: number): ProviderError =>
  new ProviderError({
    provider: error.provider,
    operation: error.operation,
    reason: error.reason,
    description: error.description,
    outcomeUnknown: error.outcomeUnknown,
    attempts,
    ...(error.retryAfter === undefined ? {} : { retryAfter: error.retryAfter }),
    ...(error.http === undefined ? {} : { http: error.http }),
    ...(error.cause === undefined ? {} : { cause: error.cause })
  })

/** The reason an HTTP status code stands for. */
export const reasonFromStatus = (status: number): Reason => {
  switch (status) {
    case 401:
      return "Unauthorized"
    case 402:
      return "QuotaExhausted"
    case 403:
      return "Forbidden"
    case 404:
    case 410:
      return "NotFound"
    case 409:
      return "Conflict"
    case 408:
    case 504:
      return "Timeout"
    case 429:
      return "RateLimited"
    case 501:
      return "Unsupported"
  }
  if (status >= 500) return "ProviderInternal"
  return "InvalidRequest"
}

const secretHeader = /authorization|api[-_]?key|token|secret|cookie|password/i

/** Copies headers, replacing the values of anything that may hold a secret. */
export const redactHeaders = (headers: Readonly<Record<string, string>>): Record<string, string> =>
  Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, secretHeader.test(k) ? "<redacted>" : v]))

/**
 * Parses a `Retry-After` header: delay-seconds or an HTTP date, relative to `now` (epoch ms).
 * Returns undefined for anything else.
 */
export const parseRetryAfter = (value: string | null | undefined, now: number): Duration.Duration | undefined => {
  if (value === null || value === undefined) return undefined
  const trimmed = value.trim()
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Duration.seconds(Number(trimmed))
  const date = Date.parse(trimmed)
  if (Number.isNaN(date)) return undefined
  return Duration.millis(Math.max(0, date - now))
}
