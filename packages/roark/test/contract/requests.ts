/**
 * The request side of Roark's contract, from the SDK v2.31 parameter types: per route the adapter
 * sends a body on, the SDK type and its fields (`closedShape`: required and optional fields, each
 * with its JSON types, checked against the SDK type by the compiler), and the type-level check
 * that the driver's body builders produce what those types accept.
 */
import type * as Requests from "../../src/internal/requests.js"
import type { LaterPersona, WithLater } from "./later.js"
import type {
  MetricCreateDefinitionParams,
  SimulationPersonaCreateParams,
  SimulationPersonaUpdateParams,
  SimulationRunPlanCreateParams,
  SimulationRunPlanJobStartParams,
  SimulationRunPlanUpdateParams,
  SimulationScenarioCreateParams,
  SimulationScenarioUpdateParams
} from "./sdk.js"
import { type AnyShape, closedShape, type Expect, type Fits, variants, type Wire } from "./shape.js"

// ---------------------------------------------------------------------------------------------
// Field lists (SDK `src/resources/*.ts`, `*Params`)
// ---------------------------------------------------------------------------------------------

const personaFields = {
  backgroundNoise: ["string"],
  backstoryPrompt: ["string", "null"],
  baseEmotion: ["string"],
  confirmationStyle: ["string"],
  description: ["string", "null"],
  hasDisfluencies: ["boolean"],
  idleMessageMaxSpokenCount: ["number"],
  idleMessageResetCountOnUserSpeechEnabled: ["boolean"],
  idleMessages: ["array"],
  idleTimeoutSeconds: ["number"],
  intentClarity: ["string"],
  memoryReliability: ["string"],
  properties: ["object"],
  responseTiming: ["string"],
  secondaryLanguage: ["string", "null"],
  speechClarity: ["string"],
  speechPace: ["string"]
} as const

/** `simulation-persona.ts` `SimulationPersonaCreateParams`. */
export const personaCreate = closedShape<SimulationPersonaCreateParams>()(
  { name: ["string"], language: ["string"], accent: ["string"], gender: ["string"] },
  personaFields
)

/** `simulation-persona.ts` `SimulationPersonaUpdateParams`: every field optional. */
export const personaUpdate = closedShape<SimulationPersonaUpdateParams>()(
  {},
  { ...personaFields, name: ["string"], language: ["string"], accent: ["string"], gender: ["string"] }
)

const stepFields = { dtmfDigits: ["string"], linkedScenarioId: ["string"], silenceDurationSeconds: ["number"] } as const

/** `simulation-scenario.ts` `SimulationScenarioCreateParams` (and its `Step`). */
export const scenarioCreate = closedShape<SimulationScenarioCreateParams>()(
  { name: ["string"], steps: ["array"] },
  {},
  { nested: { steps: closedShape<SimulationScenarioCreateParams.Step>()({ content: ["string"], type: ["string"] }, stepFields) } }
)

/** `simulation-scenario.ts` `SimulationScenarioUpdateParams`: step changes told apart by `action`. */
export const scenarioUpdate = closedShape<SimulationScenarioUpdateParams>()(
  { stepChanges: ["array"] },
  { name: ["string"] },
  {
    nested: {
      stepChanges: variants<SimulationScenarioUpdateParams["stepChanges"][number]>()("action", {
        create: closedShape<SimulationScenarioUpdateParams.CreateStepChange>()({ action: ["string"], content: ["string"], type: ["string"] }, stepFields),
        update: closedShape<SimulationScenarioUpdateParams.UpdateStepChange>()({ action: ["string"], nodeId: ["string"] }, { ...stepFields, content: ["string"], type: ["string"] }),
        delete: closedShape<SimulationScenarioUpdateParams.DeleteStepChange>()({ action: ["string"], nodeId: ["string"] }, {})
      })
    }
  }
)

/**
 * `metric.ts` `MetricCreateDefinitionParams`; the rules are its field docs ("Required for BOOLEAN,
 * NUMERIC, TEXT, and SCALE types", "Required for SCALE type", "Required for CLASSIFICATION type",
 * "Required when scope is PER_PARTICIPANT").
 */
export const metricDefinitionCreate = closedShape<MetricCreateDefinitionParams>()(
  { analysisPackageId: ["string"], name: ["string"], outputType: ["string"] },
  {
    booleanFalseLabel: ["string"],
    booleanTrueLabel: ["string"],
    classificationOptions: ["array"],
    llmPrompt: ["string"],
    maxClassifications: ["number"],
    metricId: ["string"],
    participantRole: ["string"],
    scaleLabels: ["array"],
    scaleMax: ["number"],
    scaleMin: ["number"],
    scope: ["string"],
    supportedContexts: ["array"]
  },
  {
    nested: {
      classificationOptions: closedShape<MetricCreateDefinitionParams.ClassificationOption>()(
        { description: ["string"], displayOrder: ["number"], label: ["string"] },
        {}
      ),
      scaleLabels: closedShape<MetricCreateDefinitionParams.ScaleLabel>()(
        { displayOrder: ["number"], label: ["string"], rangeMax: ["number"], rangeMin: ["number"] },
        { colorHex: ["string"], description: ["string"] }
      )
    },
    rules: (b) => [
      ...(["BOOLEAN", "NUMERIC", "TEXT", "SCALE"].includes(b["outputType"] as string) && b["llmPrompt"] === undefined
        ? [`llmPrompt: required by the SDK for outputType ${b["outputType"]}, missing`]
        : []),
      ...(b["outputType"] === "SCALE" ? ["scaleMin", "scaleMax"].filter((k) => b[k] === undefined).map((k) => `${k}: required by the SDK for outputType SCALE, missing`) : []),
      ...(b["outputType"] === "CLASSIFICATION" && b["classificationOptions"] === undefined ? ["classificationOptions: required by the SDK for outputType CLASSIFICATION, missing"] : []),
      ...(b["scope"] === "PER_PARTICIPANT" && b["participantRole"] === undefined ? ["participantRole: required by the SDK when scope is PER_PARTICIPANT, missing"] : [])
    ]
  }
)

const runPlanOptional = {
  description: ["string"],
  endCallPhrases: ["array"],
  endCallReasons: ["array"],
  executionMode: ["string"],
  iterationCount: ["number"],
  maxConcurrentJobs: ["number"],
  silenceTimeoutSeconds: ["number"]
} as const

/** `simulation-run-plan.ts` `SimulationRunPlanCreateParams`. */
export const runPlanCreate = closedShape<SimulationRunPlanCreateParams>()(
  {
    agentEndpoints: ["array"],
    direction: ["string"],
    maxSimulationDurationSeconds: ["number"],
    metrics: ["array"],
    name: ["string"],
    personas: ["array"],
    scenarios: ["array"]
  },
  { ...runPlanOptional, autoRun: ["boolean"] },
  {
    nested: {
      agentEndpoints: closedShape<SimulationRunPlanCreateParams.AgentEndpoint>()({ id: ["string"] }, {}),
      metrics: closedShape<SimulationRunPlanCreateParams.Metric>()({ id: ["string"] }, {}),
      personas: closedShape<SimulationRunPlanCreateParams.Persona>()({ id: ["string"] }, {}),
      scenarios: closedShape<SimulationRunPlanCreateParams.Scenario>()({ id: ["string"] }, { variables: ["object"] })
    }
  }
)

/** `simulation-run-plan.ts` `SimulationRunPlanUpdateParams`: every field optional. */
export const runPlanUpdate = closedShape<SimulationRunPlanUpdateParams>()(
  {},
  {
    ...runPlanOptional,
    agentEndpoints: ["array"],
    direction: ["string"],
    maxSimulationDurationSeconds: ["number"],
    metrics: ["array"],
    name: ["string"],
    personas: ["array"],
    scenarios: ["array"]
  },
  {
    nested: {
      agentEndpoints: closedShape<SimulationRunPlanUpdateParams.AgentEndpoint>()({ id: ["string"] }, {}),
      metrics: closedShape<SimulationRunPlanUpdateParams.Metric>()({ id: ["string"] }, {}),
      personas: closedShape<SimulationRunPlanUpdateParams.Persona>()({ id: ["string"] }, {}),
      scenarios: closedShape<SimulationRunPlanUpdateParams.Scenario>()({ id: ["string"] }, { variables: ["object"] })
    }
  }
)

/** `simulation-run-plan-job.ts` `SimulationRunPlanJobStartParams`: a flat map of strings, or per-scenario maps. */
export const runPlanJobStart = closedShape<SimulationRunPlanJobStartParams>()(
  {},
  { variables: ["object", "array"] },
  {
    rules: (b) => {
      const v = b["variables"]
      if (v === undefined || Array.isArray(v) || v === null || typeof v !== "object") return []
      return Object.entries(v).filter(([, x]) => typeof x !== "string").map(([k]) => `variables.${k}: expected string`)
    }
  }
)

// ---------------------------------------------------------------------------------------------
// Routes
// ---------------------------------------------------------------------------------------------

/** What a request on a route must carry: a body of the SDK type named, or no body. */
export interface RequestContract {
  readonly sdk: string
  readonly body: AnyShape | "none"
}

/**
 * Every route the adapter sends a body on (routes as `RequestLog` folds them: ids as `:id`), and
 * the cancel, which has none. A request on a route missing here fails the contract test: a new
 * route needs its contract first.
 */
export const requestContracts: Readonly<Record<string, RequestContract>> = {
  "POST /v1/persona": { sdk: "SimulationPersonaCreateParams", body: personaCreate },
  "PUT /v1/persona/:id": { sdk: "SimulationPersonaUpdateParams", body: personaUpdate },
  "POST /v1/simulation/scenario": { sdk: "SimulationScenarioCreateParams", body: scenarioCreate },
  "PUT /v1/simulation/scenario/:id": { sdk: "SimulationScenarioUpdateParams", body: scenarioUpdate },
  "POST /v1/metric/definitions": { sdk: "MetricCreateDefinitionParams", body: metricDefinitionCreate },
  "POST /v1/simulation/plan": { sdk: "SimulationRunPlanCreateParams", body: runPlanCreate },
  "PUT /v1/simulation/plan/:id": { sdk: "SimulationRunPlanUpdateParams", body: runPlanUpdate },
  "POST /v1/simulation/plan/:id/job": { sdk: "SimulationRunPlanJobStartParams", body: runPlanJobStart },
  // Added after v2.31 (vendors/roark.md §6.2: "No body").
  "POST /v1/simulation/plan/job/:id/cancel": { sdk: "(after v2.31) cancel: no body", body: "none" }
}

// ---------------------------------------------------------------------------------------------
// The driver's body builders against the SDK types (compile-time)
// ---------------------------------------------------------------------------------------------

type Sent<F extends (...args: never) => unknown> = Wire<ReturnType<F>>

/**
 * Each builder's output, as JSON carries it, is assignable to the SDK parameter type of its route
 * and has no field that type lacks (persona enums widened by the values Roark added after v2.31
 * only, `later.ts`). `tsc -b` fails when a builder drifts from the SDK. Provisioning sends the run plan's fields with its marked
 * `description`.
 */
export type BuildersFitTheSdk = [
  Expect<Fits<Sent<typeof Requests.personaBody>, WithLater<SimulationPersonaCreateParams, LaterPersona>>>,
  Expect<Fits<Sent<typeof Requests.personaBody>, WithLater<SimulationPersonaUpdateParams, LaterPersona>>>,
  Expect<Fits<Sent<typeof Requests.scenarioCreateBody>, SimulationScenarioCreateParams>>,
  Expect<Fits<Sent<typeof Requests.scenarioUpdateBody>, SimulationScenarioUpdateParams>>,
  Expect<Fits<Sent<typeof Requests.metricDefinitionBody>, MetricCreateDefinitionParams>>,
  Expect<Fits<Wire<ReturnType<typeof Requests.runPlanBody> & { readonly description: string }>, SimulationRunPlanCreateParams>>,
  Expect<Fits<Wire<ReturnType<typeof Requests.runPlanBody> & { readonly description: string }>, SimulationRunPlanUpdateParams>>,
  Expect<Fits<Sent<typeof Requests.runStartBody>, SimulationRunPlanJobStartParams>>
]
