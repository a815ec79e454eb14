/**
 * The driver's exact output (runs and results, with and without `raw`, with and without the run's
 * plan) for a rich set of executions, over a client answering fixed vendor payloads. Pinned in
 * fixtures/pinned-results.json, key order included: the mapping may get faster, never different.
 */
import { describe, expect, it } from "@effect/vitest"
import { Plan, ProviderError } from "@simbridge/core"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { readFileSync } from "node:fs"
import * as InteractlyClient from "../src/InteractlyClient.js"
import * as InteractlyProvider from "../src/InteractlyProvider.js"
import * as Wire from "../src/InteractlyWire.js"
import { dentalClinic } from "./fixtures/dentalClinic.js"
import { provisioning, simA, simB } from "./fixtures/pinnedProvisioning.js"

const workflowId = "5eb7cf5a86d9755df3a6c593"
const groupA = "aaaaaaaaaaaaaaaaaaaaaaa1"
const groupB = "bbbbbbbbbbbbbbbbbbbbbbb1"
const runId = `${groupA}.${groupB}`
const marker = "simbridge-pinned"

const plan = Schema.decodeUnknownSync(Plan.Plan)({
  ...dentalClinic,
  personas: [...dentalClinic.personas, { id: "calm-bob", name: "Bob", language: "en" }],
  vendors: { interactly: { metrics: { polite: { name: "Politeness", scale: 5 } }, passThreshold: 55 } }
})

const audit = { team_id: "67458e762b7d3dc15aaea5b5", created_at: "2026-01-02T10:00:00Z", updated_at: "2026-01-02T10:05:00Z" }

const groups: Record<string, Wire.SimulationGroup> = {
  [groupA]: Schema.decodeUnknownSync(Wire.SimulationGroup)({
    _id: groupA, simulation_config_id: simA, status: "completed", total_runs: 8, completed_runs: 5, failed_runs: 2, runner_name: marker, ...audit, extra: 1
  }),
  [groupB]: Schema.decodeUnknownSync(Wire.SimulationGroup)({
    id: groupB, simulation_config_id: simB, status: "completed", total_runs: 1, completed_runs: 1, failed_runs: 0, runner_name: marker, ...audit,
    created_at: "2026-01-02T09:59:00Z", updated_at: "2026-01-02T10:06:00Z"
  })
}

const simulations: Record<string, Wire.SimulationDoc> = {
  [simA]: Schema.decodeUnknownSync(Wire.SimulationDoc)({ _id: simA, simulation_config: { logical_id: `simbridge/${workflowId}/urgent-appointment/anxious-sarah/0a1b` } }),
  [simB]: Schema.decodeUnknownSync(Wire.SimulationDoc)({ _id: simB, simulation_config: { logical_id: `simbridge/${workflowId}/urgent-appointment/calm-bob/2c3d` } })
}

const execution = (fields: Record<string, unknown>) =>
  Schema.decodeUnknownSync(Wire.SimulationRun)({ simulation_group_id: groupA, counter_workflow_run_id: "dddddddddddddddddddddd00", team_id: audit.team_id, created_at: audit.created_at, ...fields })

const executions: Record<string, ReadonlyArray<Wire.SimulationRun>> = {
  [groupA]: [
    execution({ _id: "eeeeeeeeeeeeeeeeeeeeee01", selected_workflow_run_id: "ffffffffffffffffffffff01", status: "completed", error_message: null, run_index: 0, updated_at: "2026-01-02T10:01:00Z" }),
    execution({ _id: "eeeeeeeeeeeeeeeeeeeeee02", selected_workflow_run_id: "ffffffffffffffffffffff02", status: "aborted_looping_risk", error_message: "max_events (8) reached", run_index: 1, updated_at: "2026-01-02T10:02:00Z" }),
    execution({ _id: "eeeeeeeeeeeeeeeeeeeeee03", selected_workflow_run_id: "ffffffffffffffffffffff03", status: "running", run_index: 2 }),
    execution({ _id: "eeeeeeeeeeeeeeeeeeeeee04", selected_workflow_run_id: "ffffffffffffffffffffff04", status: "pending", run_index: 3, updated_at: "2026-01-02T10:00:00Z" }),
    execution({ _id: "eeeeeeeeeeeeeeeeeeeeee05", status: "completed", run_index: null, updated_at: "2026-01-02T10:03:00Z" }),
    execution({ _id: "eeeeeeeeeeeeeeeeeeeeee06", selected_workflow_run_id: "ffffffffffffffffffffff06", status: "completed", updated_at: "2026-01-02T10:04:00Z" }),
    execution({ id: "eeeeeeeeeeeeeeeeeeeeee07", selected_workflow_run_id: "ffffffffffffffffffffff07", status: "failed", run_index: 6, updated_at: "2026-01-02T10:04:30Z" }),
    execution({ _id: "eeeeeeeeeeeeeeeeeeeeee08", selected_workflow_run_id: "ffffffffffffffffffffff08", counter_workflow_run_id: null, status: "cancelled", run_index: 7, updated_at: "" })
  ],
  [groupB]: [
    execution({ _id: "eeeeeeeeeeeeeeeeeeeeee09", simulation_group_id: groupB, selected_workflow_run_id: "ffffffffffffffffffffff09", status: "completed", run_index: 0, updated_at: "2026-01-02T10:06:00Z" })
  ]
}

const workflowRun = (id: string, status: string, events: ReadonlyArray<unknown>, extra: Record<string, unknown> = {}) =>
  Schema.decodeUnknownSync(Wire.WorkflowRunResponse)({
    workflow_run: {
      _id: id,
      ...audit,
      workflow_run: { workflow_run_id: id, workflow_id: workflowId, status, input_output_pairs: [{ run_input: { command: "start" }, run_output: { events } }], ...extra }
    }
  }).workflow_run

const conversation = [
  { type: "start_node_run", timestamp: 1767348000.25, origin_node_name: "Conversation" },
  { type: "say_static", timestamp: 1767348001.25, message: { content: "Hello, Dental clinic.", type: "ai", id: "m1" } },
  { type: "user_messages", timestamp: 1767348004.5, messages: [{ content: "I have a toothache.", type: "human" }, { content: [{ type: "text", text: "Today?" }] }] },
  { type: "assistant_response", timestamp: 1767348009.125, content: "Thursday at 9." },
  { type: "end_node_run", timestamp: 1767348012.75 }
]

const workflowRuns: Record<string, Wire.WorkflowRunDoc> = {
  ffffffffffffffffffffff01: workflowRun("ffffffffffffffffffffff01", "completed", conversation, {
    termination_source: "end_node",
    llm_latency_stats: { call_count: 2, total_latency_milliseconds: 1625, average_latency_milliseconds: 812.5 }
  }),
  ffffffffffffffffffffff02: workflowRun("ffffffffffffffffffffff02", "aborted_looping_risk", conversation.slice(0, 3), { llm_latency_stats: { call_count: 0, average_latency_milliseconds: null } }),
  ffffffffffffffffffffff03: workflowRun("ffffffffffffffffffffff03", "running", conversation.slice(0, 2)),
  ffffffffffffffffffffff08: workflowRun("ffffffffffffffffffffff08", "cancelled", []),
  ffffffffffffffffffffff09: workflowRun("ffffffffffffffffffffff09", "completed", [{ type: "say_llm", timestamp: 5, message: null, content: "Only turn." }])
}

const evaluation = (body: unknown) => Schema.decodeUnknownSync(Wire.WorkflowRunEvaluation)(body)
const evaluations: Record<string, Wire.WorkflowRunEvaluation> = {
  ffffffffffffffffffffff01: evaluation({
    score: 81,
    passed: true,
    details: { metrics: [{ metric_name: "booked", score: 90, passed: true, reasoning: "booked Thursday" }, { metric_name: "politeness", score: 73 }, { metric_name: "latency", score: 40, reasoning: "slow" }] },
    evaluated_at: "2026-01-02T10:01:30Z"
  }),
  ffffffffffffffffffffff06: evaluation({ score: 30, passed: false, details: { booked: { score: 30 }, polite: { score: 95, passed: true } }, evaluated_at: null }),
  ffffffffffffffffffffff09: evaluation({ score: null, passed: true, details: "no metrics here" })
}

const summaries: Record<string, Wire.EvaluationSummary> = {
  [groupB]: Schema.decodeUnknownSync(Wire.EvaluationSummary)({
    simulation_id: simB,
    group_id: groupB,
    selected_workflow_summary: {
      total_runs: 1,
      successful_evaluations: 1,
      metrics: [{ metric_name: "booked", average_score: 70, min_score: 70, max_score: 70 }, { metric_name: "polite", average_score: null }]
    }
  })
}

const notFound = (operation: string) => Effect.fail(ProviderError.make({ provider: "interactly", operation, reason: "NotFound", description: "not found" }))
const found = <A>(operation: string, value: A | undefined) => (value === undefined ? notFound(operation) : Effect.succeed(value))
const unused = () => Effect.die("not used by reads")

const client: InteractlyClient.Service = {
  http: undefined as never,
  simulationSchema: unused,
  createSimulation: unused,
  listSimulations: unused,
  getSimulation: (id) => found("getSimulation", simulations[id]),
  updateSimulation: unused,
  deleteSimulation: unused,
  runSimulation: unused,
  listSimulationRuns: (id) =>
    Effect.succeed({ simulation_groups: Object.values(groups).filter((g) => g.simulation_config_id === id), total: 1 }),
  evaluationSummary: (_, groupId) => found("evaluationSummary", groupId === undefined ? undefined : summaries[groupId]),
  getSimulationRun: (id) => found("getSimulationRun", groups[id]),
  stopSimulationRun: unused,
  listExecutions: (id, params) => {
    const all = executions[id] ?? []
    const page = params?.page ?? 1, size = params?.size ?? 50
    return Effect.succeed({ individual_runs: all.slice((page - 1) * size, page * size), total: all.length })
  },
  listDetailedExecutions: unused,
  getWorkflowRun: (id) => found("getWorkflowRun", workflowRuns[id]),
  getWorkflowRunEvaluation: (id) => found("getWorkflowRunEvaluation", evaluations[id]),
  createWorkflow: unused,
  listWorkflows: unused,
  getWorkflow: unused,
  updateWorkflow: unused
}

/** A fresh driver's reads of the run: the run, then every page of results, with and without raw. */
const readAll = (planned: boolean) =>
  Effect.gen(function*() {
    const driver = yield* InteractlyProvider.make({ pageSize: 3 })
    if (planned) yield* driver.findRun!({ plan, provisioning, marker })
    const run = yield* driver.getRun(runId)
    const pages = (raw: boolean) =>
      Effect.gen(function*() {
        const out: Array<unknown> = []
        let cursor: string | undefined = undefined
        do {
          const page: { readonly results: ReadonlyArray<unknown>; readonly cursor?: string | undefined } = yield* driver.listResults(runId, cursor, { raw })
          out.push(page)
          cursor = page.cursor
        } while (cursor !== undefined)
        return out
      })
    const raw = yield* pages(true)
    const plain = yield* pages(false)
    return { run, raw, plain }
  }).pipe(Effect.provideService(InteractlyClient.InteractlyClient, client))

const pinned = JSON.parse(readFileSync(new URL("./fixtures/pinned-results.json", import.meta.url), "utf8"))

describe("the driver's output, pinned", () => {
  it.effect.each([false, true])("reads the run and its results exactly (plan known: %s)", (planned) =>
    Effect.gen(function*() {
      const out = yield* readAll(planned)
      const expected = pinned[planned ? "planned" : "unplanned"]
      expect(out).toStrictEqual(expected)
      // Key order too (what a JSON report shows); `raw` holds the vendor's payloads as decoded.
      expect(JSON.stringify({ run: out.run, plain: out.plain })).toBe(JSON.stringify({ run: expected.run, plain: expected.plain }))
    }))
})
