import { Plan } from "@simbridge/core"
import * as Schema from "effect/Schema"

export const encodedPlan = {
  name: "Dental clinic booking",
  target: { test: { agent: "dental" } },
  direction: "inbound",
  transport: "voice",
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

export const plan = Schema.decodeUnknownSync(Plan.Plan)(encodedPlan)
