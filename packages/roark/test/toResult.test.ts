/**
 * `toResult` (`internal/results.ts`) and the helpers a results read uses (`recoveredContextOf`, `iterations`,
 * `statusOf`, `knownScenario`/`scenarioFromLookup`, `evaluationsOf`) applied by hand to the wire
 * objects of a finished run, read through `RoarkClient`, give what a cold results read of the
 * driver gives: the driver's encoded results key for key (order included), and the provider's
 * results once encoded.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { describe, expect, it } from "@effect/vitest"
import { Plan, Result, Retry, SimulationProvider } from "@simbridge/core"
import * as Chunk from "effect/Chunk"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { RoarkClient, RoarkProvider } from "../src/index.js"
import * as RoarkEmulator from "@simbridge/emulators/RoarkEmulator"
import * as M from "../src/internal/mapping.js"
import * as Results from "../src/internal/results.js"
import { fixture } from "./helpers.js"

const fastRetry = new Retry.RetryPolicy({ ...Retry.defaultPolicy, initialDelay: Duration.millis(10), maxDelay: Duration.millis(50), maxAttempts: 4 })
const watch = { interval: "5 millis", maxInterval: "50 millis" } as const

/** The dental suite with personas whose calls fail and time out, 3 iterations: every kind of result the emulator makes. */
const mixed = () => {
  const base = fixture("dental-clinic.json") as { personas: ReadonlyArray<unknown> }
  return Schema.decodeUnknownSync(Plan.Plan)({
    ...base,
    iterations: 3,
    personas: [
      ...base.personas,
      { id: "dropped-dan", name: "Dan", properties: { emulatorOutcome: "FAILED" } },
      { id: "slow-sam", name: "Sam", properties: { emulatorOutcome: "TIMED_OUT" } }
    ]
  })
}

describe("toResult", () => {
  it.scopedLive("applied to the wire objects of a finished run, gives what a cold results read gives", () =>
    Effect.gen(function*() {
      const handle = yield* RoarkEmulator.start({ speed: 200 })
      const settings = { baseUrl: handle.url, apiKey: Redacted.make("k"), retry: fastRetry, watch }
      const started = yield* Layer.build(RoarkProvider.layer(settings))
      const provider = Context.get(started, SimulationProvider.SimulationProvider)
      const plan = mixed()
      const run = yield* provider.startRun(plan)
      yield* Stream.runDrain(provider.watch(run.ref))

      // Cold reads (a new driver and a new provider: the run's context is recovered from the vendor objects).
      const clientLayer = RoarkClient.layer({ baseUrl: handle.url, apiKey: Redacted.make("k") })
      const driver = yield* RoarkProvider.make().pipe(Effect.provide(clientLayer))
      const encoded: Array<unknown> = []
      let cursor: string | undefined
      do {
        const page = yield* driver.listResults(run.ref.id, cursor)
        encoded.push(...page.results)
        cursor = page.cursor
      } while (cursor !== undefined)
      const cold = Context.get(yield* Layer.build(RoarkProvider.layer(settings)), SimulationProvider.SimulationProvider)
      const results = Chunk.toReadonlyArray(yield* Stream.runCollect(cold.results(run.ref)))

      // The same by hand, from the wire objects.
      const client = yield* Effect.provide(RoarkClient.RoarkClient, clientLayer)
      const detail = yield* client.runPlanJobs.get(run.ref.id)
      const ctx = Results.recoveredContextOf(
        yield* client.runPlans.get(detail.simulationRunPlanId),
        Chunk.toReadonlyArray(yield* Stream.runCollect(RoarkClient.paginate(client.metrics.listDefinitions)))
      )
      const numbers = Results.iterations(detail.simulationJobs)
      const lookedUp = new Map<string, string>()
      const expected: Array<unknown> = []
      for (let i = 0; i < detail.simulationJobs.length; i++) {
        const sim = detail.simulationJobs[i]!
        let scenario = Results.knownScenario(ctx, sim, lookedUp)
        if (scenario === undefined) {
          const id = sim.scenario!.id
          scenario = Results.scenarioFromLookup(id, Option.getOrUndefined(yield* Effect.option(client.scenarios.get(id))))
          lookedUp.set(id, scenario)
        }
        const status = Results.statusOf(sim)
        const callId = sim.callId ?? undefined
        const metrics = status.unified === "completed" && callId !== undefined ? yield* client.calls.metrics(callId) : []
        const terminal = status.unified !== "queued" && status.unified !== "running" && status.unified !== "unknown"
        const read = terminal && callId !== undefined
        const call = read ? yield* client.calls.get(callId) : undefined
        const transcript = read ? yield* client.calls.transcript(callId) : undefined
        const result = Results.toResult(detail, ctx, {
          sim,
          iteration: numbers[i]!,
          scenario,
          status,
          evaluations: Results.evaluationsOf(metrics, ctx.evaluators, ctx.scenarioEvaluators?.get(scenario)),
          call,
          transcript
        })
        // Independently of the driver (which builds its results with `toResult` too): the keys, in
        // order, that the wire objects call for, and the values taken from them as they are.
        const ended = call?.endedStatus ?? undefined
        expect(Object.keys(result)).toEqual([
          "ref", "run", "scenario", "persona", "iteration", "status", "verdict", "evaluations", "transcript",
          ...(call?.recordingUrl ? ["recordingUrl"] : []),
          ...(status.unified === "failed" || status.unified === "timed_out" || (ended !== undefined && M.failedCallEndings.has(ended)) ? ["failureReason"] : []),
          ...(sim.startedAt ? ["startedAt"] : []),
          ...(sim.completedAt ? ["endedAt"] : []),
          ...(typeof call?.durationMs === "number" ? ["durationSeconds"] : []),
          "providerMetadata"
        ])
        expect(result).toMatchObject({
          ref: { provider: "roark", kind: "result", id: sim.simulationJobId },
          run: { provider: "roark", kind: "run", id: run.ref.id },
          iteration: numbers[i]!,
          status,
          transcript: (transcript?.entries ?? []).map((e) => ({ text: e.text })),
          providerMetadata: { simulationJobId: sim.simulationJobId, callId: callId ?? null, endedStatus: ended ?? null }
        })
        expect(plan.scenarios.map((x) => x.id as string)).toContain(result.scenario)
        expect(plan.personas.map((x) => x.id as string)).toContain(result.persona)
        expected.push(result)
      }

      expect(detail.simulationJobs).toHaveLength(9)
      const statuses = new Set(results.map((r) => r.status.unified))
      expect([...statuses].sort()).toEqual(["completed", "failed", "timed_out"])
      // The driver's encoded results, key for key and in the same key order.
      expect(expected.map((r) => JSON.stringify(r))).toEqual(encoded.map((r) => JSON.stringify(r)))
      // The provider's results, encoded (no `raw`: it was not asked for).
      const encode = Schema.encodeSync(Result.Result)
      expect(expected).toEqual(results.map((r) => {
        const { raw: _raw, ...rest } = encode(r) as { raw?: unknown }
        return rest
      }))
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))
})
