/**
 * `getRuns` over the run list (`GET /eval/simulation/run?updatedAtGt=...`): one list of the runs
 * updated since the last list answers for every watched run.
 *
 * The tracker remembers the last snapshot of each run it read (`getRun`, a list, or `startRun`'s
 * answer), with the run's `updatedAt`, in core's `RunSnapshots` (an entry lives while its run is
 * tracked; at most a bounded number of runs). `getRuns(ids)` lists the runs whose `updatedAt` is
 * later than the newest change seen so far (minus {@link trackingOverlapMs}), 1000 a page, and
 * answers the remembered snapshot for every id the list did not mention; an id neither started,
 * read nor remembered is read once with `getRun`. This relies on Vapi moving a run's `updatedAt`
 * whenever its status or item counts change (the emulator does; see docs/providers/vapi.md).
 *
 * @internal
 */
import { type ProviderError, RunSnapshots, type SimulationProvider, Status } from "@simbridge/core"
import * as Effect from "effect/Effect"
import type * as VapiClient from "../VapiClient.js"
import * as VapiWire from "../VapiWire.js"
import * as Mapping from "./mapping.js"
import { int, toRun } from "./results.js"

/** How far back each list reaches before the newest change the previous list saw (clock skew, late commits). */
export const trackingOverlapMs = 5_000
/** Runs per list page (the API's maximum). */
const trackingPageSize = 1000

type RunEncoded = typeof import("@simbridge/core").Run.Run.Encoded

/** What is remembered of a tracked run between polls. */
export interface Tracked extends RunSnapshots.Entry {
  /** When the run last changed, as Vapi reported it with this snapshot. */
  readonly updatedAt: number
  /** Whether a list covered this run since it was read alone (then the cursor covers it). */
  readonly listed: boolean
}

/** A driver's tracking state: the remembered snapshots and the run list's cursor. */
export class Tracker {
  readonly snapshots: RunSnapshots.RunSnapshots<Tracked>
  /** The newest `updatedAt` any list returned. */
  cursor: number | undefined = undefined

  constructor(readonly client: VapiClient.Service, capacity: number) {
    this.snapshots = new RunSnapshots.RunSnapshots(capacity)
  }
}

/** When the run last changed, as Vapi reports it (its latest known time when `updatedAt` is absent). */
export const updatedAtOf = (run: VapiWire.Run): number => {
  const t = Date.parse(run.updatedAt ?? run.endedAt ?? run.startedAt ?? run.createdAt ?? "")
  return Number.isFinite(t) ? t : 0
}

/**
 * Whether `run` gives the canonical snapshot `before` was made of (with the same `updatedAt`):
 * its status and item counts, times and end reason are those of the snapshot. The rest of what
 * `toRun` reads (`createdAt`, the entries' names, target, transport, iterations) is fixed when
 * the run is created; it could only change with `updatedAt`, which must not have moved either.
 */
export const unchanged = (before: RunEncoded, run: VapiWire.Run): boolean => {
  const c = run.itemCounts ?? undefined
  const counts = before.counts
  if (
    counts === undefined || counts.total !== int(c?.total) || counts.queued !== int(c?.queued) || counts.running !== int(c?.running) ||
    counts.passed !== int(c?.passed) || counts.failed !== int(c?.failed) || counts.skipped !== int(c?.canceled)
  ) return false
  const status = Mapping.runStatus(run.status, c?.canceled, run.endedReason ?? undefined)
  return status.unified === before.status.unified && status.raw === before.status.raw &&
    (run.startedAt || undefined) === before.startedAt && (run.endedAt || undefined) === before.endedAt &&
    (run.endedReason ?? undefined) === (before.providerMetadata as { readonly endedReason?: unknown } | undefined)?.endedReason
}

/**
 * Notes what a read of `run` shows: `read` is its canonical snapshot, `current` the newer of it and
 * the one remembered. Most runs of a list did not change since the previous poll (each list reaches
 * back {@link trackingOverlapMs}, and a `getRun` often reads a run that did not move): their
 * remembered snapshot is the one `toRun` would build again, so it is kept instead of building an
 * equal one. Snapshots are read, never changed.
 */
const note = (tracker: Tracker, run: VapiWire.Run, listed: boolean, updatedAt: number): { readonly read: RunEncoded; readonly current: RunEncoded } => {
  const before = tracker.snapshots.get(run.id)
  if (before !== undefined && updatedAt === before.updatedAt && unchanged(before.run, run)) {
    if (before.listed !== listed) tracker.snapshots.remember(run.id, { ...before, listed })
    return { read: before.run, current: before.run }
  }
  const read = toRun(run)
  if (before !== undefined && updatedAt < before.updatedAt) return { read, current: before.run }
  // A terminal snapshot is forgotten at once (`RunSnapshots`): its watchers end with it.
  tracker.snapshots.remember(run.id, { run: read, updatedAt, listed })
  return { read, current: read }
}

/** `getRun`: the run read alone, remembered for the next poll. */
export const getRun = (tracker: Tracker): SimulationProvider.Driver["getRun"] => (id) =>
  Effect.map(tracker.client.runs.get(id), (run) => note(tracker, run, false, updatedAtOf(run)).read)

/**
 * Remembers a run just started, as a read one is, so that following it from the run in hand
 * (`SimulationProvider.follow(run)`) costs no read of its own. Its creation time stands for its
 * `updatedAt`: the next list reaches back to it (less the overlap), so no change is missed. A
 * snapshot without a creation time is not remembered (the first `getRuns` reads it alone).
 */
export const started = (tracker: Tracker, run: RunEncoded): RunEncoded => {
  const created = Date.parse(run.createdAt ?? "")
  if (Number.isFinite(created) && !Status.isTerminal(run.status) && tracker.snapshots.peek(run.ref.id) === undefined) {
    tracker.snapshots.remember(run.ref.id, { run, updatedAt: created, listed: false })
  }
  return run
}

/** Lists the runs updated since `since`, page by page, noting each remembered one; the newest `updatedAt` seen. */
const list = (tracker: Tracker, since: number, answers: Map<string, RunEncoded>): Effect.Effect<number, ProviderError.ProviderError> => {
  const loop = (page: number, newest: number): Effect.Effect<number, ProviderError.ProviderError> =>
    Effect.flatMap(
      tracker.client.runs.list({ updatedAtGt: new Date(since).toISOString(), sortOrder: "ASC", limit: trackingPageSize, page }),
      (result) => {
        let latest = newest
        for (const run of result.items) {
          const updatedAt = updatedAtOf(run)
          latest = Math.max(latest, updatedAt)
          if (tracker.snapshots.peek(run.id) !== undefined) answers.set(run.id, note(tracker, run, true, updatedAt).current)
        }
        return VapiWire.hasNextPage(result, page, trackingPageSize) && result.items.length > 0 ? loop(page + 1, latest) : Effect.succeed(latest)
      }
    )
  return loop(1, tracker.cursor ?? since)
}

const notFound = (e: ProviderError.ProviderError) => e.reason === "NotFound"

/**
 * `getRuns`. One run watched is read alone: its own read is one request, as a list is, and carries
 * that run only (a list carries every run updated since the cursor, less the overlap: hundreds in a
 * busy org). A run gone (`NotFound`) is left out and forgotten.
 */
export const getRuns = (tracker: Tracker): NonNullable<SimulationProvider.Driver["getRuns"]> => {
  const read = getRun(tracker)
  const readAlone = (id: string) =>
    Effect.catchIf(Effect.map(read(id), (run) => [run]), notFound, () => Effect.sync(() => (tracker.snapshots.forget(id), [])))
  return (ids) => ids.length === 1 ? readAlone(ids[0]!) : getMany(tracker, readAlone, ids)
}

const getMany = (
  tracker: Tracker,
  readAlone: (id: string) => Effect.Effect<ReadonlyArray<RunEncoded>, ProviderError.ProviderError>,
  ids: ReadonlyArray<string>
): Effect.Effect<ReadonlyArray<RunEncoded>, ProviderError.ProviderError> =>
  Effect.gen(function*() {
    const snapshots = tracker.snapshots
    const answers = new Map<string, RunEncoded>()
    // Runs neither read nor started here (or forgotten): once each on their own (rare: a watch
    // starts from the run startRun returned, or reads it with getRun first).
    const unknown = ids.filter((id) => snapshots.peek(id) === undefined)
    yield* Effect.forEach(unknown, (id) => Effect.map(readAlone(id), (runs) => runs.forEach((run) => answers.set(id, run))), {
      concurrency: 8,
      discard: true
    })
    let since = tracker.cursor ?? Infinity
    for (const id of ids) {
      const entry = snapshots.peek(id)
      if (entry !== undefined && !entry.listed) since = Math.min(since, entry.updatedAt)
    }
    if (Number.isFinite(since)) {
      const newest = yield* list(tracker, since - trackingOverlapMs, answers)
      tracker.cursor = Math.max(tracker.cursor ?? newest, newest)
      for (const id of ids) {
        const entry = snapshots.peek(id)
        if (entry !== undefined && !entry.listed) snapshots.remember(id, { ...entry, listed: true })
      }
    }
    const out: Array<RunEncoded> = []
    for (const id of ids) {
      // Polled: the run becomes the most recently polled one.
      const run = answers.get(id) ?? snapshots.get(id)?.run
      if (run !== undefined) out.push(run)
    }
    return out
  })
