/**
 * Roark's payloads as canonical results, pure: a run's context (from the plan and provisioning, or
 * recovered from the markers on the vendor objects), a call's metrics as evaluations, and a
 * simulation job with its call and transcript as a result. Nothing here makes a request;
 * `RunContexts` is the driver's bounded memory of the contexts of the runs it reads.
 *
 * @internal
 */
import { Evaluator, Plan, Provisioning, Result, type Status } from "@simbridge/core"
import { Lru } from "@simbridge/core/Lru"
import * as Schema from "effect/Schema"
import { name } from "../RoarkSuite.js"
import * as Wire from "../RoarkWire.js"
import * as M from "./mapping.js"

/** How many results a `listResults` page holds. */
export const resultsPageSize = 50

export type Encoded<A extends { readonly Encoded: unknown }> = A["Encoded"]
export type RunEncoded = Encoded<typeof import("@simbridge/core/Run").Run>
export type ResultEncoded = Encoded<typeof Result.Result>
export type EvaluationEncoded = Encoded<typeof Result.EvaluationResult>
export type TurnEncoded = Encoded<typeof Result.TranscriptTurn>
export type RefEncoded = { readonly provider: string; readonly kind: string; readonly id: string }
export type Mutable<A> = { -readonly [K in keyof A]: A[K] }

export const ref = (kind: string, id: string): RefEncoded => ({ provider: name, kind, id })

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
    const e: Mutable<EvaluationEncoded> = {
      evaluator: M.evaluatorIdOf(m) ?? slug ?? m.name,
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
    const id = M.evaluatorIdOf(d)
    if (id === undefined || !plan.metrics.some((x) => x.id === d.id)) continue
    const check = M.isCheckMetric(d.type, Wire.slugOf(d))
    if (!check) continue
    evaluators.push({ metricDefinitionId: d.id, evaluator: Schema.decodeSync(Evaluator.Evaluator)({ id: id as never, description: d.description?.trim() || d.name }) })
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
export const knownScenario = (ctx: RunContext, sim: Wire.SimulationJob, lookedUp?: Pick<ReadonlyMap<string, string>, "get">): string | undefined => {
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

/** The part of a run's context that depends on the plan and provisioning only. */
export const sharedContextOf = (plan: Plan.Plan, provisioning: Provisioning.Provisioning): Omit<RunContext, "marker"> => {
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

/**
 * The driver's memory of run contexts, per run-plan job id: what its snapshots and results reads
 * map the job with. The part that depends on the plan and provisioning only is built once and
 * shared by every run started from the same two objects (and forgotten with them). At most
 * `capacity` runs, least recently used out: a run forgotten that way is read with the context
 * recovered from the markers on the vendor objects (`recoveredContextOf`), which reports
 * non-boolean evaluators as non-required.
 */
export class RunContexts {
  private readonly byRun: Lru<string, RunContext>
  private readonly shared = new WeakMap<Plan.Plan, WeakMap<Provisioning.Provisioning, Omit<RunContext, "marker">>>()

  constructor(capacity: number) {
    this.byRun = new Lru(capacity)
  }

  get size(): number {
    return this.byRun.size
  }

  /** The context of a run, made the most recently used. */
  get(runId: string): RunContext | undefined {
    return this.byRun.get(runId)
  }

  set(runId: string, ctx: RunContext): RunContext {
    this.byRun.set(runId, ctx)
    return ctx
  }

  /** The context of the run `runId` started from `plan` and `provisioning` with `marker`, remembered. */
  started(runId: string, plan: Plan.Plan, provisioning: Provisioning.Provisioning, marker: string): RunContext {
    let byProvisioning = this.shared.get(plan)
    if (byProvisioning === undefined) this.shared.set(plan, byProvisioning = new WeakMap())
    let common = byProvisioning.get(provisioning)
    if (common === undefined) byProvisioning.set(provisioning, common = sharedContextOf(plan, provisioning))
    return this.set(runId, { ...common, marker })
  }
}

/** The vendor's own payload for a result, only when asked for: the simulation job as its schema reads it, as JSON. */
export const withRaw = (result: ResultEncoded, sim: Wire.SimulationJob, raw: boolean): ResultEncoded =>
  raw ? { ...result, raw: JSON.parse(JSON.stringify(sim)) } : result

/** A result to build and what it waits for: its metrics (unless known), its call and transcript (when finished). */
export interface Building {
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
