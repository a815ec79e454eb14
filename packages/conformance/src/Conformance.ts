/**
 * The provider-agnostic test suite every provider runs against its emulator (and TestProvider
 * against itself). Parameterised by a {@link Subject}: a layer providing `SimulationProvider` and
 * {@link ConformanceFaults}, and a plan the provider can run. Checks are gated by capabilities.
 * The judging cases (`Judging`) check that core, not the vendor, decides verdicts: a required
 * evaluator left unjudged, or a number evaluator answered with a boolean, never passes.
 *
 * Usage, in a provider package's test file:
 *
 * ```ts
 * import { Conformance } from "@simbridge/conformance"
 * Conformance.run({ name: "vapi", layer: ..., plan: ..., missingRunId: "00000000-0000-4000-8000-000000000000" })
 * ```
 *
 * @since 0.1.0
 */
import { describe, expect, layer } from "@effect/vitest"
import { Plan, ProviderRef, Result, SimulationProvider, Status } from "@simbridge/core"
import type { Faults as EmulatorFaults } from "@simbridge/emulator"
import * as Chunk from "effect/Chunk"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as Judging from "./Judging.js"

/** A fault the subject injects into its next response(s) for one operation. */
export type Fault =
  | { readonly _tag: "Status"; readonly status: 401 | 403 | 404 | 429 | 500 | 503; readonly retryAfterSeconds?: number }
  | { readonly _tag: "Malformed" }
  | { readonly _tag: "UnknownStatus" }

export type Operation = "getRun" | "listResults"

export interface Faults {
  readonly inject: (operation: Operation, fault: Fault, times?: number) => Effect.Effect<void>
  readonly clear: Effect.Effect<void>
}

/**
 * `ConformanceFaults` over an emulator's fault control (`handle.faults`): each fault becomes a
 * one-shot aimed at the operation's requests (`match`); `clear` drops pending one-shots and keeps
 * the background shares. `unknownSpares` extra unknown-status one-shots cover drivers whose
 * `getRun` reads several statuses (the next `clear` drops the rest).
 */
export const emulatorFaults = (
  control: EmulatorFaults.FaultControl,
  options: { readonly match?: (operation: Operation) => EmulatorFaults.Match; readonly unknownSpares?: number } = {}
): Faults => ({
  inject: (operation, fault, times = 1) =>
    Effect.sync(() => {
      const match = options.match?.(operation) ?? {}
      switch (fault._tag) {
        case "Status":
          return control.injectNext(
            { _tag: "Status", status: fault.status, ...(fault.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: fault.retryAfterSeconds }) },
            times,
            match
          )
        case "Malformed":
          return control.injectNext({ _tag: "Malformed" }, times, match)
        case "UnknownStatus":
          return control.injectNext({ _tag: "UnknownEnum" }, times + (options.unknownSpares ?? 0), match)
      }
    }),
  clear: Effect.sync(() => control.clearOneShots())
})

export class ConformanceFaults extends Context.Tag("@simbridge/conformance/ConformanceFaults")<ConformanceFaults, Faults>() {}

export interface Subject {
  readonly name: string
  /**
   * The provider under test with fast polling and a fast retry policy (for example initial delay
   * 10 ms, 4 attempts), plus the fault injector. Built once for the whole suite.
   */
  readonly layer: Layer.Layer<SimulationProvider.SimulationProvider | ConformanceFaults, unknown>
  /** A plan this provider can run, with more results than one page of the vendor's list. */
  readonly plan: Plan.Plan
  /** How many results a run of `plan` has; default: every scenario x persona x iteration. */
  readonly expectedResults?: number
  /** A run id in the vendor's own format that does not exist. */
  readonly missingRunId: string
  /** Per-test timeout in ms; default 60 000. */
  readonly timeout?: number
  /**
   * The judging cases (see `Judging`): `adapt` makes the judging plan reach a vendor whose
   * evaluations do not carry the evaluator's description (a metric mapping, another target);
   * `vendorPassed` says the vendor reports its own pass/fail per conversation, which every
   * completed result must then keep. `false` leaves the cases out, for a vendor that can neither
   * leave an evaluator unjudged nor answer a number evaluator with a boolean.
   */
  readonly judging?: { readonly adapt?: Judging.Adapt | undefined; readonly vendorPassed?: boolean | undefined } | false
}

const watchOptions = { interval: "20 millis", maxInterval: "200 millis" } as const

/** Starts a run of the subject's plan and watches it to its end. */
const runToEnd = (plan: Plan.Plan) =>
  Effect.gen(function*() {
    const provider = yield* SimulationProvider.SimulationProvider
    const run = yield* provider.startRun(plan)
    const snapshots = yield* Stream.runCollect(provider.watch(run.ref, watchOptions))
    return { provider, run, snapshots: Chunk.toReadonlyArray(snapshots) }
  })

export const run = (subject: Subject): void => {
  const timeout = subject.timeout ?? 60_000
  const expected = subject.expectedResults ?? Plan.slots(subject.plan).length

  describe(`conformance: ${subject.name}`, () => {
    layer(subject.layer, { timeout, excludeTestServices: true })((it) => {
      it.effect("a run reaches a terminal status and its results decode with verdicts and evaluations", () =>
        Effect.gen(function*() {
          yield* Effect.flatMap(ConformanceFaults, (f) => f.clear)
          const { provider, run, snapshots } = yield* runToEnd(subject.plan)
          expect(run.ref.provider).toBe(subject.name)
          expect(Either.getOrThrow(ProviderRef.parse(run.ref.toString())).toString()).toBe(run.ref.toString())
          const last = snapshots[snapshots.length - 1]!
          expect(Status.isTerminal(last.status)).toBe(true)
          expect(last.status.unified).toBe("completed")
          expect(last.counts.total).toBe(expected)
          const results = Chunk.toReadonlyArray(yield* Stream.runCollect(provider.results(run.ref)))
          expect(results.length).toBe(expected)
          // `readResults` reads the same pages into one array.
          expect((yield* SimulationProvider.readResults(provider, run.ref)).map((r) => r.ref.toString())).toEqual(results.map((r) => r.ref.toString()))
          expect(new Set(results.map((r) => r.ref.toString())).size).toBe(expected)
          const scenarioIds = new Set(subject.plan.scenarios.map((s) => s.id as string))
          const personaIds = new Set(subject.plan.personas.map((p) => p.id as string))
          const evaluatorIds = new Set(subject.plan.evaluators.map((e) => e.id as string))
          // Every result, with and without the vendor's raw payload, survives an encode and decode
          // of the canonical model.
          const withRaw = Chunk.toReadonlyArray(yield* Stream.runCollect(provider.results(run.ref, { raw: true })))
          for (const r of [...results, ...withRaw]) {
            const roundTrip = Schema.encodeUnknownEither(Result.Result)(r).pipe(Either.flatMap(Schema.decodeUnknownEither(Result.Result)))
            if (Either.isLeft(roundTrip)) expect.fail(`result ${r.ref.toString()} does not fit the canonical model: ${roundTrip.left.message}`)
          }
          expect(withRaw.every((r) => r.raw !== undefined)).toBe(true)
          expect(results.every((r) => r.raw === undefined)).toBe(true)
          for (const r of results) {
            expect(scenarioIds.has(r.scenario)).toBe(true)
            expect(personaIds.has(r.persona)).toBe(true)
            expect(["pass", "fail"]).toContain(r.verdict)
            expect(r.run.toString()).toBe(run.ref.toString())
          }
          const evaluated = results.flatMap((r) => r.evaluations)
          expect(evaluated.length).toBeGreaterThan(0)
          expect(evaluated.some((e) => evaluatorIds.has(e.evaluator))).toBe(true)
          const passed = results.filter((r) => r.verdict === "pass").length
          expect(last.counts.passed).toBe(passed)
        }), timeout)

      const judging = subject.judging
      if (judging !== false) {
        it.effect("no result passes with a required evaluator unjudged, or a number evaluator answered with a boolean", () =>
          Effect.gen(function*() {
            yield* Effect.flatMap(ConformanceFaults, (f) => f.clear)
            const provider = yield* SimulationProvider.SimulationProvider
            const plan = Judging.plan(subject.plan, judging?.adapt)
            // Started and followed as the suite runner does: from the run in hand, without verdicts.
            const run = yield* provider.startRun(plan)
            const last = yield* SimulationProvider.follow(provider, run, () => Effect.void, { ...watchOptions, verdicts: false })
            expect(last.status.unified).toBe("completed")
            const results = yield* SimulationProvider.readResults(provider, run.ref, { plan })
            expect(results.length).toBe(expected * 2)
            const completed = Judging.check(results, { vendorPassed: judging?.vendorPassed ?? false })
            expect(completed.unjudged, "completed results with an unjudged evaluator").toBeGreaterThan(0)
            expect(completed.unjudgedErrors, "results that are errors for their unjudged evaluator alone").toBeGreaterThan(0)
            expect(completed.boolean, "completed results with a number evaluator answered yes/no").toBeGreaterThan(0)
          }), timeout)
      }

      it.effect("provisioning twice reuses unchanged resources", () =>
        Effect.gen(function*() {
          const provider = yield* SimulationProvider.SimulationProvider
          const first = yield* provider.provision(subject.plan)
          const second = yield* provider.provision(subject.plan)
          expect(second.created).toBe(0)
          expect(Object.keys(second.refs).sort()).toEqual(Object.keys(first.refs).sort())
          for (const [key, ref] of Object.entries(first.refs)) expect(second.refs[key]?.toString()).toBe(ref.toString())
        }), timeout)

      it.effect("an unknown vendor status keeps its raw value", () =>
        Effect.gen(function*() {
          const provider = yield* SimulationProvider.SimulationProvider
          const faults = yield* ConformanceFaults
          const run = yield* provider.startRun(subject.plan)
          yield* faults.inject("getRun", { _tag: "UnknownStatus" })
          const seen = yield* provider.getRun(run.ref)
          expect(seen.status.unified).toBe("unknown")
          expect(seen.status.raw).not.toBe("")
          yield* provider.cancel(run.ref).pipe(Effect.ignore)
        }), timeout)

      it.effect("cancel ends the run as canceled, or fails as Unsupported", () =>
        Effect.gen(function*() {
          const provider = yield* SimulationProvider.SimulationProvider
          yield* Effect.flatMap(ConformanceFaults, (f) => f.clear)
          const run = yield* provider.startRun(subject.plan)
          const outcome = yield* Effect.either(provider.cancel(run.ref))
          if (!provider.capabilities.cancelRun) {
            expect(outcome._tag === "Left" && outcome.left.reason).toBe("Unsupported")
            return
          }
          expect(outcome._tag).toBe("Right")
          const snapshots = Chunk.toReadonlyArray(yield* Stream.runCollect(provider.watch(run.ref, watchOptions)))
          expect(snapshots[snapshots.length - 1]!.status.unified).toBe("canceled")
        }), timeout)

      it.effect("a 401 maps to Unauthorized, a missing run to NotFound, a 5xx to ProviderInternal", () =>
        Effect.gen(function*() {
          const provider = yield* SimulationProvider.SimulationProvider
          const faults = yield* ConformanceFaults
          const run = yield* provider.startRun(subject.plan)
          yield* faults.inject("getRun", { _tag: "Status", status: 401 })
          const unauthorized = yield* Effect.flip(provider.getRun(run.ref))
          expect(unauthorized.reason).toBe("Unauthorized")
          expect(unauthorized.isRetryable).toBe(false)

          const missing = yield* Effect.flip(provider.getRun(ProviderRef.make(subject.name, "run", subject.missingRunId)))
          expect(missing.reason).toBe("NotFound")

          yield* faults.inject("getRun", { _tag: "Status", status: 500 }, 50)
          const internal = yield* Effect.flip(provider.getRun(run.ref))
          expect(internal.reason).toBe("ProviderInternal")
          expect(internal.isRetryable).toBe(true)
          yield* faults.clear

          yield* faults.inject("getRun", { _tag: "Status", status: 503 }, 1)
          const recovered = yield* provider.getRun(run.ref)
          expect(recovered.ref.toString()).toBe(run.ref.toString())
          yield* provider.cancel(run.ref).pipe(Effect.ignore)
        }), timeout)

      it.effect("a 429 with Retry-After is waited out", () =>
        Effect.gen(function*() {
          const provider = yield* SimulationProvider.SimulationProvider
          const faults = yield* ConformanceFaults
          const run = yield* provider.startRun(subject.plan)
          yield* faults.inject("getRun", { _tag: "Status", status: 429, retryAfterSeconds: 1 })
          const started = Date.now()
          const seen = yield* provider.getRun(run.ref)
          expect(Date.now() - started).toBeGreaterThanOrEqual(950)
          expect(seen.ref.toString()).toBe(run.ref.toString())
          // When 429s outlast the retry loop, they surface as RateLimited, marked as given up on.
          yield* faults.inject("getRun", { _tag: "Status", status: 429, retryAfterSeconds: 0 }, 100)
          const refused = yield* Effect.flip(provider.getRun(run.ref))
          yield* faults.clear
          expect(refused.reason).toBe("RateLimited")
          expect(refused.isRetryable).toBe(true)
          expect(refused.attempts).toBeGreaterThan(1)
          yield* provider.cancel(run.ref).pipe(Effect.ignore)
        }), timeout)

      it.effect("a malformed body fails as MalformedResponse naming where", () =>
        Effect.gen(function*() {
          const provider = yield* SimulationProvider.SimulationProvider
          const faults = yield* ConformanceFaults
          const run = yield* provider.startRun(subject.plan)
          yield* faults.inject("getRun", { _tag: "Malformed" })
          const error = yield* Effect.flip(provider.getRun(run.ref))
          expect(error.reason).toBe("MalformedResponse")
          expect(error.isRetryable).toBe(false)
          // Either the HTTP request that returned it or the field path inside the body.
          const where = `${error.http?.url ?? ""} ${error.description}`
          expect(where.includes(run.ref.id) || /[A-Za-z\]]\.[A-Za-z]|\[\d+\]|^\S+: /.test(error.description)).toBe(true)
          yield* provider.cancel(run.ref).pipe(Effect.ignore)
        }), timeout)
    })
  })
}
