/**
 * Roark's suite side: its name, the schemas of a suite's `target.roark` and `vendors.roark`
 * entries, its capabilities, the plan check, the environment it reads, and the registry entry
 * (`plugin`) made of them. A leaf: it imports only `effect` and core, so `simbridge validate`,
 * `providers` and `schema` load none of the driver, the client or the wire schemas; the plugin's
 * layers load `RoarkProvider` when they are built. The driver's modules import it for the name and
 * the schemas.
 *
 * @since 0.1.0
 */
import * as Capabilities from "@simbridge/core/Capabilities"
import type * as Plan from "@simbridge/core/Plan"
import * as ProviderRegistry from "@simbridge/core/ProviderRegistry"
import * as Warning from "@simbridge/core/Warning"
import * as Schema from "effect/Schema"

export const name = "roark"

/** The suite's `target.roark` entry. */
export const Target = Schema.Struct({
  agentEndpointId: Schema.NonEmptyTrimmedString.annotations({ description: "The Roark agent endpoint (UUID) the simulated callers reach" })
})
export type Target = typeof Target.Type

/** The suite's `vendors.roark` options; every field is optional. */
export const Options = Schema.Struct({
  /** Overrides the plan's execution mode (`SEQUENTIAL_PROJECT` has no canonical counterpart). */
  executionMode: Schema.optional(Schema.Literal("PARALLEL", "SEQUENTIAL_SAME_RUN_PLAN", "SEQUENTIAL_PROJECT")),
  /** LLM-evaluated end conditions (`endCallReasons`). */
  endCallReasons: Schema.optional(Schema.Array(Schema.String)),
  /**
   * The analysis package (its id, from the Roark account) that new metric definitions are added
   * to: Roark creates a metric definition only inside one. Without it the suite's evaluators must
   * name existing metric definitions (by `metricId` or name), or have been provisioned before.
   */
  analysisPackageId: Schema.optional(Schema.NonEmptyTrimmedString),
  /** Ids of existing Roark metric definitions to add to the run plan (reported as non-required evaluations). */
  metrics: Schema.optional(Schema.Array(Schema.NonEmptyTrimmedString)),
  /** Persona speech disfluencies (`hasDisfluencies`) for every persona. */
  hasDisfluencies: Schema.optional(Schema.Boolean)
})
export type Options = typeof Options.Type

export const env = ["ROARK_API_KEY", "ROARK_API_BEARER_TOKEN", "ROARK_BASE_URL"] as const

export const capabilities = new Capabilities.Capabilities({
  personas: "native",
  personaAttributes: ["language", "accent", "gender", "emotion", "backgroundNoise", "speechPace", "speechClarity", "intentClarity", "confirmationStyle", "memoryReliability"],
  directions: ["inbound", "outbound"],
  transports: ["voice"],
  concurrency: true,
  maxDuration: true,
  silenceTimeout: true,
  endCallPhrases: true,
  executionMode: true,
  scriptedSteps: true,
  toolMocks: false,
  cancelRun: true,
  cancelResult: false,
  recordings: true,
  gaps: [
    "no tool mocks in the v2.31 API",
    "gender \"neutral\" was removed by Roark (2026-02-24); such personas are created FEMALE with a warning",
    "OUTBOUND run plans run one iteration (iterationCount must be 1)",
    "metrics apply to the whole run plan; each result is scored on its own scenario's evaluators",
    "cancel uses POST /v1/simulation/plan/job/{id}/cancel, added after SDK v2.31"
  ]
})

/**
 * Roark requires a gender; used when the persona sets none or `neutral` (with a warning). Also
 * `internal/mapping.ts`'s `fallbackGender`.
 */
export const fallbackGender = "FEMALE"

/** The provider's own warnings for a plan, without contacting the vendor (also `simbridge validate`'s). */
export const check = (plan: Plan.Plan): ReadonlyArray<Warning.Warning> => {
  const w: Array<Warning.Warning> = []
  if (plan.direction === "outbound" && plan.iterations > 1) {
    w.push(Warning.make("iterations_capped", `Roark runs OUTBOUND plans once (iterationCount must be 1); ${plan.iterations} iterations requested`, "iterations"))
  }
  plan.personas.forEach((p, i) => {
    if (p.gender === "neutral") w.push(Warning.make("persona_gender_substituted", `persona "${p.id}": Roark has no neutral gender; ${fallbackGender} is used`, `personas[${i}].gender`))
  })
  return w
}

export const plugin: ProviderRegistry.ProviderPlugin = {
  name,
  displayName: "Roark",
  capabilities,
  // The driver module is loaded when a layer is built.
  ...ProviderRegistry.lazyLayers(() => import("./RoarkProvider.js")),
  targetSchema: Target,
  optionsSchema: Options,
  env,
  check
}
