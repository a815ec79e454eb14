/**
 * The shared example suite (`examples/dental-clinic.yaml`) as the object its YAML decodes from,
 * and as a `Plan`: every provider's tests run it.
 *
 * @since 0.1.0
 */
import { Plan } from "@simbridge/core"
import * as Schema from "effect/Schema"

export const dentalClinic = {
  name: "Dental clinic booking",
  target: {
    vapi: { assistantId: "7b0c2a9e-1d2f-4c1a-9e55-0a4f3f6b8d21" },
    roark: { agentEndpointId: "3c2b1a09-8f7e-6d5c-4b3a-291807060504" },
    cekura: { agentId: 2142 },
    interactly: { workflowId: "5eb7cf5a86d9755df3a6c593" }
  },
  direction: "inbound",
  transport: "voice",
  iterations: 2,
  concurrency: 5,
  maxDurationSeconds: 300,
  vendors: { roark: { analysisPackageId: "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e" } },
  personas: [{
    id: "anxious-sarah",
    name: "Sarah Johnson",
    language: "en",
    accent: "us",
    gender: "female",
    emotion: "frustrated",
    backgroundNoise: "office",
    backstory: "A busy professional calling during lunch break",
    properties: { age: 35, zipCode: "94105" }
  }],
  scenarios: [{
    id: "urgent-appointment",
    name: "Urgent dental appointment",
    instructions: "You have a bad toothache and want the earliest appointment this week.",
    variables: { patientName: "Sarah" },
    evaluators: ["booked", "polite"]
  }],
  evaluators: [
    { id: "booked", description: "The agent booked an appointment for the caller", type: "boolean", expect: true },
    { id: "polite", description: "The agent stayed polite throughout, on a 1-5 scale", type: "number", comparator: ">=", expect: 4, scale: [1, 5], required: false }
  ]
} as const

export const dentalClinicPlan: Plan.Plan = Schema.decodeUnknownSync(Plan.Plan)(dentalClinic)
