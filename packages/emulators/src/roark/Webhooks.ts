/**
 * Webhook subscriptions and their deliveries: each `simulation.run_plan_job.*` and
 * `simulation.job.*` event is emitted once and posted, signed, to every subscription for it, with
 * up to four attempts and a growing pause between them.
 *
 * @internal
 */
import { createHmac, randomUUID } from "node:crypto"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Wire from "@simbridge/roark/RoarkWire"
import { publicHook } from "./Bodies.js"
import type { Context } from "./Context.js"
import { notFound } from "./Errors.js"
import { decodeBody, ok, paginate, param } from "./Http.js"
import { iso } from "./Store.js"
import type { Webhook } from "./Store.js"

const now = Clock.currentTimeMillis

/** Webhook subscriptions; the signing secret is shown only when one is created. */
export const webhookRoutes = ({ store }: Context) =>
  HttpRouter.empty.pipe(
    HttpRouter.post("/v1/webhook", Effect.gen(function*() {
      const body = yield* decodeBody(Wire.WebhookCreate)
      const at = iso(yield* now)
      const hook: Webhook = {
        id: randomUUID(),
        url: body.url,
        description: body.description ?? null,
        events: [...body.events],
        headers: { ...(body.headers ?? {}) },
        signingSecret: `whsec_${randomUUID().replace(/-/g, "")}`,
        createdAt: at,
        updatedAt: at
      }
      store.webhooks.set(hook.id, hook)
      return yield* ok(hook, 201)
    })),
    HttpRouter.get("/v1/webhook", Effect.suspend(() => paginate([...store.webhooks.values()].map(publicHook), (w) => w.id))),
    HttpRouter.get("/v1/webhook/:webhookId", Effect.gen(function*() {
      const id = yield* param("webhookId")
      const w = store.webhooks.get(id)
      return w === undefined ? yield* notFound("Webhook", id) : yield* ok(publicHook(w))
    })),
    HttpRouter.del("/v1/webhook/:webhookId", Effect.gen(function*() {
      const id = yield* param("webhookId")
      if (!store.webhooks.delete(id)) return yield* notFound("Webhook", id)
      return yield* ok({ success: true })
    }))
  )

/** `X-Roark-Signature`: hex HMAC-SHA256 of the raw body with the webhook's signing secret (Roark's algorithm is UNKNOWN). */
export const sign = (secret: string, body: string): string => createHmac("sha256", secret).update(body).digest("hex")

const eventName = (e: string) => e.toLowerCase().replace(/^simulation_run_plan_job_/, "simulation.run_plan_job.").replace(/^simulation_job_/, "simulation.job.")

/** One delivery pass: the events due since the last pass, each posted from its own fiber. */
export const deliverAll = (ctx: Context, client: HttpClient.HttpClient) =>
  Effect.gen(function*() {
    const { store, timeline } = ctx
    if (store.webhooks.size === 0) return
    const t = yield* Clock.currentTimeMillis
    const pending: Array<{ key: string; event: string; data: Record<string, unknown> }> = []
    const emit = (key: string, event: string, data: Record<string, unknown>) => {
      if (!store.emitted.has(key)) pending.push({ key, event, data })
    }
    const terminalEvent = (status: string) =>
      status === "COMPLETED" ? "COMPLETED" : status === "CANCELLED" ? "CANCELLED" : status === "FAILED" || status === "TIMED_OUT" ? "FAILED" : undefined
    for (const job of store.jobs.values()) {
      if (store.emitted.has(`${job.id}:done`)) continue
      const v = timeline.view(job, t)
      const base = { simulationRunPlanJobId: job.id, simulationRunPlanId: job.plan.id, status: v.status }
      if (v.startedAt !== undefined) emit(`${job.id}:started`, "SIMULATION_RUN_PLAN_JOB_STARTED", { ...base, startedAt: iso(v.startedAt) })
      v.sims.forEach((s, i) => {
        const sim = job.sims[i]!
        const data = { simulationJobId: sim.id, simulationRunPlanJobId: job.id, status: s.status, processingStatus: s.processingStatus, callId: s.called ? sim.callId : null }
        if (s.startedAt !== undefined) emit(`${sim.id}:started`, "SIMULATION_JOB_STARTED", data)
        const end = terminalEvent(s.status)
        if (end !== undefined) emit(`${sim.id}:end`, `SIMULATION_JOB_${end}`, data)
      })
      const end = terminalEvent(v.status)
      if (end !== undefined) {
        emit(`${job.id}:end`, `SIMULATION_RUN_PLAN_JOB_${end}`, { ...base, endedAt: v.endedAt === undefined ? null : iso(v.endedAt) })
        pending.push({ key: `${job.id}:done`, event: "", data: {} })
      }
    }
    for (const p of pending) {
      store.emitted.add(p.key)
      if (p.event === "") continue
      const hooks = [...store.webhooks.values()].filter((w) => w.events.includes(p.event))
      for (const hook of hooks) {
        const body = JSON.stringify({ event: eventName(p.event), version: "1.0", timestamp: iso(t), data: p.data })
        const attempt = (n: number) =>
          client.execute(
            HttpClientRequest.post(hook.url).pipe(
              HttpClientRequest.setHeaders({ ...hook.headers, "x-roark-signature": sign(hook.signingSecret, body) }),
              HttpClientRequest.bodyText(body, "application/json")
            )
          ).pipe(
            Effect.scoped,
            Effect.timeout(Duration.seconds(10)),
            Effect.map((r) => r.status),
            Effect.orElseSucceed(() => undefined),
            Effect.tap((status) => Effect.sync(() => store.deliveries.push({ webhookId: hook.id, event: eventName(p.event), status, attempt: n })))
          )
        const withRetries = (n: number): Effect.Effect<void> =>
          Effect.flatMap(attempt(n), (status) =>
            status !== undefined && status >= 200 && status < 300 || n >= 4
              ? Effect.void
              : Effect.sleep(Duration.millis(ctx.pace.phase * 2 ** n)).pipe(Effect.zipRight(withRetries(n + 1))))
        yield* Effect.fork(withRetries(1))
      }
    }
  })
