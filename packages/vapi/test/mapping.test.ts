import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as Mapping from "../src/internal/mapping.js"
import { VapiWire } from "@simbridge/vapi"
import { toResult } from "../src/internal/results.js"

describe("run status", () => {
  it.each([
    ["queued", "queued"],
    ["running", "running"],
    ["ended", "completed"],
    ["ENDED", "completed"],
    ["paused", "unknown"]
  ] as const)("%s -> %s", (raw, unified) => {
    expect(Mapping.runStatusTable(raw)).toEqual({ unified, raw })
  })

  it("an ended run with canceled items, or ended by a cancel, is canceled", () => {
    expect(Mapping.runStatus("ended", 0, "completed")).toEqual({ unified: "completed", raw: "ended" })
    expect(Mapping.runStatus("ended", 2, undefined)).toEqual({ unified: "canceled", raw: "ended" })
    expect(Mapping.runStatus("ended", 0, "canceled")).toEqual({ unified: "canceled", raw: "ended" })
    expect(Mapping.runStatus("running", 3, undefined)).toEqual({ unified: "running", raw: "running" })
    expect(Mapping.runStatus(undefined, 0)).toEqual({ unified: "unknown", raw: "" })
  })
})

describe("item status", () => {
  it.each([
    ["queued", "queued"],
    ["running", "running"],
    ["evaluating", "running"],
    ["passed", "completed"],
    ["failed", "failed"],
    ["canceled", "canceled"],
    ["cancelled", "canceled"],
    ["on_hold", "unknown"]
  ] as const)("%s -> %s", (raw, unified) => {
    expect(Mapping.itemStatusTable(raw).unified).toBe(unified)
  })

  it("failed with results is a completed conversation; without results a failed one; terminal without results is still running", () => {
    expect(Mapping.itemStatus("failed", true, false).unified).toBe("completed")
    expect(Mapping.itemStatus("failed", false, true).unified).toBe("failed")
    expect(Mapping.itemStatus("failed", false, false).unified).toBe("running")
    expect(Mapping.itemStatus("passed", false, false).unified).toBe("running")
    expect(Mapping.itemStatus("passed", true, false)).toEqual({ unified: "completed", raw: "passed" })
    expect(Mapping.itemStatus("canceled", false, false).unified).toBe("canceled")
    expect(Mapping.itemStatus("mystery", true, false)).toEqual({ unified: "unknown", raw: "mystery" })
  })
})

describe("transport", () => {
  it("maps both ways", () => {
    expect(Mapping.transportProvider("voice")).toBe("vapi.websocket")
    expect(Mapping.transportProvider("chat")).toBe("vapi.webchat")
    expect(Mapping.transportOf("vapi.websocket")).toBe("voice")
    expect(Mapping.transportOf("vapi.webchat")).toBe("chat")
    expect(Mapping.transportOf("vapi.sip")).toBeUndefined()
  })
})

describe("comparator", () => {
  it.each(["=", "!=", ">", "<", ">=", "<="] as const)("%s is kept", (c) => {
    expect(Mapping.comparator(c)).toBe(c)
  })
  it("contains has no Vapi comparator", () => {
    expect(Mapping.comparator("contains")).toBeUndefined()
  })
})

describe("transcript roles", () => {
  it.each([
    ["assistant", "agent"],
    ["bot", "agent"],
    ["user", "caller"],
    ["tool", "tool"],
    ["tool_call_result", "tool"],
    ["system", "system"],
    ["narrator", undefined]
  ] as const)("%s -> %s", (raw, role) => {
    expect(Mapping.role(raw)).toBe(role)
  })
})

describe("errors", () => {
  it("402 is QuotaExhausted whatever the reason; other statuses use the default", () => {
    expect(Mapping.refineReason(402, { reason: "insufficient_credits" })).toBe("QuotaExhausted")
    expect(Mapping.refineReason(402, { reason: "brand_new_reason" })).toBe("QuotaExhausted")
    expect(Mapping.refineReason(403, {})).toBeUndefined()
  })

  it.each(Object.keys(Mapping.paymentReasons))("the 402 reason %s is kept in the message", (reason) => {
    const message = Mapping.errorMessage({ statusCode: 402, message: "Payment required", reason })
    expect(message).toContain(`reason: ${reason}`)
    expect(message).toContain(Mapping.paymentReasons[reason])
  })

  it("keeps an unknown 402 reason and joins field errors", () => {
    expect(Mapping.errorMessage({ statusCode: 402, message: "no", reason: "moon_phase" })).toBe("no (reason: moon_phase)")
    expect(Mapping.errorMessage({ message: ["name must be shorter", "instructions should not be empty"], error: "Bad Request", statusCode: 400 }))
      .toBe("name must be shorter; instructions should not be empty")
    expect(Mapping.errorMessage({ error: "Forbidden", statusCode: 403 })).toBe("Forbidden")
    expect(Mapping.errorMessage("")).toBeUndefined()
  })
})

describe("wire schemas", () => {
  const decodeList = Schema.decodeUnknownEither(VapiWire.List(Schema.Struct({ id: Schema.String })))

  it("a list is a bare array, {results, metadata} or {data, ...}", () => {
    expect(Either.getOrThrow(decodeList([{ id: "a" }])).items).toEqual([{ id: "a" }])
    const wrapped = Either.getOrThrow(decodeList({ results: [{ id: "b" }], metadata: { itemsPerPage: 1, totalItems: 2, currentPage: 1, hasNextPage: true } }))
    expect(wrapped.items).toEqual([{ id: "b" }])
    expect(VapiWire.hasNextPage(wrapped, 1, 1)).toBe(true)
    const data = Either.getOrThrow(decodeList({ data: [{ id: "c" }], total: 1, limit: 10, page: 1 }))
    expect(data.items).toEqual([{ id: "c" }])
    expect(VapiWire.hasNextPage(data, 1, 10)).toBe(false)
    expect(Either.isLeft(decodeList({ items: [] }))).toBe(true)
  })

  it("without metadata, a full page means there may be another", () => {
    expect(VapiWire.hasNextPage({ items: [1, 2] }, 1, 2)).toBe(true)
    expect(VapiWire.hasNextPage({ items: [1] }, 1, 2)).toBe(false)
  })

  it("responses accept unknown fields and enum values; provisioned objects keep their unknown fields, runs ignore them", () => {
    const run = Schema.decodeUnknownSync(VapiWire.Run)({ id: "r", status: "paused", brandNew: { x: 1 } })
    expect(run).toStrictEqual({ id: "r", status: "paused" })
    const scenario = Schema.decodeUnknownSync(VapiWire.Scenario)({ id: "s", name: "sb:s #0123456789ab", brandNew: { x: 1 } })
    expect((scenario as Record<string, unknown>).brandNew).toEqual({ x: 1 })
  })

  it("run items accept unknown fields and enum values; the item as received stays on the page as raw", () => {
    const body = [{ id: "i", status: "paused_for_review", brandNew: { x: 1 }, metadata: { scenario: { name: "sb:s", extra: [1] } } }]
    const page = Schema.decodeUnknownSync(VapiWire.List(VapiWire.RunItem))(body)
    expect(page.items[0]!.status).toBe("paused_for_review")
    expect(page.items[0]!.metadata?.scenario?.name).toBe("sb:s")
    expect(page.raw).toBe(body)
    const result = toResult("r", page.items[0]!, { scenario: "s", persona: "p" }, (n) => n, page.raw![0])
    expect(result.raw).toEqual(body[0])
    expect(toResult("r", page.items[0]!, { scenario: "s", persona: "p" }, (n) => n).raw).toBeUndefined()
  })

  it("run items decode what the schema declares and refuse malformed fields", () => {
    const item = {
      id: "i1", status: "passed", iterationNumber: 2, failureReason: null, callId: "c1",
      metadata: { scenario: { name: "sb:s", id: "x" }, call: { transcript: "hi", messages: [{ role: "bot", message: "Hello", time: 1, secondsFromStart: 0.5 }] } },
      results: { passed: true, evaluations: [{ name: "booked", passed: true, extractedValue: true, expectedValue: true, comparator: "=" }], latencyMetrics: { avgTurn: 800 } },
      improvementSuggestions: null
    }
    // Of the scenario snapshot only the name is declared; nor are a message's time or an evaluation's comparator.
    expect(Schema.decodeUnknownSync(VapiWire.RunItem)(item)).toStrictEqual({
      ...item,
      metadata: { ...item.metadata, scenario: { name: "sb:s" }, call: { transcript: "hi", messages: [{ role: "bot", message: "Hello", secondsFromStart: 0.5 }] } },
      results: { ...item.results, evaluations: [{ name: "booked", passed: true, extractedValue: true, expectedValue: true }] }
    })
    const format = (u: unknown) => Either.match(Schema.decodeUnknownEither(VapiWire.RunItem)(u), { onLeft: (e) => e.message, onRight: () => "ok" })
    for (
      const bad of [
        { ...item, results: { ...item.results, evaluations: [{ ...item.results.evaluations[0], passed: "yes" }] } },
        { ...item, metadata: { ...item.metadata, call: { messages: [{ role: 7 }] } } },
        { ...item, iterationNumber: "2" },
        { ...item, id: undefined },
        { ...item, results: { ...item.results, evaluations: [{ ...item.results.evaluations[0], extractedValue: { a: 1 } }] } }
      ]
    ) {
      expect(format(bad)).not.toBe("ok")
    }
    expect(format({ ...item, results: { ...item.results, evaluations: [{ name: "b", passed: "yes" }] } })).toMatch(/\["passed"\][\s│]+└─ Expected boolean, actual "yes"/)
  })

  it("request bodies are strict: evaluation rules and exclusive pairs name the field", () => {
    const evaluation = Schema.decodeUnknownEither(VapiWire.EvaluationPlanItem)
    expect(Either.isRight(evaluation({ structuredOutput: { name: "ok", schema: { type: "boolean" } }, comparator: "=", value: true }))).toBe(true)
    const bad = evaluation({ structuredOutput: { name: "ok", schema: { type: "boolean" } }, comparator: ">=", value: true })
    expect(Either.isLeft(bad) && bad.left.message).toContain("comparator")
    expect(Either.isLeft(evaluation({ structuredOutput: { name: "ok", schema: { type: "object" } }, comparator: "=", value: 1 }))).toBe(true)
    expect(Either.isLeft(evaluation({ comparator: "=", value: 1 }))).toBe(true)

    const run = Schema.decodeUnknownEither(VapiWire.CreateRun)
    const target = { type: "assistant", assistantId: "7b0c2a9e-1d2f-4c1a-9e55-0a4f3f6b8d21" }
    expect(Either.isRight(run({ simulations: [{ type: "simulationSuite", simulationSuiteId: target.assistantId }], target, iterations: 10 }))).toBe(true)
    expect(Either.isLeft(run({ simulations: [{ type: "simulationSuite", simulationSuiteId: target.assistantId }], target, iterations: 11 }))).toBe(true)
    // The spec sets no minimum number of entries.
    expect(Either.isRight(run({ simulations: [], target }))).toBe(true)
    const both = run({ simulations: [{ type: "simulation", scenarioId: target.assistantId, scenario: { name: "x", instructions: "y", evaluations: [] }, personalityId: target.assistantId }], target })
    expect(Either.isLeft(both) && both.left.message).toContain("cannot be combined with scenarioId")
  })
})

describe("toResult", () => {
  it("maps every field of an ended item: evaluations (skipped, errored), turns, latency, suggestions, times, metadata", () => {
    const item = Schema.decodeUnknownSync(VapiWire.RunItem)({
      id: "i1",
      status: "failed",
      iterationNumber: 2.4,
      simulationId: "5c0c9b1e-0000-4000-8000-000000000001",
      scenarioId: "5c0c9b1e-0000-4000-8000-000000000002",
      personalityId: "5c0c9b1e-0000-4000-8000-000000000003",
      callId: null,
      sessionId: "s1",
      failureReason: "the agent hung up",
      startedAt: "2026-01-01T00:00:00.000Z",
      failedAt: "2026-01-01T00:01:30.500Z",
      metadata: {
        call: {
          recordingUrl: "https://rec/1.wav",
          transcript: "AI: not used",
          messages: [
            { role: "system", message: "You are..." },
            { role: "bot", message: "Hello", secondsFromStart: 0.5 },
            { role: "user", content: [{ type: "text", text: "Hi " }, { type: "text", text: "there" }] },
            { role: "user", message: "" },
            { role: "narrator", message: "ignored" }
          ]
        }
      },
      results: {
        passed: false,
        evaluations: [
          { name: "booked", passed: false, extractedValue: false, expectedValue: true, comparator: "=" },
          { name: "tone", passed: false, isSkipped: true, skipReason: "chat mode", required: false },
          { name: "price", passed: false, error: "no value extracted" }
        ],
        latencyMetrics: { avgTurn: 812, p50: 700 }
      },
      improvementSuggestions: {
        analysis: "the agent gave up",
        systemPromptSuggestions: [{ issue: "tone", suggestion: "be warmer" }],
        scenarioSuggestions: [{ issue: "goal", suggestion: "state the date" }]
      }
    })
    expect(toResult("run-1", item, { scenario: "s", persona: "p" }, (name) => `ev-${name}`)).toStrictEqual({
      ref: { provider: "vapi", kind: "result", id: "i1" },
      run: { provider: "vapi", kind: "run", id: "run-1" },
      scenario: "s",
      persona: "p",
      iteration: 2,
      status: { unified: "completed", raw: "failed" },
      verdict: "fail",
      evaluations: [
        { evaluator: "ev-booked", name: "booked", passed: false, required: true, expected: true, actual: false },
        { evaluator: "ev-tone", name: "tone", passed: null, required: false, reasoning: "chat mode" },
        { evaluator: "ev-price", name: "price", passed: false, required: true, reasoning: "no value extracted" }
      ],
      transcript: [
        { role: "system", text: "You are..." },
        { role: "agent", text: "Hello", startSeconds: 0.5 },
        { role: "caller", text: "Hi there" }
      ],
      recordingUrl: "https://rec/1.wav",
      latency: { averageMs: 812 },
      failureReason: { code: "vapi_failure", message: "the agent hung up" },
      improvementSuggestions: ["tone: be warmer", "goal: state the date"],
      startedAt: "2026-01-01T00:00:00.000Z",
      endedAt: "2026-01-01T00:01:30.500Z",
      durationSeconds: 90.5,
      providerMetadata: {
        simulationId: "5c0c9b1e-0000-4000-8000-000000000001",
        scenarioId: "5c0c9b1e-0000-4000-8000-000000000002",
        personalityId: "5c0c9b1e-0000-4000-8000-000000000003",
        sessionId: "s1",
        vendorPassed: false,
        latencyMetrics: { avgTurn: 812, p50: 700 },
        analysis: "the agent gave up"
      }
    })
  })

  it("falls back to the transcript lines, and leaves out what the item does not have", () => {
    const item = Schema.decodeUnknownSync(VapiWire.RunItem)({
      id: "i2",
      status: "running",
      metadata: { call: { transcript: "AI: Hello\nUser: \nCustomer: I need a cleaning\nnoise" } }
    })
    expect(toResult("run-1", item, { scenario: "s", persona: "p" }, (n) => n)).toStrictEqual({
      ref: { provider: "vapi", kind: "result", id: "i2" },
      run: { provider: "vapi", kind: "run", id: "run-1" },
      scenario: "s",
      persona: "p",
      iteration: 1,
      status: { unified: "running", raw: "running" },
      verdict: "pending",
      evaluations: [],
      transcript: [{ role: "agent", text: "Hello" }, { role: "caller", text: "I need a cleaning" }],
      providerMetadata: {}
    })
  })
})
