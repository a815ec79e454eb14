/**
 * The Roark driver: canonical personas -> `/v1/persona`, scenarios -> `/v1/simulation/scenario`,
 * evaluators -> metric definitions referenced as run-plan `metrics`, plan -> run plan; a run is a
 * run-plan job and a result is one of its simulation jobs joined with its call's transcript and
 * metrics. Provides `SimulationProvider` and `RoarkClient`.
 *
 * @since 0.1.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import {
  Evaluator,
  Issues,
  Persona,
  Plan,
  ProviderError,
  Provisioning,
  Result,
  type Retry,
  SimulationProvider,
  Status,
  type Warning
} from "@simbridge/core"
import { Lru } from "@simbridge/core/Lru"
import type * as ConfigError from "effect/ConfigError"
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as M from "./internal/mapping.js"
import * as RunCache from "./internal/RunCache.js"
import * as RoarkClient from "./RoarkClient.js"
import { capabilities, check, name, Options, Target } from "./RoarkPlugin.js"
import * as Wire from "./RoarkWire.js"

/** The job variable that carries simbridge's run marker (see `findRun`). */
export const markerVariable = "simbridgeRunMarker"

const resultsPageSize = 50

/** How many times `findRun` looks again while candidate jobs have not shown their marker yet. */
const findRunRounds = 40

type Encoded<A extends { readonly Encoded: unknown }> = A["Encoded"]
type RunEncoded = Encoded<typeof import("@simbridge/core/Run").Run>
type ResultEncoded = Encoded<typeof Result.Result>
type EvaluationEncoded = Encoded<typeof Result.EvaluationResult>
type TurnEncoded = Encoded<typeof Result.TranscriptTurn>
type RefEncoded = { readonly provider: string; readonly kind: string; readonly id: string }
type Mutable<A> = { -readonly [K in keyof A]: A[K] }

const ref = (kind: string, id: string): RefEncoded => ({ provider: name, kind, id })

const fail = (operation: string, reason: ProviderError.Reason, description: string) =>
  Effect.fail(ProviderError.make({ provider: name, operation, reason, description }))

/** Decodes the suite's `target.roark` and `vendors.roark`; errors name the field. */
export const planSettings = (plan: Plan.Plan, operation: string) =>
  Effect.gen(function*() {
    const target = yield* Schema.decodeUnknown(Target)(plan.target[name]).pipe(
      Effect.mapError((e) =>
        ProviderError.make({
          provider: name,
          operation,
          reason: "InvalidRequest",
          description: plan.target[name] === undefined
            ? "target.roark.agentEndpointId: the suite has no target.roark entry (expected { agentEndpointId: <uuid> })"
            : Issues.summarize(Issues.fromParseError(e), ["target", "roark"])
        })
      )
    )
    const options = yield* Schema.decodeUnknown(Options, { onExcessProperty: "error" })(plan.vendors[name] ?? {}).pipe(
      Effect.mapError((e) =>
        ProviderError.make({ provider: name, operation, reason: "InvalidRequest", description: Issues.summarize(Issues.fromParseError(e), ["vendors", "roark"]) })
      )
    )
    return { target, options }
  })

// ---------------------------------------------------------------------------------------------
// Canonical -> Roark bodies
// ---------------------------------------------------------------------------------------------

export const personaBody = (p: Plan.Plan["personas"][number], options: Options, hash: string): Wire.PersonaCreate => {
  const accent = p.accent === undefined ? M.defaultAccent[p.language] : M.accent[p.accent]
  const gender = (p.gender === undefined ? undefined : M.gender[p.gender]) ?? M.fallbackGender
  const description = M.marker("persona", p.id, hash)
  return {
    name: p.name,
    language: M.language[p.language] as Wire.PersonaCreate["language"],
    accent: accent as Wire.PersonaCreate["accent"],
    gender: gender as Wire.PersonaCreate["gender"],
    description,
    ...(p.emotion === undefined ? {} : { baseEmotion: M.emotion[p.emotion] as Wire.PersonaCreate["baseEmotion"] & string }),
    ...(p.backgroundNoise === undefined ? {} : { backgroundNoise: M.backgroundNoise[p.backgroundNoise] as NonNullable<Wire.PersonaCreate["backgroundNoise"]> }),
    ...(p.speechPace === undefined ? {} : { speechPace: M.speechPace[p.speechPace] as NonNullable<Wire.PersonaCreate["speechPace"]> }),
    ...(p.speechClarity === undefined ? {} : { speechClarity: M.speechClarity[p.speechClarity] as NonNullable<Wire.PersonaCreate["speechClarity"]> }),
    ...(p.intentClarity === undefined ? {} : { intentClarity: M.intentClarity[p.intentClarity] as NonNullable<Wire.PersonaCreate["intentClarity"]> }),
    ...(p.confirmationStyle === undefined ? {} : { confirmationStyle: M.confirmationStyle[p.confirmationStyle] as NonNullable<Wire.PersonaCreate["confirmationStyle"]> }),
    ...(p.memoryReliability === undefined ? {} : { memoryReliability: M.memoryReliability[p.memoryReliability] as NonNullable<Wire.PersonaCreate["memoryReliability"]> }),
    ...(p.backstory === undefined ? {} : { backstoryPrompt: p.backstory }),
    ...(p.properties === undefined ? {} : { properties: p.properties }),
    ...(options.hasDisfluencies === undefined ? {} : { hasDisfluencies: options.hasDisfluencies })
  }
}

/** Instructions and scripted steps as customer turns, the expected outcome as a final agent turn. */
export const scenarioSteps = (s: Plan.Plan["scenarios"][number]): Wire.ScenarioCreate["steps"] => [
  { type: "CUSTOMER_TURN", content: s.instructions },
  ...(s.steps ?? []).map((content) => ({ type: "CUSTOMER_TURN" as const, content })),
  ...(s.expectedOutcome === undefined || s.expectedOutcome.trim() === "" ? [] : [{ type: "AGENT_TURN" as const, content: s.expectedOutcome }])
]

export const scenarioName = (s: Plan.Plan["scenarios"][number], hash: string) => `${s.name} ${M.marker("scenario", s.id, hash)}`

const stringVariables = (v: Record<string, unknown> | undefined): Record<string, string> | undefined =>
  v === undefined ? undefined : Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x)]))

// ---------------------------------------------------------------------------------------------
// Evaluations
// ---------------------------------------------------------------------------------------------

/** An evaluator and the metric definition it was provisioned as. */
export interface EvaluatorBinding {
  readonly metricDefinitionId: string
  readonly evaluator: Evaluator.Evaluator
}

/** What the driver remembers about a run it started (or recovered). */
export interface RunContext {
  readonly planName: string
  readonly marker: string | undefined
  readonly expected: number
  readonly personas: ReadonlyMap<string, string>
  readonly scenarios: ReadonlyMap<string, string>
  readonly evaluators: ReadonlyArray<EvaluatorBinding>
  /** Canonical evaluator ids per canonical scenario (undefined: score on every metric). */
  readonly scenarioEvaluators: ReadonlyMap<string, ReadonlyArray<string>> | undefined
}

const firstValue = (m: Wire.CallMetric) => m.values.find((v) => v.value !== undefined && v.value !== null && (v.context ?? "CALL") === "CALL") ?? m.values.find((v) => v.value !== undefined && v.value !== null)

/** Canonical evaluations of one call: the scenario's evaluators from their metrics, other metrics as non-required. */
export const evaluationsOf = (
  metrics: ReadonlyArray<Wire.CallMetric>,
  bindings: ReadonlyArray<EvaluatorBinding>,
  scenarioEvaluators: ReadonlyArray<string> | undefined
) => {
  const used = new Set<string>()
  const out: Array<Encoded<typeof Result.EvaluationResult>> = []
  for (const b of bindings) {
    if (scenarioEvaluators !== undefined && !scenarioEvaluators.includes(b.evaluator.id)) {
      used.add(b.metricDefinitionId)
      continue
    }
    used.add(b.metricDefinitionId)
    const metric = metrics.find((m) => m.metricDefinitionId === b.metricDefinitionId)
    const value = metric === undefined ? undefined : firstValue(metric)
    const actual = M.valueFor(b.evaluator.type, value?.value ?? undefined)
    // Built by assignment, not conditional spreads (per result read), in the same key order.
    const e: Mutable<EvaluationEncoded> = {
      evaluator: b.evaluator.id,
      name: b.evaluator.name ?? metric?.name ?? b.evaluator.id,
      passed: actual === undefined || actual === null ? null : Evaluator.passes(b.evaluator, actual),
      required: b.evaluator.required,
      expected: b.evaluator.expect
    }
    if (actual !== undefined && actual !== null) e.actual = actual
    if (value?.valueReasoning) e.reasoning = value.valueReasoning
    out.push(e)
  }
  for (const m of metrics) {
    if (used.has(m.metricDefinitionId)) continue
    const value = firstValue(m)
    const actual = value?.value ?? undefined
    const slug = Wire.slugOf(m)
    const check = M.isCheckMetric(m.type, slug)
    const marker = M.parseMarker(m.description)
    const e: Mutable<EvaluationEncoded> = {
      evaluator: marker?.kind === "evaluator" ? marker.id : slug ?? m.name,
      name: m.name,
      passed: check && typeof actual === "boolean" ? actual : null,
      required: false
    }
    if (actual !== undefined && actual !== null) e.actual = actual
    if (value?.valueReasoning) e.reasoning = value.valueReasoning
    out.push(e)
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// Results (pure: from the wire objects a results read gets, no request)
// ---------------------------------------------------------------------------------------------

/**
 * The context of a run this driver did not start (`recoveredContext`): the run plan (`GET
 * /v1/simulation/plan/{id}`) and every metric definition (`GET /v1/metric/definitions`); canonical
 * ids come from the markers on the vendor objects.
 */
export const recoveredContextOf = (plan: Wire.RunPlan, definitions: ReadonlyArray<Wire.MetricDefinition>): RunContext => {
  const evaluators: Array<EvaluatorBinding> = []
  for (const d of definitions) {
    const m = M.parseMarker(d.description)
    if (m?.kind !== "evaluator" || !plan.metrics.some((x) => x.id === d.id)) continue
    const check = M.isCheckMetric(d.type, Wire.slugOf(d))
    if (!check) continue
    evaluators.push({ metricDefinitionId: d.id, evaluator: Schema.decodeSync(Evaluator.Evaluator)({ id: m.id as never, description: d.description ?? d.name }) })
  }
  return {
    planName: plan.name,
    marker: undefined,
    expected: plan.testCaseCount ?? 0,
    personas: new Map(),
    scenarios: new Map(),
    evaluators,
    scenarioEvaluators: undefined
  }
}

/** A simulation job's result status (see `internal/mapping.ts` `resultStatus`). */
export const statusOf = (sim: Wire.SimulationJob): { readonly unified: Status.UnifiedStatus; readonly raw: string } =>
  M.resultStatus(sim.status, sim.processingStatus)

/** Iteration numbers: the order of a scenario x persona x endpoint group's jobs in the fan-out. */
export const iterations = (sims: ReadonlyArray<Wire.SimulationJob>): Array<number> => {
  const seen = new Map<string, number>()
  return sims.map((s) => {
    const key = `${s.scenario?.id}/${s.persona?.id}/${s.agentEndpoint?.id}`
    const n = (seen.get(key) ?? 0) + 1
    seen.set(key, n)
    return n
  })
}

/**
 * A scenario's canonical id when it is known without a request (mapped in the context, in
 * `lookedUp`, or marked in its description); `undefined` when it must be looked up
 * (`GET /v1/simulation/scenario/{id}`, then `scenarioFromLookup`).
 */
export const knownScenario = (ctx: RunContext, sim: Wire.SimulationJob, lookedUp?: ReadonlyMap<string, string>): string | undefined => {
  const id = sim.scenario?.id
  if (id === undefined) return "roark-unknown"
  const known = ctx.scenarios.get(id) ?? lookedUp?.get(id)
  if (known !== undefined) return known
  const fromDescription = M.parseMarker(sim.scenario?.description)
  return fromDescription?.kind === "scenario" ? fromDescription.id : undefined
}

/** The canonical id of a scenario looked up by id (`undefined`: the lookup failed). */
export const scenarioFromLookup = (id: string, scenario: Wire.Scenario | undefined): string => {
  const m = scenario === undefined ? undefined : M.parseMarker(scenario.name)
  return m?.kind === "scenario" ? m.id : `roark-${id}`
}

/** A simulation job's canonical persona id: mapped in the context, else from its marker. */
export const canonicalPersona = (ctx: RunContext, sim: Wire.SimulationJob): string => {
  const id = sim.persona?.id
  const known = id === undefined ? undefined : ctx.personas.get(id)
  if (known !== undefined) return known
  const m = M.parseMarker(sim.persona?.description)
  return m?.kind === "persona" ? m.id : `roark-${id ?? "unknown"}`
}

/**
 * What one result is built from besides the job detail and the run context: its simulation job,
 * its iteration number (`iterations`), canonical scenario (`knownScenario`), status (`statusOf`)
 * and evaluations (`evaluationsOf` of its call's metrics when it completed with a call, of none
 * otherwise), and, when it is terminal with a call, the call and its transcript.
 */
export interface ResultInputs {
  readonly sim: Wire.SimulationJob
  readonly iteration: number
  readonly scenario: string
  readonly status: { readonly unified: Status.UnifiedStatus; readonly raw: string }
  readonly evaluations: ReadonlyArray<EvaluationEncoded>
  readonly call: Wire.Call | undefined
  readonly transcript: Wire.Transcript | undefined
}

/** A result (encoded, without `raw`) from its job detail, run context and reads; pure. */
export const toResult = (detail: Wire.RunPlanJobDetail, ctx: RunContext, item: ResultInputs): ResultEncoded => {
  const { call, evaluations, sim, status, transcript } = item
  const verdict = Result.verdictOf(status, evaluations)
  const callId = sim.callId ?? undefined
  const ended = call?.endedStatus ?? undefined
  const failureReason = status.unified === "failed"
    ? { code: ended ?? "SIMULATION_FAILED", message: `the simulation job ${sim.simulationJobId} failed${ended ? ` (${ended})` : ""}` }
    : status.unified === "timed_out"
    ? { code: "TIMED_OUT", message: "the simulation job timed out" }
    : ended !== undefined && M.failedCallEndings.has(ended)
    ? { code: ended, message: `the call ended with ${ended}` }
    : undefined
  // Built by assignment, not conditional spreads (per result read), in the same key order.
  const turns: Array<TurnEncoded> = []
  for (const e of transcript?.entries ?? []) {
    const turn: Mutable<TurnEncoded> = { role: M.role(e.role), text: e.text }
    if (e.startOffsetMs !== undefined) turn.startSeconds = e.startOffsetMs / 1000
    if (e.endOffsetMs !== undefined) turn.endSeconds = e.endOffsetMs / 1000
    turns.push(turn)
  }
  const result: Mutable<ResultEncoded> = {
    ref: ref("result", sim.simulationJobId),
    run: ref("run", detail.simulationRunPlanJobId),
    scenario: item.scenario,
    persona: canonicalPersona(ctx, sim),
    iteration: item.iteration,
    status,
    verdict,
    evaluations,
    transcript: turns
  }
  if (call?.recordingUrl) result.recordingUrl = call.recordingUrl
  if (failureReason !== undefined) result.failureReason = failureReason
  if (sim.startedAt) result.startedAt = sim.startedAt
  if (sim.completedAt) result.endedAt = sim.completedAt
  if (typeof call?.durationMs === "number") result.durationSeconds = call.durationMs / 1000
  result.providerMetadata = {
    simulationJobId: sim.simulationJobId,
    processingStatus: sim.processingStatus ?? null,
    callId: callId ?? null,
    roarkPhoneNumber: sim.roarkPhoneNumber ?? null,
    agentEndpointId: sim.agentEndpoint?.id ?? null,
    agentEndpointType: sim.agentEndpoint?.type ?? sim.agentEndpoint?.endpointType ?? null,
    endedStatus: ended ?? null
  }
  return result
}

// ---------------------------------------------------------------------------------------------
// The driver
// ---------------------------------------------------------------------------------------------

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

  const all = <A>(list: (p: Wire.ListParams) => Effect.Effect<Wire.PageOf<A>, ProviderError.ProviderError>, params: Wire.ListParams = {}) =>
    Effect.map(Stream.runCollect(RoarkClient.paginate(list, params)), Chunk.toReadonlyArray)

  // -- provisioning ---------------------------------------------------------------------------

  const provision: SimulationProvider.Driver["provision"] = (plan) =>
    Effect.gen(function*() {
      const { options, target } = yield* planSettings(plan, "provision")
      const refs: Record<string, RefEncoded> = {}
      const warnings: Array<Encoded<typeof Warning.Warning>> = []
      let created = 0, updated = 0, reused = 0

      // Personas, recognised by the marker in their description.
      const personas = yield* all(client.personas.list)
      for (const p of plan.personas) {
        const hash = Plan.definitionHash({ persona: Schema.encodeSync(Persona.Persona)(p), hasDisfluencies: options.hasDisfluencies ?? null })
        const body = personaBody(p, options, hash)
        const existing = personas.find((x) => { const m = M.parseMarker(x.description); return m?.kind === "persona" && m.id === p.id })
        let id: string
        if (existing === undefined) {
          id = (yield* client.personas.create(body)).id
          created++
        } else if (M.parseMarker(existing.description)?.hash !== hash) {
          id = (yield* client.personas.update(existing.id, body)).id
          updated++
        } else {
          id = existing.id
          reused++
        }
        refs[Provisioning.key.persona(p.id)] = ref("persona", id)
      }

      // Scenarios, recognised by the marker in their name (the START node's content).
      const scenarios = yield* all(client.scenarios.list)
      for (const s of plan.scenarios) {
        const steps = scenarioSteps(s)
        const hash = Plan.definitionHash({ name: s.name, steps })
        const existing = scenarios.find((x) => { const m = M.parseMarker(x.name); return m?.kind === "scenario" && m.id === s.id })
        let id: string
        if (existing === undefined) {
          id = (yield* client.scenarios.create({ name: scenarioName(s, hash), steps })).id
          created++
        } else if (M.parseMarker(existing.name)?.hash !== hash) {
          const stepChanges: Array<Wire.StepChange> = [
            ...existing.steps.flatMap((x) => (x.nodeId === undefined || x.type === "START" ? [] : [{ action: "delete" as const, nodeId: x.nodeId }])),
            ...steps.map((x) => ({ action: "create" as const, ...x }))
          ]
          id = (yield* client.scenarios.update(existing.id, { name: scenarioName(s, hash), stepChanges })).id
          updated++
        } else {
          id = existing.id
          reused++
        }
        scenarioIds.set(id, s.id)
        refs[Provisioning.key.scenario(s.id)] = ref("scenario", id)
      }

      // Evaluators as metric definitions (no update endpoint: a changed evaluator gets a new definition).
      const definitions = yield* all(client.metrics.listDefinitions)
      for (const e of plan.evaluators) {
        const hash = Plan.definitionHash({ id: e.id, description: e.description, type: e.type, comparator: e.comparator, expect: e.expect, required: e.required, name: e.name ?? null })
        const mine = definitions.filter((d) => { const m = M.parseMarker(d.description); return m?.kind === "evaluator" && m.id === e.id })
        const current = mine.find((d) => M.parseMarker(d.description)?.hash === hash)
        let id: string
        if (current !== undefined) {
          id = current.id
          reused++
        } else {
          const slug = M.metricSlug(e.id, e.type, hash)
          const comparison = e.type === "boolean" ? "" : ` Expected: ${e.comparator} ${JSON.stringify(e.expect)}.`
          id = (yield* client.metrics.createDefinition({
            name: e.name ?? e.id,
            slug,
            metricId: slug,
            description: `${e.description}${comparison} ${M.marker("evaluator", e.id, hash)}`,
            type: M.metricType(e.type),
            scope: "GLOBAL",
            supportedContexts: ["CALL"]
          })).id
          if (mine.length > 0) updated++
          else created++
        }
        refs[Provisioning.key.evaluator(e.id)] = ref("metric", id)
      }
      if (plan.evaluators.length === 0 && (options.metrics ?? []).length === 0) {
        return yield* fail("provision", "InvalidRequest", "evaluators: Roark needs at least one metric per run plan; the suite defines no evaluators and vendors.roark.metrics is empty")
      }

      // The run plan, recognised by the marker in its description (identity: name + endpoint).
      const identity = Plan.definitionHash({ name: plan.name, endpoint: target.agentEndpointId })
      const direction = M.direction[plan.direction]
      const body = {
        name: plan.name,
        direction,
        maxSimulationDurationSeconds: plan.maxDurationSeconds ?? 300,
        agentEndpoints: [{ id: target.agentEndpointId }] as const,
        personas: plan.personas.map((p) => ({ id: refs[Provisioning.key.persona(p.id)]!.id })),
        scenarios: plan.scenarios.map((s) => {
          const variables = stringVariables(s.variables)
          return { id: refs[Provisioning.key.scenario(s.id)]!.id, ...(variables === undefined ? {} : { variables }) }
        }),
        metrics: [
          ...plan.evaluators.map((e) => ({ id: refs[Provisioning.key.evaluator(e.id)]!.id })),
          ...(options.metrics ?? []).map((id) => ({ id }))
        ],
        iterationCount: plan.direction === "outbound" ? 1 : plan.iterations,
        ...(plan.concurrency === undefined ? {} : { maxConcurrentJobs: plan.concurrency }),
        ...(plan.silenceTimeoutSeconds === undefined ? {} : { silenceTimeoutSeconds: plan.silenceTimeoutSeconds }),
        ...(plan.endCallPhrases === undefined ? {} : { endCallPhrases: plan.endCallPhrases }),
        ...(options.endCallReasons === undefined ? {} : { endCallReasons: options.endCallReasons }),
        executionMode: options.executionMode ?? (plan.executionMode === undefined ? "PARALLEL" as const : M.executionMode[plan.executionMode])
      }
      const hash = Plan.definitionHash(body)
      const description = `${plan.description ?? `simbridge suite "${plan.name}"`} ${M.marker("plan", identity, hash)}`
      const plans = yield* all(client.runPlans.list, { searchText: plan.name })
      const existing = plans.find((x) => { const m = M.parseMarker(x.description); return m?.kind === "plan" && m.id === identity })
      let planId: string
      if (existing === undefined) {
        const full = { ...body, description, personas: body.personas as any, scenarios: body.scenarios as any, metrics: body.metrics as any } as Wire.RunPlanCreate
        planId = (yield* client.runPlans.create(full)).runPlan.id
        created++
      } else if (M.parseMarker(existing.description)?.hash !== hash) {
        planId = (yield* client.runPlans.update(existing.id, { ...body, description } as unknown as Wire.RunPlanUpdate)).id
        updated++
      } else {
        planId = existing.id
        reused++
      }
      refs[Provisioning.key.plan] = ref("plan", planId)
      refs["agentEndpoint"] = ref("agent_endpoint", target.agentEndpointId)
      return { provider: name, refs, created, updated, reused, warnings }
    })

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

  const sharedContextOf = (plan: Plan.Plan, provisioning: Provisioning.Provisioning): Omit<RunContext, "marker"> => {
    const personas = new Map<string, string>()
    const scenarios = new Map<string, string>()
    for (const p of plan.personas) {
      const r = provisioning.refs[Provisioning.key.persona(p.id)]
      if (r) personas.set(r.id, p.id)
    }
    for (const s of plan.scenarios) {
      const r = provisioning.refs[Provisioning.key.scenario(s.id)]
      if (r) scenarios.set(r.id, s.id)
    }
    const evaluators = plan.evaluators.flatMap((e) => {
      const r = provisioning.refs[Provisioning.key.evaluator(e.id)]
      return r ? [{ metricDefinitionId: r.id, evaluator: e }] : []
    })
    return {
      planName: plan.name,
      expected: plan.scenarios.length * plan.personas.length * (plan.direction === "outbound" ? 1 : plan.iterations),
      personas,
      scenarios,
      evaluators,
      scenarioEvaluators: new Map(plan.scenarios.map((s) => [s.id as string, Plan.evaluatorsOf(plan, s).map((e) => e.id as string)]))
    }
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

  /**
   * The evaluations of a finished call not in the run's cache entry yet: its metrics read
   * (`GET /v1/call/{id}/metrics`, there is no batch read), judged, and kept in the entry so later
   * snapshots and the results read reuse them.
   */
  const readEvaluations = (runId: string, terminal: boolean, ctx: RunContext, sim: Wire.SimulationJob, callId: string, scenario: string) =>
    Effect.map(client.calls.metrics(callId), (metrics) => {
      const evaluations = evaluationsOf(metrics, ctx.evaluators, ctx.scenarioEvaluators?.get(scenario))
      cache.entry(runId, terminal).evaluations.set(sim.simulationJobId, evaluations)
      return evaluations
    })

  const lookUpScenario = (id: string) =>
    Effect.gen(function*() {
      const scenario = yield* client.scenarios.get(id).pipe(Effect.option)
      const canonical = scenarioFromLookup(id, Option.getOrUndefined(scenario))
      scenarioIds.set(id, canonical)
      return canonical
    })

  /**
   * Canonical scenario ids of a job's simulation jobs, in order: those known without a request at
   * once, the others looked up one after the other (once per unknown scenario: a lookup makes the
   * later jobs of the same scenario known). `undefined` entries of `known` are filled in.
   */
  const lookUpScenarios = (ctx: RunContext, sims: ReadonlyArray<Wire.SimulationJob>, known: Array<string | undefined>) =>
    Effect.forEach(sims, (sim, i) => {
      if (known[i] !== undefined) return Effect.void
      const now = knownScenario(ctx, sim, scenarioIds)
      if (now !== undefined) return Effect.sync(() => void (known[i] = now))
      return Effect.map(lookUpScenario(sim.scenario!.id), (canonical) => void (known[i] = canonical))
    }, { discard: true })

  type Counts = { total: number; queued: number; running: number; passed: number; failed: number; errored: number; skipped: number; pending?: number }

  const tally = (counts: Counts, verdict: Status.Verdict) => {
    if (verdict === "pass") counts.passed++
    else if (verdict === "fail") counts.failed++
    else if (verdict === "skipped") counts.skipped++
    else counts.errored++
  }

  /**
   * The canonical run of a job detail. With `verdicts` (the default) counts are exact at every
   * snapshot: each finished call's metrics are read the first time the call is seen finished (4 at
   * a time per job; `getRuns` reads up to 8 jobs at once, so at most 32 requests are in flight) and
   * kept for the snapshots and the results read that follow. Without, no metrics are read: a
   * finished call whose evaluations are not cached yet is counted `pending`. Verdicts that come from
   * the status alone (failed, timed out, canceled) and finished jobs without a call cost nothing.
   *
   * Built without a fiber or a generator: everything but the scenario lookups and the metrics reads
   * is synchronous (a snapshot without verdicts of known scenarios is one `Effect.succeed`), and
   * only the reads that are needed are forked, 4 at a time.
   */
  const buildRun = (detail: Wire.RunPlanJobDetail, ctx: RunContext, verdicts = true): Effect.Effect<RunEncoded, ProviderError.ProviderError> =>
    Effect.suspend(() => {
      const runId = detail.simulationRunPlanJobId
      const terminal = M.terminalJobStatuses.has(detail.status)
      if (terminal) cache.settle(runId)
      const sims = detail.simulationJobs
      const scenarios: Array<string | undefined> = new Array(sims.length)
      let unknown = false
      for (let i = 0; i < sims.length; i++) if ((scenarios[i] = knownScenario(ctx, sims[i]!, scenarioIds)) === undefined) unknown = true
      return unknown
        ? Effect.flatMap(lookUpScenarios(ctx, sims, scenarios), () => judgeRun(detail, ctx, verdicts, terminal, scenarios as Array<string>))
        : judgeRun(detail, ctx, verdicts, terminal, scenarios as Array<string>)
    })

  const judgeRun = (detail: Wire.RunPlanJobDetail, ctx: RunContext, verdicts: boolean, terminal: boolean, scenarios: ReadonlyArray<string>): Effect.Effect<RunEncoded, ProviderError.ProviderError> => {
    const runId = detail.simulationRunPlanJobId
    const sims = detail.simulationJobs
    const counts: Counts = { total: sims.length, queued: 0, running: 0, passed: 0, failed: 0, errored: 0, skipped: 0 }
    let pending = 0
    /** The run's cache entry, looked up once (`null`: not yet). */
    let entry: RunCache.Entry<ReadonlyArray<EvaluationEncoded>, ResultEncoded> | undefined | null = null
    /** Finished calls whose metrics are to be read (with `verdicts` only). */
    let unread: Array<number> | undefined
    for (let i = 0; i < sims.length; i++) {
      const sim = sims[i]!
      const status = M.resultStatus(sim.status, sim.processingStatus)
      const unified = status.unified
      if (unified === "queued") {
        counts.queued++
        continue
      }
      if (unified === "running" || unified === "unknown") {
        counts.running++
        continue
      }
      let evaluations: ReadonlyArray<EvaluationEncoded> | undefined
      if (unified === "completed" && sim.callId !== undefined && sim.callId !== null) {
        if (entry === null) entry = cache.find(runId)
        evaluations = entry?.evaluations.get(sim.simulationJobId)
        if (evaluations === undefined) {
          if (verdicts) (unread ??= []).push(i)
          else pending++
          continue
        }
      } else {
        evaluations = evaluationsOf([], ctx.evaluators, ctx.scenarioEvaluators?.get(scenarios[i]!))
      }
      tally(counts, Result.verdictOf(status, evaluations))
    }
    const finish = () => runOf(detail, ctx, counts, pending)
    if (unread === undefined) return Effect.succeed(finish())
    const read = (i: number) => {
      const sim = sims[i]!
      return Effect.map(readEvaluations(runId, terminal, ctx, sim, sim.callId!, scenarios[i]!), (evaluations) => {
        tally(counts, Result.verdictOf(M.resultStatus(sim.status, sim.processingStatus), evaluations))
      })
    }
    return unread.length === 1
      ? Effect.map(read(unread[0]!), finish)
      : Effect.map(Effect.forEach(unread, read, { concurrency: 4, discard: true }), finish)
  }

  /** The run of a job detail and its counts (`pending` only when some are: with verdicts the counts are what they were before it existed). */
  const runOf = (detail: Wire.RunPlanJobDetail, ctx: RunContext, counts: Counts, pending: number): RunEncoded => {
    const status = M.runPlanJobStatus(detail.status)
    if (detail.simulationJobs.length === 0 && (status.unified === "queued" || status.unified === "running")) {
      counts.total = ctx.expected
      counts.queued = ctx.expected
    }
    if (pending > 0) counts.pending = pending
    // Built by assignment, not conditional spreads, in the same key order.
    const run: Mutable<RunEncoded> = {
      ref: ref("run", detail.simulationRunPlanJobId),
      provider: name,
      name: ctx.planName,
      status,
      counts
    }
    if (detail.createdAt) run.createdAt = detail.createdAt
    if (detail.startedAt) run.startedAt = detail.startedAt
    if (detail.endedAt) run.endedAt = detail.endedAt
    if (ctx.marker !== undefined) run.marker = ctx.marker
    run.providerMetadata = {
      simulationRunPlanId: detail.simulationRunPlanId,
      url: `https://platform.roark.ai/simulations/runs/${detail.simulationRunPlanJobId}`
    }
    return run
  }

  const startRun: SimulationProvider.Driver["startRun"] = ({ marker, plan, provisioning }) =>
    Effect.suspend(() => {
      const planRef = provisioning.refs[Provisioning.key.plan]
      if (planRef === undefined) return fail("startRun", "InvalidRequest", "the provisioning has no run plan (key \"plan\")")
      const start = Effect.flatMap(client.runPlanJobs.start(planRef.id, { variables: { [markerVariable]: marker } }), (started) => {
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

  /** The vendor's own payload for a result, only when asked for: the simulation job as its schema reads it, as JSON. */
  const withRaw = (result: ResultEncoded, sim: Wire.SimulationJob, raw: boolean): ResultEncoded =>
    raw ? { ...result, raw: JSON.parse(JSON.stringify(sim)) } : result

  /** A result to build and what it waits for: its metrics (unless known), its call and transcript (when finished). */
  interface Building {
    readonly index: number
    readonly sim: Wire.SimulationJob
    readonly iteration: number
    readonly scenario: string
    readonly status: { readonly unified: Status.UnifiedStatus; readonly raw: string }
    evaluations: ReadonlyArray<EvaluationEncoded> | undefined
    call: Wire.Call | undefined
    transcript: Wire.Transcript | undefined
    /** Reads not done yet. */
    reads: number
  }

  /** A result without `raw` from its reads (`toResult`); a finished one is kept in the run's cache entry until the read ends. */
  const resultOf = (detail: Wire.RunPlanJobDetail, ctx: RunContext, b: Building): ResultEncoded => {
    const result = toResult(detail, ctx, b as Building & ResultInputs)
    const status = b.status
    const terminal = status.unified !== "queued" && status.unified !== "running" && status.unified !== "unknown"
    if (terminal && M.processingStatus(b.sim.processingStatus).unified !== "running") {
      cache.entry(detail.simulationRunPlanJobId, M.terminalJobStatuses.has(detail.status)).results.set(b.sim.simulationJobId, result)
    }
    return result
  }

  /**
   * The results (without `raw`) of a page of a job's simulation jobs. Those kept from an earlier
   * read are given as they are; for the others, each finished call costs its call and transcript
   * reads, and its metrics unless a snapshot already read them. The reads of the whole page go
   * 16 at a time (a finished call's three reads at once, about 5-8 calls at a time), not in a
   * fiber per result; a result is built, and kept, as soon as its own reads are done, so a page read
   * again after a failure does not read those calls again. Unknown scenarios are looked up first,
   * one after the other (`lookUpScenarios`).
   */
  const resultsOf = (detail: Wire.RunPlanJobDetail, ctx: RunContext, offset: number, numbers: ReadonlyArray<number>): Effect.Effect<Array<ResultEncoded>, ProviderError.ProviderError> =>
    Effect.suspend(() => {
      const runId = detail.simulationRunPlanJobId
      const page = detail.simulationJobs.slice(offset, offset + resultsPageSize)
      const out: Array<ResultEncoded> = new Array(page.length)
      const sims: Array<Wire.SimulationJob> = []
      const indexes: Array<number> = []
      for (let i = 0; i < page.length; i++) {
        const cached = cache.find(runId)?.results.get(page[i]!.simulationJobId)
        if (cached !== undefined) out[i] = cached
        else {
          sims.push(page[i]!)
          indexes.push(i)
        }
      }
      if (sims.length === 0) return Effect.succeed(out)
      const scenarios: Array<string | undefined> = new Array(sims.length)
      let unknown = false
      for (let k = 0; k < sims.length; k++) if ((scenarios[k] = knownScenario(ctx, sims[k]!, scenarioIds)) === undefined) unknown = true
      const build = () => readResults(detail, ctx, sims, indexes, scenarios as Array<string>, numbers, offset, out)
      return unknown ? Effect.flatMap(lookUpScenarios(ctx, sims, scenarios), build) : build()
    })

  const readResults = (
    detail: Wire.RunPlanJobDetail,
    ctx: RunContext,
    sims: ReadonlyArray<Wire.SimulationJob>,
    indexes: ReadonlyArray<number>,
    scenarios: ReadonlyArray<string>,
    numbers: ReadonlyArray<number>,
    offset: number,
    out: Array<ResultEncoded>
  ): Effect.Effect<Array<ResultEncoded>, ProviderError.ProviderError> => {
    const runId = detail.simulationRunPlanJobId
    const jobTerminal = M.terminalJobStatuses.has(detail.status)
    const reads: Array<Effect.Effect<void, ProviderError.ProviderError>> = []
    const done = (b: Building) => {
      if (--b.reads === 0) out[b.index] = resultOf(detail, ctx, b)
    }
    for (let k = 0; k < sims.length; k++) {
      const sim = sims[k]!
      const index = indexes[k]!
      const scenario = scenarios[k]!
      const status = statusOf(sim)
      const b: Building = { index, sim, iteration: numbers[offset + index]!, scenario, status, evaluations: undefined, call: undefined, transcript: undefined, reads: 0 }
      const callId = sim.callId ?? undefined
      if (status.unified !== "completed" || callId === undefined) {
        b.evaluations = evaluationsOf([], ctx.evaluators, ctx.scenarioEvaluators?.get(scenario))
      } else {
        b.evaluations = cache.find(runId)?.evaluations.get(sim.simulationJobId)
        if (b.evaluations === undefined) {
          b.reads++
          reads.push(Effect.map(readEvaluations(runId, jobTerminal, ctx, sim, callId, scenario), (evaluations) => {
            b.evaluations = evaluations
            done(b)
          }))
        }
      }
      const terminal = status.unified !== "queued" && status.unified !== "running" && status.unified !== "unknown"
      if (terminal && callId !== undefined) {
        b.reads += 2
        reads.push(
          Effect.map(client.calls.get(callId), (call) => {
            b.call = call
            done(b)
          }),
          Effect.map(client.calls.transcript(callId), (transcript) => {
            b.transcript = transcript
            done(b)
          })
        )
      }
      if (b.reads === 0) out[index] = resultOf(detail, ctx, b)
    }
    return reads.length === 0
      ? Effect.succeed(out)
      : reads.length === 1
      ? Effect.as(reads[0]!, out)
      : Effect.as(Effect.forEach(reads, (read) => read, { concurrency: 16, discard: true }), out)
  }

  /**
   * The job detail a results page is cut from. A finished job's detail no longer changes, so it is
   * read once for all its pages (a 1,000-call job is one large detail: reading it again per page
   * made reading results quadratic). Kept for the few most recently read jobs.
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
          Effect.map(resultsOf(detail, ctx, offset, numbers), (page) => {
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


  // ---------------------------------------------------------------------------------------------
  // Tracking (`getRuns`): the job list of a run plan carries each job's status but not its
  // simulation jobs, so the list detects status changes and a job's detail is read only when its
  // listed status changed (the terminal one included). Counts that change while the status stays
  // the same are seen at the next status change, not as they happen (see docs/providers/roark.md).
  // ---------------------------------------------------------------------------------------------
  /**
   * Per job not yet terminal: its plan and the last status and run read. A terminal run is not
   * kept (its watchers end with it); a run nobody asks about any more (an interrupted watch) is
   * evicted least recently asked first once there are `maxTrackedRuns`.
   */
  const tracked = new Lru<string, { readonly planId: string; readonly status: string; readonly run: RunEncoded }>(options.maxTrackedRuns ?? 20_000)

  const remember = (run: RunEncoded): RunEncoded => {
    const id = run.ref.id
    tracked.delete(id)
    const planId = (run.providerMetadata as { readonly simulationRunPlanId?: unknown } | undefined)?.simulationRunPlanId
    if (typeof planId === "string" && !Status.isTerminal(run.status)) tracked.set(id, { planId, status: run.status.raw, run })
    return run
  }

  const trackedGetRun: SimulationProvider.Driver["getRun"] = (id) => Effect.map(getRun(id), remember)

  /** Listed statuses of the wanted jobs of one plan: newest first, 50 a page, until all were seen. */
  const listStatuses = (planId: string, wanted: ReadonlySet<string>): Effect.Effect<Map<string, string>, ProviderError.ProviderError> => {
    const statuses = new Map<string, string>()
    const from = (after: string | undefined): Effect.Effect<Map<string, string>, ProviderError.ProviderError> =>
      Effect.flatMap(client.runPlanJobs.list({ simulationRunPlanId: planId, limit: 50, ...(after === undefined ? {} : { after }) }), (page) => {
        for (const job of page.data) if (wanted.has(job.simulationRunPlanJobId)) statuses.set(job.simulationRunPlanJobId, job.status)
        const next = page.pagination?.hasMore ? page.pagination.nextCursor ?? undefined : undefined
        return statuses.size >= wanted.size || next === undefined || page.data.length === 0 ? Effect.succeed(statuses) : from(next)
      })
    return wanted.size === 0 ? Effect.succeed(statuses) : from(undefined)
  }

  /** `read` of each id: one needs no fiber; more are read 8 at a time. */
  const readEach = (ids: ReadonlyArray<string>, read: (id: string) => Effect.Effect<void, ProviderError.ProviderError>) =>
    ids.length === 0 ? Effect.void : ids.length === 1 ? read(ids[0]!) : Effect.forEach(ids, read, { concurrency: 8, discard: true })

  const getRuns: NonNullable<SimulationProvider.Driver["getRuns"]> = (ids, options) =>
    Effect.suspend(() => {
      const verdicts = options?.verdicts ?? true
      /** What this call starts from (entries evicted meanwhile by other reads still count). */
      const known = new Map<string, { readonly planId: string; readonly status: string; readonly run: RunEncoded }>()
      const missing: Array<string> = []
      for (const id of ids) {
        const entry = tracked.peek(id)
        if (entry === undefined) {
          missing.push(id)
          continue
        }
        // Asked for: most recently used.
        tracked.delete(id)
        tracked.set(id, entry)
        known.set(id, entry)
      }
      /** Runs read by this call (a job's detail, after a listed status change or never read before). */
      const read = new Map<string, RunEncoded>()
      const readOne = (id: string) => Effect.map(readRun(id, verdicts), (run) => void read.set(id, remember(run)))
      const answer = (): ReadonlyArray<RunEncoded> => {
        const out: Array<RunEncoded> = []
        for (const id of ids) {
          const run = read.get(id) ?? known.get(id)?.run
          if (run !== undefined) out.push(run)
        }
        return out
      }
      /** The known jobs whose listed status changed (one list per plan, one plan after the other), read. */
      const readChanged = () => {
        const byPlan = new Map<string, Set<string>>()
        for (const [id, entry] of known) byPlan.set(entry.planId, (byPlan.get(entry.planId) ?? new Set()).add(id))
        const changed: Array<string> = []
        const listed = Effect.forEach(byPlan, ([planId, wanted]) =>
          Effect.map(listStatuses(planId, wanted), (statuses) => {
            for (const id of wanted) {
              const listed = statuses.get(id)
              const entry = known.get(id)!
              // With verdicts, a run last read without them (by a watch without verdicts of the same
              // run) is read again even if its status did not change: its counts must not be pending.
              if ((listed !== undefined && listed !== entry.status) || (verdicts && (entry.run.counts?.pending ?? 0) > 0)) changed.push(id)
            }
          }), { discard: true })
        return Effect.flatMap(listed, () => readEach(changed, readOne))
      }
      // Jobs not tracked (never read, or evicted): once each (a watch reads its run with getRun first).
      const readMissing = readEach(missing, (id) => Effect.catchIf(readOne(id), (e) => e.reason === "NotFound", () => Effect.void))
      const readKnown = known.size === 0 ? Effect.void : Effect.suspend(readChanged)
      return Effect.map(missing.length === 0 ? readKnown : Effect.zipRight(readMissing, readKnown), answer)
    })

  const memory: Instrumented["memory"] = () => ({ cache: cache.sizes(), tracked: tracked.size, contexts: runs.size, attempts: attempts.size })

  return { name, capabilities, check, provision, startRun, getRun: trackedGetRun, getRuns, listResults, cancelRun, findRun, memory }
})

export const make: Effect.Effect<SimulationProvider.Driver, never, RoarkClient.RoarkClient> = makeWith()

// ---------------------------------------------------------------------------------------------
// Layers (the registry entry is `RoarkPlugin.plugin`)
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
