/**
 * Simulation groups as a canonical run, without a request: the run made of its groups
 * (`snapshot`) and of one read per group (`GroupRead`, `assemble`), the counts of a group's
 * executions, the listed state of a group (`listedKey`) that tells whether it changed, and the
 * read of a group its listing alone gives (`readListed`).
 *
 * @internal
 */
import { type Json, Status } from "@simbridge/core"
import type * as Run from "@simbridge/core/Run"
import { name } from "../InteractlySuite.js"
import * as Wire from "../InteractlyWire.js"
import type { GroupVerdicts } from "./caches.js"
import * as Mapping from "./mapping.js"
import { jsonNumber, type Mutable, ref } from "./mapping.js"
import { isGroupId } from "./requests.js"

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

const finite = (x: number | null | undefined) => (typeof x === "number" && Number.isFinite(x) ? x : 0)

/**
 * The conversations a group planned (`total_runs`) that its executions listing does not hold
 * (`listed` of them): the orchestrator creates an execution only when it spawns it, and a stop (or
 * `stop_on_failure` after a failure) ends the spawning. While the group runs they are still to
 * come (queued); once it was stopped or failed they never will (`never`: canceled, skipped). A
 * completed group spawned them all, and a listing with fewer executions than the group counts as
 * finished is a partial answer: both are counted as they are listed, never as unspawned.
 */
export const unspawned = (group: Wire.SimulationGroup, listed: number): { readonly queued: number; readonly never: number } => {
  const planned = group.total_runs
  if (typeof planned !== "number" || planned <= listed) return { queued: 0, never: 0 }
  if (listed < finite(group.completed_runs) + finite(group.failed_runs)) return { queued: 0, never: 0 }
  const s = Mapping.groupStatus(group.status).unified
  if (s === "canceled" || s === "failed") return { queued: 0, never: planned - listed }
  return s === "completed" ? { queued: 0, never: 0 } : { queued: planned - listed, never: 0 }
}

/**
 * A group's counts from its executions' statuses and verdicts (`"unread"`: completed, verdict
 * not read; counted as `pending`, which is left out when 0), plus its planned conversations not
 * listed (`unspawned`: queued, or skipped when they never will be).
 */
export const executionCounts = (
  statuses: ReadonlyArray<{ readonly unified: Status.UnifiedStatus }>,
  verdicts: ReadonlyArray<Status.Verdict | "unread">,
  notListed: { readonly queued: number; readonly never: number } = { queued: 0, never: 0 }
) => {
  let queued = notListed.queued, running = 0, passed = 0, failed = 0, errored = 0, skipped = notListed.never, pending = 0
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
  const counts: Mutable<typeof Run.RunCounts.Encoded> = { total: statuses.length + notListed.queued + notListed.never, queued, running, passed, failed, errored, skipped }
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
  // Only reads without verdicts have pending executions; left out when 0 (the counts of reads with verdicts).
  if (pending > 0) counts.pending = pending
  return snapshot(id, groups, counts, reads.map((d) => d.metrics))
}

/**
 * The read of a group that needs no request, or undefined: a queued group (all its executions
 * queued); without verdicts, a finished group counted from its listing (`completed_runs`
 * completed, pending unless `known.verdicts` judged them; `failed_runs` errored; the rest
 * skipped: never spawned once `stop_on_failure` ended the group).
 */
export const readListed = (
  group: Wire.SimulationGroup,
  base: Omit<GroupMetrics, "metrics">,
  verdicts: boolean,
  known: { readonly planned: () => boolean; readonly verdicts: () => GroupVerdicts | undefined; readonly summary: () => Wire.EvaluationSummary | undefined }
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
    const previous = known.verdicts()
    const before = previous?.planned === planned ? previous.verdicts : undefined
    const k = tally(before, completed)
    const counts: Mutable<typeof Run.RunCounts.Encoded> = {
      total,
      queued: 0,
      running: 0,
      passed: k.passed,
      failed: k.failed,
      errored: failedRuns + k.errored,
      skipped: total - completed - failedRuns
    }
    // Left out when 0, as `executionCounts` leaves it.
    if (completed > k.known) counts.pending = completed - k.known
    return { key, planned, verdicts: false, judged: before, counts, metrics: { ...base, metrics: metricsOf(known.summary()) } }
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
