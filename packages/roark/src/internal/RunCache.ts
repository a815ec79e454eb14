/**
 * What the Roark driver keeps per run about calls that no longer change: each finished call's
 * evaluations (from its metrics, one request per call) and, while a results read is in progress,
 * the finished results already built. Two tiers, both bounded:
 *
 * - runs not seen terminal yet (`active`): kept while they are tracked, so a call's metrics are
 *   read once however many snapshots follow; at most `maxActive` runs, least recently used first
 *   out (an evicted run's calls are read again at its next snapshot: more requests, same answer);
 * - terminal runs (`settled`): kept until their results were read to the end (then dropped), at
 *   most `maxSettled` runs, least recently used first out, so a results read right after the watch
 *   reuses what the terminal snapshot read, and runs whose results are never read do not pile up.
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

  /** The run's entry if any (and marks it recently used). */
  find(runId: string): Entry<E, R> | undefined {
    return this.settled.get(runId) ?? this.active.get(runId)
  }

  /** The run's entry, created when missing; a terminal run's entry moves to the settled tier. */
  entry(runId: string, terminal: boolean): Entry<E, R> {
    const found = this.find(runId)
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
  drop(runId: string): void {
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
