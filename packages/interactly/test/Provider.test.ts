import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { describe, expect, it, layer } from "@effect/vitest"
import * as RegistryEntry from "@simbridge/conformance/RegistryEntry"
import { Plan, ProviderRef, Retry, SimulationProvider } from "@simbridge/core"
import * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as InteractlyClient from "../src/InteractlyClient.js"
import * as InteractlyEmulator from "@simbridge/emulators/InteractlyEmulator"
import * as InteractlySuite from "../src/InteractlySuite.js"
import * as InteractlyProvider from "../src/InteractlyProvider.js"
import { dentalClinic } from "./fixtures/dentalClinic.js"

const fastRetry = new Retry.RetryPolicy({ ...Retry.defaultPolicy, initialDelay: Duration.millis(10), maxDelay: Duration.millis(50), maxAttempts: 4 })
const watch = { interval: "10 millis", maxInterval: "50 millis" } as const

const decode = (overrides: Record<string, unknown> = {}) => Schema.decodeUnknownSync(Plan.Plan)({ ...dentalClinic, ...overrides })

/** An emulator and the provider (plus its client) configured for it. */
const setup = (options: { readonly pageSize?: number; readonly speed?: number } = {}) =>
  Effect.gen(function*() {
    const handle = yield* InteractlyEmulator.start({ speed: options.speed ?? 200, seed: 5 })
    const context = yield* Layer.build(
      InteractlyProvider.layer({ baseUrl: handle.url, apiKey: Redacted.make("sk-test"), retry: fastRetry, watch, pageSize: options.pageSize })
    )
    const provider = yield* Effect.provide(SimulationProvider.SimulationProvider, context)
    const client = yield* Effect.provide(InteractlyClient.InteractlyClient, context)
    return { handle, provider, client }
  })

const runToEnd = (provider: SimulationProvider.Service, plan: Plan.Plan) =>
  Effect.gen(function*() {
    const run = yield* provider.startRun(plan)
    const snapshots = Chunk.toReadonlyArray(yield* Stream.runCollect(provider.watch(run.ref)))
    const results = Chunk.toReadonlyArray(yield* Stream.runCollect(provider.results(run.ref, { raw: true })))
    return { run, last: snapshots[snapshots.length - 1]!, results }
  })

layer(NodeHttpClient.layerUndici, { excludeTestServices: true, timeout: 30_000 })("InteractlyProvider", (it) => {
  it.scoped("runs the example suite end to end", () =>
    Effect.gen(function*() {
      const { provider, client } = yield* setup()
      const plan = decode()
      const { run, last, results } = yield* runToEnd(provider, plan)
      const codes = run.warnings.map((w) => w.code)
      expect(codes).toEqual(expect.arrayContaining(["unsupported_transport", "persona_attributes_not_native", "evaluators_as_workflow_metrics", "caller_workflow_managed"]))
      expect(run.ref.id).toMatch(/^[0-9a-f]{24}$/)
      expect(last.status).toMatchObject({ unified: "completed", raw: "completed" })
      expect(last.counts).toMatchObject({ total: 2, queued: 0, running: 0, errored: 0, skipped: 0 })
      expect(results.map((r) => [r.scenario, r.persona, r.iteration])).toEqual([
        ["urgent-appointment", "anxious-sarah", 1],
        ["urgent-appointment", "anxious-sarah", 2]
      ])
      for (const r of results) {
        const booked = r.evaluations.find((e) => e.evaluator === "booked")!
        const polite = r.evaluations.find((e) => e.evaluator === "polite")!
        expect(booked).toMatchObject({ required: true, expected: true })
        expect(typeof booked.actual).toBe("boolean")
        expect(polite).toMatchObject({ required: false, expected: 4 })
        expect(typeof polite.actual).toBe("number")
        // Required evaluators decide: a failing optional metric does not fail the result.
        expect(r.verdict).toBe(booked.passed ? "pass" : "fail")
        expect(r.providerMetadata?.vendorPassed).toBe((r.raw as any).evaluation.passed)
        expect(r.providerMetadata?.evaluationSource).toBe("evaluation-result")
        expect(r.transcript[0]).toMatchObject({ role: "agent" })
        expect(r.transcript.find((t) => t.role === "caller")?.text).toContain("bad toothache")
        expect(r.transcript.some((t) => t.text.includes("Sarah Johnson"))).toBe(true)
        expect(r.latency?.averageMs).toBeGreaterThan(0)
        expect(r.durationSeconds).toBeGreaterThan(0)
        expect(r.providerMetadata?.simulationGroupId).toBe(run.ref.id)
      }
      expect(last.counts.passed).toBe(results.filter((r) => r.verdict === "pass").length)
      expect(last.counts.failed).toBe(results.filter((r) => r.verdict === "fail").length)

      // What reached Interactly.
      const group = yield* client.getSimulationRun(run.ref.id)
      expect(group.runner_name).toBe(run.marker)
      const sim = yield* client.getSimulation(group.simulation_config_id!)
      expect(sim.simulation_config).toMatchObject({
        timeout_seconds: 300,
        number_of_simulations: 2,
        max_concurrent_runs: 5,
        assistant_starts_first: true,
        selected_workflow: { workflow_id: "5eb7cf5a86d9755df3a6c593" }
      })
      expect(sim.simulation_config.logical_id).toMatch(/^simbridge\/5eb7cf5a86d9755df3a6c593\/urgent-appointment\/anxious-sarah\/[0-9a-f]{16}$/)
      expect(sim.simulation_config.counter_workflow?.dynamic_variables).toMatchObject({
        persona_name: "Sarah Johnson",
        persona_emotion: "frustrated",
        persona_zip_code: "94105",
        scenario_instructions: "You have a bad toothache and want the earliest appointment this week.",
        patientName: "Sarah"
      })
      const caller = yield* client.getWorkflow(sim.simulation_config.counter_workflow!.workflow_id!)
      expect(caller.name).toBe("simbridge caller: anxious-sarah")
      expect(caller.description).toContain("You are Sarah Johnson")
    }))

  it.scoped("provisions idempotently: reuses, updates descriptions, creates a new simulation when the config changes", () =>
    Effect.gen(function*() {
      const { provider, client } = yield* setup()
      const first = yield* provider.provision(decode())
      expect([first.created, first.updated, first.reused]).toEqual([2, 0, 0])
      expect(Object.keys(first.refs).sort()).toEqual([
        "evaluator:booked", "evaluator:polite", "persona:anxious-sarah", "plan", "scenario:urgent-appointment", "simulation:urgent-appointment/anxious-sarah"
      ])
      expect(first.refs["evaluator:booked"]!.toString()).toBe("interactly:metric:booked")
      expect(first.refs["plan"]!.toString()).toBe("interactly:workflow:5eb7cf5a86d9755df3a6c593")
      const again = yield* provider.provision(decode())
      expect([again.created, again.updated, again.reused]).toEqual([0, 0, 2])

      const renamed = yield* provider.provision(decode({ name: "Dental clinic booking v2" }))
      expect([renamed.created, renamed.updated, renamed.reused]).toEqual([0, 1, 1])
      expect((yield* client.getSimulation(renamed.refs["simulation:urgent-appointment/anxious-sarah"]!.id)).simulation_config.description).toContain("v2")

      const persona = { ...dentalClinic.personas[0]!, backstory: "Retired teacher" }
      const changed = yield* provider.provision(decode({ personas: [persona] }))
      // The caller's description is updated; the simulation's dynamic variables changed: a new simulation.
      expect([changed.created, changed.updated, changed.reused]).toEqual([1, 1, 0])
      expect(changed.refs["persona:anxious-sarah"]!.id).toBe(first.refs["persona:anxious-sarah"]!.id)
      expect(changed.refs["simulation:urgent-appointment/anxious-sarah"]!.id).not.toBe(first.refs["simulation:urgent-appointment/anxious-sarah"]!.id)
      expect((yield* client.listWorkflows({ search: "simbridge caller" })).total).toBe(1)
    }))

  it.scoped("uses the caller workflows and options of the suite", () =>
    Effect.gen(function*() {
      const { provider, client } = yield* setup()
      const caller = "6a5e89a4ef9c35b9a7a19773"
      const plan = decode({
        direction: "outbound",
        vendors: { interactly: { callerWorkflows: { "anxious-sarah": caller }, maxEvents: 250, stopOnFailure: true } }
      })
      const warnings = yield* provider.check(plan)
      expect(warnings.map((w) => w.code)).not.toContain("caller_workflow_managed")
      const provisioned = yield* provider.provision(plan)
      expect([provisioned.created, provisioned.reused]).toEqual([1, 1])
      expect(provisioned.refs["persona:anxious-sarah"]!.id).toBe(caller)
      const sim = yield* client.getSimulation(provisioned.refs["simulation:urgent-appointment/anxious-sarah"]!.id)
      expect(sim.simulation_config).toMatchObject({ max_events: 250, stop_on_failure: true, assistant_starts_first: false, counter_workflow: { workflow_id: caller } })
      expect((yield* client.listWorkflows()).workflows.map((w) => w.name)).not.toContain("simbridge caller: anxious-sarah")
    }))

  it.scoped("names the invalid target or option field", () =>
    Effect.gen(function*() {
      const { provider } = yield* setup()
      const missing = yield* Effect.flip(provider.provision(decode({ target: { vapi: { assistantId: "x" } } })))
      expect(missing.reason).toBe("InvalidRequest")
      expect(missing.description).toContain("target.interactly: missing")
      const bad = yield* Effect.flip(provider.provision(decode({ target: { interactly: { workflowId: "abc" } } })))
      expect(bad.description).toContain("target.interactly.workflowId: expected a 24-hex ObjectId")
      const option = yield* Effect.flip(provider.startRun(decode({ vendors: { interactly: { maxEvents: -1 } } })))
      expect(option.reason).toBe("InvalidRequest")
      expect(option.description).toContain("vendors.interactly.maxEvents")
      const typo = yield* Effect.flip(provider.provision(decode({ vendors: { interactly: { maxEvent: 5 } } })))
      expect(typo.description).toContain("vendors.interactly.maxEvent")
    }))

  it.scoped("runs several scenario x persona simulations as one run, pages results, cancels all groups", () =>
    Effect.gen(function*() {
      const { provider } = yield* setup({ pageSize: 1 })
      const plan = decode({
        transport: "chat",
        iterations: 2,
        personas: [dentalClinic.personas[0], { id: "calm-bob", name: "Bob Calm" }],
        vendors: { interactly: { callerWorkflowId: "6a5e89a4ef9c35b9a7a19773" } }
      })
      const { run, last, results } = yield* runToEnd(provider, plan)
      expect(run.warnings.map((w) => w.code)).toContain("concurrency_per_simulation")
      const groups = run.ref.id.split(".")
      expect(groups.length).toBe(2)
      expect(last.counts.total).toBe(4)
      expect(results.map((r) => `${r.persona}/${r.iteration}`)).toEqual(["anxious-sarah/1", "anxious-sarah/2", "calm-bob/1", "calm-bob/2"])
      expect(new Set(results.map((r) => r.providerMetadata?.simulationGroupId))).toEqual(new Set(groups))

      // Slow enough that nothing finishes before the cancel arrives.
      const slow = yield* setup({ speed: 1 })
      const second = yield* slow.provider.startRun(plan)
      yield* slow.provider.cancel(second.ref)
      for (const g of second.ref.id.split(".")) expect((yield* slow.client.getSimulationRun(g)).status).toBe("cancelled")
      const snapshots = Chunk.toReadonlyArray(yield* Stream.runCollect(slow.provider.watch(second.ref)))
      expect(snapshots[snapshots.length - 1]!.status.unified).toBe("canceled")
      // Cancelling a finished run is not an error.
      yield* provider.cancel(run.ref)
    }))

  it.scoped("reconciles a run start whose response was lost instead of starting twice", () =>
    Effect.gen(function*() {
      const { provider, client, handle } = yield* setup()
      const plan = decode()
      const provisioning = yield* provider.provision(plan)
      handle.faults.injectNext({ _tag: "Cut" }, 1, { method: "POST", path: `${InteractlyEmulator.basePath}/v1/simulations/` })
      const run = yield* provider.startRun(plan, { provisioning, marker: "sb-lost-1" })
      const simulationId = provisioning.refs["simulation:urgent-appointment/anxious-sarah"]!.id
      const groups = (yield* client.listSimulationRuns(simulationId)).simulation_groups
      expect(groups.length).toBe(1)
      expect(groups[0]!.runner_name).toBe("sb-lost-1")
      expect(run.ref.id).toBe(groups[0]!._id)
      expect(run.marker).toBe("sb-lost-1")
    }))

  it.scoped("finds a run the vendor started although its response was lost", () =>
    Effect.gen(function*() {
      const { provider, client, handle } = yield* setup()
      const plan = decode()
      const provisioning = yield* provider.provision(plan)
      handle.faults.injectNext({ _tag: "LostResponse" }, 1, { method: "POST", path: `${InteractlyEmulator.basePath}/v1/simulations/` })
      const run = yield* provider.startRun(plan, { provisioning, marker: "sb-lost-2" })
      const simulationId = provisioning.refs["simulation:urgent-appointment/anxious-sarah"]!.id
      const groups = (yield* client.listSimulationRuns(simulationId)).simulation_groups
      expect(groups.map((g) => g.runner_name)).toEqual(["sb-lost-2"])
      expect(run.ref.id).toBe(groups[0]!._id)
    }))

  it.scoped("results without the plan in memory fall back to metric names, canonical ids from the logical id", () =>
    Effect.gen(function*() {
      const { provider, handle } = yield* setup()
      const { run } = yield* runToEnd(provider, decode())
      // A fresh provider (another process) reading the same run.
      const other = yield* Effect.provide(
        SimulationProvider.SimulationProvider,
        yield* Layer.build(InteractlyProvider.layer({ baseUrl: handle.url, apiKey: Redacted.make("sk-test"), retry: fastRetry }))
      )
      const results = Chunk.toReadonlyArray(yield* Stream.runCollect(other.results(run.ref)))
      expect(results.map((r) => [r.scenario, r.persona])).toEqual([["urgent-appointment", "anxious-sarah"], ["urgent-appointment", "anxious-sarah"]])
      expect(results[0]!.evaluations.map((e) => [e.evaluator, e.required])).toEqual([["booked", true], ["polite", true]])
      const bad = yield* Effect.flip(other.getRun(ProviderRef.make("interactly", "run", "not-a-group")))
      expect(bad.reason).toBe("InvalidRequest")
    }))

  it.scoped("falls back to the evaluation summary of a single-execution group", () =>
    Effect.gen(function*() {
      const { provider, handle, client } = yield* setup()
      const { run, results } = yield* runToEnd(provider, decode({ iterations: 1 }))
      const other = yield* Effect.provide(
        SimulationProvider.SimulationProvider,
        yield* Layer.build(InteractlyProvider.layer({ baseUrl: handle.url, apiKey: Redacted.make("sk-test"), retry: fastRetry }))
      )
      // The next workflow-run request (the evaluation result) answers 404.
      handle.faults.injectNext({ _tag: "Status", status: 404 }, 1, { method: "GET", path: `${InteractlyEmulator.basePath}/v1/workflow-runs/` })
      const [fallback] = Chunk.toReadonlyArray(yield* Stream.runCollect(other.results(run.ref)))
      expect(fallback!.providerMetadata?.evaluationSource).toBe("evaluation-summary")
      const summary = yield* client.evaluationSummary(results[0]!.providerMetadata!.simulationId as string, run.ref.id)
      const booked = summary.selected_workflow_summary!.metrics.find((m) => m.metric_name === "booked")!
      // This provider does not hold the plan: metrics are reported under their names, all required,
      // so the verdict is Interactly's (every metric passed).
      const fromSummary = fallback!.evaluations.find((e) => e.evaluator === "booked")!
      expect(fromSummary).toMatchObject({ actual: booked.average_score, required: true })
      expect(fromSummary.passed).toBe(results[0]!.evaluations.find((e) => e.evaluator === "booked")!.passed)
      expect(fallback!.verdict).toBe(summary.selected_workflow_summary!.successful_evaluations === 1 ? "pass" : "fail")
    }))
})

describe("plugin", () => {
  it.scopedLive("builds from explicit settings and from the environment", () =>
    Effect.gen(function*() {
      const handle = yield* InteractlyEmulator.start({ speed: 200, apiKey: "sk-env" })
      yield* RegistryEntry.check({
        plugin: InteractlySuite.plugin,
        baseUrl: handle.url,
        apiKey: "sk-env",
        env: (baseUrl, apiKey) => ({ INTERACTLY_API_KEY: apiKey, INTERACTLY_BASE_URL: baseUrl }),
        plan: decode()
      })
      expect(InteractlySuite.plugin.env).toContain("INTERACTLY_API_KEY")
      expect(Schema.decodeUnknownSync(InteractlySuite.plugin.targetSchema!)({ workflowId: "5eb7cf5a86d9755df3a6c593" })).toEqual({ workflowId: "5eb7cf5a86d9755df3a6c593" })
      expect(Schema.decodeUnknownSync(InteractlySuite.plugin.optionsSchema!)({})).toEqual({})
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))
})
