/**
 * simbridge on Cekura: the `SimulationProvider.Driver`, the layers providing `SimulationProvider`
 * and `CekuraClient` (the registry entry is `CekuraPlugin.plugin`).
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
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as CekuraClient from "./CekuraClient.js"
import * as CekuraPlugin from "./CekuraPlugin.js"
import { capabilities, Options, Target } from "./CekuraPlugin.js"
import * as Wire from "./CekuraWire.js"
import * as Mapping from "./internal/mapping.js"

export const provider = CekuraPlugin.name

// ---------------------------------------------------------------------------------------------
// pure translation
// ---------------------------------------------------------------------------------------------

const fail = (operation: string, reason: ProviderError.Reason, description: string) =>
  ProviderError.make({ provider, operation, reason, description })

const decodeEntry = <A, I>(operation: string, schema: Schema.Schema<A, I>, value: unknown, prefix: ReadonlyArray<string>) =>
  Schema.decodeUnknown(schema)(value).pipe(
    Effect.mapError((e) => fail(operation, "InvalidRequest", Issues.summarize(Issues.fromParseError(e), prefix)))
  )

export const targetOf = (operation: string, plan: Plan.Plan) =>
  plan.target[provider] === undefined
    ? Effect.fail(fail(operation, "InvalidRequest", "target.cekura: missing; expected { agentId } or { assistantId }"))
    : decodeEntry(operation, Target, plan.target[provider], ["target", "cekura"])

export const optionsOf = (operation: string, plan: Plan.Plan) => decodeEntry(operation, Options, plan.vendors[provider] ?? {}, ["vendors", "cekura"])

/** What simbridge needs to judge one evaluator on a Cekura run. */
export interface EvaluatorSpec {
  readonly id: string
  readonly required: boolean
  readonly type: Evaluator.Type
  readonly comparator: Evaluator.Comparator
  readonly expect: Evaluator.Expected | undefined
  readonly metricId?: number | undefined
}

/** The canonical identity of a provisioned Cekura scenario. */
export interface ScenarioContext {
  readonly scenario: string
  readonly persona: string
  readonly evaluators: ReadonlyArray<EvaluatorSpec>
}

export const expectedOutcomeId = "expected_outcome"

const expectation = (e: Evaluator.Evaluator): string =>
  e.type === "boolean"
    ? e.expect === (e.comparator === "=") ? "" : " (expected: it did not happen)"
    : ` (expected ${e.comparator} ${JSON.stringify(e.expect)})`

/** One expected-outcome line per evaluator not mapped to a metric, then the scenario's expected outcome. */
export const expectedOutcomePrompt = (plan: Plan.Plan, scenario: Plan.Plan["scenarios"][number], metrics: Readonly<Record<string, number>>): string =>
  [
    ...Plan.evaluatorsOf(plan, scenario)
      .filter((e) => metrics[e.id] === undefined)
      .map((e) => `[${e.id}]${e.required ? "" : " (optional)"} ${e.description}${expectation(e)}`),
    ...(scenario.expectedOutcome ? [`[${expectedOutcomeId}] ${scenario.expectedOutcome}`] : [])
  ].join("\n")

const linePattern = /^\[([A-Za-z0-9][A-Za-z0-9._-]*)\](\s\(optional\))?\s/

/** Reads the evaluators back from a scenario's prompt and tags (used when the driver's cache misses). */
export const contextFromScenario = (scenario: Wire.Scenario): ScenarioContext | undefined => {
  const tags = Wire.tagsOf(scenario)
  const tag = (prefix: string) => tags.filter((t) => t.startsWith(prefix)).map((t) => t.slice(prefix.length))
  const s = tag("sb-scenario:")[0]
  const p = tag("sb-persona:")[0]
  if (s === undefined || p === undefined) return undefined
  const optional = new Set(tag("sb-optional:"))
  const fromPrompt = (scenario.expected_outcome_prompt ?? "").split("\n").flatMap((line): Array<EvaluatorSpec> => {
    const m = linePattern.exec(line.trim())
    return m === null ? [] : [{ id: m[1]!, required: m[2] === undefined, type: "boolean", comparator: "=", expect: true }]
  })
  const fromMetrics = tag("sb-metric:").flatMap((t): Array<EvaluatorSpec> => {
    const [id, metric] = t.split("=")
    return id && metric && /^\d+$/.test(metric)
      ? [{ id, required: !optional.has(id), type: "boolean", comparator: "=", expect: undefined, metricId: Number(metric) }]
      : []
  })
  return { scenario: s, persona: p, evaluators: [...fromPrompt, ...fromMetrics] }
}

/** The evaluators of one scenario as simbridge judges them on Cekura. */
export const evaluatorSpecs = (plan: Plan.Plan, scenario: Plan.Plan["scenarios"][number], metrics: Readonly<Record<string, number>>): ReadonlyArray<EvaluatorSpec> => [
  ...Plan.evaluatorsOf(plan, scenario).map((e) => ({
    id: e.id,
    required: e.required,
    type: e.type,
    comparator: e.comparator,
    expect: e.expect,
    ...(metrics[e.id] === undefined ? {} : { metricId: metrics[e.id] })
  })),
  ...(scenario.expectedOutcome ? [{ id: expectedOutcomeId, required: true, type: "boolean" as const, comparator: "=" as const, expect: true }] : [])
]

/** The scenario's instructions, scripted steps and the caller persona in prose. */
export const instructions = (scenario: Plan.Plan["scenarios"][number], persona: Persona.Persona): string =>
  [
    scenario.instructions,
    ...(scenario.steps && scenario.steps.length > 0 ? [`Steps:\n${scenario.steps.map((s, i) => `${i + 1}. ${s}`).join("\n")}`] : []),
    `Caller persona:\n${Persona.describe(persona)}`
  ].join("\n\n")

/** Scores a catalogue personality for a persona: language first, then accent, gender, noise, mood. */
export const personalityScore = (persona: Persona.Persona, p: Wire.Personality): number => {
  const text = `${p.name} ${p.prompt ?? ""}`.toLowerCase()
  let score = 0
  if ((p.language ?? "en").toLowerCase() === Mapping.languageOf[persona.language]) score += 100
  if (persona.accent && (p.accent ?? "").toLowerCase() === Mapping.accentOf[persona.accent]) score += 20
  if (persona.gender && persona.gender !== "neutral" && new RegExp(`\\b${persona.gender}\\b`).test(text)) score += 10
  if (persona.backgroundNoise && (p.background_noise ?? "none").toLowerCase() === Mapping.backgroundNoiseOf[persona.backgroundNoise]) score += 10
  if (persona.emotion && text.includes(persona.emotion)) score += 5
  return score
}

/** The closest catalogue personality (ties: the lowest id). */
export const closestPersonality = (persona: Persona.Persona, catalogue: ReadonlyArray<Wire.Personality>): Wire.Personality | undefined =>
  [...catalogue].sort((a, b) => personalityScore(persona, b) - personalityScore(persona, a) || a.id - b.id)[0]

const truncate = (s: string, n: number) => (s.length <= n ? s : `${s.slice(0, n - 1)}…`)

/** The result name carrying the marker, and the marker read back. */
export const resultName = (plan: Plan.Plan, marker: string) => `${truncate(plan.name, 200)} [${marker}]`
export const markerOf = (name: string | null | undefined): string | undefined => /\[([^\]\s]+)\]\s*$/.exec(name ?? "")?.[1]

/** Iteration of each run: 1-based rank among the runs of the same scenario, by run id. */
export const iterations = (runs: ReadonlyArray<{ readonly id: number; readonly scenario?: typeof Wire.ScenarioField.Type | null | undefined }>): Map<number, number> => {
  const byScenario = new Map<number | undefined, Array<number>>()
  for (const r of runs) {
    const s = Wire.scenarioIdOf(r.scenario)
    byScenario.set(s, [...(byScenario.get(s) ?? []), r.id])
  }
  const out = new Map<number, number>()
  for (const ids of byScenario.values()) [...ids].sort((a, b) => a - b).forEach((id, i) => out.set(id, i + 1))
  return out
}

const explanationText = (e: typeof Wire.Explanation.Type | null | undefined): string | undefined =>
  e === null || e === undefined ? undefined : typeof e === "string" ? e : e.join(" ")

type Mutable<A> = { -readonly [K in keyof A]: A[K] }
type EvaluationEncoded = Mutable<typeof Result.EvaluationResult.Encoded>

/** An evaluation's first fields, in the order every evaluation of a spec has them. */
const judgedBy = (spec: EvaluatorSpec, passed: boolean | null): EvaluationEncoded => {
  const e = { evaluator: spec.id, required: spec.required } as EvaluationEncoded
  if (spec.expect !== undefined) e.expected = spec.expect
  e.passed = passed
  return e
}

/**
 * Judges a run's evaluations against the scenario's evaluators; vendor metrics without a
 * counterpart are kept as optional. Runs twice per result read (`getRun`'s counts, then the
 * result): objects are built by assignment, not conditional spreads.
 */
export const evaluations = (run: Wire.RunSummary, context: ScenarioContext | undefined): Array<typeof Result.EvaluationResult.Encoded> => {
  const status = Mapping.statusOf(run.status)
  const judged = status.unified === "completed" || (status.unified === "unknown" && (run.evaluation != null || run.expected_outcome != null))
  if (!judged) return []
  const outcome = typeof run.expected_outcome === "object" && run.expected_outcome !== null ? run.expected_outcome : undefined
  const alignments = outcome?.outcome_alignments ?? []
  const metrics = run.evaluation?.metrics ?? []
  const used = new Set<Wire.Metric>()
  const out: Array<typeof Result.EvaluationResult.Encoded> = []
  for (const spec of context?.evaluators ?? []) {
    if (spec.metricId !== undefined) {
      const metric = metrics.find((m) => m.id === spec.metricId)
      if (metric === undefined) {
        const e = judgedBy(spec, null)
        e.reasoning = `metric ${spec.metricId} was not evaluated`
        out.push(e)
        continue
      }
      used.add(metric)
      const kind = Mapping.metricKindOf(metric.type ?? metric.eval_type)
      const actual = kind === "binary" ? Mapping.binaryPassed(metric) : kind === "numeric" || kind === "qualitative" ? metric.score ?? null : (metric.value ?? metric.enum ?? null) as string | null
      const passed = actual === null ? null : spec.expect === undefined ? (kind === "binary" ? actual === true : null) : Evaluator.passes({ comparator: spec.comparator, expect: spec.expect }, actual)
      const reasoning = explanationText(metric.explanation)
      const e = { evaluator: spec.id, required: spec.required } as EvaluationEncoded
      if (spec.expect !== undefined) e.expected = spec.expect
      if (metric.name) e.name = metric.name
      e.passed = passed
      if (actual !== null) e.actual = actual
      if (reasoning) e.reasoning = reasoning
      out.push(e)
      continue
    }
    const tag = `[${spec.id}]`
    const alignment = alignments.find((a) => (a.prompt_part ?? "").includes(tag))
    if (alignment === undefined || typeof alignment.aligned !== "boolean") {
      const e = judgedBy(spec, null)
      e.reasoning = "not judged in the expected outcome"
      out.push(e)
      continue
    }
    // The line states the expectation itself (`expectation`): Cekura's `aligned` is its yes/no on
    // the whole line, so it is the outcome, for every evaluator type (`checkedByVendor`).
    const e = judgedBy(spec, alignment.aligned)
    e.actual = alignment.aligned
    e.checkedByVendor = true
    if (alignment.outcome) e.reasoning = alignment.outcome
    out.push(e)
  }
  for (const metric of metrics) {
    if (used.has(metric)) continue
    const kind = Mapping.metricKindOf(metric.type ?? metric.eval_type)
    const actual = kind === "binary" ? Mapping.binaryPassed(metric) : metric.score ?? null
    const reasoning = explanationText(metric.explanation)
    const e = { evaluator: metric.name ?? `metric-${metric.id ?? "?"}` } as EvaluationEncoded
    if (metric.name) e.name = metric.name
    e.passed = kind === "binary" ? (actual as boolean | null) : null
    e.required = false
    if (actual !== null) e.actual = actual
    if (reasoning) e.reasoning = reasoning
    out.push(e)
  }
  return out
}

export const verdictOf = (run: Wire.RunSummary, context: ScenarioContext | undefined) =>
  Result.verdictOf(Mapping.statusOf(run.status), evaluations(run, context))

/**
 * The verdict a run's status decides alone, whatever its evaluation: a failed or timed-out run is
 * `error` and a cancelled one `skipped` (`evaluations` judges only completed runs, so `verdictOf`
 * gives these for any payload); undefined for any other status.
 */
const statusVerdict = (status: { readonly unified: Status.UnifiedStatus }): Status.Verdict | undefined =>
  status.unified === "failed" || status.unified === "timed_out" || status.unified === "canceled" ? Result.verdictOf(status, []) : undefined

const fallbackIds = (run: { readonly scenario?: typeof Wire.ScenarioField.Type | null | undefined; readonly personality?: number | null | undefined }) => ({
  scenario: `cekura-scenario-${Wire.scenarioIdOf(run.scenario) ?? "deleted"}`,
  persona: `cekura-personality-${run.personality ?? "default"}`
})

const json = (value: unknown): unknown => JSON.parse(JSON.stringify(value))

const terminalStatuses: ReadonlySet<string> = new Set(["completed", "failed", "canceled", "timed_out"])

/**
 * A Cekura run as a canonical result. Built by assignment, not conditional spreads (it runs for
 * every result read), in the same key order as before.
 */
export const toResult = (
  resultId: number,
  run: Wire.Run,
  context: ScenarioContext | undefined,
  iteration: number,
  /** Attach the vendor's run as `raw` (only when the caller asked for it: it is a deep copy). */
  withRaw = true
): typeof Result.Result.Encoded => {
  const status = Mapping.statusOf(run.status)
  const evals = evaluations(run, context)
  const ids = context ?? fallbackIds(run)
  const transcript: Array<typeof Result.TranscriptTurn.Encoded> = []
  for (const t of run.transcript_object ?? []) {
    if (!t.content) continue
    const turn: Mutable<typeof Result.TranscriptTurn.Encoded> = { role: Mapping.roleOf(t.role), text: t.content }
    const start = t.timestamp ?? t.start_time ?? Mapping.durationSeconds(t.time)
    if (start != null) turn.startSeconds = start
    if (t.end_time != null) turn.endSeconds = t.end_time
    transcript.push(turn)
  }
  const duration = Mapping.durationSeconds(run.duration)
  const outcome = typeof run.expected_outcome === "object" && run.expected_outcome !== null ? run.expected_outcome : undefined
  const result: Mutable<typeof Result.Result.Encoded> = {
    ref: { provider, kind: "result", id: String(run.id) },
    run: { provider, kind: "run", id: String(resultId) },
    scenario: ids.scenario,
    persona: ids.persona,
    iteration,
    status,
    verdict: Result.verdictOf(status, evals),
    evaluations: evals,
    transcript
  }
  if (run.voice_recording_url) result.recordingUrl = run.voice_recording_url
  if (run.error_message) result.failureReason = { code: status.raw || "error", message: run.error_message }
  if (run.executed_at) result.startedAt = run.executed_at
  if (terminalStatuses.has(status.unified) && duration !== undefined && duration > 0) result.durationSeconds = duration
  // Numbers, strings, booleans and nulls only: already JSON (no copy needed).
  result.providerMetadata = {
    cekuraResultId: resultId,
    cekuraRunId: run.id,
    cekuraScenarioId: Wire.scenarioIdOf(run.scenario) ?? null,
    personality: run.personality ?? null,
    personalityName: run.personality_name ?? null,
    providerCallId: run.provider_call_id ?? null,
    // Cekura's own `success`: kept and compared with core's verdict (`Judge`), not trusted.
    vendorPassed: run.success ?? null,
    expectedOutcomeScore: outcome?.score ?? null,
    evaluationStatus: run.evaluation_status ?? null
  }
  if (withRaw) result.raw = json(run) as never
  return result
}

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

const pairKey = (scenario: string, persona: string) => `${scenario}/${persona}`
const refKey = {
  pair: (scenario: string, persona: string) => `scenario:${pairKey(scenario, persona)}`,
  testProfile: (scenario: string, persona: string) => `testProfile:${pairKey(scenario, persona)}`,
  agent: "agent"
} as const

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

    const metricsOf = (o: Options): Record<string, number> => ({ ...o.metrics }) as Record<string, number>

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
          const override = opts.personalities?.[persona.id]
          let personality: Wire.Personality | undefined
          if (override !== undefined) {
            personality = catalogue.find((p) => p.id === override)
            if (personality === undefined) {
              return yield* Effect.fail(fail(operation, "InvalidRequest", `vendors.cekura.personalities.${persona.id}: no personality ${override} in the catalogue`))
            }
          } else {
            personality = closestPersonality(persona, catalogue)
            if (personality === undefined) return yield* Effect.fail(fail(operation, "NotFound", "the personality catalogue is empty"))
            const speaks = (personality.language ?? "en").toLowerCase() === Mapping.languageOf[persona.language]
            warnings.push(Warning.make(
              "persona_from_catalogue",
              `persona "${persona.id}" runs as Cekura personality #${personality.id} "${personality.name}": Cekura cannot create personalities through its API${speaks ? "" : `, and no catalogue personality speaks ${persona.language}`}`,
              `personas[${i}]`
            ))
          }
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
            // the test profile: persona properties for the caller, scenario variables for the agent
            const information = {
              main_agent_variables: { ...s.variables },
              testing_agent_variables: { name: p.name, ...(p.backstory ? { backstory: p.backstory } : {}), ...p.properties }
            }
            const profileHash = Plan.definitionHash(information)
            const key = pairKey(s.id, p.id)
            const base = key.length > 200 ? Plan.definitionHash(key) : key
            const profileName = `sb:${base}#${profileHash}`
            let profile = profiles.find((x) => x.name === profileName)
            if (profile === undefined) {
              profile = yield* client.createTestProfile(new Wire.CreateTestProfileRequest({ agent: agent.id, name: profileName, information }))
              created++
            } else reused++
            refs[refKey.testProfile(s.id, p.id)] = { provider, kind: "test-profile", id: String(profile.id) }

            // the scenario
            const evaluatorMetrics = Plan.evaluatorsOf(plan, s).filter((e) => metrics[e.id] !== undefined)
            const desired = {
              name: truncate(`${s.name} / ${p.name}`, 80),
              personality: chosen.get(p.id)!.id,
              instructions: instructions(s, p),
              expected_outcome_prompt: expectedOutcomePrompt(plan, s, metrics),
              metrics: evaluatorMetrics.map((e) => metrics[e.id]!),
              test_profile: profile.id,
              ...(opts.folderPath === undefined ? {} : { folder_path: opts.folderPath })
            }
            const hash = Plan.definitionHash(desired)
            const tags = [
              "simbridge",
              `sb-scenario:${s.id}`,
              `sb-persona:${p.id}`,
              `sb-hash:${hash}`,
              ...evaluatorMetrics.map((e) => `sb-metric:${e.id}=${metrics[e.id]}`),
              ...evaluatorMetrics.filter((e) => !e.required).map((e) => `sb-optional:${e.id}`)
            ]
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

    const toRun = (
      detail: { readonly id: number; readonly name?: string | null | undefined; readonly status: string; readonly agent?: number | null | undefined; readonly created_at?: string | null | undefined },
      counts: typeof import("@simbridge/core").Run.RunCounts.Encoded,
      extra: Record<string, unknown> = {},
      warnings: ReadonlyArray<typeof Warning.Warning.Encoded> = []
    ): typeof import("@simbridge/core").Run.Run.Encoded => {
      const marker = markerOf(detail.name)
      return {
        ref: { provider, kind: "run", id: String(detail.id) },
        provider,
        ...(detail.name ? { name: detail.name } : {}),
        status: Mapping.statusOf(detail.status),
        counts,
        ...(detail.created_at ? { createdAt: detail.created_at } : {}),
        ...(marker === undefined ? {} : { marker }),
        warnings,
        providerMetadata: json({ cekuraResultId: detail.id, agentId: detail.agent ?? null, ...extra }) as Record<string, never>
      }
    }

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
        const agentId = provisioning.refs[refKey.agent]?.id
        const common = {
          ...(target.agentId !== undefined ? { agent_id: target.agentId } : agentId !== undefined ? { agent_id: Number(agentId) } : { assistant_id: target.assistantId! }),
          scenarios,
          frequency: plan.iterations,
          name: resultName(plan, marker),
          ...(plan.concurrency === undefined ? {} : { concurrency_limit: plan.concurrency }),
          ...(opts.outboundPhoneNumber === undefined ? {} : { outbound_phone_number: opts.outboundPhoneNumber }),
          ...(opts.agentNumber === undefined ? {} : { agent_number: opts.agentNumber }),
          ...(opts.mockToolNames === undefined ? {} : { mock_tool_names: opts.mockToolNames })
        }
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
        const counts = { total: detail.runs.length, queued: 0, running: 0, passed: 0, failed: 0, errored: 0, skipped: 0 }
        for (const run of detail.runs) {
          const verdict = verdictOf(run, yield* scenarioContext(Wire.scenarioIdOf(run.scenario)))
          if (verdict === "pass") counts.passed++
          else if (verdict === "fail") counts.failed++
          else if (verdict === "error") counts.errored++
          else if (verdict === "skipped") counts.skipped++
          else if (Mapping.statusOf(run.status).unified === "queued") counts.queued++
          else counts.running++
        }
        const total = detail.total_runs_count === undefined || detail.total_runs_count === null ? undefined : Number(detail.total_runs_count)
        const success = detail.success_runs_count === undefined || detail.success_runs_count === null ? undefined : Number(detail.success_runs_count)
        return toRun(detail, counts, {
          successRatePercent: Mapping.successRatePercent(detail.success_rate, success, total) ?? null,
          runType: detail.run_type ?? null
        })
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
        // Runs whose verdict needs their evaluation and is not known: completed (with verdicts
        // only) or of a status this driver does not know (with or without: it may be finished and
        // evaluated, so it is read as getRun would, which only happens on an undocumented status).
        const unread = changed.flatMap((r) =>
          (r.runs ?? []).filter((run) => {
            const status = Mapping.statusOf(run.status ?? "")
            if (trackedVerdicts.has(run.id) || statusVerdict(status) !== undefined) return false
            return status.unified === "unknown" || (verdicts && Status.isTerminal(status))
          }).map((run) => run.id)
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
          const counts: Mutable<typeof import("@simbridge/core").Run.RunCounts.Encoded> = { total: r.runs.length, queued: 0, running: 0, passed: 0, failed: 0, errored: 0, skipped: 0 }
          let pending = 0
          for (const run of r.runs) {
            const status = Mapping.statusOf(run.status ?? "")
            const verdict = trackedVerdicts.get(run.id) ?? fresh.get(run.id) ?? statusVerdict(status) ?? "pending"
            if (verdict === "pass") counts.passed++
            else if (verdict === "fail") counts.failed++
            else if (verdict === "error") counts.errored++
            else if (verdict === "skipped") counts.skipped++
            // Finished, its evaluation not read (without verdicts): the results read gives it.
            else if (!verdicts && Status.isTerminal(status)) pending++
            else if (status.unified === "queued") counts.queued++
            else counts.running++
          }
          if (pending > 0) counts.pending = pending
          const total = r.total_runs_count === undefined || r.total_runs_count === null ? undefined : Number(r.total_runs_count)
          const success = r.success_runs_count === undefined || r.success_runs_count === null ? undefined : Number(r.success_runs_count)
          tracked.set(r.id, {
            signature: signatureOf(r),
            run: toRun(r, counts, {
              successRatePercent: Mapping.successRatePercent(r.success_rate ?? undefined, success, total) ?? null,
              runType: r.run_type ?? null
            })
          })
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
// layers (the registry entry is `CekuraPlugin.plugin`)
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

type RunEncoded = typeof import("@simbridge/core").Run.Run.Encoded

const nullable = <A, I>(schema: Schema.Schema<A, I>) => Schema.optional(Schema.NullOr(schema))

const TrackedRun = Schema.Struct({ id: Schema.Number, status: nullable(Schema.String), success: nullable(Schema.Boolean) })

const trackedFields = {
  id: Schema.Number,
  name: nullable(Schema.String),
  agent: nullable(Schema.Number),
  status: Schema.String,
  success_rate: nullable(Schema.Number),
  /** Summaries `{ id, status, success }`; an object keyed by run id is tolerated too. */
  runs: Schema.optional(Schema.transform(
    Schema.Union(Schema.Array(TrackedRun), Schema.Record({ key: Schema.String, value: TrackedRun })),
    Schema.Array(TrackedRun),
    { strict: false, decode: (runs) => (Array.isArray(runs) ? runs : Object.values(runs)), encode: (runs) => runs }
  )),
  total_runs_count: nullable(Wire.Count),
  completed_runs_count: nullable(Wire.Count),
  success_runs_count: nullable(Wire.Count),
  run_type: nullable(Schema.String),
  created_at: nullable(Schema.String),
  updated_at: nullable(Schema.String)
}

/** An item of `GET /test_framework/v1/results/` with what tracking needs (counts and run summaries). */
export const TrackedResult = Schema.Struct(trackedFields)
export type TrackedResult = typeof TrackedResult.Type

/** What decides whether a listed result changed since the last poll. */
const signatureOf = (r: TrackedResult): string =>
  JSON.stringify([r.status, r.success_rate, r.total_runs_count, r.completed_runs_count, r.success_runs_count, r.updated_at, (r.runs ?? []).map((run) => [run.id, run.status, run.success])])
