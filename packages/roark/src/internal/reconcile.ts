/**
 * Reconciliation of run starts whose outcome is unknown (`findRun`): which run-plan job, if any,
 * a start with a given marker created.
 *
 * The marker travels as a job variable and is visible on the job's simulation jobs
 * (`runPlan.variables`). A job that has not created its simulation jobs yet cannot be told apart,
 * so the search waits for it rather than guess: starting a second billed run is worse than
 * waiting. When it cannot decide within the bound, it fails with `Conflict` (nothing is started
 * twice).
 *
 * @internal
 */
import { type ProviderError, Provisioning, type SimulationProvider } from "@simbridge/core"
import { Lru } from "@simbridge/core/Lru"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import type * as Wire from "../RoarkWire.js"
import * as M from "./mapping.js"
import type { Reads } from "./reads.js"
import { fail, markerVariable } from "./requests.js"
import type { RunEncoded } from "./results.js"
import { buildRun } from "./tracking.js"

/** How many times `findRun` looks again while candidate jobs have not shown their marker yet. */
export const findRunRounds = 40

/**
 * What the driver keeps per marker whose run is not known yet, at most `capacity` markers each,
 * least recently used out.
 */
export class Reconciliation {
  /**
   * When each marker's first start was attempted, until its run is known (started or found). A
   * marker forgotten by eviction is searched for as after a crash: among every recent job.
   */
  readonly attempts: Lru<string, number>
  /**
   * Per marker being reconciled: job details already read whose simulation jobs (and so markers)
   * are known. They do not change, so when a read of `findRun` fails and the retry loop runs it
   * again, the next attempt starts where the last one stopped instead of reading every job again.
   * Kept only while the retry loop may call again.
   */
  readonly examined: Lru<string, Map<string, Wire.RunPlanJobDetail>>

  constructor(capacity: number) {
    this.attempts = new Lru(capacity)
    this.examined = new Lru(capacity)
  }
}

/** `start` of `marker`'s run, noting when its first start was attempted (for `findRun`). */
export const attempting = <A, E, R>(state: Reconciliation, marker: string, start: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.suspend(() =>
    state.attempts.has(marker) ? start : Effect.flatMap(Clock.currentTimeMillis, (now) => {
      state.attempts.set(marker, now)
      return start
    })
  )

/** The run of `marker` is known: `findRun` will not be asked about its creation. */
export const known = (state: Reconciliation, marker: string): void => {
  state.attempts.delete(marker)
}

/**
 * `findRun`: the run-plan job that carries `marker`, among the plan's jobs created since the first
 * attempt (every recent job after a crash); found, its context is remembered as the context of a
 * run this driver started.
 */
export const findRun = (r: Reads, state: Reconciliation): NonNullable<SimulationProvider.Driver["findRun"]> => ({ marker, plan, provisioning }) =>
  Effect.gen(function*() {
    const planRef = provisioning.refs[Provisioning.key.plan]
    if (planRef === undefined) return Option.none()
    const attemptedAt = state.attempts.peek(marker)
    const since = attemptedAt === undefined ? Number.NEGATIVE_INFINITY : attemptedAt - 5_000
    const seen = state.examined.get(marker) ?? new Map<string, Wire.RunPlanJobDetail>()
    state.examined.set(marker, seen)
    const adopt = (detail: Wire.RunPlanJobDetail): Effect.Effect<Option.Option<RunEncoded>, ProviderError.ProviderError> => {
      const ctx = r.contexts.started(detail.simulationRunPlanJobId, plan, provisioning, marker)
      known(state, marker)
      return Effect.map(buildRun(r, detail, ctx), Option.some)
    }
    for (let round = 0; round < findRunRounds; round++) {
      const page = yield* r.client.runPlanJobs.list({ simulationRunPlanId: planRef.id, limit: 50 })
      const candidates = page.data.filter((j) => j.createdAt === undefined || j.createdAt === null || Date.parse(j.createdAt) >= since)
      let pending = 0
      let echoed = 0
      const legacy: Array<Wire.RunPlanJobDetail> = []
      for (const c of candidates) {
        const detail = seen.get(c.simulationRunPlanJobId) ?? (yield* r.client.runPlanJobs.get(c.simulationRunPlanJobId))
        if (detail.simulationJobs.length > 0) seen.set(detail.simulationRunPlanJobId, detail)
        const markers = detail.simulationJobs.map((s) => s.runPlan?.variables?.[markerVariable])
        if (markers.includes(marker)) return yield* adopt(detail)
        if (detail.simulationJobs.length === 0) {
          // Its simulation jobs (and so its marker) are not there yet, unless it already ended.
          if (!M.terminalJobStatuses.has(detail.status)) pending++
        } else if (markers.every((m) => m === undefined)) {
          legacy.push(detail)
        } else {
          echoed++
        }
      }
      // When the API echoes variables, a job without a marker was not started by simbridge.
      if (echoed > 0) legacy.length = 0
      if (pending === 0) {
        // An API version that does not echo variables: adopt only when exactly one job can be ours.
        if (legacy.length === 1 && candidates.length === 1 && attemptedAt !== undefined) return yield* adopt(legacy[0]!)
        if (legacy.length === 0) return Option.none()
        break
      }
      yield* Effect.sleep(Duration.millis(Math.min(2_000, 250 * (round + 1))))
    }
    return yield* fail(
      "findRun",
      "Conflict",
      `cannot tell whether run plan job with marker ${marker} was created: jobs of run plan ${planRef.id} do not show their markers yet; not starting another (resume later)`
    )
  }).pipe(
    // Keep what was read only while the retry loop may call again.
    Effect.onExit((exit) =>
      Effect.sync(() => {
        if (!(Exit.isFailure(exit) && Cause.failureOption(exit.cause).pipe(Option.exists((e) => e.isRetryable)))) state.examined.delete(marker)
      })
    )
  )
