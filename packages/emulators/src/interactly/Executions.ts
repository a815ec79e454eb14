/**
 * How the executions of a group progress, derived lazily from timestamps: each one's scripted plan
 * (start in waves of `max_concurrent_runs`, conversation, scores), its state at a time with
 * `stop_on_failure` and stops applied, the group's and simulation's status, and an execution's
 * evaluation.
 *
 * An execution exists on the wire only once the orchestrator spawned it, at the start of its wave
 * (`spawned`): a stop, or `stop_on_failure` after a failure, ends the spawning, so the executions
 * of later waves are never created (the SDK's guide: "the orchestrator stops spawning new
 * individual runs; already-running runs complete naturally").
 *
 * @internal
 */
import { Plan } from "@simbridge/core"
import type * as Wire from "@simbridge/interactly/InteractlyWire"
import type { Context } from "./Context.js"
import { conversation, outline, scoresOf } from "./Conversation.js"
import type { Conversation, Score } from "./Conversation.js"
import { iso } from "./Store.js"
import type { Config, GroupRecord, SimulationRecord } from "./Store.js"

/**
 * `pending`: not spawned yet (its wave has not started); `cancelled`: never spawned (the group was
 * stopped, or `stop_on_failure` ended it, before its wave); neither is listed.
 */
export type ExecutionState = "pending" | "running" | "completed" | "failed" | "cancelled"

export interface ExecutionView {
  readonly index: number
  readonly id: string
  readonly selectedRunId: string
  readonly counterRunId: string
  readonly state: ExecutionState
  readonly start: number
  readonly end: number
  readonly conversation: Conversation
  readonly scores: ReadonlyArray<Score>
  readonly counterScores: ReadonlyArray<Score>
}

export const metricsOf = (ctx: Context, workflowId: string | null | undefined) => (workflowId ? ctx.store.workflows.get(workflowId)?.metrics ?? [] : [])
const yesNoOf = (ctx: Context, workflowId: string | null | undefined) => (workflowId ? ctx.store.workflows.get(workflowId)?.yesNo : undefined)

/** The workflow under test, named as its config or its stored workflow names it. */
const agent = (ctx: Context, c: Config) =>
  c.selected_workflow?.name ?? (c.selected_workflow?.workflow_id ? ctx.store.workflows.get(c.selected_workflow.workflow_id)?.name : undefined) ?? undefined

export type Planned = Omit<ExecutionView, "state">

/** A group's scripted executions, scripted once and then read from the cache while it holds them. */
const plansOf = (ctx: Context, group: GroupRecord): ReadonlyArray<Planned> => {
  const { callMs, planned, queueMs, seed } = ctx
  const cached = planned.get(group.id)
  if (cached !== undefined) return cached
  const sim = ctx.store.simulations.get(group.simulationId)!
  const c = sim.config
  const concurrency = Math.max(1, c.max_concurrent_runs ?? 1)
  // Stable inputs only (the simulation's name, the workflow under test, the caller's variables):
  // ids the emulator generated (the caller workflow's, the logical id's hash of it) never count.
  const stable = `${c.name ?? ""}|${c.selected_workflow?.workflow_id ?? ""}|${Plan.stableStringify(c.counter_workflow?.dynamic_variables ?? {})}`
  const key = (i: number) => `${stable}/${i}`
  const plans = group.executions.map((e, i) => {
    const start = group.createdAt + queueMs + Math.floor(i / concurrency) * callMs
    const outlined = outline(seed, key(i), c)
    const scores = scoresOf(seed, key(i), metricsOf(ctx, c.selected_workflow?.workflow_id), outlined.good, yesNoOf(ctx, c.selected_workflow?.workflow_id))
    return {
      ...e,
      index: i,
      start,
      end: start + callMs,
      conversation: conversation(seed, key(i), c, outlined, { agent: agent(ctx, c), scores }),
      scores,
      counterScores: scoresOf(seed, `${key(i)}/counter`, metricsOf(ctx, c.counter_workflow?.workflow_id), outlined.good, yesNoOf(ctx, c.counter_workflow?.workflow_id))
    }
  })
  planned.set(group.id, plans)
  return plans
}

export const executionsOf = (ctx: Context, group: GroupRecord, now: number): ReadonlyArray<ExecutionView> => {
  const c = ctx.store.simulations.get(group.simulationId)!.config
  const plans = plansOf(ctx, group)
  let cutoff = group.stoppedAt ?? Number.POSITIVE_INFINITY
  if (c.stop_on_failure) {
    for (const p of plans) if (p.conversation.failure && p.start < cutoff) cutoff = Math.min(cutoff, p.end)
  }
  return plans.map((p) => {
    const state: ExecutionState = p.start >= cutoff
      ? (now >= cutoff ? "cancelled" : "pending")
      : now < p.start
      ? "pending"
      : now < p.end
      ? "running"
      : p.conversation.failure
      ? "failed"
      : "completed"
    return { ...p, state }
  })
}

export const groupState = (ctx: Context, group: GroupRecord, executions: ReadonlyArray<ExecutionView>, now: number): string => {
  if (group.stoppedAt !== undefined && now >= group.stoppedAt) return "cancelled"
  const sim = ctx.store.simulations.get(group.simulationId)!
  const terminal = executions.every((e) => e.state === "completed" || e.state === "failed" || e.state === "cancelled")
  if (terminal) {
    const failed = executions.filter((e) => e.state === "failed").length
    return (sim.config.stop_on_failure && failed > 0) || (failed > 0 && failed === executions.length) ? "failed" : "completed"
  }
  return executions.some((e) => e.state !== "pending") ? "running" : "pending"
}

export const simulationStatus = (ctx: Context, sim: SimulationRecord, now: number) => {
  const latest = sim.groups.length === 0 ? undefined : ctx.store.groups.get(sim.groups[sim.groups.length - 1]!)
  return latest === undefined ? sim.status : groupState(ctx, latest, executionsOf(ctx, latest, now), now)
}

/** Whether the orchestrator spawned the execution: only those are listed and have workflow runs. */
export const spawned = (e: ExecutionView) => e.state === "running" || e.state === "completed" || e.state === "failed"

/** The executions of a group that exist at `now` (spawned), in run-index order. */
export const spawnedOf = (ctx: Context, group: GroupRecord, now: number): ReadonlyArray<ExecutionView> => executionsOf(ctx, group, now).filter(spawned)

export const runStatus = (e: ExecutionView): string =>
  e.state === "pending" ? "not_started" : e.state === "running" ? "running" : e.state === "failed" ? e.conversation.failure!.status : e.state

export const evaluationOf = (e: ExecutionView, role: "selected" | "counter") => {
  const scores = role === "selected" ? e.scores : e.counterScores
  if (e.state !== "completed" || scores.length === 0) return undefined
  const scored = scores.filter((s) => s.scored)
  return {
    score: scored.length === 0 ? null : Math.round(scored.reduce((n, s) => n + s.score, 0) / scored.length),
    passed: scores.every((s) => s.passed),
    details: {
      metrics: scores.map((s) => ({
        metric_name: s.metric,
        score: s.scored ? s.score : null,
        passed: s.passed,
        reasoning: s.passed ? `${s.metric}: criterion met` : `${s.metric}: criterion not met`
      }))
    },
    evaluated_at: iso(e.end)
  } satisfies typeof Wire.WorkflowRunEvaluation.Encoded
}
