/**
 * The driver's memory, as one explicit record: its caches of vendor reads and id mappings, each
 * bounded (least recently used first out), and what `getRuns` keeps of each tracked run between
 * polls (`RunSnapshots`), so that memory stays flat however many runs a process tracks.
 *
 * @internal
 */
import { Lru } from "@simbridge/core/Lru"
import type * as Plan from "@simbridge/core/Plan"
import * as RunSnapshots from "@simbridge/core/RunSnapshots"
import type * as Status from "@simbridge/core/Status"
import type { Options } from "../InteractlySuite.js"
import type * as Wire from "../InteractlyWire.js"
import type { GroupRead } from "./groups.js"
import type { Canonical } from "./mapping.js"
import type { Computed } from "./results.js"

/** What `getRuns` keeps of a tracked run: its last snapshot and the read of each of its groups (in the run id's order). */
export interface TrackedRun extends RunSnapshots.Entry {
  readonly reads: ReadonlyArray<GroupRead>
}

/**
 * The verdicts of a group's completed executions judged from an evaluation (they never change),
 * and whether the run's plan was known when they were judged (it decides how verdicts are made).
 */
export interface GroupVerdicts {
  readonly planned: boolean
  readonly verdicts: ReadonlyMap<string, Status.Verdict>
}

/** The plan and options a run of this process ran (for evaluator matching). */
export interface RunPlan {
  readonly plan: Plan.Plan
  readonly options: Options
}

export interface Caches {
  /** Tracked runs (`getRun`, `getRuns`): each forgotten once its terminal snapshot is handed out. */
  readonly runs: RunSnapshots.RunSnapshots<TrackedRun>
  /** vendor simulation id -> canonical scenario and persona. */
  readonly simulations: Lru<string, Canonical>
  /** group id -> simulation id ("" for a group listed without one). */
  readonly groupSimulation: Lru<string, string>
  /** `<marker>/<simulation id>` -> group, so a retried start never starts a group twice. */
  readonly started: Lru<string, Wire.SimulationGroup>
  /**
   * run id -> the plan and options it ran. A run evicted from here is read as one this process
   * did not start (every metric a required evaluation).
   */
  readonly runPlans: Lru<string, RunPlan>
  /**
   * The evaluation of a finished workflow run never changes: each is read once and kept until the
   * execution's result is built (which then holds it). A missing one (404: no criteria, or not
   * evaluated yet) is asked for again next time.
   */
  readonly evaluations: Lru<string, Wire.WorkflowRunEvaluation>
  /** Evaluation summaries of finished groups (read once; a running group's is read each time). */
  readonly summaries: Lru<string, Wire.EvaluationSummary>
  /**
   * group id -> the verdicts its last read judged: a later read of the group (a `getRun`, a run
   * read again after it was forgotten) reuses them instead of reading those evaluations again.
   */
  readonly verdicts: Lru<string, GroupVerdicts>
  /**
   * A finished execution never changes: its result is kept, so that reading a run's results again
   * does not fetch its workflow runs and evaluations again. Keyed by `<run key>/<execution id>`,
   * with the run's short key from `runKeys` (a run id joins 25 characters per group).
   */
  readonly finished: Lru<string, Computed>
  /** run id -> the short key of its finished results (a run evicted here gets a new one). */
  readonly runKeys: Lru<string, string>
  /** The number the next run key is made of. */
  nextRunKey: number
}

/** How many entries each part of the driver's memory holds (tests check that they stay bounded). */
export interface Memory {
  readonly runs: number
  readonly evaluations: number
  readonly summaries: number
  readonly verdicts: number
  readonly results: number
  readonly groupSimulations: number
  readonly runPlans: number
  readonly runKeys: number
  readonly started: number
  readonly simulations: number
}

/**
 * The memory of one driver: `trackedRuns` runs, `cacheSize` entries per cache of vendor reads
 * (finished results a quarter of it), id mappings 16 times as many.
 */
export const make = (options: { readonly cacheSize: number; readonly trackedRuns: number }): Caches => {
  const { cacheSize } = options
  return {
    runs: new RunSnapshots.RunSnapshots(options.trackedRuns),
    simulations: new Lru(cacheSize),
    groupSimulation: new Lru(cacheSize * 16),
    started: new Lru(cacheSize),
    runPlans: new Lru(cacheSize * 16),
    evaluations: new Lru(cacheSize),
    summaries: new Lru(cacheSize),
    verdicts: new Lru(cacheSize),
    finished: new Lru(Math.max(1, Math.floor(cacheSize / 4))),
    runKeys: new Lru(cacheSize * 16),
    nextRunKey: 0
  }
}

/** The short key a run's finished results are kept under. */
export const runKeyOf = (caches: Caches, runId: string): string => {
  let key = caches.runKeys.get(runId)
  if (key === undefined) caches.runKeys.set(runId, key = (caches.nextRunKey++).toString(36))
  return key
}

/** The finished result of an execution of a run, if kept (without making it the most recent). */
export const peekFinished = (caches: Caches, runId: string, executionId: string): Computed | undefined => {
  const runKey = caches.runKeys.peek(runId)
  return runKey === undefined ? undefined : caches.finished.peek(`${runKey}/${executionId}`)
}

export const memory = (caches: Caches): Memory => ({
  runs: caches.runs.size,
  evaluations: caches.evaluations.size,
  summaries: caches.summaries.size,
  verdicts: caches.verdicts.size,
  results: caches.finished.size,
  groupSimulations: caches.groupSimulation.size,
  runPlans: caches.runPlans.size,
  runKeys: caches.runKeys.size,
  started: caches.started.size,
  simulations: caches.simulations.size
})
