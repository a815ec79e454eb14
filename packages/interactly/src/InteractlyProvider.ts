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
  type Json,
  ProviderError,
  Result,
  SimulationProvider,
  Status
} from "@simbridge/core"
import type * as Retry from "@simbridge/core/Retry"
import type * as Run from "@simbridge/core/Run"
import type * as ConfigError from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import * as InteractlyClient from "./InteractlyClient.js"
import * as InteractlySuite from "./InteractlySuite.js"
import { capabilities, check } from "./InteractlySuite.js"
import * as Wire from "./InteractlyWire.js"
import * as Caches from "./internal/caches.js"
import * as Mapping from "./internal/mapping.js"
import * as Provisioning from "./internal/provisioning.js"
import { findIn, forEachConcurrent, forEachConcurrentDiscard, groupIdsOf, invalid, optional, optionsOfPlan, pairsOf, targetOfPlan } from "./internal/requests.js"
import { type Canonical, canonicalOfSimulation, type Computed, defaultPageSize, groupSizeOf, type Judged, judgeContextOf, judgeFrom, json, noSimulation, toResult } from "./internal/results.js"
import * as Tracking from "./internal/tracking.js"
import { assemble, executionCounts, executionsOf, type GroupMetrics, type GroupRead, listedKey, listGroups, metricsOf, groupsBySimulation, snapshot, wantedRuns } from "./internal/tracking.js"

export type { CacheSizes } from "./internal/caches.js"
export {
  type Canonical,
  canonicalOfSimulation,
  defaultPageSize,
  groupSizeOf,
  type Judged,
  type JudgeContext,
  judgeExecution,
  judgeFrom,
  type ResultInput,
  toResult
} from "./internal/results.js"

const name = InteractlySuite.name

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

/** The driver, and the sizes of its caches. */
export interface Driver extends SimulationProvider.Driver {
  readonly getRuns: NonNullable<SimulationProvider.Driver["getRuns"]>
  readonly cacheSizes: () => Caches.CacheSizes
}

/** Builds the driver over an `InteractlyClient`. */
export const makeDriver = (options: DriverOptions = {}): Effect.Effect<Driver, never, InteractlyClient.InteractlyClient> =>
  Effect.gen(function*() {
    const client = yield* InteractlyClient.InteractlyClient
    const pageSize = options.pageSize ?? defaultPageSize
    const cacheSize = Math.max(1, options.cacheSize ?? 4096)
    const caches = Caches.make(cacheSize)
    const { simulations, groupSimulation, started, runPlans, evaluations, summaries, groupReads, finished, runKeyOf, peekFinished } = caches

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
      Provisioning.provision(client, plan, (id, canonical) => void simulations.set(id, canonical))

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

    const evaluationOf = (workflowRunId: string) => {
      const cached = evaluations.get(workflowRunId)
      return cached !== undefined
        ? Effect.succeed(cached)
        : Effect.tap(optional(client.getWorkflowRunEvaluation(workflowRunId)), (e) => Effect.sync(() => e && evaluations.set(workflowRunId, e)))
    }

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
    ): Judged => judgeFrom(status, evaluation, evaluationMetrics, groupSummary, judgeContextOf(runPlans.get(runId), canonical.scenario))

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
      return Effect.map(executionsOf(client, groupId), (executions): GroupRead => {
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

    const readListed = (runId: string, group: Wire.SimulationGroup, groupId: string, _canonical: Canonical, base: Omit<GroupMetrics, "metrics">, verdicts: boolean) =>
      Tracking.readListed(group, base, verdicts, { planned: () => runPlans.has(runId), previous: () => groupReads.peek(groupId), summary: () => summaries.peek(groupId) })

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
          const executions = yield* executionsOf(client, groupId)
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

    // Tracking (`getRuns`): how groups are listed and read again is told in internal/tracking.ts.
    const getRuns: Driver["getRuns"] = (ids, options) =>
      Effect.gen(function*() {
        // Without verdicts, completed executions whose verdict is not known yet count as pending.
        const verdicts = options?.verdicts ?? true
        const { unknown, wantedGroups, wantedIds } = wantedRuns(ids, (g) => groupSimulation.has(g))
        // Runs with a group of unknown simulation: read once on their own (a watch's first
        // snapshot, read with getRun, usually taught the driver already).
        const direct = new Map<string, typeof Run.Run.Encoded>()
        yield* forEachConcurrentDiscard(
          unknown,
          (id) => Effect.catchIf(Effect.map(readRun(id, verdicts), (run) => void direct.set(id, run)), (e) => e.reason === "NotFound", () => Effect.void),
          8
        )
        const { bySimulation, unlisted } = groupsBySimulation(wantedIds, wantedGroups, direct, (g) => groupSimulation.get(g))
        const listed = new Map<string, Wire.SimulationGroup>()
        yield* forEachConcurrentDiscard(bySimulation, ([simulationId, groups]) => listGroups(client, simulationId, groups, listed), 4)
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

    return { name, capabilities, check, provision, startRun, findRun, getRun, getRuns, listResults, cancelRun, cacheSizes: caches.sizes }
  })

// ---------------------------------------------------------------------------------------------
// Layers (the registry entry is `InteractlySuite.plugin`)
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

