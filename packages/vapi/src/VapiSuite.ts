/**
 * The suite side of Vapi: the schemas of a suite file's `target.vapi` and `vendors.vapi` entries,
 * the capabilities, the plan check, the environment it reads (`env`) and the registry entry
 * (`plugin`). This is what `simbridge validate`, `providers` and `schema` need; loading it loads
 * none of the driver, the client or the wire schemas (the plugin's layers load `VapiProvider` when
 * they are built), and the driver's modules import it for the name and the schemas.
 *
 * @since 0.1.0
 */
import * as Capabilities from "@simbridge/core/Capabilities"
import type * as Plan from "@simbridge/core/Plan"
import * as ProviderRegistry from "@simbridge/core/ProviderRegistry"
import * as Warning from "@simbridge/core/Warning"
import * as Schema from "effect/Schema"

export const name = "vapi"

const Uuid = Schema.String.pipe(
  Schema.pattern(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, { message: () => "expected a Vapi UUID" })
)

/** A folder path (`path` on every simulation resource; also `VapiWire.FolderPath`). */
export const FolderPath = Schema.String.pipe(
  Schema.maxLength(255),
  Schema.pattern(/^[a-zA-Z0-9][a-zA-Z0-9._-]*(?:\/[a-zA-Z0-9][a-zA-Z0-9._-]*){0,2}$/, {
    message: () => "must be a folder path of at most 3 segments of letters, digits, '.', '_' or '-'"
  })
)

/** The suite's `target.vapi` entry: an assistant or a squad. */
export const Target = Schema.Struct({
  assistantId: Schema.optional(Uuid),
  squadId: Schema.optional(Uuid)
}).pipe(
  Schema.filter((t) =>
    t.assistantId !== undefined && t.squadId !== undefined
      ? { path: ["squadId"], message: "give assistantId or squadId, not both" }
      : t.assistantId === undefined && t.squadId === undefined
      ? { path: ["assistantId"], message: "is required (or squadId)" }
      : undefined
  )
)
export type Target = typeof Target.Type

/** The suite's `vendors.vapi` options (all optional). */
export const Options = Schema.Struct({
  /** Folder (`path`) of every object simbridge creates; default `simbridge`. */
  folder: Schema.optional(FolderPath),
  /** The tester assistant's model; default `{ provider: "openai", model: "gpt-4o" }`. */
  testerModel: Schema.optional(Schema.Struct({ provider: Schema.String, model: Schema.String })),
  /** The tester assistant's voice (`{ provider, voiceId }`), passed through. */
  testerVoice: Schema.optional(Schema.Struct({ provider: Schema.String, voiceId: Schema.String })),
  /** Receives the `simulation.run.started` / `simulation.run.ended` hooks of every scenario. */
  webhookUrl: Schema.optional(Schema.String),
  /** The suite's Slack webhook. */
  slackWebhookUrl: Schema.optional(Schema.String)
})
export type Options = typeof Options.Type

export const env = ["VAPI_API_KEY", "VAPI_BASE_URL"] as const

export const capabilities = new Capabilities.Capabilities({
  personas: "prompt",
  personaAttributes: [],
  directions: ["inbound"],
  transports: ["voice", "chat"],
  maxIterations: 10,
  concurrency: false,
  maxDuration: true,
  silenceTimeout: false,
  endCallPhrases: false,
  executionMode: false,
  scriptedSteps: false,
  toolMocks: true,
  cancelRun: true,
  cancelResult: true,
  recordings: true,
  gaps: [
    "personas are tester assistants: every attribute is rendered into the tester's system prompt",
    "concurrency is an org-wide limit (GET /eval/simulation/concurrency), not a per-run option",
    "only inbound tests: the tester calls the target assistant or squad",
    "no silence timeout, end-call phrases or execution mode per run",
    "scripted steps are folded into the scenario instructions",
    "the 'contains' comparator becomes a boolean structured output compared '= true'"
  ]
})

/** Vendor-specific warnings, without contacting Vapi (also `simbridge validate`'s). */
export const check = (plan: Plan.Plan): ReadonlyArray<Warning.Warning> => {
  const w: Array<Warning.Warning> = []
  const used = new Set(plan.scenarios.flatMap((s) => s.evaluators as ReadonlyArray<string>))
  plan.evaluators.forEach((e, i) => {
    if (!used.has(e.id)) w.push(Warning.make("unused_evaluator", `evaluator "${e.id}" is not used by any scenario and is not sent to Vapi`, `evaluators[${i}]`))
    if (e.comparator === "contains") w.push(Warning.make("contains_as_boolean", `evaluator "${e.id}": Vapi has no "contains"; it is asked as a yes/no question`, `evaluators[${i}].comparator`))
  })
  plan.scenarios.forEach((s, i) => {
    if (s.evaluators.length === 0) w.push(Warning.make("no_evaluations", `scenario "${s.id}" has no evaluators; Vapi needs at least one evaluation to run it`, `scenarios[${i}].evaluators`))
    if (s.expectedOutcome !== undefined) w.push(Warning.make("expected_outcome_ignored", `scenario "${s.id}": Vapi has no expected outcome; express it as an evaluator`, `scenarios[${i}].expectedOutcome`))
  })
  return w
}

export const plugin: ProviderRegistry.ProviderPlugin = {
  name,
  displayName: "Vapi",
  capabilities,
  // The driver module is loaded when a layer is built.
  ...ProviderRegistry.lazyLayers(() => import("./VapiProvider.js")),
  targetSchema: Target,
  optionsSchema: Options,
  env,
  check
}
