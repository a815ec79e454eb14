/**
 * The bodies the emulator answers with: a run item and a run (with `itemCounts`), as Vapi renders
 * them at a time, and whether a read renders an unknown status instead.
 *
 * @internal
 */
import type * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import { Emulator } from "@simbridge/emulator"
import type { Context } from "./Context.js"
import { conversation, evaluationsOf, phases } from "./Simulation.js"
import { iso, orgId } from "./Store.js"
import type { Json, StoredItem, StoredRun } from "./Store.js"

/** Whether this read renders an unknown status: a one-shot fault aimed at it, or a drawn one. */
export const unknownEnum = ({ faults }: Context, request: HttpServerRequest.HttpServerRequest) => {
  const path = new URL(request.url, "http://127.0.0.1").pathname
  return faults.take(request.method, path, (f) => f._tag === "UnknownEnum") !== undefined || faults.draw("unknownEnum")
}

/** The item as Vapi renders it at `now`. */
export const renderItem = (ctx: Context, run: StoredRun, item: StoredItem, now: number, unknown: boolean): Json => {
  const { start, talkEnd, end } = phases(ctx, run, item)
  const cancel = item.canceledAt ?? run.canceledAt
  const canceled = cancel !== undefined && cancel < end && cancel <= now
  const evaluations = canceled || now < end ? [] : evaluationsOf(ctx, run, item)
  const passed = evaluations.every((e) => !e.required || e.isSkipped === true || e.passed)
  const status = canceled ? "canceled" : now < start ? "queued" : now < talkEnd ? "running" : now < end ? "evaluating" : passed ? "passed" : "failed"
  const started = (canceled ? cancel! : now) >= start
  const finished = status === "passed" || status === "failed"
  const call = finished ? conversation(ctx, run, item, evaluations, passed) : undefined
  const latency = Math.round(600 + Emulator.chance(ctx.seed, `latency|${String(item.scenario.name)}|${String(item.personality.name)}|${item.iterationNumber}`) * 700)
  return {
    id: item.id,
    orgId,
    simulationId: item.simulation.id,
    status: unknown ? "paused_for_review" : status,
    queuedAt: iso(run.createdAt),
    ...(started ? { startedAt: iso(start) } : {}),
    ...(status === "passed" || status === "failed" ? { completedAt: iso(end) } : {}),
    ...(status === "failed" ? { failedAt: iso(end) } : {}),
    ...(canceled ? { canceledAt: iso(cancel!) } : {}),
    ...(started && !run.chat ? { callId: item.conversationId } : {}),
    ...(started && run.chat ? { sessionId: item.conversationId } : {}),
    createdAt: iso(run.createdAt),
    updatedAt: iso(Math.min(now, canceled ? cancel! : finished ? end : now)),
    runId: run.id,
    ...(Array.isArray(item.scenario.hooks) ? { hooks: item.scenario.hooks } : {}),
    iterationNumber: item.iterationNumber,
    scenarioId: item.scenario.id,
    personalityId: item.personality.id,
    metadata: {
      scenario: item.scenario,
      personality: item.personality,
      simulation: item.simulation,
      ...(call === undefined ? {} : { call })
    },
    ...(finished
      ? {
        results: {
          evaluations,
          passed,
          latencyMetrics: { turnCount: call?.messages.length ?? 0, avgTurn: latency, avgTranscriber: 180, avgModel: latency - 320, avgVoice: 140, avgEndpointing: 0 }
        }
      }
      : {}),
    ...(finished && (!passed || item.suggestionsRequested)
      ? {
        improvementSuggestions: {
          analysis: passed ? "The conversation met its required evaluations." : "The assistant did not complete the caller's request.",
          systemPromptSuggestions: passed ? [] : [{ issue: "The assistant gave up on the request", suggestion: "Tell the assistant to offer the next available option before declining." }],
          toolSuggestions: [],
          scenarioSuggestions: []
        }
      }
      : {}),
    configurations: { transport: { provider: run.chat ? "vapi.webchat" : "vapi.websocket" } }
  }
}

/**
 * What a run needs of an item at `now` (its status and times, as {@link renderItem} renders
 * them), without rendering the item, and when its status last changed in a way the run's
 * `itemCounts` see (queued -> running, -> passed / failed / canceled).
 */
const itemState = (ctx: Context, run: StoredRun, item: StoredItem, now: number) => {
  const { end, start } = phases(ctx, run, item)
  const cancel = item.canceledAt ?? run.canceledAt
  const canceled = cancel !== undefined && cancel < end && cancel <= now
  const status = canceled
    ? "canceled"
    : now < start
    ? "queued"
    : now < end
    ? "running"
    : evaluationsOf(ctx, run, item).every((e) => !e.required || e.isSkipped === true || e.passed)
    ? "passed"
    : "failed"
  const started = (canceled ? cancel! : now) >= start
  const finished = status === "passed" || status === "failed"
  const changedAt = canceled ? cancel! : finished ? end : started ? start : run.createdAt
  return {
    status,
    simulationId: item.simulation.id as string,
    ...(started ? { startedAt: iso(start) } : {}),
    ...(finished ? { completedAt: iso(end) } : {}),
    ...(canceled ? { canceledAt: iso(cancel!) } : {}),
    changedAt
  }
}

export const renderRun = (ctx: Context, run: StoredRun, now: number, unknown: boolean): Json => {
  const items: ReadonlyArray<Json> = run.items.map((i) => itemState(ctx, run, i, now))
  const count = (s: ReadonlyArray<string>) => items.filter((i) => s.includes(i.status as string)).length
  const counts = {
    total: items.length,
    passed: count(["passed"]),
    failed: count(["failed"]),
    running: count(["running", "evaluating"]),
    queued: count(["queued"]),
    canceled: count(["canceled"]),
    distinctSimulationTotal: new Set(run.items.map((i) => i.simulation.id)).size,
    distinctSimulationFailed: new Set(items.filter((i) => i.status === "failed" || i.status === "canceled").map((i) => i.simulationId)).size
  }
  const ended = counts.queued + counts.running === 0
  const starts = items.flatMap((i) => (typeof i.startedAt === "string" ? [Date.parse(i.startedAt)] : []))
  const ends = items.map((i) => Date.parse(String(i.completedAt ?? i.canceledAt ?? "")) || 0)
  const status = ended ? "ended" : counts.queued === counts.total ? "queued" : "running"
  const endedAt = ended ? Math.max(run.createdAt, ...ends) : undefined
  return {
    id: run.id,
    orgId,
    status: unknown ? "paused" : status,
    queuedAt: iso(run.createdAt),
    ...(starts.length > 0 ? { startedAt: iso(Math.min(...starts)) } : {}),
    ...(endedAt === undefined ? {} : { endedAt: iso(endedAt), endedReason: run.canceledAt !== undefined && run.canceledAt <= endedAt ? "canceled" : "completed" }),
    createdAt: iso(run.createdAt),
    // The last change of the run's status or item counts (what `updatedAt*` filters see).
    updatedAt: iso(Math.max(run.createdAt, ...items.map((i) => Number(i.changedAt)))),
    itemCounts: counts,
    simulations: run.body.simulations,
    target: run.body.target,
    iterations: run.body.iterations ?? 1,
    ...(run.body.transport === undefined ? {} : { transport: run.body.transport })
  }
}
