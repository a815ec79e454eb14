/**
 * The bounds of the driver's memory (`RoarkProvider.DriverOptions`) over a stub client: every map
 * it keeps per run, per marker or per scenario holds at most its bound, and what was forgotten is
 * read again from the vendor (the answers stay the same, the requests show the cost).
 */
import { describe, expect, it } from "@effect/vitest"
import { Plan, ProviderError, Provisioning } from "@simbridge/core"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { RoarkClient, RoarkProvider, type RoarkWire } from "../src/index.js"
import { fixture } from "./helpers.js"
import { evaluator, simulationJob } from "./stubJobs.js"

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

const definitions: ReadonlyArray<RoarkWire.MetricDefinition> = [
  { id: "def-booked", slug: "booked_check", name: "Booked", type: "BOOLEAN", description: `The agent booked ${evaluator("booked")}` }
]

const failure = (operation: string, reason: ProviderError.Reason) => ProviderError.make({ provider: "roark", operation, reason, description: operation })

/**
 * A stub vendor: jobs started get ids `job-1`, `job-2`...; a start whose marker is in `refused`
 * fails (retryably); every job is COMPLETED with `sims(id)` as its simulation jobs; job reads in
 * `failing` fail (retryably). Every request is logged.
 */
const makeStub = (sims: (jobId: string) => ReadonlyArray<RoarkWire.SimulationJob>) => {
  const log: Array<string> = []
  const refused = new Set<string>()
  const failing = new Set<string>()
  let started = 0
  const detail = (id: string): RoarkWire.RunPlanJobDetail => ({
    simulationRunPlanJobId: id, simulationRunPlanId: "plan-1", status: "COMPLETED", createdAt: "2026-01-01T00:00:00Z", simulationJobs: sims(id)
  })
  const client = {
    runPlanJobs: {
      start: (_planId: string, body: { readonly variables: Record<string, string> }) =>
        Effect.suspend(() => {
          const marker = body.variables[RoarkProvider.markerVariable]!
          log.push(`start ${marker}`)
          if (refused.has(marker)) return Effect.fail(failure("startRunPlanJob", "Transport"))
          return Effect.succeed({ simulationRunPlanJobId: `job-${++started}`, simulationRunPlanId: "plan-1", status: "PENDING" })
        }),
      get: (id: string) =>
        Effect.suspend(() => {
          log.push(`get ${id}`)
          return failing.has(id) ? Effect.fail(failure("getRunPlanJob", "Transport")) : Effect.succeed(detail(id))
        }),
      list: () =>
        Effect.sync(() => {
          log.push("list")
          return { data: [{ simulationRunPlanJobId: "job-listed", simulationRunPlanId: "plan-1", status: "RUNNING_SIMULATIONS" }], pagination: { hasMore: false } }
        })
    },
    runPlans: {
      get: (id: string) =>
        Effect.sync(() => {
          log.push(`getRunPlan ${id}`)
          return { id, name: "Recovered suite", direction: "INBOUND", agentEndpoints: [], personas: [], scenarios: [], metrics: [{ id: "def-booked" }], testCaseCount: 1 }
        })
    },
    metrics: { listDefinitions: () => Effect.sync(() => (log.push("listDefinitions"), { data: definitions, pagination: { hasMore: false } })) },
    scenarios: {
      get: (id: string) =>
        Effect.sync(() => {
          log.push(`getScenario ${id}`)
          return { id, name: `Looked up [simbridge:scenario:${id}-canonical:1234]`, steps: [] }
        })
    },
    calls: {
      get: (id: string) => Effect.sync(() => (log.push(`call ${id}`), { id })),
      transcript: (id: string) => Effect.sync(() => (log.push(`transcript ${id}`), { entries: [] })),
      metrics: (id: string) => Effect.sync(() => (log.push(`metrics ${id}`), []))
    }
  } as unknown as RoarkClient.Service
  const take = () => log.splice(0, log.length)
  return { client, take, refused, failing }
}

const run = <A, E>(stub: ReturnType<typeof makeStub>, options: RoarkProvider.DriverOptions, body: (driver: RoarkProvider.Instrumented) => Effect.Effect<A, E>) =>
  Effect.flatMap(RoarkProvider.make(options).pipe(Effect.provideService(RoarkClient.RoarkClient, stub.client)), body)

describe("RoarkProvider memory bounds", () => {
  it.effect("run contexts: at most maxRunContexts; a forgotten run's context is recovered from the markers", () => {
    const stub = makeStub((id) => [simulationJob(`${id}-sim`, `${id}-call`, {})])
    return run(stub, { maxRunContexts: 2 }, (driver) =>
      Effect.gen(function*() {
        for (const marker of ["m-1", "m-2", "m-3"]) yield* driver.startRun({ plan, provisioning, marker })
        expect(driver.memory().contexts).toBe(2)
        stub.take()
        // job-3 is remembered: its run is named after the plan and carries its marker.
        const kept = yield* driver.getRun("job-3")
        expect(kept).toMatchObject({ name: plan.name, marker: "m-3" })
        expect(stub.take()).toEqual(["get job-3", "metrics job-3-call"])
        // job-1 was forgotten: its context is recovered (run plan and definitions read), without its marker.
        const recovered = yield* driver.getRun("job-1")
        expect(recovered.name).toBe("Recovered suite")
        expect(recovered.marker).toBeUndefined()
        expect(stub.take()).toEqual(["get job-1", "getRunPlan plan-1", "listDefinitions", "metrics job-1-call"])
        expect(driver.memory().contexts).toBe(2)
      }))
  })

  it.effect("starting runs: at most maxStartingRuns markers whose run is not known; known ones are forgotten", () => {
    const stub = makeStub(() => [])
    return run(stub, { maxStartingRuns: 2 }, (driver) =>
      Effect.gen(function*() {
        for (const marker of ["m-1", "m-2", "m-3"]) {
          stub.refused.add(marker)
          yield* Effect.flip(driver.startRun({ plan, provisioning, marker }))
        }
        expect(driver.memory().attempts).toBe(2)
        stub.refused.delete("m-3")
        yield* driver.startRun({ plan, provisioning, marker: "m-3" })
        expect(driver.memory().attempts).toBe(1)
      }))
  })

  it.effect("findRun: what it read is kept across retries for at most maxStartingRuns markers, and dropped once it answers", () => {
    const stub = makeStub(() => [])
    stub.failing.add("job-listed")
    return run(stub, { maxStartingRuns: 2 }, (driver) =>
      Effect.gen(function*() {
        for (const marker of ["m-1", "m-2", "m-3"]) {
          const error = yield* Effect.flip(driver.findRun!({ plan, provisioning, marker }))
          expect(error.isRetryable).toBe(true)
        }
        expect(driver.memory().reconciling).toBe(2)
        stub.failing.clear()
        // The listed job ended without simulation jobs: it cannot be the marker's, so there is none.
        const found = yield* driver.findRun!({ plan, provisioning, marker: "m-3" })
        expect(found._tag).toBe("None")
        expect(driver.memory().reconciling).toBe(1)
      }))
  })

  it.effect("scenario ids: at most maxScenarioIds; a forgotten scenario is looked up again", () => {
    const stub = makeStub((id) => [simulationJob(`${id}-sim`, `${id}-call`, { scenario: { id: id === "job-b" ? "sc-b" : "sc-a" } })])
    return run(stub, { maxScenarioIds: 1 }, (driver) =>
      Effect.gen(function*() {
        const page = (id: string) => Effect.map(driver.listResults(id, undefined), (p) => p.results.map((r) => r.scenario))
        expect(yield* page("job-a")).toEqual(["sc-a-canonical"])
        expect(stub.take()).toContain("getScenario sc-a")
        expect(yield* page("job-a2")).toEqual(["sc-a-canonical"])
        expect(stub.take()).not.toContain("getScenario sc-a")
        expect(yield* page("job-b")).toEqual(["sc-b-canonical"])
        expect(driver.memory().scenarioIds).toBe(1)
        stub.take()
        expect(yield* page("job-a3")).toEqual(["sc-a-canonical"])
        expect(stub.take()).toContain("getScenario sc-a")
      }))
  })

  it.effect("results pages: at most maxPagedRuns job details kept between pages; a forgotten one is read again", () => {
    const stub = makeStub((id) => Array.from({ length: 60 }, (_, i) => simulationJob(`${id}-sim-${i}`, `${id}-call-${i}`, { scenario: { id: "sc-real" } })))
    return run(stub, { maxPagedRuns: 2 }, (driver) =>
      Effect.gen(function*() {
        for (const id of ["job-a", "job-b", "job-c"]) expect((yield* driver.listResults(id, undefined)).cursor).toBe("50")
        expect(driver.memory().pages).toBe(2)
        stub.take()
        expect((yield* driver.listResults("job-c", "50")).results).toHaveLength(10)
        expect(stub.take()).not.toContain("get job-c")
        expect((yield* driver.listResults("job-a", "50")).results).toHaveLength(10)
        expect(stub.take()).toContain("get job-a")
        expect(driver.memory().pages).toBe(1)
      }))
  })
})
