/**
 * What the routes and renderers of one running emulator share.
 *
 * @internal
 */
import type { Faults } from "@simbridge/emulator"
import type { Lru } from "@simbridge/core/Lru"
import type { Planned } from "./Executions.js"
import type { Store } from "./Store.js"

export interface Context {
  readonly store: Store
  readonly faults: Faults.FaultControl
  readonly seed: number
  /** How long a group waits before its first wave starts, at the emulator's pace. */
  readonly queueMs: number
  /** How long one execution's conversation lasts, at the emulator's pace. */
  readonly callMs: number
  /**
   * A group's scripted executions (timing, conversation, scores): they depend only on the seed, the
   * simulation's config and the group's creation, so the most recent groups' are kept (evaluation,
   * workflow-run and list reads of the same group then do not script them again).
   */
  readonly planned: Lru<string, ReadonlyArray<Planned>>
}
