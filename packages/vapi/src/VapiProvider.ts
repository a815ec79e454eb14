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
import {
  Issues,
  type Json,
  Persona,
  Plan,
  ProviderError,
  Provisioning,
  Result,
  type Retry,
  SimulationProvider,
  Status
} from "@simbridge/core"
import type * as ConfigError from "effect/ConfigError"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Mapping from "./internal/mapping.js"
import * as VapiClient from "./VapiClient.js"
import * as VapiPlugin from "./VapiPlugin.js"
import { capabilities, check, Options, Target } from "./VapiPlugin.js"
import * as VapiWire from "./VapiWire.js"

const provider = VapiPlugin.name

// ---------------------------------------------------------------------------------------------
// Naming: `sb:<canonical id> #<hash>` (at most 80 characters)
// ---------------------------------------------------------------------------------------------

const namePattern = /^sb:(\S+) #([0-9a-f]{6,16})$/

/** The vendor name of a canonical object: its id (shortened with a hash when too long) and its definition hash. */
export const label = (id: string, hash: string): string => {
  const short = hash.slice(0, 12)
  const room = 80 - "sb: #".length - short.length
  const shown = id.length <= room ? id : `${id.slice(0, room - 9)}~${Plan.definitionHash(id).slice(0, 8)}`
  return `sb:${shown} #${short}`
}

/** `{ id, hash }` from a name written by {@link label}; `undefined` for anything else. */
export const parseLabel = (name: string | null | undefined): { readonly id: string; readonly hash: string } | undefined => {
  const m = namePattern.exec(name ?? "")
  return m === null ? undefined : { id: m[1]!, hash: m[2]! }
}

const evaluationName = (id: string): string => (id.length <= 40 ? id : `${id.slice(0, 31)}~${Plan.definitionHash(id).slice(0, 8)}`)

const markerPattern = /sb-[0-9a-z]+-[0-9a-f]{8}/

// ---------------------------------------------------------------------------------------------
// Canonical -> wire
// ---------------------------------------------------------------------------------------------

const invalid = (operation: string, description: string) => ProviderError.make({ provider, operation, reason: "InvalidRequest", description })

const decodeEntry = <A, I>(operation: string, schema: Schema.Schema<A, I>, value: unknown, prefix: ReadonlyArray<string>) =>
  Either.match(Schema.decodeUnknownEither(schema, { errors: "all", onExcessProperty: "error" })(value ?? {}), {
    onLeft: (error) => Effect.fail(invalid(operation, Issues.summarize(Issues.fromParseError(error), prefix))),
    onRight: Effect.succeed
  })

export const targetOf = (operation: string, plan: Plan.Plan) =>
  plan.target[provider] === undefined
    ? Effect.fail(invalid(operation, "target.vapi.assistantId: is required (the suite has no target.vapi entry)"))
    : decodeEntry(operation, Target, plan.target[provider], ["target", "vapi"])

export const optionsOf = (operation: string, plan: Plan.Plan) => decodeEntry(operation, Options, plan.vendors[provider], ["vendors", "vapi"])

export const wireTarget = (target: Target): VapiWire.RunTarget =>
  target.assistantId !== undefined ? { type: "assistant", assistantId: target.assistantId } : { type: "squad", squadId: target.squadId! }

/**
 * What marks a `contains` evaluator's description: Vapi has no `contains` comparator, so the
 * evaluator is asked as a yes/no question and its extracted boolean is Vapi's own check
 * (`checkedByVendor` on the result's evaluation).
 */
const containsNote = "(true when the value contains "

/** An evaluator as an inline structured-output evaluation. */
export const evaluation = (e: Plan.Plan["evaluators"][number]): VapiWire.EvaluationPlanItem => {
  const comparator = Mapping.comparator(e.comparator)
  if (comparator === undefined) {
    const description = `${e.description} ${containsNote}${JSON.stringify(e.expect)})`
    return { structuredOutput: { name: evaluationName(e.id), type: "ai", description, schema: { type: "boolean", description } }, comparator: "=", value: true, required: e.required }
  }
  return {
    structuredOutput: { name: evaluationName(e.id), type: "ai", description: e.description, schema: { type: Mapping.schemaType(e.type), description: e.description } },
    comparator,
    value: e.expect,
    required: e.required
  }
}

export const personality = (persona: Persona.Persona, options: Options): VapiWire.CreatePersonality => ({
  name: persona.name.slice(0, 80),
  assistant: {
    model: {
      ...(options.testerModel ?? { provider: "openai", model: "gpt-4o" }),
      messages: [{ role: "system", content: Persona.describe(persona) }]
    },
    ...(options.testerVoice ? { voice: options.testerVoice } : {}),
    ...(persona.language !== "en" ? { transcriber: { provider: "deepgram", language: persona.language } } : {})
  },
  path: options.folder ?? "simbridge"
})

export const scenario = (plan: Plan.Plan, s: Plan.Plan["scenarios"][number], options: Options): VapiWire.CreateScenario => {
  const steps = s.steps && s.steps.length > 0 ? `\n\nFollow these steps in order:\n${s.steps.map((step, i) => `${i + 1}. ${step}`).join("\n")}` : ""
  const overrides = {
    ...(s.variables && Object.keys(s.variables).length > 0 ? { variableValues: s.variables } : {}),
    ...(plan.maxDurationSeconds === undefined ? {} : { maxDurationSeconds: plan.maxDurationSeconds })
  }
  const hookTo = (on: VapiWire.HookEvent): VapiWire.Hook => ({
    on,
    do: [{ type: "webhook", server: { url: options.webhookUrl! }, ...(on === "simulation.run.ended" ? { include: { transcript: true, messages: true, recordingUrl: true } } : {}) }]
  })
  return {
    name: s.name.slice(0, 80),
    instructions: `${s.instructions}${steps}`.slice(0, 10000),
    evaluations: Plan.evaluatorsOf(plan, s).map(evaluation),
    ...(Object.keys(overrides).length > 0 ? { targetOverrides: overrides } : {}),
    ...(s.toolMocks && s.toolMocks.length > 0
      ? { toolMocks: s.toolMocks.map((m) => ({ toolName: m.tool, result: typeof m.response === "string" ? m.response : JSON.stringify(m.response), enabled: true })) }
      : {}),
    ...(options.webhookUrl ? { hooks: [hookTo("simulation.run.started"), hookTo("simulation.run.ended")] } : {}),
    path: options.folder ?? "simbridge"
  }
}

// ---------------------------------------------------------------------------------------------
// Wire -> canonical
// ---------------------------------------------------------------------------------------------

const int = (n: number | undefined) => Math.max(0, Math.round(n ?? 0))

export const toRun = (run: VapiWire.Run, extra: Record<string, unknown> = {}): typeof import("@simbridge/core").Run.Run.Encoded => {
  const c = run.itemCounts ?? undefined
  const marker = run.simulations.map((e) => markerPattern.exec(e.name ?? "")?.[0]).find((m) => m !== undefined)
  return {
    ref: { provider, kind: "run", id: run.id },
    provider,
    status: Mapping.runStatus(run.status, c?.canceled, run.endedReason ?? undefined),
    counts: {
      total: int(c?.total),
      queued: int(c?.queued),
      running: int(c?.running),
      passed: int(c?.passed),
      failed: int(c?.failed),
      errored: 0,
      skipped: int(c?.canceled)
    },
    ...(run.createdAt ? { createdAt: run.createdAt } : {}),
    ...(run.startedAt ? { startedAt: run.startedAt } : {}),
    ...(run.endedAt ? { endedAt: run.endedAt } : {}),
    ...(marker ? { marker } : {}),
    providerMetadata: JSON.parse(JSON.stringify({
      endedReason: run.endedReason ?? undefined,
      iterations: run.iterations,
      transport: run.transport?.provider,
      target: run.target,
      ...extra
    }))
  }
}

const text = (content: unknown): string =>
  typeof content === "string" ? content : Array.isArray(content) ? content.map((p) => (typeof p === "string" ? p : String((p as { text?: unknown }).text ?? ""))).join("") : ""

/** The conversation from `metadata.call`: `messages` (OpenAI format) when present, else the `transcript` lines. */
export const transcript = (call: typeof VapiWire.CallMetadata.Type | undefined): Array<typeof Result.TranscriptTurn.Encoded> => {
  const turns: Array<typeof Result.TranscriptTurn.Encoded> = []
  // Loops, not flatMap and spreads: this runs for every message of every result read.
  if (call?.messages && call.messages.length > 0) {
    for (const m of call.messages) {
      const role = Mapping.role(m.role)
      const said = text(m.content ?? m.message)
      if (role === undefined || said === "") continue
      turns.push(m.secondsFromStart === undefined ? { role, text: said } : { role, text: said, startSeconds: m.secondsFromStart })
    }
    return turns
  }
  for (const line of (call?.transcript ?? "").split("\n")) {
    const m = /^\s*(AI|Assistant|Bot|User|Customer)\s*:\s*(.*)$/i.exec(line)
    if (m === null || m[2] === "") continue
    turns.push({ role: /^(ai|assistant|bot)$/i.test(m[1]!) ? "agent" : "caller", text: m[2]! })
  }
  return turns
}

export interface Slot {
  readonly scenario: string
  readonly persona: string
}

/** The record without its `undefined` values (JSON has none). */
const defined = (record: Record<string, unknown>): Record<string, Json.Json> => {
  const out: Record<string, Json.Json> = {}
  for (const key in record) if (record[key] !== undefined) out[key] = record[key] as Json.Json
  return out
}

/**
 * One run item as a canonical result. `raw` is the vendor's item as received (from the page's
 * body, see `VapiWire.Page.raw`), attached only when given.
 */
export const toResult = (
  runId: string,
  item: VapiWire.RunItem,
  slot: Slot,
  evaluatorOf: (name: string) => string,
  raw?: unknown
): typeof Result.Result.Encoded => {
  // Built by assignment, not conditional spreads: this runs for every result read (issue 9).
  const results = item.results ?? undefined
  const status = Mapping.itemStatus(item.status, results !== undefined, (item.failureReason ?? "") !== "")
  const evaluations: Array<typeof Result.EvaluationResult.Encoded> = []
  for (const e of results?.evaluations ?? []) {
    const evaluation: Mutable<typeof Result.EvaluationResult.Encoded> = {
      evaluator: evaluatorOf(e.name),
      name: e.name,
      passed: e.isSkipped === true ? null : e.passed,
      required: e.required ?? true
    }
    if (e.expectedValue !== undefined) evaluation.expected = e.expectedValue
    if (e.extractedValue !== undefined) evaluation.actual = e.extractedValue
    if (e.description?.includes(containsNote) === true) evaluation.checkedByVendor = true
    const reasoning = e.error ?? e.skipReason
    if (reasoning) evaluation.reasoning = reasoning
    evaluations.push(evaluation)
  }
  const call = item.metadata?.call
  const latency = results?.latencyMetrics ?? undefined
  const improvements = item.improvementSuggestions ?? undefined
  const endedAt = item.completedAt ?? item.failedAt ?? item.canceledAt ?? undefined
  const startedAt = item.startedAt ?? undefined
  const result: Mutable<typeof Result.Result.Encoded> = {
    ref: { provider, kind: "result", id: item.id },
    run: { provider, kind: "run", id: runId },
    scenario: slot.scenario,
    persona: slot.persona,
    iteration: Math.max(1, Math.round(item.iterationNumber ?? 1)),
    status,
    verdict: Result.verdictOf(status, evaluations),
    evaluations,
    transcript: transcript(call)
  }
  if (call?.recordingUrl) result.recordingUrl = call.recordingUrl
  if (latency?.avgTurn !== undefined) result.latency = { averageMs: latency.avgTurn }
  if (item.failureReason) result.failureReason = { code: "vapi_failure", message: item.failureReason }
  if (improvements) {
    const suggestions: Array<string> = []
    for (const list of [improvements.systemPromptSuggestions, improvements.toolSuggestions, improvements.scenarioSuggestions]) {
      for (const s of list ?? []) suggestions.push(`${s.issue}: ${s.suggestion}`)
    }
    if (suggestions.length > 0) result.improvementSuggestions = suggestions
  }
  if (startedAt) result.startedAt = startedAt
  if (endedAt) result.endedAt = endedAt
  if (startedAt && endedAt) result.durationSeconds = Math.max(0, (Date.parse(endedAt) - Date.parse(startedAt)) / 1000)
  const metadata: Record<string, Json.Json> = {}
  if (item.simulationId !== undefined) metadata.simulationId = item.simulationId
  if (item.scenarioId !== undefined) metadata.scenarioId = item.scenarioId
  if (item.personalityId !== undefined) metadata.personalityId = item.personalityId
  if (item.callId != null) metadata.callId = item.callId
  if (item.sessionId != null) metadata.sessionId = item.sessionId
  // Vapi's own `results.passed`: kept and compared with core's verdict (`Judge`), not trusted.
  if (results?.passed !== undefined) metadata.vendorPassed = results.passed
  if (latency !== undefined) metadata.latencyMetrics = defined(latency)
  if (improvements?.analysis !== undefined) metadata.analysis = improvements.analysis as Json.Json
  result.providerMetadata = metadata
  if (raw !== undefined) result.raw = raw as Json.Json
  return result
}

/** A type's fields without `readonly`, to build an encoded value field by field. */
type Mutable<A> = { -readonly [K in keyof A]: A[K] }

// ---------------------------------------------------------------------------------------------
// The driver
// ---------------------------------------------------------------------------------------------

export interface DriverOptions {
  /** Run items per page when listing results; default 100. */
  readonly pageSize?: number | undefined
}

export const make = (options: DriverOptions = {}): Effect.Effect<SimulationProvider.Driver, never, VapiClient.VapiClient> =>
  Effect.gen(function*() {
    const client = yield* VapiClient.VapiClient
    // The API allows 1000 items a page: reading a large run takes few requests.
    const pageSize = options.pageSize ?? 1000
    /** simulation id -> canonical slot; scenario / personality id -> canonical id; evaluation name -> evaluator id. */
    const slots = new Map<string, Slot>()
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
      const name = label(id, hash)
      const body = { ...desired, name } as C
      const found = existing.find((o) => parseLabel(o.name)?.id === parseLabel(name)!.id)
      if (found === undefined) return Effect.map(crud.create(body), (object) => ({ object, outcome: "created" as const }))
      if (found.name === name) return Effect.succeed({ object: found, outcome: "reused" as const })
      return Effect.map(crud.update(found.id, body as Partial<C>), (object) => ({ object, outcome: "updated" as const }))
    }

    const provision: SimulationProvider.Driver["provision"] = (plan) =>
      Effect.gen(function*() {
        const target = yield* targetOf("provision", plan)
        const opts = yield* optionsOf("provision", plan)
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
          Effect.map(upsert(client.personalities, personalities, p.id, personality(p, opts)), (r) => {
            const object = tally(r)
            refs[Provisioning.key.persona(p.id)] = ref("personality", object.id)
            canonicalPersona.set(object.id, p.id)
            return object.id
          }), { concurrency: 4 })

        const scenarioIds = yield* Effect.forEach(plan.scenarios, (s) =>
          Effect.map(upsert(client.scenarios, scenarios, s.id, scenario(plan, s, opts)), (r) => {
            const object = tally(r)
            refs[Provisioning.key.scenario(s.id)] = ref("scenario", object.id)
            canonicalScenario.set(object.id, s.id)
            for (const e of Plan.evaluatorsOf(plan, s)) {
              evaluatorNames.set(evaluationName(e.id), e.id)
              refs[Provisioning.key.evaluator(e.id)] ??= ref("evaluation", `${object.id}/${evaluationName(e.id)}`)
            }
            return object.id
          }), { concurrency: 4 })

        const pairs = plan.scenarios.flatMap((s, i) => plan.personas.map((p, j) => ({ s, p, scenarioId: scenarioIds[i]!, personalityId: personaIds[j]! })))
        const simulationIds = yield* Effect.forEach(pairs, ({ p, personalityId, s, scenarioId }) =>
          Effect.map(
            upsert(client.simulations, simulations, `${s.id}/${p.id}`, { scenarioId, personalityId, path: opts.folder ?? "simbridge" } as VapiWire.CreateSimulation),
            (r) => {
              const object = tally(r)
              refs[`simulation:${s.id}/${p.id}`] = ref("simulation", object.id)
              slots.set(object.id, { scenario: s.id, persona: p.id })
              return object.id
            }
          ), { concurrency: 4 })

        const suite = tally(yield* upsert(client.suites, suites, planSlug(plan), {
          name: "",
          simulationIds,
          targetAssignments: [target.assistantId !== undefined ? { targetType: "assistant" as const, targetId: target.assistantId } : { targetType: "squad" as const, targetId: target.squadId! }],
          ...(opts.slackWebhookUrl ? { slackWebhookUrl: opts.slackWebhookUrl } : {}),
          path: opts.folder ?? "simbridge"
        }))
        refs[Provisioning.key.plan] = ref("suite", suite.id)
        return { provider, refs, ...counts, warnings: [] }
      })

    const startRun: SimulationProvider.Driver["startRun"] = ({ marker, plan, provisioning }) =>
      Effect.gen(function*() {
        const target = yield* targetOf("startRun", plan)
        const suite = provisioning.refs[Provisioning.key.plan]
        if (suite === undefined || suite.kind !== "suite") return yield* Effect.fail(invalid("startRun", "the provisioning has no Vapi suite (key \"plan\"); provision the plan first"))
        const now = yield* Clock.currentTimeMillis
        if (!attempts.has(marker)) attempts.set(marker, now)
        const created = yield* client.runs.create({
          simulations: [{ type: "simulationSuite", simulationSuiteId: suite.id, name: `${marker} ${plan.name}`.slice(0, 80) }],
          target: wireTarget(target),
          iterations: Math.min(plan.iterations, 10),
          transport: { provider: Mapping.transportProvider(plan.transport) }
        })
        const run = toRun(created, { url: created.url, message: created.message, items: created.simulationRunItemIds.length })
        return { ...run, marker: run.marker ?? marker }
      })

    const findRun: NonNullable<SimulationProvider.Driver["findRun"]> = ({ marker, plan, provisioning }) =>
      Effect.gen(function*() {
        const target = yield* targetOf("findRun", plan)
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
          r.simulations.some((e) => e.simulationSuiteId === suiteId) && !r.simulations.some((e) => markerPattern.test(e.name ?? ""))
        )
        const found = withMarker ?? (unmarked.length === 1 ? unmarked[0] : undefined)
        return found === undefined ? Option.none() : Option.some({ ...toRun(found), marker })
      })

    /** The canonical scenario and persona of an item: cache, snapshot names, then lookups. */
    const slotOf = (item: VapiWire.RunItem): Effect.Effect<Slot, ProviderError.ProviderError> =>
      Effect.gen(function*() {
        const cached = item.simulationId === undefined ? undefined : slots.get(item.simulationId)
        if (cached) return cached
        const fromName = (name: unknown) => parseLabel(typeof name === "string" ? name : undefined)?.id
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
          results.push(toResult(id, item, slot, evaluatorOf, raw?.[i]))
        }
        return { results, cursor: VapiWire.hasNextPage(items, page, pageSize) ? String(page + 1) : undefined }
      })

    return withTracking({
      name: provider,
      capabilities,
      check,
      provision,
      startRun,
      findRun,
      getRun: (id) => Effect.map(client.runs.get(id), (run) => toRun(run)),
      listResults,
      cancelRun: (id) => Effect.asVoid(client.runs.cancel(id))
    }, client)
  })

const planSlug = (plan: Plan.Plan) => plan.name.toLowerCase().replace(/[^a-z0-9._-]+/g, "-").replace(/^-+|-+$/g, "") || "plan"

// ---------------------------------------------------------------------------------------------
// Layers (the registry entry is `VapiPlugin.plugin`)
// ---------------------------------------------------------------------------------------------

export interface Settings {
  readonly baseUrl: string
  readonly apiKey: Redacted.Redacted<string>
  readonly retry?: Retry.RetryPolicy | undefined
  readonly watch?: SimulationProvider.WatchOptions | undefined
  /** Run items per page when listing results; default 100. */
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

// ---------------------------------------------------------------------------------------------
// Tracking: `getRuns` over the run list (`GET /eval/simulation/run?updatedAtGt=...`)
// ---------------------------------------------------------------------------------------------

/** How far back each list reaches before the newest change the previous list saw (clock skew, late commits). */
export const trackingOverlapMs = 5_000
/** Runs per list page (the API's maximum). */
const trackingPageSize = 1000
/** At most this many runs are remembered between polls (the oldest are forgotten first; ~1 KB each). */
const trackingCacheSize = 50_000

type RunEncoded = typeof import("@simbridge/core").Run.Run.Encoded

/**
 * Adds `getRuns` to the driver: one list of the runs updated since the last list answers for every
 * watched run. The driver remembers the last snapshot of each run it read (`getRun` or a list),
 * with the run's `updatedAt`; `getRuns(ids)` lists the runs whose `updatedAt` is later than the
 * newest change seen so far (minus {@link trackingOverlapMs}), 1000 a page, and returns the
 * remembered snapshot for every id the list did not mention. A run started through the driver is
 * remembered from `startRun`'s answer; an id neither started nor read before is read once with
 * `getRun`. This relies on Vapi moving a run's `updatedAt` whenever its status or item
 * counts change (the emulator does; see docs/providers/vapi.md).
 */
export const withTracking = (driver: SimulationProvider.Driver, client: VapiClient.Service): SimulationProvider.Driver => {
  interface Entry {
    readonly run: RunEncoded
    readonly updatedAt: number
    /** Whether a list covered this run since it was read alone (then the cursor covers it). */
    readonly listed: boolean
  }
  const cache = new Map<string, Entry>()
  /** The newest `updatedAt` any list returned. */
  let cursor: number | undefined

  const updatedAtOf = (run: VapiWire.Run): number => {
    const t = Date.parse(run.updatedAt ?? run.endedAt ?? run.startedAt ?? run.createdAt ?? "")
    return Number.isFinite(t) ? t : 0
  }
  /**
   * Whether `run` gives the canonical snapshot `before` was made of (with the same `updatedAt`):
   * its status and item counts, times and end reason are those of the snapshot. The rest of what
   * `toRun` reads (`createdAt`, the entries' names, target, transport, iterations) is fixed when
   * the run is created; it could only change with `updatedAt`, which must not have moved either.
   */
  const unchanged = (before: RunEncoded, run: VapiWire.Run): boolean => {
    const c = run.itemCounts ?? undefined
    const counts = before.counts
    if (
      counts === undefined || counts.total !== int(c?.total) || counts.queued !== int(c?.queued) || counts.running !== int(c?.running) ||
      counts.passed !== int(c?.passed) || counts.failed !== int(c?.failed) || counts.skipped !== int(c?.canceled)
    ) return false
    const status = Mapping.runStatus(run.status, c?.canceled, run.endedReason ?? undefined)
    return status.unified === before.status.unified && status.raw === before.status.raw &&
      (run.startedAt || undefined) === before.startedAt && (run.endedAt || undefined) === before.endedAt &&
      (run.endedReason ?? undefined) === (before.providerMetadata as { readonly endedReason?: unknown } | undefined)?.endedReason
  }
  const remember = (run: VapiWire.Run, listed: boolean, updatedAt = updatedAtOf(run)): RunEncoded => {
    const before = cache.get(run.id)
    // Most runs of a list did not change since the previous poll (each list reaches back
    // `trackingOverlapMs` before the newest change it saw, and a getRun often reads a run that did
    // not move): the snapshot remembered is the one `toRun` would build again, so it is kept (the
    // entry refreshed as below) instead of building an equal one. Snapshots are read, never changed.
    if (before !== undefined && updatedAt === before.updatedAt && unchanged(before.run, run)) {
      cache.delete(run.id)
      cache.set(run.id, before.listed === listed ? before : { ...before, listed })
      return before.run
    }
    const canonical = toRun(run)
    // A run first seen terminal is not remembered (it is never tracked: its watch ends at once).
    if (before === undefined && Status.isTerminal(canonical.status)) return canonical
    if (before === undefined || updatedAt >= before.updatedAt) {
      cache.delete(run.id)
      cache.set(run.id, { run: canonical, updatedAt, listed })
      if (cache.size > trackingCacheSize) cache.delete(cache.keys().next().value!)
    }
    return canonical
  }

  const getRun: SimulationProvider.Driver["getRun"] = (id) => Effect.map(client.runs.get(id), (run) => remember(run, false))

  // A run just started is remembered as a read one is, so that following it from the run in hand
  // (`SimulationProvider.follow(run)`) costs no read of its own. Its creation time stands for its
  // `updatedAt`: the next list reaches back to it (less the overlap), so no change is missed. A
  // snapshot without a creation time is not remembered (the first getRuns reads it alone).
  const startRun: SimulationProvider.Driver["startRun"] = (input) =>
    Effect.map(driver.startRun(input), (run) => {
      const created = Date.parse(run.createdAt ?? "")
      if (Number.isFinite(created) && !Status.isTerminal(run.status) && !cache.has(run.ref.id)) {
        cache.set(run.ref.id, { run, updatedAt: created, listed: false })
        if (cache.size > trackingCacheSize) cache.delete(cache.keys().next().value!)
      }
      return run
    })

  const list = (since: number): Effect.Effect<number, ProviderError.ProviderError> => {
    const loop = (page: number, newest: number): Effect.Effect<number, ProviderError.ProviderError> =>
      Effect.flatMap(
        client.runs.list({ updatedAtGt: new Date(since).toISOString(), sortOrder: "ASC", limit: trackingPageSize, page }),
        (result) => {
          let latest = newest
          for (const run of result.items) {
            const updatedAt = updatedAtOf(run)
            latest = Math.max(latest, updatedAt)
            if (cache.has(run.id)) remember(run, true, updatedAt)
          }
          return VapiWire.hasNextPage(result, page, trackingPageSize) && result.items.length > 0 ? loop(page + 1, latest) : Effect.succeed(latest)
        }
      )
    return loop(1, cursor ?? since)
  }

  const getRuns: NonNullable<SimulationProvider.Driver["getRuns"]> = (ids) =>
    ids.length === 1 ? getOne(ids[0]!) : getMany(ids)

  // One run watched: its own read is one request, as a list is, and carries that run only (a list
  // carries every run updated since the cursor, less the overlap: hundreds in a busy org).
  const getOne = (id: string): Effect.Effect<ReadonlyArray<RunEncoded>, ProviderError.ProviderError> =>
    getRun(id).pipe(
      Effect.map((run) => {
        if (Status.isTerminal(run.status)) cache.delete(id)
        return [run]
      }),
      Effect.catchIf((e) => e.reason === "NotFound", () => Effect.succeed([]))
    )

  const getMany = (ids: ReadonlyArray<string>): Effect.Effect<ReadonlyArray<RunEncoded>, ProviderError.ProviderError> =>
    Effect.gen(function*() {
      // Runs never read nor started here: once each on their own (rare: a watch starts from the
      // run startRun returned, or reads it with getRun first).
      const unknown = ids.filter((id) => !cache.has(id))
      const read = new Map<string, RunEncoded>()
      yield* Effect.forEach(
        unknown,
        (id) => Effect.catchIf(Effect.map(getRun(id), (run) => read.set(id, run)), (e) => e.reason === "NotFound", () => Effect.void),
        { concurrency: 8, discard: true }
      )
      let since = cursor ?? Infinity
      for (const id of ids) {
        const entry = cache.get(id)
        if (entry !== undefined && !entry.listed) since = Math.min(since, entry.updatedAt)
      }
      if (Number.isFinite(since)) {
        const newest = yield* list(since - trackingOverlapMs)
        cursor = Math.max(cursor ?? newest, newest)
        for (const id of ids) {
          const entry = cache.get(id)
          if (entry !== undefined && !entry.listed) cache.set(id, { ...entry, listed: true })
        }
      }
      const out: Array<RunEncoded> = []
      for (const id of ids) {
        const run = cache.get(id)?.run ?? read.get(id)
        if (run === undefined) continue
        out.push(run)
        // A terminal run does not change any more: its watchers end with this snapshot.
        if (Status.isTerminal(run.status)) cache.delete(id)
      }
      return out
    })

  return { ...driver, startRun, getRun, getRuns }
}
