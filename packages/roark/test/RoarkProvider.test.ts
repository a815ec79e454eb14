import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { describe, expect, it } from "@effect/vitest"
import * as RegistryEntry from "@simbridge/conformance/RegistryEntry"
import { Plan, ProviderRegistry, Provisioning, Retry, SimulationProvider } from "@simbridge/core"
import * as Chunk from "effect/Chunk"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { RoarkClient, RoarkSuite, RoarkProvider, RoarkWire } from "../src/index.js"
import * as RoarkEmulator from "@simbridge/emulators/RoarkEmulator"
import { fixture } from "./helpers.js"

const fastRetry = new Retry.RetryPolicy({ ...Retry.defaultPolicy, initialDelay: Duration.millis(10), maxDelay: Duration.millis(50), maxAttempts: 4 })
const watch = { interval: "5 millis", maxInterval: "50 millis" } as const

const dental = () => Schema.decodeUnknownSync(Plan.Plan)(fixture("dental-clinic.json"))
const withPlan = (patch: Record<string, unknown>) => Schema.decodeUnknownSync(Plan.Plan)({ ...(fixture("dental-clinic.json") as object), ...patch })

/** An emulator and a provider on it, for one test. */
const setup = (options: { readonly apiKey?: string; readonly seed?: number } = {}) =>
  Effect.gen(function*() {
    const handle = yield* RoarkEmulator.start({ speed: 200, ...options })
    const context = yield* Layer.build(RoarkProvider.layer({ baseUrl: handle.url, apiKey: Redacted.make(options.apiKey ?? "k"), retry: fastRetry, watch }))
    return { handle, provider: Context.get(context, SimulationProvider.SimulationProvider), client: Context.get(context, RoarkClient.RoarkClient) }
  })


/** An emulator, a bare driver on it and the example suite provisioned through it. */
const provisioned = Effect.gen(function*() {
  const { client, handle } = yield* setup()
  const driver = yield* RoarkProvider.make().pipe(Effect.provide(RoarkClient.layer({ baseUrl: handle.url, apiKey: Redacted.make("k") })))
  const plan = dental()
  const provisioning = Schema.decodeSync(Provisioning.Provisioning)(yield* driver.provision(plan))
  return { client, handle, driver, plan, provisioning, planId: provisioning.refs["plan"]!.id }
})

const runToEnd = (provider: SimulationProvider.Service, plan: Plan.Plan) =>
  Effect.gen(function*() {
    const run = yield* provider.startRun(plan)
    const snapshots = Chunk.toReadonlyArray(yield* Stream.runCollect(provider.watch(run.ref)))
    const results = Chunk.toReadonlyArray(yield* Stream.runCollect(provider.results(run.ref, { raw: true })))
    return { run, last: snapshots[snapshots.length - 1]!, results }
  })

describe("RoarkProvider", () => {
  it.scopedLive("runs the example suite end to end, mapping personas, plan options and evaluations", () =>
    Effect.gen(function*() {
      const { client, provider } = yield* setup()
      const plan = dental()
      const { last, results, run } = yield* runToEnd(provider, plan)
      // `raw` is the simulation job as its schema reads it (declared fields, in the schema's order).
      const sims = (yield* client.runPlanJobs.get(run.ref.id)).simulationJobs
      for (const r of results) {
        const sim = Schema.decodeUnknownSync(RoarkWire.SimulationJob)(sims.find((s) => s.simulationJobId === r.ref.id))
        expect(JSON.stringify(r.raw)).toBe(JSON.stringify(sim))
      }
      expect(run.ref.toString()).toMatch(/^roark:run:[0-9a-f-]{36}$/)
      expect(run.marker).toMatch(/^sb-/)
      expect(last.status).toEqual({ unified: "completed", raw: "COMPLETED" })
      expect(last.counts.total).toBe(2)
      expect(results.map((r) => [r.scenario, r.persona, r.iteration])).toEqual([
        ["urgent-appointment", "anxious-sarah", 1],
        ["urgent-appointment", "anxious-sarah", 2]
      ])
      for (const r of results) {
        expect(r.status).toEqual({ unified: "completed", raw: "COMPLETED" })
        const booked = r.evaluations.find((e) => e.evaluator === "booked")!
        const polite = r.evaluations.find((e) => e.evaluator === "polite")!
        expect(booked).toMatchObject({ required: true, expected: true })
        expect(typeof booked.actual).toBe("boolean")
        expect(booked.passed).toBe(booked.actual === true)
        expect(polite).toMatchObject({ required: false, expected: 4 })
        expect(polite.passed).toBe((polite.actual as number) >= 4)
        expect(r.verdict).toBe(booked.passed ? "pass" : "fail")
        expect(r.transcript.length).toBeGreaterThan(2)
        expect(r.transcript.map((t) => t.role)).toEqual(r.transcript.map((_, i) => (i % 2 === 0 ? "agent" : "caller")))
        expect(r.transcript[1]!.text).toContain("toothache")
        expect(r.recordingUrl).toMatch(/^https:/)
        expect(r.durationSeconds).toBeGreaterThan(0)
        expect(r.providerMetadata).toMatchObject({ agentEndpointId: "3c2b1a09-8f7e-6d5c-4b3a-291807060504", agentEndpointType: "PHONE", processingStatus: "COMPLETED" })
        expect((r.raw as any).simulationJobId).toBe(r.ref.id)
      }
      expect(last.counts.passed).toBe(results.filter((r) => r.verdict === "pass").length)

      const provisioning = yield* provider.provision(plan)
      const persona = yield* client.personas.get(provisioning.refs[Provisioning.key.persona("anxious-sarah")]!.id)
      expect(persona).toMatchObject({
        name: "Sarah Johnson",
        language: "EN",
        accent: "US",
        gender: "FEMALE",
        baseEmotion: "FRUSTRATED",
        backgroundNoise: "OFFICE",
        backstoryPrompt: "A busy professional calling during lunch break",
        properties: { age: 35, zipCode: "94105" }
      })
      expect(persona.description).toMatch(/^\[simbridge:persona:anxious-sarah:[0-9a-f]{16}\]$/)
      const runPlan = yield* client.runPlans.get(provisioning.refs[Provisioning.key.plan]!.id)
      expect(runPlan).toMatchObject({
        name: "Dental clinic booking",
        direction: "INBOUND",
        iterationCount: 2,
        maxConcurrentJobs: 5,
        maxSimulationDurationSeconds: 300,
        executionMode: "PARALLEL",
        agentEndpoints: [{ id: "3c2b1a09-8f7e-6d5c-4b3a-291807060504" }],
        testCaseCount: 2
      })
      expect(runPlan.scenarios[0]!.variables).toEqual({ patientName: "Sarah" })
      expect(runPlan.metrics).toHaveLength(2)
      const definitions = (yield* client.metrics.listDefinitions()).data
      const booked = definitions.find((d) => d.id === provisioning.refs[Provisioning.key.evaluator("booked")]!.id)!
      expect(booked).toMatchObject({ type: "BOOLEAN", name: "booked" })
      expect(booked.slug ?? booked.metricId).toMatch(/^simbridge_booked_[0-9a-f]{8}_check$/)
      const polite = definitions.find((d) => d.id === provisioning.refs[Provisioning.key.evaluator("polite")]!.id)!
      expect(polite.type).toBe("NUMERIC")
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("provisioning is idempotent and updates what changed in place", () =>
    Effect.gen(function*() {
      const { client, provider } = yield* setup()
      const first = yield* provider.provision(dental())
      expect(first.created).toBe(5)
      const again = yield* provider.provision(dental())
      expect([again.created, again.updated, again.reused]).toEqual([0, 0, 5])

      const changed = withPlan({
        personas: [{ id: "anxious-sarah", name: "Sarah Johnson", emotion: "anxious", speechPace: "super_slow" }],
        scenarios: [{ id: "urgent-appointment", name: "Urgent dental appointment", instructions: "Ask for Friday.", steps: ["Mention the pain"], expectedOutcome: "Booked on Friday", evaluators: ["booked"] }]
      })
      const third = yield* provider.provision(changed)
      // persona, scenario and plan updated in place; evaluators unchanged.
      expect([third.created, third.updated, third.reused]).toEqual([0, 3, 2])
      for (const key of Object.keys(first.refs)) expect(third.refs[key]?.id).toBe(first.refs[key]!.id)
      const persona = yield* client.personas.get(third.refs["persona:anxious-sarah"]!.id)
      expect(persona).toMatchObject({ baseEmotion: "ANXIOUS", speechPace: "SUPER_SLOW" })
      const scenario = yield* client.scenarios.get(third.refs["scenario:urgent-appointment"]!.id)
      expect(scenario.steps.map((s) => [s.type, s.content])).toEqual([
        ["CUSTOMER_TURN", "Ask for Friday."],
        ["CUSTOMER_TURN", "Mention the pain"],
        ["AGENT_TURN", "Booked on Friday"]
      ])

      const evaluatorChanged = withPlan({
        evaluators: [
          { id: "booked", description: "The agent booked an appointment for the caller", type: "boolean", expect: true },
          { id: "polite", description: "Polite, 1-5", type: "number", comparator: ">=", expect: 5, required: false }
        ]
      })
      const fourth = yield* provider.provision(evaluatorChanged)
      // Roark cannot update a metric definition: a changed evaluator gets a new one.
      expect(fourth.refs["evaluator:polite"]!.id).not.toBe(first.refs["evaluator:polite"]!.id)
      expect(fourth.refs["evaluator:booked"]!.id).toBe(first.refs["evaluator:booked"]!.id)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("metric definitions are created with Roark's body inside the suite's analysis package", () =>
    Effect.gen(function*() {
      const { client, provider } = yield* setup()
      const plan = withPlan({
        evaluators: [
          { id: "booked", description: "The agent booked an appointment for the caller", type: "boolean", expect: true },
          { id: "polite", description: "The agent stayed polite throughout", type: "number", comparator: ">=", expect: 4, scale: [1, 5], required: false },
          { id: "turns", description: "How many times the caller repeated themselves", type: "number", comparator: "<=", expect: 2, required: false },
          { id: "slot", description: "The day of the appointment", type: "string", comparator: "contains", expect: "Friday", required: false }
        ]
      })
      const provisioning = yield* provider.provision(plan)
      const definitions = (yield* client.metrics.listDefinitions()).data
      const of = (id: string) => definitions.find((d) => d.id === provisioning.refs[Provisioning.key.evaluator(id)]!.id)!
      expect(of("booked")).toMatchObject({ type: "BOOLEAN", name: "booked", description: "The agent booked an appointment for the caller" })
      expect(of("booked").metricId).toMatch(/^simbridge_booked_[0-9a-f]{8}_check$/)
      expect(of("polite")).toMatchObject({ type: "SCALE" })
      expect(of("turns")).toMatchObject({ type: "NUMERIC" })
      expect(of("slot")).toMatchObject({ type: "TEXT" })
      // Comparator and expected value stay with simbridge: changing them needs no new definition.
      const again = yield* provider.provision(withPlan({
        evaluators: [
          { id: "booked", description: "The agent booked an appointment for the caller", type: "boolean", expect: false },
          { id: "polite", description: "The agent stayed polite throughout", type: "number", comparator: ">", expect: 2, scale: [1, 5], required: false },
          { id: "turns", description: "How many times the caller repeated themselves", type: "number", comparator: "<=", expect: 2, required: false },
          { id: "slot", description: "The day of the appointment", type: "string", comparator: "contains", expect: "Friday", required: false }
        ]
      }))
      for (const id of ["booked", "polite", "turns", "slot"]) expect(again.refs[Provisioning.key.evaluator(id)]!.id).toBe(provisioning.refs[Provisioning.key.evaluator(id)]!.id)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("without vendors.roark.analysisPackageId, an evaluator no metric definition matches fails before anything is sent", () =>
    Effect.gen(function*() {
      const { handle, provider } = yield* setup()
      const withoutPackage = withPlan({ vendors: {} })
      const failed = yield* Effect.flip(provider.provision(withoutPackage))
      expect(failed.reason).toBe("InvalidRequest")
      expect(failed.description).toContain("vendors.roark.analysisPackageId is not set")
      expect(failed.description).toContain(`evaluator "booked" matches no metric definition (by metricId "booked" or name "booked")`)
      expect(failed.description).toContain(`evaluator "polite" matches no metric definition`)
      expect([...handle.requests.byRoute.keys()].filter((route) => !route.startsWith("GET "))).toEqual([])

      // Provisioned once with the package, the definitions are found again without it.
      yield* provider.provision(dental())
      const again = yield* provider.provision(withoutPackage)
      expect(again.reused).toBe(5)
      // A changed evaluator needs a new definition, so the package again.
      const changed = yield* Effect.flip(provider.provision(withPlan({
        vendors: {},
        evaluators: [
          { id: "booked", description: "The agent booked an appointment for the caller on the day asked for", type: "boolean", expect: true },
          { id: "polite", description: "The agent stayed polite throughout, on a 1-5 scale", type: "number", comparator: ">=", expect: 4, required: false }
        ]
      })))
      expect(changed.description).toMatch(/evaluator "booked" changed since its metric definition simbridge_booked_[0-9a-f]{8}_check was created/)
      expect(changed.description).not.toContain(`evaluator "polite"`)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("existing metric definitions are used by metricId or by name, without a package", () =>
    Effect.gen(function*() {
      const { provider } = yield* setup()
      const plan = withPlan({
        vendors: {},
        scenarios: [{ id: "urgent-appointment", name: "Urgent dental appointment", instructions: "Ask for Friday.", evaluators: ["goal_achieved_check", "goal"] }],
        evaluators: [
          { id: "goal_achieved_check", description: "Whether the caller achieved their goal", type: "boolean", expect: true },
          { id: "goal", name: "Goal achieved", description: "Whether the caller achieved their goal", type: "number", comparator: ">=", expect: 1 }
        ]
      })
      const provisioning = yield* provider.provision(plan)
      expect(provisioning.refs[Provisioning.key.evaluator("goal_achieved_check")]!.id).toBe(RoarkEmulator.seeded.exampleId)
      expect(provisioning.refs[Provisioning.key.evaluator("goal")]!.id).toBe(RoarkEmulator.seeded.exampleId)
      // A number evaluator on a BOOLEAN definition is used, with a warning.
      expect(provisioning.warnings.map((w) => [w.code, w.field])).toEqual([["metric_type_mismatch", "evaluators[1]"]])
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("cancel succeeds again on a run it already cancelled, and on a run that ended", () =>
    Effect.gen(function*() {
      const { client, provider } = yield* setup()
      // 20 calls one at a time: still running when it is cancelled.
      const running = yield* provider.startRun(withPlan({ iterations: 20, concurrency: 1 }))
      yield* provider.cancel(running.ref)
      yield* provider.cancel(running.ref)
      const again = yield* client.runPlanJobs.cancel(running.ref.id)
      expect(again.cancelled).toBe(false)
      const { run } = yield* runToEnd(provider, withPlan({ iterations: 1 }))
      yield* provider.cancel(run.ref)
      expect((yield* client.runPlanJobs.cancel(run.ref.id))).toMatchObject({ cancelled: false, status: "COMPLETED" })
      const canceled = Chunk.toReadonlyArray(yield* Stream.runCollect(provider.watch(running.ref)))
      expect(canceled[canceled.length - 1]!.status).toEqual({ unified: "canceled", raw: "CANCELLED" })
      expect((yield* client.runPlanJobs.cancel(running.ref.id))).toMatchObject({ cancelled: false, status: "CANCELLED" })
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("fails with InvalidRequest naming the field when target.roark or vendors.roark is wrong", () =>
    Effect.gen(function*() {
      const { provider } = yield* setup()
      const missing = yield* Effect.flip(provider.provision(withPlan({ target: { vapi: { assistantId: "x" } } })))
      expect(missing.reason).toBe("InvalidRequest")
      expect(missing.description).toBe("target.roark: missing; expected { agentEndpointId: <uuid> }")
      const wrongType = yield* Effect.flip(provider.provision(withPlan({ target: { roark: { agentEndpointId: 42 } } })))
      expect(wrongType.description).toContain("target.roark.agentEndpointId")
      const badOption = yield* Effect.flip(provider.provision(withPlan({ vendors: { roark: { executionMode: "SEQUENTIAL" } } })))
      expect(badOption.reason).toBe("InvalidRequest")
      expect(badOption.description).toContain("vendors.roark.executionMode")
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("warns about OUTBOUND iterations and neutral gender; vendor options reach the run plan", () =>
    Effect.gen(function*() {
      const { client, provider } = yield* setup()
      const plan = withPlan({
        direction: "outbound",
        iterations: 3,
        executionMode: "sequential",
        personas: [{ id: "alex", name: "Alex", gender: "neutral", language: "de" }],
        vendors: { roark: { endCallReasons: ["the caller hung up"], executionMode: "SEQUENTIAL_PROJECT", analysisPackageId: RoarkEmulator.seeded.analysisPackageId } }
      })
      const warnings = yield* provider.check(plan)
      expect(warnings.map((w) => w.code).sort()).toEqual(["iterations_capped", "persona_gender_substituted"])
      const strict = yield* Effect.flip(provider.check(plan, { strict: true }))
      expect(strict.reason).toBe("Unsupported")
      const provisioning = yield* provider.provision(plan)
      const runPlan = yield* client.runPlans.get(provisioning.refs["plan"]!.id)
      expect(runPlan).toMatchObject({ direction: "OUTBOUND", iterationCount: 1, executionMode: "SEQUENTIAL_PROJECT", endCallReasons: ["the caller hung up"] })
      const persona = yield* client.personas.get(provisioning.refs["persona:alex"]!.id)
      expect(persona).toMatchObject({ gender: "FEMALE", language: "DE", accent: "DE" })
      const run = yield* provider.startRun(plan)
      expect(run.warnings.map((w) => w.code)).toContain("iterations_capped")
      yield* provider.cancel(run.ref)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("a failed simulation job gives an error verdict with a failure reason; the run fails", () =>
    Effect.gen(function*() {
      const { provider } = yield* setup()
      const plan = withPlan({ iterations: 1, personas: [{ id: "ghost", name: "Ghost", properties: { emulatorOutcome: "FAILED" } }] })
      const { last, results } = yield* runToEnd(provider, plan)
      expect(last.status).toEqual({ unified: "failed", raw: "FAILED" })
      expect(last.counts).toMatchObject({ total: 1, errored: 1 })
      expect(results[0]).toMatchObject({ verdict: "error", status: { unified: "failed", raw: "FAILED" }, failureReason: { code: "SIMULATION_FAILED" } })
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("another process recovers canonical ids and check metrics from the markers", () =>
    Effect.gen(function*() {
      const { handle, provider } = yield* setup()
      const { run } = yield* runToEnd(provider, dental())
      const fresh = Context.get(
        yield* Layer.build(RoarkProvider.layer({ baseUrl: handle.url, apiKey: Redacted.make("k"), retry: fastRetry, watch })),
        SimulationProvider.SimulationProvider
      )
      const results = Chunk.toReadonlyArray(yield* Stream.runCollect(fresh.results(run.ref)))
      expect(results.map((r) => [r.scenario, r.persona, r.iteration])).toEqual([
        ["urgent-appointment", "anxious-sarah", 1],
        ["urgent-appointment", "anxious-sarah", 2]
      ])
      for (const r of results) {
        const booked = r.evaluations.find((e) => e.evaluator === "booked")!
        expect(booked.required).toBe(true)
        expect(r.verdict).toBe(booked.passed ? "pass" : "fail")
      }
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("findRun recognises a job by the marker variable, and a failed start is retried without a duplicate", () =>
    Effect.gen(function*() {
      const { client, driver, handle, plan, planId, provisioning } = yield* provisioned
      const started = yield* client.runPlanJobs.start(planId, { variables: { [RoarkProvider.markerVariable]: "sb-lost" } })
      const other = yield* client.runPlanJobs.start(planId, {})
      yield* Effect.sleep(Duration.millis(30))
      const found = yield* driver.findRun!({ plan, provisioning, marker: "sb-lost" })
      expect(Option.map(found, (r) => r.ref.id)).toEqual(Option.some(started.simulationRunPlanJobId))
      expect(Option.getOrThrow(found).marker).toBe("sb-lost")
      const none = yield* driver.findRun!({ plan, provisioning, marker: "sb-never-sent" })
      expect(Option.isNone(none)).toBe(true)
      expect(other.simulationRunPlanJobId).not.toBe(started.simulationRunPlanJobId)

      // A 503 on the start is retried (reconciled through findRun) and creates exactly one job.
      const provider = SimulationProvider.make(driver, { retry: fastRetry, watch })
      handle.faults.injectNext({ _tag: "Status", status: 503 }, 1, { method: "POST", path: `/v1/simulation/plan/${planId}/job` })
      const before = (yield* client.runPlanJobs.list({ simulationRunPlanId: planId })).data.length
      const run = yield* provider.startRun(plan, { provisioning })
      const after = (yield* client.runPlanJobs.list({ simulationRunPlanId: planId })).data
      expect(after.length).toBe(before + 1)
      expect(after[0]!.simulationRunPlanJobId).toBe(run.ref.id)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("findRun keeps what it read across retries: a failed read does not make it read every job again", () =>
    Effect.gen(function*() {
      const { client, driver, handle, plan, planId, provisioning } = yield* provisioned
      // The marker's job is the oldest, so every other job is read before it.
      const ours = yield* client.runPlanJobs.start(planId, { variables: { [RoarkProvider.markerVariable]: "sb-deep" } })
      const others = yield* Effect.forEach([1, 2, 3, 4, 5], (i) => client.runPlanJobs.start(planId, { variables: { n: String(i) } }))
      yield* Effect.sleep(Duration.millis(100))
      // One 429 on each other job's detail: each attempt of the retry loop gets one job further.
      for (const o of others) {
        handle.faults.injectNext({ _tag: "Status", status: 429 }, 1, { method: "GET", path: `/v1/simulation/plan/job/${o.simulationRunPlanJobId}` })
      }
      handle.requests.reset()
      const policy = new Retry.RetryPolicy({ ...fastRetry, maxAttempts: 8 })
      const found = yield* driver.findRun!({ plan, provisioning, marker: "sb-deep" }).pipe(Retry.retry(policy))
      expect(Option.map(found, (r) => r.ref.id)).toEqual(Option.some(ours.simulationRunPlanJobId))
      // 5 refused + 5 read once + ours. Reading from the start on every attempt would take 21.
      expect(handle.requests.count("GET /v1/simulation/plan/job/:id")).toBe(11)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.effect("the plugin names the provider, its env and schemas", () =>
    Effect.gen(function*() {
      const plugin = RoarkSuite.plugin
      expect(plugin.name).toBe("roark")
      expect(plugin.env).toEqual(["ROARK_API_KEY", "ROARK_API_BEARER_TOKEN", "ROARK_BASE_URL"])
      expect(Schema.decodeUnknownSync(plugin.targetSchema!)({ agentEndpointId: "3c2b1a09-8f7e-6d5c-4b3a-291807060504" })).toBeDefined()
      expect(() => Schema.decodeUnknownSync(plugin.targetSchema!)({})).toThrow()
      expect(Schema.decodeUnknownSync(plugin.optionsSchema!)({})).toEqual({})
      expect(plugin.capabilities.transports).toEqual(["voice"])
      expect(plugin.capabilities.cancelRun).toBe(true)
      const registry = ProviderRegistry.make([plugin])
      expect((yield* registry.get("roark")).displayName).toBe("Roark")
    }))

  it.scopedLive("the plugin builds the driver from explicit settings and from the environment", () =>
    Effect.gen(function*() {
      const handle = yield* RoarkEmulator.start({ speed: 200, apiKey: "sk-env" })
      yield* RegistryEntry.check({
        plugin: RoarkSuite.plugin,
        baseUrl: handle.url,
        apiKey: "sk-env",
        env: (baseUrl, apiKey) => ({ ROARK_API_KEY: apiKey, ROARK_BASE_URL: baseUrl }),
        plan: dental()
      })
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("layerConfig reads ROARK_API_BEARER_TOKEN when ROARK_API_KEY is unset, and ROARK_BASE_URL", () =>
    Effect.gen(function*() {
      const handle = yield* RoarkEmulator.start({ speed: 200, apiKey: "sk-env" })
      const context = yield* Layer.build(RoarkProvider.layerConfig).pipe(
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["ROARK_API_BEARER_TOKEN", "sk-env"], ["ROARK_BASE_URL", handle.url]])))
      )
      const client = Context.get(context, RoarkClient.RoarkClient)
      const page = yield* client.personas.list({ limit: 1 })
      expect(page.data).toHaveLength(1)
      const missing = yield* Effect.flip(Layer.build(RoarkProvider.layerConfig).pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map()))))
      expect(String(missing)).toContain("ROARK_API_BEARER_TOKEN")
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))
})
