/**
 * The emulator's state: the library (personas, scenarios, metric definitions, agents, endpoints),
 * run plans, their jobs with the simulation jobs they fan out to, and webhook subscriptions; and
 * the objects it starts with.
 *
 * @internal
 */
import { randomUUID } from "node:crypto"
import type * as Wire from "@simbridge/roark/RoarkWire"

type Lit<S extends { readonly Type: unknown }> = S["Type"]

/** A persona as stored and answered: every field set (defaults filled in), enums as the create body took them. */
export type Persona = {
  id: string
  name: string
  language: Lit<typeof Wire.Language>
  accent: Lit<typeof Wire.Accent>
  gender: Lit<typeof Wire.Gender>
  backgroundNoise: Lit<typeof Wire.BackgroundNoise>
  speechPace: Lit<typeof Wire.SpeechPace>
  speechClarity: Lit<typeof Wire.SpeechClarity>
  hasDisfluencies: boolean
  baseEmotion: Lit<typeof Wire.BaseEmotion>
  intentClarity: Lit<typeof Wire.IntentClarity>
  confirmationStyle: Lit<typeof Wire.ConfirmationStyle>
  memoryReliability: Lit<typeof Wire.MemoryReliability>
  responseTiming: Lit<typeof Wire.ResponseTiming>
  idleMessages: Array<string> | null
  idleTimeoutSeconds: number
  idleMessageMaxSpokenCount: number
  idleMessageResetCountOnUserSpeechEnabled: boolean
  properties: Record<string, unknown>
  backstoryPrompt: string | null
  description: string | null
  secondaryLanguage: "EN" | null
  createdAt: string
  updatedAt: string
}
export type StepType = Lit<typeof Wire.StepType> | "START"
export type Scenario = {
  id: string
  name: string
  description: string | null
  steps: Array<{
    nodeId: string
    type: StepType
    content: string | null
    dtmfDigits?: string | undefined
    linkedScenarioId?: string | undefined
    silenceDurationSeconds?: number | undefined
  }>
  createdAt: string
  updatedAt: string
}
export type MetricType = Lit<typeof Wire.MetricType>
/** A metric definition as stored: what its create body said, with the slug (`metricId`) settled. */
export type Metric = {
  id: string
  metricId: string
  name: string
  /** Roark's response field; the emulator fills it with the `llmPrompt` (the create body has no description). */
  description: string
  scope: Lit<typeof Wire.MetricScope>
  type: MetricType
  supportedContexts: Array<"CALL" | "SEGMENT" | "TURN">
  /** The analysis package it was added to (there is no API for packages: any id is taken). */
  analysisPackageId: string
  scaleMin: number | undefined
  scaleMax: number | undefined
}
export type Agent = { id: string; name: string; customId: string | null; description: string | null; createdAt: string; updatedAt: string }
export type AgentEndpointType = "PHONE" | "WEBSOCKET" | "LIVEKIT" | "SMALL_WEBRTC" | "ELEVENLABS_WS" | "KORE" | "GOOGLE_CES"
export type Endpoint = {
  id: string
  agentId: string
  direction: Lit<typeof Wire.EndpointDirection>
  environment: string
  outboundDialType: "NONE" | "HTTP_REQUEST"
  outboundDialHttpRequestDefinitionId: string | null
  type: AgentEndpointType
  value: string
  createdAt: string
  updatedAt: string
}
export type Plan = {
  id: string
  name: string
  description: string | null
  direction: "INBOUND" | "OUTBOUND"
  agentEndpoints: Array<{ id: string }>
  personas: Array<{ id: string }>
  scenarios: Array<{ id: string; variables?: Record<string, string> }>
  metrics: Array<{ id: string }>
  evaluators: Array<{ id: string }>
  iterationCount: number
  maxConcurrentJobs: number
  maxSimulationDurationSeconds: number
  silenceTimeoutSeconds: number
  endCallPhrases: Array<string>
  endCallReasons: Array<string>
  executionMode: "PARALLEL" | "SEQUENTIAL_SAME_RUN_PLAN" | "SEQUENTIAL_PROJECT"
  testCaseCount: number
  createdAt: string
  updatedAt: string
  deleted: boolean
}

export interface Sim {
  readonly id: string
  readonly callId: string
  readonly persona: Persona
  readonly scenario: Scenario & { readonly variables: Record<string, string> }
  readonly endpoint: Endpoint
  readonly iteration: number
  readonly key: string
  phone: string | undefined
}

export interface Job {
  readonly id: string
  readonly plan: Plan
  readonly metrics: ReadonlyArray<Metric>
  readonly sims: ReadonlyArray<Sim>
  readonly createdAt: number
  readonly triggeredBy: "SCHEDULED" | "USER_TRIGGERED_FROM_UI" | "RE_RUN" | "TRIGGERED_FROM_API"
  canceledAt: number | undefined
}

export type Webhook = {
  id: string
  url: string
  description: string | null
  events: Array<string>
  headers: Record<string, string>
  signingSecret: string
  createdAt: string
  updatedAt: string
}

/** A webhook delivery attempt, kept for tests (the handle's `deliveries`). */
export interface Delivery {
  readonly webhookId: string
  readonly event: string
  readonly status: number | undefined
  readonly attempt: number
}

export class Store {
  readonly personas = new Map<string, Persona>()
  readonly scenarios = new Map<string, Scenario>()
  readonly metrics = new Map<string, Metric>()
  readonly agents = new Map<string, Agent>()
  readonly endpoints = new Map<string, Endpoint>()
  readonly plans = new Map<string, Plan>()
  readonly jobs = new Map<string, Job>()
  /** Per simulation job id and per call id: its run-plan job and position (lookups without a scan). */
  readonly sims = new Map<string, { readonly job: Job; readonly i: number }>()
  readonly calls = new Map<string, { readonly job: Job; readonly i: number }>()
  readonly webhooks = new Map<string, Webhook>()
  readonly emitted = new Set<string>()
  readonly deliveries: Array<Delivery> = []
  phoneCounter = 0
}

export const iso = (ms: number) => new Date(ms).toISOString()

/** Ids of the objects the emulator starts with (the reference's documentation examples). */
export const seeded = {
  /** The example suite's `target.roark.agentEndpointId` and the job example's endpoint. */
  agentEndpointId: "3c2b1a09-8f7e-6d5c-4b3a-291807060504",
  agentId: "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a",
  /** The id the run-plan create example uses for its endpoint, persona, scenario and evaluator. */
  exampleId: "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e",
  personaId: "a1b2c3d4-e5f6-7890-abcd-ef1234567890",
  scenarioId: "f8e7d6c5-b4a3-9281-7069-5f4e3d2c1b0a",
  /** The analysis package of the SDK's `createDefinition` example. */
  analysisPackageId: "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e"
} as const

/** What a persona is without a value of its own (choices: only NONE and NORMAL are documented). */
export const personaDefaults: Omit<Persona, "id" | "name" | "language" | "accent" | "gender" | "createdAt" | "updatedAt"> = {
  backgroundNoise: "NONE",
  speechPace: "NORMAL",
  speechClarity: "CLEAR",
  hasDisfluencies: false,
  baseEmotion: "NEUTRAL",
  intentClarity: "CLEAR",
  confirmationStyle: "EXPLICIT",
  memoryReliability: "HIGH",
  responseTiming: "NORMAL",
  idleMessages: [],
  idleTimeoutSeconds: 10,
  idleMessageMaxSpokenCount: 2,
  idleMessageResetCountOnUserSpeechEnabled: true,
  properties: {},
  backstoryPrompt: null,
  description: null,
  secondaryLanguage: null
}

export const seed = (store: Store, now: number) => {
  const at = iso(now)
  store.agents.set(seeded.agentId, { id: seeded.agentId, name: "Dental clinic receptionist", customId: null, description: null, createdAt: at, updatedAt: at })
  for (const [id, value] of [[seeded.agentEndpointId, "+15555551234"], [seeded.exampleId, "+15555550100"]] as const) {
    store.endpoints.set(id, {
      id, agentId: seeded.agentId, direction: "INCOMING", environment: "production", outboundDialType: "NONE",
      outboundDialHttpRequestDefinitionId: null, type: "PHONE", value, createdAt: at, updatedAt: at
    })
  }
  for (const [id, name] of [[seeded.personaId, "Sarah Johnson - Anxious Patient"], [seeded.exampleId, "Example persona"]] as const) {
    store.personas.set(id, {
      id, name, language: "EN", accent: "US", gender: "FEMALE", ...personaDefaults, backgroundNoise: "OFFICE", baseEmotion: "FRUSTRATED",
      backstoryPrompt: "A busy professional calling during lunch break", properties: { age: 35, zipCode: "94105" }, createdAt: at, updatedAt: at
    })
  }
  for (const [id, content] of [[seeded.scenarioId, "Patient calling to schedule an urgent dental appointment"], [seeded.exampleId, "Example scenario"]] as const) {
    store.scenarios.set(id, {
      id, name: content, description: content, steps: [{ nodeId: randomUUID(), type: "CUSTOMER_TURN", content }], createdAt: at, updatedAt: at
    })
  }
  store.metrics.set(seeded.exampleId, {
    id: seeded.exampleId, metricId: "goal_achieved_check", name: "Goal achieved", description: "Whether the caller achieved their goal",
    scope: "GLOBAL", type: "BOOLEAN", supportedContexts: ["CALL"], analysisPackageId: seeded.analysisPackageId, scaleMin: undefined, scaleMax: undefined
  })
}
