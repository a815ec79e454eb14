/**
 * Routes of simulations (`/v1/simulations`: config, runs, evaluation summary) and of their runs,
 * the simulation groups (`/v1/simulation-runs`: status, stop, executions).
 *
 * @internal
 */
import { randomUUID } from "node:crypto"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as JSONSchema from "effect/JSONSchema"
import * as Schema from "effect/Schema"
import * as Wire from "@simbridge/interactly/InteractlyWire"
import { renderExecution, renderGroup, renderSimulation, status, summaryOf } from "./Bodies.js"
import type { Context } from "./Context.js"
import { ApiError, notFound } from "./Errors.js"
import { evaluationOf, executionsOf, groupState, runStatus, simulationStatus, spawnedOf } from "./Executions.js"
import { body, json, page, PageQuery, pathId, query, where } from "./Http.js"
import { defaults, objectId } from "./Store.js"
import type { Config, GroupRecord, SimulationRecord, Store } from "./Store.js"

const now = Clock.currentTimeMillis

const getSimulation = (store: Store) => (id: string) => {
  const sim = store.simulations.get(id)
  return sim ? Effect.succeed(sim) : Effect.fail(notFound("Simulation"))
}
const getGroup = (store: Store) => (id: string) => {
  const group = store.groups.get(id)
  return group ? Effect.succeed(group) : Effect.fail(notFound("Simulation run"))
}

/** The workflow details as stored: `null` (allowed by the model) and omitted fields take the model's defaults. */
const workflowDetails = (store: Store, w: Wire.SimulationWorkflowDetailsInput | null | undefined) => ({
  workflow_id: w?.workflow_id ?? null,
  version_number: w?.version_number ?? 0,
  version_name: w?.version_name ?? null,
  dynamic_variables: w?.dynamic_variables ?? {},
  name: w?.name ?? (w?.workflow_id ? store.workflows.get(w.workflow_id)?.name ?? null : null),
  total_events: w?.total_events ?? 0,
  total_nodes: w?.total_nodes ?? 0,
  total_duration_seconds: w?.total_duration_seconds ?? 0,
  run_id: w?.run_id ?? null
})

const SimulationQuery = Schema.Struct({
  ...PageQuery.fields,
  search: Schema.optional(Schema.String),
  logical_id: Schema.optional(Schema.String),
  selected_workflow_id: Schema.optional(Wire.ObjectId),
  counter_workflow_id: Schema.optional(Wire.ObjectId),
  status: Schema.optional(Wire.SimulationStatus),
  start: Schema.optional(Schema.DateFromString),
  end: Schema.optional(Schema.DateFromString)
})

export const simulationRoutes = (ctx: Context) => {
  const { store } = ctx
  const { groups, simulations, workflowRuns } = store
  return HttpRouter.empty.pipe(
    HttpRouter.get("/v1/simulations/schema", json({ config_schema: JSONSchema.make(Wire.SimulationConfigInput) })),
    HttpRouter.post(
      "/v1/simulations",
      Effect.gen(function*() {
        const input = yield* body(Wire.SimulationConfigInput)
        for (const side of ["selected_workflow", "counter_workflow"] as const) {
          if (!input[side]?.workflow_id) {
            return yield* Effect.fail(new ApiError({ status: 400, body: { message: "Invalid simulation configuration", error: `${side}.workflow_id is required` } }))
          }
        }
        const t = yield* now
        const config: Config = {
          logical_id: input.logical_id ?? `simulation_${randomUUID()}`,
          name: input.name ?? null,
          description: input.description ?? null,
          selected_workflow: workflowDetails(store, input.selected_workflow),
          counter_workflow: workflowDetails(store, input.counter_workflow),
          timeout_seconds: input.timeout_seconds ?? defaults.timeout_seconds,
          max_events: input.max_events ?? defaults.max_events,
          number_of_simulations: input.number_of_simulations ?? defaults.number_of_simulations,
          max_concurrent_runs: input.max_concurrent_runs ?? defaults.max_concurrent_runs,
          assistant_starts_first: input.assistant_starts_first ?? defaults.assistant_starts_first,
          stop_on_failure: input.stop_on_failure ?? defaults.stop_on_failure,
          status: input.status ?? defaults.status,
          run_by: input.run_by ?? null
        }
        const sim: SimulationRecord = { id: objectId(t), config, description: config.description, status: config.status ?? "pending", createdAt: t, updatedAt: t, groups: [] }
        simulations.set(sim.id, sim)
        return yield* json({ simulation: renderSimulation(ctx, sim, t, yield* where) })
      })
    ),
    HttpRouter.get(
      "/v1/simulations",
      Effect.gen(function*() {
        const q = yield* query(SimulationQuery)
        const t = yield* now
        const needle = q.search?.toLowerCase()
        const all = [...simulations.values()]
          .filter((s) =>
            (q.logical_id === undefined || s.config.logical_id === q.logical_id) &&
            (q.selected_workflow_id === undefined || s.config.selected_workflow?.workflow_id === q.selected_workflow_id) &&
            (q.counter_workflow_id === undefined || s.config.counter_workflow?.workflow_id === q.counter_workflow_id) &&
            (q.status === undefined || simulationStatus(ctx, s, t) === q.status) &&
            (q.start === undefined || s.createdAt >= q.start.getTime()) &&
            (q.end === undefined || s.createdAt <= q.end.getTime()) &&
            (needle === undefined || [s.config.name, s.description, s.config.logical_id].some((x) => x?.toLowerCase().includes(needle)))
          )
          .sort((a, b) => b.createdAt - a.createdAt)
        const at = yield* where
        return yield* json({ simulations: page(all, q).map((s) => renderSimulation(ctx, s, t, at)), total: all.length })
      })
    ),
    HttpRouter.get(
      "/v1/simulations/:simulation_id",
      Effect.gen(function*() {
        const sim = yield* Effect.flatMap(pathId("simulation_id"), getSimulation(store))
        return yield* json({ simulation: renderSimulation(ctx, sim, yield* now, yield* where) })
      })
    ),
    HttpRouter.patch(
      "/v1/simulations/:simulation_id",
      Effect.gen(function*() {
        const sim = yield* Effect.flatMap(pathId("simulation_id"), getSimulation(store))
        const patch = yield* body(Schema.Struct({ description: Schema.optional(Schema.NullOr(Schema.String)), status: Schema.optional(Wire.SimulationStatus) }))
        const t = yield* now
        if (patch.description !== undefined) sim.description = patch.description
        if (patch.status !== undefined) sim.status = patch.status
        sim.updatedAt = t
        return yield* json({ simulation: renderSimulation(ctx, sim, t, yield* where) })
      })
    ),
    HttpRouter.del(
      "/v1/simulations/:simulation_id",
      Effect.gen(function*() {
        const sim = yield* Effect.flatMap(pathId("simulation_id"), getSimulation(store))
        for (const g of sim.groups) groups.delete(g)
        simulations.delete(sim.id)
        return yield* json({ message: "Simulation deleted successfully" })
      })
    ),
    HttpRouter.post(
      "/v1/simulations/:simulation_id/run",
      Effect.gen(function*() {
        const sim = yield* Effect.flatMap(pathId("simulation_id"), getSimulation(store))
        const input = yield* body(Wire.RunSimulationRequest)
        const t = yield* now
        const id = objectId(t)
        const executions = Array.from({ length: sim.config.number_of_simulations ?? 1 }, (_, index) => {
          const e = { id: objectId(t), selectedRunId: objectId(t), counterRunId: objectId(t) }
          workflowRuns.set(e.selectedRunId, { groupId: id, index, role: "selected" })
          workflowRuns.set(e.counterRunId, { groupId: id, index, role: "counter" })
          return e
        })
        const group: GroupRecord = { id, simulationId: sim.id, createdAt: t, runnerName: input.runner_name, stoppedAt: undefined, executions }
        groups.set(id, group)
        sim.groups.push(id)
        return yield* json({ simulation_group: renderGroup(ctx, group, t, yield* where) })
      })
    ),
    HttpRouter.get(
      "/v1/simulations/:simulation_id/runs",
      Effect.gen(function*() {
        const sim = yield* Effect.flatMap(pathId("simulation_id"), getSimulation(store))
        const q = yield* query(PageQuery)
        const t = yield* now
        const all = [...sim.groups].reverse().flatMap((g) => (groups.has(g) ? [groups.get(g)!] : []))
        const at = yield* where
        return yield* json({ simulation_groups: page(all, q).map((g) => renderGroup(ctx, g, t, at)), total: all.length })
      })
    ),
    HttpRouter.get(
      "/v1/simulations/:simulation_id/evaluation-summary",
      Effect.gen(function*() {
        const sim = yield* Effect.flatMap(pathId("simulation_id"), getSimulation(store))
        const q = yield* query(Schema.Struct({ group_id: Schema.optional(Wire.ObjectId) }))
        const groupId = q.group_id ?? sim.groups[sim.groups.length - 1]
        const group = groupId === undefined ? undefined : groups.get(groupId)
        if (group === undefined || group.simulationId !== sim.id) {
          if (q.group_id !== undefined) return yield* Effect.fail(notFound("Simulation group"))
          return yield* json({ simulation_id: sim.id, group_id: null, selected_workflow_summary: summaryOf(ctx, null, [], "selected"), counter_workflow_summary: summaryOf(ctx, null, [], "counter") })
        }
        const executions = spawnedOf(ctx, group, yield* now)
        return yield* json({
          simulation_id: sim.id,
          group_id: group.id,
          selected_workflow_summary: summaryOf(ctx, sim.config.selected_workflow?.workflow_id, executions, "selected"),
          counter_workflow_summary: summaryOf(ctx, sim.config.counter_workflow?.workflow_id, executions, "counter")
        } satisfies typeof Wire.EvaluationSummary.Encoded)
      })
    ),
    HttpRouter.get(
      "/v1/simulation-runs/:run_id",
      Effect.gen(function*() {
        const group = yield* Effect.flatMap(pathId("run_id"), getGroup(store))
        return yield* json({ simulation_group: renderGroup(ctx, group, yield* now, yield* where) })
      })
    ),
    HttpRouter.post(
      "/v1/simulation-runs/:run_id/stop",
      Effect.gen(function*() {
        const group = yield* Effect.flatMap(pathId("run_id"), getGroup(store))
        const t = yield* now
        const state = groupState(ctx, group, executionsOf(ctx, group, t), t)
        if (state === "completed" || state === "failed") {
          return yield* Effect.fail(new ApiError({ status: 409, body: { detail: `Simulation run already ${state}` } }))
        }
        if (group.stoppedAt === undefined) group.stoppedAt = t
        return yield* json({ simulation_group: renderGroup(ctx, group, t, yield* where) })
      })
    ),
    HttpRouter.get(
      "/v1/simulation-runs/:run_id/executions",
      Effect.gen(function*() {
        const group = yield* Effect.flatMap(pathId("run_id"), getGroup(store))
        const q = yield* query(PageQuery)
        const executions = spawnedOf(ctx, group, yield* now)
        const at = yield* where
        return yield* json({ individual_runs: page(executions, q).map((e) => renderExecution(ctx, group, e, at)), total: executions.length })
      })
    ),
    HttpRouter.get(
      "/v1/simulation-runs/:run_id/executions/detailed",
      Effect.gen(function*() {
        const group = yield* Effect.flatMap(pathId("run_id"), getGroup(store))
        const sim = simulations.get(group.simulationId)!
        const executions = spawnedOf(ctx, group, yield* now)
        const at = yield* where
        return yield* json({
          individual_runs: executions.map((e) => {
            const evaluation = evaluationOf(e, "selected")
            return {
              _id: e.id,
              run_index: e.index,
              status: status(ctx, e.state, at),
              workflow_id: sim.config.selected_workflow?.workflow_id ?? null,
              workflow_name: sim.config.selected_workflow?.name ?? null,
              selected_workflow_name: sim.config.selected_workflow?.name ?? null,
              selected_workflow_status: runStatus(e),
              counter_workflow_name: sim.config.counter_workflow?.name ?? null,
              counter_workflow_status: runStatus(e),
              selected_workflow_run_id: e.selectedRunId,
              counter_workflow_run_id: e.counterRunId,
              evaluation_run_id: evaluation ? e.selectedRunId : null,
              score: evaluation?.score ?? null,
              error_message: e.state === "failed" ? e.conversation.failure?.message ?? null : null
            } satisfies typeof Wire.DetailedExecution.Encoded
          }),
          total: executions.length
        })
      })
    )
  )
}
