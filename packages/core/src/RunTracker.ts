/**
 * Batched tracking of many runs of one provider: the watchers register their run ids, and one
 * polling loop asks the driver's `getRuns` for all of them at once, so N concurrent watches cost
 * about one vendor request per interval instead of N.
 *
 * - The loop is a scoped resource (an `RcRef`): the first watcher opens it, the last one to leave
 *   (at its run's terminal status, on failure or interruption) closes it, and the loop's fiber
 *   belongs to that scope. The `RcRef` itself belongs to the scope the tracker is made in, so
 *   closing a provider's layer stops its loop.
 * - Interval: the loop polls, waits, polls again. The wait starts at the smallest `interval` of
 *   the current watchers, grows by x1.5 while no watched run changed, up to the smallest
 *   `maxInterval` of the current watchers, and resets on any change. So no watcher is observed
 *   less often than it asked for; a watcher that asked for slower polling is observed more often at
 *   no extra cost (the batch covers it anyway). A watcher that joins while the loop waits is first
 *   polled at the end of that wait (at most the loop's current delay).
 * - Every followed run has its first snapshot read at once (by the caller's effect, `getRun` in
 *   `SimulationProvider`), then a snapshot whenever its key changed, ending after the terminal
 *   snapshot. A failed `getRuns` (after the retry loop of the caller), or one that dies or is
 *   interrupted from elsewhere, fails the watchers of that batch (the loop goes on for the others);
 *   a run the driver returns in a shape that does not decode fails that run's watchers only. Ids
 *   the driver omits are asked for again at the next poll; an id omitted by `omittedPolls` polls in
 *   a row (3 by default) is read alone with `getRun`, so a run deleted on the vendor's side fails
 *   its watchers (with the read's error, `NotFound`) instead of being waited for forever.
 * - Only what moved is decoded: drivers keep each tracked run's last snapshot between polls
 *   (`RunSnapshots`) and hand the same object back while the run does not move, so a snapshot
 *   identical to the one the loop last decoded for its id is skipped. Decoding with the canonical
 *   schema is most of what the loop allocates, and a run that lasts minutes is polled many times
 *   between two changes.
 * - The loop is forked from the watcher that opened it and inherits its fiber refs: the retry
 *   policy in force there (`Retry.currentPolicy`, e.g. from `withRetryPolicy`) is that of every
 *   `getRuns` call until the loop stops. A provider built with its own `retry` policy is not
 *   affected.
 *
 * @since 0.2.0
 */
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as HashMap from "effect/HashMap"
import * as Mailbox from "effect/Mailbox"
import * as Option from "effect/Option"
import * as RcRef from "effect/RcRef"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import * as Take from "effect/Take"
import * as ProviderError from "./ProviderError.js"
import type { Run } from "./Run.js"
import { isTerminal } from "./Status.js"

export interface Options {
  /** The provider's name (in the error a driver defect becomes). */
  readonly provider: string
  /** The driver's batch read, already bounded and retried by the caller. */
  readonly getRuns: (ids: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<typeof Run.Encoded>, ProviderError.ProviderError>
  /** Decodes one encoded run (a driver bug becomes a `MalformedResponse`). */
  readonly decode: (encoded: typeof Run.Encoded) => Effect.Effect<Run, ProviderError.ProviderError>
  /** What counts as a change: two snapshots with the same key are the same observation. */
  readonly key: (run: Run) => string
  /** Ids per `getRuns` call; default 5000 (drivers page the vendor's list themselves). */
  readonly batchSize?: number | undefined
  /** One run read alone (already bounded, retried and decoded), for ids `getRuns` keeps omitting. */
  readonly getRun?: ((id: string) => Effect.Effect<Run, ProviderError.ProviderError>) | undefined
  /** Polls in a row an id may be omitted before it is read alone with `getRun`; default 3. */
  readonly omittedPolls?: number | undefined
}

export interface TrackOptions {
  readonly interval: Duration.Duration
  readonly maxInterval: Duration.Duration
}

export interface Tracker {
  /**
   * Many runs followed at once from the caller's fiber, with one mailbox for all of them: the first
   * snapshots are read (`concurrency` at a time) and handed to `onSnapshot` in order, then every
   * later snapshot of every run as the polling loop observes it, one at a time. Succeeds with each
   * run's outcome, in the order of `firsts`, once every run is terminal or failed: its terminal
   * snapshot, or the error that ended it (a first read that failed, a failed `getRuns`...). A
   * failure of `onSnapshot` stops it.
   */
  readonly followAll: <E, R>(
    firsts: ReadonlyArray<Effect.Effect<Run, ProviderError.ProviderError>>,
    options: TrackOptions & { readonly concurrency?: number | undefined },
    onSnapshot: (run: Run) => Effect.Effect<void, E, R>
  ) => Effect.Effect<ReadonlyArray<Either.Either<Run, ProviderError.ProviderError>>, E, R>
}

/** A snapshot of one followed run, its end (after the terminal snapshot) or the error that ends it. */
type Update = Take.Take<Run, ProviderError.ProviderError>

/** One `followAll`: where the updates of its runs go (with the run's index), and how often it asked for them. */
interface Follower {
  readonly mailbox: Mailbox.Mailbox<readonly [number, Update]>
  readonly interval: number
  readonly maxInterval: number
}

/** One followed run of a follower. */
interface Watcher {
  readonly id: string
  readonly index: number
  /** The key of the snapshot the watcher has. */
  readonly key: string
  readonly follower: Follower
}

/** The watchers of one run id, and what the loop knows of it. */
interface Entry {
  readonly watchers: ReadonlyArray<Watcher>
  /** The key last handed out; unknown when watchers joined with different snapshots. */
  readonly last: string | undefined
  /** The driver's snapshot the loop last decoded for the id: handed back unchanged, it is not decoded again. */
  readonly encoded: typeof Run.Encoded | undefined
  /** Polls in a row that left the id out. */
  readonly omitted: number
}

/** What a poll saw of one id: the driver's snapshot when there is one, and the run or the error for it. */
type Seen = readonly [id: string, encoded: typeof Run.Encoded | undefined, outcome: Either.Either<Run, ProviderError.ProviderError>]

type Registry = HashMap.HashMap<string, Entry>

const join = (registry: Registry, watchers: ReadonlyArray<Watcher>): Registry =>
  HashMap.mutate(registry, (m) => {
    for (const w of watchers) {
      const entry = HashMap.get(m, w.id)
      HashMap.set(
        m,
        w.id,
        Option.isNone(entry)
          ? { watchers: [w], last: w.key, encoded: undefined, omitted: 0 }
          : { ...entry.value, watchers: [...entry.value.watchers, w], last: entry.value.last === w.key ? w.key : undefined }
      )
    }
  })

const leave = (registry: Registry, watchers: ReadonlyArray<Watcher>): Registry =>
  HashMap.mutate(registry, (m) => {
    for (const w of watchers) {
      const entry = HashMap.get(m, w.id)
      if (Option.isNone(entry)) continue
      const rest = entry.value.watchers.filter((x) => x !== w)
      if (rest.length === 0) HashMap.remove(m, w.id)
      else HashMap.set(m, w.id, { ...entry.value, watchers: rest })
    }
  })

/** The loop's bounds from the current watchers (the most demanding ones win); none without watchers. */
const bounds = (registry: Registry): Option.Option<{ readonly first: number; readonly max: number }> => {
  let first = Infinity
  let max = Infinity
  for (const entry of HashMap.values(registry)) {
    for (const { follower } of entry.watchers) {
      first = Math.min(first, follower.interval)
      max = Math.min(max, follower.maxInterval)
    }
  }
  return Number.isFinite(first) ? Option.some({ first, max: Math.max(first, max) }) : Option.none()
}

/**
 * What observing these runs does: the updates to hand out, the registry without the runs that
 * ended, and whether any watcher saw a change.
 */
const observe = (
  registry: Registry,
  outcomes: ReadonlyArray<Seen>,
  key: (run: Run) => string
): readonly [ReadonlyArray<readonly [Watcher, Update]>, Registry, boolean] => {
  const handOut: Array<readonly [Watcher, Update]> = []
  let changed = false
  const next = HashMap.mutate(registry, (m) => {
    for (const [id, encoded, outcome] of outcomes) {
      const entry = HashMap.get(m, id)
      if (Option.isNone(entry)) continue
      const { last, watchers } = entry.value
      if (Either.isLeft(outcome)) {
        changed = true
        HashMap.remove(m, id)
        for (const w of watchers) handOut.push([w, Take.fail(outcome.left)])
        continue
      }
      const run = outcome.right
      const k = key(run)
      if (k !== last) {
        changed = true
        for (const w of watchers) handOut.push([w, Take.of(run)])
      }
      if (isTerminal(run.status)) {
        HashMap.remove(m, id)
        for (const w of watchers) handOut.push([w, Take.end])
      } else if (k !== last || encoded !== entry.value.encoded) {
        HashMap.set(m, id, { ...entry.value, last: k, encoded })
      }
    }
  })
  return [handOut, next, changed]
}

/**
 * Counts the ids of a batch the driver left out; those left out `limit` times in a row are due to
 * be read alone (when `readAlone`), and their count starts over.
 */
const countOmitted = (
  registry: Registry,
  ids: ReadonlyArray<string>,
  seen: ReadonlySet<string>,
  limit: number,
  readAlone: boolean
): readonly [ReadonlyArray<string>, Registry] => {
  const due: Array<string> = []
  const next = HashMap.mutate(registry, (m) => {
    for (const id of ids) {
      const entry = HashMap.get(m, id)
      if (Option.isNone(entry)) continue
      const n = seen.has(id) ? 0 : entry.value.omitted + 1
      const omitted = n >= limit && readAlone ? 0 : n
      if (omitted !== n) due.push(id)
      if (omitted !== entry.value.omitted) HashMap.set(m, id, { ...entry.value, omitted })
    }
  })
  return [due, next]
}

/** A tracker in the current scope; its polling loop runs only while watchers exist. */
export const make = (options: Options): Effect.Effect<Tracker, never, Scope.Scope> => {
  const batchSize = Math.max(1, options.batchSize ?? 5000)
  const omittedPolls = Math.max(1, options.omittedPolls ?? 3)
  const key = options.key
  /**
   * A driver call's failure; a defect, or an interruption that came from elsewhere than the loop's
   * own scope, as an error of the runs it was for: it ends those watchers instead of the loop,
   * which every other watcher of the provider waits on. (The loop's own interruption passes: an
   * interrupted fiber runs no failure handler.)
   */
  const failure = (operation: string) => (cause: Cause.Cause<ProviderError.ProviderError>) =>
    Effect.fail(Option.getOrElse(Cause.failureOption(cause), () =>
      ProviderError.make({
        provider: options.provider,
        operation,
        reason: "ProviderInternal",
        description: Option.match(Cause.dieOption(cause), {
          onSome: (defect) => `the driver failed: ${String(defect)}`,
          onNone: () => `the driver's call ended without a result: ${Cause.pretty(cause)}`
        })
      })))

  /** Applies what was observed to the registry and hands the updates out; `true` on a change. */
  const apply = (registry: SubscriptionRef.SubscriptionRef<Registry>, outcomes: ReadonlyArray<Seen>) =>
    SubscriptionRef.modify(registry, (current) => {
      const [handOut, next, changed] = observe(current, outcomes, key)
      return [[handOut, changed] as const, next]
    }).pipe(Effect.flatMap(([handOut, changed]) =>
      Effect.sync(() => {
        // Unbounded mailboxes: an offer never waits.
        for (const [w, update] of handOut) w.follower.mailbox.unsafeOffer([w.index, update])
        return changed
      })
    ))

  /** Ids left out `omittedPolls` times in a row, read alone: a run that is gone fails its watchers. */
  const readOmitted = (registry: SubscriptionRef.SubscriptionRef<Registry>, ids: ReadonlyArray<string>, seen: ReadonlySet<string>) =>
    SubscriptionRef.modify(registry, (current) => countOmitted(current, ids, seen, omittedPolls, options.getRun !== undefined)).pipe(
      Effect.flatMap((due) => {
        const getRun = options.getRun
        if (due.length === 0 || getRun === undefined) return Effect.succeed(false)
        return Effect.forEach(due, (id) => Effect.map(Effect.either(Effect.catchAllCause(getRun(id), failure("getRun"))), (outcome): Seen => [id, undefined, outcome]), { concurrency: 8 }).pipe(
          Effect.flatMap((outcomes) => apply(registry, outcomes))
        )
      })
    )

  const pollBatch = (registry: SubscriptionRef.SubscriptionRef<Registry>, ids: ReadonlyArray<string>): Effect.Effect<boolean> =>
    options.getRuns(ids).pipe(
      Effect.catchAllCause(failure("getRuns")),
      Effect.matchEffect({
        onFailure: (error) => apply(registry, ids.map((id): Seen => [id, undefined, Either.left(error)])),
        onSuccess: (encoded) =>
          Effect.gen(function*() {
            const current = yield* SubscriptionRef.get(registry)
            const seen = new Set<string>()
            const outcomes: Array<Seen> = []
            for (const e of encoded) {
              const id = (e as { readonly ref?: { readonly id?: unknown } }).ref?.id
              // A run without a usable id cannot be told to anyone.
              if (typeof id !== "string") continue
              seen.add(id)
              const entry = HashMap.get(current, id)
              // The snapshot the loop last decoded for this id, handed back: nothing moved.
              if (Option.isSome(entry) && entry.value.encoded === e && entry.value.last !== undefined) continue
              outcomes.push([id, e, yield* Effect.either(Effect.catchAllCause(options.decode(e), failure("getRuns")))])
            }
            const changed = yield* apply(registry, outcomes)
            const alone = yield* readOmitted(registry, ids, seen)
            return changed || alone
          })
      })
    )

  /** One poll of every registered id, in batches; `true` when any watcher saw a change. */
  const poll = (registry: SubscriptionRef.SubscriptionRef<Registry>): Effect.Effect<boolean> =>
    Effect.flatMap(SubscriptionRef.get(registry), (current) => {
      const ids = Array.from(HashMap.keys(current))
      const batches: Array<ReadonlyArray<string>> = []
      for (let i = 0; i < ids.length; i += batchSize) batches.push(ids.slice(i, i + batchSize))
      return Effect.reduce(batches, false, (changed, batch) => Effect.map(pollBatch(registry, batch), (c) => changed || c))
    })

  /** The registry once it has watchers, with the loop's bounds. */
  const watched = (registry: SubscriptionRef.SubscriptionRef<Registry>) =>
    registry.changes.pipe(
      Stream.filterMap(bounds),
      Stream.runHead,
      Effect.map(Option.getOrThrow)
    )

  /** Polls after each wait; the wait is unknown (`undefined`) until watchers exist. */
  const loop = (registry: SubscriptionRef.SubscriptionRef<Registry>): Effect.Effect<unknown> =>
    Effect.iterate(undefined as number | undefined, {
      while: () => true,
      body: (delay) =>
        Effect.gen(function*() {
          const wait = delay ?? (yield* watched(registry)).first
          yield* Effect.sleep(Duration.millis(wait))
          const changed = yield* poll(registry)
          return Option.match(bounds(yield* SubscriptionRef.get(registry)), {
            onNone: () => undefined,
            onSome: ({ first, max }) => changed ? first : Math.min(max, Math.max(wait, first) * 1.5)
          })
        })
    })

  /**
   * Hands the followed runs' updates to `onSnapshot` until none of the `open` runs is left, keeping
   * each run's latest snapshot or the error that ended it in `outcomes`.
   */
  const handOver = <E, R>(
    mailbox: Mailbox.Mailbox<readonly [number, Update]>,
    outcomes: Array<Either.Either<Run, ProviderError.ProviderError>>,
    open: number,
    onSnapshot: (run: Run) => Effect.Effect<void, E, R>
  ): Effect.Effect<void, E, R> =>
    Effect.gen(function*() {
      let left = open
      while (left > 0) {
        const [updates] = yield* mailbox.takeAll
        for (const [i, update] of updates) {
          yield* Take.match(update, {
            onEnd: () => Effect.sync(() => void left--),
            onFailure: (cause) =>
              Effect.sync(() => {
                left--
                // The tracker ends a watcher with a `ProviderError`; anything else is a defect.
                outcomes[i] = Either.left(Option.getOrElse(Cause.failureOption(cause), () =>
                  ProviderError.make({ provider: options.provider, operation: "getRuns", reason: "ProviderInternal", description: `the tracker failed: ${Cause.pretty(cause)}` })))
              }),
            onSuccess: (chunk) =>
              Effect.forEach(chunk, (run) => {
                const latest = outcomes[i]!
                if (Either.isRight(latest) && key(latest.right) === key(run)) return Effect.void
                outcomes[i] = Either.right(run)
                return onSnapshot(run)
              }, { discard: true })
          })
        }
      }
    })

  return Effect.map(
    RcRef.make({
      acquire: Effect.gen(function*() {
        const registry = yield* SubscriptionRef.make(HashMap.empty<string, Entry>())
        // Interruptible even when the first watcher runs uninterruptibly: closing the scope stops it.
        yield* Effect.forkScoped(Effect.interruptible(loop(registry)))
        return registry
      })
    }),
    (loops) => {
      /** Registers watchers until `scope` closes, opening the loop if none runs. */
      const register = (watchers: ReadonlyArray<Watcher>, scope: Scope.Scope): Effect.Effect<void> =>
        Effect.flatMap(Scope.extend(RcRef.get(loops), scope), (registry) =>
          Effect.zipRight(
            SubscriptionRef.update(registry, (current) => join(current, watchers)),
            Scope.addFinalizer(scope, SubscriptionRef.update(registry, (current) => leave(current, watchers)))
          ))

      const followAll = <E, R>(
        firsts: ReadonlyArray<Effect.Effect<Run, ProviderError.ProviderError>>,
        opts: TrackOptions & { readonly concurrency?: number | undefined },
        onSnapshot: (run: Run) => Effect.Effect<void, E, R>
      ): Effect.Effect<ReadonlyArray<Either.Either<Run, ProviderError.ProviderError>>, E, R> =>
        Effect.flatMap(Effect.forEach(firsts, (first) => Effect.either(first), { concurrency: opts.concurrency ?? 32 }), (outcomes) =>
          Effect.flatMap(Mailbox.make<readonly [number, Update]>(), (mailbox) => {
            const follower: Follower = {
              mailbox,
              interval: Math.max(1, Duration.toMillis(opts.interval)),
              maxInterval: Math.max(1, Duration.toMillis(opts.maxInterval))
            }
            const watchers = outcomes.flatMap((outcome, index): Array<Watcher> =>
              Either.isRight(outcome) && !isTerminal(outcome.right.status)
                ? [{ id: outcome.right.ref.id, index, key: key(outcome.right), follower }]
                : []
            )
            const firstSnapshots = Effect.forEach(outcomes, (outcome) => (Either.isRight(outcome) ? onSnapshot(outcome.right) : Effect.void), { discard: true })
            if (watchers.length === 0) return Effect.as(firstSnapshots, outcomes)
            // A scope of its own rather than `Effect.scoped`, which would run the whole follow (as
            // long as its runs last) with a copy of the fiber's references that carries the scope.
            return Effect.acquireUseRelease(
              Effect.tap(Scope.make(), (scope) => register(watchers, scope)),
              () => firstSnapshots.pipe(Effect.zipRight(handOver(mailbox, outcomes, watchers.length, onSnapshot)), Effect.as(outcomes)),
              (scope, exit) => Scope.close(scope, exit)
            )
          }))

      return { followAll }
    }
  )
}
