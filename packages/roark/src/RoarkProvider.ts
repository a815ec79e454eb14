/**
 * The Roark driver: canonical personas -> `/v1/persona`, scenarios -> `/v1/simulation/scenario`,
 * evaluators -> metric definitions referenced as run-plan `metrics`, plan -> run plan; a run is a
 * run-plan job and a result is one of its simulation jobs joined with its call's transcript and
 * metrics. Provides `SimulationProvider` and `RoarkClient`.
 *
 * Request bodies are built in `internal/requests.ts`, provisioning runs in
 * `internal/provisioning.ts`, vendor payloads become canonical results in `internal/results.ts` and
 * run snapshots in `internal/tracking.ts`; this module keeps the per-run state that ties them together.
 *
 * @since 0.1.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import { type Plan, ProviderError, Provisioning, type Retry, SimulationProvider } from "@simbridge/core"
import { Lru } from "@simbridge/core/Lru"
import type * as ConfigError from "effect/ConfigError"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import * as M from "./internal/mapping.js"
import { all, fail, provision as provisionWith } from "./internal/provisioning.js"
import { markerVariable, runStartBody } from "./internal/requests.js"
import {
  type EvaluationEncoded,
  iterations,
  type Mutable,
  recoveredContextOf,
  type ResultEncoded,
  resultsPageSize,
  type RunContext,
  type RunEncoded,
  sharedContextOf,
  withRaw
} from "./internal/results.js"
import * as Reads from "./internal/reads.js"
import * as RunCache from "./internal/RunCache.js"
import * as Tracking from "./internal/tracking.js"
import * as RoarkClient from "./RoarkClient.js"
import { capabilities, check, name } from "./RoarkSuite.js"
import type * as Wire from "./RoarkWire.js"

// The pure parts stay reachable from here: tests and the reliability suite read them as `RoarkProvider.*`.
export { markerVariable, personaBody, planSettings, scenarioName, scenarioSteps } from "./internal/requests.js"
export {
  canonicalPersona,
  type EvaluatorBinding,
  evaluationsOf,
  iterations,
  knownScenario,
  recoveredContextOf,
  type ResultInputs,
  type RunContext,
  scenarioFromLookup,
  statusOf,
  toResult
} from "./internal/results.js"

/** How many times `findRun` looks again while candidate jobs have not shown their marker yet. */
const findRunRounds = 40

/** Bounds of the driver's memory (see `internal/RunCache.ts`); the defaults suit production. */
export interface MakeOptions {
  /** Runs not yet terminal whose finished calls' evaluations are kept; default 5,000. */
  readonly maxActiveRuns?: number | undefined
  /** Terminal runs whose evaluations are kept until their results are read; default 512. */
  readonly maxSettledRuns?: number | undefined
  /** Runs whose last listed status `getRuns` remembers; default 20,000. */
  readonly maxTrackedRuns?: number | undefined
}

/** The driver and, for tests and diagnostics, the sizes of its per-run memory. */
export interface Instrumented extends SimulationProvider.Driver {
  readonly memory: () => {
    readonly cache: RunCache.Sizes
    readonly tracked: number
    readonly contexts: number
    readonly attempts: number
  }
}

/** The driver with explicit memory bounds. */
export const makeWith = (options: MakeOptions = {}): Effect.Effect<Instrumented, never, RoarkClient.RoarkClient> => Effect.gen(function*() {
  const client = yield* RoarkClient.RoarkClient
  const runs = new Map<string, RunContext>()
  const scenarioIds = new Map<string, string>()
  /** Finished calls' evaluations and results, per run, bounded (see `internal/RunCache.ts`). */
  const cache = new RunCache.RunCache<ReadonlyArray<EvaluationEncoded>, ResultEncoded>(options.maxActiveRuns ?? 5_000, options.maxSettledRuns ?? 512)
  /** When each marker's first start was attempted (for `findRun`); dropped once the run is known. */
  const attempts = new Map<string, number>()
  /**
   * Per marker being reconciled: job details already read whose simulation jobs (and so markers)
   * are known. They do not change, so when one read of `findRun` fails and the retry loop runs it
   * again, the next attempt starts where the last one stopped instead of reading every job again.
   */
  const examined = new Map<string, Map<string, Wire.RunPlanJobDetail>>()

  const provision = provisionWith(client, scenarioIds)

  // -- runs -----------------------------------------------------------------------------------

  /**
   * The part of a run's context that depends on the plan and provisioning only: built once and
   * shared by every run started from the same two objects (thousands of runs of one suite keep one
   * copy of the id maps, not one each).
   */
  const shared = new WeakMap<Plan.Plan, WeakMap<Provisioning.Provisioning, Omit<RunContext, "marker">>>()
  const contextOf = (plan: Plan.Plan, provisioning: Provisioning.Provisioning, marker: string | undefined): RunContext => {
    const byProvisioning = shared.get(plan) ?? new WeakMap<Provisioning.Provisioning, Omit<RunContext, "marker">>()
    shared.set(plan, byProvisioning)
    let common = byProvisioning.get(provisioning)
    if (common === undefined) {
      common = sharedContextOf(plan, provisioning)
      byProvisioning.set(provisioning, common)
    }
    return { ...common, marker }
  }

  /** A context for a run this driver did not start: canonical ids from the markers on the vendor objects. */
  const recoveredContext = (detail: Wire.RunPlanJobDetail) =>
    Effect.gen(function*() {
      const plan = yield* client.runPlans.get(detail.simulationRunPlanId)
      const definitions = yield* all(client.metrics.listDefinitions)
      return recoveredContextOf(plan, definitions)
    })

  const contextFor = (detail: Wire.RunPlanJobDetail) =>
    Effect.suspend(() => {
      const known = runs.get(detail.simulationRunPlanJobId)
      return known !== undefined
        ? Effect.succeed(known)
        : Effect.tap(recoveredContext(detail), (c) => Effect.sync(() => runs.set(detail.simulationRunPlanJobId, c)))
    })

  const reads: Reads.Reads = { client, cache, scenarioIds }
  const buildRun = (detail: Wire.RunPlanJobDetail, ctx: RunContext, verdicts = true) => Tracking.buildRun(reads, detail, ctx, verdicts)

  const startRun: SimulationProvider.Driver["startRun"] = ({ marker, plan, provisioning }) =>
    Effect.suspend(() => {
      const planRef = provisioning.refs[Provisioning.key.plan]
      if (planRef === undefined) return fail("startRun", "InvalidRequest", "the provisioning has no run plan (key \"plan\")")
      const start = Effect.flatMap(client.runPlanJobs.start(planRef.id, runStartBody(marker)), (started) => {
        // The run is known from here on: `findRun` will not be asked about this marker's creation.
        attempts.delete(marker)
        const ctx = contextOf(plan, provisioning, marker)
        runs.set(started.simulationRunPlanJobId, ctx)
        const detail: Mutable<Wire.RunPlanJobDetail> = {
          simulationRunPlanJobId: started.simulationRunPlanJobId,
          simulationRunPlanId: started.simulationRunPlanId,
          status: started.status,
          simulationJobs: []
        }
        if (started.createdAt !== undefined) detail.createdAt = started.createdAt
        // Remembered as a run read by `getRuns` is: a watch that starts from this snapshot (the run
        // in hand) reads the job's detail only once the job list shows its status changed.
        return Effect.map(buildRun(detail, ctx), remember)
      })
      return attempts.has(marker) ? start : Effect.flatMap(Clock.currentTimeMillis, (now) => {
        attempts.set(marker, now)
        return start
      })
    })

  /** A job's run: its detail, read now; without `verdicts`, no metrics are read (see `buildRun`). */
  const readRun = (id: string, verdicts: boolean): Effect.Effect<RunEncoded, ProviderError.ProviderError> =>
    Effect.flatMap(client.runPlanJobs.get(id), (detail) => {
      const known = runs.get(detail.simulationRunPlanJobId)
      return known !== undefined ? buildRun(detail, known, verdicts) : Effect.flatMap(contextFor(detail), (ctx) => buildRun(detail, ctx, verdicts))
    })

  const getRun: SimulationProvider.Driver["getRun"] = (id) => readRun(id, true)

  /**
   * The job detail a results page is cut from. A finished job's detail no longer changes, so it is
   * read once for all its pages (a 1,000-call job is one large detail: reading it again per page
   * would make reading results quadratic). Kept for the few most recently read jobs.
   */
  const settled = new Lru<string, { readonly detail: Wire.RunPlanJobDetail; readonly numbers: ReadonlyArray<number> }>(8)
  const pageSource = (id: string, offset: number) =>
    Effect.suspend(() => {
      const known = offset > 0 ? settled.peek(id) : undefined
      if (known !== undefined) return Effect.succeed(known)
      return Effect.map(client.runPlanJobs.get(id), (detail) => {
        const source = { detail, numbers: iterations(detail.simulationJobs) }
        if (M.terminalJobStatuses.has(detail.status)) settled.set(id, source)
        return source
      })
    })

  const listResults: SimulationProvider.Driver["listResults"] = (id, cursor, options) =>
    Effect.suspend(() => {
      const offset = cursor === undefined ? 0 : Number(cursor)
      if (!Number.isInteger(offset) || offset < 0) return fail("listResults", "InvalidRequest", `invalid cursor ${cursor}`)
      const raw = options?.raw === true
      return Effect.flatMap(pageSource(id, offset), ({ detail, numbers }) =>
        Effect.flatMap(contextFor(detail), (ctx) =>
          Effect.map(Reads.resultsOf(reads, detail, ctx, offset, numbers), (page) => {
            const results = raw ? page.map((r, i) => withRaw(r, detail.simulationJobs[offset + i]!, true)) : page
            const next = offset + resultsPageSize
            if (next >= detail.simulationJobs.length) {
              settled.delete(id)
              // A terminal run read to the end: nothing of it is needed again (a later read starts over).
              if (M.terminalJobStatuses.has(detail.status)) cache.drop(id)
            }
            return next < detail.simulationJobs.length ? { results, cursor: String(next) } : { results }
          })))
    })

  const cancelRun: SimulationProvider.Driver["cancelRun"] = (id) => Effect.asVoid(client.runPlanJobs.cancel(id))

  /**
   * The marker travels as a job variable and is visible on the job's simulation jobs
   * (`runPlan.variables`). A job that has not created its simulation jobs yet cannot be told
   * apart, so the search waits for it rather than guess: starting a second billed run is worse
   * than waiting. When it cannot decide within the bound, it fails with `Conflict` (nothing is
   * started twice).
   */
  const findRun: NonNullable<SimulationProvider.Driver["findRun"]> = ({ marker, plan, provisioning }) =>
    Effect.gen(function*() {
      const planRef = provisioning.refs[Provisioning.key.plan]
      if (planRef === undefined) return Option.none()
      // After a crash (a new process) there is no attempt time: every recent job is a candidate.
      const attemptedAt = attempts.get(marker)
      const since = attemptedAt === undefined ? Number.NEGATIVE_INFINITY : attemptedAt - 5_000
      const seen = examined.get(marker) ?? new Map<string, Wire.RunPlanJobDetail>()
      examined.set(marker, seen)
      for (let round = 0; round < findRunRounds; round++) {
        const page = yield* client.runPlanJobs.list({ simulationRunPlanId: planRef.id, limit: 50 })
        const candidates = page.data.filter((j) => j.createdAt === undefined || j.createdAt === null || Date.parse(j.createdAt) >= since)
        let pending = 0
        let echoed = 0
        const legacy: Array<Wire.RunPlanJobDetail> = []
        for (const c of candidates) {
          const detail = seen.get(c.simulationRunPlanJobId) ?? (yield* client.runPlanJobs.get(c.simulationRunPlanJobId))
          if (detail.simulationJobs.length > 0) seen.set(detail.simulationRunPlanJobId, detail)
          const markers = detail.simulationJobs.map((s) => s.runPlan?.variables?.[markerVariable])
          if (markers.includes(marker)) {
            const ctx = contextOf(plan, provisioning, marker)
            runs.set(detail.simulationRunPlanJobId, ctx)
            attempts.delete(marker)
            return Option.some(yield* buildRun(detail, ctx))
          }
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
          if (legacy.length === 1 && candidates.length === 1 && attemptedAt !== undefined) {
            const ctx = contextOf(plan, provisioning, marker)
            runs.set(legacy[0]!.simulationRunPlanJobId, ctx)
            attempts.delete(marker)
            return Option.some(yield* buildRun(legacy[0]!, ctx))
          }
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
          if (!(Exit.isFailure(exit) && Cause.failureOption(exit.cause).pipe(Option.exists((e) => e.isRetryable)))) examined.delete(marker)
        })
      )
    )

  /** Runs not yet terminal and their last snapshot, for `getRuns` (see `internal/tracking.ts`). */
  const tracked = new Lru<string, Tracking.Tracked>(options.maxTrackedRuns ?? 20_000)
  const remember = (run: RunEncoded): RunEncoded => Tracking.remember(tracked, run)

  const trackedGetRun: SimulationProvider.Driver["getRun"] = (id) => Effect.map(getRun(id), remember)

  const getRuns = Tracking.getRuns(client, tracked, readRun)

  const memory: Instrumented["memory"] = () => ({ cache: cache.sizes(), tracked: tracked.size, contexts: runs.size, attempts: attempts.size })

  return { name, capabilities, check, provision, startRun, getRun: trackedGetRun, getRuns, listResults, cancelRun, findRun, memory }
})

export const make: Effect.Effect<SimulationProvider.Driver, never, RoarkClient.RoarkClient> = makeWith()

// ---------------------------------------------------------------------------------------------
// Layers (the registry entry is `RoarkSuite.plugin`)
// ---------------------------------------------------------------------------------------------

export interface Settings {
  readonly baseUrl: string
  readonly apiKey: Redacted.Redacted<string>
  readonly retry?: Retry.RetryPolicy | undefined
  readonly watch?: SimulationProvider.WatchOptions | undefined
}

/** `SimulationProvider` and `RoarkClient` for explicit settings. */
export const layer = (
  settings: Settings
): Layer.Layer<SimulationProvider.SimulationProvider | RoarkClient.RoarkClient, never, HttpClient.HttpClient> =>
  SimulationProvider.layer(make, { retry: settings.retry, watch: settings.watch }).pipe(
    Layer.provideMerge(RoarkClient.layer({ baseUrl: settings.baseUrl, apiKey: settings.apiKey }))
  )

/** `SimulationProvider` and `RoarkClient` from `ROARK_API_KEY` (or `ROARK_API_BEARER_TOKEN`) and `ROARK_BASE_URL`. */
export const layerConfig: Layer.Layer<SimulationProvider.SimulationProvider | RoarkClient.RoarkClient, ConfigError.ConfigError, HttpClient.HttpClient> =
  Layer.unwrapEffect(Effect.map(RoarkClient.settingsConfig, (s) => layer({ baseUrl: s.baseUrl ?? RoarkClient.defaultBaseUrl, apiKey: s.apiKey })))
