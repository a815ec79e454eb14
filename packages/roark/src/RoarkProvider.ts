/**
 * The Roark driver: canonical personas -> `/v1/persona`, scenarios -> `/v1/simulation/scenario`,
 * evaluators -> metric definitions referenced as run-plan `metrics`, plan -> run plan; a run is a
 * run-plan job and a result is one of its simulation jobs joined with its call's transcript and
 * metrics. Provides `SimulationProvider` and `RoarkClient`.
 *
 * `make` holds the driver's bounded memory and hands it to the module-level functions that do
 * the work: request bodies in `internal/requests.ts`, provisioning in `internal/provisioning.ts`,
 * run snapshots and `getRuns` in `internal/tracking.ts`, results pages in `internal/reads.ts`,
 * vendor payloads as canonical results in `internal/results.ts`, and `findRun` in
 * `internal/reconcile.ts`.
 *
 * @since 0.1.0
 */
import { ProviderRegistry, Provisioning, SimulationProvider } from "@simbridge/core"
import { Lru } from "@simbridge/core/Lru"
import * as RunSnapshots from "@simbridge/core/RunSnapshots"
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Reads from "./internal/reads.js"
import * as Reconcile from "./internal/reconcile.js"
import { fail, runStartBody } from "./internal/requests.js"
import { provision } from "./internal/provisioning.js"
import { RunContexts } from "./internal/results.js"
import * as RunCache from "./internal/RunCache.js"
import * as Tracking from "./internal/tracking.js"
import * as RoarkClient from "./RoarkClient.js"
import { capabilities, check, name } from "./RoarkSuite.js"

/** The job variable that carries simbridge's run marker (`findRun` matches it; the reliability suite reads it). */
export { markerVariable } from "./internal/requests.js"

// ---------------------------------------------------------------------------------------------
// The driver
// ---------------------------------------------------------------------------------------------

/**
 * The bounds of the driver's memory: every per-run, per-marker or per-scenario map it keeps holds
 * at most this many entries, least recently used out. The defaults (`defaultOptions`) suit
 * production; an entry forgotten early costs requests, as each field says.
 */
export interface DriverOptions {
  /**
   * Runs not yet terminal whose finished calls' evaluations are kept (`internal/RunCache.ts`);
   * default 5,000. A forgotten run's metrics are read again at its next snapshot with verdicts.
   */
  readonly maxActiveRuns?: number | undefined
  /**
   * Terminal runs whose evaluations are kept until their results are read to the end; default 512.
   * A forgotten run's metrics are read again by its results read.
   */
  readonly maxSettledRuns?: number | undefined
  /**
   * Runs whose last snapshot `getRuns` remembers between polls (core's `RunSnapshots`); default
   * `RunSnapshots.defaultCapacity`. A forgotten run's detail is read again when next polled.
   */
  readonly maxTrackedRuns?: number | undefined
  /**
   * Runs whose context (canonical ids, evaluators) is kept for their snapshots and results reads;
   * default 20,000. A forgotten run's context is recovered from the markers on the vendor objects
   * (two requests), which reports its non-boolean evaluators as non-required.
   */
  readonly maxRunContexts?: number | undefined
  /**
   * Markers whose start was attempted and whose run is not known yet, and markers `findRun` is
   * reconciling across retries; default 1,000 of each. A forgotten marker is searched for among
   * every recent job of its plan, as after a crash.
   */
  readonly maxStartingRuns?: number | undefined
  /**
   * Vendor scenario ids whose canonical id was learnt (provisioning, lookups); default 10,000. A
   * forgotten scenario that its run's context does not map is looked up again.
   */
  readonly maxScenarioIds?: number | undefined
  /**
   * Finished jobs whose detail is kept for the pages of a results read in progress; default 8. A
   * forgotten job's detail is read again for its next page.
   */
  readonly maxPagedRuns?: number | undefined
}

/** The bounds `make` uses for the options left out. */
export const defaultOptions = {
  maxActiveRuns: 5_000,
  maxSettledRuns: 512,
  maxTrackedRuns: RunSnapshots.defaultCapacity,
  maxRunContexts: 20_000,
  maxStartingRuns: 1_000,
  maxScenarioIds: 10_000,
  maxPagedRuns: 8
} as const satisfies Required<{ readonly [K in keyof DriverOptions]: number }>

/** How much of each memory the driver holds now (for tests and diagnostics). */
export interface Memory {
  readonly cache: RunCache.Sizes
  readonly tracked: number
  readonly contexts: number
  readonly attempts: number
  readonly reconciling: number
  readonly scenarioIds: number
  readonly pages: number
}

/** The driver and the sizes of its memory. */
export type Instrumented = SimulationProvider.Instrumented<Memory>

/** The Roark driver over `RoarkClient`, its memory bounded by `options`. */
export const make = (options: DriverOptions = {}): Effect.Effect<Instrumented, never, RoarkClient.RoarkClient> =>
  Effect.map(RoarkClient.RoarkClient, (client) => {
    const bound = (key: keyof DriverOptions) => options[key] ?? defaultOptions[key]
    const reads: Reads.Reads = {
      client,
      cache: new RunCache.RunCache(bound("maxActiveRuns"), bound("maxSettledRuns")),
      contexts: new RunContexts(bound("maxRunContexts")),
      scenarioIds: new Lru(bound("maxScenarioIds")),
      pages: new Lru(bound("maxPagedRuns"))
    }
    const snapshots = new RunSnapshots.RunSnapshots<Tracking.Tracked>(bound("maxTrackedRuns"))
    const reconciliation = new Reconcile.Reconciliation(bound("maxStartingRuns"))

    const startRun: SimulationProvider.Driver["startRun"] = ({ marker, plan, provisioning }) =>
      Effect.suspend(() => {
        const planRef = provisioning.refs[Provisioning.key.plan]
        if (planRef === undefined) return fail("startRun", "InvalidRequest", "the provisioning has no run plan (key \"plan\")")
        const start = Effect.flatMap(client.runPlanJobs.start(planRef.id, runStartBody(marker)), (started) => {
          Reconcile.known(reconciliation, marker)
          const ctx = reads.contexts.started(started.simulationRunPlanJobId, plan, provisioning, marker)
          // Remembered as a run read by `getRuns` is: a watch that starts from this snapshot (the
          // run in hand) reads the job's detail only once the job list shows its status changed.
          return Effect.map(Tracking.buildRun(reads, Tracking.startedDetail(started), ctx), (run) => Tracking.remember(snapshots, run))
        })
        return Reconcile.attempting(reconciliation, marker, start)
      })

    return {
      name,
      capabilities,
      check,
      provision: provision(client, reads.scenarioIds),
      startRun,
      getRun: (id) => Effect.map(Tracking.readRun(reads, id, true), (run) => Tracking.remember(snapshots, run)),
      getRuns: Tracking.getRuns(reads, snapshots),
      listResults: Reads.listResults(reads),
      cancelRun: (id) => Effect.asVoid(client.runPlanJobs.cancel(id)),
      findRun: Reconcile.findRun(reads, reconciliation),
      memory: () => ({
        cache: reads.cache.sizes(),
        tracked: snapshots.size,
        contexts: reads.contexts.size,
        attempts: reconciliation.attempts.size,
        reconciling: reconciliation.examined.size,
        scenarioIds: reads.scenarioIds.size,
        pages: reads.pages.size
      })
    }
  })

// ---------------------------------------------------------------------------------------------
// Layers (the registry entry is `RoarkSuite.plugin`)
// ---------------------------------------------------------------------------------------------

/** Where Roark is reached, and how the provider retries and polls. */
export interface Settings extends ProviderRegistry.VendorSettings {}

const layers = ProviderRegistry.vendorLayers<Settings, RoarkClient.RoarkClient>({
  driver: () => make(),
  client: (settings) => RoarkClient.layer({ baseUrl: settings.baseUrl, apiKey: settings.apiKey }),
  config: Config.map(RoarkClient.settingsConfig, (s) => ({ baseUrl: s.baseUrl ?? RoarkClient.defaultBaseUrl, apiKey: s.apiKey }))
})

/** `SimulationProvider` and `RoarkClient` for explicit settings. */
export const layer = layers.layer

/** `SimulationProvider` and `RoarkClient` from `ROARK_API_KEY` (or `ROARK_API_BEARER_TOKEN`) and `ROARK_BASE_URL`. */
export const layerConfig = layers.layerConfig
