import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { describe, expect, it } from "@effect/vitest"
import * as RoarkEmulator from "@simbridge/emulators/RoarkEmulator"
import * as Effect from "effect/Effect"

/** A JSON request to the emulator at `url` with any bearer token; the answer's status and JSON body. */
const call = (url: string, method: "GET" | "POST", path: string, body?: unknown) =>
  Effect.gen(function*() {
    const client = yield* HttpClient.HttpClient
    let request = HttpClientRequest.make(method)(`${url}${path}`).pipe(HttpClientRequest.bearerToken("k"))
    if (body !== undefined) request = HttpClientRequest.bodyUnsafeJson(request, body)
    const response = yield* client.execute(request)
    return { status: response.status, body: (yield* response.json) as any }
  }).pipe(Effect.scoped)

/** One emulator (seed 7) running one job of a fixed plan to its end: its ids and what it measured. */
const oneRun = Effect.scoped(Effect.gen(function*() {
  const { url } = yield* RoarkEmulator.start({ speed: 200, seed: 7 })
  const persona = yield* call(url, "POST", "/v1/persona", { name: "Sarah", language: "EN", accent: "US", gender: "FEMALE" })
  const scenario = yield* call(url, "POST", "/v1/simulation/scenario", { name: "Book", steps: [{ type: "CUSTOMER_TURN", content: "Book me in" }] })
  const metric = yield* call(url, "POST", "/v1/metric/definitions", {
    analysisPackageId: RoarkEmulator.seeded.analysisPackageId,
    name: "Politeness",
    outputType: "SCALE",
    llmPrompt: "How polite was the agent?",
    scaleMin: 1,
    scaleMax: 5
  })
  const plan = yield* call(url, "POST", "/v1/simulation/plan", {
    name: "Ids",
    direction: "INBOUND",
    maxSimulationDurationSeconds: 300,
    agentEndpoints: [{ id: RoarkEmulator.seeded.agentEndpointId }],
    personas: [{ id: persona.body.data.id }],
    scenarios: [{ id: scenario.body.data.id }],
    metrics: [{ id: metric.body.data.id }],
    iterationCount: 2
  })
  const job = yield* call(url, "POST", `/v1/simulation/plan/${plan.body.data.runPlan.id}/job`, {})
  const jobId: string = job.body.data.simulationRunPlanJobId
  let detail = yield* call(url, "GET", `/v1/simulation/plan/job/${jobId}`)
  while (detail.body.data.status !== "COMPLETED") {
    yield* Effect.sleep("5 millis")
    detail = yield* call(url, "GET", `/v1/simulation/plan/job/${jobId}`)
  }
  const sims: ReadonlyArray<{ simulationJobId: string; callId: string }> = detail.body.data.simulationJobs
  const calls = yield* Effect.forEach(sims, (s) => call(url, "GET", `/v1/call/${s.callId}`))
  const metrics = yield* Effect.forEach(sims, (s) => call(url, "GET", `/v1/call/${s.callId}/metrics`))
  return {
    ids: [plan.body.data.runPlan.id, jobId, ...sims.flatMap((s) => [s.simulationJobId, s.callId])],
    values: metrics.map((m) => m.body.data[0].values[0].value),
    durations: calls.map((c) => c.body.data.durationMs),
    recordingUrls: calls.map((c) => c.body.data.recordingUrl as string)
  }
}))

describe("RoarkEmulator", () => {
  it.live("a new emulator hands out ids no earlier one did, with the same outcomes for the same seed", () =>
    Effect.gen(function*() {
      const first = yield* oneRun
      const second = yield* oneRun
      // The ledger keys runs by their refs: a restarted emulator must not reuse a run's id.
      expect(second.ids.filter((id) => first.ids.includes(id))).toEqual([])
      expect(new Set([...first.ids, ...second.ids]).size).toBe(first.ids.length + second.ids.length)
      // Outcomes are keyed by stable inputs (names, iteration, metric slug), not by ids.
      expect(second.values).toEqual(first.values)
      expect(second.durations).toEqual(first.durations)
      expect(first.values.every((v) => typeof v === "number" && v >= 1 && v <= 5)).toBe(true)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.live("recording URLs point at a .invalid host, which nothing resolves", () =>
    Effect.gen(function*() {
      const { recordingUrls } = yield* oneRun
      for (const u of recordingUrls) expect(new URL(u).hostname).toBe("recordings.roark.invalid")
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("metric definitions: the SDK's body is taken, the list is every definition in one answer, the old body is a 400 naming the missing fields", () =>
    Effect.gen(function*() {
      const { url } = yield* RoarkEmulator.start({ speed: 200 })
      for (let i = 0; i < 25; i++) {
        const created = yield* call(url, "POST", "/v1/metric/definitions", {
          analysisPackageId: "3f1d2c4b-0000-4000-8000-000000000001",
          name: `Check ${i}`,
          outputType: "BOOLEAN",
          llmPrompt: `Check number ${i}`,
          booleanTrueLabel: "true",
          booleanFalseLabel: "false"
        })
        expect(created.status).toBe(201)
        expect(created.body.data).toEqual({
          id: expect.any(String),
          metricId: `check_${i}`,
          name: `Check ${i}`,
          description: `Check number ${i}`,
          scope: "GLOBAL",
          type: "BOOLEAN",
          supportedContexts: ["CALL"]
        })
      }
      const listed = yield* call(url, "GET", "/v1/metric/definitions")
      expect(listed.body.data).toHaveLength(26)
      expect(listed.body.pagination).toBeUndefined()
      const duplicate = yield* call(url, "POST", "/v1/metric/definitions", {
        analysisPackageId: RoarkEmulator.seeded.analysisPackageId, name: "Again", outputType: "TEXT", llmPrompt: "x", metricId: "check_3"
      })
      expect(duplicate.status).toBe(409)
      const old = yield* call(url, "POST", "/v1/metric/definitions", { name: "Booked", slug: "booked_check", description: "Booked?", type: "BOOLEAN" })
      expect(old.status).toBe(400)
      expect(old.body).toEqual({
        statusCode: 400,
        error: "Bad Request",
        message: "analysisPackageId: is missing; outputType: is missing",
        issues: [{ path: "analysisPackageId", message: "is missing" }, { path: "outputType", message: "is missing" }]
      })
      const scale = yield* call(url, "POST", "/v1/metric/definitions", {
        analysisPackageId: RoarkEmulator.seeded.analysisPackageId, name: "Scale", outputType: "SCALE", llmPrompt: "How?"
      })
      expect(scale.body.message).toBe("scaleMin: is missing (required for outputType SCALE); scaleMax: is missing (required for outputType SCALE)")
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("a cancel cancels once: again, or on a job that has ended, it answers cancelled: false", () =>
    Effect.gen(function*() {
      // Slow enough that the job is still running when it is cancelled.
      const { url } = yield* RoarkEmulator.start({ speed: 5 })
      const plan = yield* call(url, "POST", "/v1/simulation/plan", {
        name: "Cancel",
        direction: "INBOUND",
        maxSimulationDurationSeconds: 300,
        agentEndpoints: [{ id: RoarkEmulator.seeded.agentEndpointId }],
        personas: [{ id: RoarkEmulator.seeded.personaId }],
        scenarios: [{ id: RoarkEmulator.seeded.scenarioId }],
        metrics: [{ id: RoarkEmulator.seeded.exampleId }]
      })
      const job = (yield* call(url, "POST", `/v1/simulation/plan/${plan.body.data.runPlan.id}/job`, {})).body.data.simulationRunPlanJobId
      expect((yield* call(url, "POST", `/v1/simulation/plan/job/${job}/cancel`)).body.data).toMatchObject({ cancelled: true, status: "CANCELLING" })
      const again = yield* call(url, "POST", `/v1/simulation/plan/job/${job}/cancel`)
      expect(again.status).toBe(200)
      expect(again.body.data.cancelled).toBe(false)
      while ((yield* call(url, "GET", `/v1/simulation/plan/job/${job}`)).body.data.status !== "CANCELLED") yield* Effect.sleep("5 millis")
      expect((yield* call(url, "POST", `/v1/simulation/plan/job/${job}/cancel`)).body.data).toEqual({ cancelled: false, simulationRunPlanJobId: job, status: "CANCELLED" })
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))
})
