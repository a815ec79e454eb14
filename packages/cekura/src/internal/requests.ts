/**
 * The request side of the Cekura driver: the plan's Cekura settings, and the personality,
 * scenario, test profile and run bodies built from a plan. `contextFromScenario` reads a provisioned scenario back,
 * so the prompt format and its parser live together.
 */
import { type Evaluator, Persona, Plan, ProviderError, VendorSettings } from "@simbridge/core"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as CekuraSuite from "../CekuraSuite.js"
import { Options, Target } from "../CekuraSuite.js"
import * as Wire from "../CekuraWire.js"
import * as Mapping from "./mapping.js"

export const provider = CekuraSuite.name

export const fail = (operation: string, reason: ProviderError.Reason, description: string) =>
  ProviderError.make({ provider, operation, reason, description })

/**
 * The plan's `target.cekura` and `vendors.cekura`, decoded strictly (an unknown field fails with
 * `InvalidRequest` naming it), once per plan.
 */
export const settingsOf = VendorSettings.make({
  provider,
  target: Target,
  options: Options,
  targetExample: "{ agentId } or { assistantId }"
})

/** A canonical run id as a Cekura result id (Cekura's ids are integers). */
export const resultIdOf = (operation: string, id: string): Effect.Effect<number, ProviderError.ProviderError> =>
  /^\d+$/.test(id) ? Effect.succeed(Number(id)) : Effect.fail(fail(operation, "NotFound", `no Cekura result ${id} (ids are integers)`))

/** What simbridge needs to judge one evaluator on a Cekura run. */
export interface EvaluatorSpec {
  readonly id: string
  readonly required: boolean
  readonly type: Evaluator.Type
  readonly comparator: Evaluator.Comparator
  readonly expect: Evaluator.Expected | undefined
  readonly metricId?: number | undefined
}

/** The canonical identity of a provisioned Cekura scenario. */
export interface ScenarioContext {
  readonly scenario: string
  readonly persona: string
  readonly evaluators: ReadonlyArray<EvaluatorSpec>
}

export const expectedOutcomeId = "expected_outcome"

const expectation = (e: Evaluator.Evaluator): string =>
  e.type === "boolean"
    ? e.expect === (e.comparator === "=") ? "" : " (expected: it did not happen)"
    : ` (expected ${e.comparator} ${JSON.stringify(e.expect)})`

/** One expected-outcome line per evaluator not mapped to a metric, then the scenario's expected outcome. */
export const expectedOutcomePrompt = (plan: Plan.Plan, scenario: Plan.Plan["scenarios"][number], metrics: Readonly<Record<string, number>>): string =>
  [
    ...Plan.evaluatorsOf(plan, scenario)
      .filter((e) => metrics[e.id] === undefined)
      .map((e) => `[${e.id}]${e.required ? "" : " (optional)"} ${e.description}${expectation(e)}`),
    ...(scenario.expectedOutcome ? [`[${expectedOutcomeId}] ${scenario.expectedOutcome}`] : [])
  ].join("\n")

const linePattern = /^\[([A-Za-z0-9][A-Za-z0-9._-]*)\](\s\(optional\))?\s/

/** Reads the evaluators back from a scenario's prompt and tags (used when the driver's cache misses). */
export const contextFromScenario = (scenario: Wire.Scenario): ScenarioContext | undefined => {
  const tags = Wire.tagsOf(scenario)
  const tag = (prefix: string) => tags.filter((t) => t.startsWith(prefix)).map((t) => t.slice(prefix.length))
  const s = tag("sb-scenario:")[0]
  const p = tag("sb-persona:")[0]
  if (s === undefined || p === undefined) return undefined
  const optional = new Set(tag("sb-optional:"))
  const fromPrompt = (scenario.expected_outcome_prompt ?? "").split("\n").flatMap((line): Array<EvaluatorSpec> => {
    const m = linePattern.exec(line.trim())
    return m === null ? [] : [{ id: m[1]!, required: m[2] === undefined, type: "boolean", comparator: "=", expect: true }]
  })
  const fromMetrics = tag("sb-metric:").flatMap((t): Array<EvaluatorSpec> => {
    const [id, metric] = t.split("=")
    return id && metric && /^\d+$/.test(metric)
      ? [{ id, required: !optional.has(id), type: "boolean", comparator: "=", expect: undefined, metricId: Number(metric) }]
      : []
  })
  return { scenario: s, persona: p, evaluators: [...fromPrompt, ...fromMetrics] }
}

/** The evaluators of one scenario as simbridge judges them on Cekura. */
export const evaluatorSpecs = (plan: Plan.Plan, scenario: Plan.Plan["scenarios"][number], metrics: Readonly<Record<string, number>>): ReadonlyArray<EvaluatorSpec> => [
  ...Plan.evaluatorsOf(plan, scenario).map((e) => ({
    id: e.id,
    required: e.required,
    type: e.type,
    comparator: e.comparator,
    expect: e.expect,
    ...(metrics[e.id] === undefined ? {} : { metricId: metrics[e.id] })
  })),
  ...(scenario.expectedOutcome ? [{ id: expectedOutcomeId, required: true, type: "boolean" as const, comparator: "=" as const, expect: true }] : [])
]

/** The scenario's instructions, scripted steps and the caller persona in prose. */
export const instructions = (scenario: Plan.Plan["scenarios"][number], persona: Persona.Persona): string =>
  [
    scenario.instructions,
    ...(scenario.steps && scenario.steps.length > 0 ? [`Steps:\n${scenario.steps.map((s, i) => `${i + 1}. ${s}`).join("\n")}`] : []),
    `Caller persona:\n${Persona.describe(persona)}`
  ].join("\n\n")

/** Scores a catalogue personality for a persona: language first, then accent, gender, noise, mood. */
export const personalityScore = (persona: Persona.Persona, p: Wire.Personality): number => {
  const text = `${p.name} ${p.prompt ?? ""}`.toLowerCase()
  let score = 0
  if ((p.language ?? "en").toLowerCase() === Mapping.languageOf[persona.language]) score += 100
  if (persona.accent && (p.accent ?? "").toLowerCase() === Mapping.accentOf[persona.accent]) score += 20
  if (persona.gender && persona.gender !== "neutral" && new RegExp(`\\b${persona.gender}\\b`).test(text)) score += 10
  if (persona.backgroundNoise && (p.background_noise ?? "none").toLowerCase() === Mapping.backgroundNoiseOf[persona.backgroundNoise]) score += 10
  if (persona.emotion && text.includes(persona.emotion)) score += 5
  return score
}

/** The closest personality (ties: the lowest id). */
export const closestPersonality = (persona: Persona.Persona, catalogue: ReadonlyArray<Wire.Personality>): Wire.Personality | undefined =>
  [...catalogue].sort((a, b) => personalityScore(persona, b) - personalityScore(persona, a) || a.id - b.id)[0]

export const truncate = (s: string, n: number) => (s.length <= n ? s : `${s.slice(0, n - 1)}…`)

/** The result name carrying the marker, and the marker read back. */
export const resultName = (plan: Plan.Plan, marker: string) => `${truncate(plan.name, 200)} [${marker}]`
export const markerOf = (name: string | null | undefined): string | undefined => /\[([^\]\s]+)\]\s*$/.exec(name ?? "")?.[1]

export const pairKey = (scenario: string, persona: string) => `${scenario}/${persona}`

/** The keys of a provisioning's refs that the driver reads back. */
export const refKey = {
  pair: (scenario: string, persona: string) => `scenario:${pairKey(scenario, persona)}`,
  testProfile: (scenario: string, persona: string) => `testProfile:${pairKey(scenario, persona)}`,
  agent: "agent"
} as const

/** The plan's evaluator-to-metric mapping as a plain record. */
export const metricsOf = (o: Options): Record<string, number> => ({ ...o.metrics }) as Record<string, number>

/** A pair's test profile: persona properties for the caller, scenario variables for the agent. */
export const testProfileInformation = (scenario: Plan.Plan["scenarios"][number], persona: Persona.Persona) => ({
  main_agent_variables: { ...scenario.variables },
  testing_agent_variables: { name: persona.name, ...(persona.backstory ? { backstory: persona.backstory } : {}), ...persona.properties }
})

/** What every test profile name of a pair starts with: the pair, hashed when long. */
export const testProfileMarker = (scenario: Plan.Plan["scenarios"][number], persona: Persona.Persona): string => {
  const key = pairKey(scenario.id, persona.id)
  return `sb:${key.length > 200 ? Plan.definitionHash(key) : key}#`
}

/**
 * A test profile's name: the pair's marker and its information's hash. Cekura has no update route
 * for test profiles, so a changed persona or variables makes a new profile.
 */
export const testProfileName = (scenario: Plan.Plan["scenarios"][number], persona: Persona.Persona, information: unknown): string =>
  `${testProfileMarker(scenario, persona)}${Plan.definitionHash(information)}`

/** The evaluators of a scenario that Cekura judges with a metric. */
const metricEvaluators = (plan: Plan.Plan, scenario: Plan.Plan["scenarios"][number], metrics: Readonly<Record<string, number>>) =>
  Plan.evaluatorsOf(plan, scenario).filter((e) => metrics[e.id] !== undefined)

/** The Cekura scenario of a pair, as created or updated; its definition hash decides reuse, so the key order is fixed. */
export const scenarioBody = (
  plan: Plan.Plan,
  scenario: Plan.Plan["scenarios"][number],
  persona: Persona.Persona,
  settings: { readonly personality: number; readonly testProfile: number; readonly metrics: Readonly<Record<string, number>>; readonly options: Options }
) => ({
  name: truncate(`${scenario.name} / ${persona.name}`, 80),
  personality: settings.personality,
  instructions: instructions(scenario, persona),
  expected_outcome_prompt: expectedOutcomePrompt(plan, scenario, settings.metrics),
  metrics: metricEvaluators(plan, scenario, settings.metrics).map((e) => settings.metrics[e.id]!),
  test_profile: settings.testProfile,
  ...(settings.options.folderPath === undefined ? {} : { folder_path: settings.options.folderPath })
})

/** The tags that identify a provisioned scenario and carry what `contextFromScenario` reads back. */
export const scenarioTags = (
  plan: Plan.Plan,
  scenario: Plan.Plan["scenarios"][number],
  persona: Persona.Persona,
  hash: string,
  metrics: Readonly<Record<string, number>>
): Array<string> => {
  const evaluatorMetrics = metricEvaluators(plan, scenario, metrics)
  return [
    "simbridge",
    `sb-scenario:${scenario.id}`,
    `sb-persona:${persona.id}`,
    `sb-hash:${hash}`,
    ...evaluatorMetrics.map((e) => `sb-metric:${e.id}=${metrics[e.id]}`),
    ...evaluatorMetrics.filter((e) => !e.required).map((e) => `sb-optional:${e.id}`)
  ]
}

/** The fields both run triggers (voice and text) send; the target's agent wins over the provisioned one. */
export const runBody = (
  plan: Plan.Plan,
  marker: string,
  scenarios: Array<number>,
  target: Target,
  agentId: string | undefined,
  opts: Options
) => ({
  ...(target.agentId !== undefined ? { agent_id: target.agentId } : agentId !== undefined ? { agent_id: Number(agentId) } : { assistant_id: target.assistantId! }),
  scenarios,
  frequency: plan.iterations,
  name: resultName(plan, marker),
  ...(plan.concurrency === undefined ? {} : { concurrency_limit: plan.concurrency }),
  ...(opts.outboundPhoneNumber === undefined ? {} : { outbound_phone_number: opts.outboundPhoneNumber }),
  ...(opts.agentNumber === undefined ? {} : { agent_number: opts.agentNumber }),
  ...(opts.mockToolNames === undefined ? {} : { mock_tool_names: opts.mockToolNames })
})

// ---------------------------------------------------------------------------------------------
// personalities
// ---------------------------------------------------------------------------------------------

const isPersonalityLanguage = (code: string): code is Wire.CreatePersonalityRequest["language"] & string =>
  (Wire.personalityLanguages as ReadonlyArray<string>).includes(code)

/**
 * What a persona's personality says of it: the persona in prose as its prompt, and the language,
 * accent and background noise Cekura has fields for. Its hash is in the personality's name.
 */
export const personalityDefinition = (persona: Persona.Persona) => {
  const language = Mapping.languageOf[persona.language]
  return {
    prompt: Persona.describe(persona),
    ...(isPersonalityLanguage(language) ? { language } : {}),
    ...(persona.accent ? { accent: Mapping.accentOf[persona.accent] } : {}),
    background_noise: Mapping.backgroundNoiseOf[persona.backgroundNoise ?? "none"]
  }
}

const markerPrefix = "[sb-persona:"

/** What every personality name of a persona carries: `[sb-persona:<id>#` (the id hashed when long). */
export const personalityMarker = (persona: Persona.Persona): string =>
  `${markerPrefix}${persona.id.length > 100 ? Plan.definitionHash(persona.id) : persona.id}#`

/**
 * A persona's personality name: its name, then the marker and the definition's hash. Cekura has no
 * update route for personalities, so a changed persona makes a new personality.
 */
export const personalityName = (persona: Persona.Persona, definition: ReturnType<typeof personalityDefinition>): string =>
  `${truncate(persona.name, 120)} ${personalityMarker(persona)}${Plan.definitionHash(definition)}]`

/** Whether simbridge made this personality (it is then no catalogue voice to copy). */
export const isProvisionedPersonality = (p: Wire.Personality): boolean => p.name.includes(markerPrefix)

/**
 * The catalogue personality whose voice a persona's personality takes: the closest one (language,
 * accent, gender, noise, mood) among those with a voice model that simbridge did not make. The
 * voice models Cekura accepts are not documented, so simbridge uses only voices the account has.
 */
export const voiceFor = (persona: Persona.Persona, catalogue: ReadonlyArray<Wire.Personality>): Wire.Personality | undefined =>
  closestPersonality(persona, catalogue.filter((p) => !isProvisionedPersonality(p) && (p.voice_model ?? "") !== ""))

/** The body creating a persona's personality, with `voice`'s voice. */
export const personalityBody = (
  persona: Persona.Persona,
  definition: ReturnType<typeof personalityDefinition>,
  voice: Wire.Personality,
  project: number | null | undefined
): Wire.CreatePersonalityRequest => {
  const provider = (Wire.personalityProviders as ReadonlyArray<string>).includes(voice.provider ?? "") ? voice.provider as Wire.CreatePersonalityRequest["provider"] : undefined
  return new Wire.CreatePersonalityRequest({
    ...(project === null || project === undefined ? {} : { project }),
    name: personalityName(persona, definition),
    ...definition,
    voice_model: voice.voice_model!,
    ...(voice.voice_id ? { voice_id: voice.voice_id } : {}),
    ...(provider === undefined ? {} : { provider })
  })
}

/** The catalogue personality `vendors.cekura.personalities` pins a persona to: by id, or by name (exact first). */
export const pinnedPersonality = (
  operation: string,
  persona: Persona.Persona,
  pin: CekuraSuite.PersonalityPin,
  catalogue: ReadonlyArray<Wire.Personality>
): Either.Either<Wire.Personality, ProviderError.ProviderError> => {
  const personality = typeof pin === "number"
    ? catalogue.find((p) => p.id === pin)
    : catalogue.find((p) => p.name === pin) ?? catalogue.find((p) => p.name.toLowerCase() === pin.toLowerCase())
  return personality === undefined
    ? Either.left(fail(operation, "InvalidRequest", `vendors.cekura.personalities.${persona.id}: no personality ${typeof pin === "number" ? pin : JSON.stringify(pin)} in the catalogue`))
    : Either.right(personality)
}
