/**
 * Scenario hooks: `simulation.run.started` and `simulation.run.ended` POSTed to each hook action's
 * `server.url` when an item starts and ends, from fibers that live as long as the emulator.
 *
 * @internal
 */
import { randomUUID } from "node:crypto"
import type * as VapiWire from "@simbridge/vapi/VapiWire"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FiberSet from "effect/FiberSet"
import { renderItem } from "./Bodies.js"
import type { Context } from "./Context.js"
import { listenUrl, phases } from "./Simulation.js"
import type { Json, StoredItem, StoredRun } from "./Store.js"

const postHooks = (run: StoredRun, item: StoredItem, on: VapiWire.HookEvent, payload: (include: Json) => Json) =>
  Effect.forEach(
    ((item.scenario.hooks as ReadonlyArray<VapiWire.Hook> | undefined) ?? []).filter((h) => h.on === on).flatMap((h) => h.do),
    (action) => {
      const url = action.server?.url
      if (url === undefined) return Effect.void
      return Effect.tryPromise(() =>
        fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json", ...(action.server?.headers as Record<string, string> | undefined) },
          body: JSON.stringify(payload((action.include ?? {}) as Json)),
          signal: AbortSignal.timeout(5000)
        })
      ).pipe(Effect.ignore)
    },
    { discard: true }
  )

export const scheduleHooks = (ctx: Context, run: StoredRun) =>
  Effect.forEach(run.items, (item) => {
    const hooks = item.scenario.hooks as ReadonlyArray<VapiWire.Hook> | undefined
    if (hooks === undefined || hooks.length === 0) return Effect.void
    const { start, end } = phases(ctx, run, item)
    const base = { simulationId: item.simulation.id, runId: run.id, simulationRunItemId: item.id, iterationNumber: item.iterationNumber, isSimulation: true }
    const at = (ms: number) => Effect.flatMap(Clock.currentTimeMillis, (now) => Effect.sleep(Duration.millis(Math.max(0, Math.ceil(ms) + 1 - now))))
    const fiber = Effect.gen(function*() {
      yield* at(start)
      const now = yield* Clock.currentTimeMillis
      const cancel = item.canceledAt ?? run.canceledAt
      if (cancel === undefined || cancel > start) {
        yield* postHooks(run, item, "simulation.run.started", () => ({
          type: "simulation.run.started",
          ...base,
          ...(run.chat ? {} : { calls: { testerCallId: randomUUID(), targetCallId: item.conversationId, listenUrl: listenUrl(item) } })
        }))
      }
      yield* at(Math.max(end, now))
      const rendered = renderItem(ctx, run, item, yield* Clock.currentTimeMillis, false)
      const call = (rendered.metadata as Json).call as Json | undefined
      yield* postHooks(run, item, "simulation.run.ended", (include) => ({
        type: "simulation.run.ended",
        ...base,
        canceled: rendered.status === "canceled",
        ...(run.chat ? {} : { endedReason: rendered.status === "canceled" ? "customer-ended-call" : "assistant-ended-call" }),
        ...(rendered.failureReason === undefined ? {} : { failureReason: rendered.failureReason }),
        startedAt: rendered.startedAt,
        endedAt: rendered.completedAt ?? rendered.canceledAt,
        ...(include.transcript === true && call ? { transcript: call.transcript } : {}),
        ...(include.messages === true && call ? { messages: call.messages } : {}),
        ...(include.recordingUrl === true && call?.recordingUrl ? { recordingUrl: call.recordingUrl } : {})
      }))
    })
    return FiberSet.run(ctx.fibers, fiber)
  }, { discard: true })
