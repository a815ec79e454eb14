/**
 * Helpers for the vendor tests of batched tracking (`Driver.getRuns`): that it answers the same
 * canonical runs as `getRun`, and that watching many runs through it reaches every terminal status.
 *
 * @since 0.2.0
 */
import type { Run, SimulationProvider } from "@simbridge/core"
import { ProviderRef, Status } from "@simbridge/core"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"

type RunEncoded = typeof Run.Run.Encoded

export interface Comparison {
  /** Moments at which both reads could be compared (the runs did not move in between). */
  readonly samples: number
  /** Of those, moments at which some run was neither queued nor terminal. */
  readonly midway: number
  /** Moments at which every run was terminal. */
  readonly terminal: number
  /** The first difference found, if any: `[from getRuns, from getRun]`. */
  readonly mismatch?: readonly [ReadonlyArray<RunEncoded>, ReadonlyArray<RunEncoded>] | undefined
}

const stable = (a: ReadonlyArray<RunEncoded>, b: ReadonlyArray<RunEncoded>) => JSON.stringify(a) === JSON.stringify(b)
const byId = (runs: ReadonlyArray<RunEncoded>, ids: ReadonlyArray<string>) => ids.map((id) => runs.find((r) => r.ref.id === id))

/**
 * Samples `tracked.getRuns(ids)` and `single.getRun(id)` for every id until every run is terminal
 * (or `maxSamples`). Two drivers, so neither answers from the other's cache. Vendor state only
 * moves forward, so when two `getRuns` around the `getRun`s agree, the `getRun`s saw that state too;
 * when they still differ, the batch read lags and must move on within a few more reads (a
 * mismatch is a batch read that stays behind).
 */
export const compareWithGetRun = (
  tracked: SimulationProvider.Driver,
  single: SimulationProvider.Driver,
  ids: ReadonlyArray<string>,
  options: { readonly maxSamples?: number; readonly pause?: Effect.Effect<void> } = {}
): Effect.Effect<Comparison, unknown> =>
  Effect.gen(function*() {
    const getRuns = tracked.getRuns!
    let samples = 0, midway = 0, terminal = 0
    for (let i = 0; i < (options.maxSamples ?? 200); i++) {
      const before = byId(yield* getRuns(ids), ids)
      const one = yield* Effect.forEach(ids, (id) => single.getRun(id))
      const after = byId(yield* getRuns(ids), ids)
      if (before.some((r) => r === undefined) || !stable(before as Array<RunEncoded>, after as Array<RunEncoded>)) continue
      samples++
      if (!stable(before as Array<RunEncoded>, one)) {
        // A batch read may lag one read behind (a list that carries the status before the counts):
        // it must catch up with what getRun saw, or move past it, within a few more reads.
        let caughtUp = false
        for (let k = 0; k < 5 && !caughtUp; k++) {
          if (options.pause) yield* options.pause
          const next = byId(yield* getRuns(ids), ids)
          caughtUp = next.every((r) => r !== undefined) && !stable(next as Array<RunEncoded>, before as Array<RunEncoded>)
        }
        if (!caughtUp) return { samples, midway, terminal, mismatch: [before as Array<RunEncoded>, one] as const }
        continue
      }
      if (one.some((r) => r.status.unified === "running")) midway++
      if (one.every((r) => Status.isTerminal(r.status))) {
        terminal++
        break
      }
      if (options.pause) yield* options.pause
    }
    return { samples, midway, terminal }
  })

/** Watches every ref concurrently to its end; the snapshots of each. */
export const watchAll = (
  provider: SimulationProvider.Service,
  ids: ReadonlyArray<string>,
  options?: SimulationProvider.WatchOptions
): Effect.Effect<ReadonlyArray<ReadonlyArray<Run.Run>>, unknown> =>
  Effect.forEach(
    ids,
    (id) => Effect.map(Stream.runCollect(provider.watch(new ProviderRef.ProviderRef({ provider: provider.name, kind: "run", id }), options)), Chunk.toReadonlyArray),
    { concurrency: "unbounded" }
  )

/** The same driver without `getRuns`: `watch` then polls each run on its own. */
export const perRunPolling = (driver: SimulationProvider.Driver): SimulationProvider.Driver => {
  const { getRuns: _, ...rest } = driver
  return rest
}
