/**
 * Tracking: `getRun` (a result read on its own) and `getRuns` (many results from the results list).
 *
 * `getRuns` pages through the results list, which carries each result's status, counts and run
 * summaries; a result whose list item did not change since the last poll is answered from its
 * last snapshot. A run's verdict needs its evaluation only when it completed: the completed runs
 * of a poll are read together through `runs/bulk/` (a failed, timed-out or cancelled run's verdict
 * is its status's: nothing is read for it). Verdicts of terminal runs never change, so each is
 * read once and remembered while its result is tracked. Without verdicts (`verdicts: false`)
 * nothing is read for completed runs: those whose verdict is not known count as `pending`. See
 * "Tracking" in docs/providers/cekura.md.
 */
import { type Run, RunSnapshots, Status, type Warning } from "@simbridge/core"
import type { Lru } from "@simbridge/core/Lru"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type * as CekuraClient from "../CekuraClient.js"
import * as Wire from "../CekuraWire.js"
import * as Mapping from "./mapping.js"
import { type Memory, scenarioContext } from "./reads.js"
import { markerOf, provider, resultIdOf } from "./requests.js"
import { iterations, json, type Mutable, statusVerdict, verdictOf } from "./results.js"

export type RunEncoded = typeof Run.Run.Encoded

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
export const signatureOf = (r: TrackedResult): string =>
  JSON.stringify([r.status, r.success_rate, r.total_runs_count, r.completed_runs_count, r.success_runs_count, r.updated_at, (r.runs ?? []).map((run) => [run.id, run.status, run.success])])

/** A Cekura result as a canonical run with the given counts. */
export const toRun = (
  detail: { readonly id: number; readonly name?: string | null | undefined; readonly status: string; readonly agent?: number | null | undefined; readonly created_at?: string | null | undefined },
  counts: typeof Run.RunCounts.Encoded,
  extra: Record<string, unknown> = {},
  warnings: ReadonlyArray<typeof Warning.Warning.Encoded> = []
): typeof Run.Run.Encoded => {
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

/**
 * A result's counts from its runs' statuses and verdicts. With `pendingFinished`, a finished run
 * without a verdict counts as `pending` (its evaluation was not read; the results read gives it).
 */
export const countRuns = (
  judged: ReadonlyArray<readonly [status: ReturnType<typeof Mapping.statusOf>, verdict: Status.Verdict]>,
  pendingFinished: boolean
): typeof Run.RunCounts.Encoded => {
  const counts: Mutable<typeof Run.RunCounts.Encoded> = { total: judged.length, queued: 0, running: 0, passed: 0, failed: 0, errored: 0, skipped: 0 }
  let pending = 0
  for (const [status, verdict] of judged) {
    if (verdict === "pass") counts.passed++
    else if (verdict === "fail") counts.failed++
    else if (verdict === "error") counts.errored++
    else if (verdict === "skipped") counts.skipped++
    else if (pendingFinished && Status.isTerminal(status)) pending++
    else if (status.unified === "queued") counts.queued++
    else counts.running++
  }
  if (pending > 0) counts.pending = pending
  return counts
}

const count = (n: typeof Wire.Count.Type | null | undefined) => n === undefined || n === null ? undefined : Number(n)

/** A result (detail or list item) as a canonical run: its success rate as a percentage, and its run type. */
export const resultRun = (
  detail: Parameters<typeof toRun>[0] & {
    readonly success_rate?: number | null | undefined
    readonly total_runs_count?: typeof Wire.Count.Type | null | undefined
    readonly success_runs_count?: typeof Wire.Count.Type | null | undefined
    readonly run_type?: string | null | undefined
  },
  counts: typeof Run.RunCounts.Encoded
) =>
  toRun(detail, counts, {
    successRatePercent: Mapping.successRatePercent(detail.success_rate, count(detail.success_runs_count), count(detail.total_runs_count)) ?? null,
    runType: detail.run_type ?? null
  })

/**
 * Whether `getRuns` reads the evaluation of a listed run whose verdict it does not know: not when
 * its status decides the verdict; yes when it completed (with verdicts only) or has a status this
 * driver does not know (with or without: it may be finished and evaluated, so it is read as
 * `getRun` would, which only happens on an undocumented status).
 */
export const needsEvaluation = (status: string | null | undefined, verdicts: boolean): boolean => {
  const s = Mapping.statusOf(status ?? "")
  if (statusVerdict(s) !== undefined) return false
  return s.unified === "unknown" || (verdicts && Status.isTerminal(s))
}

// ---------------------------------------------------------------------------------------------
// getRun
// ---------------------------------------------------------------------------------------------

/** A result read on its own: its detail carries every run, judged with its scenario's evaluators. */
export const getRun = (client: CekuraClient.Service, memory: Memory, id: string) =>
  Effect.gen(function*() {
    const detail = yield* Effect.flatMap(resultIdOf("getRun", id), client.getResult)
    memory.iterations.set(detail.id, iterations(detail.runs))
    const judged = yield* Effect.forEach(detail.runs, (run) =>
      Effect.map(scenarioContext(client, memory.contexts, Wire.scenarioIdOf(run.scenario)), (ctx) => [Mapping.statusOf(run.status), verdictOf(run, ctx)] as const))
    return resultRun(detail, countRuns(judged, false))
  })

// ---------------------------------------------------------------------------------------------
// getRuns
// ---------------------------------------------------------------------------------------------

/**
 * What `getRuns` remembers of a result between polls: the signature of its last list item and the
 * run built from it. An entry built without verdicts that counts pending runs is not an answer
 * with verdicts.
 */
export interface Tracked extends RunSnapshots.Entry {
  readonly signature: string
}

/** The tracking memory, each part bounded (`CekuraProvider.DriverOptions`). */
export interface State {
  /** Result id -> its last snapshot, while it is tracked. */
  readonly snapshots: RunSnapshots.RunSnapshots<Tracked>
  /** Run id -> the verdict of a terminal run of a tracked result. */
  readonly verdicts: Lru<number, Status.Verdict>
  /** Result id -> its agent (null: none) once listed, so that later polls list per agent. */
  readonly agentOfResult: Lru<number, number | null>
}

/** The listed results among `ids`: pages of 100, per agent when the result's agent is known. */
export const listTracked = (client: CekuraClient.Service, state: State, ids: ReadonlySet<number>) =>
  Effect.gen(function*() {
    const found = new Map<number, TrackedResult>()
    const byAgent = new Map<number | null | undefined, Set<number>>()
    for (const id of ids) {
      const agent = state.agentOfResult.get(id)
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
          state.agentOfResult.set(r.id, r.agent ?? null)
          if (group.has(r.id)) seen++
        }
        next = page.next
      }
    }
    return found
  })

/** The verdicts of runs read through `runs/bulk/`; those of terminal runs are remembered. */
const verdictsOf = (client: CekuraClient.Service, memory: Memory, state: State, runs: ReadonlyArray<Wire.Run>) =>
  Effect.forEach(runs, (run) =>
    Effect.map(scenarioContext(client, memory.contexts, Wire.scenarioIdOf(run.scenario)), (ctx) => {
      const verdict = verdictOf(run, ctx)
      if (Status.isTerminal(Mapping.statusOf(run.status))) state.verdicts.set(run.id, verdict)
      return [run.id, verdict] as const
    }))

/** The current runs of `ids` that the results list shows (ids it does not show are left out). */
export const getRuns = (
  client: CekuraClient.Service,
  memory: Memory,
  state: State,
  ids: ReadonlyArray<string>,
  verdicts: boolean
) =>
  Effect.gen(function*() {
    const wanted = new Set(ids.filter((id) => /^\d+$/.test(id)).map(Number))
    const listed = yield* listTracked(client, state, wanted)
    // With verdicts, a result last built without them (pending runs) is built again even if its
    // list item did not change: its counts must not be pending.
    const built = new Map<number, Tracked>()
    const changed = [...listed.values()].filter((r) => {
      const entry = state.snapshots.get(String(r.id))
      if (entry !== undefined && entry.signature === signatureOf(r) && !(verdicts && (entry.run.counts?.pending ?? 0) > 0)) {
        built.set(r.id, entry)
        return false
      }
      return true
    })
    // The verdicts this poll counts, taken from the memory first: the ones it reads may push
    // remembered ones out of it.
    const known = new Map<number, Status.Verdict>()
    const unread: Array<number> = []
    for (const r of changed) {
      for (const run of r.runs ?? []) {
        const verdict = state.verdicts.get(run.id)
        if (verdict !== undefined) known.set(run.id, verdict)
        else if (needsEvaluation(run.status, verdicts)) unread.push(run.id)
      }
    }
    for (let i = 0; i < unread.length; i += 100) {
      const runs = yield* client.bulkRuns(unread.slice(i, i + 100))
      for (const [id, verdict] of yield* verdictsOf(client, memory, state, runs)) known.set(id, verdict)
    }
    for (const r of changed) {
      // A list item without run summaries: the result is read on its own.
      const run = r.runs === undefined
        ? yield* getRun(client, memory, String(r.id))
        : resultRun(r, countRuns(r.runs.map((run) => {
          const status = Mapping.statusOf(run.status ?? "")
          return [status, known.get(run.id) ?? statusVerdict(status) ?? "pending"] as const
        }), !verdicts))
      built.set(r.id, { signature: signatureOf(r), run })
    }
    const out: Array<RunEncoded> = []
    for (const id of wanted) {
      const entry = built.get(id)
      if (entry === undefined) continue
      out.push(state.snapshots.remember(String(id), entry).run)
      if (Status.isTerminal(entry.run.status)) {
        // A terminal result does not change: its runs' verdicts and its agent are forgotten with it.
        for (const run of listed.get(id)!.runs ?? []) state.verdicts.delete(run.id)
        state.agentOfResult.delete(id)
      }
    }
    return out
  })
