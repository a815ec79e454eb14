import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Conformance, Judging } from "@simbridge/conformance"
import { Plan, Retry } from "@simbridge/core"
import { Faults } from "@simbridge/emulator"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as InteractlyEmulator from "@simbridge/emulators/InteractlyEmulator"
import * as InteractlyProvider from "../src/InteractlyProvider.js"

/**
 * One scenario x persona (one simulation group per run), 5 iterations over 3 pages of 2 executions.
 * Speed 20 and 3 waves of executions leave ~0.5 s for a cancel to arrive before the group finishes.
 */
const plan = Schema.decodeUnknownSync(Plan.Plan)({
  name: "interactly conformance",
  target: { interactly: { workflowId: "5eb7cf5a86d9755df3a6c593" } },
  transport: "chat",
  iterations: 5,
  concurrency: 2,
  personas: [{ id: "pat", name: "Pat Lee" }],
  scenarios: [{ id: "book", name: "Book a cleaning", instructions: "Book a cleaning next week.", evaluators: ["booked", "polite"] }],
  evaluators: [
    { id: "booked", description: "booked" },
    { id: "polite", description: "polite", type: "number", comparator: ">=", expect: 60, required: false }
  ]
})

const fastRetry = new Retry.RetryPolicy({ ...Retry.defaultPolicy, initialDelay: Duration.millis(10), maxDelay: Duration.millis(50), maxAttempts: 6 })

/** Every run path: group, executions, stop. */
const runPath = `${InteractlyEmulator.basePath}/v1/simulation-runs/`

const subject = (faults: Faults.FaultSpec) =>
  Layer.unwrapScoped(Effect.gen(function*() {
    const handle = yield* InteractlyEmulator.start({ speed: 20, seed: 3, faults })
    const provider = InteractlyProvider.layer({
      baseUrl: handle.url,
      apiKey: Redacted.make("sk-conformance"),
      retry: fastRetry,
      watch: { interval: "20 millis", maxInterval: "100 millis" },
      pageSize: 2
    })
    // Under background faults core may retry a whole getRun (the group, then its executions, each
    // rendering statuses): spare unknown-status one-shots keep the next group read unknown.
    const injector = Layer.succeed(Conformance.ConformanceFaults, Conformance.emulatorFaults(handle.faults, { match: () => ({ method: "GET", path: runPath }), unknownSpares: 11 }))
    return Layer.merge(provider, injector)
  })).pipe(Layer.provide(NodeHttpClient.layerUndici))

/**
 * The judging cases: Interactly judges a workflow's own criteria, matched by name, so the evaluator
 * descriptions never reach it. The unjudged evaluator has no criterion of its name; the number
 * evaluator is mapped to `confirmed`, the yes/no criterion of the emulator's second receptionist
 * (the target here). Interactly's own `passed` is kept.
 */
const judging: Conformance.Subject["judging"] = {
  vendorPassed: true,
  adapt: (p) => ({
    ...p,
    target: { interactly: { workflowId: "5eb7cf5a86d9755df3a6c594" } },
    vendors: { ...p.vendors, interactly: { ...p.vendors?.["interactly"], metrics: { [Judging.booleanId]: { name: "confirmed" } } } }
  })
}

Conformance.run({ name: "interactly", layer: subject(Faults.none), plan, missingRunId: "000000000000000000000000", judging })

Conformance.run({
  name: "interactly",
  layer: subject(new Faults.FaultSpec({ rateLimit: 0.05, retryAfterSeconds: 0, serverError: 0.03, cut: 0.01, lostResponse: 0.05, latencyMs: 1 })),
  plan,
  missingRunId: "000000000000000000000000",
  judging
})
