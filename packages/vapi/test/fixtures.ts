import { Plan } from "@simbridge/core"
import * as Schema from "effect/Schema"

/** The shared example suite (docs and CLI demo). */
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
    { id: "polite", description: "The agent stayed polite throughout, on a 1-5 scale", type: "number", comparator: ">=", expect: 4, required: false }
  ]
}

export const dentalPlan = Schema.decodeUnknownSync(Plan.Plan)(dentalClinic)

export const assistantId = "7b0c2a9e-1d2f-4c1a-9e55-0a4f3f6b8d21"
