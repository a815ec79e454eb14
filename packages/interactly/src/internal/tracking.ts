/**
 * Tracking: reads of simulation groups and the counts made of them, for `getRun` and `getRuns`.
 * The canonical run is built from the groups (`snapshot`) and from one read per group
 * (`GroupRead`), which the driver keeps while the group's listing (`listedKey`) is unchanged.
 *
 * `getRuns` reads one list of groups per simulation per poll (`GET
 * /v1/simulations/{id}/runs`, newest first, until every watched group of that simulation was
 * seen); a group's executions (and evaluations or summary) are read only when its listed
 * status, counts or update time changed since the last read. With `verdicts: false` no
 * evaluation or summary is read and finished groups are counted from their listing (completed
 * executions whose verdict is not known yet are pending). See docs/providers/interactly.md.
 *
 * @internal
 */
import { type Json, type ProviderError, Status } from "@simbridge/core"
import type * as Run from "@simbridge/core/Run"
import * as Effect from "effect/Effect"
import type * as InteractlyClient from "../InteractlyClient.js"
import { name } from "../InteractlySuite.js"
import * as Wire from "../InteractlyWire.js"
import * as Mapping from "./mapping.js"
import { isGroupId } from "./requests.js"
import { jsonNumber, type Mutable, ref } from "./results.js"

/** Groups per page of `GET /v1/simulations/{id}/runs` (the documented default and the SDK's page). */
export const groupPageSize = 100
/** Pages of one simulation's group list read per poll at most; groups beyond are read one by one. */
export const maxGroupPages = 100

/**
 * The canonical run of `groups` (with the counts and evaluation summaries of their reads, when
 * read). Built in one pass over the groups, its provider metadata made of JSON values directly
 * (as a JSON copy of them would be): every poll builds it for every watched run.
 */
export const snapshot = (runId: string, groups: ReadonlyArray<Wire.SimulationGroup>, counts?: typeof Run.RunCounts.Encoded, metrics?: ReadonlyArray<GroupMetrics>): typeof Run.Run.Encoded => {
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

/** Every execution of a group (at most 100 pages of 100). */
export const executionsOf = (client: InteractlyClient.Service, groupId: string): Effect.Effect<ReadonlyArray<Wire.SimulationRun>, ProviderError.ProviderError> =>
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

export interface GroupMetrics {
  readonly simulationId: string
  readonly scenario: string
  readonly persona: string
  readonly metrics: ReadonlyArray<{ readonly metric: string; readonly averageScore: number | null; readonly minScore: number | null; readonly maxScore: number | null }>
}

/** What one read of a group gave, and the listed state of the group it was read for. */
export interface GroupRead {
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
export const listedKey = (g: Wire.SimulationGroup) => `${g.status}|${g.total_runs ?? ""}|${g.completed_runs ?? ""}|${g.failed_runs ?? ""}|${g.updated_at ?? ""}`

export const metricsOf = (summary: Wire.EvaluationSummary | undefined): GroupMetrics["metrics"] =>
  summary?.selected_workflow_summary?.metrics.map((m) => ({ metric: m.metric_name, averageScore: m.average_score ?? null, minScore: m.min_score ?? null, maxScore: m.max_score ?? null })) ?? []

/**
 * A group's counts from its executions' statuses and verdicts (`"unread"`: completed, verdict
 * not read; counted as `pending`, which is left out when 0).
 */
export const executionCounts = (statuses: ReadonlyArray<{ readonly unified: Status.UnifiedStatus }>, verdicts: ReadonlyArray<Status.Verdict | "unread">) => {
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
export const tally = (judged: ReadonlyMap<string, Status.Verdict> | undefined, completed: number) => {
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

/** The canonical run from its groups and their reads. */
export const assemble = (id: string, groups: ReadonlyArray<Wire.SimulationGroup>, reads: ReadonlyArray<GroupRead>) => {
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

/** The listed groups of one simulation among `wanted`, into `into`. */
export const listGroups = (client: InteractlyClient.Service, simulationId: string, wanted: ReadonlySet<string>, into: Map<string, Wire.SimulationGroup>) =>
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

/**
 * The read of a group that needs no request: a queued group; without verdicts, a finished
 * group counted from its listing (see `readWithoutVerdicts`); with verdicts, a finished group
 * whose verdicts the summary decides, with its summary kept (or nothing completed). Else
 * undefined.
 */
export const readListed = (
  group: Wire.SimulationGroup,
  base: Omit<GroupMetrics, "metrics">,
  verdicts: boolean,
  known: { readonly planned: () => boolean; readonly previous: () => GroupRead | undefined; readonly summary: () => Wire.EvaluationSummary | undefined }
): GroupRead | undefined => {
  const groupStatus = Mapping.groupStatus(group.status)
  const total = group.total_runs, completed = group.completed_runs, failedRuns = group.failed_runs
  if (groupStatus.unified === "queued" && typeof total === "number" && !completed && !failedRuns) {
    // A pending group has started none of its executions: all are queued, nothing to read.
    return { key: listedKey(group), planned: known.planned(), verdicts: true, counts: { total, queued: total, running: 0, passed: 0, failed: 0, errored: 0, skipped: 0 }, metrics: { ...base, metrics: [] } }
  }
  const listed = typeof total === "number" && typeof completed === "number" && typeof failedRuns === "number" && completed + failedRuns <= total
  if (!listed || (groupStatus.unified !== "completed" && groupStatus.unified !== "failed")) return undefined
  if (!verdicts) {
    const key = listedKey(group)
    const planned = known.planned()
    const previous = known.previous()
    const before = previous?.planned === planned ? previous.judged : undefined
    const k = tally(before, completed)
    return {
      key,
      planned,
      verdicts: false,
      judged: before,
      counts: { total, queued: 0, running: 0, passed: k.passed, failed: k.failed, errored: failedRuns + k.errored, skipped: total - completed - failedRuns, pending: completed - k.known },
      metrics: { ...base, metrics: metricsOf(known.summary()) }
    }
  }
  // With verdicts, every completed execution is judged from its own evaluation (core never lets
  // the group's summary of Interactly's own `passed` decide): the executions must be read.
  return undefined
}

/**
 * The run ids (each once, in order) and their groups, in two arrays (no entry per run), and the
 * runs with a group whose simulation `knows` does not tell.
 */
export const wantedRuns = (ids: Iterable<string>, knows: (groupId: string) => boolean) => {
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
    if (groups.some((g) => !knows(g))) unknown.push(id)
  }
  return { wantedIds, wantedGroups, unknown }
}

/**
 * The groups of the runs not read yet (`done`), by the simulation `simulationOf` tells (a group
 * of no known simulation is left out), and the groups known to have no simulation: no list shows
 * them, so each is read on its own.
 */
export const groupsBySimulation = (
  wantedIds: ReadonlyArray<string>,
  wantedGroups: ReadonlyArray<ReadonlyArray<string>>,
  done: ReadonlyMap<string, unknown>,
  simulationOf: (groupId: string) => string | undefined
) => {
  const bySimulation = new Map<string, Set<string>>()
  const unlisted: Array<string> = []
  for (let w = 0; w < wantedIds.length; w++) {
    if (done.has(wantedIds[w]!)) continue
    for (const g of wantedGroups[w]!) {
      const simulationId = simulationOf(g)
      if (simulationId === "") unlisted.push(g)
      else if (simulationId !== undefined) bySimulation.set(simulationId, (bySimulation.get(simulationId) ?? new Set()).add(g))
    }
  }
  return { bySimulation, unlisted }
}
