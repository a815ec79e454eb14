/**
 * The driver's pure mapping (`judgeExecution` + `toResult`), applied to the vendor payloads read
 * through `InteractlyClient`, gives exactly the results the provider reads: with the run's plan
 * known (evaluators matched, metric options applied) and from a driver that never saw the run
 * (every metric required). The fields a
 * finished execution's result has are also checked against the payloads themselves, so that a
 * change to `toResult` (which both sides share) does not pass unseen.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { describe, expect, it } from "@effect/vitest"
import { Plan, Result, SimulationProvider } from "@simbridge/core"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as InteractlyClient from "../src/InteractlyClient.js"
import * as InteractlyEmulator from "@simbridge/emulators/InteractlyEmulator"
import * as InteractlySuite from "../src/InteractlySuite.js"
import * as InteractlyProvider from "../src/InteractlyProvider.js"
import * as Judging from "../src/internal/judging.js"
import * as Mapping from "../src/internal/mapping.js"
import * as Results from "../src/internal/results.js"
import type * as Wire from "../src/InteractlyWire.js"
import { dentalClinic } from "./fixtures/dentalClinic.js"

const plan = Schema.decodeUnknownSync(Plan.Plan)({
  ...dentalClinic,
  iterations: 3,
  personas: [...dentalClinic.personas, { id: "calm-bob", name: "Bob", language: "en" }],
  vendors: { interactly: { metrics: { polite: { scale: 5 } }, passThreshold: 55 } }
})
const options = Schema.decodeUnknownSync(InteractlySuite.Options)(plan.vendors.interactly ?? {})

const layerOn = (url: string) => InteractlyProvider.layer({ baseUrl: url, apiKey: Redacted.make("sk-test") })

/** A read that answers 404 as undefined (as the driver's reads do). */
const orUndefined = <A>(effect: Effect.Effect<A, { readonly reason: string }>) =>
  Effect.catchIf(effect, (e) => e.reason === "NotFound", () => Effect.succeed(undefined))

interface Pure {
  readonly result: typeof Result.Result.Encoded
  readonly execution: Wire.SimulationRun
  readonly workflowRun: Wire.WorkflowRunDoc | undefined
}

/** Every result of a run, from the payloads read through the client and the pure mapping. */
const pureResults = (client: InteractlyClient.Service, runId: string, context: (canonical: Mapping.Canonical) => Judging.JudgeContext) =>
  Effect.gen(function*() {
    const out: Array<Pure> = []
    for (const groupId of runId.split(".")) {
      const group = yield* client.getSimulationRun(groupId)
      const simulationId = group.simulation_config_id ?? ""
      const canonical = Mapping.canonicalOfSimulation(simulationId, yield* client.getSimulation(simulationId))
      expect(canonical.scenario).toBe("urgent-appointment")
      // One page (the driver's default page size is 50).
      const list = yield* client.listExecutions(groupId, { page: 1, size: 50 })
      expect(list.individual_runs.length).toBeLessThan(50)
      const groupSize = list.total ?? list.individual_runs.length
      const summary = yield* orUndefined(client.evaluationSummary(simulationId, groupId))
      for (const [position, execution] of list.individual_runs.entries()) {
        const workflowRunId = execution.selected_workflow_run_id ?? undefined
        const evaluation = workflowRunId === undefined ? undefined : yield* orUndefined(client.getWorkflowRunEvaluation(workflowRunId))
        const judged = Judging.judgeExecution(execution, { evaluation, summary }, groupSize, context(canonical))
        const workflowRun = judged.status.unified !== "queued" && workflowRunId !== undefined ? yield* orUndefined(client.getWorkflowRun(workflowRunId)) : undefined
        const result = Results.toResult({ runId, groupId, simulationId, canonical, execution, position, judged, workflowRun })
        out.push({ result, execution, workflowRun })
      }
    }
    return out
  })

const encode = Schema.encodeSync(Result.Result)
/** A driver's result as the provider gives it without `raw`: decoded with the canonical schema. */
const canonical = ({ raw: _, ...result }: typeof Result.Result.Encoded) => encode(Schema.decodeSync(Result.Result)(result))

/** The provider's results, encoded (no `raw`: not asked for). */
const providerResults = (provider: SimulationProvider.Service, ref: Parameters<SimulationProvider.Service["results"]>[0]) =>
  Effect.map(Stream.runCollect(provider.results(ref)), (c) => Chunk.toReadonlyArray(c).map((r) => encode(r)))

/** The driver's encoded results, page by page, as `listResults` builds them (key order kept). */
const driverResults = (driver: SimulationProvider.Driver, runId: string) =>
  Effect.gen(function*() {
    const out: Array<typeof Result.Result.Encoded> = []
    let cursor: string | undefined
    do {
      const page = yield* driver.listResults(runId, cursor)
      out.push(...page.results)
      cursor = page.cursor
    } while (cursor !== undefined)
    return out
  })

/** The fields of a finished execution's result, checked against its payloads (not against `toResult`). */
const checkFields = (pure: ReadonlyArray<Pure>) => {
  const completed = pure.filter((p) => p.result.status.unified === "completed")
  expect(completed.length).toBeGreaterThan(0)
  for (const { execution, result, workflowRun } of completed) {
    expect(Object.keys(result)).toEqual([
      "ref", "run", "scenario", "persona", "iteration", "status", "verdict", "evaluations", "transcript",
      "latency", "startedAt", "endedAt", "durationSeconds", "providerMetadata"
    ])
    expect(Object.keys(result.providerMetadata!)).toEqual([
      "simulationId", "simulationGroupId", "executionId", "selectedWorkflowRunId", "counterWorkflowRunId", "workflowRunStatus", "score", "vendorPassed", "evaluationSource"
    ])
    expect(result.ref.id).toBe(execution._id ?? execution.id)
    expect(result.iteration).toBe((execution.run_index ?? -1) + 1)
    expect(result.latency).toEqual({ averageMs: workflowRun!.workflow_run.llm_latency_stats!.average_latency_milliseconds })
    expect(result.startedAt).toBe(workflowRun!.created_at)
    expect(result.endedAt).toBe(execution.updated_at)
    expect(result.durationSeconds).toBeGreaterThan(0)
    expect(result.transcript!.length).toBeGreaterThan(0)
    expect(result.evaluations!.length).toBeGreaterThan(0)
    expect(result.providerMetadata).toMatchObject({
      selectedWorkflowRunId: execution.selected_workflow_run_id,
      workflowRunStatus: workflowRun!.workflow_run.status,
      evaluationSource: "evaluation-result"
    })
  }
}

describe("toResult", () => {
  it.scopedLive("gives the provider's results from the payloads read through the client, with and without the run's plan", () =>
    Effect.gen(function*() {
      const handle = yield* InteractlyEmulator.start({ speed: 200, seed: 5 })
      const context = yield* Layer.build(layerOn(handle.url))
      const provider = yield* Effect.provide(SimulationProvider.SimulationProvider, context)
      const client = yield* Effect.provide(InteractlyClient.InteractlyClient, context)
      const run = yield* provider.startRun(plan)
      yield* Stream.runDrain(provider.watch(run.ref, { interval: "10 millis", maxInterval: "50 millis" }))
      const runId = run.ref.id
      expect(runId.split(".")).toHaveLength(2)

      // The provider that started the run knows its plan.
      const withPlan = yield* pureResults(client, runId, (canonical) => ({ evaluators: Mapping.scenarioEvaluators(plan, canonical.scenario), ...options }))
      expect(withPlan).toHaveLength(6)
      expect(yield* providerResults(provider, run.ref)).toEqual(withPlan.map((p) => canonical(p.result)))
      checkFields(withPlan)
      expect(withPlan.some((p) => p.result.evaluations!.some((e) => e.evaluator === "polite" && e.required === false))).toBe(true)

      // A provider and a driver that never saw the run: every metric a required evaluation.
      const cold = yield* pureResults(client, runId, () => ({ evaluators: undefined }))
      const coldProvider = yield* Effect.provide(SimulationProvider.SimulationProvider, yield* Layer.build(layerOn(handle.url)))
      expect(yield* providerResults(coldProvider, run.ref)).toEqual(cold.map((p) => canonical(p.result)))
      checkFields(cold)
      expect(cold.every((p) => p.result.evaluations!.every((e) => e.required))).toBe(true)
      const driver = yield* Effect.provide(InteractlyProvider.make(), yield* Layer.build(InteractlyClient.layer({ baseUrl: handle.url, apiKey: Redacted.make("sk-test") })))
      // Exactly, key order included.
      expect(JSON.stringify(yield* driverResults(driver, runId))).toBe(JSON.stringify(cold.map((p) => p.result)))
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)), 30_000)
})
