/**
 * The ledger as the suite runner's `Journal`, and how much each hook's failure matters.
 *
 * @internal
 */
import { SuiteRunner } from "@simbridge/core"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import type { Service } from "../RunLedger.js"
import type { LedgerError } from "./errors.js"

/** Transient failures (a busy SQLite file, a dropped PostgreSQL connection) get a few quick retries. */
const retryBriefly = <A>(effect: Effect.Effect<A, LedgerError>) =>
  Effect.retry(effect, Schedule.exponential("50 millis").pipe(Schedule.intersect(Schedule.recurs(4))))

/**
 * Adapts the ledger to the runner's `Journal`. The intent must be durable before the vendor is
 * asked to create a run: when it cannot be recorded (after a few quick retries), that provider's
 * run is not created and its report says why (`LedgerUnavailable`); the others go on. Later
 * hooks log a failure and let the suite go on: the intent and marker are enough for `resume`
 * to find the vendor run again.
 */
export const journal = (ledger: Service, executionId: string): SuiteRunner.Journal => {
  const soft = (what: string, provider: string, marker: string) => (effect: Effect.Effect<unknown, LedgerError>) =>
    retryBriefly(effect).pipe(
      Effect.catchAll((error) =>
        Effect.logWarning(`run ledger: could not record ${what}`).pipe(
          Effect.annotateLogs({ provider, marker, operation: error.operation, error: error.message })
        )
      ),
      Effect.asVoid
    )
  return {
    intent: (provider, marker) =>
      retryBriefly(ledger.intent(executionId, provider, marker)).pipe(
        Effect.mapError((error) => new SuiteRunner.JournalError({ message: error.message })),
        Effect.asVoid
      ),
    started: (provider, marker, run) => soft("the started run", provider, marker)(ledger.started(provider, marker, run)),
    progress: (provider, marker, run) => soft("a status transition", provider, marker)(ledger.progress(provider, marker, run)),
    finished: (provider, marker, report) => soft("the final report", provider, marker)(ledger.finished(provider, marker, report))
  }
}
