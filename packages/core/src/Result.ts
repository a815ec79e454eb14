/**
 * One conversation of a run (scenario x persona x iteration) and its verdict.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { PersonaId, ScenarioId } from "./Ids.js"
import { Json, JsonRecord } from "./Json.js"
import { ProviderRef } from "./ProviderRef.js"
import { isTerminal, Status, Verdict } from "./Status.js"

// The parts of a result are plain structs, not classes: every result read decodes several of them,
// and a class adds a transformation and a constructor call per value.

export const EvaluationResult = Schema.Struct({
  /** The canonical evaluator id, or the vendor's metric name when it has no canonical counterpart. */
  evaluator: Schema.String,
  name: Schema.optional(Schema.String),
  passed: Schema.NullOr(Schema.Boolean),
  required: Schema.Boolean,
  expected: Schema.optional(Json),
  actual: Schema.optional(Json),
  reasoning: Schema.optional(Schema.String),
  /**
   * The vendor compared the value itself and `actual` is its yes/no: set by a driver only where
   * its provider documents the conversion (Vapi has no `contains` comparator, so such an evaluator
   * is asked as a yes/no question). Core then takes that boolean as the evaluation's outcome.
   */
  checkedByVendor: Schema.optional(Schema.Boolean)
}).annotations({ identifier: "EvaluationResult" })
export interface EvaluationResult extends Schema.Schema.Type<typeof EvaluationResult> {}

export const Role = Schema.Literal("agent", "caller", "tool", "system")
export type Role = typeof Role.Type

export const TranscriptTurn = Schema.Struct({
  role: Role,
  text: Schema.String,
  /** Seconds from the start of the conversation. */
  startSeconds: Schema.optional(Schema.Finite),
  endSeconds: Schema.optional(Schema.Finite)
}).annotations({ identifier: "TranscriptTurn" })
export interface TranscriptTurn extends Schema.Schema.Type<typeof TranscriptTurn> {}

/** Latency of the agent under test, in milliseconds. */
export const LatencyMetrics = Schema.Struct({
  averageMs: Schema.optional(Schema.Finite),
  p50Ms: Schema.optional(Schema.Finite),
  p90Ms: Schema.optional(Schema.Finite),
  p95Ms: Schema.optional(Schema.Finite),
  maxMs: Schema.optional(Schema.Finite),
  minMs: Schema.optional(Schema.Finite),
  firstResponseMs: Schema.optional(Schema.Finite)
}).annotations({ identifier: "LatencyMetrics" })
export interface LatencyMetrics extends Schema.Schema.Type<typeof LatencyMetrics> {}

export const FailureReason = Schema.Struct({
  code: Schema.String,
  message: Schema.String
}).annotations({ identifier: "FailureReason" })
export interface FailureReason extends Schema.Schema.Type<typeof FailureReason> {}

export class Result extends Schema.Class<Result>("Result")({
  ref: ProviderRef,
  run: ProviderRef,
  scenario: ScenarioId,
  persona: PersonaId,
  iteration: Schema.Int.pipe(Schema.positive()),
  status: Status,
  verdict: Verdict,
  /** Optional in the encoded form (a report file or a ledger row may omit it); see the class body. */
  evaluations: Schema.optional(Schema.Array(EvaluationResult)).pipe(Schema.withConstructorDefault(() => [])),
  /** Optional in the encoded form, as `evaluations`. */
  transcript: Schema.optional(Schema.Array(TranscriptTurn)).pipe(Schema.withConstructorDefault(() => [])),
  recordingUrl: Schema.optional(Schema.String),
  latency: Schema.optional(LatencyMetrics),
  failureReason: Schema.optional(FailureReason),
  improvementSuggestions: Schema.optional(Schema.Array(Schema.String)),
  startedAt: Schema.optional(Schema.String),
  endedAt: Schema.optional(Schema.String),
  durationSeconds: Schema.optional(Schema.Finite),
  /** Vendor-specific fields worth keeping (call id, session id, scores...). */
  providerMetadata: Schema.optional(JsonRecord),
  /** The vendor's own payload, only when asked for (`raw: true`). */
  raw: Schema.optional(Json)
}) {
  // Always present: the constructor fills a missing one with `[]`, and decoding goes through the
  // constructor. A decoding default (`optionalWith(..., { default })`) would say the same, but it
  // makes the whole encoded struct a transformation that checks every field of the result twice.
  declare readonly evaluations: ReadonlyArray<EvaluationResult>
  declare readonly transcript: ReadonlyArray<TranscriptTurn>
}

/**
 * A driver's provisional verdict of a conversation from its status and the evaluations it
 * reported: pending until terminal, skipped when canceled, fail when a required evaluation failed,
 * error when it failed or timed out, when a required evaluation was not judged, or when nothing
 * required was judged at all. The vendor's own pass/fail flag is never consulted. The verdict a
 * suite gets is core's (`Judge.result`, against the plan); this one only counts progress and
 * serves readers without the plan.
 */
export const verdictOf = (
  status: { readonly unified: Status["unified"] },
  evaluations: ReadonlyArray<{ readonly passed: boolean | null; readonly required: boolean }>
): Verdict => {
  if (!isTerminal(status)) return "pending"
  if (status.unified === "canceled") return "skipped"
  const required = evaluations.filter((e) => e.required)
  if (required.some((e) => e.passed === false)) return "fail"
  if (status.unified !== "completed") return "error"
  if (required.length === 0 || required.some((e) => e.passed === null)) return "error"
  return "pass"
}
