import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { CekuraWire } from "@simbridge/cekura"
import * as Mapping from "../src/internal/mapping.js"

describe("status table", () => {
  it.each([
    ["pending", "queued"],
    ["in_queue", "queued"],
    ["scaling_up", "queued"],
    ["running", "running"],
    ["in_progress", "running"],
    ["evaluating", "running"],
    ["completed", "completed"],
    ["failed", "failed"],
    ["cancelled", "canceled"],
    ["timeout", "timed_out"]
  ] as const)("%s -> %s", (raw, unified) => {
    expect(Mapping.statusOf(raw)).toEqual({ unified, raw })
  })

  it("covers every documented status", () => {
    expect(Mapping.statuses.map((s) => Mapping.statusOf(s).unified)).not.toContain("unknown")
    expect(Mapping.statuses).toHaveLength(10)
  })

  it("keeps an unknown status raw", () => {
    expect(Mapping.statusOf("awaiting_review")).toEqual({ unified: "unknown", raw: "awaiting_review" })
    expect(Mapping.statusOf(undefined)).toEqual({ unified: "unknown", raw: "" })
  })
})

describe("transcript roles", () => {
  it.each([
    ["Testing Agent", "caller"],
    ["testing_agent", "caller"],
    ["user", "caller"],
    ["Main Agent", "agent"],
    ["main_agent", "agent"],
    ["assistant", "agent"],
    ["Function Call", "tool"],
    ["Function Call Result", "tool"],
    ["Narrator", "system"]
  ] as const)("%s -> %s", (raw, role) => {
    expect(Mapping.roleOf(raw)).toBe(role)
  })
})

describe("success_rate", () => {
  it("prefers the run counts", () => {
    expect(Mapping.successRatePercent(0.5, 1, 4)).toBe(25)
  })
  it("reads a value above 1 as a percentage", () => {
    expect(Mapping.successRatePercent(75)).toBe(75)
  })
  it("reads a value at or below 1 as a fraction", () => {
    expect(Mapping.successRatePercent(0.75)).toBe(75)
    expect(Mapping.successRatePercent(1)).toBe(100)
    expect(Mapping.successRatePercent(0)).toBe(0)
  })
  it("is undefined when absent", () => {
    expect(Mapping.successRatePercent(null)).toBeUndefined()
    expect(Mapping.successRatePercent(undefined, 0, 0)).toBeUndefined()
  })
})

describe("durations", () => {
  it.each([
    ["00:05", 5],
    ["01:30", 90],
    ["1:02:03", 3723],
    ["22:30", 1350]
  ] as const)("%s -> %d s", (raw, seconds) => {
    expect(Mapping.durationSeconds(raw)).toBe(seconds)
  })
  it("rejects what is not a duration", () => {
    expect(Mapping.durationSeconds("soon")).toBeUndefined()
    expect(Mapping.durationSeconds(null)).toBeUndefined()
  })
  it("formats MM:SS", () => {
    expect(Mapping.formatDuration(90)).toBe("01:30")
    expect(Mapping.formatDuration(5.4)).toBe("00:05")
  })
})

describe("metrics", () => {
  it.each([
    ["binary", "binary"],
    ["binary_workflow_adherence", "binary"],
    ["numeric", "numeric"],
    ["enum", "enum"],
    ["continuous_qualitative", "qualitative"],
    ["sentiment_magic", "unknown"]
  ] as const)("kind %s -> %s", (raw, kind) => {
    expect(Mapping.metricKindOf(raw)).toBe(kind)
  })
  it("binary verdict: passed first, then a positive score", () => {
    expect(Mapping.binaryPassed({ passed: false, score: 5 })).toBe(false)
    expect(Mapping.binaryPassed({ score: 5 })).toBe(true)
    expect(Mapping.binaryPassed({ score: 0 })).toBe(false)
    expect(Mapping.binaryPassed({})).toBeNull()
  })
})

describe("persona tables", () => {
  it.each([
    ["us", "american"],
    ["gb", "british"],
    ["in", "indian"],
    ["au", "australian"]
  ] as const)("accent %s -> %s", (accent, word) => {
    expect(Mapping.accentOf[accent]).toBe(word)
  })
  it.each([
    ["office", "office"],
    ["coffee_shop", "cafe"],
    ["city", "street"],
    ["driving", "car"],
    ["none", "none"]
  ] as const)("noise %s -> %s", (noise, value) => {
    expect(Mapping.backgroundNoiseOf[noise]).toBe(value)
  })
  it("every canonical language keeps its code", () => {
    for (const [k, v] of Object.entries(Mapping.languageOf)) expect(v).toBe(k)
  })
})

describe("run payloads (read in bulk)", () => {
  const decode = (u: unknown) =>
    Either.match(Schema.decodeUnknownEither(CekuraWire.Run)(u), { onLeft: (e) => e.message, onRight: () => "ok" })
  const run = {
    id: 41, result_id: 7, scenario: { id: 3, name: "Booking" }, status: "completed", success: true,
    evaluation: { metrics: [{ id: 1, name: "booked", type: "binary_workflow_adherence", score: 5, passed: true, explanation: ["done"] }] },
    expected_outcome: { score: 100, explanation: "met", outcome_alignments: [{ outcome: "booked", aligned: true }] },
    transcript_object: [{ role: "Main Agent", content: "Hello", timestamp: 0.4 }], test_profile_data: { any: ["thing"] },
    brand_new_field: { kept: true }
  }

  it("a valid run decodes with its undeclared fields kept", () => {
    expect(Schema.decodeUnknownSync(CekuraWire.Run)(run)).toStrictEqual(run)
  })

  it("a malformed run is refused by the schema, naming the field (ids are integers)", () => {
    expect(decode({ ...run, id: 41.5 })).toMatch(/\["id"\][\s\S]*Expected an integer, actual 41.5/)
    expect(decode({ ...run, transcript_object: [{ role: 1 }] })).toMatch(/\["transcript_object"\][\s\S]*\["role"\]/)
    expect(decode({ ...run, scenario: { name: "no id" } })).toMatch(/\["scenario"\]/)
    expect(decode({ ...run, evaluation: { metrics: [{ passed: "yes" }] } })).toMatch(/\["passed"\]/)
  })
})
