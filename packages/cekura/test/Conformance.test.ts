import { Conformance, Judging } from "@simbridge/conformance"
import { Plan, Retry } from "@simbridge/core"
import { Faults } from "@simbridge/emulator"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as CekuraEmulator from "@simbridge/emulators/CekuraEmulator"
import * as CekuraProvider from "../src/CekuraProvider.js"
import { afterAll, expect } from "@effect/vitest"
import { httpLayer, seen } from "./support/setup.js"
import * as Contract from "./support/contract.js"

const plan = Schema.decodeUnknownSync(Plan.Plan)({
  name: "conformance",
  target: { cekura: { agentId: 2142 } },
  iterations: 3,
  personas: [{ id: "p1", name: "Pat", gender: "male" }, { id: "p2", name: "Sam", accent: "gb" }],
  scenarios: [{ id: "s1", name: "Book", instructions: "Book a table for two.", evaluators: ["ok"] }],
  evaluators: [{ id: "ok", description: "The agent booked the table" }]
})

const fastRetry = new Retry.RetryPolicy({ ...Retry.defaultPolicy, initialDelay: Duration.millis(10), maxDelay: Duration.millis(50), maxAttempts: 4 })

const paths = { getRun: "/test_framework/v1/results/", listResults: "/test_framework/v1/runs/" } as const

const subject = (background: Faults.FaultSpec) =>
  Layer.unwrapScoped(Effect.gen(function*() {
    // At speed 50 a call lasts about 90 ms: room for the cancel case to reach the run before it ends, retries included.
    const handle = yield* CekuraEmulator.start({ speed: 50, failureRate: 0, faults: background })
    const faults = Layer.succeed(Conformance.ConformanceFaults, Conformance.emulatorFaults(handle.faults, { match: (operation) => ({ method: "GET", path: paths[operation] }) }))
    const provider = CekuraProvider.layer({
      baseUrl: handle.url,
      apiKey: Redacted.make("ck_conformance"),
      retry: fastRetry,
      watch: { interval: "20 millis", maxInterval: "200 millis" },
      pageSize: 4
    })
    return Layer.merge(provider, faults)
  })).pipe(Layer.provide(httpLayer))

/**
 * The judging cases: the unjudged evaluator is an expected-outcome line (its description reaches
 * Cekura there); the number evaluator is mapped to metric 1, a binary metric, which Cekura answers
 * pass/fail (a metric has no description to carry the marker). Cekura's own `success` is kept.
 */
const judging: Conformance.Subject["judging"] = {
  vendorPassed: true,
  adapt: (p) => ({ ...p, vendors: { ...p.vendors, cekura: { ...p.vendors?.["cekura"], metrics: { [Judging.booleanId]: 1 } } } })
}

Conformance.run({ name: "cekura", layer: subject(Faults.none), plan, missingRunId: "999999", judging })

Conformance.run({
  name: "cekura",
  layer: subject(new Faults.FaultSpec({ rateLimit: 0.05, retryAfterSeconds: 0, serverError: 0.05, cut: 0.02, latencyMs: 1 })),
  plan,
  missingRunId: "999999",
  judging
})

afterAll(() => {
  expect(Contract.describe(Contract.check(seen).failures)).toBe("")
})
