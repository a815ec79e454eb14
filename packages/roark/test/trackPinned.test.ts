/**
 * The driver's tracking output (`startRun`, `getRun`, `getRuns` with and without verdicts) over a
 * stub client, pinned value for value and key for key (`fixtures/trackPinned.expected.json`): every simulation job
 * status, scenarios known, marked, looked up and missing, runs started here and recovered, a run
 * that is gone, the job list over several pages, metrics read once and reused. With each answer:
 * the requests it made (sorted: reads in flight together may go in any order) and the driver's
 * memory sizes. Set `ROARK_PIN_WRITE=1` to write the fixture again (only to pin a deliberate change).
 */
import { describe, expect, it } from "@effect/vitest"
import { Plan, ProviderError, Provisioning } from "@simbridge/core"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { readFileSync, writeFileSync } from "node:fs"
import { RoarkClient, RoarkProvider, type RoarkWire } from "../src/index.js"
import { fixture } from "./helpers.js"
import { evaluator, persona, simulationJob } from "./stubJobs.js"

const sim = (job: string, n: number, fields: Partial<RoarkWire.SimulationJob>) => simulationJob(`${job}-sim-${n}`, `${job}-call-${n}`, fields)

/** Every kind of simulation job (the ones with a call that completed have metrics below). */
const mixed = (job: string, done: boolean): Array<RoarkWire.SimulationJob> => [
  sim(job, 1, done ? {} : { status: "QUEUED", processingStatus: "PENDING", callId: null, startedAt: null, completedAt: null }),
  sim(job, 2, done ? {} : { status: "PROCESSING", processingStatus: "SIMULATING", completedAt: null }),
  sim(job, 3, {}),
  sim(job, 4, done ? {} : { processingStatus: "EVALUATING" }),
  sim(job, 5, { status: "FAILED", processingStatus: null }),
  sim(job, 6, { status: "TIMED_OUT", callId: null, startedAt: null, completedAt: null }),
  sim(job, 7, { status: "CANCELLED", callId: null }),
  sim(job, 8, { callId: null }),
  sim(job, 9, { status: "SOMETHING_NEW", processingStatus: null }),
  sim(job, 10, { scenario: { id: "sc-2", description: null } }),
  sim(job, 11, { scenario: { id: "sc-3" }, persona: persona("tom") }),
  sim(job, 12, { scenario: undefined, persona: null }),
  sim(job, 13, { scenario: { id: "sc-real" }, persona: { ...persona("real"), id: "p-real" } })
]

const value = (v: RoarkWire.MetricValue["value"], more: Partial<RoarkWire.MetricValue> = {}): RoarkWire.MetricValue => ({ value: v, ...more })
const metric = (id: string, fields: Partial<RoarkWire.CallMetric>): RoarkWire.CallMetric => ({
  metricDefinitionId: id, name: id, type: "BOOLEAN", values: [], ...fields
})
/** Metrics of call `n` of any job: pass, fail, or no value (an `error` verdict). */
const metricsOf = (n: number): ReadonlyArray<RoarkWire.CallMetric> =>
  n % 3 === 0
    ? [metric("def-booked", { description: evaluator("booked"), values: [value(true)] }), metric("def-polite", { type: "NUMERIC", values: [value(5)] })]
    : n % 3 === 1
    ? [metric("def-booked", { description: evaluator("booked"), values: [value(false, { valueReasoning: "no slot" })] })]
    : [metric("def-booked", { description: evaluator("booked"), values: [value(null)] })]

const definitions: ReadonlyArray<RoarkWire.MetricDefinition> = [
  { id: "def-booked", slug: "booked_check", name: "Booked", type: "BOOLEAN", description: `The agent booked ${evaluator("booked")}` },
  { id: "def-polite", metricId: "polite_check", name: "Polite", type: "NUMERIC", description: evaluator("polite") }
]

const plan = Schema.decodeUnknownSync(Plan.Plan)(fixture("dental-clinic.json"))
const refOf = (kind: string, id: string) => ({ provider: "roark", kind, id })
const provisioning = Schema.decodeUnknownSync(Provisioning.Provisioning)({
  provider: "roark",
  refs: {
    "persona:anxious-sarah": refOf("persona", "p-real"),
    "scenario:urgent-appointment": refOf("scenario", "sc-real"),
    "evaluator:booked": refOf("metric", "def-booked"),
    "evaluator:polite": refOf("metric", "def-polite"),
    plan: refOf("plan", "plan-1")
  }
})

const notFound = (operation: string, id: string) => ProviderError.make({ provider: "roark", operation, reason: "NotFound", description: `${id} not found` })

/** A stub vendor: job details and the job list as the test sets them; every request logged. */
const makeStub = () => {
  const log: Array<string> = []
  const details = new Map<string, RoarkWire.RunPlanJobDetail>()
  const order: Array<string> = []
  const set = (detail: Omit<RoarkWire.RunPlanJobDetail, "simulationRunPlanId" | "simulationJobs"> & Partial<RoarkWire.RunPlanJobDetail>) => {
    const full = { simulationRunPlanId: "plan-1", simulationJobs: [], ...detail }
    if (!details.has(full.simulationRunPlanJobId)) order.unshift(full.simulationRunPlanJobId)
    details.set(full.simulationRunPlanJobId, full)
  }
  const failing = new Set<string>()
  const client = {
    runPlanJobs: {
      start: (planId: string, body: unknown) =>
        Effect.sync(() => {
          log.push(`start ${planId} ${JSON.stringify(body)}`)
          return { simulationRunPlanJobId: "job-a", simulationRunPlanId: planId, status: "PENDING", createdAt: "2026-01-01T00:00:00Z" }
        }),
      get: (id: string) =>
        Effect.suspend(() => {
          log.push(`get ${id}`)
          const d = details.get(id)
          return d === undefined ? Effect.fail(notFound("getRunPlanJob", id)) : Effect.succeed(d)
        }),
      // Two jobs a page, newest first, as the API pages with `after`.
      list: (params: { readonly simulationRunPlanId?: string; readonly limit?: number; readonly after?: string }) =>
        Effect.sync(() => {
          log.push(`list ${params.simulationRunPlanId} limit=${params.limit} after=${params.after ?? "-"}`)
          const jobs = order.map((id) => details.get(id)!).filter((d) => d.simulationRunPlanId === params.simulationRunPlanId)
          const from = params.after === undefined ? 0 : Number(params.after)
          const data = jobs.slice(from, from + 2).map((d) => ({ simulationRunPlanJobId: d.simulationRunPlanJobId, simulationRunPlanId: d.simulationRunPlanId, status: d.status, createdAt: d.createdAt }))
          const more = from + 2 < jobs.length
          return { data, pagination: { hasMore: more, ...(more ? { nextCursor: String(from + 2) } : {}) } }
        })
    },
    runPlans: {
      get: (id: string) =>
        Effect.sync(() => {
          log.push(`getRunPlan ${id}`)
          return { id, name: "Recovered suite", direction: "INBOUND", agentEndpoints: [], personas: [], scenarios: [], metrics: [{ id: "def-booked" }, { id: "def-polite" }], testCaseCount: 13 }
        })
    },
    metrics: {
      listDefinitions: () =>
        Effect.sync(() => {
          log.push("listDefinitions")
          return { data: definitions, pagination: { hasMore: false } }
        })
    },
    scenarios: {
      get: (id: string) =>
        Effect.suspend(() => {
          log.push(`getScenario ${id}`)
          return id === "sc-2" ? Effect.succeed({ id, name: "Other [simbridge:scenario:other:1234]", steps: [] }) : Effect.fail(notFound("getScenario", id))
        })
    },
    calls: {
      metrics: (id: string) =>
        Effect.suspend(() => {
          log.push(`metrics ${id}`)
          if (failing.has(id)) return Effect.fail(ProviderError.make({ provider: "roark", operation: "listCallMetrics", reason: "Transport", description: "connection reset" }))
          return Effect.succeed(metricsOf(Number(id.split("-").pop())))
        })
    }
  } as unknown as RoarkClient.Service
  return { client, log, set, failing }
}

const expectedPath = new URL("./fixtures/trackPinned.expected.json", import.meta.url)

describe("RoarkProvider tracking output", () => {
  it.effect("startRun, getRun and getRuns (with and without verdicts) answer exactly as pinned", () =>
    Effect.gen(function*() {
      const stub = makeStub()
      const driver = yield* RoarkProvider.make().pipe(Effect.provideService(RoarkClient.RoarkClient, stub.client))
      const steps: Array<{ readonly step: string; readonly answer: unknown; readonly requests: ReadonlyArray<string>; readonly memory: unknown }> = []
      const step = <A, E>(name: string, effect: Effect.Effect<A, E>) =>
        Effect.gen(function*() {
          stub.log.length = 0
          const exit = yield* Effect.exit(effect)
          const answer = Exit.isSuccess(exit)
            ? exit.value
            : { failure: Option.match(Cause.failureOption(exit.cause), { onNone: () => Cause.pretty(exit.cause), onSome: (e) => ({ ...(e as object), message: (e as Error).message }) }) }
          steps.push({ step: name, answer: JSON.parse(JSON.stringify(answer)), requests: [...stub.log].sort(), memory: driver.memory() })
        })

      yield* step("startRun", driver.startRun({ plan, provisioning, marker: "sb-marker-a" }))
      yield* step("getRuns right after startRun, the job not listed yet: the start's snapshot", driver.getRuns!(["job-a"], { verdicts: false }))
      stub.set({ simulationRunPlanJobId: "job-a", status: "PENDING", createdAt: "2026-01-01T00:00:00Z" })
      yield* step("getRuns, the job listed with the start's status: the start's snapshot", driver.getRuns!(["job-a"], { verdicts: false }))
      stub.set({ simulationRunPlanJobId: "job-a", status: "QUEUED", createdAt: "2026-01-01T00:00:00Z" })
      yield* step("getRun of a queued job without simulation jobs", driver.getRun("job-a"))
      stub.set({ simulationRunPlanJobId: "job-b", status: "RUNNING_SIMULATIONS", createdAt: "2026-01-01T00:00:10Z", startedAt: "2026-01-01T00:00:11Z", simulationJobs: mixed("job-b", false) })
      stub.set({ simulationRunPlanJobId: "job-c", status: "COMPLETED", createdAt: "2026-01-01T00:00:20Z", startedAt: "2026-01-01T00:00:21Z", endedAt: "2026-01-01T00:09:00Z", simulationJobs: mixed("job-c", true) })
      stub.set({ simulationRunPlanJobId: "job-d", status: "RUNNING_SIMULATIONS", createdAt: "2026-01-01T00:00:30Z", simulationJobs: [sim("job-d", 1, { status: "QUEUED", callId: null })] })
      stub.set({ simulationRunPlanJobId: "job-e", status: "RUNNING_SIMULATIONS", createdAt: "2026-01-01T00:00:40Z", simulationJobs: [] })
      yield* step("getRuns without verdicts: one tracked, four never read, one gone", driver.getRuns!(["job-a", "job-b", "job-c", "job-x", "job-d", "job-e"], { verdicts: false }))
      stub.set({ simulationRunPlanJobId: "job-a", status: "RUNNING_SIMULATIONS", createdAt: "2026-01-01T00:00:00Z", startedAt: "2026-01-01T00:00:01Z", simulationJobs: mixed("job-a", false) })
      yield* step("getRuns without verdicts: one listed status changed", driver.getRuns!(["job-a", "job-b", "job-c", "job-d", "job-e"], { verdicts: false }))
      yield* step("getRuns without verdicts: nothing changed", driver.getRuns!(["job-a", "job-b", "job-d"], { verdicts: false }))
      yield* step("getRuns with verdicts: the pending ones read again", driver.getRuns!(["job-a", "job-b", "job-d", "job-e"]))
      stub.set({ simulationRunPlanJobId: "job-a", status: "COMPLETED", createdAt: "2026-01-01T00:00:00Z", startedAt: "2026-01-01T00:00:01Z", endedAt: "2026-01-01T00:08:00Z", simulationJobs: mixed("job-a", true) })
      yield* step("getRuns without verdicts: a job ended (metrics read before are counted)", driver.getRuns!(["job-a", "job-b"], { verdicts: false }))
      yield* step("getRun with verdicts of the ended job (only the metrics not read yet)", driver.getRun("job-a"))
      yield* step("getRun with verdicts again (nothing read but the detail)", driver.getRun("job-a"))
      yield* step("getRun of a job that is gone", driver.getRun("job-x"))
      stub.set({ simulationRunPlanJobId: "job-f", status: "RUNNING_SIMULATIONS", createdAt: "2026-01-01T00:00:50Z", simulationJobs: [sim("job-f", 3, {}), sim("job-f", 6, {}), sim("job-f", 9, {})] })
      stub.failing.add("job-f-call-6")
      yield* step("getRun whose metrics read fails", driver.getRun("job-f"))
      yield* step("getRuns with verdicts whose metrics read fails", driver.getRuns!(["job-b", "job-f"]))
      stub.failing.clear()
      yield* step("getRuns with verdicts once the read works", driver.getRuns!(["job-f"]))
      yield* step("getRuns of nothing", driver.getRuns!([], { verdicts: false }))

      if (process.env["ROARK_PIN_WRITE"] === "1") writeFileSync(expectedPath, `${JSON.stringify(steps, null, 2)}\n`)
      const expected = JSON.parse(readFileSync(expectedPath, "utf8"))
      expect(steps).toStrictEqual(expected)
      expect(JSON.stringify(steps)).toBe(JSON.stringify(expected))
    }))
})
