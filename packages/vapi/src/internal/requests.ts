/**
 * The request bodies built from a plan: vendor names (`sb:<canonical id> #<definition hash>`), the
 * plan's target and options, personalities, scenarios with their evaluations, simulations, the
 * suite and the run start. Pure: the driver sends what these return.
 *
 * @internal
 */
import { Persona, Plan, ProviderError, VendorSettings } from "@simbridge/core"
import * as VapiSuite from "../VapiSuite.js"
import { Options, Target } from "../VapiSuite.js"
import type * as VapiWire from "../VapiWire.js"
import * as Mapping from "./mapping.js"

const provider = VapiSuite.name

// ---------------------------------------------------------------------------------------------
// Naming: `sb:<canonical id> #<hash>` (at most 80 characters)
// ---------------------------------------------------------------------------------------------

const namePattern = /^sb:(\S+) #([0-9a-f]{6,16})$/

/** The vendor name of a canonical object: its id (shortened with a hash when too long) and its definition hash. */
export const label = (id: string, hash: string): string => {
  const short = hash.slice(0, 12)
  const room = 80 - "sb: #".length - short.length
  const shown = id.length <= room ? id : `${id.slice(0, room - 9)}~${Plan.definitionHash(id).slice(0, 8)}`
  return `sb:${shown} #${short}`
}

/** `{ id, hash }` from a name written by {@link label}; `undefined` for anything else. */
export const parseLabel = (name: string | null | undefined): { readonly id: string; readonly hash: string } | undefined => {
  const m = namePattern.exec(name ?? "")
  return m === null ? undefined : { id: m[1]!, hash: m[2]! }
}

/** An evaluation's name: the evaluator id, shortened with a hash when too long. */
export const evaluationName = (id: string): string => (id.length <= 40 ? id : `${id.slice(0, 31)}~${Plan.definitionHash(id).slice(0, 8)}`)

/** A run marker inside a simulation entry's name. */
export const markerPattern = /sb-[0-9a-z]+-[0-9a-f]{8}/

// ---------------------------------------------------------------------------------------------
// Canonical -> wire
// ---------------------------------------------------------------------------------------------

/** A plan the Vapi driver cannot send, as an `InvalidRequest`. */
export const invalid = (operation: string, description: string) => ProviderError.make({ provider, operation, reason: "InvalidRequest", description })

/** The plan's `target.vapi` and `vendors.vapi`, decoded strictly once per plan (core's `VendorSettings`). */
export const settingsOf = VendorSettings.make({
  provider,
  target: Target,
  options: Options,
  targetExample: "{ assistantId: <uuid> } or { squadId: <uuid> }"
})

export const wireTarget = (target: Target): VapiWire.RunTarget =>
  target.assistantId !== undefined ? { type: "assistant", assistantId: target.assistantId } : { type: "squad", squadId: target.squadId! }

/**
 * What marks a `contains` evaluator's description: Vapi has no `contains` comparator, so the
 * evaluator is asked as a yes/no question and its extracted boolean is Vapi's own check
 * (`checkedByVendor` on the result's evaluation).
 */
export const containsNote = "(true when the value contains "

/** An evaluator as an inline structured-output evaluation. */
export const evaluation = (e: Plan.Plan["evaluators"][number]): VapiWire.EvaluationPlanItem => {
  const comparator = Mapping.comparator(e.comparator)
  if (comparator === undefined) {
    const description = `${e.description} ${containsNote}${JSON.stringify(e.expect)})`
    return { structuredOutput: { name: evaluationName(e.id), type: "ai", description, schema: { type: "boolean", description } }, comparator: "=", value: true, required: e.required }
  }
  return {
    structuredOutput: { name: evaluationName(e.id), type: "ai", description: e.description, schema: { type: Mapping.schemaType(e.type), description: e.description } },
    comparator,
    value: e.expect,
    required: e.required
  }
}

export const personality = (persona: Persona.Persona, options: Options): VapiWire.CreatePersonality => ({
  name: persona.name.slice(0, 80),
  assistant: {
    model: {
      ...(options.testerModel ?? { provider: "openai", model: "gpt-4o" }),
      messages: [{ role: "system", content: Persona.describe(persona) }]
    },
    ...(options.testerVoice ? { voice: options.testerVoice } : {}),
    ...(persona.language !== "en" ? { transcriber: { provider: "deepgram", language: persona.language } } : {})
  },
  path: options.folder ?? "simbridge"
})

export const scenario = (plan: Plan.Plan, s: Plan.Plan["scenarios"][number], options: Options): VapiWire.CreateScenario => {
  const steps = s.steps && s.steps.length > 0 ? `\n\nFollow these steps in order:\n${s.steps.map((step, i) => `${i + 1}. ${step}`).join("\n")}` : ""
  const overrides = {
    ...(s.variables && Object.keys(s.variables).length > 0 ? { variableValues: s.variables } : {}),
    ...(plan.maxDurationSeconds === undefined ? {} : { maxDurationSeconds: plan.maxDurationSeconds })
  }
  const hookTo = (on: VapiWire.HookEvent): VapiWire.Hook => ({
    on,
    do: [{ type: "webhook", server: { url: options.webhookUrl! }, ...(on === "simulation.run.ended" ? { include: { transcript: true, messages: true, recordingUrl: true } } : {}) }]
  })
  return {
    name: s.name.slice(0, 80),
    instructions: `${s.instructions}${steps}`.slice(0, 10000),
    evaluations: Plan.evaluatorsOf(plan, s).map(evaluation),
    ...(Object.keys(overrides).length > 0 ? { targetOverrides: overrides } : {}),
    ...(s.toolMocks && s.toolMocks.length > 0
      ? { toolMocks: s.toolMocks.map((m) => ({ toolName: m.tool, result: typeof m.response === "string" ? m.response : JSON.stringify(m.response), enabled: true })) }
      : {}),
    ...(options.webhookUrl ? { hooks: [hookTo("simulation.run.started"), hookTo("simulation.run.ended")] } : {}),
    path: options.folder ?? "simbridge"
  }
}

/** A scenario x persona as a simulation. */
export const simulation = (scenarioId: string, personalityId: string, options: Options): VapiWire.CreateSimulation =>
  ({ scenarioId, personalityId, path: options.folder ?? "simbridge" }) as VapiWire.CreateSimulation

/** The plan's canonical id for its suite: its name as a slug. */
export const planSlug = (plan: Plan.Plan) => plan.name.toLowerCase().replace(/[^a-z0-9._-]+/g, "-").replace(/^-+|-+$/g, "") || "plan"

/** The plan as a suite of its simulations, assigned to the target (provisioning names it). */
export const suite = (simulationIds: ReadonlyArray<string>, target: Target, options: Options) => ({
  name: "",
  simulationIds,
  targetAssignments: [target.assistantId !== undefined ? { targetType: "assistant" as const, targetId: target.assistantId } : { targetType: "squad" as const, targetId: target.squadId! }],
  ...(options.slackWebhookUrl ? { slackWebhookUrl: options.slackWebhookUrl } : {}),
  path: options.folder ?? "simbridge"
})

/** The provisioning key of a scenario x persona's simulation. */
export const simulationKey = (scenario: string, persona: string) => `simulation:${scenario}/${persona}`

/**
 * A run of the plan's provisioned simulations, one `simulation` entry each, every entry named
 * `<marker> <plan name>` so that `findRun` recognises the run. Not one `simulationSuite` entry: a
 * suite entry's `name` is read-only in Vapi's spec (the suite's name, captured by Vapi), so it
 * cannot carry the marker; a simulation entry's `name` is the caller's.
 */
export const runStart = (marker: string, plan: Plan.Plan, simulationIds: ReadonlyArray<string>, target: Target): VapiWire.CreateRun => ({
  simulations: simulationIds.map((simulationId) => ({ type: "simulation", simulationId, name: `${marker} ${plan.name}`.slice(0, 80) })),
  target: wireTarget(target),
  iterations: Math.min(plan.iterations, 10),
  transport: { provider: Mapping.transportProvider(plan.transport) }
})
