/**
 * The provider-neutral service every suite runs against, and `make`, which turns a vendor's small
 * {@link Driver} into it. `make` adds, once for all vendors: capability checks and warnings,
 * decoding of the canonical data the driver returns, spans, the retry loop, reconciliation of
 * run creations whose outcome is unknown, paginated result streams and polling (`watch`).
 *
 * @since 0.1.0
 */
import * as Chunk from "effect/Chunk"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FiberRef from "effect/FiberRef"
import * as Layer from "effect/Layer"
import * as Mailbox from "effect/Mailbox"
import * as Option from "effect/Option"
import type * as ParseResult from "effect/ParseResult"
import * as Random from "effect/Random"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { Capabilities } from "./Capabilities.js"
import * as Tracing from "./internal/tracing.js"
import * as Issues from "./Issues.js"
import * as Judge from "./Judge.js"
import * as Permits from "./internal/permits.js"
import * as Persona from "./Persona.js"
import type { Plan } from "./Plan.js"
import * as ProviderError from "./ProviderError.js"
import { ProviderRef } from "./ProviderRef.js"
import { Provisioning } from "./Provisioning.js"
import { Result } from "./Result.js"
import * as Retry from "./Retry.js"
import * as RunTracker from "./RunTracker.js"
import { Run } from "./Run.js"
import { isTerminal } from "./Status.js"
import * as Warning from "./Warning.js"

/** One page of results in encoded canonical form, and the cursor of the next page. */
export interface ResultPage {
  readonly results: ReadonlyArray<typeof Result.Encoded>
  readonly cursor?: string | undefined
}

export interface ListResultsOptions {
  /** Whether the caller asked for the vendor's own payload on each result. */
  readonly raw: boolean
}

export interface StartRunInput {
  readonly plan: Plan
  readonly provisioning: Provisioning
  /** A client reference the driver attaches to the vendor run (name, metadata, variables). */
  readonly marker: string
}

/**
 * What a vendor implements: primitive operations returning canonical data in encoded form. Ids are
 * the vendor's own (`ProviderRef.id`).
 */
export interface Driver {
  readonly name: string
  readonly capabilities: Capabilities
  /** Vendor-specific warnings beyond what capabilities express (core adds the generic ones). */
  readonly check?: (plan: Plan) => ReadonlyArray<Warning.Warning>
  /** Creates or finds the plan's resources; must be idempotent. */
  readonly provision: (plan: Plan) => Effect.Effect<typeof Provisioning.Encoded, ProviderError.ProviderError>
  readonly startRun: (input: StartRunInput) => Effect.Effect<typeof Run.Encoded, ProviderError.ProviderError>
  readonly getRun: (id: string) => Effect.Effect<typeof Run.Encoded, ProviderError.ProviderError>
  /** One page of a run's results; build `raw` (the vendor's own payload) only when `options.raw` is set. */
  readonly listResults: (id: string, cursor: string | undefined, options?: ListResultsOptions) => Effect.Effect<ResultPage, ProviderError.ProviderError>
  readonly cancelRun: (id: string) => Effect.Effect<void, ProviderError.ProviderError>
  /** Finds the run created with `marker`, if any (used when a create's outcome is unknown). */
  readonly findRun?: (input: StartRunInput) => Effect.Effect<Option.Option<typeof Run.Encoded>, ProviderError.ProviderError>
  /**
   * The current state of these runs in as few vendor requests as the vendor allows; may omit ids
   * it did not observe. When present, `watch` tracks all watched runs of the provider with one
   * polling loop (see `RunTracker`) instead of one `getRun` loop per run.
   */
  readonly getRuns?: (ids: ReadonlyArray<string>, options?: GetRunsOptions) => Effect.Effect<ReadonlyArray<typeof Run.Encoded>, ProviderError.ProviderError>
}

/** A driver that also tells the sizes of its bounded memory, for tests and diagnostics. */
export interface Instrumented<Memory> extends Driver {
  readonly memory: () => Memory
}

export interface GetRunsOptions {
  /**
   * Whether the counts must split finished conversations into passed / failed / errored / skipped;
   * default true. When false, a driver whose vendor needs a request per conversation for its
   * verdict may skip those requests and count such conversations as `pending` (the results read
   * gives their verdicts). Drivers whose verdicts come with the run's listing ignore it.
   */
  readonly verdicts?: boolean | undefined
}

export interface CheckOptions {
  /** Fail with `Unsupported` instead of warning when the plan asks for something the vendor cannot do. */
  readonly strict?: boolean | undefined
}

export interface StartRunOptions extends CheckOptions {
  readonly marker?: string | undefined
  /** Skip provisioning and use this (for example from the ledger). */
  readonly provisioning?: Provisioning | undefined
}

export interface WatchOptions {
  /** First polling interval; default 1 second. */
  readonly interval?: Duration.DurationInput | undefined
  /** Polling slows down while nothing changes, up to this; default 10 seconds. */
  readonly maxInterval?: Duration.DurationInput | undefined
  /**
   * Whether every snapshot's counts carry each finished conversation's verdict; default true.
   * `false` is for callers that read the results once the run is terminal (the suite runner): on
   * vendors where a verdict costs a request per conversation (Roark, Interactly) the snapshots then
   * count those conversations as `pending` instead of reading their verdicts, and the results read
   * reads each verdict once. The first snapshot (`getRun`) always carries verdicts. Only providers
   * whose driver has `getRuns` honour it.
   */
  readonly verdicts?: boolean | undefined
}

export interface ResultsOptions {
  /** Keep the vendor's own payload on each result. */
  readonly raw?: boolean | undefined
  /**
   * The plan the run was started from. When given, core judges every result against it
   * (`Judge.result`): each evaluation's `passed` from the evaluator's type, comparator and expected
   * value, and the verdict from the scenario's required evaluators. Without it, results carry the
   * driver's provisional verdict, which cannot know what the suite requires.
   */
  readonly plan?: Plan | undefined
}

export interface Service {
  readonly name: string
  readonly capabilities: Capabilities
  /** Warnings for everything in the plan the provider cannot honour; nothing is sent. */
  readonly check: (plan: Plan, options?: CheckOptions) => Effect.Effect<ReadonlyArray<Warning.Warning>, ProviderError.ProviderError>
  readonly provision: (plan: Plan) => Effect.Effect<Provisioning, ProviderError.ProviderError>
  /** Checks, provisions and starts a run; the run carries every warning raised on the way. */
  readonly startRun: (plan: Plan, options?: StartRunOptions) => Effect.Effect<Run, ProviderError.ProviderError>
  readonly getRun: (ref: ProviderRef) => Effect.Effect<Run, ProviderError.ProviderError>
  /** Every result of a run, all pages, as they arrive (one page in memory at a time). */
  readonly results: (ref: ProviderRef, options?: ResultsOptions) => Stream.Stream<Result, ProviderError.ProviderError>
  /**
   * Snapshots of the run, one per observed change, ending with the terminal one: a `Stream` over
   * {@link followAll}. The first one is read at once, or is the snapshot given instead of the
   * reference (see {@link Followed}).
   */
  readonly watch: (run: Followed, options?: WatchOptions) => Stream.Stream<Run, ProviderError.ProviderError>
  /**
   * The tracking primitive: many runs followed at once. `onSnapshot` gets each run's snapshots
   * (the first, then one per observed change, ending with the terminal one), one call at a time,
   * and the effect succeeds with each run's outcome in the order of `runs` (its terminal snapshot,
   * or the error that ended its tracking) once all are over; a failure of `onSnapshot` stops it.
   * With a driver that has `getRuns` one polling loop serves every run and no fiber is kept per run.
   */
  readonly followAll: <E = never, R = never>(
    runs: ReadonlyArray<Followed>,
    onSnapshot: (run: Run) => Effect.Effect<void, E, R>,
    options?: WatchOptions
  ) => Effect.Effect<ReadonlyArray<Either.Either<Run, ProviderError.ProviderError>>, E, R>
  readonly cancel: (ref: ProviderRef) => Effect.Effect<void, ProviderError.ProviderError>
  /**
   * The run created with `marker`, if the vendor has one (after a crash or a lost response);
   * `Unsupported` when the vendor keeps no marker.
   */
  readonly findRun: (plan: Plan, marker: string) => Effect.Effect<Option.Option<Run>, ProviderError.ProviderError>
}

/**
 * What `watch`, `follow` and `followAll` take for a run: its reference, whose first snapshot is
 * then read at once; or a snapshot already in hand (what `startRun` returned), which is then the
 * first snapshot handed over, with no read for it: one vendor request less per followed run.
 */
export type Followed = ProviderRef | Run

/**
 * Every result of a run, all pages, in one array: `provider.results` collected, for callers that
 * keep them all anyway (the suite runner, the promise API).
 */
export const readResults = (
  provider: Service,
  ref: ProviderRef,
  options?: ResultsOptions
): Effect.Effect<ReadonlyArray<Result>, ProviderError.ProviderError> =>
  Effect.map(Stream.runCollect(provider.results(ref, options)), Chunk.toReadonlyArray)

/**
 * One run followed: its snapshots (what `watch` emits) handed to `onSnapshot` one by one; succeeds
 * with the terminal one. `provider.followAll` of one run.
 */
export const follow = <E = never, R = never>(
  provider: Service,
  run: Followed,
  onSnapshot: (run: Run) => Effect.Effect<void, E, R>,
  options?: WatchOptions
): Effect.Effect<Run, ProviderError.ProviderError | E, R> =>
  Effect.flatMap(provider.followAll([run], onSnapshot, options), (outcomes) => outcomes[0]!)

export class SimulationProvider extends Context.Tag("@simbridge/core/SimulationProvider")<SimulationProvider, Service>() {}

export interface MakeOptions {
  readonly retry?: Retry.RetryPolicy | undefined
  readonly watch?: WatchOptions | undefined
  /**
   * How many driver calls may be in flight at once for this provider; default 32. Thousands of
   * watched runs then share a bounded number of connections (and memory) instead of polling all
   * at once; each attempt of the retry loop takes a slot.
   */
  readonly maxInFlight?: number | undefined
}

/** Warnings for plan options the capabilities do not cover. */
export const capabilityWarnings = (capabilities: Capabilities, plan: Plan): ReadonlyArray<Warning.Warning> => {
  const w: Array<Warning.Warning> = []
  if (!capabilities.directions.includes(plan.direction)) {
    w.push(Warning.make("unsupported_direction", `${plan.direction} calls are not supported; the run uses ${capabilities.directions.join("/") || "the vendor's default"}`, "direction"))
  }
  if (!capabilities.transports.includes(plan.transport)) {
    w.push(Warning.make("unsupported_transport", `transport ${plan.transport} is not supported; supported: ${capabilities.transports.join(", ")}`, "transport"))
  }
  if (capabilities.maxIterations !== undefined && plan.iterations > capabilities.maxIterations) {
    w.push(Warning.make("iterations_capped", `at most ${capabilities.maxIterations} iterations per run; ${plan.iterations} requested`, "iterations"))
  }
  const option = (set: boolean, supported: boolean, code: string, field: string, what: string) => {
    if (set && !supported) w.push(Warning.make(code, `${what} is not supported and is ignored`, field))
  }
  option(plan.concurrency !== undefined, capabilities.concurrency, "unsupported_concurrency", "concurrency", "a per-run concurrency limit")
  option(plan.maxDurationSeconds !== undefined, capabilities.maxDuration, "unsupported_max_duration", "maxDurationSeconds", "a maximum call duration")
  option(plan.silenceTimeoutSeconds !== undefined, capabilities.silenceTimeout, "unsupported_silence_timeout", "silenceTimeoutSeconds", "a silence timeout")
  option((plan.endCallPhrases?.length ?? 0) > 0, capabilities.endCallPhrases, "unsupported_end_call_phrases", "endCallPhrases", "end-call phrases")
  option(plan.executionMode !== undefined, capabilities.executionMode, "unsupported_execution_mode", "executionMode", "an execution mode")
  plan.scenarios.forEach((s, i) => {
    option((s.steps?.length ?? 0) > 0, capabilities.scriptedSteps, "steps_as_text", `scenarios[${i}].steps`, "scripted steps (they are folded into the instructions)")
    option((s.toolMocks?.length ?? 0) > 0, capabilities.toolMocks, "unsupported_tool_mocks", `scenarios[${i}].toolMocks`, "tool mocks")
  })
  plan.personas.forEach((p, i) => {
    const dropped = Persona.attributesSet(p).filter((a) => !capabilities.personaAttributes.includes(a))
    if (dropped.length > 0) {
      w.push(Warning.make(
        "persona_attributes_not_native",
        `persona "${p.id}": ${dropped.join(", ")} ${dropped.length === 1 ? "is" : "are"} not modelled natively${capabilities.personas === "prompt" || capabilities.personas === "workflow" ? " and only described in the caller's prompt" : ""}`,
        `personas[${i}]`
      ))
    }
  })
  return w
}

const decodeResultEither = Schema.decodeUnknownEither(Result)
const decodeRunEither = Schema.decodeUnknownEither(Run)

const withoutRaw = <A extends { readonly raw?: unknown }>(encoded: A): Omit<A, "raw"> => {
  const { raw: _, ...rest } = encoded
  return rest
}

const malformed = (provider: string, operation: string, prefix: ReadonlyArray<PropertyKey>) => (error: ParseResult.ParseError) =>
  ProviderError.make({
    provider,
    operation,
    reason: "MalformedResponse",
    description: `the provider returned data that does not fit the canonical model: ${Issues.summarize(Issues.fromParseError(error), prefix)}`
  })

/** A fresh client marker: `sb-<base36 time>-<8 hex>`. */
export const newMarker: Effect.Effect<string> = Effect.map(Random.nextIntBetween(0, 0xffffffff), (n) => `sb-${Date.now().toString(36)}-${n.toString(16).padStart(8, "0")}`)

/**
 * Builds the service from a driver. The trackers' resources live as long as the service is
 * referenced; their polling loops run only while watchers exist. {@link makeScoped} ties them to a
 * scope instead.
 */
export const make = (driver: Driver, options: MakeOptions = {}): Service => makeIn(driver, options, Effect.runSync(Scope.make()))

/** Builds the service from a driver, its trackers closed with the current scope. */
export const makeScoped = (driver: Driver, options: MakeOptions = {}): Effect.Effect<Service, never, Scope.Scope> =>
  Effect.map(Effect.scope, (scope) => makeIn(driver, options, scope))

const makeIn = (driver: Driver, options: MakeOptions, scope: Scope.Scope): Service => {
  const name = driver.name
  // Fair permits: thousands of queued calls (watched runs) cost one wake-up per release.
  const slots = Permits.unsafeMake(options.maxInFlight ?? 32)
  const withPolicy = <A, E, R>(f: (policy: Retry.RetryPolicy) => Effect.Effect<A, E, R>) =>
    options.retry === undefined ? Effect.flatMap(FiberRef.get(Retry.currentPolicy), f) : f(options.retry)
  /** A driver call: takes an in-flight slot, and its vendor requests are each retried under the policy. */
  const bounded = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
    withPolicy((policy) => slots.withPermits(1)(Effect.locally(effect, Retry.perRequest, policy)))
  const retry = <A, R>(effect: Effect.Effect<A, ProviderError.ProviderError, R>) =>
    withPolicy((policy) => Retry.retry(policy, "idempotent")(effect))
  const decodeRun = (operation: string) => (encoded: typeof Run.Encoded) =>
    Effect.mapError(decodeRunEither(encoded), malformed(name, operation, ["run"]))
  // Made only when the application installed a tracer (see internal/tracing.ts); the attributes
  // are computed only then (a followed run's first read is kept until the run ends).
  const span = (operation: string, attributes?: () => Record<string, unknown>) =>
    Tracing.withSpan(`SimulationProvider.${operation}`, () => ({ "simbridge.provider": name, ...attributes?.() }))

  const runId = (operation: string, ref: ProviderRef): Effect.Effect<string, ProviderError.ProviderError> =>
    ref.provider === name && ref.kind === "run"
      ? Effect.succeed(ref.id)
      : Effect.fail(ProviderError.make({
        provider: name,
        operation,
        reason: "InvalidRequest",
        description: `expected a ${name}:run:<id> reference, got ${ref.toString()}`
      }))

  // Plans are immutable and the checks pure (capabilities, `driver.check`): a plan started many
  // times (a suite's iterations, a benchmark) is checked once.
  const checked = new WeakMap<Plan, ReadonlyArray<Warning.Warning>>()
  const warningsOf = (plan: Plan): ReadonlyArray<Warning.Warning> => {
    let warnings = checked.get(plan)
    if (warnings === undefined) {
      warnings = [...capabilityWarnings(driver.capabilities, plan), ...(driver.check?.(plan) ?? [])]
      checked.set(plan, warnings)
    }
    return warnings
  }

  const check: Service["check"] = (plan, opts) =>
    Effect.suspend(() => {
      const warnings = warningsOf(plan)
      if (opts?.strict && warnings.length > 0) {
        return Effect.fail(ProviderError.make({
          provider: name,
          operation: "check",
          reason: "Unsupported",
          description: `strict mode: ${warnings.map((w) => `${w.field ? `${w.field}: ` : ""}${w.message}`).join("; ")}`
        }))
      }
      return Effect.succeed(warnings)
    }).pipe(span("check"))

  const provision: Service["provision"] = (plan) =>
    bounded(driver.provision(plan)).pipe(
      retry,
      Effect.flatMap((p) => Schema.decodeUnknown(Provisioning)(p).pipe(Effect.mapError(malformed(name, "provision", ["provisioning"])))),
      span("provision", () => ({ "simbridge.plan": plan.name }))
    )

  const createRun = (input: StartRunInput): Effect.Effect<typeof Run.Encoded, ProviderError.ProviderError> =>
    withPolicy((policy) => createRunWith(policy, input))

  const createRunWith = (policy: Retry.RetryPolicy, input: StartRunInput): Effect.Effect<typeof Run.Encoded, ProviderError.ProviderError> => {
    const attempt = (n: number): Effect.Effect<typeof Run.Encoded, ProviderError.ProviderError> =>
      bounded(driver.startRun(input)).pipe(
        Retry.retry(policy, "create"),
        Effect.catchAll((error) => {
          // The vendor may have created the run: look for it before trying again.
          if (!error.outcomeUnknown || !error.isRetryable || n >= policy.maxAttempts) return Effect.fail(error)
          const find = driver.findRun
          if (find === undefined) return Effect.fail(error)
          return bounded(find(input)).pipe(
            retry,
            Effect.flatMap(Option.match({
              onSome: Effect.succeed,
              onNone: () => Effect.sleep(Retry.backoff(policy, n)).pipe(Effect.zipRight(attempt(n + 1)))
            }))
          )
        })
      )
    return attempt(1)
  }

  const startRun: Service["startRun"] = (plan, opts) =>
    Effect.gen(function*() {
      const warnings = yield* check(plan, opts)
      const provisioning = opts?.provisioning ?? (yield* provision(plan))
      const marker = opts?.marker ?? (yield* newMarker)
      const encoded = yield* createRun({ plan, provisioning, marker })
      const run = yield* decodeRun("startRun")(encoded)
      // Decoded already, and the warnings are `Warning`s: no second validation.
      return new Run({
        ...run,
        marker: run.marker ?? marker,
        warnings: [...warnings, ...provisioning.warnings, ...run.warnings]
      }, true)
    }).pipe(span("startRun", () => ({ "simbridge.plan": plan.name })))

  const getRun: Service["getRun"] = (ref) =>
    runId("getRun", ref).pipe(
      Effect.flatMap((id) => retry(bounded(driver.getRun(id)))),
      Effect.flatMap(decodeRun("getRun")),
      span("getRun", () => ({ "simbridge.ref": ref.toString() }))
    )

  /** One page of results, read and turned into canonical results; `offset` counts the results before it. */
  const readPage = (ref: ProviderRef, id: string, cursor: string | undefined, offset: number, keepRaw: boolean, plan: Plan | undefined) =>
    retry(bounded(driver.listResults(id, cursor, { raw: keepRaw }))).pipe(
      Effect.flatMap((page) => {
        // Each result is decoded with the canonical schema, so a driver bug is a
        // `MalformedResponse` naming the field. The vendor's payload is kept only when asked for.
        const decoded: Array<Result> = []
        for (const [i, encoded] of page.results.entries()) {
          const result = decodeResultEither(keepRaw || encoded.raw === undefined ? encoded : withoutRaw(encoded))
          if (Either.isLeft(result)) return Effect.fail(malformed(name, "results", ["results", offset + i])(result.left))
          decoded.push(result.right)
        }
        const next = page.cursor === undefined || page.cursor === "" || page.results.length === 0 ? undefined : page.cursor
        return Effect.succeed({ results: plan === undefined ? decoded : decoded.map((r) => Judge.result(plan, r)), next })
      }),
      span("listResults", () => ({ "simbridge.ref": ref.toString() }))
    )

  const results: Service["results"] = (ref, opts) => {
    const keepRaw = opts?.raw === true
    return Stream.unwrap(Effect.map(runId("results", ref), (id) =>
      Stream.paginateChunkEffect({ cursor: undefined as string | undefined, offset: 0 }, (state) =>
        Effect.map(readPage(ref, id, state.cursor, state.offset, keepRaw, opts?.plan), ({ next, results }) =>
          [
            Chunk.unsafeFromArray(results),
            next === undefined ? Option.none() : Option.some({ cursor: next, offset: state.offset + results.length })
          ] as const
        ))
    ))
  }

  const watchKey = (run: Run) => `${run.status.raw}|${run.status.unified}|${JSON.stringify(run.counts)}`
  // One tracker per provider, in `scope`; its polling loop runs only while watchers exist.
  const getRuns = driver.getRuns
  // Two trackers: snapshots with every verdict, and snapshots that may leave verdicts `pending`.
  const makeTracker = (verdicts: boolean) =>
    getRuns === undefined ? undefined : Effect.runSync(Scope.extend(RunTracker.make({
      provider: name,
      getRuns: (ids) =>
        retry(bounded(getRuns(ids, { verdicts }))).pipe(span("getRuns", () => ({ "simbridge.runs": ids.length, "simbridge.verdicts": verdicts }))),
      decode: decodeRun("getRuns"),
      key: watchKey,
      // An id the batch keeps leaving out is read alone: a run deleted meanwhile then fails its
      // watchers (NotFound) instead of being waited for forever.
      getRun: (id) =>
        retry(bounded(driver.getRun(id))).pipe(
          Effect.flatMap(decodeRun("getRun")),
          span("getRun", () => ({ "simbridge.ref": `${name}:run:${id}` }))
        )
    }), scope))
  const trackers = { withVerdicts: makeTracker(true), withoutVerdicts: makeTracker(false) }
  const trackerFor = (opts: WatchOptions | undefined) =>
    (opts?.verdicts ?? options.watch?.verdicts ?? true) ? trackers.withVerdicts : trackers.withoutVerdicts

  const intervals = (opts: WatchOptions | undefined) => ({
    interval: Duration.decode(opts?.interval ?? options.watch?.interval ?? Duration.seconds(1)),
    maxInterval: Duration.decode(opts?.maxInterval ?? options.watch?.maxInterval ?? Duration.seconds(10))
  })
  /** The wait after a poll: the first interval after a change, else x1.5 up to the maximum. */
  const nextDelay = (delay: Duration.Duration, changed: boolean, first: Duration.Duration, max: Duration.Duration) =>
    changed ? first : Duration.min(max, Duration.times(Duration.max(delay, first), 1.5))

  /** The first snapshot of a followed run: the one given, or a read. */
  const firstOf = (run: Followed, operation: string): Effect.Effect<Run, ProviderError.ProviderError> =>
    run instanceof Run ? Effect.as(runId(operation, run.ref), run) : getRun(run)

  /**
   * One run polled with `getRun` after each delay, each change handed to `onSnapshot`; its outcome
   * once it is terminal or a read failed. A snapshot given is the first; polling goes on from it
   * after the first interval.
   */
  const pollRun = <E, R>(
    operation: string,
    followed: Followed,
    onSnapshot: (run: Run) => Effect.Effect<void, E, R>,
    first: Duration.Duration,
    max: Duration.Duration
  ): Effect.Effect<Either.Either<Run, ProviderError.ProviderError>, E, R> => {
    const ref = followed instanceof Run ? followed.ref : followed
    const handOver = (read: Either.Either<Run, ProviderError.ProviderError>, delay: Duration.Duration, last: string): Effect.Effect<Either.Either<Run, ProviderError.ProviderError>, E, R> => {
      if (Either.isLeft(read)) return Effect.succeed(read)
      const run = read.right
      const k = watchKey(run)
      const changed = k !== last
      const after = changed ? onSnapshot(run) : Effect.void
      return isTerminal(run.status) ? Effect.as(after, read) : Effect.zipRight(after, next(nextDelay(delay, changed, first, max), k))
    }
    const next = (delay: Duration.Duration, last: string) =>
      Effect.flatMap(Effect.either(Effect.zipRight(Effect.sleep(delay), getRun(ref))), (read) => handOver(read, delay, last))
    return followed instanceof Run
      ? Effect.flatMap(Effect.either(firstOf(followed, operation)), (read) => handOver(read, first, ""))
      : next(Duration.zero, "")
  }

  /**
   * The one tracking primitive: every run's snapshots handed to `onSnapshot`, through the tracker
   * when the driver has `getRuns`, else by polling each run; each run's outcome, in order.
   */
  const followRuns = (operation: string) =>
  <E, R>(
    runs: ReadonlyArray<Followed>,
    onSnapshot: (run: Run) => Effect.Effect<void, E, R>,
    opts?: WatchOptions
  ): Effect.Effect<ReadonlyArray<Either.Either<Run, ProviderError.ProviderError>>, E, R> => {
    const { interval: first, maxInterval: max } = intervals(opts)
    const tracker = trackerFor(opts)
    return tracker !== undefined
      ? tracker.followAll(runs.map((run) => firstOf(run, operation)), { interval: first, maxInterval: max }, onSnapshot)
      : Effect.forEach(runs, (run) => pollRun(operation, run, onSnapshot, first, max), { concurrency: "unbounded" })
  }

  const followAll: Service["followAll"] = followRuns("followAll")

  const watch: Service["watch"] = (followed, opts) =>
    Stream.unwrapScoped(Effect.gen(function*() {
      const mailbox = yield* Mailbox.make<Run, ProviderError.ProviderError>()
      yield* followRuns("watch")([followed], (run) => Effect.asVoid(mailbox.offer(run)), opts).pipe(
        Effect.flatMap((outcomes) => outcomes[0]!),
        Mailbox.into(mailbox),
        Effect.forkScoped
      )
      return Mailbox.toStream(mailbox)
    }))

  const cancel: Service["cancel"] = (ref) =>
    runId("cancel", ref).pipe(
      Effect.flatMap((id) => retry(bounded(driver.cancelRun(id)))),
      span("cancel", () => ({ "simbridge.ref": ref.toString() }))
    )

  const findRun: Service["findRun"] = (plan, marker) =>
    Effect.gen(function*() {
      const find = driver.findRun
      if (find === undefined) {
        return yield* ProviderError.make({ provider: name, operation: "findRun", reason: "Unsupported", description: `${name} keeps no client marker on runs` })
      }
      const provisioning = yield* provision(plan)
      const found = yield* retry(bounded(find({ plan, provisioning, marker })))
      if (Option.isNone(found)) return Option.none<Run>()
      return Option.some(yield* decodeRun("findRun")(found.value))
    }).pipe(span("findRun", () => ({ "simbridge.marker": marker })))

  return { name, capabilities: driver.capabilities, check, provision, startRun, getRun, results, watch, followAll, cancel, findRun }
}

/**
 * The same service, with every call made under `policy`: each method's effect or stream runs with
 * `Retry.currentPolicy` set, so a method added to {@link Service} is covered without a line here.
 */
export const withRetryPolicy = (service: Service, policy: Retry.RetryPolicy): Service => {
  const local = (value: unknown): unknown =>
    Effect.isEffect(value)
      ? Effect.locally(value, Retry.currentPolicy, policy)
      : typeof value === "object" && value !== null && Stream.StreamTypeId in value
      ? Stream.unwrapScoped(Effect.as(Effect.locallyScoped(Retry.currentPolicy, policy), value as Stream.Stream<unknown, unknown, unknown>))
      : value
  const methods = Object.entries(service).map(([key, member]) =>
    [key, typeof member === "function" ? (...args: Array<unknown>) => local(member(...args)) : member] as const
  )
  return Object.fromEntries(methods) as unknown as Service
}

/** A layer providing `SimulationProvider` from a driver built in `R`. */
export const layer = <E, R>(driver: Effect.Effect<Driver, E, R>, options?: MakeOptions): Layer.Layer<SimulationProvider, E, R> =>
  Layer.scoped(SimulationProvider, Effect.flatMap(driver, (d) => makeScoped(d, options)))
