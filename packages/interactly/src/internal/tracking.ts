/**
 * Tracking: `getRun` and `getRuns`. A canonical run is several simulation groups (one per
 * scenario x persona); it is assembled from the groups and from one read per group
 * (`GroupRead`), which `getRuns` keeps per tracked run (`Caches.runs`) and answers from while
 * the group's listing (`listedKey`) is unchanged.
 *
 * `getRuns` reads one list of groups per simulation per poll (`GET /v1/simulations/{id}/runs`,
 * newest first, until every watched group of that simulation was seen); a group's executions
 * (and evaluations or summary) are read only when its listed status, counts or update time
 * changed since the last read. With `verdicts: false` no evaluation or summary is read and
 * finished groups are counted from their listing (completed executions whose verdict is not known
 * yet are pending). See docs/providers/interactly.md.
 *
 * @internal
 */
import { type ProviderError, Result, Status } from "@simbridge/core"
import type * as Run from "@simbridge/core/Run"
import type * as SimulationProvider from "@simbridge/core/SimulationProvider"
import * as Effect from "effect/Effect"
import type * as InteractlyClient from "../InteractlyClient.js"
import * as Wire from "../InteractlyWire.js"
import type { Caches } from "./caches.js"
import { assemble, executionCounts, type GroupMetrics, type GroupRead, groupsBySimulation, listedKey, metricsOf, readListed, unspawned, wantedRuns } from "./groups.js"
import { judge, knownVerdict } from "./judging.js"
import * as Mapping from "./mapping.js"
import { canonicalOf, knownSimulation, simulationOfGroup, summaryOf } from "./reads.js"
import { forEachConcurrent, forEachConcurrentDiscard, groupIdsOf } from "./requests.js"

/** Groups per page of `GET /v1/simulations/{id}/runs` (the documented default and the SDK's page). */
export const groupPageSize = 100
/** Pages of one simulation's group list read per poll at most; groups beyond are read one by one. */
export const maxGroupPages = 100

type Client = InteractlyClient.Service

/** Every execution of a group (at most 100 pages of 100). */
export const executionsOf = (client: Client, groupId: string): Effect.Effect<ReadonlyArray<Wire.SimulationRun>, ProviderError.ProviderError> =>
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

/** The listed groups of one simulation among `wanted`, into `into`. */
export const listGroups = (client: Client, simulationId: string, wanted: ReadonlySet<string>, into: Map<string, Wire.SimulationGroup>) =>
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

// ---------------------------------------------------------------------------------------------
// One group
// ---------------------------------------------------------------------------------------------

/** The verdicts the group's last read judged, when they were judged the way this read judges (with or without the run's plan). */
const verdictsBefore = (caches: Caches, groupId: string, planned: boolean) => {
  const previous = caches.verdicts.peek(groupId)
  return previous?.planned === planned ? previous.verdicts : undefined
}

/** Keeps what a read of the group judged, for its next read. */
const keepVerdicts = (caches: Caches, groupId: string, read: GroupRead) => {
  if (read.judged === undefined) caches.verdicts.delete(groupId)
  else caches.verdicts.set(groupId, { planned: read.planned, verdicts: read.judged })
}

/**
 * Counts of one group without reading any verdict (`getRuns` with `verdicts: false`) when its
 * listing does not give them (`readListed`): its executions (the listing does not split queued
 * from running ones), completed ones counted with the verdict the caches tell, else `pending`.
 */
const readWithoutVerdicts = (client: Client, caches: Caches, runId: string, group: Wire.SimulationGroup, groupId: string, canonical: Mapping.Canonical, base: Omit<GroupMetrics, "metrics">) => {
  // What the driver knew when the read started.
  const key = listedKey(group)
  const planned = caches.runPlans.has(runId)
  const before = verdictsBefore(caches, groupId, planned)
  return Effect.map(executionsOf(client, groupId), (executions): GroupRead => {
    const statuses = executions.map((e) => Mapping.executionStatus(e.status))
    const now = new Map<string, Status.Verdict>()
    const verdicts = executions.map((e, i): Status.Verdict | "unread" => {
      const status = statuses[i]!
      if (status.unified !== "completed") return Result.verdictOf(status, [])
      const known = before?.get(Wire.idOf(e)) ?? knownVerdict(caches, runId, groupId, canonical, e, executions.length)
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
      counts: executionCounts(statuses, verdicts, unspawned(group, executions.length)),
      metrics: { ...base, metrics: terminal ? metricsOf(caches.summaries.peek(groupId)) : [] }
    }
  })
}

/** Counts and evaluation summary of one group with every completed execution judged (`getRun`). */
const readWithVerdicts = (client: Client, caches: Caches, runId: string, groupId: string, simulationId: string, canonical: Mapping.Canonical, group: Wire.SimulationGroup, base: Omit<GroupMetrics, "metrics">) =>
  Effect.gen(function*() {
    const key = listedKey(group)
    const planned = caches.runPlans.has(runId)
    const executions = yield* executionsOf(client, groupId)
    const terminal = Status.isTerminal(Mapping.groupStatus(group.status))
    const statuses = executions.map((e) => Mapping.executionStatus(e.status))
    const completed = statuses.filter((s) => s.unified === "completed").length
    const before = verdictsBefore(caches, groupId, planned)
    const judged = new Map<string, Status.Verdict>()
    const verdicts = yield* forEachConcurrent(executions, (e, i) => {
      const known = statuses[i]!.unified === "completed" ? before?.get(Wire.idOf(e)) : undefined
      if (known !== undefined) {
        judged.set(Wire.idOf(e), known)
        return Effect.succeed(known)
      }
      return Effect.map(judge(client, caches, runId, groupId, simulationId, canonical, e, executions.length), (j) => {
        if (j.status.unified === "completed" && j.source !== "none") judged.set(Wire.idOf(e), j.verdict)
        return j.verdict
      })
    }, 4)
    const summary = terminal && completed > 0 ? yield* summaryOf(client, caches, simulationId, groupId, true) : undefined
    const read: GroupRead = {
      key,
      planned,
      verdicts: true,
      judged,
      counts: executionCounts(statuses, verdicts, unspawned(group, executions.length)),
      metrics: { ...base, metrics: terminal ? metricsOf(summary) : [] }
    }
    return read
  })

const listedRead = (caches: Caches, runId: string, group: Wire.SimulationGroup, groupId: string, base: Omit<GroupMetrics, "metrics">, verdicts: boolean) =>
  readListed(group, base, verdicts, {
    planned: () => caches.runPlans.has(runId),
    verdicts: () => caches.verdicts.peek(groupId),
    summary: () => caches.summaries.peek(groupId)
  })

/**
 * The read of a group when it needs no request (its simulation and names known, and
 * `readListed` answers); else undefined.
 */
const readGroupNow = (caches: Caches, runId: string, group: Wire.SimulationGroup, verdicts: boolean): GroupRead | undefined => {
  const groupId = Wire.idOf(group)
  const known = knownSimulation(caches, group, groupId)
  if (known === undefined) return undefined
  const { canonical, simulationId } = known
  const read = listedRead(caches, runId, group, groupId, { simulationId, scenario: canonical.scenario, persona: canonical.persona }, verdicts)
  if (read === undefined) return undefined
  caches.groupSimulation.set(groupId, simulationId)
  keepVerdicts(caches, groupId, read)
  return read
}

const readGroupWith = (client: Client, caches: Caches, runId: string, group: Wire.SimulationGroup, verdicts: boolean): Effect.Effect<GroupRead, ProviderError.ProviderError> =>
  Effect.gen(function*() {
    const groupId = Wire.idOf(group)
    const simulationId = group.simulation_config_id ?? (yield* simulationOfGroup(client, caches, groupId))
    caches.groupSimulation.set(groupId, simulationId)
    const canonical = yield* canonicalOf(client, caches, simulationId)
    const base = { simulationId, scenario: canonical.scenario, persona: canonical.persona }
    const read = listedRead(caches, runId, group, groupId, base, verdicts) ??
      (verdicts
        ? yield* readWithVerdicts(client, caches, runId, groupId, simulationId, canonical, group, base)
        : yield* readWithoutVerdicts(client, caches, runId, group, groupId, canonical, base))
    keepVerdicts(caches, groupId, read)
    return read
  })

/**
 * Counts and evaluation summary of one group, as `group` (just read or listed) shows it; with
 * `verdicts` false, completed executions whose verdict is not known are pending.
 */
const readGroup = (client: Client, caches: Caches, runId: string, group: Wire.SimulationGroup, verdicts: boolean): Effect.Effect<GroupRead, ProviderError.ProviderError> => {
  const now = readGroupNow(caches, runId, group, verdicts)
  return now !== undefined ? Effect.succeed(now) : readGroupWith(client, caches, runId, group, verdicts)
}

// ---------------------------------------------------------------------------------------------
// Runs
// ---------------------------------------------------------------------------------------------

/** The run made of its groups and their reads, kept for the next poll until it is terminal. */
const remember = (caches: Caches, id: string, groups: ReadonlyArray<Wire.SimulationGroup>, reads: ReadonlyArray<GroupRead>) =>
  caches.runs.remember(id, { run: assemble(id, groups, reads), reads }).run

/** A run read group by group. */
const readRun = (client: Client, caches: Caches, id: string, verdicts: boolean) =>
  Effect.gen(function*() {
    const ids = yield* groupIdsOf("getRun", id)
    // Groups first, one after the other: their statuses are what the run's status is made of.
    const groups = yield* Effect.forEach(ids, (g) => client.getSimulationRun(g))
    const reads = yield* forEachConcurrent(groups, (group) => readGroup(client, caches, id, group, verdicts), 4)
    return remember(caches, id, groups, reads)
  })

/** A run with every finished conversation's verdict. */
export const getRun = (client: Client, caches: Caches, id: string) => readRun(client, caches, id, true)

/** The current state of many runs: see the module's description. */
export const getRuns = (client: Client, caches: Caches, ids: ReadonlyArray<string>, options?: SimulationProvider.GetRunsOptions) =>
  Effect.gen(function*() {
    // Without verdicts, completed executions whose verdict is not known yet count as pending.
    const verdicts = options?.verdicts ?? true
    const { unknown, wantedGroups, wantedIds } = wantedRuns(ids, (g) => caches.groupSimulation.has(g))
    // Runs with a group of unknown simulation: read once on their own (a watch's first
    // snapshot, read with getRun, usually taught the driver already).
    const direct = new Map<string, typeof Run.Run.Encoded>()
    yield* forEachConcurrentDiscard(
      unknown,
      (id) => Effect.catchIf(Effect.map(readRun(client, caches, id, verdicts), (run) => void direct.set(id, run)), (e) => e.reason === "NotFound", () => Effect.void),
      8
    )
    const { bySimulation, unlisted } = groupsBySimulation(wantedIds, wantedGroups, direct, (g) => caches.groupSimulation.get(g))
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
      const planned = caches.runPlans.has(id)
      const last = caches.runs.get(id)?.reads
      let complete = true
      const reads = groups.map((group, i) => {
        const previous = last?.[i]
        // A read with verdicts answers both ways; one without answers only without.
        if (previous !== undefined && previous.key === listedKey(group) && previous.planned === planned && (previous.verdicts || !verdicts)) return previous
        // Else read now when no request is needed (queued, or finished and counted from its listing).
        const now = readGroupNow(caches, id, group, verdicts)
        if (now === undefined) complete = false
        return now
      })
      if (complete) runs.push(remember(caches, id, groups, reads as ReadonlyArray<GroupRead>))
      else {
        toRead.push({ index: runs.length, id, groups, reads })
        runs.push(undefined)
      }
    }
    yield* forEachConcurrentDiscard(toRead, ({ groups, id, index, reads }) => {
      const unread = groups.flatMap((group, i) => (reads[i] === undefined ? [i] : []))
      const readAt = (i: number) => Effect.map(readGroup(client, caches, id, groups[i]!, verdicts), (read) => void (reads[i] = read))
      return Effect.map(
        forEachConcurrentDiscard(unread, readAt, 4),
        () => void (runs[index] = remember(caches, id, groups, reads as ReadonlyArray<GroupRead>))
      )
    }, 8)
    return runs.filter((r): r is typeof Run.Run.Encoded => r !== undefined)
  })
