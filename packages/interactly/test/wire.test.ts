import { describe, expect, it } from "@effect/vitest"
import { Issues } from "@simbridge/core"
import * as Either from "effect/Either"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import * as Wire from "../src/InteractlyWire.js"

/** The lists as plain structs: what the compiled ones must accept, return and report exactly. */
const plain = {
  runs: Schema.Struct({ individual_runs: Schema.Array(Wire.SimulationRun), total: Schema.optional(Schema.Number) }),
  groups: Schema.Struct({ simulation_groups: Schema.Array(Wire.SimulationGroup), total: Schema.optional(Schema.Number) })
}

const run = { _id: "e1", simulation_group_id: "g1", selected_workflow_run_id: "w1", counter_workflow_run_id: null, status: "completed", error_message: null, run_index: 0, team_id: "t", created_at: "2026-01-01T00:00:00Z" }
const group = { _id: "g1", simulation_config_id: "s1", status: "completed", total_runs: 2, completed_runs: 1, failed_runs: 1, runner_name: null, updated_at: "2026-01-01T00:00:00Z" }

const runLists: ReadonlyArray<unknown> = [
  { individual_runs: [run, { ...run, _id: undefined, id: "e2" }, { ...run, run_index: undefined }], total: 3 },
  { individual_runs: [] },
  { individual_runs: [{ id: "e3", status: "pending" }] },
  { individual_runs: [{ ...run, _id: undefined }] },
  { individual_runs: [{ status: "completed" }], total: 1 },
  { individual_runs: [{ ...run, _id: 5 }] },
  { individual_runs: [{ ...run, status: null }] },
  { individual_runs: [{ ...run, run_index: "1" }] },
  { individual_runs: [run, null] },
  { individual_runs: {} },
  { total: 1 },
  { individual_runs: [run], total: "1" },
  [],
  null,
  "x"
]

const groupLists: ReadonlyArray<unknown> = [
  { simulation_groups: [group, { ...group, _id: undefined, id: "g2" }], total: 2 },
  { simulation_groups: [{ ...group, _id: undefined }] },
  { simulation_groups: [{ ...group, total_runs: "2" }] },
  { simulation_groups: [{ id: "g3" }] },
  { simulation_groups: [{ ...group, created_at: 1 }] },
  { simulation_groups: null },
  {}
]

/** What the client gets (`ProviderHttp` decodes so): the value, or the error's message and summary. */
const outcome = <A, I>(schema: Schema.Schema<A, I>, u: unknown) => {
  const r = Schema.decodeUnknownEither(schema, { onExcessProperty: "ignore" })(u)
  return Either.isRight(r) ? { ok: r.right } : { error: r.left.message, summary: Issues.summarize(Issues.fromParseError(r.left)) }
}

describe("compiled lists", () => {
  it.each(runLists.map((u) => [u]))("executions %j: the same value or the same error", (u) => {
    expect(outcome(Wire.SimulationRunList, u)).toStrictEqual(outcome(plain.runs, u))
  })

  it.each(groupLists.map((u) => [u]))("groups %j: the same value or the same error", (u) => {
    expect(outcome(Wire.SimulationGroupList, u)).toStrictEqual(outcome(plain.groups, u))
  })
})

/** `Wire.Enveloped` as it was before its fast path: the union and the transformation alone. */
const reference = <A, I>(schema: Schema.Schema<A, I>, key: string, ...aliases: ReadonlyArray<string>) => {
  const keys = [key, ...aliases]
  const wrapped = keys.map((k) => Schema.Struct({ [k]: schema }) as unknown as Schema.Schema<Record<string, A>, Record<string, I>>)
  return Schema.transform(Schema.Union(...wrapped, schema), Schema.typeSchema(schema), {
    strict: false,
    decode: (u) => {
      for (const k of keys) if (Predicate.isRecord(u) && k in u) return (u as Record<string, A>)[k]!
      return u as A
    },
    encode: (a) => ({ [key]: a })
  })
}

describe("enveloped responses", () => {
  const bodies: ReadonlyArray<unknown> = [
    { simulation_group: group },
    { group },
    group,
    { ...group, extra: { a: 1 } },
    { simulation_group: { ...group, extra: 1 }, group: { ...group, _id: "g2" } },
    { simulation_group: "not a group", group: { ...group, _id: "g2" } },
    { simulation_group: { status: "running" }, ...group },
    { group: "not a group", ...group },
    { group: null, status: "running" },
    { simulation_group: { ...group, _id: undefined } },
    { simulation_group: { ...group, status: 1 } },
    { ...group, status: undefined },
    { ...group, total_runs: "2" },
    {},
    [],
    null,
    "group"
  ]
  const current = Wire.SimulationGroupResponse
  const before = reference(Wire.SimulationGroup, "simulation_group", "group")
  /** Values compare on the declared fields (a checked value keeps the others, as the compiled schemas do). */
  const declared = (o: ReturnType<typeof outcome>) => ("ok" in o ? { ok: Schema.decodeUnknownSync(Wire.SimulationGroup)(o.ok) } : o)

  it.each(bodies.map((u) => [u]))("%j: the same group or the same error", (u) => {
    expect(declared(outcome(current, u))).toStrictEqual(declared(outcome(before, u)))
  })

  it("a simulation and a workflow, enveloped or bare", () => {
    const simulation = { _id: "s1", simulation_config: { logical_id: "x", selected_workflow: { workflow_id: "w" } } }
    for (const u of [{ simulation }, simulation, { simulation: { _id: 1 } }, { simulation_config: null }]) {
      expect(outcome(Wire.SimulationResponse, u)).toStrictEqual(outcome(reference(Wire.SimulationDoc, "simulation"), u))
    }
    const workflow = { _id: "w1", name: "caller", description: null }
    for (const u of [{ workflow }, workflow, { workflow: {} }, { name: "no id" }]) {
      expect(outcome(Wire.WorkflowResponse, u)).toStrictEqual(outcome(reference(Wire.Workflow, "workflow"), u))
    }
  })

  it("encodes the envelope", () => {
    const g = Schema.decodeUnknownSync(Wire.SimulationGroup)(group)
    expect(Schema.encodeSync(Wire.SimulationGroupResponse)(g)).toStrictEqual(Schema.encodeSync(before)(g))
  })
})

describe("evaluation summaries", () => {
  const full = {
    simulation_id: "s1",
    group_id: "g1",
    selected_workflow_summary: {
      total_runs: 3, successful_evaluations: 2, failed_evaluations: 1, pending_evaluations: 0, no_evaluation_configured: 0,
      metrics: [{ metric_name: "booked", average_score: 70, min_score: 40, max_score: 90, distribution: { bucket_0_20: 0, bucket_21_40: 1, bucket_41_60: 0, bucket_61_80: 0, bucket_81_100: 2 } }]
    },
    counter_workflow_summary: null
  }
  const bodies: ReadonlyArray<unknown> = [
    full,
    { simulation_id: "s1" },
    { simulation_id: "s1", group_id: null, selected_workflow_summary: {}, counter_workflow_summary: { metrics: [] } },
    { simulation_id: "s1", selected_workflow_summary: { total_runs: 1, metrics: [{ metric_name: "m" }, { metric_name: "n", distribution: null }, { metric_name: "o", distribution: { bucket_81_100: 1 } }] } },
    { simulation_id: "s1", selected_workflow_summary: { total_runs: undefined, metrics: [{ metric_name: "m", distribution: {} }] } },
    { simulation_id: "s1", selected_workflow_summary: { total_runs: "1" } },
    { simulation_id: "s1", selected_workflow_summary: { metrics: [{ average_score: 1 }] } },
    { simulation_id: "s1", selected_workflow_summary: { metrics: [{ metric_name: "m", distribution: { bucket_0_20: null } }] } },
    { simulation_id: "s1", counter_workflow_summary: [] },
    { simulation_id: 1 },
    {},
    null
  ]

  it.each(bodies.map((u) => [u]))("%j: the same summary (defaults filled) or the same error", (u) => {
    expect(outcome(Wire.EvaluationSummaryResponse, u)).toStrictEqual(outcome(Wire.EvaluationSummary, u))
  })

  it("keeps the schema's encoding", () => {
    const s = Schema.decodeUnknownSync(Wire.EvaluationSummary)(full)
    expect(Schema.encodeSync(Wire.EvaluationSummaryResponse)(s)).toStrictEqual(Schema.encodeSync(Wire.EvaluationSummary)(s))
  })
})
