/**
 * Pure tables between Vapi's wire values and the canonical model. Every table ignores case and
 * maps anything it does not know to `unknown` (keeping the raw value).
 *
 * @internal
 */
import type { Evaluator, Plan, ProviderError } from "@simbridge/core"
import { Status } from "@simbridge/core"

type Unified = Status.UnifiedStatus

/** `SimulationRun.status` (`queued | running | ended`). */
export const runStatusTable = Status.table({
  queued: "queued",
  running: "running",
  ended: "completed"
})

/**
 * The run's status, refined: Vapi ends a run the same way whether it completed or was canceled, so
 * an `ended` run with canceled items, or whose `endedReason` says so, is `canceled`.
 */
export const runStatus = (
  raw: string | null | undefined,
  canceledItems: number | undefined,
  endedReason?: string | undefined
): { readonly unified: Unified; readonly raw: string } => {
  const base = runStatusTable(raw)
  if (base.unified !== "completed") return base
  if ((canceledItems ?? 0) > 0 || /cancel/i.test(endedReason ?? "")) return { unified: "canceled", raw: base.raw }
  return base
}

/** `SimulationRunItem.status` (`queued | running | evaluating | passed | failed | canceled`). */
export const itemStatusTable = Status.table({
  queued: "queued",
  running: "running",
  evaluating: "running",
  passed: "completed",
  failed: "failed",
  canceled: "canceled",
  // Tolerated spellings (the Eval API uses "cancelled").
  cancelled: "canceled"
})

/**
 * An item's status, refined by what it carries. `failed` covers both "the conversation happened and
 * a required evaluation failed" (results present: `completed`, the verdict says fail) and "the
 * conversation could not happen" (no results: `failed`). A terminal item whose `results` are not
 * written yet (Vapi writes them after the status) stays `running`, unless it carries a failure reason.
 */
export const itemStatus = (
  raw: string | null | undefined,
  hasResults: boolean,
  hasFailureReason: boolean
): { readonly unified: Unified; readonly raw: string } => {
  const base = itemStatusTable(raw)
  const r = base.raw.toLowerCase()
  if (r === "failed") return { unified: hasResults ? "completed" : hasFailureReason ? "failed" : "running", raw: base.raw }
  if (r === "passed" && !hasResults) return { unified: "running", raw: base.raw }
  return base
}

/** Canonical transport -> `transport.provider`. */
export const transportProvider = (transport: Plan.Transport): "vapi.websocket" | "vapi.webchat" =>
  transport === "chat" ? "vapi.webchat" : "vapi.websocket"

/** `transport.provider` -> canonical transport (unknown providers are `undefined`). */
export const transportOf = (provider: string | null | undefined): Plan.Transport | undefined => {
  switch ((provider ?? "").toLowerCase()) {
    case "vapi.websocket":
      return "voice"
    case "vapi.webchat":
      return "chat"
    default:
      return undefined
  }
}

export type VapiComparator = "=" | "!=" | ">" | "<" | ">=" | "<="

/**
 * Canonical comparator -> Vapi comparator. Vapi has no `contains`: such an evaluator becomes a
 * boolean structured output ("does the value contain X?") compared `= true`, so it returns
 * `undefined` here and the caller rewrites it.
 */
export const comparator = (c: Evaluator.Comparator): VapiComparator | undefined => {
  switch (c) {
    case "=":
    case "!=":
    case ">":
    case "<":
    case ">=":
    case "<=":
      return c
    case "contains":
      return undefined
  }
}

/** Canonical evaluator type -> JSON Schema primitive type of the structured output. */
export const schemaType = (t: Evaluator.Type): "boolean" | "number" | "string" => t

/** `SimulationRunPaymentRequiredResponse.reason` -> a readable explanation. */
export const paymentReasons: Record<string, string> = {
  wallet_missing: "the organization has no wallet",
  subscription_frozen: "the subscription is frozen",
  payment_method_missing: "no payment method on file",
  insufficient_credits: "insufficient credits",
  billing_limit: "the billing limit was reached",
  initial_payment_missing: "the initial payment is missing"
}

/**
 * The reason of an HTTP error body. A 402 is `QuotaExhausted` whatever its `reason` (known or
 * not); 403 is Vapi's "simulations are not enabled for this organization" (`Forbidden`).
 */
export const refineReason = (status: number, _body: unknown): ProviderError.Reason | undefined =>
  status === 402 ? "QuotaExhausted" : undefined

/** Vapi's error message: `message` (a string or a list of field errors), plus a 402's `reason`. */
export const errorMessage = (body: unknown): string | undefined => {
  if (typeof body === "string") return body.trim() === "" ? undefined : body.slice(0, 300)
  if (body === null || typeof body !== "object") return undefined
  const o = body as Record<string, unknown>
  const message = Array.isArray(o.message)
    ? o.message.map(String).join("; ")
    : typeof o.message === "string"
    ? o.message
    : typeof o.error === "string"
    ? o.error
    : undefined
  const reason = typeof o.reason === "string" ? o.reason : undefined
  if (reason === undefined) return message
  const explained = paymentReasons[reason]
  return `${message ?? "payment required"} (reason: ${reason}${explained ? `, ${explained}` : ""})`
}

/** OpenAI-format message role -> transcript role. In the target call, `assistant` is the agent under test. */
export const role = (raw: string | null | undefined): "agent" | "caller" | "tool" | "system" | undefined => {
  switch ((raw ?? "").toLowerCase()) {
    case "assistant":
    case "bot":
    case "ai":
      return "agent"
    case "user":
    case "customer":
      return "caller"
    case "tool":
    case "tool_calls":
    case "tool_call_result":
    case "function":
      return "tool"
    case "system":
      return "system"
    default:
      return undefined
  }
}
