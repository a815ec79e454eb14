/**
 * Request bodies built from a plan: the suite's Roark settings, personas, scenarios, evaluators as
 * metric definitions, the run plan and a run's start. Pure; the find-or-create that sends them is
 * `internal/provisioning.ts`, the start `RoarkProvider.make`.
 *
 * @internal
 */
import { type Evaluator, type Plan, ProviderError, Provisioning } from "@simbridge/core"
import * as VendorSettings from "@simbridge/core/VendorSettings"
import * as Effect from "effect/Effect"
import { name, Options, Target } from "../RoarkSuite.js"
import type * as Wire from "../RoarkWire.js"
import * as M from "./mapping.js"
import type { RefEncoded } from "./results.js"

/** The job variable that carries simbridge's run marker (see `findRun`). */
export const markerVariable = "simbridgeRunMarker"

/**
 * The suite's `target.roark` and `vendors.roark`, decoded strictly and once per plan (core's
 * `VendorSettings`); a wrong or unknown field fails with `InvalidRequest` naming it.
 */
export const settingsOf = VendorSettings.make({ provider: name, target: Target, options: Options, targetExample: "{ agentEndpointId: <uuid> }" })

/** Fails `operation` with a `ProviderError` of this provider. */
export const fail = (operation: string, reason: ProviderError.Reason, description: string) =>
  Effect.fail(ProviderError.make({ provider: name, operation, reason, description }))

export const personaBody = (p: Plan.Plan["personas"][number], options: Options, hash: string): Wire.PersonaCreate => {
  const accent = p.accent === undefined ? M.defaultAccent[p.language] : M.accent[p.accent]
  const gender = (p.gender === undefined ? undefined : M.gender[p.gender]) ?? M.fallbackGender
  const description = M.marker("persona", p.id, hash)
  return {
    name: p.name,
    language: M.language[p.language] as Wire.PersonaCreate["language"],
    accent: accent as Wire.PersonaCreate["accent"],
    gender: gender as Wire.PersonaCreate["gender"],
    description,
    ...(p.emotion === undefined ? {} : { baseEmotion: M.emotion[p.emotion] as Wire.PersonaCreate["baseEmotion"] & string }),
    ...(p.backgroundNoise === undefined ? {} : { backgroundNoise: M.backgroundNoise[p.backgroundNoise] as NonNullable<Wire.PersonaCreate["backgroundNoise"]> }),
    ...(p.speechPace === undefined ? {} : { speechPace: M.speechPace[p.speechPace] as NonNullable<Wire.PersonaCreate["speechPace"]> }),
    ...(p.speechClarity === undefined ? {} : { speechClarity: M.speechClarity[p.speechClarity] as NonNullable<Wire.PersonaCreate["speechClarity"]> }),
    ...(p.intentClarity === undefined ? {} : { intentClarity: M.intentClarity[p.intentClarity] as NonNullable<Wire.PersonaCreate["intentClarity"]> }),
    ...(p.confirmationStyle === undefined ? {} : { confirmationStyle: M.confirmationStyle[p.confirmationStyle] as NonNullable<Wire.PersonaCreate["confirmationStyle"]> }),
    ...(p.memoryReliability === undefined ? {} : { memoryReliability: M.memoryReliability[p.memoryReliability] as NonNullable<Wire.PersonaCreate["memoryReliability"]> }),
    ...(p.backstory === undefined ? {} : { backstoryPrompt: p.backstory }),
    ...(p.properties === undefined ? {} : { properties: p.properties }),
    ...(options.hasDisfluencies === undefined ? {} : { hasDisfluencies: options.hasDisfluencies })
  }
}

/** Instructions and scripted steps as customer turns, the expected outcome as a final agent turn. */
export const scenarioSteps = (s: Plan.Plan["scenarios"][number]): Wire.ScenarioCreate["steps"] => [
  { type: "CUSTOMER_TURN", content: s.instructions },
  ...(s.steps ?? []).map((content) => ({ type: "CUSTOMER_TURN" as const, content })),
  ...(s.expectedOutcome === undefined || s.expectedOutcome.trim() === "" ? [] : [{ type: "AGENT_TURN" as const, content: s.expectedOutcome }])
]

export const scenarioName = (s: Plan.Plan["scenarios"][number], hash: string) => `${s.name} ${M.marker("scenario", s.id, hash)}`

export const stringVariables = (v: Record<string, unknown> | undefined): Record<string, string> | undefined =>
  v === undefined ? undefined : Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x)]))

/** `POST /v1/simulation/scenario`: the marked name (the START node's content) and the steps. */
export const scenarioCreateBody = (s: Plan.Plan["scenarios"][number], hash: string) => ({ name: scenarioName(s, hash), steps: scenarioSteps(s) })

/** `PUT /v1/simulation/scenario/{id}`: the marked name, and step changes that replace every step of `existing`. */
export const scenarioUpdateBody = (existing: Wire.Scenario, s: Plan.Plan["scenarios"][number], hash: string) => ({
  name: scenarioName(s, hash),
  stepChanges: scenarioStepChanges(existing, scenarioSteps(s))
})

/** The step changes that replace a scenario's steps (all but its START node) with `steps`. */
export const scenarioStepChanges = (existing: Wire.Scenario, steps: Wire.ScenarioCreate["steps"]): Array<Wire.StepChange> => [
  ...existing.steps.flatMap((x) => (x.nodeId === undefined || x.type === "START" ? [] : [{ action: "delete" as const, nodeId: x.nodeId }])),
  ...steps.map((x) => ({ action: "create" as const, ...x }))
]

/**
 * What a metric definition of an evaluator is made from (its definition hash): the fields its
 * create body carries. The comparator and expected value stay with simbridge, which judges the
 * metric's value, so changing them needs no new definition.
 */
export const evaluatorDefinition = (e: Evaluator.Evaluator) => ({
  id: e.id,
  name: e.name ?? null,
  description: e.description,
  type: e.type,
  scale: e.scale ?? null
})

/**
 * The metric definition of an evaluator (the SDK's `MetricCreateDefinitionParams`), added to the
 * analysis package `analysisPackageId`. The evaluator's description is the prompt Roark's judge
 * scores with; the slug (`metricId`) is simbridge's marker (`M.metricSlug`); a BOOLEAN's labels
 * are `true` / `false`, which the results read as booleans; a number evaluator with a scale is a
 * SCALE over that range.
 */
export const metricDefinitionBody = (e: Evaluator.Evaluator, hash: string, analysisPackageId: string) => {
  const outputType = M.metricType(e)
  return {
    analysisPackageId,
    name: e.name ?? e.id,
    outputType,
    llmPrompt: e.description,
    metricId: M.metricSlug(e.id, e.type, hash),
    ...(outputType === "BOOLEAN" ? M.booleanLabels : {}),
    ...(outputType === "SCALE" && e.scale !== undefined ? { scaleMin: e.scale[0], scaleMax: e.scale[1] } : {}),
    scope: "GLOBAL" as const,
    supportedContexts: ["CALL" as const]
  } satisfies Wire.MetricDefinitionCreate
}

/** The run plan's fields (without its description, which carries the marker of this body's hash). */
export const runPlanBody = (plan: Plan.Plan, options: Options, target: Target, refs: Record<string, RefEncoded>) => {
  const direction = M.direction[plan.direction]
  return {
    name: plan.name,
    direction,
    maxSimulationDurationSeconds: plan.maxDurationSeconds ?? 300,
    agentEndpoints: [{ id: target.agentEndpointId }] as const,
    personas: plan.personas.map((p) => ({ id: refs[Provisioning.key.persona(p.id)]!.id })),
    scenarios: plan.scenarios.map((s) => {
      const variables = stringVariables(s.variables)
      return { id: refs[Provisioning.key.scenario(s.id)]!.id, ...(variables === undefined ? {} : { variables }) }
    }),
    metrics: [
      ...plan.evaluators.map((e) => ({ id: refs[Provisioning.key.evaluator(e.id)]!.id })),
      ...(options.metrics ?? []).map((id) => ({ id }))
    ],
    iterationCount: plan.direction === "outbound" ? 1 : plan.iterations,
    ...(plan.concurrency === undefined ? {} : { maxConcurrentJobs: plan.concurrency }),
    ...(plan.silenceTimeoutSeconds === undefined ? {} : { silenceTimeoutSeconds: plan.silenceTimeoutSeconds }),
    ...(plan.endCallPhrases === undefined ? {} : { endCallPhrases: plan.endCallPhrases }),
    ...(options.endCallReasons === undefined ? {} : { endCallReasons: options.endCallReasons }),
    executionMode: options.executionMode ?? (plan.executionMode === undefined ? "PARALLEL" as const : M.executionMode[plan.executionMode])
  }
}

/** A run's start: the marker travels as a job variable (see `markerVariable`). */
export const runStartBody = (marker: string) => ({ variables: { [markerVariable]: marker } })
