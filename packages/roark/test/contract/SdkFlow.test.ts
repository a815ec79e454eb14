/**
 * Roark's own SDK (v2.31) drives the emulator through a whole flow: create a persona, a scenario,
 * metric definitions and a run plan; start a job and poll it to its end; list its calls and read a
 * call's transcript and metrics; cancel; and the 400, 401 and 404 answers. Each answer is also
 * held to the required fields of its SDK response type (`responses.ts`).
 */
import { describe, expect, it } from "@effect/vitest"
import * as RoarkEmulator from "@simbridge/emulators/RoarkEmulator"
import * as Effect from "effect/Effect"
import { type CancelResponse, errorBody, responseContracts } from "./responses.js"
import { AuthenticationError, BadRequestError, NotFoundError, Roark } from "./sdk.js"
import { check } from "./shape.js"

const key = "sk-sdk"
const terminal = new Set(["COMPLETED", "FAILED", "TIMED_OUT", "CANCELLED"])

/** A promise of the SDK as an effect (its rejection as the failure). */
const sdk = <A>(f: () => PromiseLike<A>) => Effect.tryPromise({ try: () => Promise.resolve(f()), catch: (e) => e })

/** `value`'s problems against the response contract of `route`. */
const fits = (route: string, value: unknown) => check(responseContracts[route]!.body, value, "response")

describe("Roark's SDK v2.31 against the emulator", () => {
  it.scopedLive("creates a persona, a scenario, metric definitions and a run plan; runs, reads and cancels jobs", () =>
    Effect.gen(function*() {
      const handle = yield* RoarkEmulator.start({ speed: 200, apiKey: key })
      const client = new Roark({ bearerToken: key, baseURL: handle.url, maxRetries: 0 })

      const persona = yield* sdk(() =>
        client.simulationPersona.create({
          name: "Sarah Johnson",
          language: "EN",
          accent: "US",
          gender: "FEMALE",
          backgroundNoise: "OFFICE",
          baseEmotion: "FRUSTRATED",
          properties: { age: 35 }
        })
      )
      expect(fits("POST /v1/persona", persona)).toEqual([])
      const scenario = yield* sdk(() =>
        client.simulationScenario.create({
          name: "Urgent appointment",
          steps: [{ type: "CUSTOMER_TURN", content: "I need an appointment, my name is {{patientName}}" }, { type: "AGENT_TURN", content: "Booked" }]
        })
      )
      expect(fits("POST /v1/simulation/scenario", scenario)).toEqual([])

      const booked = yield* sdk(() =>
        client.metric.createDefinition({
          analysisPackageId: RoarkEmulator.seeded.analysisPackageId,
          name: "Booked",
          outputType: "BOOLEAN",
          llmPrompt: "Did the agent book an appointment?",
          metricId: "booked_check",
          booleanTrueLabel: "Yes",
          booleanFalseLabel: "No"
        })
      )
      expect(fits("POST /v1/metric/definitions", booked)).toEqual([])
      expect(booked.data).toMatchObject({ metricId: "booked_check", name: "Booked", type: "BOOLEAN", scope: "GLOBAL", supportedContexts: ["CALL"] })
      const politeness = yield* sdk(() =>
        client.metric.createDefinition({
          analysisPackageId: RoarkEmulator.seeded.analysisPackageId,
          name: "Politeness",
          outputType: "SCALE",
          llmPrompt: "How polite was the agent?",
          scaleMin: 0,
          scaleMax: 10
        })
      )
      // Without a metricId the slug comes from the name.
      expect(politeness.data).toMatchObject({ metricId: "politeness", type: "SCALE" })
      const definitions = yield* sdk(() => client.metric.listDefinitions())
      expect(fits("GET /v1/metric/definitions", definitions)).toEqual([])
      expect(definitions.data.map((d) => d.metricId)).toEqual(expect.arrayContaining(["goal_achieved_check", "booked_check", "politeness"]))

      const created = yield* sdk(() =>
        client.simulationRunPlan.create({
          name: "Dental",
          direction: "INBOUND",
          maxSimulationDurationSeconds: 300,
          agentEndpoints: [{ id: RoarkEmulator.seeded.agentEndpointId }],
          personas: [{ id: persona.data.id }],
          scenarios: [{ id: scenario.data.id, variables: { patientName: "Sarah" } }],
          metrics: [{ id: booked.data.id }, { id: politeness.data.id }],
          iterationCount: 2,
          maxConcurrentJobs: 2
        })
      )
      expect(fits("POST /v1/simulation/plan", created)).toEqual([])
      const planId = created.data.runPlan.id
      expect(fits("GET /v1/simulation/plan/:id", yield* sdk(() => client.simulationRunPlan.getByID(planId)))).toEqual([])

      const started = yield* sdk(() => client.simulationRunPlanJob.start(planId, { variables: { patientName: "Sam" } }))
      expect(fits("POST /v1/simulation/plan/:id/job", started)).toEqual([])
      const jobId = started.data.simulationRunPlanJobId
      let detail = yield* sdk(() => client.simulationRunPlanJob.getByID(jobId))
      while (!terminal.has(detail.data.status)) {
        expect(fits("GET /v1/simulation/plan/job/:id", detail)).toEqual([])
        yield* Effect.sleep("5 millis")
        detail = yield* sdk(() => client.simulationRunPlanJob.getByID(jobId))
      }
      expect(fits("GET /v1/simulation/plan/job/:id", detail)).toEqual([])
      expect(detail.data.status).toBe("COMPLETED")
      expect(detail.data.simulationJobs).toHaveLength(2)
      const jobs = yield* sdk(() => client.simulationRunPlanJob.list({ simulationRunPlanId: planId }))
      expect(fits("GET /v1/simulation/plan/jobs", jobs)).toEqual([])
      expect(jobs.data.map((j) => j.simulationRunPlanJobId)).toEqual([jobId])
      const sim = yield* sdk(() => client.simulationJob.getByID(detail.data.simulationJobs[0]!.simulationJobId))
      expect(sim.data.persona.id).toBe(persona.data.id)

      const calls = yield* sdk(() => client.call.list({ simulationRunPlanJobId: jobId }))
      expect(calls.data).toHaveLength(2)
      for (const c of calls.data) expect(check(responseContracts["GET /v1/call/:id"]!.body, { data: c }, "response")).toEqual([])
      const callId = detail.data.simulationJobs[0]!.callId!
      const call = yield* sdk(() => client.call.getByID(callId))
      expect(fits("GET /v1/call/:id", call)).toEqual([])
      expect(call.data.recordingUrl).toMatch(/^https:\/\/recordings\.roark\.invalid\//)
      const transcript = yield* sdk(() => client.call.getTranscript(callId))
      expect(fits("GET /v1/call/:id/transcript", transcript)).toEqual([])
      expect(transcript.data.entries[1]!.text).toContain("my name is Sam")
      const metrics = yield* sdk(() => client.call.listMetrics(callId))
      expect(fits("GET /v1/call/:id/metrics", metrics)).toEqual([])
      const valueOf = (id: string) => metrics.data.find((m) => m.metricDefinitionId === id)!.values[0]!.value
      expect(typeof valueOf(booked.data.id)).toBe("boolean")
      expect(valueOf(politeness.data.id)).toBeGreaterThanOrEqual(0)
      expect(valueOf(politeness.data.id)).toBeLessThanOrEqual(10)

      // Cancel (after v2.31, not an SDK method): only the first cancel of a job cancels it.
      const cancel = (id: string) => sdk(() => client.post<CancelResponse>(`/v1/simulation/plan/job/${id}/cancel`))
      const ended = yield* cancel(jobId)
      expect(fits("POST /v1/simulation/plan/job/:id/cancel", ended)).toEqual([])
      expect(ended.data).toEqual({ cancelled: false, simulationRunPlanJobId: jobId, status: "COMPLETED" })
      // A long job (40 calls one at a time), so that it is still running when it is cancelled.
      const long = yield* sdk(() => client.simulationRunPlan.update(planId, { iterationCount: 40, maxConcurrentJobs: 1 }))
      expect(fits("PUT /v1/simulation/plan/:id", long)).toEqual([])
      expect(long.data.testCaseCount).toBe(40)
      const second = (yield* sdk(() => client.simulationRunPlanJob.start(planId))).data.simulationRunPlanJobId
      expect((yield* cancel(second)).data).toMatchObject({ cancelled: true, status: "CANCELLING" })
      expect((yield* cancel(second)).data).toMatchObject({ cancelled: false, status: expect.stringMatching(/^CANCELL(ING|ED)$/) })
      while ((yield* sdk(() => client.simulationRunPlanJob.getByID(second))).data.status !== "CANCELLED") yield* Effect.sleep("5 millis")
      expect((yield* cancel(second)).data).toEqual({ cancelled: false, simulationRunPlanJobId: second, status: "CANCELLED" })
    }))

  it.scopedLive("a 400, a 401 and a 404 reach the SDK as its own errors, with the emulator's message", () =>
    Effect.gen(function*() {
      const handle = yield* RoarkEmulator.start({ speed: 200, apiKey: key })
      const client = new Roark({ bearerToken: key, baseURL: handle.url, maxRetries: 0 })

      // The body earlier simbridge versions sent.
      const old = { name: "Booked", slug: "booked_check", description: "The agent booked", type: "BOOLEAN" }
      const bad = yield* Effect.flip(sdk(() => client.metric.createDefinition(old as never)))
      expect(bad).toBeInstanceOf(BadRequestError)
      const badRequest = bad as BadRequestError
      expect(badRequest.status).toBe(400)
      expect(badRequest.message).toBe("400 analysisPackageId: is missing; outputType: is missing")
      expect(check(errorBody, badRequest.error, "error")).toEqual([])

      const unauthorized = yield* Effect.flip(sdk(() => new Roark({ bearerToken: "sk-wrong", baseURL: handle.url, maxRetries: 0 }).simulationPersona.list()))
      expect(unauthorized).toBeInstanceOf(AuthenticationError)
      expect((unauthorized as AuthenticationError).message).toBe("401 Invalid or missing API key")
      expect(check(errorBody, (unauthorized as AuthenticationError).error, "error")).toEqual([])

      const missing = yield* Effect.flip(sdk(() => client.simulationRunPlanJob.getByID("00000000-0000-4000-8000-000000000000")))
      expect(missing).toBeInstanceOf(NotFoundError)
      expect((missing as NotFoundError).message).toContain("404 Simulation run plan job 00000000-0000-4000-8000-000000000000 not found")
      expect(check(errorBody, (missing as NotFoundError).error, "error")).toEqual([])
      const noCall = yield* Effect.flip(sdk(() => client.call.getTranscript("00000000-0000-4000-8000-000000000001")))
      expect(noCall).toBeInstanceOf(NotFoundError)
    }))
})
