/**
 * The one retry loop. Driven by `ProviderError.reason` / `isRetryable`: exponential backoff with
 * jitter, never shorter than the vendor's `Retry-After`, bounded by attempts and total time.
 * Vendor clients do not retry, so nothing retries twice.
 *
 * Requests that create something billable (starting a run) use `mode: "create"`: they are retried
 * only when the error proves the vendor did not act on them (`outcomeUnknown: false`); the caller
 * reconciles the others (see `SimulationProvider.make`).
 *
 * Where it runs: `SimulationProvider.make` sets {@link perRequest} around every driver call, so
 * each HTTP request of a vendor client (`ProviderHttp`) is retried where it is made: reads
 * (GET, PUT, DELETE) as idempotent, POST and PATCH in `create` mode. An operation made of many
 * requests (a results page joined with transcripts, a reconciliation scan) then does not start over
 * because one of them failed. `make` also retries each driver operation as a whole, for the errors
 * the request level left alone (a write whose outcome is unknown, drivers without HTTP); an error
 * the loop already gave up on carries `attempts` and is not retried a second time.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Config from "effect/Config"
import * as FiberRef from "effect/FiberRef"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import * as Schema from "effect/Schema"
import { type ProviderError, withAttempts } from "./ProviderError.js"

export class RetryPolicy extends Schema.Class<RetryPolicy>("RetryPolicy")({
  /** Attempts in all, the first included. */
  maxAttempts: Schema.Int.pipe(Schema.positive()),
  /** No retry starts once this much time has passed since the first attempt. */
  maxElapsed: Schema.DurationFromMillis,
  initialDelay: Schema.DurationFromMillis,
  maxDelay: Schema.DurationFromMillis,
  factor: Schema.Number.pipe(Schema.greaterThanOrEqualTo(1)),
  /** Share of the delay randomised either way (0.2 = +-20%). */
  jitter: Schema.Number.pipe(Schema.between(0, 1))
}) {}

export const defaultPolicy = new RetryPolicy({
  maxAttempts: 6,
  maxElapsed: Duration.minutes(3),
  initialDelay: Duration.millis(500),
  maxDelay: Duration.seconds(30),
  factor: 2,
  jitter: 0.2
})

export const noRetry = new RetryPolicy({ ...defaultPolicy, maxAttempts: 1 })

/**
 * The policy providers use when they were not built with one (`SimulationProvider.make(driver,
 * { retry })` wins). Set it around a program or one provider's calls with `Effect.locally`, or
 * with `SimulationProvider.withRetryPolicy`.
 */
export const currentPolicy: FiberRef.FiberRef<RetryPolicy> = FiberRef.unsafeMake(defaultPolicy)

/**
 * The policy each vendor request is retried under, when set (by `SimulationProvider.make` around
 * driver calls). Unset, a vendor client used on its own does not retry.
 */
export const perRequest: FiberRef.FiberRef<RetryPolicy | undefined> = FiberRef.unsafeMake<RetryPolicy | undefined>(undefined)

/** Retries one vendor request under {@link perRequest}, if set: GET, PUT and DELETE as idempotent, other methods in `create` mode. */
export const request = (method: string) =>
<A, R>(effect: Effect.Effect<A, ProviderError, R>): Effect.Effect<A, ProviderError, R> =>
  Effect.flatMap(
    FiberRef.get(perRequest),
    (policy) => policy === undefined ? effect : retry(policy, method === "GET" || method === "PUT" || method === "DELETE" ? "idempotent" : "create")(effect)
  )

/** Reads a policy from `SIMBRIDGE_RETRY_MAX_ATTEMPTS` and `SIMBRIDGE_RETRY_MAX_ELAPSED` (a duration such as "2 minutes"). */
export const policyConfig: Config.Config<RetryPolicy> = Config.all({
  maxAttempts: Config.integer("SIMBRIDGE_RETRY_MAX_ATTEMPTS").pipe(Config.withDefault(defaultPolicy.maxAttempts)),
  maxElapsed: Config.duration("SIMBRIDGE_RETRY_MAX_ELAPSED").pipe(Config.withDefault(defaultPolicy.maxElapsed))
}).pipe(Config.map(({ maxAttempts, maxElapsed }) => new RetryPolicy({ ...defaultPolicy, maxAttempts: Math.max(1, maxAttempts), maxElapsed })))

export type Mode = "idempotent" | "create"

/** The backoff delay before attempt `attempt + 1` (attempt counts from 1), before jitter. */
export const backoff = (policy: RetryPolicy, attempt: number): Duration.Duration => {
  const ms = Duration.toMillis(policy.initialDelay) * Math.pow(policy.factor, attempt - 1)
  return Duration.millis(Math.min(ms, Duration.toMillis(policy.maxDelay)))
}

export interface RetryEvent {
  readonly attempt: number
  readonly delay: Duration.Duration
  readonly error: ProviderError
}

export const shouldRetry = (error: ProviderError, mode: Mode): boolean =>
  error.attempts === undefined && error.isRetryable && (mode === "idempotent" || !error.outcomeUnknown)

/**
 * Retries `effect` under `policy`. `onRetry` sees each retry before its delay (for logs and progress).
 */
export const retry = (
  policy: RetryPolicy,
  mode: Mode = "idempotent",
  onRetry?: (event: RetryEvent) => Effect.Effect<void>
) =>
<A, R>(effect: Effect.Effect<A, ProviderError, R>): Effect.Effect<A, ProviderError, R> =>
  Effect.flatMap(Clock.currentTimeMillis, (start) => {
    const loop = (attempt: number): Effect.Effect<A, ProviderError, R> =>
      Effect.catchAll(effect, (error) => {
        if (!shouldRetry(error, mode)) return Effect.fail(error)
        if (attempt >= policy.maxAttempts) return Effect.fail(withAttempts(error, attempt))
        return Effect.gen(function*() {
          const base = Duration.toMillis(backoff(policy, attempt))
          const spread = (yield* Random.next) * 2 - 1
          const jittered = Math.max(0, base * (1 + policy.jitter * spread))
          const hinted = error.retryAfter === undefined ? 0 : Duration.toMillis(error.retryAfter)
          const delay = Duration.millis(Math.max(jittered, hinted))
          const now = yield* Clock.currentTimeMillis
          if (now - start + Duration.toMillis(delay) > Duration.toMillis(policy.maxElapsed)) return yield* Effect.fail(withAttempts(error, attempt))
          if (onRetry) yield* onRetry({ attempt, delay, error })
          yield* Effect.annotateCurrentSpan("simbridge.retry", attempt)
          yield* Effect.sleep(delay)
          return yield* loop(attempt + 1)
        })
      })
    return loop(1)
  })
