/**
 * What the routes, renderers and scenario hooks of one running emulator share.
 *
 * @internal
 */
import type { Faults } from "@simbridge/emulator"
import type * as FiberSet from "effect/FiberSet"
import type * as VapiWire from "@simbridge/vapi/VapiWire"
import type { Store } from "./Store.js"

export interface Context {
  readonly store: Store
  readonly faults: Faults.FaultControl
  readonly seed: number
  /** Simulated milliseconds at the emulator's pace. */
  readonly pace: (ms: number) => number
  /** Share of evaluations that fail. */
  readonly failRate: number
  /** Call slots of the org; a voice item uses 2, a chat item 1. */
  readonly concurrencyLimit: number
  /** Whether `concurrencyLimit` is the default (the org set none). */
  readonly concurrencyIsDefault: boolean
  /** The simulated billing failure, switched on and off through the handle. */
  readonly billing: { reason: VapiWire.PaymentReason | undefined }
  /** The scenario hooks' fibers, which live as long as the emulator. */
  readonly fibers: FiberSet.FiberSet
}
