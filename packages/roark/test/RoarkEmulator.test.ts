import { createServer } from "node:http"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as RoarkEmulator from "@simbridge/emulators/RoarkEmulator"
import { fixture, pollUntil, raw } from "./helpers.js"

const terminal = new Set(["COMPLETED", "FAILED", "TIMED_OUT", "CANCELLED"])
const jobOrder = ["QUEUED", "PENDING", "CREATING_SNAPSHOTS", "CREATING_SIMULATIONS", "RUNNING_SIMULATIONS", "ENDING_SIMULATIONS", "COMPLETED"]

const isSubsequence = (seen: ReadonlyArray<string>, order: ReadonlyArray<string>) => {
  let j = 0
  for (const s of seen) {
    const k = order.indexOf(s, j)
    if (k < 0) return false
    j = k
  }
  return true
}

const setup = (options: Parameters<typeof RoarkEmulator.start>[0] = {}) =>
  Effect.map(RoarkEmulator.start({ speed: 200, ...options }), (handle) => ({ handle, api: raw(handle.url) }))

/** Creates a persona, a scenario and a BOOLEAN check metric, and a plan over the seeded endpoint. */
const createPlan = (api: ReturnType<typeof raw>, extra: Record<string, unknown> = {}, personaProps: Record<string, unknown> = {}) =>
  Effect.gen(function*() {
    const persona = yield* api("POST", "/v1/persona", { name: "Sarah Johnson", language: "EN", accent: "US", gender: "FEMALE", properties: personaProps })
    expect(persona.status).toBe(201)
    const scenario = yield* api("POST", "/v1/simulation/scenario", {
      name: "Urgent appointment",
      steps: [{ type: "CUSTOMER_TURN", content: "I need an appointment, my name is {{patientName}}" }]
    })
    expect(scenario.status).toBe(201)
    const metric = yield* api("POST", "/v1/metric/definitions", {
      analysisPackageId: RoarkEmulator.seeded.analysisPackageId,
      name: "Booked",
      outputType: "BOOLEAN",
      llmPrompt: "The agent booked an appointment",
      metricId: "booked_check",
      booleanTrueLabel: "true",
      booleanFalseLabel: "false"
    })
    expect(metric.status).toBe(201)
    const created = yield* api("POST", "/v1/simulation/plan", {
      name: "Dental",
      direction: "INBOUND",
      maxSimulationDurationSeconds: 300,
      agentEndpoints: [{ id: RoarkEmulator.seeded.agentEndpointId }],
      personas: [{ id: persona.body.data.id }],
      scenarios: [{ id: scenario.body.data.id, variables: { patientName: "Sarah" } }],
      metrics: [{ id: metric.body.data.id }],
      iterationCount: 3,
      maxConcurrentJobs: 2,
      ...extra
    })
    expect(created.status).toBe(201)
    return { plan: created.body.data.runPlan, job: created.body.data.runPlanJob, metric: metric.body.data }
  })

describe("RoarkEmulator", () => {
  it.scopedLive("authenticates with a bearer token and answers errors in one JSON shape", () =>
    Effect.gen(function*() {
      const { handle } = yield* setup({ apiKey: "sk-right" })
      const anonymous = yield* raw(handle.url, undefined)("GET", "/v1/persona")
      expect(anonymous.status).toBe(401)
      expect(anonymous.body).toEqual({ statusCode: 401, error: "Unauthorized", message: "Invalid or missing API key" })
      expect((yield* raw(handle.url, "sk-wrong")("GET", "/v1/persona")).status).toBe(401)
      const api = raw(handle.url, "sk-right")
      expect((yield* api("GET", "/v1/persona")).status).toBe(200)
      const missing = yield* api("GET", "/v1/simulation/plan/job/00000000-0000-4000-8000-000000000000")
      expect(missing.status).toBe(404)
      expect(missing.body.statusCode).toBe(404)
      expect(missing.body.message).toContain("not found")
      const bad = yield* api("POST", "/v1/persona", { name: "X", language: "KLINGON", accent: "US", gender: "FEMALE" })
      expect(bad.status).toBe(400)
      expect(bad.body.issues[0].path).toBe("language")
      const route = yield* api("GET", "/v1/nothing-here")
      expect(route.status).toBe(404)
      expect((yield* raw(handle.url, undefined)("GET", "/health")).body.data.status).toBe("healthy")
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("accepts the seed document's run-plan request (legacy evaluators) and the job read has the documented shape", () =>
    Effect.gen(function*() {
      const { api } = yield* setup()
      const created = yield* api("POST", "/v1/simulation/plan", fixture("seed-000-create-run-plan.json"))
      expect(created.status).toBe(201)
      const plan = created.body.data.runPlan
      expect(plan).toMatchObject({
        name: "My Run Plan",
        direction: "INBOUND",
        iterationCount: 1,
        maxConcurrentJobs: 5,
        silenceTimeoutSeconds: 30,
        endCallPhrases: ["goodbye"],
        executionMode: "PARALLEL",
        testCaseCount: 1,
        metrics: [{ id: RoarkEmulator.seeded.exampleId }],
        evaluators: [{ id: RoarkEmulator.seeded.exampleId }]
      })
      expect(plan.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
      expect(created.body.data.runPlanJob).toBeNull()

      const started = yield* api("POST", `/v1/simulation/plan/${plan.id}/job`)
      expect(started.status).toBe(201)
      expect(started.body.data).toMatchObject({ simulationRunPlanId: plan.id, status: "PENDING" })
      expect(Date.parse(started.body.data.createdAt)).not.toBeNaN()

      const jobId = started.body.data.simulationRunPlanJobId
      const { last, seen } = yield* pollUntil(
        Effect.map(api("GET", `/v1/simulation/plan/job/${jobId}`), (r) => r.body.data),
        (d) => terminal.has(d.status),
        (d) => d.status
      )
      expect(isSubsequence(seen, jobOrder)).toBe(true)
      expect(last.status).toBe("COMPLETED")
      expect(last.endedAt).not.toBeNull()
      const [sim] = last.simulationJobs
      expect(last.simulationJobs).toHaveLength(1)
      expect(sim).toMatchObject({ status: "COMPLETED", processingStatus: "COMPLETED", scenario: { id: RoarkEmulator.seeded.exampleId } })
      expect(sim.agentEndpoint).toMatchObject({ id: RoarkEmulator.seeded.exampleId, type: "PHONE", name: "PHONE" })
      expect(sim.persona).toMatchObject({ id: RoarkEmulator.seeded.exampleId, language: "EN", hasDisfluencies: false, idleMessages: [] })
      expect(sim.roarkPhoneNumber).toMatch(/^\+1\d{10}$/)
      expect(typeof sim.callId).toBe("string")

      const metrics = yield* api("GET", `/v1/call/${sim.callId}/metrics`)
      expect(metrics.body.data[0]).toMatchObject({ metricDefinitionId: RoarkEmulator.seeded.exampleId, metricId: "goal_achieved_check", type: "BOOLEAN" })
      expect(typeof metrics.body.data[0].values[0].value).toBe("boolean")
      const transcript = yield* api("GET", `/v1/call/${sim.callId}/transcript`)
      const roles = transcript.body.data.entries.map((e: any) => e.role)
      expect(roles.length).toBeGreaterThan(2)
      expect(roles).toEqual(roles.map((_: unknown, i: number) => (i % 2 === 0 ? "AGENT" : "CUSTOMER")))
      const call = yield* api("GET", `/v1/call/${sim.callId}`)
      expect(call.body.data).toMatchObject({ id: sim.callId, status: "ENDED", simulationJobId: sim.simulationJobId, callDirection: "INBOUND" })
      const single = yield* api("GET", `/v1/simulation/job/${sim.simulationJobId}`)
      expect(single.body.data.simulationJobId).toBe(sim.simulationJobId)
      const lookup = yield* api("GET", `/v1/simulation/job/lookup?roarkPhoneNumber=${encodeURIComponent(sim.roarkPhoneNumber)}&callReceivedAt=${encodeURIComponent(sim.startedAt)}`)
      expect(lookup.body.data.simulationJobId).toBe(sim.simulationJobId)
      const late = yield* api("GET", `/v1/simulation/job/lookup?roarkPhoneNumber=${encodeURIComponent(sim.roarkPhoneNumber)}`)
      expect(late.status).toBe(404)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("fans out scenario x persona x endpoint x iteration, honours maxConcurrentJobs and templating", () =>
    Effect.gen(function*() {
      const { api } = yield* setup({ speed: 20 })
      const { plan, job } = yield* createPlan(api, { autoRun: true })
      expect(plan.testCaseCount).toBe(3)
      expect(job.status).toBe("PENDING")
      let maxProcessing = 0
      const { last } = yield* pollUntil(
        Effect.map(api("GET", `/v1/simulation/plan/job/${job.simulationRunPlanJobId}`), (r) => r.body.data),
        (d) => {
          maxProcessing = Math.max(maxProcessing, d.simulationJobs.filter((s: any) => s.status === "PROCESSING").length)
          return terminal.has(d.status)
        },
        (d) => d.status,
        1
      )
      expect(last.simulationJobs).toHaveLength(3)
      expect(maxProcessing).toBeGreaterThan(0)
      expect(maxProcessing).toBeLessThanOrEqual(2)
      const calls = yield* api("GET", `/v1/call?simulationRunPlanJobId=${job.simulationRunPlanJobId}&limit=2`)
      expect(calls.body.data).toHaveLength(2)
      expect(calls.body.pagination).toMatchObject({ hasMore: true, total: 3 })
      const transcript = yield* api("GET", `/v1/call/${last.simulationJobs[0].callId}/transcript`)
      expect(transcript.body.data.entries[1].text).toContain("my name is Sarah")
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("a second job of a sequential plan starts QUEUED; cancel goes through CANCELLING to CANCELLED, and only the first cancel cancels", () =>
    Effect.gen(function*() {
      const { api } = yield* setup({ speed: 20 })
      const { plan } = yield* createPlan(api, { executionMode: "SEQUENTIAL_SAME_RUN_PLAN" })
      const first = yield* api("POST", `/v1/simulation/plan/${plan.id}/job`, {})
      const second = yield* api("POST", `/v1/simulation/plan/${plan.id}/job`, { variables: { patientName: "Bob" } })
      expect(first.body.data.status).toBe("PENDING")
      expect(second.body.data.status).toBe("QUEUED")
      const id = first.body.data.simulationRunPlanJobId
      const cancel = yield* api("POST", `/v1/simulation/plan/job/${id}/cancel`)
      expect(cancel.body.data).toEqual({ cancelled: true, simulationRunPlanJobId: id, status: "CANCELLING" })
      const again = yield* api("POST", `/v1/simulation/plan/job/${id}/cancel`)
      expect(again.status).toBe(200)
      expect(again.body.data).toEqual({ cancelled: false, simulationRunPlanJobId: id, status: expect.stringMatching(/^CANCELL(ING|ED)$/) })
      const { last } = yield* pollUntil(
        Effect.map(api("GET", `/v1/simulation/plan/job/${id}`), (r) => r.body.data),
        (d) => terminal.has(d.status),
        (d) => d.status
      )
      expect(last.status).toBe("CANCELLED")
      const done = yield* api("POST", `/v1/simulation/plan/job/${id}/cancel`)
      expect(done.body.data).toMatchObject({ cancelled: false, status: "CANCELLED" })
      // The queued job starts once the first one has ended.
      const next = yield* pollUntil(
        Effect.map(api("GET", `/v1/simulation/plan/job/${second.body.data.simulationRunPlanJobId}`), (r) => r.body.data),
        (d) => d.status !== "QUEUED",
        (d) => d.status
      )
      expect(next.last.status).not.toBe("QUEUED")
      const listed = yield* api("GET", `/v1/simulation/plan/jobs?simulationRunPlanId=${plan.id}`)
      expect(listed.body.data.map((j: any) => j.simulationRunPlanJobId)).toEqual([second.body.data.simulationRunPlanJobId, id])
      expect(listed.body.data[0].triggeredBy).toBe("TRIGGERED_FROM_API")
      expect(listed.body.data[0].simulationJobs).toBeUndefined()
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("cursor pagination: limit, after, nextCursor, hasMore, total; limit above 50 is a 400", () =>
    Effect.gen(function*() {
      const { api } = yield* setup()
      for (const name of ["Ann", "Bob", "Cat"]) yield* api("POST", "/v1/persona", { name, language: "EN", accent: "US", gender: "FEMALE" })
      const first = yield* api("GET", "/v1/persona?limit=3")
      expect(first.body.pagination).toMatchObject({ hasMore: true, total: 5 })
      const second = yield* api("GET", `/v1/persona?limit=3&after=${first.body.pagination.nextCursor}`)
      expect(second.body.pagination).toEqual({ hasMore: false, nextCursor: null, total: 5 })
      expect([...first.body.data, ...second.body.data].map((p: any) => p.name).slice(2)).toEqual(["Ann", "Bob", "Cat"])
      expect((yield* api("GET", "/v1/persona?searchText=bo")).body.data.map((p: any) => p.name)).toEqual(["Bob"])
      const tooMany = yield* api("GET", "/v1/persona?limit=51")
      expect(tooMany.status).toBe(400)
      expect(tooMany.body.issues[0].path).toBe("limit")
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("validates run plans: OUTBOUND needs iterationCount 1, references must exist", () =>
    Effect.gen(function*() {
      const { api } = yield* setup()
      const outbound = yield* api("POST", "/v1/simulation/plan", { ...(fixture("seed-000-create-run-plan.json") as object), direction: "OUTBOUND", iterationCount: 2 })
      expect(outbound.status).toBe(400)
      expect(outbound.body.message).toContain("iterationCount")
      const unknownPersona = yield* api("POST", "/v1/simulation/plan", { ...(fixture("seed-000-create-run-plan.json") as object), personas: [{ id: "00000000-0000-4000-8000-000000000009" }] })
      expect(unknownPersona.status).toBe(400)
      expect(unknownPersona.body.issues[0].path).toBe("personas[0].id")
      const noMetrics = yield* api("POST", "/v1/simulation/plan", { ...(fixture("seed-000-create-run-plan.json") as object), evaluators: undefined })
      expect(noMetrics.status).toBe(400)
      expect(noMetrics.body.message).toContain("metrics")
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("outcomes are deterministic for a seed, and the emulatorOutcome hook fails simulation jobs", () =>
    Effect.gen(function*() {
      const valuesOf = (seed: number) =>
        Effect.gen(function*() {
          const { api } = yield* setup({ seed })
          const { job } = yield* createPlan(api, { autoRun: true, iterationCount: 6, maxConcurrentJobs: 6 })
          const { last } = yield* pollUntil(
            Effect.map(api("GET", `/v1/simulation/plan/job/${job.simulationRunPlanJobId}`), (r) => r.body.data),
            (d) => terminal.has(d.status),
            (d) => d.status
          )
          const values: Array<unknown> = []
          for (const s of last.simulationJobs) values.push((yield* api("GET", `/v1/call/${s.callId}/metrics`)).body.data[0].values[0].value)
          return values
        }).pipe(Effect.scoped)
      const a = yield* valuesOf(7)
      const b = yield* valuesOf(7)
      expect(a).toEqual(b)
      expect(a).toHaveLength(6)

      const { api } = yield* setup()
      const { job } = yield* createPlan(api, { autoRun: true }, { emulatorOutcome: "FAILED" })
      const { last } = yield* pollUntil(
        Effect.map(api("GET", `/v1/simulation/plan/job/${job.simulationRunPlanJobId}`), (r) => r.body.data),
        (d) => terminal.has(d.status),
        (d) => d.status
      )
      expect(last.status).toBe("FAILED")
      expect(last.simulationJobs.every((s: any) => s.status === "FAILED" && s.callId === null)).toBe(true)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("delivers signed webhooks for run-plan jobs and simulation jobs", () =>
    Effect.gen(function*() {
      const received: Array<{ body: string; signature: string | undefined; custom: string | undefined }> = []
      const server = yield* Effect.acquireRelease(
        Effect.async<ReturnType<typeof createServer>>((resume) => {
          const s = createServer((req, res) => {
            let body = ""
            req.on("data", (c) => (body += c))
            req.on("end", () => {
              received.push({ body, signature: req.headers["x-roark-signature"] as string | undefined, custom: req.headers["x-team"] as string | undefined })
              res.writeHead(received.length === 1 ? 500 : 204).end()
            })
          })
          s.listen(0, "127.0.0.1", () => resume(Effect.succeed(s)))
        }),
        (s) => Effect.sync(() => s.close())
      )
      const port = (server.address() as { port: number }).port
      const { api, handle } = yield* setup()
      const hook = yield* api("POST", "/v1/webhook", {
        url: `http://127.0.0.1:${port}/hooks`,
        events: ["SIMULATION_RUN_PLAN_JOB_STARTED", "SIMULATION_RUN_PLAN_JOB_COMPLETED", "SIMULATION_JOB_COMPLETED"],
        headers: { "x-team": "qa" }
      })
      expect(hook.status).toBe(201)
      expect(hook.body.data.signingSecret).toMatch(/^whsec_/)
      expect((yield* api("GET", `/v1/webhook/${hook.body.data.id}`)).body.data.signingSecret).toBeUndefined()
      const { job } = yield* createPlan(api, { autoRun: true })
      const events = yield* pollUntil(
        Effect.sync(() => received.map((r) => JSON.parse(r.body).event as string)),
        (e) =>
          e.includes("simulation.run_plan_job.completed") && e.filter((x) => x === "simulation.job.completed").length === 3 &&
          handle.deliveries.some((d) => d.attempt === 2),
        (e) => String(e.length),
        5
      )
      expect(new Set(events.last)).toEqual(new Set(["simulation.run_plan_job.started", "simulation.job.completed", "simulation.run_plan_job.completed"]))
      const completed = received.map((r) => ({ ...r, parsed: JSON.parse(r.body) })).find((r) => r.parsed.event === "simulation.run_plan_job.completed")!
      expect(completed.parsed).toMatchObject({ version: "1.0", data: { simulationRunPlanJobId: job.simulationRunPlanJobId, status: "COMPLETED" } })
      expect(completed.signature).toBe(RoarkEmulator.sign(hook.body.data.signingSecret, completed.body))
      expect(completed.custom).toBe("qa")
      // The first delivery got a 500 and was retried.
      expect(handle.deliveries.some((d) => d.status === 500)).toBe(true)
      expect(handle.deliveries.some((d) => d.attempt === 2 && d.status === 204)).toBe(true)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("renders an injected unknown status and serves the base path the client is configured with", () =>
    Effect.gen(function*() {
      const { api, handle } = yield* setup()
      expect(handle.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      const { job } = yield* createPlan(api, { autoRun: true })
      handle.faults.injectNext({ _tag: "UnknownEnum" })
      const seen = yield* api("GET", `/v1/simulation/plan/job/${job.simulationRunPlanJobId}`)
      expect(seen.body.data.status).toBe("AWAITING_REVIEW")
      handle.faults.injectNext({ _tag: "Status", status: 429, retryAfterSeconds: 3 }, 1, { path: "/v1/persona" })
      const limited = yield* api("GET", "/v1/persona")
      expect(limited.status).toBe(429)
      expect(limited.headers["retry-after"]).toBe("3")
      expect(limited.body).toMatchObject({ statusCode: 429, message: "Too many requests" })
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))
})
