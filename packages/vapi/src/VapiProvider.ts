/**
 * The Vapi driver behind `SimulationProvider`.
 *
 * - Provisioning (idempotent, find before create): each persona becomes a personality whose tester
 *   assistant carries the persona rendered as its system prompt; each scenario a scenario whose
 *   `evaluations` are inline structured outputs built from the canonical evaluators; each
 *   scenario x persona a simulation; the plan a suite. Every object is named
 *   `sb:<canonical id> #<definition hash>`, so the canonical id is found again by name and a
 *   changed definition (different hash) is updated in place.
 * - A run is `POST /eval/simulation/run` with the suite as its one entry, named
 *   `<marker> <plan name>` (the marker lets `findRun` recognise a run whose creation response was lost).
 * - Results are the run's items; canonical scenario and persona come from the names of the
 *   scenario and personality snapshots (cached from provisioning, looked up on a miss).
 *
 * @since 0.1.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import { Plan, ProviderError, Provisioning, type Result, type Retry, SimulationProvider } from "@simbridge/core"
import type * as ConfigError from "effect/ConfigError"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import * as Requests from "./internal/requests.js"
import * as Results from "./internal/results.js"
import * as Tracking from "./internal/tracking.js"
import * as VapiClient from "./VapiClient.js"
import * as VapiSuite from "./VapiSuite.js"
import { capabilities, check } from "./VapiSuite.js"
import * as VapiWire from "./VapiWire.js"

// The request bodies, results and tracking live in `internal/`; these names stay part of this
// module's surface, which tests and docs read.
export { evaluation, label, optionsOf, parseLabel, personality, scenario, targetOf, wireTarget } from "./internal/requests.js"
export { type Slot, toResult, toRun, transcript } from "./internal/results.js"
export { trackingOverlapMs, withTracking } from "./internal/tracking.js"

const provider = VapiSuite.name

// ---------------------------------------------------------------------------------------------
// The driver
// ---------------------------------------------------------------------------------------------

export interface DriverOptions {
  /** Run items per page when listing results; default 1000 (the API's maximum). */
  readonly pageSize?: number | undefined
}

export const make = (options: DriverOptions = {}): Effect.Effect<SimulationProvider.Driver, never, VapiClient.VapiClient> =>
  Effect.gen(function*() {
    const client = yield* VapiClient.VapiClient
    // The API allows 1000 items a page: reading a large run takes few requests.
    const pageSize = options.pageSize ?? 1000
    /** simulation id -> canonical slot; scenario / personality id -> canonical id; evaluation name -> evaluator id. */
    const slots = new Map<string, Results.Slot>()
    const canonicalScenario = new Map<string, string>()
    const canonicalPersona = new Map<string, string>()
    const evaluatorNames = new Map<string, string>()
    /** marker -> when its run creation was first attempted (for findRun). */
    const attempts = new Map<string, number>()

    type Outcome = "created" | "updated" | "reused"

    /** Finds by canonical id in `existing`, creates or updates when the hash differs. */
    const upsert = <A extends { readonly id: string; readonly name?: string | null | undefined }, C extends { readonly name?: string | undefined }>(
      crud: VapiClient.Crud<A, C, Partial<C>>,
      existing: ReadonlyArray<A>,
      id: string,
      desired: C
    ): Effect.Effect<{ readonly object: A; readonly outcome: Outcome }, ProviderError.ProviderError> => {
      const hash = Plan.definitionHash({ ...desired, name: undefined })
      const name = Requests.label(id, hash)
      const body = { ...desired, name } as C
      const found = existing.find((o) => Requests.parseLabel(o.name)?.id === Requests.parseLabel(name)!.id)
      if (found === undefined) return Effect.map(crud.create(body), (object) => ({ object, outcome: "created" as const }))
      if (found.name === name) return Effect.succeed({ object: found, outcome: "reused" as const })
      return Effect.map(crud.update(found.id, body as Partial<C>), (object) => ({ object, outcome: "updated" as const }))
    }

    const provision: SimulationProvider.Driver["provision"] = (plan) =>
      Effect.gen(function*() {
        const target = yield* Requests.targetOf("provision", plan)
        const opts = yield* Requests.optionsOf("provision", plan)
        const [personalities, scenarios, simulations, suites] = yield* Effect.all([
          client.personalities.listAll(),
          client.scenarios.listAll(),
          client.simulations.listAll(),
          client.suites.listAll()
        ], { concurrency: 4 })
        const refs: Record<string, typeof import("@simbridge/core").ProviderRef.ProviderRef.Encoded> = {}
        const counts = { created: 0, updated: 0, reused: 0 }
        const tally = <A>(r: { readonly object: A; readonly outcome: Outcome }) => {
          counts[r.outcome]++
          return r.object
        }
        const ref = (kind: string, id: string) => ({ provider, kind, id })

        const personaIds = yield* Effect.forEach(plan.personas, (p) =>
          Effect.map(upsert(client.personalities, personalities, p.id, Requests.personality(p, opts)), (r) => {
            const object = tally(r)
            refs[Provisioning.key.persona(p.id)] = ref("personality", object.id)
            canonicalPersona.set(object.id, p.id)
            return object.id
          }), { concurrency: 4 })

        const scenarioIds = yield* Effect.forEach(plan.scenarios, (s) =>
          Effect.map(upsert(client.scenarios, scenarios, s.id, Requests.scenario(plan, s, opts)), (r) => {
            const object = tally(r)
            refs[Provisioning.key.scenario(s.id)] = ref("scenario", object.id)
            canonicalScenario.set(object.id, s.id)
            for (const e of Plan.evaluatorsOf(plan, s)) {
              evaluatorNames.set(Requests.evaluationName(e.id), e.id)
              refs[Provisioning.key.evaluator(e.id)] ??= ref("evaluation", `${object.id}/${Requests.evaluationName(e.id)}`)
            }
            return object.id
          }), { concurrency: 4 })

        const pairs = plan.scenarios.flatMap((s, i) => plan.personas.map((p, j) => ({ s, p, scenarioId: scenarioIds[i]!, personalityId: personaIds[j]! })))
        const simulationIds = yield* Effect.forEach(pairs, ({ p, personalityId, s, scenarioId }) =>
          Effect.map(
            upsert(client.simulations, simulations, `${s.id}/${p.id}`, Requests.simulation(scenarioId, personalityId, opts)),
            (r) => {
              const object = tally(r)
              refs[`simulation:${s.id}/${p.id}`] = ref("simulation", object.id)
              slots.set(object.id, { scenario: s.id, persona: p.id })
              return object.id
            }
          ), { concurrency: 4 })

        const suite = tally(yield* upsert(client.suites, suites, Requests.planSlug(plan), Requests.suite(simulationIds, target, opts)))
        refs[Provisioning.key.plan] = ref("suite", suite.id)
        return { provider, refs, ...counts, warnings: [] }
      })

    const startRun: SimulationProvider.Driver["startRun"] = ({ marker, plan, provisioning }) =>
      Effect.gen(function*() {
        const target = yield* Requests.targetOf("startRun", plan)
        const suite = provisioning.refs[Provisioning.key.plan]
        if (suite === undefined || suite.kind !== "suite") return yield* Effect.fail(Requests.invalid("startRun", "the provisioning has no Vapi suite (key \"plan\"); provision the plan first"))
        const now = yield* Clock.currentTimeMillis
        if (!attempts.has(marker)) attempts.set(marker, now)
        const created = yield* client.runs.create(Requests.runStart(marker, plan, suite.id, target))
        const run = Results.toRun(created, { url: created.url, message: created.message, items: created.simulationRunItemIds.length })
        return { ...run, marker: run.marker ?? marker }
      })

    const findRun: NonNullable<SimulationProvider.Driver["findRun"]> = ({ marker, plan, provisioning }) =>
      Effect.gen(function*() {
        const target = yield* Requests.targetOf("findRun", plan)
        const since = (attempts.get(marker) ?? (yield* Clock.currentTimeMillis) - 600_000) - 60_000
        const page = yield* client.runs.list({
          targetType: target.assistantId !== undefined ? "assistant" : "squad",
          targetId: target.assistantId ?? target.squadId!,
          sortOrder: "DESC",
          limit: 50,
          createdAtGe: new Date(since).toISOString()
        })
        const suiteId = provisioning.refs[Provisioning.key.plan]?.id
        const withMarker = page.items.find((r) => r.simulations.some((e) => (e.name ?? "").includes(marker)))
        // Tolerance: if Vapi replaced the entry name, a single unmarked run of this suite since the attempt is ours.
        const unmarked = page.items.filter((r) =>
          r.simulations.some((e) => e.simulationSuiteId === suiteId) && !r.simulations.some((e) => Requests.markerPattern.test(e.name ?? ""))
        )
        const found = withMarker ?? (unmarked.length === 1 ? unmarked[0] : undefined)
        return found === undefined ? Option.none() : Option.some({ ...Results.toRun(found), marker })
      })

    /** The canonical scenario and persona of an item: cache, snapshot names, then lookups. */
    const slotOf = (item: VapiWire.RunItem): Effect.Effect<Results.Slot, ProviderError.ProviderError> =>
      Effect.gen(function*() {
        const cached = item.simulationId === undefined ? undefined : slots.get(item.simulationId)
        if (cached) return cached
        const fromName = (name: unknown) => Requests.parseLabel(typeof name === "string" ? name : undefined)?.id
        let scenarioId = (item.scenarioId && canonicalScenario.get(item.scenarioId)) || fromName(item.metadata?.scenario?.name)
        let personaId = (item.personalityId && canonicalPersona.get(item.personalityId)) || fromName(item.metadata?.personality?.name)
        if (scenarioId === undefined && item.scenarioId) scenarioId = fromName((yield* client.scenarios.get(item.scenarioId)).name)
        if (personaId === undefined && item.personalityId) personaId = fromName((yield* client.personalities.get(item.personalityId)).name)
        if (scenarioId === undefined || personaId === undefined) {
          return yield* Effect.fail(ProviderError.make({
            provider,
            operation: "listResults",
            reason: "MalformedResponse",
            description: `run item ${item.id}: its scenario or personality was not created by simbridge (no "sb:<id>" name), so its canonical scenario/persona is unknown`
          }))
        }
        const slot = { scenario: scenarioId, persona: personaId }
        if (item.simulationId) slots.set(item.simulationId, slot)
        return slot
      })

    const evaluatorOf = (name: string) => evaluatorNames.get(name) ?? name
    const listResults: SimulationProvider.Driver["listResults"] = (id, cursor, opts) =>
      Effect.gen(function*() {
        const page = cursor === undefined ? 1 : Number(cursor)
        const items = yield* client.runs.items(id, { page, limit: pageSize, sortOrder: "ASC" })
        const raw = opts?.raw ? items.raw : undefined
        const results: Array<typeof Result.Result.Encoded> = []
        for (const [i, item] of items.items.entries()) {
          // Slots are cached per simulation: an effect only for the first item of each.
          const cached = item.simulationId === undefined ? undefined : slots.get(item.simulationId)
          const slot = cached ?? (yield* slotOf(item))
          results.push(Results.toResult(id, item, slot, evaluatorOf, raw?.[i]))
        }
        return { results, cursor: VapiWire.hasNextPage(items, page, pageSize) ? String(page + 1) : undefined }
      })

    return Tracking.withTracking({
      name: provider,
      capabilities,
      check,
      provision,
      startRun,
      findRun,
      getRun: (id) => Effect.map(client.runs.get(id), (run) => Results.toRun(run)),
      listResults,
      cancelRun: (id) => Effect.asVoid(client.runs.cancel(id))
    }, client)
  })

// ---------------------------------------------------------------------------------------------
// Layers (the registry entry is `VapiSuite.plugin`)
// ---------------------------------------------------------------------------------------------

export interface Settings {
  readonly baseUrl: string
  readonly apiKey: Redacted.Redacted<string>
  readonly retry?: Retry.RetryPolicy | undefined
  readonly watch?: SimulationProvider.WatchOptions | undefined
  /** Run items per page when listing results; default 1000 (the API's maximum). */
  readonly pageSize?: number | undefined
}

const providerLayer = (settings: { readonly retry?: Retry.RetryPolicy | undefined; readonly watch?: SimulationProvider.WatchOptions | undefined; readonly pageSize?: number | undefined }) =>
  SimulationProvider.layer(make({ pageSize: settings.pageSize }), { retry: settings.retry, watch: settings.watch })

/** `SimulationProvider` and `VapiClient`, configured explicitly. */
export const layer = (settings: Settings): Layer.Layer<SimulationProvider.SimulationProvider | VapiClient.VapiClient, never, HttpClient.HttpClient> =>
  providerLayer(settings).pipe(Layer.provideMerge(VapiClient.layer({ baseUrl: settings.baseUrl, apiKey: settings.apiKey })))

/** `SimulationProvider` and `VapiClient` from `VAPI_API_KEY` and `VAPI_BASE_URL`. */
export const layerConfig: Layer.Layer<SimulationProvider.SimulationProvider | VapiClient.VapiClient, ConfigError.ConfigError, HttpClient.HttpClient> =
  providerLayer({}).pipe(Layer.provideMerge(VapiClient.layerConfig))
