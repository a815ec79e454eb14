/**
 * The Vapi driver behind `SimulationProvider`, and the layers that provide it with `VapiClient`.
 *
 * - Provisioning (idempotent, find before create): each persona becomes a personality whose tester
 *   assistant carries the persona rendered as its system prompt; each scenario a scenario whose
 *   `evaluations` are inline structured outputs built from the canonical evaluators; each
 *   scenario x persona a simulation; the plan a suite. Every object is named
 *   `sb:<canonical id> #<definition hash>`, so the canonical id is found again by name and a
 *   changed definition (different hash) is updated in place.
 * - A run is `POST /eval/simulation/run` with one entry per simulation, each named
 *   `<marker> <plan name>` (the marker lets `findRun` recognise a run whose creation response was
 *   lost; a suite entry's name is read-only in Vapi's spec, so the suite is not what runs).
 * - Cancel is `PATCH /eval/simulation/run/{id}`; Vapi's refusal to cancel an ended run is success.
 * - Results are the run's items; canonical scenario and persona come from what provisioning
 *   remembered, else from the names of the items' scenario and personality snapshots.
 * - `getRuns` follows every watched run through one list of the runs updated since the last one.
 *
 * `make` holds the driver's bounded memory and hands it to the module-level functions that do the
 * work: request bodies in `internal/requests.ts`, provisioning in `internal/provisioning.ts`, starts
 * and `findRun` in `internal/runs.ts`, results pages in `internal/reads.ts`, vendor answers as
 * canonical values in `internal/results.ts`, and `getRuns` in `internal/tracking.ts`.
 *
 * @since 0.1.0
 */
import { ProviderRegistry, RunSnapshots, type SimulationProvider } from "@simbridge/core"
import { Lru } from "@simbridge/core/Lru"
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import { provision } from "./internal/provisioning.js"
import * as Reads from "./internal/reads.js"
import * as Runs from "./internal/runs.js"
import * as Tracking from "./internal/tracking.js"
import * as VapiClient from "./VapiClient.js"
import { capabilities, check, name } from "./VapiSuite.js"

// ---------------------------------------------------------------------------------------------
// The driver
// ---------------------------------------------------------------------------------------------

/**
 * The driver's page size and the bounds of its memory: every per-run, per-marker or per-object map
 * it keeps holds at most this many entries, least recently used out. An entry forgotten early costs
 * what each field says.
 */
export interface DriverOptions {
  /** Run items per page when listing results; default 1000 (the API's maximum). */
  readonly pageSize?: number | undefined
  /**
   * Runs whose last snapshot `getRuns` remembers between polls (core's `RunSnapshots`); default
   * `RunSnapshots.defaultCapacity`. A forgotten run is read alone when next polled.
   */
  readonly maxTrackedRuns?: number | undefined
  /**
   * Canonical ids kept of each kind of provisioned object (simulations, scenarios, personalities,
   * evaluation names); default 10,000 of each. A forgotten simulation's items take their canonical
   * scenario and persona from their snapshots' names (or read the scenario / personality once); a
   * forgotten evaluation name is reported as the evaluator (the same, unless the evaluator's id was
   * over 40 characters and shortened).
   */
  readonly maxCanonicalIds?: number | undefined
  /**
   * Markers whose run creation was attempted and whose run is not known yet; default 1,000. A
   * forgotten marker is looked for among the target's runs of the last ten minutes.
   */
  readonly maxStartingRuns?: number | undefined
}

/** What `make` uses for the options left out. */
export const defaultOptions = {
  pageSize: 1000,
  maxTrackedRuns: RunSnapshots.defaultCapacity,
  maxCanonicalIds: 10_000,
  maxStartingRuns: 1_000
} as const satisfies Required<{ readonly [K in keyof DriverOptions]: number }>

/** How much of each memory the driver holds now (for tests and diagnostics). */
export interface Memory {
  readonly tracked: number
  readonly slots: number
  readonly scenarios: number
  readonly personas: number
  readonly evaluators: number
  readonly attempts: number
}

/** The driver and the sizes of its memory. */
export type Instrumented = SimulationProvider.Instrumented<Memory>

/** The Vapi driver over `VapiClient`, its memory bounded by `options`. */
export const make = (options: DriverOptions = {}): Effect.Effect<Instrumented, never, VapiClient.VapiClient> =>
  Effect.map(VapiClient.VapiClient, (client) => {
    const bound = (key: keyof DriverOptions) => options[key] ?? defaultOptions[key]
    const canonical: Reads.Canonical = {
      slots: new Lru(bound("maxCanonicalIds")),
      scenarios: new Lru(bound("maxCanonicalIds")),
      personas: new Lru(bound("maxCanonicalIds")),
      evaluators: new Lru(bound("maxCanonicalIds"))
    }
    const attempts = new Lru<string, number>(bound("maxStartingRuns"))
    const tracker = new Tracking.Tracker(client, bound("maxTrackedRuns"))
    const start = Runs.startRun(client, attempts)
    return {
      name,
      capabilities,
      check,
      provision: provision(client, canonical),
      startRun: (input) => Effect.map(start(input), (run) => Tracking.started(tracker, run)),
      findRun: Runs.findRun(client, attempts),
      getRun: Tracking.getRun(tracker),
      getRuns: Tracking.getRuns(tracker),
      listResults: Reads.listResults(client, canonical, bound("pageSize")),
      cancelRun: Runs.cancelRun(client),
      memory: () => ({
        tracked: tracker.snapshots.size,
        slots: canonical.slots.size,
        scenarios: canonical.scenarios.size,
        personas: canonical.personas.size,
        evaluators: canonical.evaluators.size,
        attempts: attempts.size
      })
    }
  })

// ---------------------------------------------------------------------------------------------
// Layers (the registry entry is `VapiSuite.plugin`)
// ---------------------------------------------------------------------------------------------

/** Where Vapi is reached, how the provider retries and polls, and the results page size. */
export interface Settings extends ProviderRegistry.VendorSettings {
  /** Run items per page when listing results; default 1000 (the API's maximum). */
  readonly pageSize?: number | undefined
}

const layers = ProviderRegistry.vendorLayers<Settings, VapiClient.VapiClient>({
  driver: (settings) => make({ pageSize: settings.pageSize }),
  client: (settings) => VapiClient.layer({ baseUrl: settings.baseUrl, apiKey: settings.apiKey }),
  config: Config.map(VapiClient.config, (s) => ({ baseUrl: s.baseUrl ?? VapiClient.defaultBaseUrl, apiKey: s.apiKey }))
})

/** `SimulationProvider` and `VapiClient`, configured explicitly. */
export const layer = layers.layer

/** `SimulationProvider` and `VapiClient` from `VAPI_API_KEY` and `VAPI_BASE_URL`. */
export const layerConfig = layers.layerConfig
