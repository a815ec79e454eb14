import { describe, expect, it } from "@effect/vitest"
import { Issues } from "@simbridge/core"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as Wire from "../src/InteractlyWire.js"

const run = { _id: "e1", simulation_group_id: "g1", selected_workflow_run_id: "w1", counter_workflow_run_id: null, status: "completed", error_message: null, run_index: 0, team_id: "t", created_at: "2026-01-01T00:00:00Z" }
const group = { _id: "g1", simulation_config_id: "s1", status: "completed", total_runs: 2, completed_runs: 1, failed_runs: 1, runner_name: null, updated_at: "2026-01-01T00:00:00Z" }

/** What the client gets (`ProviderHttp` decodes so): the value, or the error's summary. */
const outcome = <A, I>(schema: Schema.Schema<A, I>, u: unknown) => {
  const r = Schema.decodeUnknownEither(schema, { onExcessProperty: "ignore" })(u)
  return Either.isRight(r) ? { ok: r.right } : { error: Issues.summarize(Issues.fromParseError(r.left)) }
}
const summary = <A, I>(schema: Schema.Schema<A, I>, u: unknown) => {
  const o = outcome(schema, u)
  return "ok" in o ? "ok" : o.error
}

describe("lists", () => {
  it("executions: an id (_id or id) is required, fields typed, the list and total checked", () => {
    expect(outcome(Wire.SimulationRunList, { individual_runs: [run, { ...run, _id: undefined, id: "e2" }], total: 2 })).toStrictEqual({
      ok: { individual_runs: [run, { ...run, _id: undefined, id: "e2" }], total: 2 }
    })
    expect(summary(Wire.SimulationRunList, { individual_runs: [] })).toBe("ok")
    expect(summary(Wire.SimulationRunList, { individual_runs: [{ id: "e3", status: "pending" }] })).toBe("ok")
    for (
      const bad of [
        { individual_runs: [{ status: "completed" }], total: 1 },
        { individual_runs: [{ ...run, _id: 5 }] },
        { individual_runs: [{ ...run, status: null }] },
        { individual_runs: [{ ...run, run_index: "1" }] },
        { individual_runs: [run, null] },
        { individual_runs: {} },
        { total: 1 },
        { individual_runs: [run], total: "1" },
        null
      ]
    ) expect(summary(Wire.SimulationRunList, bad)).not.toBe("ok")
    expect(summary(Wire.SimulationRunList, { individual_runs: [run, { status: "completed" }] })).toContain("an execution needs _id or id")
    expect(summary(Wire.SimulationRunList, { individual_runs: [{ ...run, status: null }] })).toContain("individual_runs[0].status")
  })

  it("groups: the same rules", () => {
    expect(summary(Wire.SimulationGroupList, { simulation_groups: [group, { ...group, _id: undefined, id: "g2" }], total: 2 })).toBe("ok")
    expect(summary(Wire.SimulationGroupList, { simulation_groups: [{ ...group, _id: undefined }] })).toContain("a simulation group needs _id or id")
    expect(summary(Wire.SimulationGroupList, { simulation_groups: [{ ...group, total_runs: "2" }] })).toContain("simulation_groups[0].total_runs")
    expect(summary(Wire.SimulationGroupList, { simulation_groups: null })).not.toBe("ok")
  })
})

describe("enveloped responses", () => {
  it("decode the documented key, an alias, or the bare object", () => {
    for (const body of [{ simulation_group: group }, { group }, group]) {
      expect(outcome(Wire.SimulationGroupResponse, body)).toStrictEqual(outcome(Wire.SimulationGroup, group))
    }
    // The first key whose value is a group wins; then the bare object.
    expect((outcome(Wire.SimulationGroupResponse, { simulation_group: "not a group", group: { ...group, _id: "g2" } }) as { ok: Wire.SimulationGroup }).ok._id).toBe("g2")
    expect((outcome(Wire.SimulationGroupResponse, { group: "not a group", ...group }) as { ok: Wire.SimulationGroup }).ok._id).toBe("g1")
    for (const bad of [{ simulation_group: { ...group, status: 1 } }, { ...group, status: undefined }, {}, [], null, "group"]) {
      expect(summary(Wire.SimulationGroupResponse, bad)).not.toBe("ok")
    }
  })

  it("a simulation and a workflow, enveloped or bare", () => {
    const simulation = { _id: "s1", simulation_config: { logical_id: "x", selected_workflow: { workflow_id: "w" } } }
    expect(outcome(Wire.SimulationResponse, { simulation })).toStrictEqual(outcome(Wire.SimulationResponse, simulation))
    expect(summary(Wire.SimulationResponse, { simulation: { _id: 1 } })).not.toBe("ok")
    const workflow = { _id: "w1", name: "caller", description: null }
    expect(outcome(Wire.WorkflowResponse, { workflow })).toStrictEqual(outcome(Wire.WorkflowResponse, workflow))
    expect(summary(Wire.WorkflowResponse, { workflow })).toBe("ok")
  })

  it("encodes the envelope", () => {
    const g = Schema.decodeUnknownSync(Wire.SimulationGroup)(group)
    expect(Schema.encodeSync(Wire.SimulationGroupResponse)(g)).toStrictEqual({ simulation_group: Schema.encodeSync(Wire.SimulationGroup)(g) })
  })
})

describe("evaluation summaries", () => {
  it("fill absent counts, metrics and buckets with their defaults", () => {
    const decoded = outcome(Wire.EvaluationSummary, {
      simulation_id: "s1",
      selected_workflow_summary: { total_runs: 1, metrics: [{ metric_name: "m" }, { metric_name: "o", distribution: { bucket_81_100: 1 } }] },
      counter_workflow_summary: {}
    })
    expect(decoded).toStrictEqual({
      ok: {
        simulation_id: "s1",
        selected_workflow_summary: {
          total_runs: 1, successful_evaluations: 0, failed_evaluations: 0, pending_evaluations: 0, no_evaluation_configured: 0,
          metrics: [{ metric_name: "m" }, { metric_name: "o", distribution: { bucket_0_20: 0, bucket_21_40: 0, bucket_41_60: 0, bucket_61_80: 0, bucket_81_100: 1 } }]
        },
        counter_workflow_summary: { total_runs: 0, successful_evaluations: 0, failed_evaluations: 0, pending_evaluations: 0, no_evaluation_configured: 0, metrics: [] }
      }
    })
  })

  it("refuse malformed summaries, naming the field", () => {
    expect(summary(Wire.EvaluationSummary, { simulation_id: "s1", selected_workflow_summary: { total_runs: "1" } })).toContain("selected_workflow_summary.total_runs")
    expect(summary(Wire.EvaluationSummary, { simulation_id: "s1", selected_workflow_summary: { metrics: [{ average_score: 1 }] } })).toContain("metric_name")
    for (const bad of [{ simulation_id: "s1", counter_workflow_summary: [] }, { simulation_id: 1 }, {}, null]) {
      expect(summary(Wire.EvaluationSummary, bad)).not.toBe("ok")
    }
  })
})
