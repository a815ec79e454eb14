/**
 * Each emulator's transcripts are about the suite's own scenario, voiced by its own persona: a
 * pizza suite gets pizza conversations (nothing of the dental example), whose endings agree with
 * the call's judged outcome and whose last turn ends at the call's duration.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { describe, expect, it } from "@effect/vitest"
import * as CekuraEmulator from "@simbridge/emulators/CekuraEmulator"
import * as InteractlyEmulator from "@simbridge/emulators/InteractlyEmulator"
import * as RoarkEmulator from "@simbridge/emulators/RoarkEmulator"
import * as VapiEmulator from "@simbridge/emulators/VapiEmulator"
import * as Effect from "effect/Effect"

/** A JSON request with the given auth header; the answer's status and JSON body. */
const call = (url: string, headers: Record<string, string>, method: "GET" | "POST", path: string, body?: unknown) =>
  Effect.gen(function*() {
    const client = yield* HttpClient.HttpClient
    let request = HttpClientRequest.make(method)(`${url}${path}`).pipe(HttpClientRequest.setHeaders(headers))
    if (body !== undefined) request = HttpClientRequest.bodyUnsafeJson(request, body)
    const response = yield* client.execute(request)
    return { status: response.status, body: (yield* response.json) as any }
  }).pipe(Effect.scoped)

const until = <A, E, R>(poll: Effect.Effect<A, E, R>, done: (a: A) => boolean) =>
  Effect.gen(function*() {
    for (let i = 0; i < 3000; i++) {
      const a = yield* poll
      if (done(a)) return a
      yield* Effect.sleep("5 millis")
    }
    return yield* Effect.die("never reached")
  })

const notDental = /dental|tooth|appointment|Sarah/i

describe("emulated conversations of a non-dental suite", () => {
  it.scopedLive("Roark: the call's transcript is the pizza order, ending as its yes/no metric says, lasting the call", () =>
    Effect.gen(function*() {
      const { url } = yield* RoarkEmulator.start({ speed: 200, seed: 5 })
      const roark = (method: "GET" | "POST", path: string, body?: unknown) => call(url, { authorization: "Bearer k" }, method, path, body)
      const agent = (yield* roark("POST", "/v1/agent", { name: "Pizza Palace" })).body.data
      const endpoint = (yield* roark("POST", "/v1/agent/endpoint", { agentId: agent.id, direction: "INCOMING", value: "+15555550199" })).body.data
      const persona = yield* roark("POST", "/v1/persona", { name: "Marco Rossi", language: "EN", accent: "US", gender: "MALE", baseEmotion: "RUSHED" })
      const scenario = yield* roark("POST", "/v1/simulation/scenario", {
        name: "Pizza delivery order",
        steps: [
          { type: "CUSTOMER_TURN", content: "Order a large pepperoni pizza for delivery to {{address}}." },
          { type: "CUSTOMER_TURN", content: "Ask for extra garlic bread." }
        ]
      })
      const metric = yield* roark("POST", "/v1/metric/definitions", {
        analysisPackageId: RoarkEmulator.seeded.analysisPackageId,
        name: "Order confirmed",
        outputType: "BOOLEAN",
        llmPrompt: "The agent confirmed the pizza order",
        booleanTrueLabel: "true",
        booleanFalseLabel: "false"
      })
      const plan = yield* roark("POST", "/v1/simulation/plan", {
        name: "Pizza",
        direction: "INBOUND",
        maxSimulationDurationSeconds: 600,
        agentEndpoints: [{ id: endpoint.id }],
        personas: [{ id: persona.body.data.id }],
        scenarios: [{ id: scenario.body.data.id, variables: { address: "42 Elm Street" } }],
        metrics: [{ id: metric.body.data.id }],
        iterationCount: 10
      })
      const job = (yield* roark("POST", `/v1/simulation/plan/${plan.body.data.runPlan.id}/job`, {})).body.data.simulationRunPlanJobId
      const done = yield* until(roark("GET", `/v1/simulation/plan/job/${job}`), (r) => r.body.data.status === "COMPLETED")
      const outcomes = new Set<boolean>()
      for (const sim of done.body.data.simulationJobs as ReadonlyArray<{ callId: string }>) {
        const entries: ReadonlyArray<{ role: string; text: string; startOffsetMs: number; endOffsetMs: number }> = (yield* roark("GET", `/v1/call/${sim.callId}/transcript`)).body.data.entries
        const callBody = (yield* roark("GET", `/v1/call/${sim.callId}`)).body.data
        const confirmed = (yield* roark("GET", `/v1/call/${sim.callId}/metrics`)).body.data[0].values[0].value as boolean
        outcomes.add(confirmed)
        const customer = entries.filter((e) => e.role === "CUSTOMER").map((e) => e.text).join(" ")
        const said = entries.filter((e) => e.role === "AGENT").map((e) => e.text).join(" ")
        expect(customer).toContain("this is Marco Rossi, I'm in a hurry.")
        expect(customer).toContain("I'd like to order a large pepperoni pizza for delivery to 42 Elm Street.")
        expect(customer).toContain("Could I get extra garlic bread?")
        expect(said).toContain("Thank you for calling Pizza Palace.")
        expect(said).toContain("your pizza delivery order")
        expect(entries.map((e) => e.text).join(" ")).not.toMatch(notDental)
        expect(said.includes("I have confirmed the pizza order")).toBe(confirmed)
        expect(entries[entries.length - 1]!.endOffsetMs).toBe(callBody.durationMs)
      }
      // Both endings occur over the iterations, so both were checked.
      expect([...outcomes].sort()).toEqual([false, true])
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("Cekura: the run's transcript is the pizza order, ending as its expected outcome was judged, within its duration", () =>
    Effect.gen(function*() {
      const { url } = yield* CekuraEmulator.start({ speed: 200, seed: 5, missRate: 0.5 })
      const cekura = (method: "GET" | "POST", path: string, body?: unknown) => call(url, { "x-cekura-api-key": "k" }, method, `/test_framework/v1${path}`, body)
      const agent = (yield* cekura("POST", "/aiagents/", { agent_name: "Pizza Palace", description: "Takes pizza orders", inbound: true })).body
      const personality = (yield* cekura("POST", "/personalities/", {
        name: "Marco Rossi [sb-persona:marco#abc]",
        prompt: "You are Marco Rossi, the caller.\nYou speak en.\nYour mood is rushed.",
        language: "en",
        background_noise: "none",
        voice_model: "eleven_turbo_v2_5"
      })).body
      const profile = (yield* cekura("POST", "/test-profiles/", { agent: agent.id, name: "marco", information: { address: "42 Elm Street" } })).body
      const scenario = (yield* cekura("POST", "/scenarios/", {
        name: "Pizza delivery order / Marco Rossi",
        agent: agent.id,
        personality: personality.id,
        instructions: "Order a large pepperoni pizza for delivery to {{address}}.\n\nSteps:\n1. Ask for extra garlic bread.\n\nCaller persona:\nYou are Marco Rossi, the caller.\nYou speak en.\nYour mood is rushed.",
        expected_outcome_prompt: "[confirmed] The agent confirmed the pizza order",
        test_profile: profile.id
      })).body
      const result = (yield* cekura("POST", "/scenarios/run_scenarios/", { agent_id: agent.id, scenarios: [scenario.id], frequency: 6 })).body
      yield* until(cekura("GET", `/results/${result.id}/`), (r) => r.body.status === "completed")
      const outcomes = new Set<boolean>()
      for (const { id } of result.runs as ReadonlyArray<{ id: number }>) {
        const run = (yield* cekura("GET", `/runs/${id}/`)).body
        if (run.status !== "completed") continue
        const turns: ReadonlyArray<{ role: string; content: string; timestamp: number }> = run.transcript_object
        const confirmed = run.expected_outcome.outcome_alignments[0].aligned as boolean
        outcomes.add(confirmed)
        const caller = turns.filter((t) => t.role === "Testing Agent").map((t) => t.content).join(" ")
        const main = turns.filter((t) => t.role === "Main Agent").map((t) => t.content).join(" ")
        expect(main).toContain("Thank you for calling Pizza Palace.")
        expect(caller).toContain("this is Marco Rossi, I'm in a hurry.")
        expect(caller).toContain("I'd like to order a large pepperoni pizza for delivery to 42 Elm Street.")
        expect(caller).toContain("Could I get extra garlic bread?")
        expect(run.transcript).not.toMatch(notDental)
        expect(main.includes("I have confirmed the pizza order")).toBe(confirmed)
        const [mm, ss] = (run.duration as string).split(":").map(Number)
        expect(turns[turns.length - 1]!.timestamp).toBeLessThan(mm! * 60 + ss! + 0.5)
      }
      expect([...outcomes].sort()).toEqual([false, true])
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("Interactly: the workflow run's events are the pizza order, ending as its first criterion (booked) scored, ending at the conversation's end", () =>
    Effect.gen(function*() {
      const { url } = yield* InteractlyEmulator.start({ speed: 200, seed: 5 })
      const interactly = (method: "GET" | "POST", path: string, body?: unknown) => call(url, { authorization: "Bearer k" }, method, path, body)
      // A seeded workflow under test (its id keys the outcomes, so they are the same on every run), named for this suite.
      const target = InteractlyEmulator.seededWorkflows[0]!
      const caller = (yield* interactly("POST", "/v1/workflows", { name: "Caller" })).body.workflow
      const sim = (yield* interactly("POST", "/v1/simulations", {
        name: "pizza",
        number_of_simulations: 6,
        max_concurrent_runs: 6,
        selected_workflow: { workflow_id: target.id, name: "Pizza Palace" },
        counter_workflow: {
          workflow_id: caller._id,
          dynamic_variables: {
            persona_name: "Marco Rossi",
            persona_emotion: "rushed",
            scenario_name: "Pizza delivery order",
            scenario_instructions: "Order a large pepperoni pizza for delivery to {{address}}.\nFollow these steps in order:\n1. Ask for extra garlic bread.",
            address: "42 Elm Street"
          }
        }
      })).body.simulation
      const group = (yield* interactly("POST", `/v1/simulations/${sim._id}/run`, {})).body.simulation_group
      yield* until(interactly("GET", `/v1/simulation-runs/${group._id}`), (r) => ["completed", "failed"].includes(r.body.simulation_group?.status ?? r.body.status))
      const executions = (yield* interactly("GET", `/v1/simulation-runs/${group._id}/executions?page=1&size=10`)).body.individual_runs as ReadonlyArray<{ selected_workflow_run_id: string }>
      expect(executions).toHaveLength(6)
      const outcomes = new Set<boolean>()
      for (const e of executions) {
        const run = (yield* interactly("GET", `/v1/workflow-runs/${e.selected_workflow_run_id}`)).body.workflow_run.workflow_run
        const pair = run.input_output_pairs[0]
        const events: ReadonlyArray<any> = pair.run_output.events
        const confirmed = (pair.evaluation.details.metrics as ReadonlyArray<{ metric_name: string; passed: boolean }>).find((m) => m.metric_name === "booked")!.passed
        outcomes.add(confirmed)
        const said = (type: string) => events.filter((x) => x.type === type).map((x) => x.content ?? x.message?.content ?? x.messages?.[0]?.content).join(" ")
        const agent = `${said("say_static")} ${said("assistant_response")}`
        const callerSaid = said("user_messages")
        expect(agent).toContain("Thank you for calling Pizza Palace.")
        expect(callerSaid).toContain("this is Marco Rossi, I'm in a hurry.")
        expect(callerSaid).toContain("I'd like to order a large pepperoni pizza for delivery to 42 Elm Street.")
        expect(callerSaid).toContain("Could I get extra garlic bread?")
        expect(`${agent} ${callerSaid}`).not.toMatch(notDental)
        expect(agent.includes("I have booked that for you.")).toBe(confirmed)
        // The conversation's events lie between the node's start and its end.
        const times = events.map((x) => x.timestamp as number)
        expect(events[events.length - 1].type).toBe("end_node_run")
        expect(Math.max(...times.slice(0, -1))).toBeLessThan(times[times.length - 1]!)
      }
      expect([...outcomes].sort()).toEqual([false, true])
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("Vapi: a suite's finished item has the pizza order as its call, ending as its evaluation came out, within the item's span", () =>
    Effect.gen(function*() {
      const { url } = yield* VapiEmulator.start({ speed: 200, seed: 5 })
      const vapi = (method: "GET" | "POST", path: string, body?: unknown) => call(url, { authorization: "Bearer k" }, method, path, body)
      // The tester prompt is the prose simbridge writes for a persona (`Persona.describe`).
      const personality = (yield* vapi("POST", "/eval/simulation/personality", {
        name: "Marco Rossi",
        assistant: { model: { provider: "openai", model: "gpt-4o", messages: [{ role: "system", content: "You are Marco Rossi, the caller.\nYou speak en.\nYour mood is rushed." }] } }
      })).body
      const scenario = (yield* vapi("POST", "/eval/simulation/scenario", {
        name: "Pizza delivery order",
        instructions: "Order a large pepperoni pizza for delivery to {{address}}.\n\nFollow these steps in order:\nAsk for extra garlic bread.",
        targetOverrides: { variableValues: { address: "42 Elm Street" } },
        evaluations: [{
          structuredOutput: { name: "confirmed", description: "The agent confirmed the pizza order", schema: { type: "boolean" } },
          comparator: "=",
          value: true
        }]
      })).body
      const simulation = (yield* vapi("POST", "/eval/simulation", { scenarioId: scenario.id, personalityId: personality.id })).body
      const suite = (yield* vapi("POST", "/eval/simulation/suite", { name: "Pizza", simulationIds: [simulation.id] })).body
      const run = (yield* vapi("POST", "/eval/simulation/run", {
        simulations: [{ type: "simulationSuite", simulationSuiteId: suite.id }],
        target: { type: "assistant", assistantId: "6f0c2b1e-5d4a-4c3b-9a8f-7e6d5c4b3a21" },
        iterations: 10
      })).body
      yield* until(vapi("GET", `/eval/simulation/run/${run.id}`), (r) => r.body.status === "ended")
      const items: ReadonlyArray<any> = (yield* vapi("GET", `/eval/simulation/run/${run.id}/item?limit=100`)).body
      expect(items).toHaveLength(10)
      const outcomes = new Set<boolean>()
      for (const item of items) {
        const messages: ReadonlyArray<{ role: string; content: string; secondsFromStart: number }> = item.metadata.call.messages
        const confirmed = item.results.evaluations[0].extractedValue as boolean
        outcomes.add(confirmed)
        const caller = messages.filter((m) => m.role === "user").map((m) => m.content).join(" ")
        const said = messages.filter((m) => m.role === "assistant").map((m) => m.content).join(" ")
        expect(caller).toContain("this is Marco Rossi, I'm in a hurry.")
        expect(caller).toContain("I'd like to order a large pepperoni pizza for delivery to 42 Elm Street.")
        expect(caller).toContain("Could I get extra garlic bread?")
        expect(said).toContain("your pizza delivery order")
        expect(item.metadata.call.transcript).not.toMatch(notDental)
        expect(said.includes("I have confirmed the pizza order")).toBe(confirmed)
        // The last turn starts inside the item's span (its talking window comes first in it).
        const span = Date.parse(item.completedAt) - Date.parse(item.startedAt)
        const last = messages[messages.length - 1]!.secondsFromStart * 1000
        expect(last).toBeGreaterThan(0)
        expect(last).toBeLessThanOrEqual(span)
      }
      expect([...outcomes].sort()).toEqual([false, true])
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))
})
