/**
 * Progress of a suite run on stderr. On a terminal: one live line per provider with a progress
 * bar, counts (queued / running / passed / failed) and elapsed time, redrawn in place. In CI (no
 * TTY, or `CI=true`): plain timestamped lines, one per event.
 *
 * @since 0.1.0
 */
import type { Run, SuiteRunner } from "@simbridge/core"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"

const time = () => new Date().toISOString().slice(11, 19)

/** The plain line for an event, or nothing. */
export const line = (event: SuiteRunner.Event): string | undefined => {
  switch (event._tag) {
    case "Started": {
      const w = event.run.warnings.length
      return `${event.provider}: started ${event.run.ref.toString()} (${event.run.counts.total || "?"} conversations${w ? `, ${w} warning${w === 1 ? "" : "s"}` : ""})`
    }
    case "Progress": {
      const c = event.run.counts
      return `${event.provider}: ${event.run.status.unified} ${c.finished}/${c.total} done (queued ${c.queued}, running ${c.running}, passed ${c.passed}, failed ${c.failed + c.errored}${c.pending > 0 ? `, verdict pending ${c.pending}` : ""})`
    }
    case "Finished":
      return event.report.error
        ? `${event.provider}: failed during ${event.report.error.step}: ${event.report.error.message}`
        : `${event.provider}: ${event.report.status.unified}, ${event.report.results.length} results read`
    case "Completed":
      return undefined
  }
}

export interface Reporter {
  readonly onEvent: (event: SuiteRunner.Event) => Effect.Effect<void>
}

/** Plain timestamped lines (CI). */
export const plain: Reporter = {
  onEvent: (event) => {
    const text = line(event)
    return text === undefined ? Effect.void : Console.error(`[${time()}] ${text}`)
  }
}

interface Row {
  status: string
  total: number
  queued: number
  running: number
  passed: number
  failed: number
  /** Finished, verdict not read yet (read with the results). */
  pending: number
  done: number
  startedAt: number
  endedAt: number | undefined
  note: string
}

const bar = (done: number, total: number, width = 20) => {
  const filled = total === 0 ? 0 : Math.round((done / total) * width)
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}]`
}

const elapsed = (ms: number) => {
  const s = Math.floor(ms / 1000)
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`
}

/** Renders the live view's lines (exported for tests). */
export const renderRows = (rows: ReadonlyMap<string, Row>, now: number): ReadonlyArray<string> => {
  const width = Math.max(...[...rows.keys()].map((k) => k.length))
  return [...rows.entries()].map(([provider, r]) =>
    `${provider.padEnd(width)} ${bar(r.done, r.total)} ${String(r.done).padStart(3)}/${String(r.total).padEnd(3)} ` +
    `queued ${r.queued} running ${r.running} passed ${r.passed} failed ${r.failed}${r.pending > 0 ? ` verdict pending ${r.pending}` : ""}  ${elapsed((r.endedAt ?? now) - r.startedAt)}  ${r.status}${r.note ? ` ${r.note}` : ""}`
  )
}

/** A live view redrawn in place on a TTY; ticks every second for the elapsed time. */
export const live = (providers: ReadonlyArray<string>, write: (s: string) => void = (s) => process.stderr.write(s)): Effect.Effect<Reporter, never, Scope.Scope> =>
  Effect.gen(function*() {
    const start = Date.now()
    const rows = new Map<string, Row>(providers.map((p) => [p, { status: "starting", total: 0, queued: 0, running: 0, passed: 0, failed: 0, pending: 0, done: 0, startedAt: start, endedAt: undefined, note: "" }]))
    let drawn = 0
    const draw = () => {
      const lines = renderRows(rows, Date.now())
      write((drawn > 0 ? `\x1b[${drawn}A` : "") + lines.map((l) => `\x1b[2K${l}\n`).join(""))
      drawn = lines.length
    }
    draw()
    yield* Effect.sync(draw).pipe(Effect.delay("1 second"), Effect.forever, Effect.forkScoped)
    yield* Effect.addFinalizer(() => Effect.sync(draw))
    return {
      onEvent: (event) =>
        Effect.sync(() => {
          if (event._tag === "Completed") return draw()
          const row = rows.get(event.provider)
          if (row === undefined) return
          const counts = (c: Run.RunCounts) =>
            Object.assign(row, { total: c.total, queued: c.queued, running: c.running, passed: c.passed, failed: c.failed + c.errored, pending: c.pending, done: c.finished })
          if (event._tag === "Started" || event._tag === "Progress") {
            counts(event.run.counts)
            row.status = event.run.status.unified
            if (event._tag === "Started" && event.run.warnings.length > 0) row.note = `(${event.run.warnings.length} warnings)`
          } else {
            row.endedAt = Date.now()
            // The report's counts: the pending verdicts settled by the results read.
            if (event.report.counts !== undefined) counts(event.report.counts)
            row.status = event.report.error ? `failed: ${event.report.error.reason}` : event.report.status.unified
          }
          draw()
        })
    }
  })

/** Live on a terminal, plain in CI. */
export const choose = (providers: ReadonlyArray<string>): Effect.Effect<Reporter, never, Scope.Scope> =>
  process.stderr.isTTY && process.env["CI"] !== "true" && process.env["CI"] !== "1" ? live(providers) : Effect.succeed(plain)
