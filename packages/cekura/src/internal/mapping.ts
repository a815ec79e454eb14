/**
 * Pure tables between Cekura's wire values and the canonical model. Each is tested value by value
 * plus one unknown value (see test/mapping.test.ts).
 *
 * @internal
 */
import type { Persona, Result } from "@simbridge/core"
import { Status } from "@simbridge/core"

/**
 * Result and run statuses (the same 10-value enum on both, `Result.status` / `Run.status` in the
 * OpenAPI file). `failed` is an infrastructure failure (connection, websocket handshake), never a
 * failed evaluation; `timeout` is an outbound run whose agent did not dial within its window.
 */
export const statusOf = Status.table({
  pending: "queued",
  in_queue: "queued",
  scaling_up: "queued",
  running: "running",
  in_progress: "running",
  evaluating: "running",
  completed: "completed",
  failed: "failed",
  cancelled: "canceled",
  timeout: "timed_out"
})

/** Every documented status, in lifecycle order (emulator and tests). */
export const statuses = [
  "pending",
  "in_queue",
  "scaling_up",
  "running",
  "in_progress",
  "evaluating",
  "completed",
  "failed",
  "cancelled",
  "timeout"
] as const

/** Canonical accent -> the accent word of Cekura personalities (what a created one says, and what the catalogue is scored by). */
export const accentOf: Record<Persona.Accent, string> = {
  us: "american",
  us_south: "southern american",
  gb: "british",
  es: "spanish",
  de: "german",
  in: "indian",
  fr: "french",
  nl: "dutch",
  sa: "arabic",
  gr: "greek",
  au: "australian",
  it: "italian",
  id: "indonesian",
  th: "thai",
  jp: "japanese",
  nz: "new zealand",
  ph: "filipino",
  sg: "singaporean",
  my: "malaysian",
  hk: "hong kong",
  tr: "turkish",
  pt: "portuguese",
  il: "israeli"
}

/** Canonical background noise -> Cekura's `background_noise` value (`none` for none). */
export const backgroundNoiseOf: Record<Persona.BackgroundNoise, string> = {
  none: "none",
  airport: "airport",
  children_playing: "kids_playing",
  city: "street",
  coffee_shop: "cafe",
  driving: "car",
  office: "office",
  thunderstorm: "rain",
  construction: "construction",
  crying_baby: "baby_crying",
  library: "none",
  train: "train"
}

/**
 * Canonical language -> Cekura's language code. Every canonical language exists in Cekura's
 * language enum under the same ISO 639-1 code; the table keeps that explicit.
 */
export const languageOf: Record<Persona.Language, string> = {
  en: "en", es: "es", de: "de", hi: "hi", fr: "fr", nl: "nl", ar: "ar", el: "el", it: "it", id: "id", th: "th",
  ja: "ja", tl: "tl", ms: "ms", zh: "zh", tr: "tr", pt: "pt", he: "he"
}

/** Transcript roles: Cekura's simulated caller is the "Testing Agent", the agent under test the "Main Agent". */
export const roleOf = (raw: string | null | undefined): Result.Role => {
  const r = (raw ?? "").trim().toLowerCase()
  switch (r) {
    case "testing agent":
    case "testing_agent":
    case "user":
    case "caller":
      return "caller"
    case "main agent":
    case "main_agent":
    case "assistant":
    case "agent":
    case "bot":
      return "agent"
    case "function call":
    case "function call result":
    case "tool":
    case "tool_calls":
      return "tool"
    default:
      return "system"
  }
}

/**
 * `success_rate` arrives as a percentage (result detail description, webhook example `100`) or as
 * a fraction (result list schema, "0.0 to 1.0"). simbridge reports a percentage: when the run
 * counts are known they decide; otherwise a value above 1 is a percentage and one at or below 1 is
 * a fraction.
 */
export const successRatePercent = (
  rate: number | null | undefined,
  successCount?: number | undefined,
  totalCount?: number | undefined
): number | undefined => {
  if (successCount !== undefined && totalCount !== undefined && totalCount > 0) {
    return Math.round((10000 * successCount) / totalCount) / 100
  }
  if (rate === null || rate === undefined || Number.isNaN(rate)) return undefined
  return rate > 1 ? rate : Math.round(rate * 10000) / 100
}

/** `"MM:SS"` (or `"HH:MM:SS"`) -> seconds; undefined when it is not a duration. */
export const durationSeconds = (raw: string | null | undefined): number | undefined => {
  if (raw === null || raw === undefined) return undefined
  const m = /^(?:(\d+):)?(\d+):(\d{1,2}(?:\.\d+)?)$/.exec(raw.trim())
  if (m === null) return undefined
  return Number(m[1] ?? 0) * 3600 + Number(m[2]) * 60 + Number(m[3])
}

/** Seconds -> `"MM:SS"`. */
export const formatDuration = (seconds: number): string => {
  const s = Math.max(0, Math.round(seconds))
  return `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`
}

/**
 * A binary metric's verdict: `passed` when present, else the legacy `score` (5 / 0 for
 * `binary_workflow_adherence`, 1 / 0 elsewhere): any positive score passes.
 */
export const binaryPassed = (metric: { readonly passed?: boolean | null | undefined; readonly score?: number | null | undefined }): boolean | null =>
  typeof metric.passed === "boolean" ? metric.passed : typeof metric.score === "number" ? metric.score > 0 : null

/** Metric types Cekura documents; `eval_type` (webhook) and legacy names fold onto them. */
export const metricKindOf = (raw: string | null | undefined): "binary" | "numeric" | "enum" | "qualitative" | "unknown" => {
  const r = (raw ?? "").trim().toLowerCase()
  if (r === "binary" || r.startsWith("binary_")) return "binary"
  if (r === "numeric" || r === "number") return "numeric"
  if (r === "enum") return "enum"
  if (r === "continuous_qualitative") return "qualitative"
  return "unknown"
}
