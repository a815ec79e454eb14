/**
 * The driver's canonical output for a rich finished job (every result shape: completed with
 * evaluations, failed, timed out, a failed call ending, still analysing, running, cancelled,
 * markers missing), pinned value for value and key for key (`fixtures/readPinned.expected.json`):
 * how a result is built may change, what it is may not.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { readFileSync } from "node:fs"
import { RoarkClient, RoarkProvider, type RoarkWire } from "../src/index.js"
import { evaluator, persona, simulationJob } from "./stubJobs.js"

const sim = (n: number, fields: Partial<RoarkWire.SimulationJob>) => simulationJob(`sim-${n}`, `call-${n}`, fields)

const detail: RoarkWire.RunPlanJobDetail = {
  simulationRunPlanJobId: "job-1",
  simulationRunPlanId: "plan-1",
  status: "COMPLETED",
  createdAt: "2026-01-01T00:00:00Z",
  startedAt: "2026-01-01T00:00:01Z",
  endedAt: "2026-01-01T00:05:00Z",
  simulationJobs: [
    sim(1, {}),
    sim(2, { status: "FAILED", processingStatus: null }),
    sim(3, { status: "TIMED_OUT", callId: null, startedAt: null, completedAt: null }),
    sim(4, { persona: persona("sarah", { description: null }), agentEndpoint: { id: "ep-1", endpointType: "SIP" } }),
    sim(5, { processingStatus: "EVALUATING" }),
    sim(6, { status: "PROCESSING", processingStatus: "SIMULATING", completedAt: null }),
    sim(7, { status: "CANCELLED", callId: null }),
    sim(8, { scenario: { id: "sc-2", description: null }, persona: null, agentEndpoint: null, roarkPhoneNumber: null }),
    sim(9, { scenario: { id: "sc-3" }, persona: persona("tom"), completedAt: "" }),
    sim(10, {}),
    sim(11, { scenario: undefined, callId: undefined })
  ]
}

const calls: Record<string, RoarkWire.Call> = {
  "call-1": { id: "call-1", durationMs: 183000, endedStatus: "CUSTOMER_ENDED_CALL", recordingUrl: "https://r/1.wav" },
  "call-2": { id: "call-2", durationMs: 1000, endedStatus: "AGENT_ERROR", recordingUrl: null },
  "call-4": { id: "call-4", durationMs: null, endedStatus: "AGENT_DID_NOT_ANSWER", recordingUrl: "" },
  "call-5": { id: "call-5", durationMs: 0 },
  "call-8": { id: "call-8", durationMs: 2500.5, endedStatus: null, recordingUrl: "https://r/8.wav" },
  "call-9": { id: "call-9" },
  "call-10": { id: "call-10", durationMs: 60000, endedStatus: "AGENT_ENDED_CALL" }
}

const transcripts: Record<string, RoarkWire.Transcript> = {
  "call-1": {
    entries: [
      { startOffsetMs: 0, endOffsetMs: 3500, role: "AGENT", text: "Hello" },
      { startOffsetMs: 4000, role: "CUSTOMER", text: "Hi" },
      { endOffsetMs: 9000, role: "SIMULATED_CUSTOMER", text: "Bye" },
      { role: null, text: "" },
      { role: "SYSTEM", text: "note", participantId: "x" }
    ]
  },
  "call-2": { entries: [] },
  "call-10": { entries: [{ startOffsetMs: 1, endOffsetMs: 2, role: "agent", text: "ok" }] }
}

const value = (v: RoarkWire.MetricValue["value"], more: Partial<RoarkWire.MetricValue> = {}): RoarkWire.MetricValue => ({ value: v, ...more })
const metric = (id: string, fields: Partial<RoarkWire.CallMetric>): RoarkWire.CallMetric => ({
  metricDefinitionId: id, name: id, type: "BOOLEAN", values: [], ...fields
})
const metrics: Record<string, ReadonlyArray<RoarkWire.CallMetric>> = {
  "call-1": [
    metric("def-booked", { slug: "booked_check", description: evaluator("booked"), values: [value(true, { context: "CALL", valueReasoning: "booked it" })] }),
    metric("def-polite", { slug: "polite_check", description: evaluator("polite"), values: [value(false, { context: "SEGMENT" }), value(true, { context: "CALL" })] }),
    metric("def-other", { metricId: "other_check", description: evaluator("other"), values: [value(false)] }),
    metric("def-score", { type: "NUMERIC", slug: "score", values: [value(null), value(4.5, { valueReasoning: "" })] }),
    metric("def-text", { type: "TEXT", values: [value("fine", { valueReasoning: "why" })] })
  ],
  "call-2": [metric("def-booked", { slug: "booked_check", values: [value(null)] })],
  "call-4": [],
  "call-5": [metric("def-booked", { slug: "booked_check", values: [value(false)] })],
  "call-8": [metric("def-polite", { slug: "polite_check", values: [value(true)] }), metric("def-booked", { slug: "booked_check", values: [] })],
  "call-9": [metric("def-booked", { slug: "booked_check", values: [value("TRUE")] })],
  "call-10": [metric("def-booked", { slug: "booked_check", values: [value(true)] }), metric("def-polite", { slug: "polite_check", values: [value(false, { valueReasoning: "rude" })] })]
}

const definitions: ReadonlyArray<RoarkWire.MetricDefinition> = [
  { id: "def-booked", slug: "booked_check", name: "Booked", type: "BOOLEAN", description: `The agent booked ${evaluator("booked")}` },
  { id: "def-polite", metricId: "polite_check", name: "Polite", type: "BOOLEAN", description: evaluator("polite") },
  { id: "def-score", slug: "score", name: "Score", type: "NUMERIC", description: evaluator("score") },
  { id: "def-unused", slug: "unused_check", name: "Unused", type: "BOOLEAN", description: evaluator("unused") }
]

const stub = {
  runPlanJobs: { get: () => Effect.succeed(detail) },
  runPlans: {
    get: () => Effect.succeed({ id: "plan-1", name: "Dental suite", direction: "INBOUND", agentEndpoints: [], personas: [], scenarios: [], metrics: [{ id: "def-booked" }, { id: "def-polite" }, { id: "def-score" }], testCaseCount: 11 })
  },
  metrics: { listDefinitions: () => Effect.succeed({ data: definitions, pagination: { hasMore: false } }) },
  scenarios: {
    get: (id: string) => id === "sc-2" ? Effect.succeed({ id, name: "Other [simbridge:scenario:other:1234]", steps: [] }) : Effect.fail({ reason: "NotFound" })
  },
  calls: {
    get: (id: string) => Effect.succeed(calls[id] ?? { id }),
    transcript: (id: string) => Effect.succeed(transcripts[id] ?? { entries: [] }),
    metrics: (id: string) => Effect.succeed(metrics[id] ?? [])
  }
} as unknown as RoarkClient.Service

const expected = JSON.parse(readFileSync(new URL("./fixtures/readPinned.expected.json", import.meta.url), "utf8"))

describe("RoarkProvider read", () => {
  it.effect("maps a rich finished job exactly as pinned (values, absent fields, key order)", () =>
    Effect.gen(function*() {
      const driver = yield* RoarkProvider.make().pipe(Effect.provideService(RoarkClient.RoarkClient, stub))
      const run = yield* driver.getRun("job-1")
      const results: Array<unknown> = []
      let cursor: string | undefined
      do {
        const page = yield* driver.listResults("job-1", cursor, { raw: true })
        results.push(...page.results)
        cursor = page.cursor
      } while (cursor !== undefined)
      const actual = { run, results }
      expect(actual).toStrictEqual(expected)
      expect(JSON.stringify(actual)).toBe(JSON.stringify(expected))
    }))
})
