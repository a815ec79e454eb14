/**
 * Vendor answers as canonical values: a run as a `Run`, a run item as a `Result` with its
 * transcript. Pure: the driver supplies the canonical scenario, persona and evaluator names.
 *
 * @internal
 */
import { type Json, Result } from "@simbridge/core"
import * as VapiSuite from "../VapiSuite.js"
import type * as VapiWire from "../VapiWire.js"
import * as Mapping from "./mapping.js"
import { containsNote, markerPattern } from "./requests.js"

const provider = VapiSuite.name

// ---------------------------------------------------------------------------------------------
// Wire -> canonical
// ---------------------------------------------------------------------------------------------

/** A vendor count as a non-negative integer (absent is 0). */
export const int = (n: number | undefined) => Math.max(0, Math.round(n ?? 0))

export const toRun = (run: VapiWire.Run, extra: Record<string, unknown> = {}): typeof import("@simbridge/core").Run.Run.Encoded => {
  const c = run.itemCounts ?? undefined
  const marker = (run.simulations ?? []).map((e) => markerPattern.exec(e.name ?? "")?.[0]).find((m) => m !== undefined)
  return {
    ref: { provider, kind: "run", id: run.id },
    provider,
    status: Mapping.runStatus(run.status, c?.canceled, run.endedReason ?? undefined),
    counts: {
      total: int(c?.total),
      queued: int(c?.queued),
      running: int(c?.running),
      passed: int(c?.passed),
      failed: int(c?.failed),
      errored: 0,
      skipped: int(c?.canceled)
    },
    ...(run.createdAt ? { createdAt: run.createdAt } : {}),
    ...(run.startedAt ? { startedAt: run.startedAt } : {}),
    ...(run.endedAt ? { endedAt: run.endedAt } : {}),
    ...(marker ? { marker } : {}),
    providerMetadata: JSON.parse(JSON.stringify({
      endedReason: run.endedReason ?? undefined,
      iterations: run.iterations,
      transport: run.transport?.provider,
      target: run.target,
      ...extra
    }))
  }
}

const text = (content: unknown): string =>
  typeof content === "string" ? content : Array.isArray(content) ? content.map((p) => (typeof p === "string" ? p : String((p as { text?: unknown }).text ?? ""))).join("") : ""

/** The conversation from `metadata.call`: `messages` (OpenAI format) when present, else the `transcript` lines. */
export const transcript = (call: typeof VapiWire.CallMetadata.Type | undefined): Array<typeof Result.TranscriptTurn.Encoded> => {
  const turns: Array<typeof Result.TranscriptTurn.Encoded> = []
  // Loops, not flatMap and spreads: this runs for every message of every result read.
  if (call?.messages && call.messages.length > 0) {
    for (const m of call.messages) {
      const role = Mapping.role(m.role)
      const said = text(m.content ?? m.message)
      if (role === undefined || said === "") continue
      turns.push(m.secondsFromStart === undefined ? { role, text: said } : { role, text: said, startSeconds: m.secondsFromStart })
    }
    return turns
  }
  for (const line of (call?.transcript ?? "").split("\n")) {
    const m = /^\s*(AI|Assistant|Bot|User|Customer)\s*:\s*(.*)$/i.exec(line)
    if (m === null || m[2] === "") continue
    turns.push({ role: /^(ai|assistant|bot)$/i.test(m[1]!) ? "agent" : "caller", text: m[2]! })
  }
  return turns
}

export interface Slot {
  readonly scenario: string
  readonly persona: string
}

/** The record without its `undefined` values (JSON has none). */
const defined = (record: Record<string, unknown>): Record<string, Json.Json> => {
  const out: Record<string, Json.Json> = {}
  for (const key in record) if (record[key] !== undefined) out[key] = record[key] as Json.Json
  return out
}

/**
 * One run item as a canonical result. `raw` is the vendor's item as received (from the page's
 * body, see `VapiWire.Page.raw`), attached only when given.
 */
export const toResult = (
  runId: string,
  item: VapiWire.RunItem,
  slot: Slot,
  evaluatorOf: (name: string) => string,
  raw?: unknown
): typeof Result.Result.Encoded => {
  // Built by assignment, not conditional spreads: this runs for every result read.
  const results = item.results ?? undefined
  const status = Mapping.itemStatus(item.status, results !== undefined, (item.failureReason ?? "") !== "")
  const evaluations: Array<typeof Result.EvaluationResult.Encoded> = []
  for (const e of results?.evaluations ?? []) {
    const evaluation: Mutable<typeof Result.EvaluationResult.Encoded> = {
      evaluator: evaluatorOf(e.name),
      name: e.name,
      passed: e.isSkipped === true ? null : e.passed,
      required: e.required ?? true
    }
    if (e.expectedValue !== undefined) evaluation.expected = e.expectedValue
    if (e.extractedValue !== undefined) evaluation.actual = e.extractedValue
    if (e.description?.includes(containsNote) === true) evaluation.checkedByVendor = true
    const reasoning = e.error ?? e.skipReason
    if (reasoning) evaluation.reasoning = reasoning
    evaluations.push(evaluation)
  }
  const call = item.metadata?.call
  const latency = results?.latencyMetrics ?? undefined
  const improvements = item.improvementSuggestions ?? undefined
  const endedAt = item.completedAt ?? item.failedAt ?? item.canceledAt ?? undefined
  const startedAt = item.startedAt ?? undefined
  const result: Mutable<typeof Result.Result.Encoded> = {
    ref: { provider, kind: "result", id: item.id },
    run: { provider, kind: "run", id: runId },
    scenario: slot.scenario,
    persona: slot.persona,
    iteration: Math.max(1, Math.round(item.iterationNumber ?? 1)),
    status,
    verdict: Result.verdictOf(status, evaluations),
    evaluations,
    transcript: transcript(call)
  }
  if (call?.recordingUrl) result.recordingUrl = call.recordingUrl
  if (latency?.avgTurn !== undefined) result.latency = { averageMs: latency.avgTurn }
  if (item.failureReason) result.failureReason = { code: "vapi_failure", message: item.failureReason }
  if (improvements) {
    const suggestions: Array<string> = []
    for (const list of [improvements.systemPromptSuggestions, improvements.toolSuggestions, improvements.scenarioSuggestions]) {
      for (const s of list ?? []) suggestions.push(`${s.issue}: ${s.suggestion}`)
    }
    if (suggestions.length > 0) result.improvementSuggestions = suggestions
  }
  if (startedAt) result.startedAt = startedAt
  if (endedAt) result.endedAt = endedAt
  if (startedAt && endedAt) result.durationSeconds = Math.max(0, (Date.parse(endedAt) - Date.parse(startedAt)) / 1000)
  const metadata: Record<string, Json.Json> = {}
  if (item.simulationId !== undefined) metadata.simulationId = item.simulationId
  if (item.scenarioId !== undefined) metadata.scenarioId = item.scenarioId
  if (item.personalityId !== undefined) metadata.personalityId = item.personalityId
  if (item.callId != null) metadata.callId = item.callId
  if (item.sessionId != null) metadata.sessionId = item.sessionId
  // Vapi's own `results.passed`: kept and compared with core's verdict (`Judge`), not trusted.
  if (results?.passed !== undefined) metadata.vendorPassed = results.passed
  if (latency !== undefined) metadata.latencyMetrics = defined(latency)
  if (improvements?.analysis !== undefined) metadata.analysis = improvements.analysis as Json.Json
  result.providerMetadata = metadata
  if (raw !== undefined) result.raw = raw as Json.Json
  return result
}

/** A type's fields without `readonly`, to build an encoded value field by field. */
type Mutable<A> = { -readonly [K in keyof A]: A[K] }
