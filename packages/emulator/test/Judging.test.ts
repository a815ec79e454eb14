import { describe, expect, it } from "@effect/vitest"
import { Judging } from "@simbridge/emulator"

describe("Judging", () => {
  it("reads the emulator-only judging a description asks for, case aside", () => {
    expect(Judging.of("The agent confirmed the tier (emulator:unjudged)")).toBe("unjudged")
    expect(Judging.of("Warmth 1-5 (EMULATOR:BOOLEAN)")).toBe("boolean")
    expect(Judging.of("emulator:boolean and emulator:unjudged")).toBe("unjudged")
    expect(Judging.of("The agent booked an appointment")).toBeUndefined()
    expect(Judging.of("emulator: unjudged")).toBeUndefined()
    expect(Judging.of(null)).toBeUndefined()
    expect(Judging.of(undefined)).toBeUndefined()
  })
})
