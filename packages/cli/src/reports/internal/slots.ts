/**
 * Shared, pure helpers of the report writers: the slots of a report (scenario x persona x
 * iteration), looking up a provider's result for a slot, per-provider totals and pass rates, and
 * formatting free JSON values.
 *
 * @internal
 */
import type { Result } from "@simbridge/core"
import { SuiteReport } from "@simbridge/core"

export interface Slot {
  readonly scenario: string
  readonly persona: string
  readonly iteration: number
}

export const slotKey = (slot: Slot): string => `${slot.scenario}/${slot.persona}/${slot.iteration}`

export type Cell = SuiteReport.Cell

/**
 * Every slot of the report in order: the comparison rows first (the plan's order), then any slot a
 * run holds a result for that the comparison does not list (hand-built or partial reports).
 */
export const slots = (report: SuiteReport.SuiteReport): ReadonlyArray<Slot> => {
  const seen = new Set<string>()
  const out: Array<Slot> = []
  const add = (s: Slot) => {
    const key = slotKey(s)
    if (seen.has(key)) return
    seen.add(key)
    out.push({ scenario: s.scenario, persona: s.persona, iteration: s.iteration })
  }
  for (const row of report.comparison) add(row)
  for (const run of report.runs) for (const r of run.results) add(r)
  return out
}

/** The distinct scenario x persona pairs, in slot order, each with its iterations. */
export const groups = (
  report: SuiteReport.SuiteReport
): ReadonlyArray<{ readonly scenario: string; readonly persona: string; readonly iterations: ReadonlyArray<number> }> => {
  const byKey = new Map<string, { scenario: string; persona: string; iterations: Array<number> }>()
  for (const s of slots(report)) {
    const key = `${s.scenario}/${s.persona}`
    const g = byKey.get(key) ?? { scenario: s.scenario, persona: s.persona, iterations: [] }
    g.iterations.push(s.iteration)
    byKey.set(key, g)
  }
  return [...byKey.values()]
}

/** Index of each provider's results by slot key. */
export const resultIndex = (
  report: SuiteReport.SuiteReport
): ((provider: string, slot: Slot) => Result.Result | undefined) => {
  const index = new Map<string, Map<string, Result.Result>>()
  for (const run of report.runs) {
    const byKey = index.get(run.provider) ?? new Map<string, Result.Result>()
    for (const r of run.results) byKey.set(slotKey(r), r)
    index.set(run.provider, byKey)
  }
  return (provider, slot) => index.get(provider)?.get(slotKey(slot))
}

/** A provider's verdict for a slot: its result's verdict, else the comparison's cell, else missing. */
export const cellOf = (report: SuiteReport.SuiteReport): ((provider: string, slot: Slot) => Cell) => {
  const lookup = resultIndex(report)
  const rows = new Map(report.comparison.map((row) => [slotKey(row), row] as const))
  return (provider, slot) => lookup(provider, slot)?.verdict ?? rows.get(slotKey(slot))?.verdicts[provider] ?? "missing"
}

export type ProviderTotals = SuiteReport.Totals

export const totalsOf = SuiteReport.totalsOf

/** `75.0% (3/4)`, or `n/a` when nothing was decided. */
export const formatPassRate = (t: ProviderTotals): string =>
  t.passRate === undefined ? "n/a" : `${(t.passRate * 100).toFixed(1)}% (${t.passed}/${t.passed + t.failed + t.errored})`

/** A free JSON value as text: strings as JSON strings, `?` when absent. */
export const formatValue = (v: unknown): string => (v === undefined ? "?" : JSON.stringify(v))

/** The required evaluations that did not pass (failed, or passed: null = not evaluated). */
export const failedRequired = (r: Result.Result): ReadonlyArray<Result.EvaluationResult> =>
  r.evaluations.filter((e) => e.required && e.passed !== true)

/** A result's name as a person reads it: `scenario / persona #iteration`. */
export const slotLabel = (s: Slot): string => `${s.scenario} / ${s.persona} #${s.iteration}`

/** Seconds of a result, from `durationSeconds` or its start and end times. */
export const durationOf = (r: Result.Result): number | undefined => {
  if (r.durationSeconds !== undefined) return r.durationSeconds
  if (r.startedAt !== undefined && r.endedAt !== undefined) {
    const ms = Date.parse(r.endedAt) - Date.parse(r.startedAt)
    return Number.isFinite(ms) && ms >= 0 ? ms / 1000 : undefined
  }
  return undefined
}
