import { describe, expect, it } from "@effect/vitest"
import { ProviderRef } from "@simbridge/core"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"

describe("ProviderRef", () => {
  it.each([
    ["vapi:run:5f0c9b1e-7d7a-4b3e-9f57-1a2b3c4d5e6f", "vapi", "run", "5f0c9b1e-7d7a-4b3e-9f57-1a2b3c4d5e6f"],
    ["interactly:run:5eb7cf5a86d9755df3a6c593", "interactly", "run", "5eb7cf5a86d9755df3a6c593"],
    ["cekura:result:2142", "cekura", "result", "2142"],
    ["test:result:run-1:3", "test", "result", "run-1:3"]
  ])("parses %s back to the same string", (s, provider, kind, id) => {
    const ref = Either.getOrThrow(ProviderRef.parse(s))
    expect([ref.provider, ref.kind, ref.id]).toEqual([provider, kind, id])
    expect(ref.toString()).toBe(s)
    expect(Schema.encodeSync(ProviderRef.ProviderRefFromString)(ref)).toBe(s)
  })

  it("keeps integer ids as their string form", () => {
    expect(ProviderRef.make("cekura", "run", 42).toString()).toBe("cekura:run:42")
  })

  it.each(["vapi:run", "vapi::x", "Vapi:run:x", "run-only", ":run:x"])("rejects %s with a message saying the expected form", (s) => {
    const result = ProviderRef.parse(s)
    expect(Either.isLeft(result)).toBe(true)
    if (Either.isLeft(result)) expect(result.left).toContain("provider:kind:id")
  })
})
