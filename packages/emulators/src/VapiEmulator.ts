/**
 * A local emulator of Vapi's simulation API (`/eval/simulation/...`), served on 127.0.0.1 by
 * `Emulator.serve` (request log, fault injection, control routes under `/__simbridge/`).
 *
 * - Every path of the `/eval/simulation` family: POST answers 201, others 200, DELETE returns the
 *   deleted object; ids are random UUID v4 (a restarted emulator never hands out an id again),
 *   timestamps ISO-8601; errors are `{ message, error, statusCode }`. It refuses only where Vapi
 *   documents a refusal (docs/providers/vapi.md lists each with its source): 400 names the invalid
 *   field, 404 for unknown ids, 409 for a personality or scenario a simulation uses, 400 for the
 *   cancel of an ended run, 402 `{ statusCode, message, reason }` when billing failure is on.
 * - Every URL it hands out (recording, listen, dashboard) has a `.invalid` host.
 * - A run expands into one item per simulation x iteration (suite entries into their simulations).
 *   Items move `queued -> running -> evaluating -> passed|failed` on the clock, paced by `speed`;
 *   the run moves `queued -> running -> ended` with `itemCounts` in step. Cancel works on a run and
 *   on one item. Outcomes are seeded by scenario name, personality name, iteration and evaluation
 *   name. Voice items get a `callId`, webchat items a `sessionId`.
 * - Scenario hooks (`simulation.run.started|ended`) are POSTed to their `server.url`.
 * - Seven Vapi default personalities (`orgId: null`) are pre-seeded; they cannot be changed or deleted.
 * - Any bearer token is accepted unless `apiKey` is set.
 * - Emulator-only judging (`Judging`): an evaluation whose description says `emulator:unjudged` is
 *   skipped (`isSkipped`, `extractedValue: null`) as audio evaluations are in chat mode; one that
 *   says `emulator:boolean` extracts a boolean where its value is a number.
 *
 * @since 0.1.0
 */
import * as HttpRouter from "@effect/platform/HttpRouter"
import type * as HttpServerError from "@effect/platform/HttpServerError"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import { Emulator } from "@simbridge/emulator"
import * as Effect from "effect/Effect"
import * as FiberSet from "effect/FiberSet"
import type * as Scope from "effect/Scope"
import type * as VapiWire from "@simbridge/vapi/VapiWire"
import type { Context as Shared } from "./vapi/Context.js"
import { HttpFailure, renderError, unauthorized } from "./vapi/Errors.js"
import { libraryRoutes } from "./vapi/Library.js"
import { runRoutes } from "./vapi/Runs.js"
import { Store } from "./vapi/Store.js"

export { renderError } from "./vapi/Errors.js"
export { extracted, timing } from "./vapi/Simulation.js"
export { defaultPersonalities, orgId } from "./vapi/Store.js"

export interface Options extends Emulator.Options {
  /** When set, `POST /eval/simulation/run` answers 402 with this reason. */
  readonly billingFailure?: VapiWire.PaymentReason | undefined
  /** Call slots of the org (`concurrencyLimit`); a voice item uses 2, a chat item 1. Default 20. */
  readonly concurrencyLimit?: number | undefined
  /** Share of evaluations that fail; default 0.2. */
  readonly failRate?: number | undefined
}

export interface Handle extends Emulator.Handle {
  /** Switches the simulated billing failure on (a reason) or off (`undefined`). */
  readonly setBillingFailure: (reason: VapiWire.PaymentReason | undefined) => void
}

/** Starts the emulator on 127.0.0.1 for the lifetime of the scope. */
export const start = (options: Options = {}): Effect.Effect<Handle, HttpServerError.ServeError, Scope.Scope> =>
  Effect.gen(function*() {
    const fibers = yield* FiberSet.make()
    const billing = { reason: options.billingFailure }
    const handle = yield* Emulator.serve(
      "vapi",
      ({ faults, seed, speed }) => {
        const ctx: Shared = {
          store: new Store(),
          faults,
          seed,
          pace: Emulator.paced(speed),
          failRate: options.failRate ?? 0.2,
          concurrencyLimit: options.concurrencyLimit ?? 20,
          concurrencyIsDefault: options.concurrencyLimit === undefined,
          billing,
          fibers
        }
        const router = HttpRouter.concat(libraryRoutes(ctx), runRoutes(ctx))
        return Effect.gen(function*() {
          const request = yield* HttpServerRequest.HttpServerRequest
          const auth = request.headers["authorization"] ?? ""
          const token = /^Bearer\s+(.+)$/i.exec(auth)?.[1]
          if (token === undefined || (options.apiKey !== undefined && token !== options.apiKey)) return unauthorized
          return yield* router
        }).pipe(
          Effect.catchIf((e): e is HttpFailure => e instanceof HttpFailure, (e) => Effect.succeed(renderError(e.status, e.message))),
          Effect.catchTag("RouteNotFound", (e) => Effect.succeed(renderError(404, `Cannot ${e.request.method} ${new URL(e.request.url, "http://x").pathname}`)))
        )
      },
      { ...options, renderError }
    )
    return {
      ...handle,
      setBillingFailure: (reason) => {
        billing.reason = reason
      }
    }
  })

export const plugin: Emulator.EmulatorPlugin = { vendor: "vapi", start }
