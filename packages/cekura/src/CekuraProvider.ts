/**
 * simbridge on Cekura: the `SimulationProvider.Driver` and the layers providing `SimulationProvider`
 * and `CekuraClient` (the registry entry is `CekuraSuite.plugin`).
 *
 * Mapping (see docs/providers/cekura.md):
 * - every persona becomes a Cekura personality (prompt, language, accent, background noise, the
 *   voice of the closest catalogue personality), unless the suite pins a catalogue one;
 * - every scenario x persona pair becomes one Cekura scenario (instructions + the persona in
 *   prose, `expected_outcome_prompt` with one `[evaluator-id]` line per evaluator, metrics for
 *   evaluators mapped to Cekura metric ids) with the persona's personality and a test profile
 *   carrying persona properties and scenario variables; tags carry the canonical ids and a
 *   definition hash (`simbridge`, `sb-scenario:<id>`, `sb-persona:<id>`, `sb-hash:<hash>`).
 * - a canonical run is a Cekura result (`cekura:run:<result id>`); its results are the result's
 *   runs (`cekura:result:<run id>`); iterations are `frequency`.
 * - the run marker is kept in the result name: `<plan name> [<marker>]`.
 *
 * The work is in `internal/`: request bodies (`requests`), provisioning, reads of agents, scenarios
 * and result pages (`reads`), results (`results`) and tracking (`tracking`).
 *
 * @since 0.1.0
 */
import { ProviderRegistry, RunSnapshots, SimulationProvider, Warning } from "@simbridge/core"
import { Lru } from "@simbridge/core/Lru"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as CekuraClient from "./CekuraClient.js"
import { capabilities, check } from "./CekuraSuite.js"
import * as Wire from "./CekuraWire.js"
import * as Provisioning from "./internal/provisioning.js"
import * as Reads from "./internal/reads.js"
import * as Requests from "./internal/requests.js"
import { iterations } from "./internal/results.js"
import * as Tracking from "./internal/tracking.js"

/**
 * Reads the marker back from a result name (`<plan name> [<marker>]`); undefined when the name
 * carries none.
 */
export const markerOf: (name: string | null | undefined) => string | undefined = Requests.markerOf

const provider = Requests.provider

// ---------------------------------------------------------------------------------------------
// the driver
// ---------------------------------------------------------------------------------------------

/** The driver's settings, and the bounds of what it remembers between calls (see "Memory" in docs/providers/cekura.md). */
export interface DriverOptions {
  /** Results per page of `listResults` (Cekura's `page_size`); default 100 (what third-party clients send; the maximum is not documented). */
  readonly pageSize?: number | undefined
  /**
   * How long a start reuses the target agent another start read (its inbound setting only decides
   * a warning); default 1 minute, 0 to read it at every start. Provisioning always reads it.
   */
  readonly agentTtl?: Duration.DurationInput | undefined
  /** Targets whose agent starts reuse; default 100. */
  readonly maxAgents?: number | undefined
  /**
   * Provisioned scenarios whose canonical ids and evaluators are remembered; default 10,000. A
   * scenario forgotten is read back from its tags and prompt (see "Memory").
   */
  readonly maxScenarios?: number | undefined
  /** Results whose runs' iterations `listResults` remembers; default 1,000 (a result forgotten is read once more). */
  readonly maxResults?: number | undefined
  /** Results `getRuns` remembers while they are tracked (snapshot and agent); default `RunSnapshots.defaultCapacity`. */
  readonly maxTrackedRuns?: number | undefined
  /** Finished runs of tracked results whose verdict `getRuns` remembers; default 100,000. */
  readonly maxVerdicts?: number | undefined
}

/** How many entries each of the driver's memories holds (tests and diagnostics). */
export interface MemorySizes {
  readonly agents: number
  readonly scenarios: number
  readonly results: number
  readonly trackedRuns: number
  readonly verdicts: number
  readonly agentOfResult: number
}

/** The driver, with the sizes of its memories. */
export type Instrumented = SimulationProvider.Instrumented<MemorySizes>

/** The driver, over `CekuraClient`. */
export const make = (options: DriverOptions = {}): Effect.Effect<Instrumented, never, CekuraClient.CekuraClient> =>
  Effect.gen(function*() {
    const client = yield* CekuraClient.CekuraClient
    const pageSize = options.pageSize ?? 100
    const agentTtl = Duration.toMillis(Duration.decode(options.agentTtl ?? Duration.minutes(1)))
    const memory: Reads.Memory = {
      agents: new Lru(options.maxAgents ?? 100),
      contexts: new Lru(options.maxScenarios ?? 10_000),
      iterations: new Lru(options.maxResults ?? 1_000)
    }
    const tracking: Tracking.State = {
      snapshots: new RunSnapshots.RunSnapshots(options.maxTrackedRuns ?? RunSnapshots.defaultCapacity),
      verdicts: new Lru(options.maxVerdicts ?? 100_000),
      agentOfResult: new Lru(options.maxTrackedRuns ?? RunSnapshots.defaultCapacity)
    }

    const startRun: SimulationProvider.Driver["startRun"] = ({ marker, plan, provisioning }) =>
      Effect.gen(function*() {
        const operation = "startRun"
        const { options: opts, target } = yield* Requests.settingsOf(plan, operation)
        Reads.rememberPlan(memory.contexts, plan, provisioning.refs, Requests.metricsOf(opts))
        const scenarios: Array<number> = []
        for (const s of plan.scenarios) {
          for (const p of plan.personas) {
            const ref = provisioning.refs[Requests.refKey.pair(s.id, p.id)]
            if (ref === undefined) {
              return yield* Effect.fail(Requests.fail(operation, "InvalidRequest", `provisioning has no Cekura scenario for ${Requests.pairKey(s.id, p.id)}; provision the plan again`))
            }
            scenarios.push(Number(ref.id))
          }
        }
        const common = Requests.runBody(plan, marker, scenarios, target, provisioning.refs[Requests.refKey.agent]?.id, opts)
        const warnings: Array<typeof Warning.Warning.Encoded> = []
        const agent = yield* Reads.recentAgent(client, memory.agents, agentTtl, operation, target)
        if (agent.inbound !== undefined && agent.inbound !== (plan.direction === "inbound")) {
          warnings.push(Warning.make(
            "direction_from_agent",
            `the plan asks for ${plan.direction} calls but Cekura agent ${agent.id} is configured ${agent.inbound ? "inbound" : "outbound"}; the agent's setting decides`,
            "direction"
          ))
        }
        // Built without the constructor's validation: the client validates the body it sends
        // (fields and selection; a bad one fails as InvalidRequest), once instead of twice.
        const response = plan.transport === "chat"
          ? yield* client.runScenariosText(new Wire.RunScenariosTextRequest({ ...common, ...(opts.websocketUrl === undefined ? {} : { websocket_url: opts.websocketUrl }) }, true))
          : yield* client.runScenarios(new Wire.RunScenariosRequest({ ...common, ...(opts.mode === undefined ? {} : { mode: opts.mode }) }, true))
        memory.iterations.set(response.id, iterations(response.runs))
        const total = response.runs.length
        return Tracking.toRun(
          { ...response, name: common.name },
          { total, queued: total, running: 0, passed: 0, failed: 0, errored: 0, skipped: 0 },
          { runAsText: response.run_as_text ?? plan.transport === "chat" },
          warnings
        )
      })

    const getRun = (id: string) => Tracking.getRun(client, memory, id)

    const findRun: SimulationProvider.Driver["findRun"] = ({ marker, provisioning }) =>
      Effect.gen(function*() {
        const agentId = provisioning.refs[Requests.refKey.agent]?.id
        const page = yield* client.listResults({ search: marker, pageSize: 20, ...(agentId === undefined ? {} : { agentId: Number(agentId) }) })
        const match = page.results.find((r) => Requests.markerOf(r.name) === marker)
        if (match === undefined) return Option.none()
        return Option.some(yield* getRun(String(match.id)))
      })

    return {
      name: provider,
      capabilities,
      check,
      provision: (plan) => Provisioning.provision(client, memory.contexts, plan),
      startRun,
      getRun,
      listResults: (id, cursor, opts) => Reads.resultsPage(client, memory, pageSize, id, cursor, opts?.raw === true),
      cancelRun: (id) => Effect.flatMap(Requests.resultIdOf("cancelRun", id), client.endCalls),
      findRun,
      getRuns: (ids, opts) => Tracking.getRuns(client, memory, tracking, ids, opts?.verdicts ?? true),
      memory: () => ({
        agents: memory.agents.size,
        scenarios: memory.contexts.size,
        results: memory.iterations.size,
        trackedRuns: tracking.snapshots.size,
        verdicts: tracking.verdicts.size,
        agentOfResult: tracking.agentOfResult.size
      })
    }
  })

// ---------------------------------------------------------------------------------------------
// layers (the registry entry is `CekuraSuite.plugin`)
// ---------------------------------------------------------------------------------------------

export interface Settings extends ProviderRegistry.VendorSettings {
  /** Results per page when listing a run's results; default 100. */
  readonly pageSize?: number | undefined
}

const layers = ProviderRegistry.vendorLayers<Settings, CekuraClient.CekuraClient>({
  driver: (settings) => make({ pageSize: settings.pageSize }),
  client: (settings) => CekuraClient.layer({ baseUrl: settings.baseUrl, apiKey: settings.apiKey }),
  config: CekuraClient.settingsConfig
})

/** `SimulationProvider` and `CekuraClient`, configured explicitly. */
export const layer = layers.layer

/** `SimulationProvider` and `CekuraClient` from `CEKURA_API_KEY` and `CEKURA_BASE_URL`. */
export const layerConfig = layers.layerConfig
