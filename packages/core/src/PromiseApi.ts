/**
 * A small Promise facade for programs that do not use Effect. Errors reject with the
 * `ProviderError` itself (an `Error` with `reason`, `isRetryable`, `retryAfter`).
 *
 * ```ts
 * const client = PromiseApi.makeClient(VapiProvider.layerConfig.pipe(Layer.provide(NodeHttpClient.layerUndici)))
 * const run = await client.startRun(suiteObject)
 * const done = await client.waitForRun(run.ref)
 * const results = await client.results(done.ref)
 * await client.dispose()
 * ```
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as Issues from "./Issues.js"
import { Plan } from "./Plan.js"
import * as ProviderError from "./ProviderError.js"
import * as ProviderRef from "./ProviderRef.js"
import type { Result } from "./Result.js"
import type { Run } from "./Run.js"
import * as SimulationProvider from "./SimulationProvider.js"
import * as SuiteRunner from "./SuiteRunner.js"
import type { SuiteReport } from "./SuiteReport.js"

/** A plan, or its encoded form (a parsed suite file). */
export type PlanInput = Plan | typeof Plan.Encoded

export interface Client {
  readonly startRun: (plan: PlanInput, options?: SimulationProvider.StartRunOptions) => Promise<Run>
  readonly getRun: (ref: string | ProviderRef.ProviderRef) => Promise<Run>
  /** Resolves with the terminal snapshot. */
  readonly waitForRun: (ref: string | ProviderRef.ProviderRef, options?: SimulationProvider.WatchOptions) => Promise<Run>
  readonly results: (ref: string | ProviderRef.ProviderRef) => Promise<ReadonlyArray<Result>>
  readonly cancel: (ref: string | ProviderRef.ProviderRef) => Promise<void>
  readonly dispose: () => Promise<void>
}

const toPromise = async <A, E>(run: Promise<Exit.Exit<A, E>>): Promise<A> => {
  const exit = await run
  if (Exit.isSuccess(exit)) return exit.value
  throw Cause.squash(exit.cause)
}

const decodePlan = (input: PlanInput): Effect.Effect<Plan, ProviderError.ProviderError> =>
  input instanceof Plan
    ? Effect.succeed(input)
    : Schema.decodeUnknown(Plan)(input).pipe(
      Effect.mapError((e) =>
        ProviderError.make({ provider: "simbridge", operation: "decodePlan", reason: "InvalidRequest", description: `invalid plan: ${Issues.summarize(Issues.fromParseError(e))}` })
      )
    )

const parseRef = (ref: string | ProviderRef.ProviderRef): Effect.Effect<ProviderRef.ProviderRef, ProviderError.ProviderError> =>
  typeof ref !== "string"
    ? Effect.succeed(ref)
    : Effect.mapError(ProviderRef.parse(ref), (description) =>
      ProviderError.make({ provider: "simbridge", operation: "parseRef", reason: "InvalidRequest", description }))

export const makeClient = <E>(layer: Layer.Layer<SimulationProvider.SimulationProvider, E>): Client => {
  const runtime = ManagedRuntime.make(layer)
  const use = <A>(f: (p: SimulationProvider.Service) => Effect.Effect<A, ProviderError.ProviderError>) =>
    toPromise(runtime.runPromiseExit(Effect.flatMap(SimulationProvider.SimulationProvider, f)))
  return {
    startRun: (plan, options) => use((p) => Effect.flatMap(decodePlan(plan), (decoded) => p.startRun(decoded, options))),
    getRun: (ref) => use((p) => Effect.flatMap(parseRef(ref), p.getRun)),
    waitForRun: (ref, options) =>
      use((p) =>
        Effect.flatMap(parseRef(ref), (r) =>
          Stream.runLast(p.watch(r, options)).pipe(
            Effect.flatMap((last) => last._tag === "Some" ? Effect.succeed(last.value) : p.getRun(r))
          ))
      ),
    results: (ref) => use((p) => Effect.flatMap(parseRef(ref), (r) => SimulationProvider.readResults(p, r))),
    cancel: (ref) => use((p) => Effect.flatMap(parseRef(ref), p.cancel)),
    dispose: () => runtime.dispose()
  }
}

/** Runs a plan on several providers (one layer each) and resolves with the report. */
export const runSuite = <E>(
  plan: PlanInput,
  providers: ReadonlyArray<Layer.Layer<SimulationProvider.SimulationProvider, E>>,
  options: Omit<SuiteRunner.Options, "onEvent" | "onInterrupt"> & { readonly onEvent?: (event: SuiteRunner.Event) => void } = {}
): Promise<SuiteReport> =>
  toPromise(Effect.runPromiseExit(
    Effect.gen(function*() {
      const decoded = yield* decodePlan(plan)
      const services = yield* Effect.forEach(providers, (layer) =>
        Effect.map(Layer.build(layer), Context.get(SimulationProvider.SimulationProvider)))
      const { onEvent } = options
      return yield* SuiteRunner.run(decoded, services, {
        ...options,
        onEvent: onEvent ? (e) => Effect.sync(() => onEvent(e)) : undefined
      })
    }).pipe(Effect.scoped)
  ))
