/**
 * Progress of a suite run on stderr: one timestamped line per event (CI-friendly; the live TTY
 * view is planned in issue 7).
 *
 * @since 0.1.0
 */
import type { SuiteRunner } from "@simbridge/core"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"

const time = () => new Date().toISOString().slice(11, 19)

export const line = (event: SuiteRunner.Event): string | undefined => {
  switch (event._tag) {
    case "Started": {
      const w = event.run.warnings.length
      return `${event.provider}: started ${event.run.ref.toString()} (${event.run.counts.total || "?"} conversations${w ? `, ${w} warning${w === 1 ? "" : "s"}` : ""})`
    }
    case "Progress": {
      const c = event.run.counts
      return `${event.provider}: ${event.run.status.unified} ${c.finished}/${c.total} done (queued ${c.queued}, running ${c.running}, passed ${c.passed}, failed ${c.failed + c.errored})`
    }
    case "Finished":
      return event.report.error
        ? `${event.provider}: failed during ${event.report.error.step}: ${event.report.error.message}`
        : `${event.provider}: ${event.report.status.unified}, ${event.report.results.length} results read`
    case "Completed":
      return undefined
  }
}

export const log = (event: SuiteRunner.Event): Effect.Effect<void> => {
  const text = line(event)
  return text === undefined ? Effect.void : Console.error(`[${time()}] ${text}`)
}
