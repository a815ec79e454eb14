/**
 * The Interactly provider: simbridge suites as Interactly workflow simulations.
 *
 * - Target: the selected workflow (`target.interactly: { workflowId, versionNumber? }`).
 * - Persona: a caller (counter) workflow, chosen per persona in `vendors.interactly.callerWorkflows`
 *   (or one `callerWorkflowId` for all); without one simbridge finds or creates a workflow named
 *   `simbridge caller: <persona>`. The persona's attributes and the scenario's instructions and
 *   variables reach the caller as `dynamic_variables`.
 * - One simulation per scenario x persona, found by its `logical_id`
 *   (`simbridge/<target>/<scenario>/<persona>/<config hash>`); its description is kept current.
 * - A run starts one simulation group per simulation with `runner_name` set to the run's marker;
 *   the run id is the group ids joined with `.` (one id for a single scenario x persona).
 * - Results are the groups' executions, joined with the workflow run of the workflow under test
 *   (transcript, latency) and its evaluation result (metrics -> evaluations); run counts come
 *   from the executions and their evaluations (or, tracked without verdicts, from the group
 *   listing, with completed executions pending until their results are read).
 *
 * The work lives in `internal/`: `requests.ts` (settings and request bodies), `provisioning.ts`,
 * `runs.ts` (start, reconciliation, cancel), `tracking.ts` (`getRun`, `getRuns`) over
 * `groups.ts`, `results.ts` (`listResults`, `toResult`), `judging.ts` (verdicts), `reads.ts`
 * (cached vendor reads) and `caches.ts` (the driver's bounded memory).
 *
 * @since 0.1.0
 */
import type { SimulationProvider } from "@simbridge/core"
import * as ProviderRegistry from "@simbridge/core/ProviderRegistry"
import * as RunSnapshots from "@simbridge/core/RunSnapshots"
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as InteractlyClient from "./InteractlyClient.js"
import { capabilities, check, name } from "./InteractlySuite.js"
import * as Caches from "./internal/caches.js"
import * as Provisioning from "./internal/provisioning.js"
import * as Results from "./internal/results.js"
import * as Runs from "./internal/runs.js"
import * as Tracking from "./internal/tracking.js"

export type { Memory } from "./internal/caches.js"

/**
 * How many executions a group has, from one page of its listing, as `listResults` counts it (a
 * group's only execution may be judged from the group's evaluation summary).
 */
export const groupSizeOf = Results.groupSizeOf

/** Executions per page of results when `DriverOptions.pageSize` is not given. */
export const defaultPageSize = 50

/** Entries per cache of vendor reads when `DriverOptions.cacheSize` is not given. */
export const defaultCacheSize = 4096

// ---------------------------------------------------------------------------------------------
// Driver
// ---------------------------------------------------------------------------------------------

export interface DriverOptions {
  /** Executions per page of results; default {@link defaultPageSize}. */
  readonly pageSize?: number | undefined
  /**
   * Entries kept by each of the driver's caches of vendor reads (least recently used first out):
   * simulations, started groups, evaluations, evaluation summaries, groups' judged verdicts,
   * finished results (a quarter of it); default {@link defaultCacheSize}. Mappings of ids
   * (group -> simulation, run -> plan, run -> results key) keep 16 times as many.
   */
  readonly cacheSize?: number | undefined
  /**
   * Runs whose last reads `getRuns` keeps between polls (least recently polled first out; a
   * run is forgotten once its terminal snapshot is handed out); default
   * `RunSnapshots.defaultCapacity`.
   */
  readonly trackedRuns?: number | undefined
}

/** The driver, and the sizes of its memory. */
export interface Driver extends SimulationProvider.Instrumented<Caches.Memory> {
  readonly getRuns: NonNullable<SimulationProvider.Driver["getRuns"]>
}

/** Builds the driver over an `InteractlyClient`. */
export const make = (options: DriverOptions = {}): Effect.Effect<Driver, never, InteractlyClient.InteractlyClient> =>
  Effect.map(InteractlyClient.InteractlyClient, (client): Driver => {
    const pageSize = options.pageSize ?? defaultPageSize
    const caches = Caches.make({
      cacheSize: Math.max(1, options.cacheSize ?? defaultCacheSize),
      trackedRuns: options.trackedRuns ?? RunSnapshots.defaultCapacity
    })
    return {
      name,
      capabilities,
      check,
      provision: (plan) => Provisioning.provision(client, caches, plan),
      startRun: (input) => Runs.startRun(client, caches, input),
      findRun: (input) => Runs.findRun(client, caches, input),
      getRun: (id) => Tracking.getRun(client, caches, id),
      getRuns: (ids, opts) => Tracking.getRuns(client, caches, ids, opts),
      listResults: (id, cursor, opts) => Results.listResults(client, caches, pageSize, id, cursor, opts),
      cancelRun: (id) => Runs.cancelRun(client, id),
      memory: () => Caches.memory(caches)
    }
  })

// ---------------------------------------------------------------------------------------------
// Layers (the registry entry is `InteractlySuite.plugin`)
// ---------------------------------------------------------------------------------------------

export interface Settings extends ProviderRegistry.VendorSettings {
  /** Sent as the `teamid` header when set. */
  readonly teamId?: string | undefined
  /** Sent as the `uuid` header when set. */
  readonly userId?: string | undefined
  /** See {@link DriverOptions.pageSize}. */
  readonly pageSize?: number | undefined
  /** See {@link DriverOptions.cacheSize}. */
  readonly cacheSize?: number | undefined
  /** See {@link DriverOptions.trackedRuns}. */
  readonly trackedRuns?: number | undefined
}

const layers = ProviderRegistry.vendorLayers<Settings, InteractlyClient.InteractlyClient>({
  driver: (settings) => make({ pageSize: settings.pageSize, cacheSize: settings.cacheSize, trackedRuns: settings.trackedRuns }),
  client: (settings) => InteractlyClient.layer(settings),
  config: Config.map(InteractlyClient.config, (settings): Settings => ({ ...settings, baseUrl: settings.baseUrl ?? InteractlyClient.defaultBaseUrl }))
})

/** `SimulationProvider` and `InteractlyClient`, configured explicitly. */
export const layer = layers.layer

/** `SimulationProvider` and `InteractlyClient` from `INTERACTLY_API_KEY`, `INTERACTLY_BASE_URL`, ... */
export const layerConfig = layers.layerConfig
