/**
 * What the routes, the run model and the renderers of one running emulator share.
 *
 * @internal
 */
import type { Faults } from "@simbridge/emulator"
import type { State } from "./State.js"

export interface Context {
  readonly state: State
  readonly faults: Faults.FaultControl
  readonly seed: number
  /** Simulated milliseconds at the emulator's pace. */
  readonly pace: (ms: number) => number
  /** Share of runs failing as infrastructure failures (`failed`). */
  readonly failureRate: number
  /** Share of outbound runs whose agent never dials (`timeout`). */
  readonly noDialRate: number
  /** Share of expected-outcome parts and binary metrics judged not met. */
  readonly missRate: number
  /** Runs ended one by one (`runs/{id}/end_call/`), with when. */
  readonly endedRuns: Map<number, number>
}
