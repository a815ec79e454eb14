import { Conformance } from "@simbridge/conformance"
import { Plan, ProviderError, Retry, TestProvider } from "@simbridge/core"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"

const plan = Schema.decodeUnknownSync(Plan.Plan)({
  name: "conformance",
  target: { test: { agent: "a" } },
  iterations: 3,
  personas: [{ id: "p1", name: "Pat" }, { id: "p2", name: "Sam" }],
  scenarios: [{ id: "s1", name: "Book", instructions: "Book a table", evaluators: ["ok"] }],
  evaluators: [{ id: "ok", description: "booked" }]
})

const fastRetry = new Retry.RetryPolicy({ ...Retry.defaultPolicy, initialDelay: Duration.millis(10), maxDelay: Duration.millis(50), maxAttempts: 4 })

const faults = Layer.effect(
  Conformance.ConformanceFaults,
  Effect.map(TestProvider.TestProviderControl, (control) => ({
    inject: (operation, fault, times) =>
      control.inject(operation, fault._tag === "Status"
        ? { _tag: "Error", reason: ProviderError.reasonFromStatus(fault.status), status: fault.status, ...(fault.retryAfterSeconds ? { retryAfter: Duration.seconds(fault.retryAfterSeconds) } : {}) }
        : fault._tag === "Malformed" ? { _tag: "Malformed" } : { _tag: "UnknownStatus", raw: "paused_for_review" }, times),
    clear: control.clearFaults
  }))
)

Conformance.run({
  name: "test",
  layer: faults.pipe(Layer.provideMerge(TestProvider.layer({ callDuration: "60 millis", queueDelay: "20 millis", pageSize: 4, retry: fastRetry }))),
  plan,
  missingRunId: "run-999999"
})
