import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Conformance } from "@simbridge/conformance"
import { Plan, Retry } from "@simbridge/core"
import { Faults } from "@simbridge/emulator"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { VapiProvider } from "@simbridge/vapi"
import * as VapiEmulator from "@simbridge/emulators/VapiEmulator"
import { assistantId } from "./fixtures.js"

const plan = Schema.decodeUnknownSync(Plan.Plan)({
  name: "conformance",
  target: { vapi: { assistantId } },
  iterations: 3,
  personas: [{ id: "p1", name: "Pat" }, { id: "p2", name: "Sam" }],
  scenarios: [{ id: "s1", name: "Book", instructions: "Book a table for two.", evaluators: ["ok", "score"] }],
  evaluators: [
    { id: "ok", description: "The agent booked a table" },
    { id: "score", description: "Politeness 1-5", type: "number", comparator: ">=", expect: 3, required: false }
  ]
})

const fastRetry = new Retry.RetryPolicy({ ...Retry.defaultPolicy, initialDelay: Duration.millis(10), maxDelay: Duration.millis(50), maxAttempts: 6 })

/** The emulator, the provider pointed at it (4 results per page), and faults on the run's GET path. */
const subject = (background: Faults.FaultSpec) =>
  Layer.unwrapScoped(Effect.gen(function*() {
    const handle = yield* VapiEmulator.start({ speed: 50, seed: 3, faults: background })
    const faults = Layer.succeed(Conformance.ConformanceFaults, Conformance.emulatorFaults(handle.faults, { match: () => ({ method: "GET", path: "/eval/simulation/run/" }) }))
    return Layer.merge(
      VapiProvider.layer({ baseUrl: handle.url, apiKey: Redacted.make("sk-conformance"), retry: fastRetry, watch: { interval: "20 millis", maxInterval: "100 millis" }, pageSize: 4 }),
      faults
    )
  })).pipe(Layer.provide(NodeHttpClient.layerUndici))

/** Vapi's own `results.passed` is kept on every finished item (`vendorPassed`). */
const judging = { vendorPassed: true }

Conformance.run({ name: "vapi", layer: subject(Faults.none), plan, missingRunId: "00000000-0000-4000-8000-000000000000", judging })

Conformance.run({
  name: "vapi",
  layer: subject(new Faults.FaultSpec({ rateLimit: 0.08, retryAfterSeconds: 0, serverError: 0.05, cut: 0.02, latencyMs: 1 })),
  plan,
  missingRunId: "00000000-0000-4000-8000-000000000000",
  judging
})
