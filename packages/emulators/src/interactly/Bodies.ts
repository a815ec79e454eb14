/**
 * The bodies the emulator answers with: a simulation, a simulation group (run), an execution, a
 * workflow run with the events of its side of the conversation, an evaluation summary and a
 * workflow. Statuses go through the unknown-enum fault hook.
 *
 * @internal
 */
import { randomUUID } from "node:crypto"
import { Conversation, Emulator } from "@simbridge/emulator"
import type * as Wire from "@simbridge/interactly/InteractlyWire"
import type { Context } from "./Context.js"
import { bucket } from "./Conversation.js"
import { evaluationOf, executionsOf, groupState, metricsOf, runStatus, simulationStatus, spawned } from "./Executions.js"
import type { ExecutionView } from "./Executions.js"
import { defaults, iso, teamId, userId } from "./Store.js"
import type { GroupRecord, SimulationRecord, WorkflowRecord } from "./Store.js"

/** The undocumented status the emulator renders when an unknown enum value is injected. */
export const unknownStatus = "suspended"

/** Where a status is rendered: one-shot unknown-enum faults may be aimed at a method and path. */
export type At = { readonly method: string; readonly path: string }
export const status = (ctx: Context, s: string, at: At) => (ctx.faults.unknownEnum(at.method, at.path) ? unknownStatus : s)

/**
 * A group: `total_runs` is the number of executions it planned (`number_of_simulations`, spawned or
 * not), `completed_runs` / `failed_runs` count its spawned executions that finished; `updated_at`
 * moves with each spawn, each end and the stop.
 */
export const renderGroup = (ctx: Context, group: GroupRecord, now: number, at: At) => {
  const executions = executionsOf(ctx, group, now)
  const lastChange = Math.max(group.createdAt, ...executions.flatMap((e) => (spawned(e) ? [Math.min(now, e.state === "running" ? e.start : e.end)] : [])))
  return {
    _id: group.id,
    simulation_config_id: group.simulationId,
    status: status(ctx, groupState(ctx, group, executions, now), at),
    total_runs: executions.length,
    completed_runs: executions.filter((e) => e.state === "completed").length,
    failed_runs: executions.filter((e) => e.state === "failed").length,
    ...(group.runnerName === undefined ? {} : { runner_name: group.runnerName }),
    team_id: teamId,
    created_by: userId,
    updated_by: userId,
    created_at: iso(group.createdAt),
    updated_at: iso(group.stoppedAt !== undefined ? Math.max(lastChange, group.stoppedAt) : lastChange)
  } satisfies typeof Wire.SimulationGroup.Encoded
}

export const renderSimulation = (ctx: Context, sim: SimulationRecord, now: number, at: At) =>
  ({
    team_id: teamId,
    created_by: userId,
    updated_by: userId,
    created_at: iso(sim.createdAt),
    updated_at: iso(sim.updatedAt),
    _id: sim.id,
    simulation_config: { ...sim.config, description: sim.description, status: status(ctx, simulationStatus(ctx, sim, now), at) }
  }) satisfies typeof Wire.SimulationDoc.Encoded

/** A spawned execution (only those are listed): created when its wave started. */
export const renderExecution = (ctx: Context, group: GroupRecord, e: ExecutionView, at: At) =>
  ({
    _id: e.id,
    simulation_group_id: group.id,
    selected_workflow_run_id: e.selectedRunId,
    counter_workflow_run_id: e.counterRunId,
    status: status(ctx, e.state, at),
    error_message: e.state === "failed" ? e.conversation.failure?.message ?? null : null,
    run_index: e.index,
    team_id: teamId,
    created_at: iso(e.start),
    updated_at: iso(e.state === "running" ? e.start : e.end)
  }) satisfies typeof Wire.SimulationRun.Encoded

export const renderWorkflowRun = (ctx: Context, runId: string, now: number, at: At) => {
  const { callMs, seed, store } = ctx
  const ref = store.workflowRuns.get(runId)
  const group = ref && store.groups.get(ref.groupId)
  if (!ref || !group) return undefined
  const sim = store.simulations.get(group.simulationId)!
  const e = executionsOf(ctx, group, now)[ref.index]!
  // The workflow runs of an execution exist once it was spawned.
  if (!spawned(e)) return undefined
  const details = ref.role === "selected" ? sim.config.selected_workflow : sim.config.counter_workflow
  const base = e.start / 1000
  const { dialogue } = e.conversation
  const shown = e.state === "running" ? Conversation.spoken(dialogue, now - e.start, callMs) : dialogue.turns
  const maxEvents = sim.config.max_events ?? defaults.max_events
  const me = ref.role === "selected" ? "agent" : "caller"
  const event = (type: string, at: number, extra: object) => ({
    logical_id: `event_${randomUUID()}`,
    timestamp: base + at,
    origin_thread_id: "0",
    comments: [],
    interrupted: false,
    origin_node_logical_id: "node_conversation",
    origin_node_name: "Conversation",
    origin_node_run_id: "1",
    type,
    ...extra
  })
  // Node run input and output carry their `type` discriminator, as the server's node models do.
  const node = { type: "base_node", node_logical_id: "node_conversation" }
  const events: Array<unknown> = [event("start_node_run", 0, { run_input: node })]
  shown.forEach((l, i) => {
    const at = l.startMs / 1000
    if (l.speaker === me) {
      events.push(i === 0 ? event("say_static", at, { message: { content: l.text, type: "ai", id: randomUUID() } }) : event("assistant_response", at, { content: l.text, logical_id: `assistant_message_${randomUUID()}` }))
    } else {
      events.push(event("user_messages", at, { messages: [{ content: l.text, type: "human", id: randomUUID(), additional_kwargs: {}, response_metadata: {}, name: null }] }))
    }
  })
  if (e.state === "completed") events.push(event("end_node_run", e.conversation.seconds, { run_output: { ...node, events: [] } }))
  const evaluation = evaluationOf(e, ref.role)
  const latency = 600 + Math.floor(Emulator.chance(seed, `${sim.config.name ?? ""}/${ref.index}/latency`) * 900)
  const agentTurns = dialogue.turns.filter((l) => l.speaker === me).length
  return {
    team_id: teamId,
    created_by: userId,
    updated_by: userId,
    created_at: iso(e.start),
    updated_at: iso(Math.min(now, e.end)),
    _id: runId,
    workflow_run: {
      logical_id: `workflow_run_${runId}`,
      workflow_run_id: runId,
      workflow_id: details?.workflow_id ?? null,
      version_number: details?.version_number ?? 0,
      version_name: details?.version_name ?? null,
      status: status(ctx, runStatus(e), at),
      termination_source: e.state === "completed" ? "end_node" : e.state === "failed" ? (e.conversation.failure!.status === "failed" ? "timeout" : "max_events") : null,
      input_output_pairs: [{
        run_input: {
          dynamic_variables: details?.dynamic_variables ?? {},
          runtime_variables: {},
          miscellaneous: {},
          command: "start",
          workflow_id: details?.workflow_id ?? null,
          version_number: details?.version_number ?? 0,
          run_by: "simulation",
          workflow_run_id: runId,
          team_id: teamId,
          thread_to_node_inputs: {}
        },
        run_output: { events: events.slice(0, maxEvents), thread_to_node_outputs: {} },
        evaluation: evaluation ?? {}
      }],
      run_by: "simulation",
      comments: [],
      llm_latency_stats: { call_count: agentTurns, total_latency_milliseconds: latency * agentTurns, average_latency_milliseconds: latency }
    }
  }
}

/** The summary of one side's evaluations over the group's spawned `executions`. */
export const summaryOf = (ctx: Context, workflowId: string | null | undefined, executions: ReadonlyArray<ExecutionView>, role: "selected" | "counter") => {
  const metrics = metricsOf(ctx, workflowId)
  const done = executions.filter((e) => e.state === "completed")
  const open = executions.filter((e) => e.state === "running").length
  const evaluations = done.map((e) => evaluationOf(e, role)).filter((x) => x !== undefined)
  return {
    total_runs: executions.length,
    successful_evaluations: evaluations.filter((x) => x.passed).length,
    failed_evaluations: evaluations.filter((x) => !x.passed).length,
    pending_evaluations: metrics.length === 0 ? 0 : open,
    no_evaluation_configured: metrics.length === 0 ? done.length : 0,
    metrics: metrics.flatMap((metric) => {
      const scores = done.flatMap((e) => (role === "selected" ? e.scores : e.counterScores).filter((s) => s.metric === metric && s.scored).map((s) => s.score))
      if (scores.length === 0) return []
      const distribution = { bucket_0_20: 0, bucket_21_40: 0, bucket_41_60: 0, bucket_61_80: 0, bucket_81_100: 0 }
      for (const s of scores) distribution[bucket(s)]++
      return [{
        metric_name: metric,
        average_score: Math.round((scores.reduce((a, b) => a + b, 0) / scores.length) * 100) / 100,
        min_score: Math.min(...scores),
        max_score: Math.max(...scores),
        distribution
      }]
    })
  } satisfies typeof Wire.WorkflowEvaluationSummary.Encoded
}

/** A stored workflow: its name, description and logical id in its `workflow_config`, as the SDK's `Workflow` reads them. */
export const renderWorkflow = (w: WorkflowRecord) =>
  ({
    _id: w.id,
    team_id: teamId,
    created_by: userId,
    updated_by: userId,
    created_at: iso(w.createdAt),
    updated_at: iso(w.updatedAt),
    status: "active",
    workflow_config: { logical_id: w.logicalId, name: w.name, description: w.description }
  }) satisfies typeof Wire.Workflow.Encoded
