import { describe, expect, it } from "@effect/vitest"
import { ProviderError } from "@simbridge/core"
import * as Duration from "effect/Duration"

describe("ProviderError", () => {
  it.each([
    [400, "InvalidRequest"], [401, "Unauthorized"], [402, "QuotaExhausted"], [403, "Forbidden"], [404, "NotFound"],
    [408, "Timeout"], [409, "Conflict"], [410, "NotFound"], [422, "InvalidRequest"], [429, "RateLimited"], [500, "ProviderInternal"],
    [501, "Unsupported"], [502, "ProviderInternal"], [503, "ProviderInternal"], [504, "Timeout"]
  ] as const)("HTTP %i maps to %s", (status, reason) => {
    expect(ProviderError.reasonFromStatus(status)).toBe(reason)
  })

  it("knows which reasons are retryable", () => {
    const retryable = ProviderError.Reason.literals.filter((reason) =>
      ProviderError.make({ provider: "p", operation: "o", reason, description: "d" }).isRetryable
    )
    expect(retryable).toEqual(["RateLimited", "ProviderInternal", "Transport", "Timeout"])
  })

  it("reads Retry-After as seconds or as an HTTP date", () => {
    const now = Date.parse("2026-11-23T10:00:00Z")
    expect(Duration.toMillis(ProviderError.parseRetryAfter("3", now)!)).toBe(3000)
    expect(Duration.toMillis(ProviderError.parseRetryAfter("Mon, 23 Nov 2026 10:00:07 GMT", now)!)).toBe(7000)
    expect(Duration.toMillis(ProviderError.parseRetryAfter("Mon, 23 Nov 2026 09:00:00 GMT", now)!)).toBe(0)
    expect(ProviderError.parseRetryAfter("soon", now)).toBeUndefined()
    expect(ProviderError.parseRetryAfter(undefined, now)).toBeUndefined()
  })

  it("redacts secret headers and says what happened in its message", () => {
    const headers = ProviderError.redactHeaders({ authorization: "Bearer sk-1", "x-cekura-api-key": "k", "content-type": "application/json" })
    expect(headers).toEqual({ authorization: "<redacted>", "x-cekura-api-key": "<redacted>", "content-type": "application/json" })
    const error = ProviderError.make({
      provider: "vapi",
      operation: "getRun",
      reason: "RateLimited",
      description: "slow down",
      retryAfter: "2 seconds",
      http: new ProviderError.HttpDetails({ method: "GET", url: "https://x/run/1", status: 429 })
    })
    expect(error.message).toBe("vapi getRun: RateLimited (HTTP 429): slow down, retry after 2s")
    expect(error._tag).toBe("ProviderError")
    expect(ProviderError.isProviderError(error)).toBe(true)
  })
})
