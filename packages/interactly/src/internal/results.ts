/**
 * Results: one page of a run's results (`listResults`), and the canonical result of one
 * execution from its vendor payloads (`toResult`, pure: no request, no Effect). A finished
 * execution's result is built once and kept (`Caches.finished`).
 *
 * @internal
 */
import { type Json, ProviderError, Result, type SimulationProvider, Status } from "@simbridge/core"
import * as Effect from "effect/Effect"
import type * as InteractlyClient from "../InteractlyClient.js"
import { name } from "../InteractlySuite.js"
import * as Wire from "../InteractlyWire.js"
import { type Caches, runKeyOf } from "./caches.js"
import { unspawned } from "./groups.js"
import { judge, type Judged } from "./judging.js"
import * as Mapping from "./mapping.js"
import { type Canonical, type Mutable, ref } from "./mapping.js"
import { canonicalOf, simulationOfGroup } from "./reads.js"
import { forEachConcurrent, groupIdsOf, invalid, optional } from "./requests.js"

/** A deep copy as JSON gives it: what `raw` is made of. */
export const json = (value: unknown): any => JSON.parse(JSON.stringify(value))

/** A canonical result without `raw`, and the vendor payloads `raw` is made of when asked for. */
export interface Computed {
  readonly result: typeof Result.Result.Encoded
  readonly raw: unknown
}

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
  // keys in the order of the canonical JSON (pinned by the tests).
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

/** A conversation a group planned and never spawned: which one, of which group and run. */
export interface NotSpawnedInput {
  readonly runId: string
  readonly groupId: string
  readonly simulationId: string
  readonly canonical: Canonical
  /** 1-based: the conversations spawned come first, so the unspawned ones are the last iterations. */
  readonly iteration: number
  /** The group's own status (`cancelled` after a stop, `failed` after `stop_on_failure`). */
  readonly groupStatus: string
}

/** The raw status of a conversation Interactly never spawned: simbridge's, since no execution has one. */
export const notSpawnedStatus = "not_spawned"

/**
 * The canonical result (encoded) of a conversation its group planned and never spawned (the group
 * was stopped, or `stop_on_failure` ended it, before its turn): canceled, verdict skipped, so that
 * a run's results account for every planned conversation and none of these can pass.
 */
export const notSpawnedResult = (input: NotSpawnedInput): typeof Result.Result.Encoded => ({
  ref: ref("unspawned", `${input.groupId}/${input.iteration}`),
  run: ref("run", input.runId),
  scenario: input.canonical.scenario,
  persona: input.canonical.persona,
  iteration: input.iteration,
  status: { unified: "canceled", raw: notSpawnedStatus },
  verdict: Result.verdictOf({ unified: "canceled" }, []),
  evaluations: [],
  transcript: [],
  failureReason: {
    code: notSpawnedStatus,
    message: `simulation group ${input.groupId} ended ${input.groupStatus} before Interactly spawned this conversation`
  },
  providerMetadata: { simulationId: input.simulationId, simulationGroupId: input.groupId, executionId: null, groupStatus: input.groupStatus }
})

// ---------------------------------------------------------------------------------------------
// Listing
// ---------------------------------------------------------------------------------------------

const computeResult = (
  client: InteractlyClient.Service,
  caches: Caches,
  runId: string,
  groupId: string,
  simulationId: string,
  canonical: Canonical,
  e: Wire.SimulationRun,
  position: number,
  groupSize: number
): Effect.Effect<Computed, ProviderError.ProviderError> =>
  Effect.gen(function*() {
    const judged = yield* judge(client, caches, runId, groupId, simulationId, canonical, e, groupSize)
    const { status } = judged
    const workflowRunId = e.selected_workflow_run_id ?? undefined
    const workflowRun = status.unified !== "queued" && workflowRunId !== undefined ? yield* optional(client.getWorkflowRun(workflowRunId)) : undefined
    const result = toResult({ runId, groupId, simulationId, canonical, execution: e, position, judged, workflowRun })
    // The vendor's payloads, turned into `raw` (a deep copy) only when the caller asks.
    return { result, raw: { execution: e, evaluation: judged.evaluation ?? null, workflowRun: workflowRun ?? null } }
  })

/** The result of an execution: kept once it is terminal (its evaluation then leaves the evaluation cache). */
const resultOf = (
  client: InteractlyClient.Service,
  caches: Caches,
  runKey: string,
  ...args: [runId: string, groupId: string, simulationId: string, canonical: Canonical, e: Wire.SimulationRun, position: number, groupSize: number]
): Effect.Effect<Computed, ProviderError.ProviderError> => {
  const execution = args[4]
  const key = `${runKey}/${Wire.idOf(execution)}`
  const cached = caches.finished.get(key)
  return cached !== undefined
    ? Effect.succeed(cached)
    : Effect.tap(computeResult(client, caches, ...args), (r) =>
      Effect.sync(() => {
        if (!Status.isTerminal(r.result.status)) return
        caches.finished.set(key, r)
        const workflowRunId = execution.selected_workflow_run_id
        if (workflowRunId) caches.evaluations.delete(workflowRunId)
      }))
}

/**
 * One page of a run's results: the executions of one group, `pageSize` at a time, behind a
 * cursor `<group index>:<page>`. The group is read before each page of its executions: once it is
 * stopped or finished, the listing that follows holds every execution it will ever have, and its
 * last page adds a canceled result for each planned conversation never spawned (`unspawned`).
 */
export const listResults = (
  client: InteractlyClient.Service,
  caches: Caches,
  pageSize: number,
  id: string,
  cursor: string | undefined,
  opts: SimulationProvider.ListResultsOptions | undefined
): Effect.Effect<SimulationProvider.ResultPage, ProviderError.ProviderError> =>
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
      const group = yield* client.getSimulationRun(groupId)
      caches.groupSimulation.set(groupId, group.simulation_config_id ?? "")
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
      const listedTotal = list.total ?? (page - 1) * pageSize + listed
      // On its last page, the conversations a stopped or failed group never spawned (a listing
      // shorter than what the group counts as finished is partial: nothing is added for it, and
      // the suite runner sees the results missing).
      const never = more ? 0 : unspawned(group, listedTotal).never
      if (listed === 0 && never === 0) {
        if (last) return { results: [] }
        index = nextIndex
        page = nextPage
        continue
      }
      const simulationId = yield* simulationOfGroup(client, caches, groupId)
      const canonical = yield* canonicalOf(client, caches, simulationId)
      const groupSize = groupSizeOf(list, page, pageSize)
      const runKey = runKeyOf(caches, id)
      const computed = yield* forEachConcurrent(
        list.individual_runs,
        (e, i) => resultOf(client, caches, runKey, id, groupId, simulationId, canonical, e, (page - 1) * pageSize + i, groupSize),
        4
      )
      const results = computed.map((c) => (opts?.raw ? { ...c.result, raw: json(c.raw) as Json.Json } : c.result))
      for (let i = 1; i <= never; i++) {
        const result = notSpawnedResult({ runId: id, groupId, simulationId, canonical, iteration: listedTotal + i, groupStatus: group.status })
        results.push(opts?.raw ? { ...result, raw: { execution: null, group: json(group) } } : result)
      }
      return last ? { results } : { results, cursor: `${nextIndex}:${nextPage}` }
    }
  })
