/**
 * The ledger's one error type, and `wrap`, which turns whatever an operation fails with (SQL,
 * decoding, I/O) into it, named for the operation.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

/** Any ledger failure: the operation that failed and the underlying cause (SQL, decoding, I/O). */
export class LedgerError extends Schema.TaggedError<LedgerError>()("LedgerError", {
  operation: Schema.String,
  message: Schema.String,
  cause: Schema.optional(Schema.Defect)
}) {}

export const causeMessage = (cause: unknown): string =>
  cause !== null && typeof cause === "object" && "message" in cause && typeof cause.message === "string"
    ? cause.message
    : String(cause)

export const wrap = (operation: string) => <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, LedgerError, R> =>
  Effect.mapError(effect, (cause) =>
    cause instanceof LedgerError ? cause : new LedgerError({ operation, message: `${operation}: ${causeMessage(cause)}`, cause }))
