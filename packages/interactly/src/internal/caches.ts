/**
 * The driver's caches of vendor reads and id mappings, each bounded (least recently used first
 * out), so that memory stays flat however many runs a process tracks.
 *
 * @internal
 */
import type * as Plan from "@simbridge/core/Plan"
import { Lru } from "@simbridge/core/Lru"
import type { Options } from "../InteractlySuite.js"
import type * as Wire from "../InteractlyWire.js"
import type { Canonical, Computed } from "./results.js"
import type { GroupRead } from "./tracking.js"

/** How many entries each of the driver's caches holds (tests show they stay bounded). */
export interface CacheSizes {
  readonly evaluations: number
  readonly summaries: number
  readonly results: number
  readonly groups: number
  readonly groupSimulations: number
  readonly runPlans: number
  /** run id -> the short key its finished results are kept under. */
  readonly runKeys: number
  readonly started: number
  readonly simulations: number
}

/** The caches of one driver, `cacheSize` entries each (id mappings 16 times as many). */
export const make = (cacheSize: number) => {
  /** vendor simulation id -> canonical scenario and persona. */
  const simulations = new Lru<string, Canonical>(cacheSize)
  /** group id -> simulation id. */
  const groupSimulation = new Lru<string, string>(cacheSize * 16)
  /** `<marker>/<simulation id>` -> group, so a retried start never starts a group twice. */
  const started = new Lru<string, Wire.SimulationGroup>(cacheSize)
  /**
   * run id -> the plan and options it ran (for evaluator matching). A run evicted from here is
   * read as one this process did not start (every metric a required evaluation).
   */
  const runPlans = new Lru<string, { readonly plan: Plan.Plan; readonly options: Options }>(cacheSize * 16)

  /**
   * The evaluation of a finished workflow run never changes: each is read once and kept (a
   * bounded number) until the execution's result is built (which then holds it). A missing one
   * (404: no criteria, or not evaluated yet) is asked for again next time.
   */
  const evaluations = new Lru<string, Wire.WorkflowRunEvaluation>(cacheSize)

  /** Evaluation summaries of finished groups (read once; a running group's is read each time). */
  const summaries = new Lru<string, Wire.EvaluationSummary>(cacheSize)

  /** The last read of each group (bounded): `getRuns` answers from it while the group's listing is unchanged. */
  const groupReads = new Lru<string, GroupRead>(cacheSize)

  // A finished execution never changes: keep it (a bounded number), so that reading a run's
  // results again does not fetch its workflow runs and evaluations again. The evaluation it holds
  // is dropped from the evaluation cache. Keyed by `<run key>/<execution id>`, with the run's
  // short key from `runKeys`: a run id joins 25 characters per group (2,500 for 100 groups), and
  // building and hashing a key made of it cost more per result than the rest of the lookup.
  const finished = new Lru<string, Computed>(Math.max(1, Math.floor(cacheSize / 4)))
  /** run id -> the short key of its finished results (a run evicted here gets a new one). */
  const runKeys = new Lru<string, string>(cacheSize * 16)
  let runKeyCount = 0
  const runKeyOf = (runId: string) => {
    let key = runKeys.get(runId)
    if (key === undefined) runKeys.set(runId, key = (runKeyCount++).toString(36))
    return key
  }
  /** The finished result of an execution of a run, if kept (without making it the most recent). */
  const peekFinished = (runId: string, executionId: string) => {
    const runKey = runKeys.peek(runId)
    return runKey === undefined ? undefined : finished.peek(`${runKey}/${executionId}`)
  }

  const sizes = (): CacheSizes => ({
    evaluations: evaluations.size,
    summaries: summaries.size,
    results: finished.size,
    groups: groupReads.size,
    groupSimulations: groupSimulation.size,
    runPlans: runPlans.size,
    runKeys: runKeys.size,
    started: started.size,
    simulations: simulations.size
  })

  return { simulations, groupSimulation, started, runPlans, evaluations, summaries, groupReads, finished, runKeys, runKeyOf, peekFinished, sizes }
}
