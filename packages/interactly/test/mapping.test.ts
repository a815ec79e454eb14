import { describe, expect, it } from "@effect/vitest"
import { Evaluator, Persona } from "@simbridge/core"
import * as Schema from "effect/Schema"
import * as InteractlyClient from "../src/InteractlyClient.js"
import * as Wire from "../src/InteractlyWire.js"
import * as Mapping from "../src/internal/mapping.js"

describe("status tables", () => {
  it.each([
    ["pending", "queued"],
    ["running", "running"],
    ["completed", "completed"],
    ["failed", "failed"],
    ["cancelled", "canceled"],
    ["CANCELLED", "canceled"],
    ["inactive", "unknown"]
  ] as const)("group %s -> %s", (raw, unified) => {
    expect(Mapping.groupStatus(raw)).toEqual({ unified, raw })
  })

  it.each([
    ["pending", "queued"],
    ["not_started", "queued"],
    ["running", "running"],
    ["started", "running"],
    ["completed", "completed"],
    ["failed", "failed"],
    ["cancelled", "canceled"],
    ["aborted_looping_risk", "failed"],
    ["paused_by_operator", "unknown"]
  ] as const)("execution %s -> %s", (raw, unified) => {
    expect(Mapping.executionStatus(raw)).toEqual({ unified, raw })
  })

  it.each([
    ["not_started", "queued"],
    ["pending", "queued"],
    ["started", "running"],
    ["running", "running"],
    ["paused", "running"],
    ["waiting_for_user_input", "running"],
    ["completed", "completed"],
    ["failed", "failed"],
    ["cancelled", "canceled"],
    ["aborted_looping_risk", "failed"],
    ["hibernating", "unknown"]
  ] as const)("workflow run %s -> %s", (raw, unified) => {
    expect(Mapping.workflowRunStatus(raw)).toEqual({ unified, raw })
  })

  it("a missing status is unknown with an empty raw value", () => {
    expect(Mapping.groupStatus(undefined)).toEqual({ unified: "unknown", raw: "" })
  })

  it("aggregates the groups of one run", () => {
    const s = (raw: string) => Mapping.groupStatus(raw)
    expect(Mapping.aggregateStatus([s("completed"), s("completed")])).toEqual(s("completed"))
    expect(Mapping.aggregateStatus([s("completed"), s("running")])).toEqual(s("running"))
    expect(Mapping.aggregateStatus([s("pending"), s("pending")])).toEqual(s("pending"))
    expect(Mapping.aggregateStatus([s("completed"), s("pending")])).toEqual({ unified: "running", raw: "pending" })
    expect(Mapping.aggregateStatus([s("completed"), s("failed"), s("cancelled")])).toEqual(s("failed"))
    expect(Mapping.aggregateStatus([s("completed"), s("cancelled")])).toEqual(s("cancelled"))
    expect(Mapping.aggregateStatus([s("running"), s("mystery")])).toEqual({ unified: "unknown", raw: "mystery" })
    expect(Mapping.aggregateStatus([]).unified).toBe("unknown")
  })
})

describe("persona and scenario variables", () => {
  it.each(Object.entries(Mapping.languageName))("language %s -> %s", (code, name) => {
    expect(Mapping.languageNameOf(code)).toBe(name)
  })

  it("every canonical language has a name, an unknown code stays as is", () => {
    for (const code of Persona.Language.literals) expect(Mapping.languageNameOf(code)).not.toBe(code)
    expect(Mapping.languageNameOf("xx")).toBe("xx")
  })

  it("renders a persona as dynamic variables", () => {
    const persona = Schema.decodeUnknownSync(Persona.Persona)({
      id: "anxious-sarah", name: "Sarah Johnson", language: "en", accent: "us", gender: "female", emotion: "frustrated",
      backgroundNoise: "office", backstory: "A busy professional", properties: { age: 35, zipCode: "94105" }
    })
    const vars = Mapping.personaVariables(persona)
    expect(vars).toMatchObject({
      persona_id: "anxious-sarah",
      persona_name: "Sarah Johnson",
      persona_language: "en",
      persona_language_name: "English",
      persona_accent: "us",
      persona_gender: "female",
      persona_emotion: "frustrated",
      persona_background_noise: "office",
      persona_backstory: "A busy professional",
      persona_age: 35,
      persona_zip_code: "94105"
    })
    expect(vars.persona_description).toBe(Persona.describe(persona))
    expect(vars).not.toHaveProperty("persona_speech_pace")
  })

  it("folds scripted steps into the instructions and keeps variables", () => {
    const vars = Mapping.scenarioVariables({ id: "s", name: "S", instructions: "Book.", steps: ["Say hi", "Ask"], variables: { patientName: "Sarah" } })
    expect(vars).toEqual({ patientName: "Sarah", scenario_id: "s", scenario_name: "S", scenario_instructions: "Book.\nFollow these steps in order:\n1. Say hi\n2. Ask" })
  })
})

describe("names", () => {
  it("round-trips the simulation logical id and rejects others", () => {
    const id = Mapping.simulationLogicalId("5eb7cf5a86d9755df3a6c593", "urgent-appointment", "anxious-sarah", "0123abcd")
    expect(Mapping.parseSimulationLogicalId(id)).toEqual({ target: "5eb7cf5a86d9755df3a6c593", scenario: "urgent-appointment", persona: "anxious-sarah", hash: "0123abcd" })
    expect(Mapping.parseSimulationLogicalId("simulation_1234")).toBeUndefined()
    expect(Mapping.parseSimulationLogicalId(null)).toBeUndefined()
  })

  it("reads the hash tag at the end of a description", () => {
    expect(Mapping.hashOf(`Caller ${Mapping.hashTag("abc123")}`)).toBe("abc123")
    expect(Mapping.hashOf("no tag")).toBeUndefined()
  })
})

describe("transcripts", () => {
  const run = Schema.decodeUnknownSync(Wire.WorkflowRunData)({
    status: "completed",
    input_output_pairs: [{
      run_output: {
        events: [
          { type: "start_node_run", timestamp: 100 },
          { type: "say_static", timestamp: 100.5, message: { content: "Hello, clinic.", type: "ai" } },
          { type: "user_messages", timestamp: 102, messages: [{ content: "I have a toothache.", type: "human" }] },
          { type: "assistant_response", timestamp: 103.25, content: "Let me look." },
          { type: "assistant_response", timestamp: 104, content: [{ type: "text", text: "Thursday?" }] },
          "garbage",
          { type: "end_node_run", timestamp: 110 }
        ]
      }
    }]
  })

  it("keeps caller and agent turns in order with offsets", () => {
    expect(Mapping.transcriptOf(run)).toEqual([
      { role: "agent", text: "Hello, clinic.", startSeconds: 0.5 },
      { role: "caller", text: "I have a toothache.", startSeconds: 2 },
      { role: "agent", text: "Let me look.", startSeconds: 3.25 },
      { role: "agent", text: "Thursday?", startSeconds: 4 }
    ])
    expect(Mapping.durationOf(run)).toBe(10)
  })
})

describe("transcripts, pinned for a rich run", () => {
  // Every branch of the event reading: events before the first timestamp, several pairs (one
  // without output), events that do not fit (skipped, their timestamps too), content shapes,
  // empty and blank turns, out-of-order timestamps, extra fields.
  const run = Schema.decodeUnknownSync(Wire.WorkflowRunData)({
    status: "completed",
    input_output_pairs: [
      { run_input: { command: "start" } },
      { run_output: null },
      {
        run_output: {
          events: [
            { type: "say_static", message: { content: "Before any time.", type: "ai" } },
            { type: "start_node_run", timestamp: 1795425335.3440006, origin_node_name: "Conversation", extra: { a: 1 } },
            { type: "say_static", timestamp: 1795425336.1, message: { content: ["Hello", { type: "text", text: ", clinic." }, { type: "image" }], type: "ai" } },
            { type: "user_messages", timestamp: 1795425337.2, messages: [{ content: "Hi.", type: "human" }, { content: "", type: "human" }, { content: ["Second", " part"] }, { type: "human" }] },
            { type: "user_messages", timestamp: 1795425337.3, messages: [] },
            { type: "user_messages", timestamp: "late", messages: [{ content: "dropped: bad timestamp" }] },
            { type: "assistant_response", timestamp: 1795425338.45, content: { kind: "card", title: "T" } },
            { type: "assistant_response", timestamp: 1795425338.5, content: null },
            { type: "assistant_response", content: 42 },
            { type: "assistant_response", timestamp: 1795425339, content: "   " },
            { type: "say_llm", timestamp: 1795425340.123456, message: null, content: "From content." },
            { type: "say_llm", timestamp: 1795425341, message: { content: null }, content: "Fallback." },
            { type: "say_llm", timestamp: 1795425342, message: { content: [{ text: 7 }, "x"] } },
            { type: "tool_call", timestamp: 1795425399, content: "not a turn" },
            { type: "assistant_response", timestamp: 1795425330, content: "Earlier clock." },
            { type: 3, timestamp: 1795425500, content: "wrong type" },
            { type: "say_static", timestamp: 1795425343, message: { content: "bad message", type: 1 } },
            "garbage",
            null
          ]
        }
      },
      { run_output: { events: [{ type: "user_messages", timestamp: 1795425344.0001, messages: [{ content: "Second pair." }] }] } },
      { run_output: {} }
    ]
  })

  it("maps every kind of event exactly", () => {
    expect(Mapping.transcriptOf(run)).toStrictEqual([
      { role: "agent", text: "Before any time." },
      { role: "agent", text: "Hello, clinic.", startSeconds: 0.756 },
      { role: "caller", text: "Hi.\nSecond part", startSeconds: 1.856 },
      { role: "agent", text: '{"kind":"card","title":"T"}', startSeconds: 3.106 },
      { role: "agent", text: "42" },
      { role: "agent", text: "From content.", startSeconds: 4.779 },
      { role: "agent", text: "Fallback.", startSeconds: 5.656 },
      { role: "agent", text: "7x", startSeconds: 6.656 },
      { role: "agent", text: "Earlier clock.", startSeconds: -5.344 },
      { role: "caller", text: "Second pair.", startSeconds: 8.656 }
    ])
    expect(Mapping.durationOf(run)).toStrictEqual(69)
  })

  it("has no duration with fewer than two timestamps, and no offsets without any", () => {
    const one = Schema.decodeUnknownSync(Wire.WorkflowRunData)({
      status: "completed",
      input_output_pairs: [{ run_output: { events: [{ type: "assistant_response", content: "a" }, { type: "assistant_response", timestamp: 5, content: "b" }] } }]
    })
    expect(Mapping.transcriptOf(one)).toStrictEqual([{ role: "agent", text: "a" }, { role: "agent", text: "b", startSeconds: 0 }])
    expect(Mapping.durationOf(one)).toStrictEqual(undefined)
    const none = Schema.decodeUnknownSync(Wire.WorkflowRunData)({ status: "completed" })
    expect(Mapping.transcriptOf(none)).toStrictEqual([])
    expect(Mapping.durationOf(none)).toStrictEqual(undefined)
  })
})

describe("evaluations", () => {
  const evaluators = Schema.decodeUnknownSync(Schema.Array(Evaluator.Evaluator))([
    { id: "booked", description: "booked", type: "boolean", expect: true },
    { id: "polite", description: "polite 1-5", type: "number", comparator: ">=", expect: 4, required: false },
    { id: "resolved", description: "resolved", type: "boolean" }
  ])
  const metrics: ReadonlyArray<Wire.MetricResult> = [
    { metric_name: "Booked", score: 90, passed: true },
    { metric_name: "Politeness", score: 70 },
    { metric_name: "latency", score: 40, reasoning: "slow" }
  ]

  it("matches evaluators to metrics by name, with options", () => {
    const out = Mapping.evaluationsOf(metrics, evaluators, { metrics: { polite: { name: "politeness", scale: 5 } } })
    expect(out).toEqual([
      { evaluator: "booked", name: "booked", required: true, expected: true, actual: true, passed: true },
      { evaluator: "polite", name: "politeness", required: false, expected: 4, actual: 3.5, passed: false },
      { evaluator: "resolved", name: "resolved", required: true, expected: true, passed: null, reasoning: 'the workflow reported no metric named "resolved"' },
      { evaluator: "latency", name: "latency", required: false, actual: 40, passed: false, reasoning: "slow" }
    ])
  })

  it("uses the pass threshold for metrics without passed, and reports metrics as-is without the plan", () => {
    expect(Mapping.evaluationsOf([{ metric_name: "booked", score: 55 }], evaluators.slice(0, 1), { passThreshold: 50 })[0]).toMatchObject({ actual: true, passed: true })
    expect(Mapping.evaluationsOf([{ metric_name: "booked", score: 55 }], evaluators.slice(0, 1))[0]).toMatchObject({ actual: false, passed: false })
    expect(Mapping.evaluationsOf(metrics, undefined).map((e) => [e.evaluator, e.required, e.passed])).toEqual([
      ["Booked", true, true],
      ["Politeness", true, true],
      ["latency", true, false]
    ])
  })

  it("reads details in the shapes it may come in", () => {
    expect(Mapping.metricResults({ metrics: [{ metric_name: "a", score: 1 }] })).toEqual([{ metric_name: "a", score: 1 }])
    expect(Mapping.metricResults([{ metric_name: "a", score: 1 }])).toEqual([{ metric_name: "a", score: 1 }])
    expect(Mapping.metricResults({ a: { score: 5, passed: false } })).toEqual([{ metric_name: "a", score: 5, passed: false }])
    expect(Mapping.metricResults("text")).toEqual([])
    expect(Mapping.metricResults(undefined)).toEqual([])
  })
})

describe("evaluations, pinned for rich details", () => {
  const evaluators = Schema.decodeUnknownSync(Schema.Array(Evaluator.Evaluator))([
    { id: "booked", description: "booked", type: "boolean", expect: true },
    { id: "polite", description: "polite 1-5", type: "number", comparator: ">=", expect: 4, required: false },
    { id: "tone", name: "Tone of voice", description: "tone", type: "string", comparator: "contains", expect: "8" },
    { id: "resolved", description: "resolved", type: "boolean", expect: false, comparator: "!=" },
    { id: "empathy", description: "empathy", type: "number", comparator: ">", expect: 50 },
    { id: "missing", name: "Not there", description: "missing", type: "boolean" }
  ])
  // The details shapes an evaluation may have: `details.metrics`, a bare list, `details.<metric>`.
  // Extra fields, duplicates, nulls, names differing in case and spaces.
  const list = [
    { metric_name: " BOOKED ", score: 90, passed: true, reasoning: "", weight: 2 },
    { metric_name: "politeness", score: 73, reasoning: "kind" },
    { metric_name: "tone of voice", score: 88.5, passed: null, reasoning: null },
    { metric_name: "resolved", score: null, passed: true },
    { metric_name: "Empathy", score: null },
    { metric_name: "booked", score: 10, passed: false, reasoning: "duplicate" },
    { metric_name: "latency", score: 59.99, reasoning: "slow" },
    { metric_name: "extra", passed: false }
  ]
  const context = { metrics: { polite: { name: "Politeness", scale: 5 } }, passThreshold: 59.99 }

  it("reads every shape of details into the same evaluations", () => {
    const expected = [
      { evaluator: "booked", name: "booked", required: true, expected: true, actual: true, passed: true },
      { evaluator: "polite", name: "Politeness", required: false, expected: 4, actual: 3.7, passed: false, reasoning: "kind" },
      { evaluator: "tone", name: "Tone of voice", required: true, expected: "8", actual: "88.5", passed: true },
      { evaluator: "resolved", name: "resolved", required: true, expected: false, actual: true, passed: true },
      { evaluator: "empathy", name: "empathy", required: true, expected: 50, actual: null, passed: null },
      { evaluator: "missing", name: "Not there", required: true, expected: true, passed: null, reasoning: 'the workflow reported no metric named "missing"' },
      { evaluator: "booked", name: "booked", passed: false, required: false, actual: 10, reasoning: "duplicate" },
      { evaluator: "latency", name: "latency", passed: true, required: false, actual: 59.99, reasoning: "slow" },
      { evaluator: "extra", name: "extra", passed: false, required: false }
    ]
    expect(Mapping.evaluationsOf(Mapping.metricResults({ metrics: list, other: 1 }), evaluators, context)).toStrictEqual(expected)
    expect(Mapping.evaluationsOf(Mapping.metricResults(list), evaluators, context)).toStrictEqual(expected)
    const withoutPlan = [
      { evaluator: " BOOKED ", name: " BOOKED ", passed: true, required: true, actual: 90 },
      { evaluator: "politeness", name: "politeness", passed: true, required: true, actual: 73, reasoning: "kind" },
      { evaluator: "tone of voice", name: "tone of voice", passed: true, required: true, actual: 88.5 },
      { evaluator: "resolved", name: "resolved", passed: true, required: true },
      { evaluator: "Empathy", name: "Empathy", passed: null, required: true },
      { evaluator: "booked", name: "booked", passed: false, required: true, actual: 10, reasoning: "duplicate" },
      { evaluator: "latency", name: "latency", passed: true, required: true, actual: 59.99, reasoning: "slow" },
      { evaluator: "extra", name: "extra", passed: false, required: true }
    ]
    expect(Mapping.evaluationsOf(Mapping.metricResults(list), undefined, context)).toStrictEqual(withoutPlan)
    // Without the context the pass threshold is the default 60: the latency score of 59.99 fails.
    expect(Mapping.evaluationsOf(Mapping.metricResults(list), undefined)).toStrictEqual(
      withoutPlan.map((e) => (e.evaluator === "latency" ? { ...e, passed: false } : e))
    )
  })

  it("reads details keyed by metric, skipping entries without a numeric score", () => {
    const details = { booked: { score: 61, reasoning: "ok", extra: [1] }, polite: { score: 80, passed: false }, note: { text: "x" }, flag: true, nothing: null, named: { score: 5, metric_name: "renamed" } }
    expect(Mapping.evaluationsOf(Mapping.metricResults(details), evaluators)).toStrictEqual([
      { evaluator: "booked", name: "booked", required: true, expected: true, actual: true, passed: true, reasoning: "ok" },
      { evaluator: "polite", name: "polite", required: false, expected: 4, actual: 80, passed: true },
      { evaluator: "tone", name: "Tone of voice", required: true, expected: "8", passed: null, reasoning: 'the workflow reported no metric named "tone"' },
      { evaluator: "resolved", name: "resolved", required: true, expected: false, passed: null, reasoning: 'the workflow reported no metric named "resolved"' },
      { evaluator: "empathy", name: "empathy", required: true, expected: 50, passed: null, reasoning: 'the workflow reported no metric named "empathy"' },
      { evaluator: "missing", name: "Not there", required: true, expected: true, passed: null, reasoning: 'the workflow reported no metric named "missing"' },
      { evaluator: "renamed", name: "renamed", passed: false, required: false, actual: 5 }
    ])
    expect(Mapping.evaluationsOf(Mapping.metricResults(details), undefined)).toStrictEqual([
      { evaluator: "booked", name: "booked", passed: true, required: true, actual: 61, reasoning: "ok" },
      { evaluator: "polite", name: "polite", passed: false, required: true, actual: 80 },
      { evaluator: "renamed", name: "renamed", passed: false, required: true, actual: 5 }
    ])
  })

  it("answers a number or string evaluator from a yes/no metric (no score) with its boolean, as the vendor said it", () => {
    const yesNo = Schema.decodeUnknownSync(Schema.Array(Evaluator.Evaluator))([
      { id: "warmth", description: "warmth 1-5", type: "number", comparator: ">=", expect: 1, scale: [1, 5] },
      { id: "mood", description: "mood", type: "string", comparator: "=", expect: "calm" },
      { id: "tier", description: "tier", type: "number", comparator: ">=", expect: 1 }
    ])
    const details = { metrics: [{ metric_name: "confirmed", score: null, passed: true }, { metric_name: "mood", passed: false }, { metric_name: "tier", score: null, passed: null }] }
    expect(Mapping.evaluationsOf(Mapping.metricResults(details), yesNo, { metrics: { warmth: { name: "confirmed" } } })).toStrictEqual([
      { evaluator: "warmth", name: "confirmed", required: true, expected: 1, actual: true, passed: false },
      { evaluator: "mood", name: "mood", required: true, expected: "calm", actual: false, passed: false },
      { evaluator: "tier", name: "tier", required: true, expected: 1, actual: null, passed: null }
    ])
  })

  it("reads nothing from details that do not fit", () => {
    for (const details of [[{ metric_name: "a", score: "90" }], { metrics: [{ score: 1 }] }, { a: { score: 1, passed: "yes" } }, [null], 5, null, [], {}]) {
      expect(Mapping.metricResults(details)).toStrictEqual([])
    }
    expect(Mapping.evaluationsOf([], evaluators)).toStrictEqual([
      { evaluator: "booked", name: "booked", required: true, expected: true, passed: null, reasoning: 'the workflow reported no metric named "booked"' },
      { evaluator: "polite", name: "polite", required: false, expected: 4, passed: null, reasoning: 'the workflow reported no metric named "polite"' },
      { evaluator: "tone", name: "Tone of voice", required: true, expected: "8", passed: null, reasoning: 'the workflow reported no metric named "tone"' },
      { evaluator: "resolved", name: "resolved", required: true, expected: false, passed: null, reasoning: 'the workflow reported no metric named "resolved"' },
      { evaluator: "empathy", name: "empathy", required: true, expected: 50, passed: null, reasoning: 'the workflow reported no metric named "empathy"' },
      { evaluator: "missing", name: "Not there", required: true, expected: true, passed: null, reasoning: 'the workflow reported no metric named "missing"' }
    ])
  })
})

describe("error bodies", () => {
  it.each([
    [{ detail: "Simulation not found" }, "Simulation not found"],
    [{ detail: [{ loc: ["body", "timeout_seconds"], msg: "Input should be a valid integer", type: "int_parsing" }] }, "timeout_seconds: Input should be a valid integer"],
    [{ message: "Invalid simulation configuration", error: "selected_workflow.workflow_id is required" }, "Invalid simulation configuration: selected_workflow.workflow_id is required"],
    [{ message: "Bad", error: "Bad" }, "Bad"],
    [{ errors: ["x"] }, "x"]
  ])("%j -> %s", (body, message) => {
    expect(InteractlyClient.errorMessage(body)).toBe(message)
  })
})
