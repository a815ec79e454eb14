/**
 * `getRuns` over the run list (`GET /eval/simulation/run?updatedAtGt=...`): one list of the runs
 * updated since the last list answers for every watched run.
 *
 * @internal
 */
import type { ProviderError, SimulationProvider } from "@simbridge/core"
import { Status } from "@simbridge/core"
import * as Effect from "effect/Effect"
import type * as VapiClient from "../VapiClient.js"
import * as VapiWire from "../VapiWire.js"
import * as Mapping from "./mapping.js"
import { int, toRun } from "./results.js"

/** How far back each list reaches before the newest change the previous list saw (clock skew, late commits). */
export const trackingOverlapMs = 5_000
/** Runs per list page (the API's maximum). */
const trackingPageSize = 1000
/** At most this many runs are remembered between polls (the oldest are forgotten first; ~1 KB each). */
const trackingCacheSize = 50_000

type RunEncoded = typeof import("@simbridge/core").Run.Run.Encoded

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
 * Adds `getRuns` to the driver: one list of the runs updated since the last list answers for every
 * watched run. The driver remembers the last snapshot of each run it read (`getRun` or a list),
 * with the run's `updatedAt`; `getRuns(ids)` lists the runs whose `updatedAt` is later than the
 * newest change seen so far (minus {@link trackingOverlapMs}), 1000 a page, and returns the
 * remembered snapshot for every id the list did not mention. A run started through the driver is
 * remembered from `startRun`'s answer; an id neither started nor read before is read once with
 * `getRun`. This relies on Vapi moving a run's `updatedAt` whenever its status or item
 * counts change (the emulator does; see docs/providers/vapi.md).
 */
export const withTracking = (driver: SimulationProvider.Driver, client: VapiClient.Service): SimulationProvider.Driver => {
  interface Entry {
    readonly run: RunEncoded
    readonly updatedAt: number
    /** Whether a list covered this run since it was read alone (then the cursor covers it). */
    readonly listed: boolean
  }
  const cache = new Map<string, Entry>()
  /** The newest `updatedAt` any list returned. */
  let cursor: number | undefined

  const remember = (run: VapiWire.Run, listed: boolean, updatedAt = updatedAtOf(run)): RunEncoded => {
    const before = cache.get(run.id)
    // Most runs of a list did not change since the previous poll (each list reaches back
    // `trackingOverlapMs` before the newest change it saw, and a getRun often reads a run that did
    // not move): the snapshot remembered is the one `toRun` would build again, so it is kept (the
    // entry refreshed as below) instead of building an equal one. Snapshots are read, never changed.
    if (before !== undefined && updatedAt === before.updatedAt && unchanged(before.run, run)) {
      cache.delete(run.id)
      cache.set(run.id, before.listed === listed ? before : { ...before, listed })
      return before.run
    }
    const canonical = toRun(run)
    // A run first seen terminal is not remembered (it is never tracked: its watch ends at once).
    if (before === undefined && Status.isTerminal(canonical.status)) return canonical
    if (before === undefined || updatedAt >= before.updatedAt) {
      cache.delete(run.id)
      cache.set(run.id, { run: canonical, updatedAt, listed })
      if (cache.size > trackingCacheSize) cache.delete(cache.keys().next().value!)
    }
    return canonical
  }

  const getRun: SimulationProvider.Driver["getRun"] = (id) => Effect.map(client.runs.get(id), (run) => remember(run, false))

  // A run just started is remembered as a read one is, so that following it from the run in hand
  // (`SimulationProvider.follow(run)`) costs no read of its own. Its creation time stands for its
  // `updatedAt`: the next list reaches back to it (less the overlap), so no change is missed. A
  // snapshot without a creation time is not remembered (the first getRuns reads it alone).
  const startRun: SimulationProvider.Driver["startRun"] = (input) =>
    Effect.map(driver.startRun(input), (run) => {
      const created = Date.parse(run.createdAt ?? "")
      if (Number.isFinite(created) && !Status.isTerminal(run.status) && !cache.has(run.ref.id)) {
        cache.set(run.ref.id, { run, updatedAt: created, listed: false })
        if (cache.size > trackingCacheSize) cache.delete(cache.keys().next().value!)
      }
      return run
    })

  const list = (since: number): Effect.Effect<number, ProviderError.ProviderError> => {
    const loop = (page: number, newest: number): Effect.Effect<number, ProviderError.ProviderError> =>
      Effect.flatMap(
        client.runs.list({ updatedAtGt: new Date(since).toISOString(), sortOrder: "ASC", limit: trackingPageSize, page }),
        (result) => {
          let latest = newest
          for (const run of result.items) {
            const updatedAt = updatedAtOf(run)
            latest = Math.max(latest, updatedAt)
            if (cache.has(run.id)) remember(run, true, updatedAt)
          }
          return VapiWire.hasNextPage(result, page, trackingPageSize) && result.items.length > 0 ? loop(page + 1, latest) : Effect.succeed(latest)
        }
      )
    return loop(1, cursor ?? since)
  }

  const getRuns: NonNullable<SimulationProvider.Driver["getRuns"]> = (ids) =>
    ids.length === 1 ? getOne(ids[0]!) : getMany(ids)

  // One run watched: its own read is one request, as a list is, and carries that run only (a list
  // carries every run updated since the cursor, less the overlap: hundreds in a busy org).
  const getOne = (id: string): Effect.Effect<ReadonlyArray<RunEncoded>, ProviderError.ProviderError> =>
    getRun(id).pipe(
      Effect.map((run) => {
        if (Status.isTerminal(run.status)) cache.delete(id)
        return [run]
      }),
      Effect.catchIf((e) => e.reason === "NotFound", () => Effect.succeed([]))
    )

  const getMany = (ids: ReadonlyArray<string>): Effect.Effect<ReadonlyArray<RunEncoded>, ProviderError.ProviderError> =>
    Effect.gen(function*() {
      // Runs never read nor started here: once each on their own (rare: a watch starts from the
      // run startRun returned, or reads it with getRun first).
      const unknown = ids.filter((id) => !cache.has(id))
      const read = new Map<string, RunEncoded>()
      yield* Effect.forEach(
        unknown,
        (id) => Effect.catchIf(Effect.map(getRun(id), (run) => read.set(id, run)), (e) => e.reason === "NotFound", () => Effect.void),
        { concurrency: 8, discard: true }
      )
      let since = cursor ?? Infinity
      for (const id of ids) {
        const entry = cache.get(id)
        if (entry !== undefined && !entry.listed) since = Math.min(since, entry.updatedAt)
      }
      if (Number.isFinite(since)) {
        const newest = yield* list(since - trackingOverlapMs)
        cursor = Math.max(cursor ?? newest, newest)
        for (const id of ids) {
          const entry = cache.get(id)
          if (entry !== undefined && !entry.listed) cache.set(id, { ...entry, listed: true })
        }
      }
      const out: Array<RunEncoded> = []
      for (const id of ids) {
        const run = cache.get(id)?.run ?? read.get(id)
        if (run === undefined) continue
        out.push(run)
        // A terminal run does not change any more: its watchers end with this snapshot.
        if (Status.isTerminal(run.status)) cache.delete(id)
      }
      return out
    })

  return { ...driver, startRun, getRun, getRuns }
}
