/**
 * Batched tracking of many runs of one provider: the watchers register their run ids, and one
 * polling loop asks the driver's `getRuns` for all of them at once, so N concurrent watches cost
 * about one vendor request per interval instead of N.
 *
 * - The loop is started by the first watcher and stops (its fiber ends) when the last watcher
 *   leaves, by reaching its terminal status, failing or being interrupted. It runs as a daemon only
 *   while watchers exist; nothing is left behind once every watch stream has ended.
 * - Interval: the loop polls, waits, polls again. The wait starts at the smallest `interval` of
 *   the current watchers, grows by x1.5 while no watched run changed, up to the smallest
 *   `maxInterval` of the current watchers, and resets on any change. So no watcher is observed
 *   less often than it asked for; a watcher that asked for slower polling is observed more often at
 *   no extra cost (the batch covers it anyway). A watcher that joins while the loop waits is first
 *   polled at the end of that wait (at most the loop's current delay).
 * - Every watcher gets its own stream: its first snapshot read at once (by the caller's effect,
 *   `getRun` in `SimulationProvider.watch`), then a snapshot whenever its run's key changed, ending
 *   after the terminal snapshot. A failed `getRuns` (after the retry loop of the caller), or one
 *   that dies, fails the watchers of that batch; a run the driver returns in a shape that does not
 *   decode fails that run's watchers only. Ids the driver omits are asked for again at the next poll;
 *   an id omitted by `omittedPolls` polls in a row (3 by default) is read alone with `getRun`, so a
 *   run deleted on the vendor's side fails its watchers (with the read's error, `NotFound`) instead
 *   of being waited for forever.
 * - The loop is forked from the watcher that started it and inherits its fiber refs: the retry
 *   policy in force there (`Retry.currentPolicy`, e.g. from `withRetryPolicy`) and its span are
 *   those of every `getRuns` call until the loop stops. A provider built with its own `retry`
 *   policy is not affected.
 *
 * @since 0.2.0
 */
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"
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
   * The snapshots of a run: the one `first` reads (at once), then one per observed change, ending
   * with the terminal one.
   */
  readonly track: (first: Effect.Effect<Run, ProviderError.ProviderError>, options: TrackOptions) => Stream.Stream<Run, ProviderError.ProviderError>
  /**
   * The same snapshots as {@link track}, handed to `onSnapshot` one by one; succeeds with the
   * terminal one. No `Stream` per run: about a fifth of the memory per watched run.
   */
  readonly follow: <E, R>(
    first: Effect.Effect<Run, ProviderError.ProviderError>,
    options: TrackOptions,
    onSnapshot: (run: Run) => Effect.Effect<void, E, R>
  ) => Effect.Effect<Run, ProviderError.ProviderError | E, R>
  /**
   * Many runs followed at once from the caller's fiber, with no fiber, stream or mailbox per run:
   * the first snapshots are read (`concurrency` at a time), then handed to `onSnapshot` in order,
   * then every later snapshot of every run as the polling loop observes it, one at a time. Succeeds
   * with each run's outcome, in the order of `firsts`, once every run is terminal or failed: its
   * terminal snapshot, or the error that ended it (a first read that failed, a failed `getRuns`...).
   * A failure of `onSnapshot` stops it. About 3.6-5 KB less per run (a suspended fiber) than a
   * `follow` per run.
   */
  readonly followAll: <E, R>(
    firsts: ReadonlyArray<Effect.Effect<Run, ProviderError.ProviderError>>,
    options: TrackOptions & { readonly concurrency?: number | undefined },
    onSnapshot: (run: Run) => Effect.Effect<void, E, R>
  ) => Effect.Effect<ReadonlyArray<Either.Either<Run, ProviderError.ProviderError>>, E, R>
  /** How many watchers are registered right now. */
  readonly watchers: Effect.Effect<number>
  /** Whether the polling loop is running right now. */
  readonly polling: Effect.Effect<boolean>
}

interface Watcher {
  readonly id: string
  /** Hands a snapshot, the end or a failure to the watcher (synchronously, from the loop). */
  readonly offer: (take: Take.Take<Run, ProviderError.ProviderError>) => void
  readonly interval: number
  readonly maxInterval: number
  last: string
}

/** A tracker; nothing runs until the first watcher registers. */
export const make = (options: Options): Tracker => {
  const batchSize = Math.max(1, options.batchSize ?? 5000)
  const omittedPolls = Math.max(1, options.omittedPolls ?? 3)
  const byId = new Map<string, Set<Watcher>>()
  /** Ids the last polls omitted, with how many polls in a row did. */
  const omitted = new Map<string, number>()
  let count = 0
  /** The generation of the loop that may run; a loop whose generation is stale stops. */
  let generation = 0
  let running = false
  let fiber: Fiber.RuntimeFiber<void> | undefined

  const remove = (w: Watcher): boolean => {
    const set = byId.get(w.id)
    if (set === undefined || !set.delete(w)) return false
    if (set.size === 0) {
      byId.delete(w.id)
      omitted.delete(w.id)
    }
    count--
    return true
  }

  /** The loop's bounds from the current watchers (the most demanding ones win). */
  const bounds = (): { readonly first: number; readonly max: number } => {
    let first = Infinity
    let max = Infinity
    for (const set of byId.values()) {
      for (const w of set) {
        first = Math.min(first, w.interval)
        max = Math.min(max, w.maxInterval)
      }
    }
    return { first, max: Math.max(first, max) }
  }

  /** Ends a watcher's stream with `take` (synchronous: a watcher already gone just drops it). */
  const end = (w: Watcher, take: Take.Take<Run, ProviderError.ProviderError>): void => {
    if (remove(w)) w.offer(take)
  }

  const failAll = (id: string, error: ProviderError.ProviderError): void => {
    for (const w of [...(byId.get(id) ?? [])]) end(w, Take.fail(error))
  }

  /** Hands one run to its watchers; `true` when at least one of them saw a change. */
  const deliver = (run: Run): boolean => {
    const set = byId.get(run.ref.id)
    if (set === undefined) return false
    const k = options.key(run)
    const terminal = isTerminal(run.status)
    let changed = false
    for (const w of [...set]) {
      if (k !== w.last) {
        w.last = k
        changed = true
        w.offer(Take.of(run))
      }
      if (terminal) end(w, Take.end)
    }
    return changed
  }

  const pollBatch = (ids: ReadonlyArray<string>): Effect.Effect<boolean> =>
    options.getRuns(ids).pipe(
      // A driver defect fails the watchers of the batch; the loop goes on for the others.
      Effect.catchAllDefect((defect) =>
        Effect.fail(ProviderError.make({ provider: options.provider, operation: "getRuns", reason: "ProviderInternal", description: `the driver failed: ${String(defect)}` }))
      ),
      Effect.matchEffect({
        onFailure: (error) =>
          Effect.sync(() => {
            for (const id of ids) failAll(id, error)
            return true
          }),
        onSuccess: (encoded) => {
          const seen = new Set<string>()
          return Effect.reduce(encoded, false, (changed, e) => {
            const id = (e as { readonly ref?: { readonly id?: unknown } }).ref?.id
            if (typeof id === "string") seen.add(id)
            return options.decode(e).pipe(
              Effect.matchEffect({
                onFailure: (error) => {
                  if (typeof id === "string") failAll(id, error)
                  return Effect.succeed(changed || typeof id === "string")
                },
                onSuccess: (run) => Effect.sync(() => deliver(run) || changed)
              })
            )
          }).pipe(Effect.flatMap((changed) => Effect.map(readOmitted(ids, seen), (c) => c || changed)))
        }
      })
    )

  /**
   * Counts the ids of a batch the driver left out; those left out `omittedPolls` times in a row are
   * read alone: a run that is gone fails its watchers with the read's error.
   */
  const readOmitted = (ids: ReadonlyArray<string>, seen: ReadonlySet<string>): Effect.Effect<boolean> => {
    const getRun = options.getRun
    const due: Array<string> = []
    for (const id of ids) {
      if (seen.has(id)) {
        omitted.delete(id)
        continue
      }
      if (!byId.has(id)) continue
      const n = (omitted.get(id) ?? 0) + 1
      if (n >= omittedPolls && getRun !== undefined) {
        omitted.delete(id)
        due.push(id)
      } else {
        omitted.set(id, n)
      }
    }
    if (due.length === 0) return Effect.succeed(false)
    const readOne = (id: string) =>
      getRun!(id).pipe(
        Effect.catchAllDefect((defect) =>
          Effect.fail(ProviderError.make({ provider: options.provider, operation: "getRun", reason: "ProviderInternal", description: `the driver failed: ${String(defect)}` }))
        ),
        Effect.match({
          onFailure: (error) => {
            failAll(id, error)
            return true
          },
          onSuccess: deliver
        })
      )
    return Effect.map(Effect.forEach(due, readOne, { concurrency: 8 }), (changed) => changed.some((c) => c))
  }

  /** One poll of every registered id, in batches; `true` when any watcher saw a change. */
  const poll: Effect.Effect<boolean> = Effect.suspend(() => {
    const ids = [...byId.keys()]
    const batches: Array<ReadonlyArray<string>> = []
    for (let i = 0; i < ids.length; i += batchSize) batches.push(ids.slice(i, i + batchSize))
    return Effect.reduce(batches, false, (changed, batch) => Effect.map(pollBatch(batch), (c) => changed || c))
  })

  const loop = (gen: number): Effect.Effect<void> => {
    const step = (delay: number): Effect.Effect<void> =>
      Effect.suspend(() => {
        if (gen !== generation) return Effect.void
        if (count === 0) {
          running = false
          fiber = undefined
          return Effect.void
        }
        return Effect.sleep(Duration.millis(delay)).pipe(
          Effect.zipRight(Effect.suspend(() => (gen !== generation || count === 0 ? Effect.succeed(false) : poll))),
          Effect.flatMap((changed) => {
            const { first, max } = bounds()
            if (!Number.isFinite(first)) return step(0)
            return step(changed ? first : Math.min(max, Math.max(delay, first) * 1.5))
          })
        )
      })
    return Effect.suspend(() => step(bounds().first))
  }

  const register = (w: Watcher): Effect.Effect<void> =>
    Effect.suspend(() => {
      const set = byId.get(w.id)
      if (set === undefined) byId.set(w.id, new Set([w]))
      else set.add(w)
      count++
      if (running) return Effect.void
      running = true
      const gen = ++generation
      return Effect.forkDaemon(loop(gen)).pipe(
        Effect.tap((f) =>
          Effect.sync(() => {
            if (gen === generation && running) fiber = f
          })
        ),
        Effect.asVoid
      )
    })

  const unregister = (w: Watcher): Effect.Effect<void> =>
    Effect.suspend(() => {
      if (!remove(w) || count > 0 || !running) return Effect.void
      // The last watcher left: stop the loop now rather than at the end of its wait.
      generation++
      running = false
      const f = fiber
      fiber = undefined
      return f === undefined ? Effect.void : Effect.asVoid(Fiber.interruptFork(f))
    })

  const watcherOf = (run: Run, opts: TrackOptions, offer: Watcher["offer"]): Watcher => ({
    id: run.ref.id,
    offer,
    interval: Math.max(1, Duration.toMillis(opts.interval)),
    maxInterval: Math.max(1, Duration.toMillis(opts.maxInterval)),
    last: options.key(run)
  })

  const track: Tracker["track"] = (first, opts) =>
    Stream.unwrapScoped(Effect.gen(function*() {
      const run = yield* first
      if (isTerminal(run.status)) return Stream.succeed(run)
      const queue = yield* Queue.unbounded<Take.Take<Run, ProviderError.ProviderError>>()
      Queue.unsafeOffer(queue, Take.of(run))
      const w = watcherOf(run, opts, (take) => void Queue.unsafeOffer(queue, take))
      yield* Effect.acquireRelease(register(w), () => Effect.zipRight(unregister(w), Queue.shutdown(queue)))
      // One pull per element, no intermediate streams.
      return Stream.flattenChunks(Stream.repeatEffectOption(Effect.flatMap(Queue.take(queue), Take.done)))
    }))

  /**
   * `follow`'s mailbox: the takes not yet handled, and the follower waiting for one. Lighter than a
   * `Queue` and a `Scope` (thousands of runs are followed at once; see docs/performance.md).
   */
  const mailbox = <A = Take.Take<Run, ProviderError.ProviderError>>() => {
    const pending: Array<A> = []
    let waiting: ((take: Effect.Effect<A>) => void) | undefined
    const offer = (take: A) => {
      const wake = waiting
      waiting = undefined
      if (wake === undefined) pending.push(take)
      else wake(Effect.succeed(take))
    }
    const take = Effect.async<A>((resume) => {
      const next = pending.shift()
      if (next !== undefined) return resume(Effect.succeed(next))
      waiting = resume
      return Effect.sync(() => {
        waiting = undefined
      })
    })
    return { offer, take }
  }

  const follow = <E, R>(
    first: Effect.Effect<Run, ProviderError.ProviderError>,
    opts: TrackOptions,
    onSnapshot: (run: Run) => Effect.Effect<void, E, R>
  ): Effect.Effect<Run, ProviderError.ProviderError | E, R> =>
    Effect.flatMap(first, (run) => {
      if (isTerminal(run.status)) return Effect.as(onSnapshot(run), run)
      const box = mailbox()
      const w = watcherOf(run, opts, box.offer)
      const next = (last: Run): Effect.Effect<Run, ProviderError.ProviderError | E, R> =>
        Effect.flatMap(box.take, (take) =>
          Take.match(take, {
            onEnd: () => Effect.succeed(last),
            onFailure: Effect.failCause,
            onSuccess: (chunk) => Effect.flatMap(Effect.reduce(chunk, last, (_, r) => Effect.as(onSnapshot(r), r)), next)
          }))
      return Effect.acquireUseRelease(register(w), () => Effect.zipRight(onSnapshot(run), next(run)), () => unregister(w))
    })

  const followAll = <E, R>(
    firsts: ReadonlyArray<Effect.Effect<Run, ProviderError.ProviderError>>,
    opts: TrackOptions & { readonly concurrency?: number | undefined },
    onSnapshot: (run: Run) => Effect.Effect<void, E, R>
  ): Effect.Effect<ReadonlyArray<Either.Either<Run, ProviderError.ProviderError>>, E, R> =>
    Effect.suspend(() => {
      const n = firsts.length
      const outcomes: Array<Either.Either<Run, ProviderError.ProviderError> | undefined> = new Array(n)
      /** The first snapshot of each run, then its latest one while it is followed. */
      const latest: Array<Run | undefined> = new Array(n)
      const watchers: Array<Watcher | undefined> = new Array(n)
      // One mailbox for every run: each watcher's takes, tagged with the run's index.
      const box = mailbox<readonly [number, Take.Take<Run, ProviderError.ProviderError>]>()
      let open = 0
      const start = (i: number) =>
        Effect.matchEffect(firsts[i]!, {
          onFailure: (error) => Effect.sync(() => void (outcomes[i] = Either.left(error))),
          onSuccess: (run) => {
            latest[i] = run
            if (isTerminal(run.status)) return Effect.void
            open++
            const w = watcherOf(run, opts, (take) => box.offer([i, take]))
            watchers[i] = w
            return register(w)
          }
        })
      const firstSnapshots = Effect.forEach(latest, (run) => (run === undefined ? Effect.void : onSnapshot(run)), { discard: true })
      const next: Effect.Effect<void, E, R> = Effect.suspend(() =>
        open === 0 ? Effect.void : Effect.flatMap(box.take, ([i, take]) =>
          Take.match(take, {
            onEnd: () =>
              Effect.suspend(() => {
                open--
                watchers[i] = undefined
                return next
              }),
            onFailure: (cause) =>
              Effect.suspend(() => {
                open--
                watchers[i] = undefined
                // The tracker ends a watcher with a `ProviderError` (`Take.fail`); anything else is a defect.
                outcomes[i] = Either.left(Option.getOrElse(Cause.failureOption(cause), () =>
                  ProviderError.make({ provider: options.provider, operation: "getRuns", reason: "ProviderInternal", description: `the tracker failed: ${Cause.pretty(cause)}` })))
                return next
              }),
            onSuccess: (chunk) =>
              Effect.zipRight(
                Effect.forEach(chunk, (run) => Effect.zipRight(Effect.sync(() => void (latest[i] = run)), onSnapshot(run)), { discard: true }),
                next
              )
          })))
      const release = Effect.suspend(() => Effect.forEach(watchers, (w) => (w === undefined ? Effect.void : unregister(w)), { discard: true }))
      return Effect.forEach(firsts, (_, i) => start(i), { concurrency: opts.concurrency ?? 32, discard: true }).pipe(
        Effect.zipRight(firstSnapshots),
        Effect.zipRight(next),
        Effect.ensuring(release),
        // Not `latest.map`: it skips the holes a failed first read leaves.
        Effect.map(() => Array.from({ length: n }, (_, i) => outcomes[i] ?? Either.right(latest[i]!)))
      )
    })

  return {
    track,
    follow,
    followAll,
    watchers: Effect.sync(() => count),
    polling: Effect.sync(() => running)
  }
}
