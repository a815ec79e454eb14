import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as SchemaAST from "effect/SchemaAST"
import { CompiledSchema } from "@simbridge/core"
import * as Mapping from "../src/internal/mapping.js"
import { VapiProvider, VapiWire } from "@simbridge/vapi"

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

  it("responses keep unknown fields and unknown enum values", () => {
    const run = Schema.decodeUnknownSync(VapiWire.Run)({ id: "r", status: "paused", brandNew: { x: 1 } })
    expect(run.status).toBe("paused")
    expect((run as Record<string, unknown>).brandNew).toEqual({ x: 1 })
  })

  it("run items accept unknown fields and enum values; the item as received stays on the page as raw", () => {
    const body = [{ id: "i", status: "paused_for_review", brandNew: { x: 1 }, metadata: { scenario: { name: "sb:s", extra: [1] } } }]
    const page = Schema.decodeUnknownSync(VapiWire.List(VapiWire.RunItem))(body)
    expect(page.items[0]!.status).toBe("paused_for_review")
    expect(page.items[0]!.metadata?.scenario?.name).toBe("sb:s")
    expect(page.raw).toBe(body)
    const result = VapiProvider.toResult("r", page.items[0]!, { scenario: "s", persona: "p" }, (n) => n, page.raw![0])
    expect(result.raw).toEqual(body[0])
    expect(VapiProvider.toResult("r", page.items[0]!, { scenario: "s", persona: "p" }, (n) => n).raw).toBeUndefined()
  })

  it("run items go through a compiled validator that accepts and refuses what the schema does", () => {
    // The schema behind the compiled one (CompiledSchema keeps it as the surrogate).
    const plain = Schema.make<VapiWire.RunItem, unknown>(VapiWire.RunItem.ast.annotations[SchemaAST.SurrogateAnnotationId] as SchemaAST.AST)
    expect(VapiWire.RunItem.ast._tag).toBe("Declaration")
    expect(CompiledSchema.unsupported(plain.ast)).toBeUndefined()
    const item = {
      id: "i1", status: "passed", iterationNumber: 2, failureReason: null, callId: "c1",
      metadata: { scenario: { name: "sb:s", id: "x" }, call: { transcript: "hi", messages: [{ role: "bot", message: "Hello", time: 1, secondsFromStart: 0.5 }] } },
      results: { passed: true, evaluations: [{ name: "booked", passed: true, extractedValue: true, expectedValue: true, comparator: "=" }], latencyMetrics: { avgTurn: 800 } },
      improvementSuggestions: null
    }
    expect(Schema.decodeUnknownSync(VapiWire.RunItem)(item)).toBe(item)
    const format = (u: unknown) => Either.match(Schema.decodeUnknownEither(VapiWire.RunItem)(u), { onLeft: (e) => e.message, onRight: () => "ok" })
    const formatPlain = (u: unknown) => Either.match(Schema.decodeUnknownEither(plain)(u), { onLeft: (e) => e.message, onRight: () => "ok" })
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
      expect(format(bad)).toBe(formatPlain(bad))
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
    expect(Either.isLeft(run({ simulations: [], target }))).toBe(true)
    const both = run({ simulations: [{ type: "simulation", scenarioId: target.assistantId, scenario: { name: "x", instructions: "y", evaluations: [] }, personalityId: target.assistantId }], target })
    expect(Either.isLeft(both) && both.left.message).toContain("cannot be combined with scenarioId")
  })
})
