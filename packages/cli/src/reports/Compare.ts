/**
 * What changed between two suite reports, for regression gates (`simbridge compare a.json b.json`).
 *
 * The unit of comparison is one provider x scenario x persona, across its iterations: iterations
 * are independent samples, so iteration 2 of one run is not paired with iteration 2 of the other.
 * In each report the group's outcome is `fail` when any iteration failed or errored, `pass` when
 * every decided iteration passed, `none` when no iteration was decided (skipped, pending, missing).
 * From the two outcomes a group is a new failure (pass or none before, fail now), fixed (fail before,
 * pass now), still failing, passing, without a verdict now, added or removed. A group is flaky when
 * its iterations disagree (pass and fail/error) in either report.
 *
 * `hasRegressions` is true when there is a new failure, or a provider that ran before could not run
 * now (a provider error). Added groups that fail are reported but are not regressions.
 *
 * @since 0.1.0
 */
import { SuiteReport } from "@simbridge/core"
import * as Schema from "effect/Schema"
import { table } from "../Render.js"
import { type Cell, cellOf, groups, totalsOf } from "./internal/slots.js"

export const version = 1

/** The outcome of one provider x scenario x persona group in one report. */
export const Outcome = Schema.Literal("pass", "fail", "none")
export type Outcome = typeof Outcome.Type

export const Change = Schema.Literal("new-failure", "fixed", "still-failing", "passing", "no-verdict", "added", "removed")
export type Change = typeof Change.Type

/** One group as one report saw it. */
export class GroupSide extends Schema.Class<GroupSide>("GroupSide")({
  /** The verdict of each iteration, in iteration order. */
  verdicts: Schema.Array(SuiteReport.Cell),
  outcome: Outcome,
  /** Passing and failing (or erroring) iterations in the same report. */
  flaky: Schema.Boolean
}) {}

export class GroupDiff extends Schema.Class<GroupDiff>("GroupDiff")({
  provider: Schema.String,
  scenario: Schema.String,
  persona: Schema.String,
  change: Change,
  /** Mixed verdicts across iterations in either report. */
  flaky: Schema.Boolean,
  before: Schema.optional(GroupSide),
  after: Schema.optional(GroupSide)
}) {}

export class ProviderSide extends Schema.Class<ProviderSide>("ProviderSide")({
  passed: Schema.Int,
  failed: Schema.Int,
  errored: Schema.Int,
  skipped: Schema.Int,
  pending: Schema.Int,
  /** passed / (passed + failed + errored); null when nothing was decided. */
  passRate: Schema.NullOr(Schema.Number),
  /** The provider error (`reason during step: message`) when the provider could not run. */
  error: Schema.optional(Schema.String)
}) {}

export class ProviderDiff extends Schema.Class<ProviderDiff>("ProviderDiff")({
  provider: Schema.String,
  presence: Schema.Literal("both", "added", "removed"),
  before: Schema.optional(ProviderSide),
  after: Schema.optional(ProviderSide),
  newFailures: Schema.Int,
  fixed: Schema.Int,
  stillFailing: Schema.Int,
  flaky: Schema.Int,
  /** The provider ran before and reports a provider error now. */
  newError: Schema.Boolean
}) {}

export class ReportInfo extends Schema.Class<ReportInfo>("ReportInfo")({
  suite: Schema.String,
  planHash: Schema.String,
  startedAt: Schema.String,
  finishedAt: Schema.String,
  emulated: Schema.Boolean,
  partial: Schema.Boolean
}) {}

export class Comparison extends Schema.Class<Comparison>("Comparison")({
  version: Schema.Literal(version),
  before: ReportInfo,
  after: ReportInfo,
  /** Both reports ran the same plan (same `planHash`). */
  samePlan: Schema.Boolean,
  providers: Schema.Array(ProviderDiff),
  /** Every provider x scenario x persona group of either report. */
  groups: Schema.Array(GroupDiff),
  hasRegressions: Schema.Boolean
}) {
  get newFailures(): ReadonlyArray<GroupDiff> {
    return this.groups.filter((g) => g.change === "new-failure")
  }
  get fixed(): ReadonlyArray<GroupDiff> {
    return this.groups.filter((g) => g.change === "fixed")
  }
  get stillFailing(): ReadonlyArray<GroupDiff> {
    return this.groups.filter((g) => g.change === "still-failing")
  }
  get flaky(): ReadonlyArray<GroupDiff> {
    return this.groups.filter((g) => g.flaky)
  }
  get added(): ReadonlyArray<GroupDiff> {
    return this.groups.filter((g) => g.change === "added")
  }
  get removed(): ReadonlyArray<GroupDiff> {
    return this.groups.filter((g) => g.change === "removed")
  }
}

/** The JSON form of a comparison (`Schema.encodeSync(Comparison)`), and back. */
export const encode = Schema.encodeSync(Comparison)
export const decode = Schema.decodeUnknownSync(Comparison)

const isFailure = (c: Cell) => c === "fail" || c === "error"

export const sideOf = (verdicts: ReadonlyArray<Cell>): GroupSide => {
  const failed = verdicts.some(isFailure)
  const passed = verdicts.some((c) => c === "pass")
  return new GroupSide({ verdicts, outcome: failed ? "fail" : passed ? "pass" : "none", flaky: failed && passed })
}

export const changeOf = (before: GroupSide | undefined, after: GroupSide | undefined): Change => {
  if (before === undefined) return "added"
  if (after === undefined) return "removed"
  if (after.outcome === "none") return "no-verdict"
  if (after.outcome === "fail") return before.outcome === "fail" ? "still-failing" : "new-failure"
  return before.outcome === "fail" ? "fixed" : "passing"
}

const infoOf = (r: SuiteReport.SuiteReport) =>
  new ReportInfo({ suite: r.suite, planHash: r.planHash, startedAt: r.startedAt, finishedAt: r.finishedAt, emulated: r.emulated, partial: r.partial })

/** provider -> "scenario/persona" -> the group as the report saw it. */
const sidesOf = (report: SuiteReport.SuiteReport): Map<string, Map<string, { scenario: string; persona: string; side: GroupSide }>> => {
  const cell = cellOf(report)
  const all = groups(report)
  const out = new Map<string, Map<string, { scenario: string; persona: string; side: GroupSide }>>()
  for (const run of report.runs) {
    const byGroup = new Map<string, { scenario: string; persona: string; side: GroupSide }>()
    for (const g of all) {
      const verdicts = [...g.iterations].sort((a, b) => a - b).map((iteration) => cell(run.provider, { scenario: g.scenario, persona: g.persona, iteration }))
      byGroup.set(`${g.scenario}/${g.persona}`, { scenario: g.scenario, persona: g.persona, side: sideOf(verdicts) })
    }
    out.set(run.provider, byGroup)
  }
  return out
}

const providerSide = (run: SuiteReport.RunReport): ProviderSide => {
  const t = totalsOf(run.results)
  return new ProviderSide({
    passed: t.passed,
    failed: t.failed,
    errored: t.errored,
    skipped: t.skipped,
    pending: t.pending,
    passRate: t.passRate ?? null,
    ...(run.error ? { error: `${run.error.reason} during ${run.error.step}: ${run.error.message}` } : {})
  })
}

const union = (a: Iterable<string>, b: Iterable<string>): Array<string> => [...new Set([...a, ...b])]

/** Compares two reports: `before` is the baseline, `after` the run under test. */
export const compare = (before: SuiteReport.SuiteReport, after: SuiteReport.SuiteReport): Comparison => {
  const sidesBefore = sidesOf(before)
  const sidesAfter = sidesOf(after)
  const runBefore = new Map(before.runs.map((r) => [r.provider, r] as const))
  const runAfter = new Map(after.runs.map((r) => [r.provider, r] as const))
  const allGroups: Array<GroupDiff> = []
  const providers: Array<ProviderDiff> = []
  for (const provider of union(runBefore.keys(), runAfter.keys())) {
    const b = sidesBefore.get(provider)
    const a = sidesAfter.get(provider)
    const diffs = union(b?.keys() ?? [], a?.keys() ?? []).map((key) => {
      const gb = b?.get(key)
      const ga = a?.get(key)
      const g = (gb ?? ga)!
      return new GroupDiff({
        provider,
        scenario: g.scenario,
        persona: g.persona,
        change: changeOf(gb?.side, ga?.side),
        flaky: (gb?.side.flaky ?? false) || (ga?.side.flaky ?? false),
        ...(gb ? { before: gb.side } : {}),
        ...(ga ? { after: ga.side } : {})
      })
    })
    allGroups.push(...diffs)
    const rb = runBefore.get(provider)
    const ra = runAfter.get(provider)
    const count = (c: Change) => diffs.filter((d) => d.change === c).length
    providers.push(
      new ProviderDiff({
        provider,
        presence: rb && ra ? "both" : ra ? "added" : "removed",
        ...(rb ? { before: providerSide(rb) } : {}),
        ...(ra ? { after: providerSide(ra) } : {}),
        newFailures: count("new-failure"),
        fixed: count("fixed"),
        stillFailing: count("still-failing"),
        flaky: diffs.filter((d) => d.flaky).length,
        newError: rb !== undefined && rb.error === undefined && ra?.error !== undefined
      })
    )
  }
  return new Comparison({
    version,
    before: infoOf(before),
    after: infoOf(after),
    samePlan: before.planHash === after.planHash,
    providers,
    groups: allGroups,
    hasRegressions: allGroups.some((g) => g.change === "new-failure") || providers.some((p) => p.newError)
  })
}

const short: Record<Cell, string> = { pass: "pass", fail: "FAIL", error: "ERROR", skipped: "skip", pending: "pend", missing: "-" }

const verdictsText = (side: GroupSide | undefined): string => (side === undefined ? "(absent)" : side.verdicts.map((c) => short[c]).join(" "))

const rate = (side: ProviderSide | undefined): string =>
  side === undefined
    ? "-"
    : side.error !== undefined
    ? "could not run"
    : side.passRate === null
    ? "n/a"
    : `${(side.passRate * 100).toFixed(1)}% (${side.passed}/${side.passed + side.failed + side.errored})`

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`

/** Renders a comparison for a terminal or a CI log. */
export const render = (c: Comparison): string => {
  const lines: Array<string> = []
  lines.push(c.before.suite === c.after.suite ? `compare ${c.after.suite}` : `compare ${c.before.suite} -> ${c.after.suite}`)
  lines.push(`  before: ${c.before.startedAt}  plan ${c.before.planHash}${c.before.emulated ? "  (emulated)" : ""}${c.before.partial ? "  (partial)" : ""}`)
  lines.push(`  after:  ${c.after.startedAt}  plan ${c.after.planHash}${c.after.emulated ? "  (emulated)" : ""}${c.after.partial ? "  (partial)" : ""}`)
  if (!c.samePlan) lines.push("  note: the plans differ (different planHash); added and removed groups are expected")
  lines.push("")
  const newErrors = c.providers.filter((p) => p.newError)
  if (c.hasRegressions) {
    const parts = [plural(c.newFailures.length, "new failure")]
    if (newErrors.length > 0) parts.push(`${plural(newErrors.length, "provider")} could not run`)
    lines.push(`REGRESSIONS: ${parts.join(", ")}`)
  } else {
    lines.push("no regressions")
  }
  lines.push("")
  lines.push(
    table([
      ["provider", "before", "after", "new failures", "fixed", "still failing", "flaky"],
      ...c.providers.map((p) =>
        p.presence === "both"
          ? [p.provider, rate(p.before), rate(p.after), String(p.newFailures), String(p.fixed), String(p.stillFailing), String(p.flaky)]
          : [p.provider, rate(p.before), rate(p.after), p.presence === "added" ? "(provider added)" : "(provider removed)", "", "", ""]
      )
    ])
  )
  const section = (title: string, items: ReadonlyArray<GroupDiff>) => {
    if (items.length === 0) return
    lines.push("", `${title}:`)
    for (const g of items) {
      lines.push(`  ${g.provider} ${g.scenario} / ${g.persona}: ${verdictsText(g.before)} -> ${verdictsText(g.after)}${g.flaky ? "  (flaky)" : ""}`)
    }
  }
  section("New failures", c.newFailures)
  section("Fixed", c.fixed)
  section("Still failing", c.stillFailing)
  section("Flaky (mixed verdicts across iterations)", c.flaky)
  section("No verdict now", c.groups.filter((g) => g.change === "no-verdict"))
  section("Added", c.added)
  section("Removed", c.removed)
  const errors = c.providers.filter((p) => p.after?.error !== undefined)
  if (errors.length > 0) {
    lines.push("", "Providers that could not run:")
    for (const p of errors) lines.push(`  ${p.provider}: ${p.after!.error}${p.newError ? "  (new)" : ""}`)
  }
  return lines.join("\n") + "\n"
}
