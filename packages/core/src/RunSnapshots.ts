/**
 * What a driver's `getRuns` remembers of each run it tracks between two polls: the last snapshot,
 * and whatever the driver needs with it to tell that the run did not change (a signature of the
 * vendor's list item, an `updatedAt`). Every driver keeps it here, under one memory policy:
 *
 * - an entry lives while its run is tracked: once a terminal snapshot is remembered it is handed
 *   out that once and then forgotten (the tracker stops asking for a terminal run);
 * - at most `capacity` runs are remembered; the one polled least recently goes first. A run
 *   forgotten that way is read again when next asked for: one request more, the same snapshot.
 *
 * @since 0.3.0
 */
import { Lru } from "./Lru.js"
import type { Run } from "./Run.js"
import { isTerminal } from "./Status.js"

/** Runs remembered by default: more than a busy process tracks at once (entries are small). */
export const defaultCapacity = 20_000

/** What is remembered of a run: at least its last snapshot, in encoded form. */
export interface Entry {
  readonly run: typeof Run.Encoded
}

export class RunSnapshots<A extends Entry> {
  private readonly entries: Lru<string, A>

  constructor(capacity: number = defaultCapacity) {
    this.entries = new Lru(capacity)
  }

  get size(): number {
    return this.entries.size
  }

  /** The entry of a tracked run, made the most recently polled. */
  get(id: string): A | undefined {
    return this.entries.get(id)
  }

  /** The entry of a tracked run, without touching its place in the eviction order. */
  peek(id: string): A | undefined {
    return this.entries.peek(id)
  }

  /**
   * Remembers `entry` for the next poll, or forgets the run when the snapshot is terminal: it is
   * returned to the tracker this time and never asked for again.
   */
  remember(id: string, entry: A): A {
    if (isTerminal(entry.run.status)) this.entries.delete(id)
    else this.entries.set(id, entry)
    return entry
  }

  forget(id: string): void {
    this.entries.delete(id)
  }
}
