/**
 * Reading a run's results never ends early on what the executions listing leaves out: a page
 * shorter than the listing's own total is read again, and a group that lists no execution does
 * not end the read of the run's other groups (an empty page ends a read).
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { expect, layer } from "@effect/vitest"
import { Plan, Retry, SimulationProvider } from "@simbridge/core"
import * as InteractlyEmulator from "@simbridge/emulators/InteractlyEmulator"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as InteractlyClient from "../src/InteractlyClient.js"
import * as InteractlyProvider from "../src/InteractlyProvider.js"
import { dentalClinic } from "./fixtures/dentalClinic.js"

const fastRetry = new Retry.RetryPolicy({ ...Retry.defaultPolicy, initialDelay: Duration.millis(10), maxDelay: Duration.millis(50), maxAttempts: 4 })
const watch = { interval: "10 millis", maxInterval: "50 millis" } as const

type ListExecutions = InteractlyClient.Service["listExecutions"]

/**
 * The provider against an emulator, its client's executions listing altered by `tamper` once the
 * run ended (`tampering`), so that the watch reads the run as it is.
 */
const setup = (tamper: (real: ListExecutions, runId: string, params: InteractlyClient.PageParams | undefined) => ReturnType<ListExecutions>) =>
  Effect.gen(function*() {
    const handle = yield* InteractlyEmulator.start({ speed: 200, seed: 5 })
    const real = Context.get(
      yield* Layer.build(InteractlyClient.layer({ baseUrl: handle.url, apiKey: Redacted.make("sk-test") })),
      InteractlyClient.InteractlyClient
    )
    const state = { tampering: false }
    const client: InteractlyClient.Service = {
      ...real,
      listExecutions: (runId, params) => (state.tampering ? tamper(real.listExecutions, runId, params) : real.listExecutions(runId, params))
    }
    const driver = yield* Effect.provideService(InteractlyProvider.make(), InteractlyClient.InteractlyClient, client)
    const provider = SimulationProvider.make(driver, { retry: fastRetry, watch })
    const readEnded = (plan: Plan.Plan) =>
      Effect.gen(function*() {
        const run = yield* provider.startRun(plan)
        yield* Stream.runDrain(provider.watch(run.ref))
        state.tampering = true
        return { run, results: yield* SimulationProvider.readResults(provider, run.ref) }
      })
    return { readEnded }
  })

layer(NodeHttpClient.layerUndici, { excludeTestServices: true, timeout: 30_000 })("Interactly results listing", (it) => {
  it.scoped("a page with fewer executions than its listing's total is read again, not taken as the end", () =>
    Effect.gen(function*() {
      let cut = 0
      const { readEnded } = yield* setup((real, runId, params) =>
        Effect.map(real(runId, params), (list) => {
          // The first answer loses its executions; the total still says how many there are.
          if (cut++ > 0) return list
          return { ...list, individual_runs: [] }
        })
      )
      const { results } = yield* readEnded(Schema.decodeUnknownSync(Plan.Plan)(dentalClinic))
      expect(cut).toBeGreaterThan(1)
      expect(results.map((r) => r.iteration)).toEqual([1, 2])
    }))

  it.scoped("a group that lists no execution does not end the read of the run's other groups", () =>
    Effect.gen(function*() {
      const plan = Schema.decodeUnknownSync(Plan.Plan)({
        ...dentalClinic,
        transport: "chat",
        personas: [dentalClinic.personas[0], { id: "calm-bob", name: "Bob Calm" }],
        vendors: { interactly: { callerWorkflowId: "6a5e89a4ef9c35b9a7a19773" } }
      })
      let first: string | undefined
      const { readEnded } = yield* setup((real, runId, params) =>
        Effect.map(real(runId, params), (list) => {
          // The run's first group lists nothing (its executions not there yet, say).
          first ??= runId
          return runId === first ? { ...list, individual_runs: [], total: 0 } : list
        })
      )
      const { run, results } = yield* readEnded(plan)
      const groups = run.ref.id.split(".")
      expect(groups).toHaveLength(2)
      expect(first).toBe(groups[0])
      // The second group's results are read; the first's are missing, for the suite runner to see.
      expect(results.map((r) => `${r.persona}/${r.iteration}`)).toEqual(["calm-bob/1", "calm-bob/2"])
    }))
})
