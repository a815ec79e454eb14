import { Plan, SimulationProvider, TestProvider } from "@simbridge/core"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

export const encodedPlan = {
  name: "Dental clinic booking",
  target: { test: { agent: "dental" } },
  iterations: 2,
  concurrency: 2,
  personas: [
    { id: "anxious-sarah", name: "Sarah Johnson", accent: "us", emotion: "frustrated" },
    { id: "calm-bob", name: "Bob Stone" }
  ],
  scenarios: [
    { id: "urgent-appointment", name: "Urgent appointment", instructions: "Get the earliest appointment", evaluators: ["booked", "polite"] }
  ],
  evaluators: [
    { id: "booked", description: "booked an appointment", type: "boolean", expect: true },
    { id: "polite", description: "politeness 1-5", type: "number", comparator: ">=", expect: 4, required: false }
  ]
} as const

/** The plan under a name of its own, so tests sharing one database do not see each other's runs. */
export const planNamed = (name: string): Plan.Plan => Schema.decodeUnknownSync(Plan.Plan)({ ...encodedPlan, name })

/** A TestProvider on tiny real durations (the ledger's database I/O does not follow TestClock). */
export const provider = (name: string, options: TestProvider.Options = {}) =>
  Effect.map(
    TestProvider.make({ name, queueDelay: "20 millis", callDuration: "60 millis", ...options }),
    ({ control, driver }) => ({ control, service: SimulationProvider.make(driver) })
  )

export const watch = { interval: "5 millis", maxInterval: "20 millis" } as const

/** A unique suffix per test run (the PostgreSQL database outlives a single test). */
export const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`
