/**
 * The suite side of Interactly: the vendor's name, the suite-file schemas (`target.interactly`,
 * `vendors.interactly`), the capabilities, the plan check, the environment it reads, and the
 * registry entry (`plugin`). This is what `simbridge validate`, `providers` and `schema` need;
 * it is a leaf (it imports only `effect` and core), and the entry's layers load
 * `InteractlyProvider` when they are built.
 *
 * @since 0.1.0
 */
import * as Capabilities from "@simbridge/core/Capabilities"
import type * as Plan from "@simbridge/core/Plan"
import * as ProviderRegistry from "@simbridge/core/ProviderRegistry"
import * as Warning from "@simbridge/core/Warning"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"

export const name = "interactly"

/**
 * A 24-hex Mongo ObjectId, the format of every Interactly id (`5eb7cf5a86d9755df3a6c593`; also
 * `InteractlyWire.ObjectId`).
 */
export const ObjectId = Schema.String.pipe(
  Schema.pattern(/^[0-9a-f]{24}$/i, { message: () => "expected a 24-hex ObjectId such as 5eb7cf5a86d9755df3a6c593" })
)

/** The name of the caller workflow simbridge creates for a persona (also `Mapping.callerWorkflowName`). */
export const callerWorkflowName = (persona: string): string => `simbridge caller: ${persona}`

// ---------------------------------------------------------------------------------------------
// Suite schemas
// ---------------------------------------------------------------------------------------------

/** The suite's `target.interactly` entry. */
export const Target = Schema.Struct({
  workflowId: ObjectId,
  /** The workflow version to test; Interactly's default is 0, the initial version. */
  versionNumber: Schema.optional(Schema.Int.pipe(Schema.nonNegative()))
})
export type Target = typeof Target.Type

export const MetricOption = Schema.Struct({
  /** The metric name in the workflow's evaluation criteria; default the evaluator's id. */
  name: Schema.optional(Schema.NonEmptyTrimmedString),
  /** Rescales the 0-100 score for number evaluators (5 for a 1-5 scale). */
  scale: Schema.optional(Schema.Number.pipe(Schema.positive()))
})

/** The suite's `vendors.interactly` options. */
export const Options = Schema.Struct({
  /** The caller workflow of every persona without its own entry in `callerWorkflows`. */
  callerWorkflowId: Schema.optional(ObjectId),
  /** persona id -> caller workflow id. */
  callerWorkflows: Schema.optional(Schema.Record({ key: Schema.String, value: ObjectId })),
  callerVersionNumber: Schema.optional(Schema.Int.pipe(Schema.nonNegative())),
  /** `max_events`; the server's default applies when omitted. */
  maxEvents: Schema.optional(Schema.Int.pipe(Schema.positive())),
  /** `assistant_starts_first`; default true for inbound plans, false for outbound ones. */
  assistantStartsFirst: Schema.optional(Schema.Boolean),
  /** `stop_on_failure`: no new execution starts once one failed. */
  stopOnFailure: Schema.optional(Schema.Boolean),
  /** evaluator id -> how it reads the workflow's metric. */
  metrics: Schema.optional(Schema.Record({ key: Schema.String, value: MetricOption })),
  /** A metric without its own `passed` passes at this score; default 60. */
  passThreshold: Schema.optional(Schema.Number.pipe(Schema.between(0, 100)))
})
export type Options = typeof Options.Type

/** The environment variables read by `InteractlyClient.config` (also `InteractlyClient.env`). */
export const env = ["INTERACTLY_API_KEY", "INTERACTLY_BASE_URL", "INTERACTLY_TEAM_ID", "INTERACTLY_USER_ID"] as const

// ---------------------------------------------------------------------------------------------
// Capabilities
// ---------------------------------------------------------------------------------------------

export const capabilities = new Capabilities.Capabilities({
  personas: "workflow",
  personaAttributes: [],
  directions: ["inbound", "outbound"],
  transports: ["chat"],
  concurrency: true,
  maxDuration: true,
  silenceTimeout: false,
  endCallPhrases: false,
  executionMode: false,
  scriptedSteps: false,
  toolMocks: false,
  cancelRun: true,
  cancelResult: false,
  recordings: false,
  gaps: [
    "the caller is a workflow: persona attributes are passed as dynamic variables and prose, not as native voice or persona settings",
    "simulations exchange text events between two workflows: no audio, voice, accent or background noise, no recordings",
    "evaluators cannot be created through the API: they are matched by name to the evaluation criteria configured on the workflow",
    "max_concurrent_runs applies per simulation (scenario x persona), not to the whole run",
    "a simulation's config cannot be updated (only description and status): a changed plan creates a new simulation"
  ]
})

// ---------------------------------------------------------------------------------------------
// Plan check
// ---------------------------------------------------------------------------------------------

/** The provider's own warnings for a plan, without contacting the vendor (also `simbridge validate`'s). */
export const check = (plan: Plan.Plan): ReadonlyArray<Warning.Warning> => {
  const w: Array<Warning.Warning> = []
  const opts = Option.getOrElse(Schema.decodeUnknownOption(Options)(plan.vendors[name] ?? {}), () => ({}) as Options)
  if (plan.evaluators.length > 0) {
    const names = plan.evaluators.map((e) => `${e.id} -> "${opts.metrics?.[e.id]?.name ?? e.id}"`).join(", ")
    w.push(Warning.make(
      "evaluators_as_workflow_metrics",
      `Interactly judges with the evaluation criteria configured on the workflow; evaluators are matched to its metrics by name (${names}); rename with vendors.interactly.metrics`,
      "evaluators"
    ))
  }
  plan.personas.forEach((p, i) => {
    if (opts.callerWorkflows?.[p.id] === undefined && opts.callerWorkflowId === undefined) {
      w.push(Warning.make(
        "caller_workflow_managed",
        `persona "${p.id}" has no caller workflow (vendors.interactly.callerWorkflows); simbridge uses the workflow "${callerWorkflowName(p.id)}", creating it with only a description if missing: give it a caller prompt that uses the persona_* and scenario_* dynamic variables`,
        `personas[${i}]`
      ))
    }
  })
  if (plan.concurrency !== undefined && plan.scenarios.length * plan.personas.length > 1) {
    w.push(Warning.make(
      "concurrency_per_simulation",
      `max_concurrent_runs applies to each of the ${plan.scenarios.length * plan.personas.length} simulations (scenario x persona): up to ${plan.concurrency * plan.scenarios.length * plan.personas.length} conversations may run at once`,
      "concurrency"
    ))
  }
  return w
}

// ---------------------------------------------------------------------------------------------
// Registry entry
// ---------------------------------------------------------------------------------------------

/** Interactly's registry entry (`ProviderRegistry`, the CLI's plugins). */
export const plugin: ProviderRegistry.ProviderPlugin = {
  name,
  displayName: "Interactly",
  capabilities,
  // The driver module is loaded when a layer is built.
  ...ProviderRegistry.lazyLayers(() => import("./InteractlyProvider.js")),
  targetSchema: Target,
  optionsSchema: Options,
  env,
  check
}
