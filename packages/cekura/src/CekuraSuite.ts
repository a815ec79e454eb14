/**
 * The suite side of Cekura: the vendor's name, the schemas of a suite's `target.cekura` and
 * `vendors.cekura` entries, the capabilities, the plan check, the environment it reads, and the
 * registry entry (`plugin`) made of them. It is a leaf: loading it loads none of the driver, the
 * client or the wire schemas (the plugin's layers load `CekuraProvider` when they are built), so
 * `simbridge validate`, `providers` and `schema` stay light. The driver decodes the same schemas,
 * strictly, through core's `VendorSettings`.
 *
 * @since 0.1.0
 */
import * as Capabilities from "@simbridge/core/Capabilities"
import type * as Plan from "@simbridge/core/Plan"
import * as ProviderRegistry from "@simbridge/core/ProviderRegistry"
import * as Warning from "@simbridge/core/Warning"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"

/** The registry name, and the key of Cekura's entries in a suite. */
export const name = "cekura"

/** The environment variables of the API key and the base URL (also `CekuraClient.env`). */
export const envKeys = { apiKey: "CEKURA_API_KEY", baseUrl: "CEKURA_BASE_URL" } as const

const PositiveInt = Schema.Int.pipe(Schema.positive())
/** Integer ids, also accepted as numeric strings (YAML users quote ids). */
const IntId = Schema.Union(PositiveInt, Schema.compose(Schema.NumberFromString, PositiveInt))

/**
 * A catalogue personality a persona runs as instead of its own: an integer id (also as a numeric
 * string), or a name.
 */
export const PersonalityPin = Schema.Union(IntId, Schema.NonEmptyTrimmedString)
export type PersonalityPin = typeof PersonalityPin.Type

/** The voice run mode (`mode` of `run_scenarios`; also `CekuraWire.Mode`). */
export const Mode = Schema.Literal("same_number", "different_numbers")

/** The suite's `target.cekura` entry: the agent under test, by agent id or assistant id. */
export const Target = Schema.Struct({
  agentId: Schema.optional(IntId),
  assistantId: Schema.optional(Schema.String.pipe(Schema.minLength(1)))
}).pipe(Schema.filter((t) =>
  t.agentId === undefined && t.assistantId === undefined ? { path: ["agentId"], message: "agentId or assistantId is required" } : undefined
))
export type Target = typeof Target.Type

/** The suite's `vendors.cekura` options; every field is optional. */
export const Options = Schema.Struct({
  /**
   * Persona id -> a personality of Cekura's catalogue (id or name) the persona runs as, instead of
   * the personality simbridge creates for it.
   */
  personalities: Schema.optional(Schema.Record({ key: Schema.String, value: PersonalityPin })),
  /** Evaluator id -> Cekura metric id: judged by that metric instead of the expected-outcome prompt. */
  metrics: Schema.optional(Schema.Record({ key: Schema.String, value: IntId })),
  /** `same_number` (default) or `different_numbers` (voice). */
  mode: Schema.optional(Mode),
  outboundPhoneNumber: Schema.optional(Schema.String),
  agentNumber: Schema.optional(Schema.String),
  mockToolNames: Schema.optional(Schema.Array(Schema.String)),
  /** Text runs: connect the simulated caller to this websocket instead of the agent's gateway. */
  websocketUrl: Schema.optional(Schema.String),
  /** Folder (dot-separated) the provisioned scenarios are filed under. */
  folderPath: Schema.optional(Schema.String)
})
export type Options = typeof Options.Type

/** The environment the registry entry reads. */
export const env = [envKeys.apiKey, envKeys.baseUrl] as const

/** What Cekura honours of a plan; core warns about the rest. */
export const capabilities = new Capabilities.Capabilities({
  personas: "native",
  personaAttributes: ["language", "accent", "gender", "backgroundNoise"],
  directions: ["inbound", "outbound"],
  transports: ["voice", "chat"],
  maxIterations: 100,
  concurrency: true,
  maxDuration: false,
  silenceTimeout: false,
  endCallPhrases: false,
  executionMode: false,
  scriptedSteps: false,
  toolMocks: false,
  cancelRun: true,
  cancelResult: false,
  recordings: true,
  gaps: [
    "a persona is a Cekura personality (name, prompt, language, accent, background noise) with the voice of the closest catalogue personality; emotion, pace and the other traits are in its prompt, not native settings",
    "the call direction is the agent's own setting (inbound or outbound), not a run option",
    "evaluators without a mapped Cekura metric are judged as lines of the scenario's expected-outcome prompt (met / not met)",
    "no stored plan: a run is one trigger of the provisioned scenarios"
  ]
})

/**
 * Vendor-specific warnings, without contacting Cekura (also `simbridge validate`'s and the
 * driver's): a persona's personality speaks with a voice of Cekura's catalogue, the closest one
 * to the persona; a persona pinned to a catalogue personality is that personality altogether.
 */
export const check = (plan: Plan.Plan): ReadonlyArray<Warning.Warning> => {
  const opts = Option.getOrElse(Schema.decodeUnknownOption(Options)(plan.vendors[name] ?? {}), () => ({}) as Options)
  return plan.personas.map((persona, i) => {
    const pin = opts.personalities?.[persona.id]
    return Warning.make(
      "persona_from_catalogue",
      pin === undefined
        ? `persona "${persona.id}" becomes a Cekura personality speaking with the voice of the closest personality of Cekura's catalogue (chosen when it is provisioned); pin a catalogue personality with vendors.cekura.personalities`
        : `persona "${persona.id}" runs as Cekura's catalogue personality ${typeof pin === "number" ? `#${pin}` : JSON.stringify(pin)} (vendors.cekura.personalities): its voice, language, accent and background noise are that personality's; the persona itself is described in the scenario and test profile`,
      `personas[${i}]`
    )
  })
}

/** The registry entry `cekura`. */
export const plugin: ProviderRegistry.ProviderPlugin = {
  name,
  displayName: "Cekura",
  capabilities,
  // The driver module is loaded when a layer is built.
  ...ProviderRegistry.lazyLayers(() => import("./CekuraProvider.js")),
  targetSchema: Target,
  optionsSchema: Options,
  env,
  check
}
