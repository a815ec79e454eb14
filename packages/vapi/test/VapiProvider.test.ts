import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { describe, expect, it } from "@effect/vitest"
import * as RegistryEntry from "@simbridge/conformance/RegistryEntry"
import { Plan, Retry, SimulationProvider } from "@simbridge/core"
import * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { VapiClient, VapiSuite, VapiProvider } from "@simbridge/vapi"
import * as VapiEmulator from "@simbridge/emulators/VapiEmulator"
import { label, parseLabel } from "../src/internal/requests.js"
import { dentalClinic, dentalPlan } from "./fixtures.js"

const fastRetry = new Retry.RetryPolicy({ ...Retry.defaultPolicy, initialDelay: Duration.millis(10), maxDelay: Duration.millis(50), maxAttempts: 4 })

const withProvider = (options: VapiEmulator.Options = {}) =>
  Effect.gen(function*() {
    const handle = yield* VapiEmulator.start({ speed: 200, ...options })
    const context = yield* Layer.build(
      VapiProvider.layer({ baseUrl: handle.url, apiKey: Redacted.make("sk-test"), retry: fastRetry, watch: { interval: "10 millis", maxInterval: "50 millis" } })
    )
    const provider = yield* Effect.provide(SimulationProvider.SimulationProvider, context)
    const client = yield* Effect.provide(VapiClient.VapiClient, context)
    return { handle, provider, client }
  })

const decode = Schema.decodeUnknownSync(Plan.Plan)

describe("VapiProvider", () => {
  it.scopedLive("runs the example suite end to end with canonical ids, evaluations and warnings", () =>
    Effect.gen(function*() {
      const { provider, client } = yield* withProvider({ seed: 1 })
      const run = yield* provider.startRun(dentalPlan)
      expect(run.ref.toString()).toMatch(/^vapi:run:[0-9a-f-]{36}$/)
      expect(run.marker).toMatch(/^sb-/)
      expect(run.warnings.map((w) => w.code)).toEqual(expect.arrayContaining(["unsupported_concurrency", "persona_attributes_not_native"]))
      const snapshots = Chunk.toReadonlyArray(yield* Stream.runCollect(provider.watch(run.ref)))
      const last = snapshots[snapshots.length - 1]!
      expect(last.status).toMatchObject({ unified: "completed", raw: "ended" })
      expect(last.counts.total).toBe(2)
      const results = Chunk.toReadonlyArray(yield* Stream.runCollect(provider.results(run.ref)))
      expect(results.map((r) => [r.scenario, r.persona, r.iteration])).toEqual([
        ["urgent-appointment", "anxious-sarah", 1],
        ["urgent-appointment", "anxious-sarah", 2]
      ])
      for (const r of results) {
        expect(r.evaluations.map((e) => [e.evaluator, e.required])).toEqual([["booked", true], ["polite", false]])
        expect(r.verdict).toBe(r.evaluations[0]!.passed ? "pass" : "fail")
        expect(r.transcript[0]).toMatchObject({ role: "agent" })
        expect(r.transcript.some((t) => t.role === "caller")).toBe(true)
        expect(r.recordingUrl).toContain(String(r.providerMetadata?.callId))
        expect(r.latency?.averageMs).toBeGreaterThan(0)
      }
      // What was provisioned: the persona rendered into the tester's prompt, the evaluators inline.
      const scenario = (yield* client.scenarios.listAll()).find((s) => s.name.startsWith("sb:urgent-appointment "))!
      expect(scenario.evaluations?.map((e) => [e.structuredOutput?.name, e.comparator, e.value, e.required])).toEqual([["booked", "=", true, true], ["polite", ">=", 4, false]])
      expect(scenario.targetOverrides).toEqual({ variableValues: { patientName: "Sarah" }, maxDurationSeconds: 300 })
      const personality = (yield* client.personalities.listAll()).find((p) => p.name.startsWith("sb:anxious-sarah "))!
      expect(JSON.stringify(personality.assistant)).toContain("Sarah Johnson")
      expect(JSON.stringify(personality.assistant)).toContain("frustrated")
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("provisioning is idempotent and updates what changed", () =>
    Effect.gen(function*() {
      const { provider, client } = yield* withProvider()
      const first = yield* provider.provision(dentalPlan)
      expect([first.created, first.updated, first.reused]).toEqual([4, 0, 0])
      expect(Object.keys(first.refs).sort()).toEqual([
        "evaluator:booked", "evaluator:polite", "persona:anxious-sarah", "plan", "scenario:urgent-appointment", "simulation:urgent-appointment/anxious-sarah"
      ])
      const again = yield* provider.provision(dentalPlan)
      expect([again.created, again.updated, again.reused]).toEqual([0, 0, 4])
      const changed = decode({ ...dentalClinic, scenarios: [{ ...dentalClinic.scenarios[0], instructions: "You need an appointment today." }] })
      const third = yield* provider.provision(changed)
      expect([third.created, third.updated, third.reused]).toEqual([0, 1, 3])
      expect(third.refs["scenario:urgent-appointment"]!.id).toBe(first.refs["scenario:urgent-appointment"]!.id)
      const scenarios = (yield* client.scenarios.listAll()).filter((s) => s.name.startsWith("sb:"))
      expect(scenarios).toHaveLength(1)
      expect(scenarios[0]!.instructions).toBe("You need an appointment today.")
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("a chat plan runs on webchat; results carry the sessionId", () =>
    Effect.gen(function*() {
      const { provider } = yield* withProvider()
      const run = yield* provider.startRun(decode({ ...dentalClinic, transport: "chat", iterations: 1 }))
      yield* Stream.runDrain(provider.watch(run.ref))
      const [result] = Chunk.toReadonlyArray(yield* Stream.runCollect(provider.results(run.ref)))
      expect(result!.providerMetadata?.sessionId).toMatch(/^[0-9a-f-]{36}$/)
      expect(result!.providerMetadata?.callId).toBeUndefined()
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("the driver's memory stays within its bounds, and results past them keep their canonical ids", () =>
    Effect.gen(function*() {
      const handle = yield* VapiEmulator.start({ speed: 200 })
      const context = yield* Layer.build(VapiClient.layer({ baseUrl: handle.url, apiKey: Redacted.make("sk-test") }))
      const driver = yield* Effect.provide(VapiProvider.make({ maxCanonicalIds: 1, maxTrackedRuns: 1, maxStartingRuns: 1 }), context)
      const provider = SimulationProvider.make(driver, { retry: fastRetry })
      const plan = decode({
        ...dentalClinic,
        iterations: 1,
        personas: [...dentalClinic.personas, { id: "calm-tom", name: "Tom Baker", language: "en" }],
        scenarios: [...dentalClinic.scenarios, { id: "cleaning", name: "Routine cleaning", instructions: "Book a cleaning.", evaluators: ["booked"] }]
      })
      const runs = [yield* provider.startRun(plan), yield* provider.startRun(plan)]
      expect(driver.memory()).toEqual({ tracked: 1, slots: 1, scenarios: 1, personas: 1, evaluators: 1, attempts: 0 })
      yield* provider.followAll(runs, () => Effect.void, { interval: "10 millis", maxInterval: "50 millis" })
      expect(driver.memory().tracked).toBe(0)
      for (const run of runs) {
        const results = yield* SimulationProvider.readResults(provider, run.ref)
        expect(results.map((r) => `${r.scenario}/${r.persona}`).sort()).toEqual([
          "cleaning/anxious-sarah",
          "cleaning/calm-tom",
          "urgent-appointment/anxious-sarah",
          "urgent-appointment/calm-tom"
        ])
        expect(results.flatMap((r) => r.evaluations.map((e) => e.evaluator)).sort()).toEqual(["booked", "booked", "booked", "booked", "polite", "polite"])
      }
      expect(driver.memory()).toMatchObject({ slots: 1, scenarios: 1, personas: 1, evaluators: 1 })
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("a missing or invalid target fails as InvalidRequest naming the field", () =>
    Effect.gen(function*() {
      const { provider } = yield* withProvider()
      const missing = yield* provider.provision(decode({ ...dentalClinic, target: { roark: { agentEndpointId: "x" } } })).pipe(Effect.flip)
      expect(missing.reason).toBe("InvalidRequest")
      expect(missing.description).toBe("target.vapi: missing; expected { assistantId: <uuid> } or { squadId: <uuid> }")
      const bad = yield* provider.provision(decode({ ...dentalClinic, target: { vapi: { assistantId: "nope" } } })).pipe(Effect.flip)
      expect(bad.description).toContain("target.vapi.assistantId: expected a Vapi UUID")
      const option = yield* provider.provision(decode({ ...dentalClinic, vendors: { vapi: { folder: "a/b/c/d" } } })).pipe(Effect.flip)
      expect(option.description).toContain("vendors.vapi.folder")
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("billing failure is QuotaExhausted and is not retried", () =>
    Effect.gen(function*() {
      const { provider, handle } = yield* withProvider({ billingFailure: "billing_limit" })
      const error = yield* provider.startRun(dentalPlan).pipe(Effect.flip)
      expect(error.reason).toBe("QuotaExhausted")
      expect(error.description).toContain("billing_limit")
      expect(handle.requests.count("POST /eval/simulation/run")).toBe(1)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("a run creation cut off after the request is reconciled by marker, never duplicated", () =>
    Effect.gen(function*() {
      const { provider, client, handle } = yield* withProvider()
      yield* provider.provision(dentalPlan)
      // A 503 on POST leaves the outcome unknown: core asks findRun before trying again.
      handle.faults.injectNext({ _tag: "Status", status: 503 }, 1, { method: "POST", path: "/eval/simulation/run" })
      const run = yield* provider.startRun(dentalPlan, { marker: "sb-test-0000beef" })
      expect(run.marker).toBe("sb-test-0000beef")
      expect(handle.requests.count("GET /eval/simulation/run")).toBeGreaterThan(0)
      const runs = (yield* client.runs.list()).items
      expect(runs).toHaveLength(1)
      expect(runs[0]!.id).toBe(run.ref.id)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("the plugin builds the driver from explicit settings and from the environment", () =>
    Effect.gen(function*() {
      const handle = yield* VapiEmulator.start({ speed: 200, apiKey: "sk-env" })
      yield* RegistryEntry.check({
        plugin: VapiSuite.plugin,
        baseUrl: handle.url,
        apiKey: "sk-env",
        env: (baseUrl, apiKey) => ({ VAPI_API_KEY: apiKey, VAPI_BASE_URL: baseUrl }),
        plan: dentalPlan
      })
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it("the plugin exposes the names the CLI relies on", () => {
    expect(VapiSuite.plugin.name).toBe("vapi")
    expect(VapiSuite.plugin.env).toEqual(["VAPI_API_KEY", "VAPI_BASE_URL"])
    expect(Schema.decodeUnknownSync(VapiSuite.plugin.optionsSchema!)({})).toEqual({})
    expect(() => Schema.decodeUnknownSync(VapiSuite.plugin.targetSchema!)({})).toThrow(/assistantId/)
    expect(() => Schema.decodeUnknownSync(VapiSuite.plugin.optionsSchema!)({ folder: "a/b/c/d" })).toThrow(/at most 3 segments/)
    expect(parseLabel(label("anxious-sarah", "0123456789abcdef"))).toEqual({ id: "anxious-sarah", hash: "0123456789ab" })
    expect(label("x".repeat(128), "0123456789abcdef").length).toBeLessThanOrEqual(80)
  })
})
