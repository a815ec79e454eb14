/**
 * The one retry schedule. Driven by `ProviderError.reason` / `isRetryable`: exponential backoff with
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
 * the schedule already gave up on carries `attempts` and is not retried a second time.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Config from "effect/Config"
import * as FiberRef from "effect/FiberRef"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import * as ScheduleDecision from "effect/ScheduleDecision"
import * as ScheduleIntervals from "effect/ScheduleIntervals"
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

/**
 * Whether `error` may be retried in `mode`: a retryable reason, not given up on by a loop already,
 * and in `create` mode only when the vendor provably did not act on the request.
 */
export const shouldRetry = (error: ProviderError, mode: Mode): boolean =>
  error.attempts === undefined && error.isRetryable && (mode === "idempotent" || !error.outcomeUnknown)

/** What the retry schedule knows after each failure. */
export interface Attempt {
  /** Attempts made so far, the failed one included. */
  readonly attempt: number
  readonly error: ProviderError
}

/** Ends `self` where its next wait would end after `deadline` (clock milliseconds). */
const until = (deadline: number) => <Out, In, R>(self: Schedule.Schedule<Out, In, R>): Schedule.Schedule<Out, In, R> =>
  Schedule.makeWithState(self.initial, (now, input, state) =>
    Effect.map(self.step(now, input, state), ([next, out, decision]) =>
      ScheduleDecision.isContinue(decision) && ScheduleIntervals.start(decision.intervals) > deadline
        ? [next, out, ScheduleDecision.done] as const
        : [next, out, decision] as const))

/**
 * The retry schedule of `policy`, fed with each failure: exponential backoff capped at `maxDelay`,
 * jittered, never shorter than the error's `Retry-After`; it ends on an error {@link shouldRetry}
 * refuses, after `maxAttempts`, or where the next wait would end more than `maxElapsed` after
 * `startedAt` (the clock time of the first attempt, in milliseconds).
 */
export const schedule = (policy: RetryPolicy, mode: Mode, startedAt: number): Schedule.Schedule<Attempt, ProviderError> => {
  const exponential = Schedule.exponential(policy.initialDelay, policy.factor).pipe(
    Schedule.modifyDelay((_, delay) => Duration.min(delay, policy.maxDelay))
  )
  // Multiplying by a range of exactly 1 can still move the delay by a rounding error.
  const jittered = policy.jitter === 0
    ? exponential
    : Schedule.jitteredWith(exponential, { min: 1 - policy.jitter, max: 1 + policy.jitter })
  return jittered.pipe(
    Schedule.intersect(Schedule.identity<ProviderError>()),
    Schedule.modifyDelay(([, error], delay) => error.retryAfter === undefined ? delay : Duration.max(delay, error.retryAfter)),
    Schedule.whileInput((error: ProviderError) => shouldRetry(error, mode)),
    Schedule.intersect(Schedule.recurs(policy.maxAttempts - 1)),
    Schedule.map(([[, error], retries]): Attempt => ({ attempt: retries + 1, error })),
    until(startedAt + Duration.toMillis(policy.maxElapsed))
  )
}

/**
 * Retries `effect` under `policy` with {@link schedule}. An error the schedule ended on while it
 * was still retryable carries the attempts made (`withAttempts`), so no outer loop retries it again.
 */
export const retry = (policy: RetryPolicy, mode: Mode = "idempotent") =>
<A, R>(effect: Effect.Effect<A, ProviderError, R>): Effect.Effect<A, ProviderError, R> =>
  Effect.flatMap(Clock.currentTimeMillis, (startedAt) =>
    Effect.retryOrElse(
      effect,
      schedule(policy, mode, startedAt).pipe(
        Schedule.onDecision((last, decision) =>
          ScheduleDecision.isContinue(decision) ? Effect.annotateCurrentSpan("simbridge.retry", last.attempt) : Effect.void
        )
      ),
      (error, last) => Effect.fail(shouldRetry(error, mode) ? withAttempts(error, last.attempt) : error)
    ))
