/**
 * Runs one plan on N providers concurrently: check, provision, start, watch, read results. Emits
 * progress events and returns a {@link SuiteReport} with the side-by-side comparison. A provider
 * that fails does not stop the others; its report carries the error.
 *
 * A run always ends. At its deadline (`timeout`) the runner cancels the vendor runs still going,
 * reads the results they have, and reports them `timed_out`. When interrupted (Ctrl-C), it cancels
 * them the same way, records them `canceled`, and hands the partial report to `onInterrupt`.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as Plan from "./Plan.js"
import { make as providerError, type ProviderError } from "./ProviderError.js"
import type { ProviderRef } from "./ProviderRef.js"
import type { Result } from "./Result.js"
import type { Provisioning } from "./Provisioning.js"
import * as Retry from "./Retry.js"
import { Run, RunCounts } from "./Run.js"
import * as SimulationProvider from "./SimulationProvider.js"
import * as Status from "./Status.js"
import { ComparisonRow, RunError, RunReport, SuiteReport, totalsOf, version } from "./SuiteReport.js"
import type { Warning } from "./Warning.js"

export type Event = Data.TaggedEnum<{
  /** The provider's run was created; it carries every warning raised on the way. */
  Started: { readonly provider: string; readonly run: Run }
  /** A new snapshot of the run. */
  Progress: { readonly provider: string; readonly run: Run }
  /** The provider's part is over (finished, failed or canceled). */
  Finished: { readonly provider: string; readonly report: RunReport }
  /** All providers are done. */
  Completed: { readonly report: SuiteReport }
}>
export const Event = Data.taggedEnum<Event>()

/**
 * Durable bookkeeping hooks (implemented by `@simbridge/ledger`): the runner records the intent
 * before it asks a vendor to create a run, and every step after, so a crashed run can be resumed
 * and a lost create reconciled by its marker.
 */
/** The journal could not record a run's intent: that provider's run is not started. */
export class JournalError extends Schema.TaggedError<JournalError>("@simbridge/core/JournalError")("JournalError", {
  message: Schema.String
}) {}

export interface Journal {
  /**
   * Before the create call; `marker` is what the vendor run will carry. When it fails, the
   * provider's run is not started (its report carries a `LedgerUnavailable` error); the other
   * providers go on.
   */
  readonly intent: (provider: string, marker: string) => Effect.Effect<void, JournalError>
  readonly started: (provider: string, marker: string, run: Run) => Effect.Effect<void>
  readonly progress: (provider: string, marker: string, run: Run) => Effect.Effect<void>
  readonly finished: (provider: string, marker: string, report: RunReport) => Effect.Effect<void>
  /** The vendor resources the plan was provisioned to (personas, scenarios... with their refs). */
  readonly provisioned?: ((provider: string, plan: Plan.Plan, provisioning: Provisioning) => Effect.Effect<void>) | undefined
}

/** A provider run to continue instead of starting a new one (see `simbridge resume`). */
export interface Resume {
  readonly marker: string
  /** The vendor run, when its creation was confirmed. */
  readonly ref?: ProviderRef | undefined
}

export interface Options extends SimulationProvider.CheckOptions {
  /** Per provider name: continue this run instead of starting one. */
  readonly resume?: ReadonlyMap<string, Resume> | undefined
  readonly journal?: Journal | undefined
  /** Makes the client marker of a provider's run; default `sb-<time>-<random>`. */
  readonly marker?: ((provider: string) => Effect.Effect<string>) | undefined
  readonly watch?: SimulationProvider.WatchOptions | undefined
  readonly emulated?: boolean | undefined
  readonly onEvent?: ((event: Event) => Effect.Effect<void>) | undefined
  /** Called with the partial report when the run is interrupted, after the vendor runs were canceled. */
  readonly onInterrupt?: ((partial: SuiteReport) => Effect.Effect<void>) | undefined
  /**
   * How long the run may last, counted from the call. At the deadline the vendor runs still going
   * are canceled, the results they have are read, and their status is `timed_out` (raw
   * `simbridge_deadline`) unless the vendor reported an end of its own. A zero or negative timeout
   * (a resumed run past its deadline) stops them at once.
   */
  readonly timeout?: Duration.DurationInput | undefined
  /** How long cancel calls may take when the run stops early (deadline, interrupt); default 10 seconds. */
  readonly cancelTimeout?: Duration.DurationInput | undefined
}

/** The status of a run the runner stopped at its deadline. */
export const deadlineStatus = new Status.Status({ unified: "timed_out", raw: "simbridge_deadline" })

/** The status of a run the runner stopped because it was interrupted. */
export const interruptedStatus = new Status.Status({ unified: "canceled", raw: "simbridge_interrupted" })

/**
 * Whether a run the runner stopped keeps the status its vendor reported: a terminal one does,
 * except the `canceled` that the runner's own cancel at the deadline caused.
 */
const keeps = (vendor: Status.Status, stopped: Status.Status): boolean =>
  Status.terminal.has(vendor.unified) && !(vendor.unified === "canceled" && stopped.unified === "timed_out")

const iso = Effect.map(Clock.currentTimeMillis, (ms) => new Date(ms).toISOString())

/** For each slot of the plan, each provider's verdict. */
export const compare = (plan: Plan.Plan, runs: ReadonlyArray<RunReport>): ReadonlyArray<ComparisonRow> => {
  const index = new Map<string, Map<string, Result>>()
  for (const run of runs) {
    const byKey = new Map<string, Result>()
    for (const r of run.results) byKey.set(Plan.slotKey(r), r)
    index.set(run.provider, byKey)
  }
  return Plan.slots(plan).map((slot) => {
    const verdicts: Record<string, ComparisonRow["verdicts"][string]> = {}
    for (const run of runs) verdicts[run.provider] = index.get(run.provider)?.get(Plan.slotKey(slot))?.verdict ?? "missing"
    const values = Object.values(verdicts)
    return new ComparisonRow({ ...slot, verdicts, agree: values.every((v) => v === values[0]) })
  })
}

interface ProviderState {
  readonly provider: SimulationProvider.Service
  readonly run: Option.Option<Run>
  readonly results: ReadonlyArray<Result>
  readonly error: Option.Option<RunError>
  readonly warnings: ReadonlyArray<Warning>
  readonly startedAt: string
  readonly finishedAt: Option.Option<string>
  /** The run's marker, once the journal holds its intent: a stopped run is recorded finished under it. */
  readonly journaled: Option.Option<string>
  /**
   * The marker of a create call that was sent (or, resuming, may have been) while no run is known:
   * a stop looks the run up by it, to cancel it.
   */
  readonly maybeCreated: Option.Option<string>
  /** Why the runner ended the run early (deadline, interrupt); see {@link keeps}. */
  readonly stopped: Option.Option<Status.Status>
}

const toReport = (state: ProviderState): RunReport => {
  const run = Option.getOrUndefined(state.run)
  const error = Option.getOrUndefined(state.error)
  return new RunReport({
    provider: state.provider.name,
    ...(run ? { ref: run.ref.toString(), counts: run.counts } : {}),
    status: Option.match(state.stopped, {
      onNone: () => run?.status ?? new Status.Status({ unified: error ? "failed" : "queued", raw: error ? "simbridge_error" : "not_started" }),
      onSome: (stopped) => (run !== undefined && keeps(run.status, stopped) ? run.status : stopped)
    }),
    warnings: [...state.warnings],
    ...(error ? { error } : {}),
    startedAt: state.startedAt,
    ...(Option.isSome(state.finishedAt) ? { finishedAt: state.finishedAt.value } : {}),
    results: [...state.results]
  })
}

const stepError = (step: string) => (e: ProviderError) => new RunError({ reason: e.reason, message: e.message, step })

/** Runs `plan` on every provider concurrently and returns the report. */
export const run = (
  plan: Plan.Plan,
  providers: ReadonlyArray<SimulationProvider.Service>,
  options: Options = {}
): Effect.Effect<SuiteReport> =>
  Effect.gen(function*() {
    const emit = options.onEvent ?? (() => Effect.void)
    const journal = options.journal
    const startedAt = yield* iso
    const states = yield* Effect.forEach(providers, (provider) => {
      // A resumed run's intent is in the journal already, and its vendor run may exist.
      const resumed = options.resume?.get(provider.name)
      return Ref.make<ProviderState>({
        provider,
        run: Option.none(),
        results: [],
        error: Option.none(),
        warnings: [],
        startedAt,
        finishedAt: Option.none(),
        journaled: Option.fromNullable(journal === undefined ? undefined : resumed?.marker),
        maybeCreated: Option.fromNullable(resumed?.ref === undefined ? resumed?.marker : undefined),
        stopped: Option.none()
      })
    })

    const report = (partial: boolean) =>
      Effect.gen(function*() {
        const runs = (yield* Effect.forEach(states, Ref.get)).map(toReport)
        return new SuiteReport({
          version,
          suite: plan.name,
          planHash: Plan.hash(plan),
          emulated: options.emulated ?? false,
          partial,
          startedAt,
          finishedAt: yield* iso,
          runs,
          comparison: compare(plan, runs)
        })
      })

    const one = (state: Ref.Ref<ProviderState>) =>
      Effect.gen(function*() {
        const { provider } = yield* Ref.get(state)
        const fail = (step: string) => (e: ProviderError) =>
          Ref.update(state, (s) => ({ ...s, error: Option.some(stepError(step)(e)) }))
        const resumed = options.resume?.get(provider.name)
        const marker = resumed?.marker ?? (options.marker ? yield* options.marker(provider.name) : yield* SimulationProvider.newMarker)
        // Uninterruptible with its bookkeeping: a stop then knows whether the journal holds the intent.
        const recorded = journal === undefined ? true : yield* journal.intent(provider.name, marker).pipe(
          Effect.zipRight(Ref.update(state, (s) => ({ ...s, journaled: Option.some(marker) }))),
          Effect.as(true),
          Effect.catchAll((e) =>
            Effect.as(
              Ref.update(state, (s) => ({
                ...s,
                error: Option.some(new RunError({ reason: "LedgerUnavailable", step: "ledger", message: `the run was not started: its intent could not be recorded in the run ledger: ${e.message}` }))
              })),
              false
            )
          ),
          Effect.uninterruptible
        )
        // Check (strict mode fails here, before anything is sent), provision, then create.
        const create = provider.check(plan, { strict: options.strict }).pipe(
          Effect.zipRight(provider.provision(plan)),
          Effect.tap((provisioning) => (journal?.provisioned ? journal.provisioned(provider.name, plan, provisioning) : Effect.void)),
          Effect.tap(() => Ref.update(state, (s) => ({ ...s, maybeCreated: Option.some(marker) }))),
          Effect.flatMap((provisioning) => provider.startRun(plan, { strict: options.strict, marker, provisioning }))
        )
        // Resuming: continue the known vendor run, or adopt the one the marker finds, or start it
        // (the first create never reached the vendor).
        const begin = resumed === undefined
          ? create
          : resumed.ref !== undefined
          ? provider.getRun(resumed.ref)
          : Effect.flatMap(provider.findRun(plan, marker), Option.match({ onNone: () => create, onSome: Effect.succeed }))
        const started = recorded
          ? yield* begin.pipe(
            Effect.tapError(fail(resumed === undefined ? "startRun" : "resume")),
            Effect.option
          )
          : Option.none<Run>()
        if (Option.isSome(started)) {
          const run = started.value
          yield* Ref.update(state, (s) => ({ ...s, run: Option.some(run), warnings: run.warnings }))
          yield* emit(Event.Started({ provider: provider.name, run }))
          if (journal) yield* journal.started(provider.name, marker, run)
          // `follow`, not `watch`: the same snapshots without a Stream per run (suites of
          // thousands of runs are followed at once). Without verdicts: the results read below
          // gives every conversation's verdict, so the snapshots need not read them one by one
          // (on Roark and Interactly that is a request per conversation). From the snapshot in
          // hand: no read for the first one.
          const watched = yield* SimulationProvider.follow(provider, run, (snapshot) =>
            Effect.zipRight(
              Ref.update(state, (s) => ({ ...s, run: Option.some(keepWarnings(snapshot, run)) })),
              emit(Event.Progress({ provider: provider.name, run: keepWarnings(snapshot, run) }))
            ).pipe(Effect.zipRight(journal ? journal.progress(provider.name, marker, snapshot) : Effect.void)), { verdicts: false, ...options.watch }).pipe(
            Effect.tapError(fail("watch")),
            Effect.option
          )
          if (Option.isSome(watched)) yield* readEveryResult(state, provider, run, plan).pipe(Effect.tapError(fail("results")), Effect.ignore)
        }
        yield* finish(state, Option.some(marker), Option.none())
      })

    /**
     * Marks the provider's part over and records its final report, uninterruptibly: a stop either
     * finds it finished with its report journaled, or finishes it itself.
     */
    const finish = (state: Ref.Ref<ProviderState>, marker: Option.Option<string>, stopped: Option.Option<Status.Status>) =>
      Effect.gen(function*() {
        const finishedAt = yield* iso
        const final = yield* Ref.updateAndGet(state, (s) => ({ ...s, finishedAt: Option.some(finishedAt), stopped }))
        const report = toReport(final)
        if (journal && Option.isSome(marker)) yield* journal.finished(final.provider.name, marker.value, report)
        yield* emit(Event.Finished({ provider: final.provider.name, report }))
      }).pipe(Effect.uninterruptible)

    const cancelTimeout = options.cancelTimeout ?? Duration.seconds(10)

    /**
     * Cancels a vendor run, waits a little for the cancel to settle, and reads its results; a run
     * already seen ended is only read.
     */
    const cancelAndRead = (state: Ref.Ref<ProviderState>, ref: ProviderRef) =>
      Effect.gen(function*() {
        const { provider, run: seen } = yield* Ref.get(state)
        if (Option.isSome(seen) && Status.terminal.has(seen.value.status.unified)) {
          return yield* readResults(state, provider, seen.value, plan).pipe(atMost(cancelTimeout), Effect.ignore)
        }
        yield* provider.cancel(ref).pipe(atMost(cancelTimeout), Effect.ignore)
        // A vendor may take a moment to settle a cancel (Roark: CANCELLING -> CANCELLED): wait a
        // little for a terminal status, so the report says what was left undone.
        const settled = yield* provider.watch(ref, { interval: Duration.millis(250), maxInterval: Duration.seconds(1) }).pipe(
          Stream.runLast,
          atMost(Duration.min(cancelTimeout, settleTimeout)),
          Effect.option,
          Effect.map(Option.flatten)
        )
        const latest = Option.isSome(settled) ? settled : yield* provider.getRun(ref).pipe(atMost(cancelTimeout), Effect.option)
        const run = yield* Ref.updateAndGet(state, (s) =>
          Option.isNone(latest) ? s : {
            ...s,
            run: Option.some(Option.match(s.run, { onNone: () => latest.value, onSome: (started) => keepWarnings(latest.value, started) }))
          }).pipe(Effect.map((s) => s.run))
        if (Option.isSome(run)) yield* readResults(state, provider, run.value, plan).pipe(atMost(cancelTimeout), Effect.ignore)
      })

    /**
     * Ends every provider's part that is still going (deadline or interrupt): cancels its vendor
     * run (one whose creation was not confirmed is looked up by its marker first), reads the
     * results it has, and records it finished with `status` unless the vendor reported an end of
     * its own (see {@link keeps}).
     */
    const stop = (status: Status.Status) =>
      Effect.forEach(states, (state) =>
        Effect.gen(function*() {
          const s = yield* Ref.get(state)
          if (Option.isSome(s.finishedAt)) return
          const resumedRef = options.resume?.get(s.provider.name)?.ref
          const ref = Option.isSome(s.run)
            ? Option.some(s.run.value.ref)
            : resumedRef !== undefined
            ? Option.some(resumedRef)
            : Option.isSome(s.maybeCreated)
            ? yield* s.provider.findRun(plan, s.maybeCreated.value).pipe(
              atMost(cancelTimeout),
              Effect.option,
              Effect.map((found) => Option.map(Option.flatten(found), (run) => run.ref))
            )
            : Option.none()
          if (Option.isSome(ref)) yield* cancelAndRead(state, ref.value)
          yield* finish(state, s.journaled, Option.some(status))
        }), { concurrency: "unbounded", discard: true })

    const all = Effect.forEach(states, one, { concurrency: "unbounded", discard: true })
    // `timeoutOption` interrupts the providers' fibers at the deadline and waits for them to end,
    // so `stop` sees each state as they left it.
    const bounded = options.timeout === undefined ? all : Effect.timeoutOption(all, options.timeout).pipe(
      Effect.flatMap(Option.match({ onNone: () => stop(deadlineStatus), onSome: () => Effect.void }))
    )
    yield* bounded.pipe(
      Effect.onInterrupt(() =>
        Effect.zipRight(stop(interruptedStatus), options.onInterrupt ? Effect.flatMap(report(true), options.onInterrupt) : Effect.void)
      )
    )
    const final = yield* report(false)
    yield* emit(Event.Completed({ report: final }))
    return final
  }).pipe(Effect.withSpan("SuiteRunner.run", { attributes: { "simbridge.plan": plan.name } }))

/** How long a stopped run waits for the vendor to settle its cancel. */
const settleTimeout = Duration.seconds(5)

/**
 * `Effect.timeout` that works in the interrupt handler too: the handler runs uninterruptibly, and
 * a timeout there could not interrupt the slow call it bounds, only wait for it.
 */
const atMost = (duration: Duration.DurationInput) => <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.timeout(Effect.interruptible(effect), duration)

const keepWarnings = (snapshot: Run, started: Run): Run =>
  snapshot.warnings.length >= started.warnings.length ? snapshot : new Run({ ...snapshot, warnings: started.warnings })

/**
 * Reads the results, judged by core against the plan, and counts the last snapshot's verdicts from
 * them: the vendor's own tally in the snapshot is progress, the judged results are the verdicts.
 */
const readResults = (state: Ref.Ref<ProviderState>, provider: SimulationProvider.Service, run: Run, plan: Plan.Plan) =>
  SimulationProvider.readResults(provider, run.ref, { plan }).pipe(
    Effect.tap((results) =>
      Ref.update(state, (s) => ({
        ...s,
        results,
        run: Option.map(s.run, (latest) => new Run({ ...latest, counts: settleVerdicts(latest.counts, results) }))
      }))
    )
  )

/**
 * {@link readResults} for a run its vendor reports ended, which must give every conversation: as
 * many results as the run's last snapshot counts (`counts.total`) and, when it completed, one per
 * slot of the plan (iterations up to the provider's `maxIterations`). A read that gives fewer is
 * read again under the retry policy (a vendor may list a conversation a moment after it reports
 * the run ended), then fails the results step: the report keeps the results that were read and
 * carries the error, so a run never passes with results missing. A canceled run is not held to
 * it: its unstarted conversations may have none.
 */
const readEveryResult = (state: Ref.Ref<ProviderState>, provider: SimulationProvider.Service, run: Run, plan: Plan.Plan) =>
  Effect.gen(function*() {
    const last = Option.getOrElse((yield* Ref.get(state)).run, () => run)
    const expected = expectedResults(last, plan, provider.capabilities.maxIterations)
    const policy = yield* FiberRef.get(Retry.currentPolicy)
    return yield* readResults(state, provider, run, plan).pipe(
      Effect.filterOrFail(
        (results) => results.length >= expected,
        (results) =>
          providerError({
            provider: provider.name,
            operation: "results",
            reason: "ProviderInternal",
            description: `the run ended ${last.status.unified} (${last.status.raw}), but its results list ${results.length} of its ${expected} conversations`
          })
      ),
      Retry.retry(policy)
    )
  })

/** How many results a run that ended must have (see {@link readEveryResult}). */
const expectedResults = (run: Run, plan: Plan.Plan, maxIterations: number | undefined): number =>
  !Status.isTerminal(run.status) || run.status.unified === "canceled"
    ? 0
    : run.status.unified === "completed"
    ? Math.max(run.counts.total, plan.scenarios.length * plan.personas.length * Math.min(plan.iterations, maxIterations ?? plan.iterations))
    : run.counts.total

/**
 * The counts with their `pending` conversations given the verdicts of the results: passed, failed,
 * errored and skipped are counted from the results, and whatever finished conversation they do not
 * account for stays pending.
 */
export const settleVerdicts = (counts: RunCounts, results: ReadonlyArray<Result>): RunCounts => {
  const totals = totalsOf(results)
  const decided = totals.passed + totals.failed + totals.errored + totals.skipped
  const pending = Math.max(0, counts.finished - decided)
  return new RunCounts({
    total: Math.max(counts.total, counts.queued + counts.running + decided + pending),
    queued: counts.queued,
    running: counts.running,
    passed: totals.passed,
    failed: totals.failed,
    errored: totals.errored,
    skipped: totals.skipped,
    pending
  })
}

/** The same run as a stream of events, ending with `Completed`. */
export const stream = (
  plan: Plan.Plan,
  providers: ReadonlyArray<SimulationProvider.Service>,
  options: Omit<Options, "onEvent"> = {}
): Stream.Stream<Event> =>
  Stream.unwrapScoped(Effect.gen(function*() {
    const queue = yield* Queue.unbounded<Option.Option<Event>>()
    yield* run(plan, providers, { ...options, onEvent: (e) => Queue.offer(queue, Option.some(e)) }).pipe(
      Effect.ensuring(Queue.offer(queue, Option.none())),
      Effect.forkScoped
    )
    return Stream.fromQueue(queue).pipe(Stream.takeWhile(Option.isSome), Stream.map((o) => o.value))
  }))
