/**
 * A local emulator of Roark's simulation API (v2.31 core plus the later job cancel): real HTTP on
 * 127.0.0.1 with Roark's `{data}` envelope, cursor pagination, UUID ids, ISO timestamps and an
 * error body `{ statusCode, error, message, issues? }`.
 *
 * State advances lazily from timestamps: a run-plan job goes `PENDING` (or `QUEUED` behind another
 * job of a sequential plan) -> `CREATING_SNAPSHOTS` -> `CREATING_SIMULATIONS` -> `RUNNING_SIMULATIONS`
 * -> `ENDING_SIMULATIONS` -> `COMPLETED` (`FAILED` / `TIMED_OUT`), and each of its simulation jobs
 * (scenario x persona x agent endpoint x iteration, at most `maxConcurrentJobs` at a time) through
 * the processing statuses `CONNECTING ... COMPLETED`. Cancel goes through `CANCELLING` to
 * `CANCELLED`; cancelling a job that has ended (cancelled included) or is being cancelled answers
 * `cancelled: false`, not an error. Outcomes (metric values, call lengths) are deterministic for a
 * seed. Webhook subscriptions receive `simulation.run_plan_job.*` and `simulation.job.*` deliveries.
 *
 * Metric definitions are created with the SDK's body (`analysisPackageId`, `name`, `outputType`,
 * `llmPrompt`...); a definition's `description` is its `llmPrompt`. Ids are random UUIDs, so a
 * new emulator never hands out the ids of an earlier one; outcomes are keyed by stable inputs.
 *
 * Emulator-only hooks (documented in docs/providers/roark.md): a persona whose `properties` carry
 * `emulatorOutcome: "FAILED" | "TIMED_OUT"` makes its simulation jobs end that way; a metric
 * definition whose prompt says `emulator:unjudged` is never computed (missing from the call's
 * metrics), one that says `emulator:boolean` is answered with a boolean whatever its type.
 *
 * @since 0.1.0
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpRouter from "@effect/platform/HttpRouter"
import type * as HttpServerError from "@effect/platform/HttpServerError"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Emulator } from "@simbridge/emulator"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import { callRoutes } from "./roark/Calls.js"
import type { Context as Shared } from "./roark/Context.js"
import { ApiError, errorResponse, renderError } from "./roark/Errors.js"
import { personaRoutes, resourceRoutes, scenarioRoutes } from "./roark/Library.js"
import { planRoutes } from "./roark/RunPlans.js"
import { seed, Store } from "./roark/Store.js"
import type { Delivery } from "./roark/Store.js"
import * as Timeline from "./roark/Timeline.js"
import { deliverAll, webhookRoutes } from "./roark/Webhooks.js"

export { renderError } from "./roark/Errors.js"
export { type Delivery, seeded } from "./roark/Store.js"
export { sign } from "./roark/Webhooks.js"

export const vendor = "roark"

/** The vendor routes behind Roark's bearer-token check, failures rendered in Roark's error body. */
const makeApp = (ctx: Shared) => {
  const router = HttpRouter.concatAll(personaRoutes(ctx), scenarioRoutes(ctx), resourceRoutes(ctx), planRoutes(ctx), callRoutes(ctx), webhookRoutes(ctx))

  const app = Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const auth = request.headers["authorization"] ?? ""
    const token = /^Bearer\s+(.+)$/i.exec(auth)?.[1]
    const path = new URL(request.url, "http://127.0.0.1").pathname
    if (path !== "/health" && (token === undefined || (ctx.apiKey !== undefined && token !== ctx.apiKey))) {
      return errorResponse(new ApiError({ status: 401, message: "Invalid or missing API key" }))
    }
    return yield* router
  }).pipe(
    Effect.catchTags({
      ApiError: (e) => Effect.succeed(errorResponse(e)),
      RouteNotFound: (e) => Effect.succeed(errorResponse(new ApiError({ status: 404, message: `Cannot ${e.request.method} ${new URL(e.request.url, "http://127.0.0.1").pathname}` })))
    })
  )
  return app
}

/** A running Roark emulator, with its webhook delivery log. */
export interface Handle extends Emulator.Handle {
  readonly deliveries: ReadonlyArray<Delivery>
}

export const start = (options: Emulator.Options): Effect.Effect<Handle, HttpServerError.ServeError, Scope.Scope> =>
  Effect.gen(function*() {
    const store = new Store()
    seed(store, yield* Clock.currentTimeMillis)
    const speed = options.speed ?? 1
    const paced = Emulator.paced(speed)
    const pace: Timeline.Pace = { phase: paced(300), call: paced(3000), cancel: paced(400) }
    const timeline = Timeline.make(store, pace)
    const client = yield* Layer.build(NodeHttpClient.layerUndici).pipe(Effect.map((c) => Context.get(c, HttpClient.HttpClient)))
    let context: Shared | undefined
    const handle = yield* Emulator.serve(vendor, ({ faults, seed: s }) => {
      context = { store, faults, seed: s, pace, apiKey: options.apiKey, timeline }
      return makeApp(context)
    }, { ...options, renderError })
    const ctx = context!
    yield* deliverAll(ctx, client).pipe(
      Effect.repeat(Schedule.spaced(Duration.millis(Math.max(10, Math.min(250, pace.phase / 2))))),
      Effect.forkScoped
    )
    return { ...handle, get deliveries() { return store.deliveries } }
  })

export const plugin: Emulator.EmulatorPlugin = { vendor, start }
