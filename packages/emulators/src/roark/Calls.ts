/**
 * Routes of simulation jobs (by id, or by the Roark number that called and when) and of the
 * calls they place, with each call's transcript and metric values.
 *
 * @internal
 */
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import { callJson, callMetricsJson, simJson, transcript } from "./Bodies.js"
import type { Context } from "./Context.js"
import { ApiError, invalid, notFound } from "./Errors.js"
import { ok, paginate, param, queryParams } from "./Http.js"
import { iso } from "./Store.js"

const now = Clock.currentTimeMillis

/** A call by id, once its simulation job has placed it. */
const findCall = ({ store, timeline }: Context, callId: string, t: number) => {
  const found = store.calls.get(callId)
  if (found === undefined) return undefined
  const s = timeline.view(found.job, t).sims[found.i]
  return s !== undefined && s.called ? { job: found.job, i: found.i, v: s } : undefined
}

/** Simulation jobs by id or by the Roark number that called, and the calls with their transcripts and metrics. */
export const callRoutes = (ctx: Context) => {
  const { store, timeline } = ctx
  return HttpRouter.empty.pipe(
    HttpRouter.get("/v1/simulation/job/lookup", Effect.gen(function*() {
      const q = yield* queryParams
      const number = q.get("roarkPhoneNumber")
      if (number === null || !/^\+[1-9]\d{6,14}$/.test(number)) return yield* invalid("roarkPhoneNumber", "required, an E.164 number")
      const t = yield* now
      const receivedRaw = q.get("callReceivedAt")
      const at = receivedRaw === null ? t : Date.parse(receivedRaw)
      if (Number.isNaN(at)) return yield* invalid("callReceivedAt", "expected an ISO-8601 timestamp")
      for (const job of store.jobs.values()) {
        const v = timeline.view(job, t)
        for (const [i, s] of v.sims.entries()) {
          if (job.sims[i]!.phone !== number || s.startedAt === undefined) continue
          if (at >= Math.floor(s.startedAt) && at <= Math.ceil(s.completedAt ?? t)) return yield* ok(simJson(ctx, job, i, s, true))
        }
      }
      return yield* new ApiError({ status: 404, message: `no simulation job for ${number} at ${iso(at)}` })
    })),
    HttpRouter.get("/v1/simulation/job/:jobId", Effect.gen(function*() {
      const id = yield* param("jobId")
      const found = store.sims.get(id)
      const t = yield* now
      const v = found === undefined ? undefined : timeline.view(found.job, t).sims[found.i]
      if (found === undefined || v === undefined) return yield* notFound("Simulation job", id)
      return yield* ok(simJson(ctx, found.job, found.i, v, true))
    })),

    // Calls
    HttpRouter.get("/v1/call", Effect.gen(function*() {
      const q = yield* queryParams
      const t = yield* now
      const jobId = q.get("simulationRunPlanJobId")
      const status = q.get("status")
      const calls: Array<ReturnType<typeof callJson>> = []
      for (const job of store.jobs.values()) {
        if (jobId !== null && job.id !== jobId) continue
        timeline.view(job, t).sims.forEach((s, i) => {
          if (s.called) calls.push(callJson(ctx, job, i, s))
        })
      }
      const sortBy = q.get("sortBy") ?? "createdAt"
      const direction = q.get("sortDirection") ?? "desc"
      if (!["createdAt", "startedAt", "endedAt", "duration", "title", "status"].includes(sortBy)) return yield* invalid("sortBy", "unknown sort field")
      if (direction !== "asc" && direction !== "desc") return yield* invalid("sortDirection", "asc or desc")
      const key = (c: ReturnType<typeof callJson>) => String((sortBy === "duration" ? c.durationMs : (c as Record<string, unknown>)[sortBy]) ?? "")
      const sorted = calls.filter((c) => status === null || c.status === status).sort((a, b) => key(a).localeCompare(key(b)) || a.id.localeCompare(b.id))
      if (direction === "desc") sorted.reverse()
      return yield* paginate(sorted, (c) => c.id, 100)
    })),
    HttpRouter.get("/v1/call/:callId", Effect.gen(function*() {
      const id = yield* param("callId")
      const found = findCall(ctx, id, yield* now)
      return found === undefined ? yield* notFound("Call", id) : yield* ok(callJson(ctx, found.job, found.i, found.v))
    })),
    HttpRouter.get("/v1/call/:callId/transcript", Effect.gen(function*() {
      const id = yield* param("callId")
      const found = findCall(ctx, id, yield* now)
      if (found === undefined) return yield* notFound("Call", id)
      const sim = found.job.sims[found.i]!
      return yield* ok(found.v.transcriptReady ? transcript(ctx, found.job, sim) : { entries: [], participants: [], transcriptionSource: null })
    })),
    HttpRouter.get("/v1/call/:callId/metrics", Effect.gen(function*() {
      const id = yield* param("callId")
      const found = findCall(ctx, id, yield* now)
      if (found === undefined) return yield* notFound("Call", id)
      const sim = found.job.sims[found.i]!
      return yield* ok(found.v.status === "COMPLETED" ? callMetricsJson(ctx, found.job, sim, found.v) : [])
    }))
  )
}
