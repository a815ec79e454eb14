/**
 * A local emulator of Cekura's "run evaluators" API (`/test_framework/v1/...`), served on
 * 127.0.0.1 through `Emulator.serve` (request log, fault injection, control routes).
 *
 * Conventions (Django REST framework): trailing slashes, integer ids, 201 on run triggers and
 * creates, 204 on deletes, page-number pagination with absolute `next` links (default page size 20,
 * at most 100), error bodies `{"detail": ...}`, `{"<field>": ["..."]}` or a bare list, and
 * `X-CEKURA-API-KEY` auth (missing -> 401, wrong -> 403, both `{detail}`).
 *
 * A trigger creates a result with `len(scenarios) x frequency x max(1, personalities) x
 * max(1, test profiles)` runs. Runs move `pending -> in_queue -> in_progress -> evaluating ->
 * completed` (or `failed` / `timeout`) lazily from timestamps, at most `concurrency_limit` at a
 * time; outcomes are seeded by stable inputs (scenario, personality and profile names, iteration).
 * `end_calls/` cancels. Pre-seeded: agents 1 (inbound), 2 (outbound) and 2142 (inbound, the
 * shared example's target), scenarios 1 and 2 of the OpenAPI examples, and a global personality
 * catalogue; personalities and agents can be created (`POST personalities/`, `POST aiagents/`);
 * any other agent id or assistant id is accepted and creates an inbound agent. Result and run ids
 * start from the clock, so a new emulator never hands out the ids of the one before it.
 * Emulator-only judging: an expected-outcome line saying `emulator:unjudged` gets no alignment.
 *
 * @since 0.1.0
 */
import * as HttpRouter from "@effect/platform/HttpRouter"
import type * as HttpServerError from "@effect/platform/HttpServerError"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import { Emulator } from "@simbridge/emulator"
import type { Faults } from "@simbridge/emulator"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { webhookPayload } from "./cekura/Bodies.js"
import type { Context as Shared } from "./cekura/Context.js"
import type { BadRequest } from "./cekura/Http.js"
import { detail, json, notFound, renderError } from "./cekura/Http.js"
import { agentRoutes } from "./cekura/Agents.js"
import { libraryRoutes } from "./cekura/Library.js"
import { personalityRoutes } from "./cekura/Personalities.js"
import { resultRoutes } from "./cekura/Results.js"
import { isFinished, resultEnd } from "./cekura/Simulation.js"
import { State } from "./cekura/State.js"
import type { ResultRec } from "./cekura/State.js"

export { unknownStatus } from "./cekura/Bodies.js"
export { renderError } from "./cekura/Http.js"
export { personalities, type PersonalityRec } from "./cekura/State.js"

export interface Options extends Emulator.Options {
  /** Where `result.completed` webhooks go for agents without their own `webhook_url`. */
  readonly webhookUrl?: string | undefined
  /** Sent as `X-CEKURA-SECRET` with webhooks. */
  readonly webhookSecret?: string | undefined
  /** Share of runs failing as infrastructure failures (`failed`); default 0.05. */
  readonly failureRate?: number | undefined
  /** Share of outbound runs whose agent never dials (`timeout`); default 0.1. */
  readonly noDialRate?: number | undefined
  /** Share of expected-outcome parts and binary metrics judged not met; default 0.2. */
  readonly missRate?: number | undefined
}

export const vendor = "cekura"

interface Context {
  readonly faults: Faults.FaultControl
  readonly seed: number
  readonly speed: number
}

/**
 * The routes behind Cekura's `X-CEKURA-API-KEY` check, and what the webhook delivery reads of the
 * runs: when a result ends, whether it has, and its `result.completed` payload.
 */
export const makeApp = (options: Options, state: State, ctx: Context, onTrigger: (result: ResultRec) => Effect.Effect<void>) => {
  const shared: Shared = {
    state,
    faults: ctx.faults,
    seed: ctx.seed,
    pace: Emulator.paced(ctx.speed),
    failureRate: options.failureRate ?? 0.05,
    noDialRate: options.noDialRate ?? 0.1,
    missRate: options.missRate ?? 0.2,
    endedRuns: new Map()
  }
  const router = HttpRouter.concatAll(agentRoutes(shared), personalityRoutes(shared), libraryRoutes(shared), resultRoutes(shared, onTrigger))

  const authenticated = Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    // DRF paths end with a slash; without it the route does not exist (no APPEND_SLASH redirect).
    if (!new URL(request.url, "http://127.0.0.1").pathname.endsWith("/")) return notFound
    const key = request.headers["x-cekura-api-key"]
    if (key === undefined || key === "") return detail(401, "Authentication credentials were not provided.")
    if (options.apiKey !== undefined && key !== options.apiKey) return detail(403, "Invalid API key.")
    return yield* router
  })

  const app = authenticated.pipe(
    Effect.catchTags({
      RouteNotFound: () => Effect.succeed(notFound),
      BadRequest: (e: BadRequest) => Effect.succeed(e.body === null ? notFound : json(e.body, 400))
    })
  )

  return {
    app,
    webhookPayload: (result: ResultRec, t: number) => webhookPayload(shared, result, t),
    resultEnd: (result: ResultRec) => resultEnd(shared, result),
    isFinished: (result: ResultRec, t: number) => isFinished(shared, result, t)
  }
}

/** Starts the emulator on 127.0.0.1 for the lifetime of the scope. */
export const start = (options: Options = {}): Effect.Effect<Emulator.Handle, HttpServerError.ServeError, Scope.Scope> =>
  Effect.gen(function*() {
    const scope = yield* Effect.scope
    const state = new State(yield* Clock.currentTimeMillis)
    let built: ReturnType<typeof makeApp> | undefined
    const deliver = (result: ResultRec) =>
      Effect.gen(function*() {
        const app = built!
        for (;;) {
          const t = yield* Clock.currentTimeMillis
          if (app.isFinished(result, t)) break
          yield* Effect.sleep(Math.max(5, Math.min(250, app.resultEnd(result) - t)))
        }
        const agent = state.agents.get(result.agent)
        const url = agent?.webhook_url ?? options.webhookUrl
        if (url === undefined || url === null || result.webhookSent || !state.results.has(result.id)) return
        result.webhookSent = true
        const payload = app.webhookPayload(result, yield* Clock.currentTimeMillis)
        yield* Effect.tryPromise(() =>
          fetch(url, {
            method: "POST",
            headers: { "content-type": "application/json", ...(options.webhookSecret === undefined ? {} : { "X-CEKURA-SECRET": options.webhookSecret }) },
            body: JSON.stringify(payload)
          })
        ).pipe(Effect.ignore)
      })
    const onTrigger = (result: ResultRec) => Effect.asVoid(Effect.forkIn(deliver(result), scope))
    return yield* Emulator.serve(vendor, (ctx) => {
      built = makeApp(options, state, ctx, onTrigger)
      return built.app
    }, { ...options, renderError })
  })

export const plugin: Emulator.EmulatorPlugin = { vendor, start }
