import { describe, expect, it } from "@effect/vitest"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { ProviderError, ProviderHttp, Retry, SimulationProvider, TestProvider } from "@simbridge/core"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"
import * as TestClock from "effect/TestClock"
import { plan } from "./fixtures.js"

const policy = new Retry.RetryPolicy({
  maxAttempts: 4,
  maxElapsed: Duration.minutes(1),
  initialDelay: Duration.seconds(1),
  maxDelay: Duration.seconds(8),
  factor: 2,
  jitter: 0
})

const error = (reason: ProviderError.Reason, extra: Partial<{ retryAfter: Duration.DurationInput; outcomeUnknown: boolean }> = {}) =>
  ProviderError.make({ provider: "p", operation: "op", reason, description: reason, ...extra })

/** An effect that fails with `errors` in turn, then succeeds; counts attempts. */
const flaky = (errors: ReadonlyArray<ProviderError.ProviderError>) =>
  Effect.map(Ref.make(0), (attempts) => ({
    attempts,
    effect: Effect.flatMap(Ref.getAndUpdate(attempts, (n) => n + 1), (n) => (n < errors.length ? Effect.fail(errors[n]!) : Effect.succeed("ok")))
  }))

describe("Retry", () => {
  it.effect("backs off exponentially and succeeds", () =>
    Effect.gen(function*() {
      const { attempts, effect } = yield* flaky([error("ProviderInternal"), error("Transport")])
      const fiber = yield* Effect.fork(Retry.retry(policy)(effect))
      yield* TestClock.adjust("999 millis")
      expect(yield* Ref.get(attempts)).toBe(1)
      yield* TestClock.adjust("1 millis")
      expect(yield* Ref.get(attempts)).toBe(2)
      yield* TestClock.adjust("2 seconds")
      expect(yield* Fiber.join(fiber)).toBe("ok")
      expect(yield* Ref.get(attempts)).toBe(3)
    }))

  it.effect("waits at least the vendor's Retry-After", () =>
    Effect.gen(function*() {
      const { attempts, effect } = yield* flaky([error("RateLimited", { retryAfter: "5 seconds" })])
      const fiber = yield* Effect.fork(Retry.retry(policy)(effect))
      yield* TestClock.adjust("4 seconds")
      expect(yield* Ref.get(attempts)).toBe(1)
      yield* TestClock.adjust("1 second")
      expect(yield* Fiber.join(fiber)).toBe("ok")
    }))

  it.effect("does not retry what is not retryable", () =>
    Effect.gen(function*() {
      const { attempts, effect } = yield* flaky([error("Unauthorized")])
      const result = yield* Effect.flip(Retry.retry(policy)(effect))
      expect(result.reason).toBe("Unauthorized")
      expect(yield* Ref.get(attempts)).toBe(1)
    }))

  it.effect("stops after maxAttempts with the last error", () =>
    Effect.gen(function*() {
      const { attempts, effect } = yield* flaky(Array.from({ length: 10 }, () => error("ProviderInternal")))
      const fiber = yield* Effect.fork(Effect.flip(Retry.retry(policy)(effect)))
      yield* TestClock.adjust("1 minute")
      const given = yield* Fiber.join(fiber)
      expect(given.reason).toBe("ProviderInternal")
      expect(given.attempts).toBe(4)
      expect(given.message).toContain("gave up after 4 attempts")
      expect(yield* Ref.get(attempts)).toBe(4)
    }))

  it.effect("an error the loop gave up on is not retried again by an outer loop", () =>
    Effect.gen(function*() {
      const { attempts, effect } = yield* flaky(Array.from({ length: 20 }, () => error("ProviderInternal")))
      const fiber = yield* Effect.fork(Effect.flip(Retry.retry(policy)(Retry.retry(policy)(effect))))
      yield* TestClock.adjust("10 minutes")
      expect((yield* Fiber.join(fiber)).attempts).toBe(4)
      expect(yield* Ref.get(attempts)).toBe(4)
    }))

  it.effect("gives up when Retry-After exceeds the time budget", () =>
    Effect.gen(function*() {
      const { attempts, effect } = yield* flaky([error("RateLimited", { retryAfter: "2 minutes" })])
      const result = yield* Effect.flip(Retry.retry(policy)(effect))
      expect(result.reason).toBe("RateLimited")
      expect(yield* Ref.get(attempts)).toBe(1)
    }))

  it.effect("in create mode, never repeats a request whose outcome is unknown", () =>
    Effect.gen(function*() {
      const unknown = yield* flaky([error("Transport", { outcomeUnknown: true })])
      expect((yield* Effect.flip(Retry.retry(policy, "create")(unknown.effect))).reason).toBe("Transport")
      expect(yield* Ref.get(unknown.attempts)).toBe(1)

      const rejected = yield* flaky([error("RateLimited", { retryAfter: "1 second" })])
      const fiber = yield* Effect.fork(Retry.retry(policy, "create")(rejected.effect))
      yield* TestClock.adjust("1 second")
      expect(yield* Fiber.join(fiber)).toBe("ok")
    }))
})

/** A vendor API on a fake HttpClient: answers by path from `script` (status per call, in turn), logs each request. */
const fakeVendor = (script: Record<string, ReadonlyArray<number>>) => {
  const log: Array<string> = []
  const seen = new Map<string, number>()
  const client = HttpClient.make((request) => {
    const path = new URL(request.url).pathname
    const n = seen.get(path) ?? 0
    seen.set(path, n + 1)
    log.push(`${request.method} ${path}`)
    const statuses = script[path] ?? [200]
    const status = statuses[Math.min(n, statuses.length - 1)]!
    const body = status === 200 ? JSON.stringify({ id: path.slice(1), status: "ended" }) : JSON.stringify({ message: `HTTP ${status}` })
    return Effect.succeed(HttpClientResponse.fromWeb(request, new Response(body, { status, headers: { "content-type": "application/json" } })))
  })
  const http = ProviderHttp.make({ provider: "fake", client: ProviderHttp.baseClient(client, "http://vendor.test") })
  const get = (path: string) => http.json("get", HttpClientRequest.get(path), Schema.Struct({ id: Schema.String }))
  return { log, http, get }
}

describe("retries per request (Retry.perRequest)", () => {
  it.effect("each vendor request of a driver call is retried where it is made; the call does not start over", () =>
    Effect.gen(function*() {
      const vendor = fakeVendor({ "/b": [503, 503, 200] })
      const fiber = yield* Effect.fork(
        Effect.locally(Effect.zip(vendor.get("/a"), vendor.get("/b")), Retry.perRequest, policy)
      )
      yield* TestClock.adjust("1 minute")
      const [a, b] = yield* Fiber.join(fiber)
      expect([a.id, b.id]).toEqual(["a", "b"])
      expect(vendor.log).toEqual(["GET /a", "GET /b", "GET /b", "GET /b"])
    }))

  it.effect("a base URL that does not parse is InvalidRequest, not retried", () =>
    Effect.gen(function*() {
      let sent = 0
      const client = HttpClient.make((request) => {
        sent++
        return Effect.succeed(HttpClientResponse.fromWeb(request, new Response("{}", { status: 200 })))
      })
      const http = ProviderHttp.make({ provider: "fake", client: ProviderHttp.baseClient(client, ":::") })
      const error = yield* Effect.flip(Effect.locally(http.send("get", HttpClientRequest.get("/runs")), Retry.perRequest, policy))
      expect(error.reason).toBe("InvalidRequest")
      expect(error.isRetryable).toBe(false)
      expect(sent).toBe(0)
    }))

  it.effect("without perRequest a vendor client does not retry", () =>
    Effect.gen(function*() {
      const vendor = fakeVendor({ "/a": [503, 200] })
      expect((yield* Effect.flip(vendor.get("/a"))).reason).toBe("ProviderInternal")
      expect(vendor.log).toEqual(["GET /a"])
    }))

  it.effect("a POST whose outcome is unknown (5xx) is not repeated at the request level", () =>
    Effect.gen(function*() {
      const vendor = fakeVendor({ "/runs": [503, 200] })
      const post = vendor.http.send("create", HttpClientRequest.post("/runs"))
      const error = yield* Effect.flip(Effect.locally(post, Retry.perRequest, policy))
      expect(error.outcomeUnknown).toBe(true)
      expect(error.attempts).toBeUndefined()
      expect(vendor.log).toEqual(["POST /runs"])
    }))
})

describe("retry policy configuration", () => {
  it.effect("a provider without its own policy uses the current one, per call", () =>
    Effect.gen(function*() {
      const { driver, control } = yield* TestProvider.make()
      const provider = SimulationProvider.make(driver)
      const run = yield* provider.startRun(plan)
      yield* control.inject("getRun", { _tag: "Error", reason: "ProviderInternal" }, 10)
      const once = SimulationProvider.withRetryPolicy(provider, new Retry.RetryPolicy({ ...policy, maxAttempts: 2 }))
      const fiber = yield* Effect.fork(Effect.flip(once.getRun(run.ref)))
      yield* TestClock.adjust("1 minute")
      expect((yield* Fiber.join(fiber)).reason).toBe("ProviderInternal")
      expect((yield* control.calls).filter((c) => c.operation === "getRun")).toHaveLength(2)
    }))

  it.effect("reads the policy from SIMBRIDGE_RETRY_* settings", () =>
    Effect.gen(function*() {
      const read = yield* Effect.withConfigProvider(Retry.policyConfig, ConfigProvider.fromMap(new Map([["SIMBRIDGE_RETRY_MAX_ATTEMPTS", "2"], ["SIMBRIDGE_RETRY_MAX_ELAPSED", "5 seconds"]])))
      expect([read.maxAttempts, Duration.toSeconds(read.maxElapsed)]).toEqual([2, 5])
    }))
})
