/**
 * The driver's results read (`listResults`) over a stub client, pinned value for value and key for
 * key (`fixtures/resultsPinned.expected.json`): a finished job of 120 simulation jobs of every kind over three
 * pages (metrics read by a snapshot before, and read again once the job was read to the end), a
 * failing read and the page read again, a running job with and without `raw`, a bad cursor. With
 * each answer: the requests it made (sorted: reads in flight together may go in any order; not for
 * the page that fails, or the one read again after it, whose requests depend on which reads were
 * done when the failure stopped the others) and the driver's memory sizes (not after the failure). Set
 * `ROARK_PIN_WRITE=1` to write the fixture again (only to pin a deliberate change).
 */
import { describe, expect, it } from "@effect/vitest"
import { ProviderError } from "@simbridge/core"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import { readFileSync, writeFileSync } from "node:fs"
import { RoarkClient, RoarkProvider, type RoarkWire } from "../src/index.js"
import { evaluator, persona, simulationJob } from "./stubJobs.js"

const sim = (job: string, n: number, fields: Partial<RoarkWire.SimulationJob>) =>
  simulationJob(`${job}-sim-${n}`, `${job}-call-${n}`, { persona: persona(n % 2 === 0 ? "sarah" : "tom"), ...fields })

/** The kinds of simulation jobs, one after the other. */
const kinds: ReadonlyArray<(job: string, n: number) => RoarkWire.SimulationJob> = [
  (job, n) => sim(job, n, {}),
  (job, n) => sim(job, n, { status: "FAILED", processingStatus: null }),
  (job, n) => sim(job, n, { status: "TIMED_OUT", callId: null, startedAt: null, completedAt: null }),
  (job, n) => sim(job, n, { processingStatus: "EVALUATING" }),
  (job, n) => sim(job, n, { status: "PROCESSING", processingStatus: "SIMULATING", completedAt: null }),
  (job, n) => sim(job, n, { status: "QUEUED", processingStatus: "PENDING", callId: null, startedAt: null, completedAt: null }),
  (job, n) => sim(job, n, { status: "CANCELLED", callId: null }),
  (job, n) => sim(job, n, { callId: null }),
  (job, n) => sim(job, n, { scenario: { id: "sc-2", description: null } }),
  (job, n) => sim(job, n, { scenario: { id: "sc-3" } }),
  (job, n) => sim(job, n, { scenario: null, persona: null, agentEndpoint: { id: "ep-2", endpointType: "SIP" } }),
  (job, n) => sim(job, n, { status: "SOMETHING_NEW", processingStatus: null })
]
const jobs = (job: string, count: number, done: boolean) =>
  Array.from({ length: count }, (_, n) => {
    const s = kinds[n % kinds.length]!(job, n)
    return done || n % 5 !== 0 ? s : { ...s, status: "PROCESSING", processingStatus: "SIMULATING" }
  })

const value = (v: RoarkWire.MetricValue["value"], more: Partial<RoarkWire.MetricValue> = {}): RoarkWire.MetricValue => ({ value: v, ...more })
const metric = (id: string, fields: Partial<RoarkWire.CallMetric>): RoarkWire.CallMetric => ({
  metricDefinitionId: id, name: id, type: "BOOLEAN", values: [], ...fields
})
const numberOf = (callId: string) => Number(callId.split("-").pop())
const metricsOf = (n: number): ReadonlyArray<RoarkWire.CallMetric> =>
  n % 3 === 0
    ? [metric("def-booked", { description: evaluator("booked"), values: [value(true, { valueReasoning: "booked" })] }), metric("def-polite", { type: "NUMERIC", values: [value(5)] })]
    : n % 3 === 1
    ? [metric("def-booked", { description: evaluator("booked"), values: [value(false)] }), metric("def-other", { slug: "other_check", values: [value(true)] })]
    : [metric("def-booked", { description: evaluator("booked"), values: [value(null)] })]
const callOf = (id: string): RoarkWire.Call => {
  const n = numberOf(id)
  return n % 4 === 0
    ? { id, durationMs: 1000 * n + 500, endedStatus: "CUSTOMER_ENDED_CALL", recordingUrl: `https://r/${n}.wav` }
    : n % 4 === 1
    ? { id, durationMs: null, endedStatus: "AGENT_DID_NOT_ANSWER", recordingUrl: "" }
    : n % 4 === 2
    ? { id, endedStatus: null }
    : { id, durationMs: 0 }
}
const transcriptOf = (id: string): RoarkWire.Transcript => {
  const n = numberOf(id)
  return n % 3 === 0
    ? { entries: [{ startOffsetMs: 0, endOffsetMs: 1500, role: "AGENT", text: `Hello ${n}` }, { startOffsetMs: 2000, role: "CUSTOMER", text: "Hi" }, { role: null, text: "" }] }
    : { entries: [] }
}

const definitions: ReadonlyArray<RoarkWire.MetricDefinition> = [
  { id: "def-booked", slug: "booked_check", name: "Booked", type: "BOOLEAN", description: `The agent booked ${evaluator("booked")}` },
  { id: "def-polite", metricId: "polite_check", name: "Polite", type: "NUMERIC", description: evaluator("polite") }
]

const makeStub = () => {
  const log: Array<string> = []
  const details = new Map<string, RoarkWire.RunPlanJobDetail>()
  const failing = new Set<string>()
  const read = <A>(what: string, id: string, value: () => A) =>
    Effect.suspend(() => {
      log.push(`${what} ${id}`)
      return failing.has(`${what} ${id}`)
        ? Effect.fail(ProviderError.make({ provider: "roark", operation: what, reason: "Transport", description: "connection reset" }))
        : Effect.succeed(value())
    })
  const client = {
    runPlanJobs: {
      get: (id: string) =>
        Effect.suspend(() => {
          log.push(`get ${id}`)
          const d = details.get(id)
          return d === undefined ? Effect.fail(ProviderError.make({ provider: "roark", operation: "getRunPlanJob", reason: "NotFound", description: `${id} not found` })) : Effect.succeed(d)
        })
    },
    runPlans: {
      get: (id: string) =>
        read("getRunPlan", id, () => ({ id, name: "Recovered suite", direction: "INBOUND", agentEndpoints: [], personas: [], scenarios: [], metrics: [{ id: "def-booked" }, { id: "def-polite" }], testCaseCount: 13 }))
    },
    metrics: { listDefinitions: () => read("listDefinitions", "", () => ({ data: definitions, pagination: { hasMore: false } })) },
    scenarios: {
      get: (id: string) =>
        Effect.suspend(() => {
          log.push(`getScenario ${id}`)
          return id === "sc-2"
            ? Effect.succeed({ id, name: "Other [simbridge:scenario:other:1234]", steps: [] })
            : Effect.fail(ProviderError.make({ provider: "roark", operation: "getScenario", reason: "NotFound", description: `${id} not found` }))
        })
    },
    calls: {
      get: (id: string) => read("call", id, () => callOf(id)),
      transcript: (id: string) => read("transcript", id, () => transcriptOf(id)),
      metrics: (id: string) => read("metrics", id, () => metricsOf(numberOf(id)))
    }
  } as unknown as RoarkClient.Service
  return { client, log, details, failing }
}

const expectedPath = new URL("./fixtures/resultsPinned.expected.json", import.meta.url)

describe("RoarkProvider results read", () => {
  it.effect("listResults answers exactly as pinned, page by page, after a failure and from a cache", () =>
    Effect.gen(function*() {
      const stub = makeStub()
      const driver = yield* RoarkProvider.make().pipe(Effect.provideService(RoarkClient.RoarkClient, stub.client))
      const steps: Array<{ readonly step: string; readonly answer: unknown; readonly requests?: ReadonlyArray<string>; readonly memory?: unknown }> = []
      /** `exact`: "all", or "answer and memory" (requests depend on the failure before), or "answer". */
      const step = <A, E>(name: string, effect: Effect.Effect<A, E>, exact: "all" | "answer and memory" | "answer" = "all") =>
        Effect.gen(function*() {
          stub.log.length = 0
          const exit = yield* Effect.exit(effect)
          const answer = Exit.isSuccess(exit)
            ? exit.value
            : { failure: Option.match(Cause.failureOption(exit.cause), { onNone: () => Cause.pretty(exit.cause), onSome: (e) => ({ ...(e as object), message: (e as Error).message }) }) }
          steps.push({
            step: name,
            answer: JSON.parse(JSON.stringify(answer)),
            ...(exact === "all" ? { requests: [...stub.log].sort() } : {}),
            ...(exact === "answer" ? {} : { memory: driver.memory() })
          })
        })
      const done = { simulationRunPlanJobId: "job-r", simulationRunPlanId: "plan-1", status: "COMPLETED", createdAt: "2026-01-01T00:00:00Z", endedAt: "2026-01-01T01:00:00Z" }
      stub.details.set("job-r", { ...done, simulationJobs: jobs("job-r", 120, true) })
      stub.details.set("job-s", { ...done, simulationRunPlanJobId: "job-s", status: "RUNNING_SIMULATIONS", endedAt: null, simulationJobs: jobs("job-s", 30, false) })

      yield* step("a snapshot with verdicts reads the finished calls' metrics", driver.getRun("job-r"))
      yield* step("page 1 (metrics not read again)", driver.listResults("job-r", undefined, { raw: false }))
      stub.failing.add("transcript job-r-call-72")
      yield* step("page 2 fails", driver.listResults("job-r", "50", { raw: false }), "answer")
      stub.failing.clear()
      yield* step("page 2 again", driver.listResults("job-r", "50", { raw: false }), "answer and memory")
      yield* step("page 3, the last", driver.listResults("job-r", "100", { raw: false }))
      yield* step("page 1 again once read to the end (everything read again)", driver.listResults("job-r", undefined, { raw: false }))
      yield* step("a running job", driver.listResults("job-s", undefined, { raw: false }))
      yield* step("a running job with raw", driver.listResults("job-s", undefined, { raw: true }))
      yield* step("a bad cursor", driver.listResults("job-s", "x", { raw: false }))
      yield* step("a cursor past the end", driver.listResults("job-s", "500", { raw: false }))

      if (process.env["ROARK_PIN_WRITE"] === "1") writeFileSync(expectedPath, `${JSON.stringify(steps, null, 2)}\n`)
      const expected = JSON.parse(readFileSync(expectedPath, "utf8"))
      expect(steps).toStrictEqual(expected)
      expect(JSON.stringify(steps)).toBe(JSON.stringify(expected))
    }))
})
