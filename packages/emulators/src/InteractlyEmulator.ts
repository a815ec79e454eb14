/**
 * A local emulator of Interactly's workflow service (simulations, simulation runs, workflow runs and
 * enough of `/v1/workflows`), served under the `/workflows` base path like the real API.
 *
 * Behaviour (choices where the reference is silent are listed in docs/providers/interactly.md):
 * - `POST /v1/simulations` echoes the config with the server's defaults filled in (`timeout_seconds`
 *   120, `max_events` 3000, `number_of_simulations` 1, `max_concurrent_runs` 1,
 *   `assistant_starts_first` true, `stop_on_failure` false, `status` pending). Type errors are 422
 *   `{detail: [{loc, msg, type}]}`; a missing workflow id is 400 `{message, error}`.
 * - `POST /v1/simulations/{id}/run` creates a group planning `number_of_simulations` executions
 *   (`total_runs`); the orchestrator spawns them in waves of `max_concurrent_runs`, and an execution
 *   is listed from its spawn on, `running -> completed | failed`. An execution fails when its
 *   scripted conversation needs more than `max_events` events (`aborted_looping_risk`) or lasts
 *   longer than `timeout_seconds` (`failed`). With `stop_on_failure` nothing is spawned after the
 *   first failure and the group ends `failed`.
 * - `POST /v1/simulation-runs/{id}/stop` marks the group `cancelled` at once and ends the spawning:
 *   running executions finish, executions not spawned yet are never created (the SDK's guide).
 *   Stopping a finished group is 409.
 * - Each started execution has two workflow runs (the workflow under test and the caller) whose
 *   events hold the scripted conversation. Metrics are the evaluation criteria of the workflows:
 *   the example target `5eb7cf5a86d9755df3a6c593` is pre-seeded with `booked` and `polite`, and
 *   `5eb7cf5a86d9755df3a6c594` with those and the yes/no criterion `confirmed` (`passed`, no score);
 *   workflows created with `config.evaluation_criteria` get theirs; others have none.
 * - Everything is derived lazily from timestamps, paced by `speed`; outcomes are seeded by the
 *   simulation's name, the workflow under test, the caller's dynamic variables and the run index
 *   (never by generated ids).
 *
 * @since 0.1.0
 */
import * as HttpRouter from "@effect/platform/HttpRouter"
import type * as HttpServerError from "@effect/platform/HttpServerError"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import type { Faults } from "@simbridge/emulator"
import { Emulator } from "@simbridge/emulator"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { Lru } from "@simbridge/core/Lru"
import type { Context as Shared } from "./interactly/Context.js"
import { ApiError, renderError } from "./interactly/Errors.js"
import { basePath } from "./interactly/Http.js"
import { simulationRoutes } from "./interactly/Simulations.js"
import { Store } from "./interactly/Store.js"
import { workflowRoutes } from "./interactly/Workflows.js"

export { unknownStatus } from "./interactly/Bodies.js"
export { renderError } from "./interactly/Errors.js"
export { basePath } from "./interactly/Http.js"
export { defaults, objectId, seededWorkflows } from "./interactly/Store.js"

export interface Context {
  readonly faults: Faults.FaultControl
  readonly seed: number
  readonly speed: number
  readonly apiKey?: string | undefined
}

/** The emulator's routes (without the `/workflows` base path) and state. */
export const make = (context: Context) => {
  const pace = Emulator.paced(context.speed)
  const shared: Shared = {
    store: new Store(),
    faults: context.faults,
    seed: context.seed,
    queueMs: pace(600),
    callMs: pace(3000),
    planned: new Lru(1024)
  }
  const router = HttpRouter.concat(simulationRoutes(shared), workflowRoutes(shared))

  const authorize = Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const header = request.headers["authorization"]
    const token = header?.startsWith("Bearer ") ? header.slice(7).trim() : undefined
    if (!token) return yield* Effect.fail(new ApiError({ status: 401, body: { detail: "Not authenticated" } }))
    if (context.apiKey !== undefined && token !== context.apiKey) return yield* Effect.fail(new ApiError({ status: 401, body: { detail: "Invalid API key" } }))
  })

  // Served under `/workflows` like the real API, and at the root too, so the origin that
  // `simbridge emulate` prints (`listening on http://127.0.0.1:<port>`) works as a base URL.
  const app = Effect.zipRight(authorize, HttpRouter.concat(HttpRouter.prefixAll(router, basePath), router)).pipe(
    Effect.catchTags({
      ApiError: (e) => Effect.succeed(HttpServerResponse.unsafeJson(e.body, { status: e.status })),
      RouteNotFound: () => Effect.succeed(HttpServerResponse.unsafeJson({ detail: "Not Found" }, { status: 404 }))
    })
  )

  return app
}

/** Starts the emulator on 127.0.0.1; `handle.url` ends in `/workflows`, the base URL a client uses. */
export const start = (options: Emulator.Options): Effect.Effect<Emulator.Handle, HttpServerError.ServeError, Scope.Scope> =>
  Emulator.serve("interactly", ({ faults, seed, speed }) => make({ faults, seed, speed, apiKey: options.apiKey }), {
    ...options,
    renderError,
    basePath
  })

export const plugin: Emulator.EmulatorPlugin = { vendor: "interactly", start }
