/**
 * simbridge on Cekura: the `SimulationProvider.Driver`, the layers providing `SimulationProvider`
 * and `CekuraClient` (the registry entry is `CekuraSuite.plugin`).
 *
 * Mapping (see docs/providers/cekura.md):
 * - every scenario x persona pair becomes one Cekura scenario (instructions + the persona in
 *   prose, `expected_outcome_prompt` with one `[evaluator-id]` line per evaluator, metrics for
 *   evaluators mapped to Cekura metric ids) with the closest catalogue personality and a test
 *   profile carrying persona properties and scenario variables; tags carry the canonical ids and a
 *   definition hash (`simbridge`, `sb-scenario:<id>`, `sb-persona:<id>`, `sb-hash:<hash>`).
 * - a canonical run is a Cekura result (`cekura:run:<result id>`); its results are the result's
 *   runs (`cekura:result:<run id>`); iterations are `frequency`.
 * - the run marker is kept in the result name: `<plan name> [<marker>]`.
 *
 * @since 0.1.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import {
  Plan,
  ProviderError,
  Provisioning,
  Result,
  type Retry,
  SimulationProvider,
  Status,
  Warning
} from "@simbridge/core"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"

import type * as ConfigError from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import * as CekuraClient from "./CekuraClient.js"
import { capabilities, type Target } from "./CekuraSuite.js"
import * as Wire from "./CekuraWire.js"
import * as Mapping from "./internal/mapping.js"
import {
  contextFromScenario,
  evaluatorSpecs,
  fail,
  markerOf,
  metricsOf,
  optionsOf,
  pairKey,
  personalityFor,
  provider,
  refKey,
  runBody,
  scenarioBody,
  scenarioTags,
  type ScenarioContext,
  targetOf,
  testProfileInformation,
  testProfileName
} from "./internal/requests.js"
import { iterations, statusVerdict, toResult, verdictOf } from "./internal/results.js"
import { countRuns, needsEvaluation, resultRun, type RunEncoded, signatureOf, toRun, TrackedResult } from "./internal/tracking.js"

export {
  closestPersonality,
  contextFromScenario,
  evaluatorSpecs,
  expectedOutcomeId,
  expectedOutcomePrompt,
  instructions,
  markerOf,
  optionsOf,
  personalityScore,
  provider,
  resultName,
  targetOf
} from "./internal/requests.js"
export type { EvaluatorSpec, ScenarioContext } from "./internal/requests.js"
export { evaluations, iterations, toResult, verdictOf } from "./internal/results.js"
export { TrackedResult } from "./internal/tracking.js"

// ---------------------------------------------------------------------------------------------
// the driver
// ---------------------------------------------------------------------------------------------

export interface DriverOptions {
  /** Results per page of `listResults` (Cekura's `page_size`); default 100 (what third-party clients send; the maximum is not documented). */
  readonly pageSize?: number | undefined
  /**
   * How long a start reuses the target agent another start read (its inbound setting only decides
   * a warning); default 1 minute, 0 to read it at every start. Provisioning always reads it.
   */
  readonly agentTtl?: Duration.DurationInput | undefined
}

/** The driver, over `CekuraClient`. */
export const make = (options: DriverOptions = {}): Effect.Effect<SimulationProvider.Driver, never, CekuraClient.CekuraClient> =>
  Effect.gen(function*() {
    const client = yield* CekuraClient.CekuraClient
    const pageSize = options.pageSize ?? 100
    const contexts = new Map<number, ScenarioContext>()
    const runIterations = new Map<number, Map<number, number>>()

    const agentTtl = Duration.toMillis(Duration.decode(options.agentTtl ?? Duration.minutes(1)))
    const agents = new Map<string, { readonly agent: Wire.Agent; readonly at: number }>()
    /**
     * `resolveAgent`, reused for `agentTtl`: a suite starts many runs of one agent (section 4 of the
     * benchmark: a request of the two each start made), and a start needs only its inbound setting.
     */
    const recentAgent = (operation: string, target: Target): Effect.Effect<Wire.Agent, ProviderError.ProviderError> =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const key = target.agentId !== undefined ? `id:${target.agentId}` : `assistant:${target.assistantId}`
        const known = agents.get(key)
        if (known !== undefined && now - known.at < agentTtl) return Effect.succeed(known.agent)
        return Effect.map(resolveAgent(operation, target), (agent) => {
          agents.set(key, { agent, at: now })
          return agent
        })
      })

    const resolveAgent = (operation: string, target: Target) =>
      target.agentId !== undefined
        ? client.getAgent(target.agentId)
        : Stream.runCollect(client.all("listAgents", client.listAgents({ pageSize: 100 }), Wire.Agent)).pipe(
          Effect.flatMap((agents) => {
            const found = Chunk.findFirst(agents, (a) => a.assistant_id === target.assistantId)
            return Option.match(found, {
              onNone: () => Effect.fail(fail(operation, "NotFound", `target.cekura.assistantId: no Cekura agent has assistant_id ${target.assistantId}`)),
              onSome: Effect.succeed
            })
          })
        )

    const scenarioContext = (id: number | undefined): Effect.Effect<ScenarioContext | undefined, ProviderError.ProviderError> => {
      if (id === undefined) return Effect.succeed(undefined)
      const cached = contexts.get(id)
      if (cached !== undefined) return Effect.succeed(cached)
      return client.getScenario(id).pipe(
        Effect.map((s) => {
          const ctx = contextFromScenario(s)
          if (ctx !== undefined) contexts.set(id, ctx)
          return ctx
        }),
        Effect.catchIf((e) => e.reason === "NotFound", () => Effect.succeed(undefined))
      )
    }

    const remember = (plan: Plan.Plan, refs: Readonly<Record<string, { readonly id: string }>>, metrics: Readonly<Record<string, number>>) => {
      for (const s of plan.scenarios) {
        for (const p of plan.personas) {
          const ref = refs[refKey.pair(s.id, p.id)]
          if (ref !== undefined) contexts.set(Number(ref.id), { scenario: s.id, persona: p.id, evaluators: evaluatorSpecs(plan, s, metrics) })
        }
      }
    }

    const provision: SimulationProvider.Driver["provision"] = (plan) =>
      Effect.gen(function*() {
        const operation = "provision"
        const target = yield* targetOf(operation, plan)
        const opts = yield* optionsOf(operation, plan)
        const metrics = metricsOf(opts)
        const agent = yield* resolveAgent(operation, target)
        const catalogue = yield* client.listPersonalities()
        const refs: Record<string, typeof import("@simbridge/core").ProviderRef.ProviderRef.Encoded> = {}
        const warnings: Array<typeof Warning.Warning.Encoded> = []
        let created = 0, updated = 0, reused = 0
        refs[refKey.agent] = { provider, kind: "agent", id: String(agent.id) }

        // personas -> catalogue personalities
        const chosen = new Map<string, Wire.Personality>()
        for (const [i, persona] of plan.personas.entries()) {
          const { personality, warning } = yield* personalityFor(operation, persona, i, opts, catalogue)
          if (warning !== undefined) warnings.push(warning)
          chosen.set(persona.id, personality)
          refs[Provisioning.key.persona(persona.id)] = { provider, kind: "personality", id: String(personality.id) }
        }
        for (const e of plan.evaluators) {
          refs[Provisioning.key.evaluator(e.id)] = metrics[e.id] !== undefined
            ? { provider, kind: "metric", id: String(metrics[e.id]) }
            : { provider, kind: "expected-outcome", id: e.id }
        }

        const profiles = yield* client.listTestProfiles({ agentId: agent.id })
        const existing = Chunk.toReadonlyArray(yield* Stream.runCollect(
          client.all("listScenarios", client.listScenarios({ agentId: agent.id, tags: ["simbridge"], pageSize: 100 }), Wire.Scenario)
        ))

        for (const s of plan.scenarios) {
          for (const p of plan.personas) {
            const information = testProfileInformation(s, p)
            const profileName = testProfileName(s, p, information)
            let profile = profiles.find((x) => x.name === profileName)
            if (profile === undefined) {
              profile = yield* client.createTestProfile(new Wire.CreateTestProfileRequest({ agent: agent.id, name: profileName, information }))
              created++
            } else reused++
            refs[refKey.testProfile(s.id, p.id)] = { provider, kind: "test-profile", id: String(profile.id) }

            const desired = scenarioBody(plan, s, p, { personality: chosen.get(p.id)!.id, testProfile: profile.id, metrics, options: opts })
            const hash = Plan.definitionHash(desired)
            const tags = scenarioTags(plan, s, p, hash, metrics)
            const found = existing.find((x) => {
              const t = Wire.tagsOf(x)
              return t.includes(`sb-scenario:${s.id}`) && t.includes(`sb-persona:${p.id}`)
            })
            let scenario: Wire.Scenario
            if (found === undefined) {
              scenario = yield* client.createScenario(new Wire.CreateScenarioRequest({ ...desired, agent: agent.id, tags }))
              created++
            } else if (Wire.tagsOf(found).includes(`sb-hash:${hash}`)) {
              scenario = found
              reused++
            } else {
              scenario = yield* client.updateScenario(found.id, new Wire.UpdateScenarioRequest({ ...desired, tags }))
              updated++
            }
            refs[refKey.pair(s.id, p.id)] = { provider, kind: "scenario", id: String(scenario.id) }
            if (p === plan.personas[0]) refs[Provisioning.key.scenario(s.id)] = { provider, kind: "scenario", id: String(scenario.id) }
          }
        }
        remember(plan, refs, metrics)
        return { provider, refs, created, updated, reused, warnings }
      })

    const startRun: SimulationProvider.Driver["startRun"] = ({ marker, plan, provisioning }) =>
      Effect.gen(function*() {
        const operation = "startRun"
        const target = yield* targetOf(operation, plan)
        const opts = yield* optionsOf(operation, plan)
        remember(plan, provisioning.refs, metricsOf(opts))
        const scenarios: Array<number> = []
        for (const s of plan.scenarios) {
          for (const p of plan.personas) {
            const ref = provisioning.refs[refKey.pair(s.id, p.id)]
            if (ref === undefined) return yield* Effect.fail(fail(operation, "InvalidRequest", `provisioning has no Cekura scenario for ${pairKey(s.id, p.id)}; provision the plan again`))
            scenarios.push(Number(ref.id))
          }
        }
        const common = runBody(plan, marker, scenarios, target, provisioning.refs[refKey.agent]?.id, opts)
        const warnings: Array<typeof Warning.Warning.Encoded> = []
        const agent = yield* recentAgent(operation, target)
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
        runIterations.set(response.id, iterations(response.runs))
        const total = response.runs.length
        return toRun(
          { ...response, name: common.name },
          { total, queued: total, running: 0, passed: 0, failed: 0, errored: 0, skipped: 0 },
          { runAsText: response.run_as_text ?? plan.transport === "chat" },
          warnings
        )
      })

    const parseId = (operation: string, id: string) =>
      /^\d+$/.test(id) ? Effect.succeed(Number(id)) : Effect.fail(fail(operation, "NotFound", `no Cekura result ${id} (ids are integers)`))

    const getRun: SimulationProvider.Driver["getRun"] = (id) =>
      Effect.gen(function*() {
        const detail = yield* Effect.flatMap(parseId("getRun", id), client.getResult)
        runIterations.set(detail.id, iterations(detail.runs))
        const judged = yield* Effect.forEach(detail.runs, (run) =>
          Effect.map(scenarioContext(Wire.scenarioIdOf(run.scenario)), (ctx) => [Mapping.statusOf(run.status), verdictOf(run, ctx)] as const))
        return resultRun(detail, countRuns(judged, false))
      })

    const iterationsFor = (resultId: number) => {
      const cached = runIterations.get(resultId)
      return cached !== undefined
        ? Effect.succeed(cached)
        : Effect.map(client.getResult(resultId), (detail) => {
          const map = iterations(detail.runs)
          runIterations.set(resultId, map)
          return map
        })
    }

    const listResults: SimulationProvider.Driver["listResults"] = (id, cursor, opts) =>
      Effect.gen(function*() {
        const resultId = yield* parseId("listResults", id)
        const page = cursor === undefined
          ? yield* client.listRuns({ resultId, pageSize })
          : yield* client.nextPage("listRuns", cursor, Wire.RunListItem)
        const full = yield* client.bulkRuns(page.results.map((r) => r.id))
        const byId = new Map(full.map((r) => [r.id, r]))
        let its = yield* iterationsFor(resultId)
        if (page.results.some((r) => !its.has(r.id))) {
          runIterations.delete(resultId)
          its = yield* iterationsFor(resultId)
        }
        const results: Array<typeof Result.Result.Encoded> = []
        for (const item of page.results) {
          const run = byId.get(item.id)
          if (run === undefined) continue
          const ctx = yield* scenarioContext(Wire.scenarioIdOf(run.scenario))
          results.push(toResult(resultId, run, ctx, its.get(run.id) ?? 1, opts?.raw === true))
        }
        return { results, cursor: page.next ?? undefined }
      })

    const cancelRun: SimulationProvider.Driver["cancelRun"] = (id) => Effect.flatMap(parseId("cancelRun", id), client.endCalls)

    const findRun: SimulationProvider.Driver["findRun"] = ({ marker, provisioning }) =>
      Effect.gen(function*() {
        const agentId = provisioning.refs[refKey.agent]?.id
        const page = yield* client.listResults({ search: marker, pageSize: 20, ...(agentId === undefined ? {} : { agentId: Number(agentId) }) })
        const match = page.results.find((r) => markerOf(r.name) === marker)
        if (match === undefined) return Option.none()
        return Option.some(yield* getRun(String(match.id)))
      })

    // -------------------------------------------------------------------------------------------
    // Tracking (`getRuns`): the results list carries each result's status, counts and run
    // summaries; the verdict of a run that completed needs its evaluation, read for all such runs
    // of a poll at once through runs/bulk/ (a failed, timed-out or cancelled run's verdict is its
    // status's: nothing is read for it). Verdicts of terminal runs never change, so each run is
    // read that way once. Without verdicts (`verdicts: false`) nothing is read through runs/bulk/
    // for completed runs: those whose verdict is not known yet count as `pending`. See "Tracking"
    // in docs/providers/cekura.md.
    // -------------------------------------------------------------------------------------------
    /**
     * Per result not yet terminal: the signature of its last list item and the run built from it.
     * An entry built without verdicts that counts pending runs is not an answer with verdicts.
     */
    const tracked = new Map<number, { readonly signature: string; readonly run: RunEncoded }>()
    const trackedVerdicts = new Map<number, Status.Verdict>()
    const agentOfResult = new Map<number, number | null>()

    const verdictsOf = (runs: ReadonlyArray<Wire.Run>) =>
      Effect.forEach(runs, (run) =>
        Effect.map(scenarioContext(Wire.scenarioIdOf(run.scenario)), (ctx) => {
          const verdict = verdictOf(run, ctx)
          if (Status.isTerminal(Mapping.statusOf(run.status))) trackedVerdicts.set(run.id, verdict)
          return [run.id, verdict] as const
        }), { discard: false })

    /** The results of `ids` from the list, `page_size` 100, per agent when the agent is known. */
    const listTracked = (ids: ReadonlySet<number>) =>
      Effect.gen(function*() {
        const found = new Map<number, TrackedResult>()
        const byAgent = new Map<number | null | undefined, Set<number>>()
        for (const id of ids) {
          const agent = agentOfResult.get(id)
          byAgent.set(agent, (byAgent.get(agent) ?? new Set()).add(id))
        }
        for (const [agent, group] of byAgent) {
          let seen = 0
          let next: string | null | undefined = `${client.baseUrl}/test_framework/v1/results/?page_size=100${typeof agent === "number" ? `&agent_id=${agent}` : ""}`
          while (next && seen < group.size) {
            const page: Wire.Page<TrackedResult> = yield* client.nextPage("listResults", next, TrackedResult)
            for (const r of page.results) {
              if (!ids.has(r.id) || found.has(r.id)) continue
              found.set(r.id, r)
              agentOfResult.set(r.id, r.agent ?? null)
              if (group.has(r.id)) seen++
            }
            next = page.next
          }
        }
        return found
      })

    const getRuns: NonNullable<SimulationProvider.Driver["getRuns"]> = (ids, options) =>
      Effect.gen(function*() {
        const verdicts = options?.verdicts ?? true
        const wanted = new Set(ids.filter((id) => /^\d+$/.test(id)).map(Number))
        const listed = yield* listTracked(wanted)
        // With verdicts, a result last built without them (pending runs) is built again even if
        // its list item did not change: its counts must not be pending.
        const changed = [...listed.values()].filter((r) => {
          const entry = tracked.get(r.id)
          return entry === undefined || entry.signature !== signatureOf(r) || (verdicts && (entry.run.counts?.pending ?? 0) > 0)
        })
        const unread = changed.flatMap((r) =>
          (r.runs ?? []).filter((run) => needsEvaluation(run.status, trackedVerdicts.has(run.id), verdicts)).map((run) => run.id)
        )
        const fresh = new Map<number, Status.Verdict>()
        for (let i = 0; i < unread.length; i += 100) {
          for (const [id, verdict] of yield* Effect.flatMap(client.bulkRuns(unread.slice(i, i + 100)), verdictsOf)) fresh.set(id, verdict)
        }
        for (const r of changed) {
          if (r.runs === undefined) {
            // The list did not carry run summaries: read the result itself.
            tracked.set(r.id, { signature: signatureOf(r), run: yield* getRun(String(r.id)) })
            continue
          }
          const judged = r.runs.map((run) => {
            const status = Mapping.statusOf(run.status ?? "")
            return [status, trackedVerdicts.get(run.id) ?? fresh.get(run.id) ?? statusVerdict(status) ?? "pending"] as const
          })
          tracked.set(r.id, { signature: signatureOf(r), run: resultRun(r, countRuns(judged, !verdicts)) })
        }
        const out: Array<RunEncoded> = []
        for (const id of wanted) {
          const entry = tracked.get(id)
          if (entry === undefined || !listed.has(id)) continue
          out.push(entry.run)
          if (Status.isTerminal(entry.run.status)) {
            // A terminal result does not change any more: forget it.
            for (const run of listed.get(id)!.runs ?? []) trackedVerdicts.delete(run.id)
            tracked.delete(id)
            agentOfResult.delete(id)
          }
        }
        return out
      })

    return { name: provider, capabilities, provision, startRun, getRun, listResults, cancelRun, findRun, getRuns }
  })

// ---------------------------------------------------------------------------------------------
// layers (the registry entry is `CekuraSuite.plugin`)
// ---------------------------------------------------------------------------------------------

export interface Settings {
  readonly baseUrl: string
  readonly apiKey: Redacted.Redacted<string>
  readonly retry?: Retry.RetryPolicy | undefined
  readonly watch?: SimulationProvider.WatchOptions | undefined
  /** Results per page when listing a run's results; default 50. */
  readonly pageSize?: number | undefined
}

/** `SimulationProvider` and `CekuraClient`, configured explicitly. */
export const layer = (settings: Settings): Layer.Layer<SimulationProvider.SimulationProvider | CekuraClient.CekuraClient, never, HttpClient.HttpClient> =>
  SimulationProvider.layer(make({ pageSize: settings.pageSize }), { retry: settings.retry, watch: settings.watch }).pipe(
    Layer.provideMerge(CekuraClient.layer({ baseUrl: settings.baseUrl, apiKey: settings.apiKey }))
  )

/** `SimulationProvider` and `CekuraClient` from `CEKURA_API_KEY` and `CEKURA_BASE_URL`. */
export const layerConfig: Layer.Layer<SimulationProvider.SimulationProvider | CekuraClient.CekuraClient, ConfigError.ConfigError, HttpClient.HttpClient> =
  Layer.unwrapEffect(Effect.map(CekuraClient.settingsConfig, (s) => layer(s)))

// ---------------------------------------------------------------------------------------------
// tracking: the results list item as `getRuns` reads it
// ---------------------------------------------------------------------------------------------
