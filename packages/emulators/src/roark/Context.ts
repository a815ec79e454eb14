/**
 * What the routes, renderers and webhook deliveries of one running emulator share.
 *
 * @internal
 */
import type { FaultControl } from "@simbridge/emulator/Faults"
import type { Store } from "./Store.js"
import type { Pace, Timeline } from "./Timeline.js"

export interface Context {
  readonly store: Store
  readonly faults: FaultControl
  readonly seed: number
  readonly pace: Pace
  readonly apiKey: string | undefined
  readonly timeline: Timeline
}
