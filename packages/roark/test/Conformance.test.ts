import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { describe } from "@effect/vitest"
import { Conformance } from "@simbridge/conformance"
import { Plan, Retry } from "@simbridge/core"
import { Faults } from "@simbridge/emulator"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { RoarkProvider } from "../src/index.js"
import * as RoarkEmulator from "@simbridge/emulators/RoarkEmulator"

const plan = Schema.decodeUnknownSync(Plan.Plan)({
  name: "conformance",
  target: { roark: { agentEndpointId: "0b6c1f8e-2d3a-4e5f-9a8b-7c6d5e4f3a2b" } },
  vendors: { roark: { analysisPackageId: RoarkEmulator.seeded.analysisPackageId } },
  iterations: 3,
  personas: [{ id: "p1", name: "Pat", gender: "male" }, { id: "p2", name: "Sam", language: "es" }],
  scenarios: [
    { id: "s1", name: "Book", instructions: "Book a table", evaluators: ["ok"] },
    { id: "s2", name: "Cancel", instructions: "Cancel the booking", evaluators: ["ok", "score"] }
  ],
  evaluators: [
    { id: "ok", description: "booked" },
    { id: "score", description: "politeness 1-5", type: "number", comparator: ">=", expect: 3, required: false }
  ]
})

const fastRetry = new Retry.RetryPolicy({ ...Retry.defaultPolicy, initialDelay: Duration.millis(10), maxDelay: Duration.millis(50), maxAttempts: 4 })

const subject = (background: Faults.FaultSpec) =>
  Layer.unwrapScoped(Effect.gen(function*() {
    const handle = yield* RoarkEmulator.start({ speed: 200, seed: 3, faults: background })
    const jobPath = { method: "GET", path: "/v1/simulation/plan/job/" } as const
    const faults = Layer.succeed(Conformance.ConformanceFaults, Conformance.emulatorFaults(handle.faults, { match: () => jobPath }))
    const provider = RoarkProvider.layer({
      baseUrl: handle.url,
      apiKey: Redacted.make("roark-test-key"),
      retry: fastRetry,
      watch: { interval: "10 millis", maxInterval: "100 millis" }
    })
    return Layer.merge(faults, provider)
  })).pipe(Layer.provide(NodeHttpClient.layerUndici))

Conformance.run({ name: "roark", layer: subject(Faults.none), plan, missingRunId: "00000000-0000-4000-8000-000000000000" })

describe("with background faults (429 with Retry-After 0, 5xx, cut connections, lost create responses, latency)", () => {
  Conformance.run({
    name: "roark",
    layer: subject(new Faults.FaultSpec({ rateLimit: 0.04, retryAfterSeconds: 0, serverError: 0.04, cut: 0.02, lostResponse: 0.05, latencyMs: 1 })),
    plan,
    missingRunId: "00000000-0000-4000-8000-000000000000"
  })
})
