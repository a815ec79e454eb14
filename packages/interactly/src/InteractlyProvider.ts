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
 *   (transcript, latency) and its evaluation result (metrics -> evaluations, `passed` -> verdict);
 *   run counts come from the executions and the evaluation summary.
 *
 * @since 0.1.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import {
  Capabilities,
  Issues,
  type Json,
  Persona,
  Plan,
  ProviderError,
  ProviderRegistry,
  Result,
  SimulationProvider,
  Status,
  Warning
} from "@simbridge/core"
import type * as Provisioning from "@simbridge/core/Provisioning"
import type * as Retry from "@simbridge/core/Retry"
import type * as Run from "@simbridge/core/Run"
import type * as ConfigError from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as InteractlyClient from "./InteractlyClient.js"
import * as Wire from "./InteractlyWire.js"
import * as Mapping from "./internal/mapping.js"

export const name = "interactly"

// ---------------------------------------------------------------------------------------------
// Suite schemas
// ---------------------------------------------------------------------------------------------

/** The suite's `target.interactly` entry. */
export const Target = Schema.Struct({
  workflowId: Wire.ObjectId,
  /** The workflow version to test; Interactly's default is 0, the initial version. */
  versionNumber: Schema.optional(Schema.Int.pipe(Schema.nonNegative()))
})
export type Target = typeof Target.Type

export const MetricOption = Schema.Struct({
  /** The metric name in the workflow's evaluation criteria; default the evaluator's id. */
  name: Schema.optional(Schema.NonEmptyTrimmedString),
  /** Rescales the 0-100 score for number evaluators (5 for a 1-5 scale). */
  scale: Schema.optional(Schema.Number.pipe(Schema.positive()))
})

/** The suite's `vendors.interactly` options. */
export const Options = Schema.Struct({
  /** The caller workflow of every persona without its own entry in `callerWorkflows`. */
  callerWorkflowId: Schema.optional(Wire.ObjectId),
  /** persona id -> caller workflow id. */
  callerWorkflows: Schema.optional(Schema.Record({ key: Schema.String, value: Wire.ObjectId })),
  callerVersionNumber: Schema.optional(Schema.Int.pipe(Schema.nonNegative())),
  /** `max_events`; the server's default applies when omitted. */
  maxEvents: Schema.optional(Schema.Int.pipe(Schema.positive())),
  /** `assistant_starts_first`; default true for inbound plans, false for outbound ones. */
  assistantStartsFirst: Schema.optional(Schema.Boolean),
  /** `stop_on_failure`: no new execution starts once one failed. */
  stopOnFailure: Schema.optional(Schema.Boolean),
  /** evaluator id -> how it reads the workflow's metric. */
  metrics: Schema.optional(Schema.Record({ key: Schema.String, value: MetricOption })),
  /** A metric without its own `passed` passes at this score; default 60. */
  passThreshold: Schema.optional(Schema.Number.pipe(Schema.between(0, 100)))
})
export type Options = typeof Options.Type

// ---------------------------------------------------------------------------------------------
// Capabilities
// ---------------------------------------------------------------------------------------------

export const capabilities = new Capabilities.Capabilities({
  personas: "workflow",
  personaAttributes: [],
  directions: ["inbound", "outbound"],
  transports: ["chat"],
  concurrency: true,
  maxDuration: true,
  silenceTimeout: false,
  endCallPhrases: false,
  executionMode: false,
  scriptedSteps: false,
  toolMocks: false,
  cancelRun: true,
  cancelResult: false,
  recordings: false,
  gaps: [
    "the caller is a workflow: persona attributes are passed as dynamic variables and prose, not as native voice or persona settings",
    "simulations exchange text events between two workflows: no audio, voice, accent or background noise, no recordings",
    "evaluators cannot be created through the API: they are matched by name to the evaluation criteria configured on the workflow",
    "max_concurrent_runs applies per simulation (scenario x persona), not to the whole run",
    "a simulation's config cannot be updated (only description and status): a changed plan creates a new simulation"
  ]
})

// ---------------------------------------------------------------------------------------------
// Driver
// ---------------------------------------------------------------------------------------------

export interface DriverOptions {
  /** Executions per page of results; default 50. */
  readonly pageSize?: number | undefined
}

const invalid = (operation: string, description: string) =>
  ProviderError.make({ provider: name, operation, reason: "InvalidRequest", description })

const decodeAt = <A, I>(schema: Schema.Schema<A, I>, value: unknown, path: ReadonlyArray<string>, operation: string) =>
  Schema.decodeUnknown(schema, { onExcessProperty: "error" })(value).pipe(
    Effect.mapError((e) => invalid(operation, Issues.summarize(Issues.fromParseError(e), path)))
  )

/** The suite's `target.interactly`, or `InvalidRequest` naming the field. */
const targetOf = (plan: Plan.Plan, operation: string) => {
  const entry = plan.target[name]
  return entry === undefined
    ? Effect.fail(invalid(operation, `target.${name}: missing; expected { workflowId: <24-hex ObjectId>, versionNumber?: <int> }`))
    : decodeAt(Target, entry, ["target", name], operation)
}

/** The suite's `vendors.interactly` (all optional), or `InvalidRequest` naming the field. */
const optionsOf = (plan: Plan.Plan, operation: string) => decodeAt(Options, plan.vendors[name] ?? {}, ["vendors", name], operation)

const ref = (kind: string, id: string) => ({ provider: name, kind, id })

const groupIdsOf = (operation: string, id: string) => {
  const ids = id.split(".")
  return ids.every((g) => /^[0-9a-f]{24}$/i.test(g))
    ? Effect.succeed(ids)
    : Effect.fail(invalid(operation, `"${id}" is not an Interactly run id (simulation group ObjectIds joined with ".")`))
}

const json = (value: unknown): any => JSON.parse(JSON.stringify(value))

/** A canonical result without `raw`, and the vendor payloads `raw` is made of when asked for. */
interface Computed {
  readonly result: typeof Result.Result.Encoded
  readonly raw: unknown
}

/** Finished executions kept by the driver (see `resultOf`). */
const finishedCacheSize = 10_000

interface Canonical {
  readonly scenario: string
  readonly persona: string
}

/** The provider's own warnings for a plan, without contacting the vendor (also `simbridge validate`'s). */
export const check = (plan: Plan.Plan): ReadonlyArray<Warning.Warning> => {
  const w: Array<Warning.Warning> = []
  const opts = Option.getOrElse(Schema.decodeUnknownOption(Options)(plan.vendors[name] ?? {}), () => ({}) as Options)
  if (plan.evaluators.length > 0) {
    const names = plan.evaluators.map((e) => `${e.id} -> "${opts.metrics?.[e.id]?.name ?? e.id}"`).join(", ")
    w.push(Warning.make(
      "evaluators_as_workflow_metrics",
      `Interactly judges with the evaluation criteria configured on the workflow; evaluators are matched to its metrics by name (${names}); rename with vendors.interactly.metrics`,
      "evaluators"
    ))
  }
  plan.personas.forEach((p, i) => {
    if (opts.callerWorkflows?.[p.id] === undefined && opts.callerWorkflowId === undefined) {
      w.push(Warning.make(
        "caller_workflow_managed",
        `persona "${p.id}" has no caller workflow (vendors.interactly.callerWorkflows); simbridge uses the workflow "${Mapping.callerWorkflowName(p.id)}", creating it with only a description if missing: give it a caller prompt that uses the persona_* and scenario_* dynamic variables`,
        `personas[${i}]`
      ))
    }
  })
  if (plan.concurrency !== undefined && plan.scenarios.length * plan.personas.length > 1) {
    w.push(Warning.make(
      "concurrency_per_simulation",
      `max_concurrent_runs applies to each of the ${plan.scenarios.length * plan.personas.length} simulations (scenario x persona): up to ${plan.concurrency * plan.scenarios.length * plan.personas.length} conversations may run at once`,
      "concurrency"
    ))
  }
  return w
}

/** Builds the driver over an `InteractlyClient`. */
export const makeDriver = (options: DriverOptions = {}): Effect.Effect<SimulationProvider.Driver, never, InteractlyClient.InteractlyClient> =>
  Effect.gen(function*() {
    const client = yield* InteractlyClient.InteractlyClient
    const pageSize = options.pageSize ?? 50

    /** vendor simulation id -> canonical scenario and persona. */
    const simulations = new Map<string, Canonical>()
    /** group id -> simulation id. */
    const groupSimulation = new Map<string, string>()
    /** `<marker>/<simulation id>` -> group, so a retried start never starts a group twice. */
    const started = new Map<string, Wire.SimulationGroup>()
    /** run id -> the plan and options it ran (for evaluator matching). */
    const runPlans = new Map<string, { readonly plan: Plan.Plan; readonly options: Options }>()

    const simulationBody = (plan: Plan.Plan, target: Target, opts: Options, scenario: Plan.Plan["scenarios"][number], persona: Persona.Persona, callerId: string) => {
      const config = {
        name: `simbridge: ${scenario.name} / ${persona.name}`,
        selected_workflow: { workflow_id: target.workflowId, ...(target.versionNumber === undefined ? {} : { version_number: target.versionNumber }) },
        counter_workflow: {
          workflow_id: callerId,
          ...(opts.callerVersionNumber === undefined ? {} : { version_number: opts.callerVersionNumber }),
          dynamic_variables: { ...Mapping.personaVariables(persona), ...Mapping.scenarioVariables(scenario) }
        },
        number_of_simulations: plan.iterations,
        ...(plan.maxDurationSeconds === undefined ? {} : { timeout_seconds: plan.maxDurationSeconds }),
        ...(opts.maxEvents === undefined ? {} : { max_events: opts.maxEvents }),
        ...(plan.concurrency === undefined ? {} : { max_concurrent_runs: plan.concurrency }),
        assistant_starts_first: opts.assistantStartsFirst ?? plan.direction === "inbound",
        ...(opts.stopOnFailure === undefined ? {} : { stop_on_failure: opts.stopOnFailure }),
        run_by: "simbridge"
      }
      const logicalId = Mapping.simulationLogicalId(target.workflowId, scenario.id, persona.id, Plan.definitionHash(config))
      const description = `${plan.name}: ${scenario.name} / ${persona.name} (simbridge)`
      return { ...config, logical_id: logicalId, description } satisfies Wire.CreateSimulationRequest
    }

    /** Pages through a list until `find` matches (at most 20 pages). */
    const findIn = <A>(list: (page: number) => Effect.Effect<{ readonly items: ReadonlyArray<A>; readonly total: number | undefined }, ProviderError.ProviderError>, find: (a: A) => boolean) =>
      Effect.gen(function*() {
        for (let page = 1; page <= 20; page++) {
          const { items, total } = yield* list(page)
          const hit = items.find(find)
          if (hit !== undefined) return Option.some(hit)
          if (items.length < 100 || (total !== undefined && page * 100 >= total)) break
        }
        return Option.none<A>()
      })

    const findWorkflow = (workflowName: string) =>
      findIn(
        (page) => Effect.map(client.listWorkflows({ search: workflowName, page, size: 100 }), (l) => ({ items: l.workflows, total: l.total })),
        (w) => w.name === workflowName
      )

    const findSimulation = (logicalId: string) =>
      findIn(
        (page) => Effect.map(client.listSimulations({ logical_id: logicalId, page, size: 100 }), (l) => ({ items: l.simulations, total: l.total })),
        (s) => s.simulation_config.logical_id === logicalId
      )

    const canonicalOf = (simulationId: string) =>
      Effect.gen(function*() {
        const cached = simulations.get(simulationId)
        if (cached) return cached
        const sim = yield* client.getSimulation(simulationId)
        const parsed = Mapping.parseSimulationLogicalId(sim.simulation_config.logical_id)
        const canonical = parsed ?? {
          scenario: `simulation-${simulationId}`,
          persona: `workflow-${sim.simulation_config.counter_workflow?.workflow_id ?? "unknown"}`
        }
        simulations.set(simulationId, canonical)
        return canonical
      })

    const simulationOfGroup = (groupId: string) =>
      Effect.gen(function*() {
        const cached = groupSimulation.get(groupId)
        if (cached) return cached
        const group = yield* client.getSimulationRun(groupId)
        const simId = group.simulation_config_id ?? ""
        groupSimulation.set(groupId, simId)
        return simId
      })

    const provision: SimulationProvider.Driver["provision"] = (plan) =>
      Effect.gen(function*() {
        const target = yield* targetOf(plan, "provision")
        const opts = yield* optionsOf(plan, "provision")
        const refs: Record<string, typeof Provisioning.Provisioning.Encoded["refs"][string]> = {}
        let created = 0, updated = 0, reused = 0

        const callers = new Map<string, string>()
        for (const persona of plan.personas) {
          const explicit = opts.callerWorkflows?.[persona.id] ?? opts.callerWorkflowId
          if (explicit !== undefined) {
            callers.set(persona.id, explicit)
            reused++
          } else {
            const workflowName = Mapping.callerWorkflowName(persona.id)
            const hash = Plan.definitionHash(Schema.encodeSync(Persona.Persona)(persona))
            const description = `${Persona.describe(persona)}\n${Mapping.hashTag(hash)}`
            const existing = yield* findWorkflow(workflowName)
            if (Option.isNone(existing)) {
              const w = yield* client.createWorkflow({ name: workflowName, description })
              callers.set(persona.id, w._id)
              created++
            } else {
              if (Mapping.hashOf(existing.value.description) !== hash) {
                yield* client.updateWorkflow(existing.value._id, { description })
                updated++
              } else reused++
              callers.set(persona.id, existing.value._id)
            }
          }
          refs[`persona:${persona.id}`] = ref("workflow", callers.get(persona.id)!)
        }

        for (const scenario of plan.scenarios) {
          for (const [i, persona] of plan.personas.entries()) {
            const body = simulationBody(plan, target, opts, scenario, persona, callers.get(persona.id)!)
            const existing = yield* findSimulation(body.logical_id)
            let id: string
            if (Option.isNone(existing)) {
              id = (yield* client.createSimulation(body))._id
              created++
            } else {
              id = existing.value._id
              if (existing.value.simulation_config.description !== body.description) {
                yield* client.updateSimulation(id, { description: body.description })
                updated++
              } else reused++
            }
            simulations.set(id, { scenario: scenario.id, persona: persona.id })
            refs[`simulation:${scenario.id}/${persona.id}`] = ref("simulation", id)
            if (i === 0) refs[`scenario:${scenario.id}`] = ref("simulation", id)
          }
        }

        for (const e of plan.evaluators) refs[`evaluator:${e.id}`] = ref("metric", opts.metrics?.[e.id]?.name ?? e.id)
        refs["plan"] = ref("workflow", target.workflowId)
        return { provider: name, refs, created, updated, reused }
      })

    const pairsOf = (input: SimulationProvider.StartRunInput) =>
      Effect.forEach(input.plan.scenarios.flatMap((s) => input.plan.personas.map((p) => ({ scenario: s.id, persona: p.id }))), (pair) => {
        const r = input.provisioning.refs[`simulation:${pair.scenario}/${pair.persona}`]
        return r === undefined
          ? Effect.fail(invalid("startRun", `the provisioning has no simulation for ${pair.scenario}/${pair.persona}; provision the plan again`))
          : Effect.succeed({ ...pair, simulationId: r.id })
      })

    const snapshot = (runId: string, groups: ReadonlyArray<Wire.SimulationGroup>, counts?: typeof Run.RunCounts.Encoded, extra: Record<string, unknown> = {}): typeof Run.Run.Encoded => {
      const statuses = groups.map((g) => Mapping.groupStatus(g.status))
      const status = Mapping.aggregateStatus(statuses)
      const total = groups.reduce((n, g) => n + (g.total_runs ?? 0), 0)
      const completed = groups.reduce((n, g) => n + (g.completed_runs ?? 0), 0)
      const failedRuns = groups.reduce((n, g) => n + (g.failed_runs ?? 0), 0)
      const created = groups.map((g) => g.created_at).filter((x): x is string => typeof x === "string").sort()
      const updated = groups.map((g) => g.updated_at).filter((x): x is string => typeof x === "string").sort()
      const marker = groups.find((g) => g.runner_name)?.runner_name
      return {
        ref: ref("run", runId),
        provider: name,
        status,
        counts: counts ?? {
          total,
          queued: Math.max(0, total - completed - failedRuns),
          running: 0,
          passed: completed,
          failed: 0,
          errored: failedRuns,
          skipped: 0
        },
        ...(created[0] ? { createdAt: created[0] } : {}),
        ...(Status.isTerminal(status) && updated.length > 0 ? { endedAt: updated[updated.length - 1]! } : {}),
        ...(marker ? { marker } : {}),
        providerMetadata: json({
          simulationGroups: groups.map((g) => ({
            id: Wire.idOf(g),
            simulationId: g.simulation_config_id ?? null,
            status: g.status,
            totalRuns: g.total_runs ?? null,
            completedRuns: g.completed_runs ?? null,
            failedRuns: g.failed_runs ?? null
          })),
          ...extra
        })
      }
    }

    const remember = (input: SimulationProvider.StartRunInput, groups: ReadonlyArray<{ readonly simulationId: string; readonly scenario: string; readonly persona: string; readonly group: Wire.SimulationGroup }>) =>
      Effect.gen(function*() {
        const runId = groups.map((g) => Wire.idOf(g.group)).join(".")
        for (const g of groups) {
          groupSimulation.set(Wire.idOf(g.group), g.simulationId)
          simulations.set(g.simulationId, { scenario: g.scenario, persona: g.persona })
        }
        runPlans.set(runId, { plan: input.plan, options: yield* optionsOf(input.plan, "startRun") })
        return snapshot(runId, groups.map((g) => g.group))
      })

    const startRun: SimulationProvider.Driver["startRun"] = (input) =>
      Effect.gen(function*() {
        yield* targetOf(input.plan, "startRun")
        const pairs = yield* pairsOf(input)
        const groups = yield* Effect.forEach(pairs, (pair) =>
          Effect.gen(function*() {
            const key = `${input.marker}/${pair.simulationId}`
            const known = started.get(key)
            const group = known ?? (yield* client.runSimulation(pair.simulationId, { runner_name: input.marker }))
            started.set(key, group)
            return { ...pair, group }
          }))
        return yield* remember(input, groups)
      })

    const findRun: NonNullable<SimulationProvider.Driver["findRun"]> = (input) =>
      Effect.gen(function*() {
        const pairs = yield* pairsOf(input)
        const found = yield* Effect.forEach(pairs, (pair) =>
          Effect.gen(function*() {
            const key = `${input.marker}/${pair.simulationId}`
            const known = started.get(key)
            if (known) return Option.some({ ...pair, group: known })
            const hit = yield* findIn(
              (page) => Effect.map(client.listSimulationRuns(pair.simulationId, { page, size: 100 }), (l) => ({ items: l.simulation_groups, total: l.total })),
              (g) => g.runner_name === input.marker
            )
            if (Option.isSome(hit)) started.set(key, hit.value)
            return Option.map(hit, (group) => ({ ...pair, group }))
          }))
        const all = Option.all(found)
        return Option.isNone(all) ? Option.none() : Option.some(yield* remember(input, all.value))
      })

    const executionsOf = (groupId: string) =>
      Effect.gen(function*() {
        const out: Array<Wire.SimulationRun> = []
        for (let page = 1; page <= 100; page++) {
          const list = yield* client.listExecutions(groupId, { page, size: 100 })
          out.push(...list.individual_runs)
          if (list.individual_runs.length < 100 || (list.total !== undefined && out.length >= list.total)) break
        }
        return out
      })

    const optional = <A>(effect: Effect.Effect<A, ProviderError.ProviderError>) =>
      effect.pipe(Effect.map(Option.some), Effect.catchIf((e) => e.reason === "NotFound", () => Effect.succeed(Option.none<A>())), Effect.map(Option.getOrUndefined))

    /**
     * The evaluation of a finished workflow run never changes: each is read once. A missing one
     * (404: no criteria, or not evaluated yet) is asked for again next time.
     */
    const evaluations = new Map<string, Wire.WorkflowRunEvaluation>()
    const evaluationOf = (workflowRunId: string) => {
      const cached = evaluations.get(workflowRunId)
      return cached !== undefined
        ? Effect.succeed(cached)
        : Effect.tap(optional(client.getWorkflowRunEvaluation(workflowRunId)), (e) => Effect.sync(() => e && evaluations.set(workflowRunId, e)))
    }

    /** Evaluation summaries of groups whose executions are finished (read once). */
    const summaries = new Map<string, Wire.EvaluationSummary>()
    const summaryOf = (simulationId: string, groupId: string) => {
      const cached = summaries.get(groupId)
      return cached !== undefined
        ? Effect.succeed(cached)
        : Effect.tap(optional(client.evaluationSummary(simulationId, groupId)), (s) => Effect.sync(() => s && summaries.set(groupId, s)))
    }

    interface Judged {
      readonly status: { readonly unified: Status.UnifiedStatus; readonly raw: string }
      readonly verdict: Status.Verdict
      readonly evaluations: ReadonlyArray<typeof Result.EvaluationResult.Encoded>
      readonly evaluation: Wire.WorkflowRunEvaluation | undefined
      readonly source: "evaluation-result" | "evaluation-summary" | "none"
    }

    /**
     * The verdict of one execution, shared by `getRun` (counts) and `listResults`. Metrics come from
     * the evaluation result of the workflow under test's run; when there is none and the group has a
     * single execution, the group's evaluation summary is exactly that execution's (average = score).
     * Required evaluators decide (`Result.verdictOf`); Interactly's own `passed` decides when no
     * required evaluator has a value.
     */
    const judge = (runId: string, groupId: string, simulationId: string, canonical: Canonical, e: Wire.SimulationRun, groupSize: number) =>
      Effect.gen(function*(): Effect.fn.Return<Judged, ProviderError.ProviderError> {
        const status = Mapping.executionStatus(e.status)
        const workflowRunId = e.selected_workflow_run_id ?? undefined
        const completed = status.unified === "completed"
        const evaluation = completed && workflowRunId !== undefined ? yield* evaluationOf(workflowRunId) : undefined
        let metrics = Mapping.metricResults(evaluation?.details)
        let vendorPassed = evaluation?.passed ?? undefined
        let source: Judged["source"] = evaluation === undefined ? "none" : "evaluation-result"
        if (completed && metrics.length === 0 && groupSize === 1) {
          const summary = (yield* summaryOf(simulationId, groupId))?.selected_workflow_summary
          if (summary && summary.metrics.length > 0) {
            metrics = summary.metrics.map((m) => ({ metric_name: m.metric_name, ...(typeof m.average_score === "number" ? { score: m.average_score } : {}) }))
            vendorPassed ??= summary.successful_evaluations === 1 ? true : summary.failed_evaluations === 1 ? false : undefined
            source = "evaluation-summary"
          }
        }
        const known = runPlans.get(runId)
        const evaluators = known ? Mapping.scenarioEvaluators(known.plan, canonical.scenario) : undefined
        const evaluated = source === "none"
          ? []
          : Mapping.evaluationsOf(metrics, evaluators, { metrics: known?.options.metrics, passThreshold: known?.options.passThreshold })
        const verdict = Result.verdictOf(status, evaluated.map((x) => ({ passed: x.passed, required: x.required })), vendorPassed)
        return { status, verdict, evaluations: evaluated, evaluation, source }
      })

    const getRun: SimulationProvider.Driver["getRun"] = (id) =>
      Effect.gen(function*() {
        const ids = yield* groupIdsOf("getRun", id)
        // Groups first, one after the other: their statuses are what the run's status is made of.
        const groups = yield* Effect.forEach(ids, (g) => client.getSimulationRun(g))
        const details = yield* Effect.forEach(groups, (group) =>
          Effect.gen(function*() {
            const groupId = Wire.idOf(group)
            const simulationId = group.simulation_config_id ?? (yield* simulationOfGroup(groupId))
            const canonical = yield* canonicalOf(simulationId)
            const executions = yield* executionsOf(groupId)
            const judged = yield* Effect.forEach(executions, (e) => judge(id, groupId, simulationId, canonical, e, executions.length), { concurrency: 4 })
            const n = (f: (j: Judged) => boolean) => judged.filter(f).length
            const summary = Status.isTerminal(Mapping.groupStatus(group.status)) && judged.some((j) => j.status.unified === "completed")
              ? yield* summaryOf(simulationId, groupId)
              : undefined
            return {
              counts: {
                total: executions.length,
                queued: n((j) => j.status.unified === "queued"),
                running: n((j) => j.status.unified !== "queued" && j.verdict === "pending"),
                passed: n((j) => j.verdict === "pass"),
                failed: n((j) => j.verdict === "fail"),
                errored: n((j) => j.verdict === "error"),
                skipped: n((j) => j.verdict === "skipped")
              },
              metrics: {
                simulationId,
                scenario: canonical.scenario,
                persona: canonical.persona,
                metrics: summary?.selected_workflow_summary?.metrics.map((m) => ({ metric: m.metric_name, averageScore: m.average_score ?? null, minScore: m.min_score ?? null, maxScore: m.max_score ?? null })) ?? []
              }
            }
          }), { concurrency: 4 })
        const sum = (k: keyof typeof Run.RunCounts.Encoded) => details.reduce((n, d) => n + d.counts[k], 0)
        const counts = { total: sum("total"), queued: sum("queued"), running: sum("running"), passed: sum("passed"), failed: sum("failed"), errored: sum("errored"), skipped: sum("skipped") }
        return snapshot(id, groups, counts, { evaluationSummary: details.map((d) => d.metrics) })
      })

    const computeResult = (
      runId: string,
      groupId: string,
      simulationId: string,
      canonical: Canonical,
      e: Wire.SimulationRun,
      position: number,
      groupSize: number
    ): Effect.Effect<Computed, ProviderError.ProviderError> =>
      Effect.gen(function*() {
        const judged = yield* judge(runId, groupId, simulationId, canonical, e, groupSize)
        const { status } = judged
        const workflowRunId = e.selected_workflow_run_id ?? undefined
        const workflowRun = status.unified !== "queued" && workflowRunId !== undefined ? yield* optional(client.getWorkflowRun(workflowRunId)) : undefined
        const run = workflowRun?.workflow_run
        const latency = run?.llm_latency_stats?.average_latency_milliseconds
        const duration = run ? Mapping.durationOf(run) : undefined
        const result: typeof Result.Result.Encoded = {
          ref: ref("execution", Wire.idOf(e)),
          run: ref("run", runId),
          scenario: canonical.scenario,
          persona: canonical.persona,
          iteration: typeof e.run_index === "number" ? e.run_index + 1 : position + 1,
          status,
          verdict: judged.verdict,
          evaluations: judged.evaluations,
          transcript: run ? Mapping.transcriptOf(run) : [],
          ...(typeof latency === "number" ? { latency: { averageMs: latency } } : {}),
          ...(status.unified === "failed" || status.unified === "timed_out"
            ? { failureReason: { code: run?.status ?? e.status, message: e.error_message ?? "the simulated conversation failed" } }
            : {}),
          ...(workflowRun?.created_at ? { startedAt: workflowRun.created_at } : {}),
          ...(Status.isTerminal(status) && e.updated_at ? { endedAt: e.updated_at } : {}),
          ...(duration === undefined ? {} : { durationSeconds: duration }),
          providerMetadata: json({
            simulationId,
            simulationGroupId: groupId,
            executionId: Wire.idOf(e),
            selectedWorkflowRunId: e.selected_workflow_run_id ?? null,
            counterWorkflowRunId: e.counter_workflow_run_id ?? null,
            workflowRunStatus: run?.status ?? null,
            score: judged.evaluation?.score ?? null,
            interactlyPassed: judged.evaluation?.passed ?? null,
            evaluationSource: judged.source
          })
        }
        // The vendor's payloads, turned into `raw` (a deep copy) only when the caller asks.
        return { result, raw: { execution: e, evaluation: judged.evaluation ?? null, workflowRun: workflowRun ?? null } }
      })

    // A finished execution never changes: keep it (a bounded number), so that reading a run's
    // results again does not fetch its workflow runs and evaluations again.
    const finished = new Map<string, Computed>()
    const resultOf = (...args: Parameters<typeof computeResult>): Effect.Effect<Computed, ProviderError.ProviderError> => {
      const [runId, , , , execution] = args
      const key = `${runId}/${Wire.idOf(execution)}`
      const cached = finished.get(key)
      return cached !== undefined
        ? Effect.succeed(cached)
        : Effect.tap(computeResult(...args), (r) =>
          Effect.sync(() => {
            if (!Status.isTerminal(r.result.status)) return
            finished.set(key, r)
            if (finished.size > finishedCacheSize) finished.delete(finished.keys().next().value!)
          }))
    }

    const listResults: SimulationProvider.Driver["listResults"] = (id, cursor, opts) =>
      Effect.gen(function*() {
        const ids = yield* groupIdsOf("listResults", id)
        const m = /^(\d+):(\d+)$/.exec(cursor ?? "0:1")
        if (m === null) return yield* Effect.fail(invalid("listResults", `invalid cursor "${cursor}"`))
        const index = Number(m[1]), page = Number(m[2])
        const groupId = ids[index]
        if (groupId === undefined) return { results: [] }
        const list = yield* client.listExecutions(groupId, { page, size: pageSize })
        const simulationId = yield* simulationOfGroup(groupId)
        const canonical = yield* canonicalOf(simulationId)
        const groupSize = list.total ?? (page === 1 && list.individual_runs.length < pageSize ? list.individual_runs.length : Number.POSITIVE_INFINITY)
        const computed = yield* Effect.forEach(
          list.individual_runs,
          (e, i) => resultOf(id, groupId, simulationId, canonical, e, (page - 1) * pageSize + i, groupSize),
          { concurrency: 4 }
        )
        const results = computed.map((c) => (opts?.raw ? { ...c.result, raw: json(c.raw) as Json.Json } : c.result))
        const more = list.total !== undefined ? page * pageSize < list.total : list.individual_runs.length === pageSize
        const next = more ? `${index}:${page + 1}` : index + 1 < ids.length ? `${index + 1}:1` : undefined
        return next === undefined ? { results } : { results, cursor: next }
      })

    const cancelRun: SimulationProvider.Driver["cancelRun"] = (id) =>
      Effect.gen(function*() {
        const ids = yield* groupIdsOf("cancelRun", id)
        // A group that already finished answers 409: nothing is left to stop.
        yield* Effect.forEach(ids, (g) => client.stopSimulationRun(g).pipe(Effect.catchIf((e) => e.reason === "Conflict", () => Effect.void)), { discard: true })
      })


    return { name, capabilities, check, provision, startRun, findRun, getRun, listResults, cancelRun }
  })

// ---------------------------------------------------------------------------------------------
// Layers and plugin
// ---------------------------------------------------------------------------------------------

export interface Settings {
  readonly baseUrl: string
  readonly apiKey: Redacted.Redacted<string>
  readonly teamId?: string | undefined
  readonly userId?: string | undefined
  readonly retry?: Retry.RetryPolicy | undefined
  readonly watch?: SimulationProvider.WatchOptions | undefined
  /** Executions per page of results; default 50. */
  readonly pageSize?: number | undefined
}

/** `SimulationProvider` and `InteractlyClient`, configured explicitly. */
export const layer = (settings: Settings): Layer.Layer<SimulationProvider.SimulationProvider | InteractlyClient.InteractlyClient, never, HttpClient.HttpClient> =>
  SimulationProvider.layer(makeDriver({ pageSize: settings.pageSize }), { retry: settings.retry, watch: settings.watch }).pipe(
    Layer.provideMerge(InteractlyClient.layer(settings))
  )

/** `SimulationProvider` and `InteractlyClient` from `INTERACTLY_API_KEY`, `INTERACTLY_BASE_URL`, ... */
export const layerConfig: Layer.Layer<SimulationProvider.SimulationProvider | InteractlyClient.InteractlyClient, ConfigError.ConfigError, HttpClient.HttpClient> =
  Layer.unwrapEffect(Effect.map(InteractlyClient.config, (settings) => layer({ ...settings, baseUrl: settings.baseUrl ?? InteractlyClient.defaultBaseUrl })))

export const plugin: ProviderRegistry.ProviderPlugin = {
  name,
  displayName: "Interactly",
  capabilities,
  layerConfig,
  layer: (settings) => layer(settings),
  targetSchema: Target,
  optionsSchema: Options,
  env: InteractlyClient.env,
  check
}
