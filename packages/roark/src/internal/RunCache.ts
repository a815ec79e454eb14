/**
 * What the Roark driver keeps per run about finished calls, which do not change: each call's
 * evaluations (from its metrics, one request per call, Roark having no batch read) and, while a
 * results read is in progress, the finished results already built. Runs are kept in two tiers
 * under `RunSnapshots`' policy, extended to the results read that follows a watch:
 *
 * - `active` (runs not seen terminal yet): an entry lives while its run is tracked, at most
 *   `maxActive` runs, least recently used out, as in `RunSnapshots`. A call's metrics are read
 *   once however many snapshots follow; a run forgotten by eviction has its finished calls' metrics
 *   read again at its next snapshot with verdicts (more requests, the same counts).
 * - `settled` (runs seen terminal): where `RunSnapshots` forgets a run at its terminal snapshot,
 *   its entry moves here, because the results read that usually follows needs the same
 *   evaluations. It lives until the run's results were read to the end (`forget`), at most
 *   `maxSettled` runs, least recently used out, so runs whose results are never read do not pile
 *   up. A run forgotten by eviction has its metrics read again by its results read (more
 *   requests, the same results).
 *
 * The tiers have their own bounds, lower than `RunSnapshots`' default: an entry holds the
 * evaluations of every finished call of its run, not one snapshot.
 *
 * @internal
 */
import { Lru } from "@simbridge/core/Lru"

export interface Entry<E, R> {
  /** Per simulation job id: the evaluations of its finished call. */
  readonly evaluations: Map<string, E>
  /** Per simulation job id: its finished result (without `raw`). */
  readonly results: Map<string, R>
}

export interface Sizes {
  readonly active: number
  readonly settled: number
  /** Cached calls (evaluations and results) over every run. */
  readonly entries: number
}

export class RunCache<E, R> {
  private readonly active: Lru<string, Entry<E, R>>
  private readonly settled: Lru<string, Entry<E, R>>

  constructor(readonly maxActive: number, readonly maxSettled: number) {
    this.active = new Lru(maxActive)
    this.settled = new Lru(maxSettled)
  }

  /** The run's entry if any, made the most recently used. */
  get(runId: string): Entry<E, R> | undefined {
    return this.settled.get(runId) ?? this.active.get(runId)
  }

  /** The run's entry, created when missing; a terminal run's entry moves to the settled tier. */
  entry(runId: string, terminal: boolean): Entry<E, R> {
    const found = this.get(runId)
    if (found !== undefined) {
      if (terminal) this.settle(runId)
      return found
    }
    const created: Entry<E, R> = { evaluations: new Map(), results: new Map() }
    ;(terminal ? this.settled : this.active).set(runId, created)
    return created
  }

  /** The run was seen terminal: its entry (if any) moves to the settled tier. */
  settle(runId: string): void {
    const active = this.active.peek(runId)
    if (active === undefined) return
    this.active.delete(runId)
    this.settled.set(runId, active)
  }

  /** Forgets the run (its results were read to the end). */
  forget(runId: string): void {
    this.active.delete(runId)
    this.settled.delete(runId)
  }

  sizes(): Sizes {
    let entries = 0
    for (const tier of [this.active, this.settled]) {
      for (const e of tier.values()) entries += e.evaluations.size + e.results.size
    }
    return { active: this.active.size, settled: this.settled.size, entries }
  }
}
