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
 *   run counts come from the executions and the evaluation summary (or, tracked without verdicts,
 *   from the group listing, with completed executions pending until their results are read).
 *
 * @since 0.1.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import {
  type Evaluator,
  Issues,
  type Json,
  Persona,
  Plan,
  ProviderError,
  Result,
  SimulationProvider,
  Status
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
import * as InteractlyPlugin from "./InteractlyPlugin.js"
import { capabilities, check, Options, Target } from "./InteractlyPlugin.js"
import * as Wire from "./InteractlyWire.js"
import { Lru } from "@simbridge/core/Lru"
import * as Mapping from "./internal/mapping.js"

const name = InteractlyPlugin.name

// ---------------------------------------------------------------------------------------------
// Driver
// ---------------------------------------------------------------------------------------------

export interface DriverOptions {
  /** Executions per page of results; default 50. */
  readonly pageSize?: number | undefined
  /**
   * Entries kept by each of the driver's caches of vendor reads (least recently used first out):
   * evaluations, evaluation summaries, finished results (a quarter of it), group reads; default
   * 4096. Mappings of ids (group -> simulation, run -> plan) keep 16 times as many.
   */
  readonly cacheSize?: number | undefined
}

/** How many entries each of the driver's caches holds (tests show they stay bounded). */
export interface CacheSizes {
  readonly evaluations: number
  readonly summaries: number
  readonly results: number
  readonly groups: number
  readonly groupSimulations: number
  readonly runPlans: number
  /** run id -> the short key its finished results are kept under. */
  readonly runKeys: number
  readonly started: number
  readonly simulations: number
}

/** The driver, and the sizes of its caches. */
export interface Driver extends SimulationProvider.Driver {
  readonly getRuns: NonNullable<SimulationProvider.Driver["getRuns"]>
  readonly cacheSizes: () => CacheSizes
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

/** A simulation group id (an ObjectId). */
const groupIdPattern = /^[0-9a-f]{24}$/i
const isGroupId = (g: string) => groupIdPattern.test(g)

const groupIdsOf = (operation: string, id: string) => {
  const ids = id.split(".")
  return ids.every(isGroupId)
    ? Effect.succeed(ids)
    : Effect.fail(invalid(operation, `"${id}" is not an Interactly run id (simulation group ObjectIds joined with ".")`))
}

const json = (value: unknown): any => JSON.parse(JSON.stringify(value))

/** A number as a JSON copy gives it: null for none, NaN or an infinity; 0 for -0. */
const jsonNumber = (x: number | null | undefined): number | null => (typeof x === "number" && Number.isFinite(x) ? x + 0 : null)

/**
 * `Effect.forEach` with `concurrency`, without forking when there is at most one element: a
 * concurrent forEach forks a fiber that manages the others and one per worker, each a copy of the
 * parent's fiber refs (several KB, merged back at the end), for no latency gained with one element.
 */
const forEachConcurrent = <A, B, E, R>(items: Iterable<A>, f: (a: A, i: number) => Effect.Effect<B, E, R>, concurrency: number): Effect.Effect<Array<B>, E, R> => {
  const array = Array.isArray(items) ? items as ReadonlyArray<A> : [...items]
  return array.length <= 1 ? Effect.forEach(array, f) : Effect.forEach(array, f, { concurrency })
}

/** {@link forEachConcurrent}, discarding the results. */
const forEachConcurrentDiscard = <A, B, E, R>(items: Iterable<A>, f: (a: A, i: number) => Effect.Effect<B, E, R>, concurrency: number): Effect.Effect<void, E, R> => {
  const array = Array.isArray(items) ? items as ReadonlyArray<A> : [...items]
  return array.length <= 1 ? Effect.forEach(array, f, { discard: true }) : Effect.forEach(array, f, { concurrency, discard: true })
}

type Mutable<A> = { -readonly [K in keyof A]: A[K] }

/** A canonical result without `raw`, and the vendor payloads `raw` is made of when asked for. */
interface Computed {
  readonly result: typeof Result.Result.Encoded
  readonly raw: unknown
}

/** Groups per page of `GET /v1/simulations/{id}/runs` (the documented default and the SDK's page). */
const groupPageSize = 100
/** Pages of one simulation's group list read per poll at most; groups beyond are read one by one. */
const maxGroupPages = 100

/** The scenario and persona of a group whose simulation is not known. */
const noSimulation: Canonical = { scenario: "simulation-unknown", persona: "workflow-unknown" }

/** The canonical scenario and persona of a simulation. */
export interface Canonical {
  readonly scenario: string
  readonly persona: string
}

// ---------------------------------------------------------------------------------------------
// Pure mapping: one execution's vendor payloads -> its canonical result (no request, no Effect)
// ---------------------------------------------------------------------------------------------

/**
 * The canonical scenario and persona of a simulation simbridge created (from its `logical_id`);
 * of another, names made of its id and its caller workflow's.
 */
export const canonicalOfSimulation = (simulationId: string, simulation: Wire.SimulationDoc): Canonical => {
  const parsed = Mapping.parseSimulationLogicalId(simulation.simulation_config.logical_id)
  return parsed ?? {
    scenario: `simulation-${simulationId}`,
    persona: `workflow-${simulation.simulation_config.counter_workflow?.workflow_id ?? "unknown"}`
  }
}

/** What the judging of one execution gives (see {@link judgeFrom}). */
export interface Judged {
  readonly status: { readonly unified: Status.UnifiedStatus; readonly raw: string }
  readonly verdict: Status.Verdict
  readonly evaluations: ReadonlyArray<typeof Result.EvaluationResult.Encoded>
  readonly evaluation: Wire.WorkflowRunEvaluation | undefined
  readonly source: "evaluation-result" | "evaluation-summary" | "none"
}

/**
 * The evaluators of the execution's scenario and the metric options of its run (from the run's
 * plan); without the plan (`evaluators` undefined) every metric is a required evaluation.
 */
export interface JudgeContext extends Mapping.EvaluationContext {
  readonly evaluators: ReadonlyArray<Evaluator.Evaluator> | undefined
}

/**
 * The verdict of one execution from what was read for it: its status, the evaluation result of
 * the workflow under test's run and its metrics (`metricResults` of its details), and, for a
 * group's only execution without metrics, the group's evaluation summary. Required evaluators
 * decide (`Result.verdictOf`, then core's `Judge` against the plan); Interactly's own `passed` is
 * kept as `vendorPassed`, never trusted: a required evaluator without a metric is not judged.
 */
export const judgeFrom = (
  status: Judged["status"],
  evaluation: Wire.WorkflowRunEvaluation | undefined,
  evaluationMetrics: ReadonlyArray<Wire.MetricResult>,
  groupSummary: Wire.EvaluationSummary | undefined,
  context: JudgeContext
): Judged => {
  let metrics = evaluationMetrics
  let source: Judged["source"] = evaluation === undefined ? "none" : "evaluation-result"
  const summary = groupSummary?.selected_workflow_summary
  if (summary && summary.metrics.length > 0) {
    metrics = summary.metrics.map((m) => ({ metric_name: m.metric_name, ...(typeof m.average_score === "number" ? { score: m.average_score } : {}) }))
    source = "evaluation-summary"
  }
  const evaluated = source === "none"
    ? []
    : Mapping.evaluationsOf(metrics, context.evaluators, { metrics: context.metrics, passThreshold: context.passThreshold })
  const verdict = Result.verdictOf(status, evaluated.map((x) => ({ passed: x.passed, required: x.required })))
  return { status, verdict, evaluations: evaluated, evaluation, source }
}

/**
 * The verdict of one execution from the payloads the driver reads for it, as its `judge` uses
 * them: the evaluation result of its workflow run (used when the execution completed) and the
 * evaluation summary of its group (used only for a completed group's only execution without
 * metrics); either undefined when not read or absent (404).
 */
export const judgeExecution = (
  execution: Wire.SimulationRun,
  payloads: { readonly evaluation?: Wire.WorkflowRunEvaluation | undefined; readonly summary?: Wire.EvaluationSummary | undefined },
  groupSize: number,
  context: JudgeContext = { evaluators: undefined }
): Judged => {
  const status = Mapping.executionStatus(execution.status)
  const completed = status.unified === "completed"
  const evaluation = completed && (execution.selected_workflow_run_id ?? undefined) !== undefined ? payloads.evaluation : undefined
  const metrics = Mapping.metricResults(evaluation?.details)
  const summary = completed && metrics.length === 0 && groupSize === 1 ? payloads.summary : undefined
  return judgeFrom(status, evaluation, metrics, summary, context)
}

/** Executions per page of results when `DriverOptions.pageSize` is not given. */
export const defaultPageSize = 50

/**
 * How many executions a group has, from one page of its listing: the listing's `total`, or a
 * first page shorter than the page size; otherwise unknown (infinite: not the group's only one).
 */
export const groupSizeOf = (list: { readonly total?: number | null | undefined; readonly individual_runs: ReadonlyArray<unknown> }, page: number, pageSize: number): number =>
  list.total ?? (page === 1 && list.individual_runs.length < pageSize ? list.individual_runs.length : Number.POSITIVE_INFINITY)

/** Everything one execution's canonical result is built from (see {@link toResult}). */
export interface ResultInput {
  /** The run id (group ids joined with `.`). */
  readonly runId: string
  readonly groupId: string
  /** The group's simulation ("" when not known). */
  readonly simulationId: string
  readonly canonical: Canonical
  readonly execution: Wire.SimulationRun
  /** 0-based index of the execution in its group's listing (its iteration without `run_index`). */
  readonly position: number
  readonly judged: Judged
  /** The workflow under test's run (`GET /v1/workflow-runs/{id}`), when read and found. */
  readonly workflowRun: Wire.WorkflowRunDoc | undefined
}

/**
 * The canonical result (encoded, without `raw`) of one execution, from its payloads and verdict:
 * pure, no request. The driver reads the payloads (the evaluation and workflow run of the
 * execution, the group's summary) and builds every result with it.
 */
export const toResult = (input: ResultInput): typeof Result.Result.Encoded => {
  const { canonical, execution: e, judged, runId, workflowRun } = input
  const { status } = judged
  const run = workflowRun?.workflow_run
  const latency = run?.llm_latency_stats?.average_latency_milliseconds
  // Transcript and duration from one pass over the run's events.
  const conversation = run ? Mapping.conversationOf(run) : undefined
  const executionId = Wire.idOf(e)
  // Built by assignment, not conditional spreads (this runs for every result read); the
  // keys in the order the canonical JSON has always shown them.
  const result: Mutable<typeof Result.Result.Encoded> = {
    ref: ref("execution", executionId),
    run: ref("run", runId),
    scenario: canonical.scenario,
    persona: canonical.persona,
    iteration: typeof e.run_index === "number" ? e.run_index + 1 : input.position + 1,
    status,
    verdict: judged.verdict,
    evaluations: judged.evaluations,
    transcript: conversation?.transcript ?? []
  }
  if (typeof latency === "number") result.latency = { averageMs: latency }
  if (status.unified === "failed" || status.unified === "timed_out") {
    result.failureReason = { code: run?.status ?? e.status, message: e.error_message ?? "the simulated conversation failed" }
  }
  if (workflowRun?.created_at) result.startedAt = workflowRun.created_at
  if (Status.isTerminal(status) && e.updated_at) result.endedAt = e.updated_at
  if (conversation?.durationSeconds !== undefined) result.durationSeconds = conversation.durationSeconds
  // JSON values already (strings, numbers of parsed JSON, booleans, null): no copy needed.
  result.providerMetadata = {
    simulationId: input.simulationId,
    simulationGroupId: input.groupId,
    executionId,
    selectedWorkflowRunId: e.selected_workflow_run_id ?? null,
    counterWorkflowRunId: e.counter_workflow_run_id ?? null,
    workflowRunStatus: run?.status ?? null,
    score: judged.evaluation?.score ?? null,
    // Interactly's own `passed`: kept and compared with core's verdict (`Judge`), not trusted.
    vendorPassed: judged.evaluation?.passed ?? null,
    evaluationSource: judged.source
  }
  return result
}

/** Builds the driver over an `InteractlyClient`. */
export const makeDriver = (options: DriverOptions = {}): Effect.Effect<Driver, never, InteractlyClient.InteractlyClient> =>
  Effect.gen(function*() {
    const client = yield* InteractlyClient.InteractlyClient
    const pageSize = options.pageSize ?? defaultPageSize
    const cacheSize = Math.max(1, options.cacheSize ?? 4096)

    /** vendor simulation id -> canonical scenario and persona. */
    const simulations = new Lru<string, Canonical>(cacheSize)
    /** group id -> simulation id. */
    const groupSimulation = new Lru<string, string>(cacheSize * 16)
    /** `<marker>/<simulation id>` -> group, so a retried start never starts a group twice. */
    const started = new Lru<string, Wire.SimulationGroup>(cacheSize)
    /**
     * run id -> the plan and options it ran (for evaluator matching). A run evicted from here is
     * read as one this process did not start (every metric a required evaluation).
     */
    const runPlans = new Lru<string, { readonly plan: Plan.Plan; readonly options: Options }>(cacheSize * 16)

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

    const canonicalOf = (simulationId: string): Effect.Effect<Canonical, ProviderError.ProviderError> => {
      // A group listed without its simulation (`simulation_config_id` absent: the reference does not
      // say when) has no simulation to read: its run is still tracked, under placeholder names.
      if (simulationId === "") return Effect.succeed(noSimulation)
      const cached = simulations.get(simulationId)
      return cached ? Effect.succeed(cached) : readCanonical(simulationId)
    }

    const readCanonical = (simulationId: string) =>
      Effect.gen(function*() {
        const canonical = canonicalOfSimulation(simulationId, yield* client.getSimulation(simulationId))
        simulations.set(simulationId, canonical)
        return canonical
      })

    const simulationOfGroup = (groupId: string): Effect.Effect<string, ProviderError.ProviderError> => {
      const cached = groupSimulation.get(groupId)
      return cached ? Effect.succeed(cached) : readSimulationOfGroup(groupId)
    }

    const readSimulationOfGroup = (groupId: string) =>
      Effect.gen(function*() {
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

    const pairsOf = (input: SimulationProvider.StartRunInput): Effect.Effect<ReadonlyArray<{ readonly scenario: string; readonly persona: string; readonly simulationId: string }>, ProviderError.ProviderError> => {
      const pairs: Array<{ readonly scenario: string; readonly persona: string; readonly simulationId: string }> = []
      for (const s of input.plan.scenarios) {
        for (const p of input.plan.personas) {
          const r = input.provisioning.refs[`simulation:${s.id}/${p.id}`]
          if (r === undefined) return Effect.fail(invalid("startRun", `the provisioning has no simulation for ${s.id}/${p.id}; provision the plan again`))
          pairs.push({ scenario: s.id, persona: p.id, simulationId: r.id })
        }
      }
      return Effect.succeed(pairs)
    }

    /**
     * A plan's decoded `target.interactly` and `vendors.interactly` (plans are immutable): decoded
     * once per plan, not once per run started.
     */
    const decodedTargets = new WeakMap<Plan.Plan, Target>()
    const decodedOptions = new WeakMap<Plan.Plan, Options>()
    const targetOfPlan = (plan: Plan.Plan, operation: string): Effect.Effect<Target, ProviderError.ProviderError> => {
      const known = decodedTargets.get(plan)
      return known !== undefined ? Effect.succeed(known) : Effect.tap(targetOf(plan, operation), (target) => void decodedTargets.set(plan, target))
    }
    const optionsOfPlan = (plan: Plan.Plan, operation: string): Effect.Effect<Options, ProviderError.ProviderError> => {
      const known = decodedOptions.get(plan)
      return known !== undefined ? Effect.succeed(known) : Effect.tap(optionsOf(plan, operation), (options) => void decodedOptions.set(plan, options))
    }

    /**
     * The canonical run of `groups` (with the counts and evaluation summaries of their reads, when
     * read). Built in one pass over the groups, its provider metadata made of JSON values directly
     * (as a JSON copy of them would be): every poll builds it for every watched run.
     */
    const snapshot = (runId: string, groups: ReadonlyArray<Wire.SimulationGroup>, counts?: typeof Run.RunCounts.Encoded, metrics?: ReadonlyArray<GroupMetrics>): typeof Run.Run.Encoded => {
      const statuses: Array<ReturnType<typeof Mapping.groupStatus>> = []
      const simulationGroups: Array<Json.Json> = []
      let total = 0, completed = 0, failedRuns = 0
      let createdAt: string | undefined, endedAt: string | undefined, marker: string | null | undefined
      for (const g of groups) {
        statuses.push(Mapping.groupStatus(g.status))
        total += g.total_runs ?? 0
        completed += g.completed_runs ?? 0
        failedRuns += g.failed_runs ?? 0
        // The earliest creation and the latest update (as sorting the strings would find them).
        if (typeof g.created_at === "string" && (createdAt === undefined || g.created_at < createdAt)) createdAt = g.created_at
        if (typeof g.updated_at === "string" && (endedAt === undefined || g.updated_at > endedAt)) endedAt = g.updated_at
        if (!marker && g.runner_name) marker = g.runner_name
        simulationGroups.push({
          id: Wire.idOf(g),
          simulationId: g.simulation_config_id ?? null,
          status: g.status,
          totalRuns: jsonNumber(g.total_runs),
          completedRuns: jsonNumber(g.completed_runs),
          failedRuns: jsonNumber(g.failed_runs)
        })
      }
      const status = Mapping.aggregateStatus(statuses)
      const run: Mutable<typeof Run.Run.Encoded> = {
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
        }
      }
      if (createdAt) run.createdAt = createdAt
      if (endedAt !== undefined && Status.isTerminal(status)) run.endedAt = endedAt
      if (marker) run.marker = marker
      run.providerMetadata = metrics === undefined ? { simulationGroups } : {
        simulationGroups,
        evaluationSummary: metrics.map((m) => ({
          simulationId: m.simulationId,
          scenario: m.scenario,
          persona: m.persona,
          metrics: m.metrics.map((x) => ({ metric: x.metric, averageScore: jsonNumber(x.averageScore), minScore: jsonNumber(x.minScore), maxScore: jsonNumber(x.maxScore) }))
        }))
      }
      return run
    }

    const remember = (input: SimulationProvider.StartRunInput, groups: ReadonlyArray<{ readonly simulationId: string; readonly scenario: string; readonly persona: string; readonly group: Wire.SimulationGroup }>) =>
      Effect.suspend(() => {
        const runId = groups.map((g) => Wire.idOf(g.group)).join(".")
        for (const g of groups) {
          groupSimulation.set(Wire.idOf(g.group), g.simulationId)
          simulations.set(g.simulationId, { scenario: g.scenario, persona: g.persona })
        }
        return Effect.map(optionsOfPlan(input.plan, "startRun"), (options) => {
          runPlans.set(runId, { plan: input.plan, options })
          return snapshot(runId, groups.map((g) => g.group))
        })
      })

    const startRun: SimulationProvider.Driver["startRun"] = (input) =>
      targetOfPlan(input.plan, "startRun").pipe(
        Effect.zipRight(Effect.suspend(() => pairsOf(input))),
        Effect.flatMap((pairs) =>
          Effect.forEach(pairs, (pair) => {
            const key = `${input.marker}/${pair.simulationId}`
            const known = started.get(key)
            return Effect.map(known !== undefined ? Effect.succeed(known) : client.runSimulation(pair.simulationId, { runner_name: input.marker }), (group) => {
              started.set(key, group)
              return { ...pair, group }
            })
          })
        ),
        Effect.flatMap((groups) => remember(input, groups))
      )

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

    const executionsOf = (groupId: string): Effect.Effect<ReadonlyArray<Wire.SimulationRun>, ProviderError.ProviderError> =>
      Effect.flatMap(client.listExecutions(groupId, { page: 1, size: 100 }), (first) => {
        const out: Array<Wire.SimulationRun> = [...first.individual_runs]
        const done = (list: Wire.SimulationRunList) => list.individual_runs.length < 100 || (list.total !== undefined && out.length >= list.total)
        // One page (the usual case) without a generator.
        if (done(first)) return Effect.succeed(out)
        return Effect.gen(function*() {
          for (let page = 2; page <= 100; page++) {
            const list = yield* client.listExecutions(groupId, { page, size: 100 })
            out.push(...list.individual_runs)
            if (done(list)) break
          }
          return out
        })
      })

    /** The value, or undefined when the vendor answers 404 (one step per read, no Option in between). */
    const optional = <A>(effect: Effect.Effect<A, ProviderError.ProviderError>): Effect.Effect<A | undefined, ProviderError.ProviderError> =>
      Effect.catchIf(effect, (e) => e.reason === "NotFound", () => Effect.succeed(undefined))

    /**
     * The evaluation of a finished workflow run never changes: each is read once and kept (a
     * bounded number) until the execution's result is built (which then holds it). A missing one
     * (404: no criteria, or not evaluated yet) is asked for again next time.
     */
    const evaluations = new Lru<string, Wire.WorkflowRunEvaluation>(cacheSize)
    const evaluationOf = (workflowRunId: string) => {
      const cached = evaluations.get(workflowRunId)
      return cached !== undefined
        ? Effect.succeed(cached)
        : Effect.tap(optional(client.getWorkflowRunEvaluation(workflowRunId)), (e) => Effect.sync(() => e && evaluations.set(workflowRunId, e)))
    }

    /** Evaluation summaries of finished groups (read once; a running group's is read each time). */
    const summaries = new Lru<string, Wire.EvaluationSummary>(cacheSize)
    const summaryOf = (simulationId: string, groupId: string, final: boolean) => {
      const cached = summaries.get(groupId)
      return cached !== undefined
        ? Effect.succeed(cached)
        : Effect.tap(optional(client.evaluationSummary(simulationId, groupId)), (s) =>
          Effect.sync(() => {
            if (s && final && !(s.selected_workflow_summary?.pending_evaluations ?? 0)) summaries.set(groupId, s)
          }))
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
        const metrics = Mapping.metricResults(evaluation?.details)
        // The group's only execution finished: its summary is final.
        const summary = completed && metrics.length === 0 && groupSize === 1 ? yield* summaryOf(simulationId, groupId, true) : undefined
        return judgeRun(runId, canonical, status, evaluation, metrics, summary)
      })

    /** `judge` once its evaluation (and, for a group's only execution without metrics, the group's summary) is read. */
    const judgeRun = (
      runId: string,
      canonical: Canonical,
      status: Judged["status"],
      evaluation: Wire.WorkflowRunEvaluation | undefined,
      evaluationMetrics: ReadonlyArray<Wire.MetricResult>,
      groupSummary: Wire.EvaluationSummary | undefined
    ): Judged => {
      const known = runPlans.get(runId)
      const evaluators = known ? Mapping.scenarioEvaluators(known.plan, canonical.scenario) : undefined
      return judgeFrom(status, evaluation, evaluationMetrics, groupSummary, { evaluators, metrics: known?.options.metrics, passThreshold: known?.options.passThreshold })
    }

    interface GroupMetrics {
      readonly simulationId: string
      readonly scenario: string
      readonly persona: string
      readonly metrics: ReadonlyArray<{ readonly metric: string; readonly averageScore: number | null; readonly minScore: number | null; readonly maxScore: number | null }>
    }

    /** What one read of a group gave, and the listed state of the group it was read for. */
    interface GroupRead {
      readonly key: string
      /** Whether the run's plan was known (it decides how verdicts are made). */
      readonly planned: boolean
      /**
       * Whether the read judged every completed execution (`getRun`, `getRuns` with verdicts). A
       * read without verdicts may count completed executions as `pending`; `getRuns` with verdicts
       * never answers from it.
       */
      readonly verdicts: boolean
      readonly counts: typeof Run.RunCounts.Encoded
      readonly metrics: GroupMetrics
      /**
       * Verdicts of the completed executions judged from an evaluation (they never change): a
       * later read of the group reuses them instead of reading those evaluations again.
       */
      readonly judged?: ReadonlyMap<string, Status.Verdict> | undefined
    }

    /**
     * The listed state of a group: its status, counts and update time. `getRuns` reads a group's
     * executions (and evaluations or summary) again only when this changed.
     */
    const listedKey = (g: Wire.SimulationGroup) => `${g.status}|${g.total_runs ?? ""}|${g.completed_runs ?? ""}|${g.failed_runs ?? ""}|${g.updated_at ?? ""}`

    /** The last read of each group (bounded): `getRuns` answers from it while the group's listing is unchanged. */
    const groupReads = new Lru<string, GroupRead>(cacheSize)

    const metricsOf = (summary: Wire.EvaluationSummary | undefined): GroupMetrics["metrics"] =>
      summary?.selected_workflow_summary?.metrics.map((m) => ({ metric: m.metric_name, averageScore: m.average_score ?? null, minScore: m.min_score ?? null, maxScore: m.max_score ?? null })) ?? []

    /**
     * The verdict of a completed execution if the driver's caches already tell it (a finished
     * result, a judged read's verdict or a cached evaluation), without a request; else undefined.
     * An execution judged without an evaluation (none yet) is not known: its evaluation may come.
     */
    const knownVerdict = (runId: string, groupId: string, canonical: Canonical, e: Wire.SimulationRun, groupSize: number): Status.Verdict | undefined => {
      const result = peekFinished(runId, Wire.idOf(e))?.result
      if (result !== undefined) return result.providerMetadata?.evaluationSource !== "none" ? result.verdict : undefined
      const workflowRunId = e.selected_workflow_run_id ?? undefined
      if (workflowRunId === undefined || evaluations.peek(workflowRunId) === undefined) return undefined
      const metrics = Mapping.metricResults(evaluations.peek(workflowRunId)!.details)
      // Without metrics the verdict of a group's only execution comes from the group's summary.
      if (metrics.length === 0 && groupSize === 1 && summaries.peek(groupId) === undefined) return undefined
      // As `judge` would read them, both from the caches.
      const status = Mapping.executionStatus(e.status)
      const completed = status.unified === "completed"
      const evaluation = completed ? evaluations.get(workflowRunId) : undefined
      const evaluationMetrics = completed ? metrics : Mapping.metricResults(undefined)
      const summary = completed && evaluationMetrics.length === 0 && groupSize === 1 ? summaries.get(groupId) : undefined
      const judged = judgeRun(runId, canonical, status, evaluation, evaluationMetrics, summary)
      return judged.source === "none" ? undefined : judged.verdict
    }

    /**
     * A group's counts from its executions' statuses and verdicts (`"unread"`: completed, verdict
     * not read; counted as `pending`, which is left out when 0).
     */
    const executionCounts = (statuses: ReadonlyArray<{ readonly unified: Status.UnifiedStatus }>, verdicts: ReadonlyArray<Status.Verdict | "unread">) => {
      let queued = 0, running = 0, passed = 0, failed = 0, errored = 0, skipped = 0, pending = 0
      for (const s of statuses) if (s.unified === "queued") queued++
      for (let i = 0; i < verdicts.length; i++) {
        const v = verdicts[i]
        if (v === "unread") pending++
        else if (v === "pending") running += statuses[i]!.unified !== "queued" ? 1 : 0
        else if (v === "pass") passed++
        else if (v === "fail") failed++
        else if (v === "error") errored++
        else if (v === "skipped") skipped++
      }
      const counts: Mutable<typeof Run.RunCounts.Encoded> = { total: statuses.length, queued, running, passed, failed, errored, skipped }
      if (pending > 0) counts.pending = pending
      return counts
    }

    /** How many of the known verdicts pass, fail and err (none when they are more than `completed`). */
    const tally = (judged: ReadonlyMap<string, Status.Verdict> | undefined, completed: number) => {
      const t = { passed: 0, failed: 0, errored: 0, known: 0 }
      if (judged === undefined || judged.size > completed) return t
      for (const v of judged.values()) {
        if (v === "pass") t.passed++
        else if (v === "fail") t.failed++
        else t.errored++
        t.known++
      }
      return t
    }

    /**
     * Counts of one group without reading any verdict (`getRuns` with `verdicts: false`): completed
     * executions whose verdict the caches do not tell are `pending`; no evaluation, no evaluation
     * summary, and no executions read when the listing already gives the counts:
     * - a `completed` / `failed` group: `completed_runs` completed (pending unless known),
     *   `failed_runs` errored, the rest skipped (cancelled by stop_on_failure), as in `readGroup`;
     * - otherwise its executions (the listing does not split queued from running ones), with no
     *   evaluation read.
     */
    const readWithoutVerdicts = (runId: string, group: Wire.SimulationGroup, groupId: string, canonical: Canonical, base: Omit<GroupMetrics, "metrics">) => {
      // What the driver knew when the read started.
      const key = listedKey(group)
      const planned = runPlans.has(runId)
      const previous = groupReads.peek(groupId)
      const before = previous?.planned === planned ? previous.judged : undefined
      return Effect.map(executionsOf(groupId), (executions): GroupRead => {
        const statuses = executions.map((e) => Mapping.executionStatus(e.status))
        const now = new Map<string, Status.Verdict>()
        const verdicts = executions.map((e, i): Status.Verdict | "unread" => {
          const status = statuses[i]!
          if (status.unified !== "completed") return Result.verdictOf(status, [])
          const known = before?.get(Wire.idOf(e)) ?? knownVerdict(runId, groupId, canonical, e, executions.length)
          if (known === undefined) return "unread"
          now.set(Wire.idOf(e), known)
          return known
        })
        const terminal = Status.isTerminal(Mapping.groupStatus(group.status))
        return {
          key,
          planned,
          verdicts: false,
          judged: now,
          counts: executionCounts(statuses, verdicts),
          metrics: { ...base, metrics: terminal ? metricsOf(summaries.peek(groupId)) : [] }
        }
      })
    }

    /**
     * The read of a group that needs no request: a queued group; without verdicts, a finished
     * group counted from its listing (see `readWithoutVerdicts`); with verdicts, a finished group
     * whose verdicts the summary decides, with its summary kept (or nothing completed). Else
     * undefined.
     */
    const readListed = (runId: string, group: Wire.SimulationGroup, groupId: string, canonical: Canonical, base: Omit<GroupMetrics, "metrics">, verdicts: boolean): GroupRead | undefined => {
      const groupStatus = Mapping.groupStatus(group.status)
      const total = group.total_runs, completed = group.completed_runs, failedRuns = group.failed_runs
      if (groupStatus.unified === "queued" && typeof total === "number" && !completed && !failedRuns) {
        // A pending group has started none of its executions: all are queued, nothing to read.
        return { key: listedKey(group), planned: runPlans.has(runId), verdicts: true, counts: { total, queued: total, running: 0, passed: 0, failed: 0, errored: 0, skipped: 0 }, metrics: { ...base, metrics: [] } }
      }
      const listed = typeof total === "number" && typeof completed === "number" && typeof failedRuns === "number" && completed + failedRuns <= total
      if (!listed || (groupStatus.unified !== "completed" && groupStatus.unified !== "failed")) return undefined
      if (!verdicts) {
        const key = listedKey(group)
        const planned = runPlans.has(runId)
        const previous = groupReads.peek(groupId)
        const before = previous?.planned === planned ? previous.judged : undefined
        const k = tally(before, completed)
        return {
          key,
          planned,
          verdicts: false,
          judged: before,
          counts: { total, queued: 0, running: 0, passed: k.passed, failed: k.failed, errored: failedRuns + k.errored, skipped: total - completed - failedRuns, pending: completed - k.known },
          metrics: { ...base, metrics: metricsOf(summaries.peek(groupId)) }
        }
      }
      // With verdicts, every completed execution is judged from its own evaluation (core never lets
      // the group's summary of Interactly's own `passed` decide): the executions must be read.
      return undefined
    }

    /**
     * `readGroup` without an effect when it needs no request (the group's simulation and names
     * known, and `readListed` answers); else undefined.
     */
    const readGroupNow = (runId: string, group: Wire.SimulationGroup, verdicts: boolean): GroupRead | undefined => {
      const groupId = Wire.idOf(group)
      // As `simulationOfGroup` and `canonicalOf` answer from their caches.
      const simulationId = group.simulation_config_id ?? (groupSimulation.get(groupId) || undefined)
      if (simulationId === undefined) return undefined
      const canonical = simulations.get(simulationId)
      if (canonical === undefined) return undefined
      const read = readListed(runId, group, groupId, canonical, { simulationId, scenario: canonical.scenario, persona: canonical.persona }, verdicts)
      if (read === undefined) return undefined
      groupSimulation.set(groupId, simulationId)
      groupReads.set(groupId, read)
      return read
    }

    /**
     * Counts and evaluation summary of one group, as `group` (just read or listed) shows it; with
     * `verdicts` false, see `readWithoutVerdicts`.
     */
    const readGroup = (runId: string, group: Wire.SimulationGroup, verdicts = true): Effect.Effect<GroupRead, ProviderError.ProviderError> => {
      const now = readGroupNow(runId, group, verdicts)
      return now !== undefined ? Effect.succeed(now) : readGroupWith(runId, group, verdicts)
    }

    const readGroupWith = (runId: string, group: Wire.SimulationGroup, verdicts: boolean): Effect.Effect<GroupRead, ProviderError.ProviderError> =>
      Effect.gen(function*() {
        const groupId = Wire.idOf(group)
        const simulationId = group.simulation_config_id ?? (yield* simulationOfGroup(groupId))
        groupSimulation.set(groupId, simulationId)
        const canonical = yield* canonicalOf(simulationId)
        const base = { simulationId, scenario: canonical.scenario, persona: canonical.persona }
        const groupStatus = Mapping.groupStatus(group.status)
        const key = listedKey(group)
        const planned = runPlans.has(runId)
        let read: GroupRead
        const listed = readListed(runId, group, groupId, canonical, base, verdicts)
        if (listed !== undefined) {
          read = listed
        } else if (!verdicts) {
          read = yield* readWithoutVerdicts(runId, group, groupId, canonical, base)
        } else {
          const executions = yield* executionsOf(groupId)
          const terminal = Status.isTerminal(groupStatus)
          const statuses = executions.map((e) => Mapping.executionStatus(e.status))
          const completed = statuses.filter((s) => s.unified === "completed").length
          const previous = groupReads.peek(groupId)
          const before = previous?.planned === planned ? previous.judged : undefined
          const judged = new Map<string, Status.Verdict>()
          const verdicts = yield* forEachConcurrent(executions, (e, i) => {
            const known = statuses[i]!.unified === "completed" ? before?.get(Wire.idOf(e)) : undefined
            if (known !== undefined) {
              judged.set(Wire.idOf(e), known)
              return Effect.succeed(known)
            }
            return Effect.map(judge(runId, groupId, simulationId, canonical, e, executions.length), (j) => {
              if (j.status.unified === "completed" && j.source !== "none") judged.set(Wire.idOf(e), j.verdict)
              return j.verdict
            })
          }, 4)
          const summary = terminal && completed > 0 ? yield* summaryOf(simulationId, groupId, true) : undefined
          read = {
            key,
            planned,
            verdicts: true,
            judged,
            counts: executionCounts(statuses, verdicts),
            metrics: { ...base, metrics: terminal ? metricsOf(summary) : [] }
          }
        }
        groupReads.set(groupId, read)
        return read
      })

    /** The canonical run from its groups and their reads. */
    const assemble = (id: string, groups: ReadonlyArray<Wire.SimulationGroup>, reads: ReadonlyArray<GroupRead>) => {
      // The reads' counts summed in one pass (each sum from 0, in the reads' order).
      let total = 0, queued = 0, running = 0, passed = 0, failed = 0, errored = 0, skipped = 0, pending = 0
      for (const { counts: c } of reads) {
        total += c.total ?? 0
        queued += c.queued ?? 0
        running += c.running ?? 0
        passed += c.passed ?? 0
        failed += c.failed ?? 0
        errored += c.errored ?? 0
        skipped += c.skipped ?? 0
        pending += c.pending ?? 0
      }
      const counts: Mutable<typeof Run.RunCounts.Encoded> = { total, queued, running, passed, failed, errored, skipped }
      // Only reads without verdicts have pending executions; with verdicts the counts are as before.
      if (pending > 0) counts.pending = pending
      return snapshot(id, groups, counts, reads.map((d) => d.metrics))
    }

    /** A run read group by group (`getRun`: with verdicts). */
    const readRun = (id: string, verdicts: boolean) =>
      Effect.gen(function*() {
        const ids = yield* groupIdsOf("getRun", id)
        // Groups first, one after the other: their statuses are what the run's status is made of.
        const groups = yield* Effect.forEach(ids, (g) => client.getSimulationRun(g))
        const reads = yield* forEachConcurrent(groups, (group) => readGroup(id, group, verdicts), 4)
        return assemble(id, groups, reads)
      })

    const getRun: SimulationProvider.Driver["getRun"] = (id) => readRun(id, true)

    // -------------------------------------------------------------------------------------------
    // Tracking (`getRuns`): one list of groups per simulation per poll (`GET
    // /v1/simulations/{id}/runs`, newest first, until every watched group of that simulation was
    // seen); a group's executions (and evaluations or summary) are read only when its listed
    // status, counts or update time changed since the last read. With `verdicts: false` no
    // evaluation or summary is read and finished groups are counted from their listing (completed
    // executions whose verdict is not known yet are pending). See docs/providers/interactly.md.
    // -------------------------------------------------------------------------------------------

    /** The listed groups of one simulation among `wanted`, into `into`. */
    const listGroups = (simulationId: string, wanted: ReadonlySet<string>, into: Map<string, Wire.SimulationGroup>) =>
      Effect.gen(function*() {
        let seen = 0
        const take = (list: Wire.SimulationGroupList) => {
          for (const g of list.simulation_groups) {
            const gid = Wire.idOf(g)
            if (wanted.has(gid) && !into.has(gid)) {
              into.set(gid, g)
              seen++
            }
          }
        }
        const first = yield* client.listSimulationRuns(simulationId, { page: 1, size: groupPageSize })
        take(first)
        if (seen >= wanted.size || first.simulation_groups.length < groupPageSize) return
        const createdAt = first.simulation_groups.map((g) => g.created_at ?? "")
        // Newest first is what the emulator does and what a polling client needs; a server that
        // lists oldest first is read from its last page backwards (when it gives `total`).
        const ascending = createdAt[0]! !== "" && createdAt[0]! < createdAt[createdAt.length - 1]!
        if (ascending && first.total !== undefined) {
          const pages = Math.ceil(first.total / groupPageSize)
          for (let page = pages; page >= Math.max(2, pages - maxGroupPages + 2); page--) {
            take(yield* client.listSimulationRuns(simulationId, { page, size: groupPageSize }))
            if (seen >= wanted.size) return
          }
          return
        }
        // Newest first: on until a short page (groups started meanwhile only shift older ones to
        // later pages, so `total` is no bound here).
        for (let page = 2; page <= maxGroupPages; page++) {
          const list = yield* client.listSimulationRuns(simulationId, { page, size: groupPageSize })
          take(list)
          if (seen >= wanted.size || list.simulation_groups.length < groupPageSize) return
        }
      })

    const getRuns: Driver["getRuns"] = (ids, options) =>
      Effect.gen(function*() {
        // Without verdicts, completed executions whose verdict is not known yet count as pending.
        const verdicts = options?.verdicts ?? true
        // The run ids (each once, in order) and their groups, in two arrays (no entry per run).
        const seenIds = new Set<string>()
        const wantedIds: Array<string> = []
        const wantedGroups: Array<ReadonlyArray<string>> = []
        const unknown: Array<string> = []
        for (const id of ids) {
          if (seenIds.has(id)) continue
          seenIds.add(id)
          const groups = id.split(".")
          if (!groups.every(isGroupId)) continue
          wantedIds.push(id)
          wantedGroups.push(groups)
          if (groups.some((g) => !groupSimulation.has(g))) unknown.push(id)
        }
        // Runs with a group of unknown simulation: read once on their own (a watch's first
        // snapshot, read with getRun, usually taught the driver already).
        const direct = new Map<string, typeof Run.Run.Encoded>()
        yield* forEachConcurrentDiscard(
          unknown,
          (id) => Effect.catchIf(Effect.map(readRun(id, verdicts), (run) => void direct.set(id, run)), (e) => e.reason === "NotFound", () => Effect.void),
          8
        )
        const bySimulation = new Map<string, Set<string>>()
        /** Groups known to have no simulation: no list shows them, so each is read on its own. */
        const unlisted: Array<string> = []
        for (let w = 0; w < wantedIds.length; w++) {
          if (direct.has(wantedIds[w]!)) continue
          for (const g of wantedGroups[w]!) {
            const simulationId = groupSimulation.get(g)
            if (simulationId === "") unlisted.push(g)
            else if (simulationId !== undefined) bySimulation.set(simulationId, (bySimulation.get(simulationId) ?? new Set()).add(g))
          }
        }
        const listed = new Map<string, Wire.SimulationGroup>()
        yield* forEachConcurrentDiscard(bySimulation, ([simulationId, groups]) => listGroups(simulationId, groups, listed), 4)
        // Groups the lists did not show (a server that pages or orders otherwise): one read each.
        const missing = [...bySimulation.values()].flatMap((groups) => [...groups].filter((g) => !listed.has(g))).concat(unlisted)
        yield* forEachConcurrentDiscard(missing, (g) =>
          client.getSimulationRun(g).pipe(
            Effect.map((group) => void listed.set(g, group)),
            Effect.catchIf((e) => e.reason === "NotFound", () => Effect.void)
          ), 8)
        // Runs whose groups all still answer from their last read, or can be read without a
        // request, are assembled here, in one synchronous pass (no fiber, no effect per run: most
        // runs of a poll did not change); only the others are read, 8 runs at a time.
        const runs: Array<typeof Run.Run.Encoded | undefined> = []
        const toRead: Array<{ readonly index: number; readonly id: string; readonly groups: ReadonlyArray<Wire.SimulationGroup>; readonly reads: Array<GroupRead | undefined> }> = []
        for (let w = 0; w < wantedIds.length; w++) {
          const id = wantedIds[w]!, groupIds = wantedGroups[w]!
          const done = direct.get(id)
          if (done !== undefined) {
            runs.push(done)
            continue
          }
          const groups: Array<Wire.SimulationGroup> = []
          for (const g of groupIds) {
            const group = listed.get(g)
            if (group === undefined) break
            groups.push(group)
          }
          if (groups.length < groupIds.length) {
            runs.push(undefined)
            continue
          }
          const planned = runPlans.has(id)
          let complete = true
          const reads = groups.map((group) => {
            const last = groupReads.get(Wire.idOf(group))
            // A read with verdicts answers both ways; one without answers only without.
            if (last !== undefined && last.key === listedKey(group) && last.planned === planned && (last.verdicts || !verdicts)) return last
            // Else read now when no request is needed (queued, or finished and counted from its listing).
            const now = readGroupNow(id, group, verdicts)
            if (now === undefined) complete = false
            return now
          })
          if (complete) runs.push(assemble(id, groups, reads as ReadonlyArray<GroupRead>))
          else {
            toRead.push({ index: runs.length, id, groups, reads })
            runs.push(undefined)
          }
        }
        yield* forEachConcurrentDiscard(toRead, ({ groups, id, index, reads }) => {
          const unread = groups.flatMap((group, i) => (reads[i] === undefined ? [i] : []))
          const readAt = (i: number) => Effect.map(readGroup(id, groups[i]!, verdicts), (read) => void (reads[i] = read))
          return Effect.map(
            forEachConcurrentDiscard(unread, readAt, 4),
            () => void (runs[index] = assemble(id, groups, reads as ReadonlyArray<GroupRead>))
          )
        }, 8)
        return runs.filter((r): r is typeof Run.Run.Encoded => r !== undefined)
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
        const result = toResult({ runId, groupId, simulationId, canonical, execution: e, position, judged, workflowRun })
        // The vendor's payloads, turned into `raw` (a deep copy) only when the caller asks.
        return { result, raw: { execution: e, evaluation: judged.evaluation ?? null, workflowRun: workflowRun ?? null } }
      })

    // A finished execution never changes: keep it (a bounded number), so that reading a run's
    // results again does not fetch its workflow runs and evaluations again. The evaluation it holds
    // is dropped from the evaluation cache. Keyed by `<run key>/<execution id>`, with the run's
    // short key from `runKeys`: a run id joins 25 characters per group (2,500 for 100 groups), and
    // building and hashing a key made of it cost more per result than the rest of the lookup.
    const finished = new Lru<string, Computed>(Math.max(1, Math.floor(cacheSize / 4)))
    /** run id -> the short key of its finished results (a run evicted here gets a new one). */
    const runKeys = new Lru<string, string>(cacheSize * 16)
    let runKeyCount = 0
    const runKeyOf = (runId: string) => {
      let key = runKeys.get(runId)
      if (key === undefined) runKeys.set(runId, key = (runKeyCount++).toString(36))
      return key
    }
    /** The finished result of an execution of a run, if kept (without making it the most recent). */
    const peekFinished = (runId: string, executionId: string) => {
      const runKey = runKeys.peek(runId)
      return runKey === undefined ? undefined : finished.peek(`${runKey}/${executionId}`)
    }
    const resultOf = (runKey: string, ...args: Parameters<typeof computeResult>): Effect.Effect<Computed, ProviderError.ProviderError> => {
      const execution = args[4]
      const key = `${runKey}/${Wire.idOf(execution)}`
      const cached = finished.get(key)
      return cached !== undefined
        ? Effect.succeed(cached)
        : Effect.tap(computeResult(...args), (r) =>
          Effect.sync(() => {
            if (!Status.isTerminal(r.result.status)) return
            finished.set(key, r)
            const workflowRunId = execution.selected_workflow_run_id
            if (workflowRunId) evaluations.delete(workflowRunId)
          }))
    }

    const listResults: SimulationProvider.Driver["listResults"] = (id, cursor, opts) =>
      Effect.gen(function*() {
        const ids = yield* groupIdsOf("listResults", id)
        const m = /^(\d+):(\d+)$/.exec(cursor ?? "0:1")
        if (m === null) return yield* Effect.fail(invalid("listResults", `invalid cursor "${cursor}"`))
        let index = Number(m[1]), page = Number(m[2])
        // A group that lists no execution gives no page of its own, and the read goes on with the
        // next group: an empty page ends a read, and would leave the run's other groups unread.
        while (true) {
          const groupId = ids[index]
          if (groupId === undefined) return { results: [] }
          const list = yield* client.listExecutions(groupId, { page, size: pageSize })
          const listed = list.individual_runs.length
          // Fewer executions than the listing's own total leaves for this page is a partial answer,
          // not the end of the group: it fails (retryable), so the page is read again instead of
          // the executions it left out being lost.
          if (list.total !== undefined && listed < Math.min(pageSize, list.total - (page - 1) * pageSize)) {
            return yield* Effect.fail(ProviderError.make({
              provider: name,
              operation: "listResults",
              reason: "ProviderInternal",
              description: `simulation group ${groupId} listed ${listed} executions on page ${page} (size ${pageSize}) of ${list.total}`
            }))
          }
          const more = list.total !== undefined ? page * pageSize < list.total : listed === pageSize
          const nextIndex = more ? index : index + 1
          const nextPage = more ? page + 1 : 1
          const last = nextIndex >= ids.length
          if (listed === 0) {
            if (last) return { results: [] }
            index = nextIndex
            page = nextPage
            continue
          }
          const simulationId = yield* simulationOfGroup(groupId)
          const canonical = yield* canonicalOf(simulationId)
          const groupSize = groupSizeOf(list, page, pageSize)
          const runKey = runKeyOf(id)
          const computed = yield* forEachConcurrent(
            list.individual_runs,
            (e, i) => resultOf(runKey, id, groupId, simulationId, canonical, e, (page - 1) * pageSize + i, groupSize),
            4
          )
          const results = computed.map((c) => (opts?.raw ? { ...c.result, raw: json(c.raw) as Json.Json } : c.result))
          return last ? { results } : { results, cursor: `${nextIndex}:${nextPage}` }
        }
      })

    const cancelRun: SimulationProvider.Driver["cancelRun"] = (id) =>
      Effect.gen(function*() {
        const ids = yield* groupIdsOf("cancelRun", id)
        // A group that already finished answers 409: nothing is left to stop.
        yield* Effect.forEach(ids, (g) => client.stopSimulationRun(g).pipe(Effect.catchIf((e) => e.reason === "Conflict", () => Effect.void)), { discard: true })
      })


    const cacheSizes = (): CacheSizes => ({
      evaluations: evaluations.size,
      summaries: summaries.size,
      results: finished.size,
      groups: groupReads.size,
      groupSimulations: groupSimulation.size,
      runPlans: runPlans.size,
      runKeys: runKeys.size,
      started: started.size,
      simulations: simulations.size
    })

    return { name, capabilities, check, provision, startRun, findRun, getRun, getRuns, listResults, cancelRun, cacheSizes }
  })

// ---------------------------------------------------------------------------------------------
// Layers (the registry entry is `InteractlyPlugin.plugin`)
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
  /** Entries per driver cache (see `DriverOptions.cacheSize`); default 4096. */
  readonly cacheSize?: number | undefined
}

/** `SimulationProvider` and `InteractlyClient`, configured explicitly. */
export const layer = (settings: Settings): Layer.Layer<SimulationProvider.SimulationProvider | InteractlyClient.InteractlyClient, never, HttpClient.HttpClient> =>
  SimulationProvider.layer(makeDriver({ pageSize: settings.pageSize, cacheSize: settings.cacheSize }), { retry: settings.retry, watch: settings.watch }).pipe(
    Layer.provideMerge(InteractlyClient.layer(settings))
  )

/** `SimulationProvider` and `InteractlyClient` from `INTERACTLY_API_KEY`, `INTERACTLY_BASE_URL`, ... */
export const layerConfig: Layer.Layer<SimulationProvider.SimulationProvider | InteractlyClient.InteractlyClient, ConfigError.ConfigError, HttpClient.HttpClient> =
  Layer.unwrapEffect(Effect.map(InteractlyClient.config, (settings) => layer({ ...settings, baseUrl: settings.baseUrl ?? InteractlyClient.defaultBaseUrl })))

