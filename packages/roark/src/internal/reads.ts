/**
 * The reads behind run snapshots and results pages: a run's context, a finished call's metrics as
 * evaluations, the canonical ids of scenarios not known from the run's context, and the pages of
 * results with their calls and transcripts. What does not change is kept in the driver's bounded
 * memory (`Reads`), so a call is read once however many snapshots and pages ask for it.
 *
 * @internal
 */
import type { ProviderError, SimulationProvider } from "@simbridge/core"
import type { Lru } from "@simbridge/core/Lru"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as RoarkClient from "../RoarkClient.js"
import type * as Wire from "../RoarkWire.js"
import * as M from "./mapping.js"
import { fail } from "./requests.js"
import {
  type Building,
  type EvaluationEncoded,
  evaluationsOf,
  iterations,
  knownScenario,
  recoveredContextOf,
  type ResultEncoded,
  type ResultInputs,
  resultsPageSize,
  type RunContext,
  type RunContexts,
  scenarioFromLookup,
  statusOf,
  toResult,
  withRaw
} from "./results.js"
import type * as RunCache from "./RunCache.js"

/** A finished job's detail and its results' iteration numbers, read once for every page of its results. */
export interface PageSource {
  readonly detail: Wire.RunPlanJobDetail
  readonly numbers: ReadonlyArray<number>
}

/** What the reads use of the driver: its client and its memory (every part bounded, see `RoarkProvider.DriverOptions`). */
export interface Reads {
  readonly client: RoarkClient.Service
  /** Finished calls' evaluations and results, per run (`internal/RunCache.ts`). */
  readonly cache: RunCache.RunCache<ReadonlyArray<EvaluationEncoded>, ResultEncoded>
  readonly contexts: RunContexts
  /** Vendor scenario id -> canonical scenario id, from provisioning and lookups. */
  readonly scenarioIds: Lru<string, string>
  /** Finished jobs whose results are being read, per job id (`listResults`). */
  readonly pages: Lru<string, PageSource>
}

/**
 * The context of a job's run: the one remembered, else the one recovered from the markers on
 * the vendor objects (a run this driver did not start, or forgot): its run plan
 * (`GET /v1/simulation/plan/{id}`) and every metric definition (`GET /v1/metric/definitions`).
 */
export const contextFor = (r: Reads, detail: Wire.RunPlanJobDetail): Effect.Effect<RunContext, ProviderError.ProviderError> =>
  Effect.suspend(() => {
    const known = r.contexts.get(detail.simulationRunPlanJobId)
    if (known !== undefined) return Effect.succeed(known)
    return Effect.flatMap(r.client.runPlans.get(detail.simulationRunPlanId), (plan) =>
      Effect.map(r.client.metrics.listDefinitions(), (definitions) =>
        r.contexts.set(detail.simulationRunPlanJobId, recoveredContextOf(plan, definitions.data))))
  })

/**
 * The evaluations of a finished call not in the run's cache entry yet: its metrics read
 * (`GET /v1/call/{id}/metrics`, there is no batch read), judged, and kept in the entry so later
 * snapshots and the results read reuse them.
 */
export const readEvaluations = (r: Reads, runId: string, terminal: boolean, ctx: RunContext, sim: Wire.SimulationJob, callId: string, scenario: string) =>
  Effect.map(r.client.calls.metrics(callId), (metrics) => {
    const evaluations = evaluationsOf(metrics, ctx.evaluators, ctx.scenarioEvaluators?.get(scenario))
    r.cache.entry(runId, terminal).evaluations.set(sim.simulationJobId, evaluations)
    return evaluations
  })

export const lookUpScenario = (r: Reads, id: string) =>
  Effect.gen(function*() {
    const scenario = yield* r.client.scenarios.get(id).pipe(Effect.option)
    const canonical = scenarioFromLookup(id, Option.getOrUndefined(scenario))
    r.scenarioIds.set(id, canonical)
    return canonical
  })

/**
 * Canonical scenario ids of a job's simulation jobs, in order: those known without a request at
 * once, the others looked up one after the other (once per unknown scenario: a lookup makes the
 * later jobs of the same scenario known). `undefined` entries of `known` are filled in.
 */
export const lookUpScenarios = (r: Reads, ctx: RunContext, sims: ReadonlyArray<Wire.SimulationJob>, known: Array<string | undefined>) =>
  Effect.forEach(sims, (sim, i) => {
    if (known[i] !== undefined) return Effect.void
    const now = knownScenario(ctx, sim, r.scenarioIds)
    if (now !== undefined) return Effect.sync(() => void (known[i] = now))
    return Effect.map(lookUpScenario(r, sim.scenario!.id), (canonical) => void (known[i] = canonical))
  }, { discard: true })

/** A result without `raw` from its reads (`toResult`); a finished one is kept in the run's cache entry until the read ends. */
export const resultOf = (r: Reads, detail: Wire.RunPlanJobDetail, ctx: RunContext, b: Building): ResultEncoded => {
  const result = toResult(detail, ctx, b as Building & ResultInputs)
  const status = b.status
  const terminal = status.unified !== "queued" && status.unified !== "running" && status.unified !== "unknown"
  if (terminal && M.processingStatus(b.sim.processingStatus).unified !== "running") {
    r.cache.entry(detail.simulationRunPlanJobId, M.terminalJobStatuses.has(detail.status)).results.set(b.sim.simulationJobId, result)
  }
  return result
}

/**
 * The results (without `raw`) of a page of a job's simulation jobs. Those kept from an earlier
 * read are given as they are; for the others, each finished call costs its call and transcript
 * reads, and its metrics unless a snapshot already read them. The reads of the whole page go
 * 16 at a time (a finished call's three reads at once, about 5-8 calls at a time), not in a
 * fiber per result; a result is built, and kept, as soon as its own reads are done, so a page read
 * again after a failure does not read those calls again. Unknown scenarios are looked up first,
 * one after the other (`lookUpScenarios`).
 */
export const resultsOf = (r: Reads, detail: Wire.RunPlanJobDetail, ctx: RunContext, offset: number, numbers: ReadonlyArray<number>): Effect.Effect<Array<ResultEncoded>, ProviderError.ProviderError> =>
  Effect.suspend(() => {
    const runId = detail.simulationRunPlanJobId
    const page = detail.simulationJobs.slice(offset, offset + resultsPageSize)
    const out: Array<ResultEncoded> = new Array(page.length)
    const sims: Array<Wire.SimulationJob> = []
    const indexes: Array<number> = []
    for (let i = 0; i < page.length; i++) {
      const cached = r.cache.get(runId)?.results.get(page[i]!.simulationJobId)
      if (cached !== undefined) out[i] = cached
      else {
        sims.push(page[i]!)
        indexes.push(i)
      }
    }
    if (sims.length === 0) return Effect.succeed(out)
    const scenarios: Array<string | undefined> = new Array(sims.length)
    let unknown = false
    for (let k = 0; k < sims.length; k++) if ((scenarios[k] = knownScenario(ctx, sims[k]!, r.scenarioIds)) === undefined) unknown = true
    const build = () => readResults(r, detail, ctx, sims, indexes, scenarios as Array<string>, numbers, offset, out)
    return unknown ? Effect.flatMap(lookUpScenarios(r, ctx, sims, scenarios), build) : build()
  })

export const readResults = (
  r: Reads,
  detail: Wire.RunPlanJobDetail,
  ctx: RunContext,
  sims: ReadonlyArray<Wire.SimulationJob>,
  indexes: ReadonlyArray<number>,
  scenarios: ReadonlyArray<string>,
  numbers: ReadonlyArray<number>,
  offset: number,
  out: Array<ResultEncoded>
): Effect.Effect<Array<ResultEncoded>, ProviderError.ProviderError> => {
  const runId = detail.simulationRunPlanJobId
  const jobTerminal = M.terminalJobStatuses.has(detail.status)
  const reads: Array<Effect.Effect<void, ProviderError.ProviderError>> = []
  const done = (b: Building) => {
    if (--b.reads === 0) out[b.index] = resultOf(r, detail, ctx, b)
  }
  for (let k = 0; k < sims.length; k++) {
    const sim = sims[k]!
    const index = indexes[k]!
    const scenario = scenarios[k]!
    const status = statusOf(sim)
    const b: Building = { index, sim, iteration: numbers[offset + index]!, scenario, status, evaluations: undefined, call: undefined, transcript: undefined, reads: 0 }
    const callId = sim.callId ?? undefined
    if (status.unified !== "completed" || callId === undefined) {
      b.evaluations = evaluationsOf([], ctx.evaluators, ctx.scenarioEvaluators?.get(scenario))
    } else {
      b.evaluations = r.cache.get(runId)?.evaluations.get(sim.simulationJobId)
      if (b.evaluations === undefined) {
        b.reads++
        reads.push(Effect.map(readEvaluations(r, runId, jobTerminal, ctx, sim, callId, scenario), (evaluations) => {
          b.evaluations = evaluations
          done(b)
        }))
      }
    }
    const terminal = status.unified !== "queued" && status.unified !== "running" && status.unified !== "unknown"
    if (terminal && callId !== undefined) {
      b.reads += 2
      reads.push(
        Effect.map(r.client.calls.get(callId), (call) => {
          b.call = call
          done(b)
        }),
        Effect.map(r.client.calls.transcript(callId), (transcript) => {
          b.transcript = transcript
          done(b)
        })
      )
    }
    if (b.reads === 0) out[index] = resultOf(r, detail, ctx, b)
  }
  return reads.length === 0
    ? Effect.succeed(out)
    : reads.length === 1
    ? Effect.as(reads[0]!, out)
    : Effect.as(Effect.forEach(reads, (read) => read, { concurrency: 16, discard: true }), out)
}

/**
 * The job detail a results page is cut from. A finished job's detail does not change, so it is
 * read once for all its pages (a job of many calls is one large detail: reading it again per page
 * would make reading results quadratic) and kept in `pages` until its last page.
 */
const pageSource = (r: Reads, id: string, offset: number): Effect.Effect<PageSource, ProviderError.ProviderError> =>
  Effect.suspend(() => {
    const known = offset > 0 ? r.pages.peek(id) : undefined
    if (known !== undefined) return Effect.succeed(known)
    return Effect.map(r.client.runPlanJobs.get(id), (detail) => {
      const source = { detail, numbers: iterations(detail.simulationJobs) }
      if (M.terminalJobStatuses.has(detail.status)) r.pages.set(id, source)
      return source
    })
  })

/** One page of a job's results (the cursor is the offset of its first result). */
export const listResults = (r: Reads): SimulationProvider.Driver["listResults"] => (id, cursor, options) =>
  Effect.suspend(() => {
    const offset = cursor === undefined ? 0 : Number(cursor)
    if (!Number.isInteger(offset) || offset < 0) return fail("listResults", "InvalidRequest", `invalid cursor ${cursor}`)
    const raw = options?.raw === true
    return Effect.flatMap(pageSource(r, id, offset), ({ detail, numbers }) =>
      Effect.flatMap(contextFor(r, detail), (ctx) =>
        Effect.map(resultsOf(r, detail, ctx, offset, numbers), (page) => {
          const results = raw ? page.map((result, i) => withRaw(result, detail.simulationJobs[offset + i]!, true)) : page
          const next = offset + resultsPageSize
          if (next >= detail.simulationJobs.length) {
            r.pages.delete(id)
            // A terminal run read to the end: nothing of it is needed again (a later read starts over).
            if (M.terminalJobStatuses.has(detail.status)) r.cache.forget(id)
          }
          return next < detail.simulationJobs.length ? { results, cursor: String(next) } : { results }
        })))
  })
