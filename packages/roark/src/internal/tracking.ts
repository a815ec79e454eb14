/**
 * Run snapshots for `getRun` and `getRuns`: a job detail's counts as a canonical run, and the
 * tracking of runs not yet terminal over their plan's job list.
 *
 * The job list of a run plan carries each job's status but not its simulation jobs, so the list
 * detects status changes and a job's detail is read only when its listed status changed (the
 * terminal one included). Counts that change while the status stays the same are seen at the next
 * status change, not as they happen (see docs/providers/roark.md).
 *
 * @internal
 */
import type { ProviderError, SimulationProvider } from "@simbridge/core"
import { Result, type Status } from "@simbridge/core"
import type * as RunSnapshots from "@simbridge/core/RunSnapshots"
import * as Effect from "effect/Effect"
import type * as RoarkClient from "../RoarkClient.js"
import { name } from "../RoarkSuite.js"
import type * as Wire from "../RoarkWire.js"
import * as M from "./mapping.js"
import { contextFor, lookUpScenarios, readEvaluations, type Reads } from "./reads.js"
import { type EvaluationEncoded, evaluationsOf, knownScenario, type Mutable, ref, type ResultEncoded, type RunContext, type RunEncoded } from "./results.js"
import type * as RunCache from "./RunCache.js"

export type Counts = { total: number; queued: number; running: number; passed: number; failed: number; errored: number; skipped: number; pending?: number }

export const tally = (counts: Counts, verdict: Status.Verdict) => {
  if (verdict === "pass") counts.passed++
  else if (verdict === "fail") counts.failed++
  else if (verdict === "skipped") counts.skipped++
  else counts.errored++
}

/** The run of a job detail and its counts (`pending` only when some are, so that counts read with verdicts have no `pending` key). */
export const runOf = (detail: Wire.RunPlanJobDetail, ctx: RunContext, counts: Counts, pending: number): RunEncoded => {
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

/**
 * What `getRuns` remembers of a job between two polls (core's `RunSnapshots`, under its policy):
 * its plan (whose job list carries its status), the status its last snapshot was read at, and
 * that snapshot.
 */
export interface Tracked {
  readonly planId: string
  readonly status: string
  readonly run: RunEncoded
}

/** `run` as the last one read: remembered while it is not terminal (a run without a plan id cannot be listed, so it is not). */
export const remember = (snapshots: RunSnapshots.RunSnapshots<Tracked>, run: RunEncoded): RunEncoded => {
  const id = run.ref.id
  const planId = (run.providerMetadata as { readonly simulationRunPlanId?: unknown } | undefined)?.simulationRunPlanId
  if (typeof planId === "string") snapshots.remember(id, { planId, status: run.status.raw, run })
  else snapshots.forget(id)
  return run
}

/** A job's run: its detail, read now, in its context; without `verdicts`, no metrics are read (see `buildRun`). */
export const readRun = (r: Reads, id: string, verdicts: boolean): Effect.Effect<RunEncoded, ProviderError.ProviderError> =>
  Effect.flatMap(r.client.runPlanJobs.get(id), (detail) => {
    const known = r.contexts.get(detail.simulationRunPlanJobId)
    return known !== undefined ? buildRun(r, detail, known, verdicts) : Effect.flatMap(contextFor(r, detail), (ctx) => buildRun(r, detail, ctx, verdicts))
  })

/** The detail of a job just started, from the start's answer: no simulation jobs yet. */
export const startedDetail = (started: Wire.RunPlanJobStart): Wire.RunPlanJobDetail => {
  const detail: Mutable<Wire.RunPlanJobDetail> = {
    simulationRunPlanJobId: started.simulationRunPlanJobId,
    simulationRunPlanId: started.simulationRunPlanId,
    status: started.status,
    simulationJobs: []
  }
  if (started.createdAt !== undefined) detail.createdAt = started.createdAt
  return detail
}

/** Listed statuses of the wanted jobs of one plan: newest first, 50 a page, until all were seen. */
export const listStatuses = (client: RoarkClient.Service, planId: string, wanted: ReadonlySet<string>): Effect.Effect<Map<string, string>, ProviderError.ProviderError> => {
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
export const readEach = (ids: ReadonlyArray<string>, read: (id: string) => Effect.Effect<void, ProviderError.ProviderError>) =>
  ids.length === 0 ? Effect.void : ids.length === 1 ? read(ids[0]!) : Effect.forEach(ids, read, { concurrency: 8, discard: true })

/** `getRuns` over the runs remembered in `snapshots`; a job's detail is read (`readRun`) only when needed. */
export const getRuns = (r: Reads, snapshots: RunSnapshots.RunSnapshots<Tracked>): NonNullable<SimulationProvider.Driver["getRuns"]> =>
(ids, options) =>
  Effect.suspend(() => {
    const verdicts = options?.verdicts ?? true
    /** What this call starts from (entries evicted meanwhile by other reads still count). */
    const known = new Map<string, Tracked>()
    const missing: Array<string> = []
    for (const id of ids) {
      // Asked for: the most recently polled.
      const entry = snapshots.get(id)
      if (entry === undefined) missing.push(id)
      else known.set(id, entry)
    }
    /** Runs read by this call (a job's detail, after a listed status change or never read before). */
    const read = new Map<string, RunEncoded>()
    const readOne = (id: string) => Effect.map(readRun(r, id, verdicts), (run) => void read.set(id, remember(snapshots, run)))
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
        Effect.map(listStatuses(r.client, planId, wanted), (statuses) => {
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
export const buildRun = (r: Reads, detail: Wire.RunPlanJobDetail, ctx: RunContext, verdicts = true): Effect.Effect<RunEncoded, ProviderError.ProviderError> =>
  Effect.suspend(() => {
    const runId = detail.simulationRunPlanJobId
    const terminal = M.terminalJobStatuses.has(detail.status)
    if (terminal) r.cache.settle(runId)
    const sims = detail.simulationJobs
    const scenarios: Array<string | undefined> = new Array(sims.length)
    let unknown = false
    for (let i = 0; i < sims.length; i++) if ((scenarios[i] = knownScenario(ctx, sims[i]!, r.scenarioIds)) === undefined) unknown = true
    return unknown
      ? Effect.flatMap(lookUpScenarios(r, ctx, sims, scenarios), () => judgeRun(r, detail, ctx, verdicts, terminal, scenarios as Array<string>))
      : judgeRun(r, detail, ctx, verdicts, terminal, scenarios as Array<string>)
  })

export const judgeRun = (r: Reads, detail: Wire.RunPlanJobDetail, ctx: RunContext, verdicts: boolean, terminal: boolean, scenarios: ReadonlyArray<string>): Effect.Effect<RunEncoded, ProviderError.ProviderError> => {
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
      if (entry === null) entry = r.cache.get(runId)
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
    return Effect.map(readEvaluations(r, runId, terminal, ctx, sim, sim.callId!, scenarios[i]!), (evaluations) => {
      tally(counts, Result.verdictOf(M.resultStatus(sim.status, sim.processingStatus), evaluations))
    })
  }
  return unread.length === 1
    ? Effect.map(read(unread[0]!), finish)
    : Effect.map(Effect.forEach(unread, read, { concurrency: 4, discard: true }), finish)
}
