/**
 * What the ledger takes and gives back, as schemas: executions, provider runs and their
 * transitions, provisioned resources, and the inputs that create them. `RunLedger` re-exports
 * each of them.
 *
 * @internal
 */
import { Json, Plan, ProviderRef, Run, SuiteReport, Status } from "@simbridge/core"
import * as Schema from "effect/Schema"

/** Settings of a suite execution, kept so `simbridge resume` can rebuild the providers. */
export class Settings extends Schema.Class<Settings>("Settings")({
  emulated: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  seed: Schema.optional(Schema.Int),
  strict: Schema.optional(Schema.Boolean),
  /**
   * When the execution must end (ISO-8601 UTC), from the suite's `timeout`: `simbridge resume`
   * gives the runs it continues only the time left.
   */
  deadline: Schema.optional(Schema.String),
  /** Anything else the caller wants to keep (CLI flags, emulator speed...). Never secrets. */
  options: Schema.optionalWith(Json.JsonRecord, { default: () => ({}) })
}) {}

/** Input of `RunLedger.Service.begin`. */
export class BeginExecution extends Schema.Class<BeginExecution>("BeginExecution")({
  /** Chosen by the caller, or generated. */
  id: Schema.optional(Schema.NonEmptyString),
  plan: Plan.Plan,
  /** The providers the suite runs on; the execution is finished when each has a final report. */
  providers: Schema.Array(Schema.String),
  settings: Schema.optionalWith(Settings, { default: () => new Settings({}) })
}) {}

export class Execution extends Schema.Class<Execution>("Execution")({
  id: Schema.String,
  suite: Schema.String,
  planHash: Schema.String,
  /** The plan in its encoded (JSON) form; `RunLedger.decodePlan` turns it back into a `Plan`. */
  plan: Json.Json,
  providers: Schema.Array(Schema.String),
  settings: Settings,
  startedAt: Schema.String,
  finishedAt: Schema.optional(Schema.String)
}) {}

/** Where a provider run is: intent recorded, vendor run known, final report recorded. */
export const Phase = Schema.Literal("intent", "started", "finished")
export type Phase = typeof Phase.Type

/** One provider run of an execution (without its transitions and results). */
export class RunRecord extends Schema.Class<RunRecord>("RunRecord")({
  /** The ledger id (`run_<uuid>`). */
  id: Schema.String,
  executionId: Schema.String,
  suite: Schema.String,
  planHash: Schema.String,
  provider: Schema.String,
  /** The client marker the vendor run carries (unique per provider). */
  marker: Schema.String,
  /** The vendor run as `provider:run:<id>`, once known. */
  ref: Schema.optional(Schema.String),
  phase: Phase,
  status: Schema.optional(Status.Status),
  counts: Schema.optional(Run.RunCounts),
  error: Schema.optional(SuiteReport.RunError),
  createdAt: Schema.String,
  startedAt: Schema.optional(Schema.String),
  updatedAt: Schema.String,
  finishedAt: Schema.optional(Schema.String)
}) {}

/** A recorded status change of a vendor run. */
export class Transition extends Schema.Class<Transition>("Transition")({
  seq: Schema.Int,
  at: Schema.String,
  status: Status.Status,
  counts: Run.RunCounts
}) {}

/** One run with everything recorded about it. */
export class RunDetail extends Schema.Class<RunDetail>("RunDetail")({
  run: RunRecord,
  execution: Execution,
  transitions: Schema.Array(Transition),
  /** The final report, results included; absent while the run is unfinished. */
  report: Schema.optional(SuiteReport.RunReport)
}) {}

/** A run to resume: its record and the execution it belongs to (plan, settings). */
export class UnfinishedRun extends Schema.Class<UnfinishedRun>("UnfinishedRun")({
  run: RunRecord,
  execution: Execution
}) {}

export class ListOptions extends Schema.Class<ListOptions>("ListOptions")({
  limit: Schema.optionalWith(Schema.Int.pipe(Schema.positive()), { default: () => 20 }),
  suite: Schema.optional(Schema.String),
  provider: Schema.optional(Schema.String)
}) {}

/**
 * A provisioned vendor resource is addressed by provider, canonical key (`persona:anxious-sarah`,
 * see core's `Provisioning.key`) and a scope (the vendor account or base URL; "" by default), so
 * an emulator's resources are never mistaken for the real vendor's.
 */
export class ResourceKey extends Schema.Class<ResourceKey>("ResourceKey")({
  provider: Schema.String,
  key: Schema.String,
  scope: Schema.optionalWith(Schema.String, { default: () => "" })
}) {}

export class PutResource extends Schema.Class<PutResource>("PutResource")({
  provider: Schema.String,
  key: Schema.String,
  scope: Schema.optionalWith(Schema.String, { default: () => "" }),
  ref: ProviderRef.ProviderRef,
  /** `Plan.definitionHash` of the canonical definition. */
  definitionHash: Schema.String
}) {}

export class Resource extends Schema.Class<Resource>("Resource")({
  provider: Schema.String,
  key: Schema.String,
  scope: Schema.String,
  ref: ProviderRef.ProviderRef,
  definitionHash: Schema.String,
  createdAt: Schema.String,
  updatedAt: Schema.String
}) {}

/** What a put did: `created` (new key), `updated` (hash or ref changed), `unchanged`. */
export const ResourceChange = Schema.Literal("created", "updated", "unchanged")
export type ResourceChange = typeof ResourceChange.Type

export class PutResourceResult extends Schema.Class<PutResourceResult>("PutResourceResult")({
  resource: Resource,
  change: ResourceChange
}) {}
