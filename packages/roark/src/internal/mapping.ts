/**
 * Pure tables between the canonical model and Roark's wire values. Every table is tested value by
 * value plus one unknown value (see `test/mapping.test.ts`).
 *
 * @internal
 */
import type { Persona, Plan } from "@simbridge/core"
import * as Status from "@simbridge/core/Status"
import { fallbackGender } from "../RoarkSuite.js"

// ---------------------------------------------------------------------------------------------
// Statuses
// ---------------------------------------------------------------------------------------------

/** Run-plan job (a canonical run): all 12 values (v2.31's 11 plus the later PREPARING_CAPACITY). */
export const runPlanJobStatus = Status.table({
  PENDING: "queued",
  QUEUED: "queued",
  CREATING_SNAPSHOTS: "queued",
  CREATING_SIMULATIONS: "queued",
  PREPARING_CAPACITY: "queued",
  RUNNING_SIMULATIONS: "running",
  ENDING_SIMULATIONS: "running",
  CANCELLING: "running",
  COMPLETED: "completed",
  FAILED: "failed",
  TIMED_OUT: "timed_out",
  CANCELLED: "canceled"
})

/** Simulation job (a canonical result): v2.31's 8 values plus the later RETRY_SCHEDULED. */
export const simulationJobStatus = Status.table({
  PENDING: "queued",
  QUEUED: "queued",
  RETRY_SCHEDULED: "queued",
  PROCESSING: "running",
  CANCELLING: "running",
  COMPLETED: "completed",
  FAILED: "failed",
  TIMED_OUT: "timed_out",
  CANCELLED: "canceled"
})

/** Simulation job `processingStatus`: v2.31's 8 values plus the later PENDING, RESERVING_CAPACITY, WAITING_FOR_LIVE_CONVERSATION. */
export const processingStatus = Status.table({
  PENDING: "queued",
  RESERVING_CAPACITY: "queued",
  CONNECTING: "running",
  WAITING_FOR_OUTBOUND_CALL: "running",
  WAITING_FOR_LIVE_CONVERSATION: "running",
  SIMULATING: "running",
  ENDING: "running",
  ANALYZING: "running",
  EVALUATING: "running",
  COLLECTING_METRICS: "running",
  COMPLETED: "completed"
})

/** Terminal run-plan job statuses (CANCELLING and ENDING_SIMULATIONS are not terminal). */
export const terminalJobStatuses: ReadonlySet<string> = new Set(["COMPLETED", "FAILED", "TIMED_OUT", "CANCELLED"])

/**
 * The status of one result: the simulation job's status, except that a job Roark reports
 * COMPLETED while its post-call processing (analysis, evaluation, metrics) is still going on is
 * still `running` (its metrics are not final yet). The raw value is always the job's own status.
 */
export const resultStatus = (
  status: string | null | undefined,
  processing: string | null | undefined
): { readonly unified: Status.UnifiedStatus; readonly raw: string } => {
  const s = simulationJobStatus(status)
  if (s.unified !== "completed" || processing === null || processing === undefined || processing === "") return s
  const p = processingStatus(processing)
  return p.unified === "running" || p.unified === "queued" ? { unified: "running", raw: s.raw } : s
}

// ---------------------------------------------------------------------------------------------
// Plan options
// ---------------------------------------------------------------------------------------------

export const direction: Record<Plan.Direction, "INBOUND" | "OUTBOUND"> = {
  inbound: "INBOUND",
  outbound: "OUTBOUND"
}

export type ExecutionMode = "PARALLEL" | "SEQUENTIAL_SAME_RUN_PLAN" | "SEQUENTIAL_PROJECT"

export const executionMode: Record<Plan.ExecutionMode, ExecutionMode> = {
  parallel: "PARALLEL",
  sequential: "SEQUENTIAL_SAME_RUN_PLAN"
}

// ---------------------------------------------------------------------------------------------
// Persona enums (canonical -> Roark). Reverse lookups return undefined for unknown values.
// ---------------------------------------------------------------------------------------------

export const language: Record<Persona.Language, string> = {
  en: "EN", es: "ES", de: "DE", hi: "HI", fr: "FR", nl: "NL", ar: "AR", el: "EL", it: "IT", id: "ID", th: "TH",
  ja: "JA", tl: "TL", ms: "MS", zh: "ZH", tr: "TR", pt: "PT", he: "HE"
}

export const accent: Record<Persona.Accent, string> = {
  us: "US", us_south: "US_X_SOUTH", gb: "GB", es: "ES", de: "DE", in: "IN", fr: "FR", nl: "NL", sa: "SA", gr: "GR",
  au: "AU", it: "IT", id: "ID", th: "TH", jp: "JP", nz: "NZ", ph: "PH", sg: "SG", my: "MY", hk: "HK", tr: "TR",
  pt: "PT", il: "IL"
}

/** Roark requires an accent; when the persona sets none, the language's usual one is used. */
export const defaultAccent: Record<Persona.Language, string> = {
  en: "US", es: "ES", de: "DE", hi: "IN", fr: "FR", nl: "NL", ar: "SA", el: "GR", it: "IT", id: "ID", th: "TH",
  ja: "JP", tl: "PH", ms: "MY", zh: "HK", tr: "TR", pt: "PT", he: "IL"
}

/** `neutral` has no Roark value since 2026-02-24 (see `gender` handling in the provider). */
export const gender: Record<Persona.Gender, string | undefined> = {
  male: "MALE",
  female: "FEMALE",
  neutral: undefined
}

/** Roark requires a gender; used when the persona sets none or `neutral` (with a warning). Defined with the plan check. */
export { fallbackGender }

export const emotion: Record<Persona.Emotion, string> = {
  neutral: "NEUTRAL", cheerful: "CHEERFUL", confused: "CONFUSED", frustrated: "FRUSTRATED", skeptical: "SKEPTICAL",
  rushed: "RUSHED", distracted: "DISTRACTED", angry: "ANGRY", anxious: "ANXIOUS", sad: "SAD"
}

export const backgroundNoise: Record<Persona.BackgroundNoise, string> = {
  none: "NONE", airport: "AIRPORT", children_playing: "CHILDREN_PLAYING", city: "CITY", coffee_shop: "COFFEE_SHOP",
  driving: "DRIVING", office: "OFFICE", thunderstorm: "THUNDERSTORM", construction: "CONSTRUCTION",
  crying_baby: "CRYING_BABY", library: "LIBRARY", train: "TRAIN"
}

export const speechPace: Record<Persona.SpeechPace, string> = {
  super_slow: "SUPER_SLOW", slow: "SLOW", normal: "NORMAL", fast: "FAST", super_fast: "SUPER_FAST"
}

export const speechClarity: Record<Persona.SpeechClarity, string> = { clear: "CLEAR", vague: "VAGUE", rambling: "RAMBLING" }

export const intentClarity: Record<Persona.IntentClarity, string> = { clear: "CLEAR", indirect: "INDIRECT", vague: "VAGUE" }

export const confirmationStyle: Record<Persona.ConfirmationStyle, string> = { explicit: "EXPLICIT", vague: "VAGUE" }

export const memoryReliability: Record<Persona.MemoryReliability, string> = { high: "HIGH", low: "LOW" }

/** Reverse lookup in one of the tables above; undefined for a value the table does not know. */
export const reverse = <K extends string>(table: Record<K, string | undefined>, raw: string | null | undefined): K | undefined => {
  if (raw === null || raw === undefined) return undefined
  const upper = raw.toUpperCase()
  for (const [k, v] of Object.entries(table) as Array<[K, string | undefined]>) if (v === upper) return k
  return undefined
}

// ---------------------------------------------------------------------------------------------
// Markers: how simbridge recognises the objects it provisioned
// ---------------------------------------------------------------------------------------------

/**
 * `[simbridge:<kind>:<canonical id>:<definition hash>]`, kept in a persona's `description`, a
 * scenario's `name`, a metric definition's `description` and a run plan's `description`.
 */
export const marker = (kind: "persona" | "scenario" | "evaluator" | "plan", id: string, hash: string): string =>
  `[simbridge:${kind}:${id}:${hash}]`

const markerPattern = /\[simbridge:(persona|scenario|evaluator|plan):([A-Za-z0-9._-]+):([0-9a-f]+)\]/

export interface Marker {
  readonly kind: "persona" | "scenario" | "evaluator" | "plan"
  readonly id: string
  readonly hash: string
}

export const parseMarker = (text: string | null | undefined): Marker | undefined => {
  if (text === null || text === undefined) return undefined
  const m = markerPattern.exec(text)
  return m === null ? undefined : { kind: m[1] as Marker["kind"], id: m[2]!, hash: m[3]! }
}

/** An evaluator id as it appears in a metric slug: lower case, other characters as `_`. */
export const slugPart = (evaluatorId: string): string => evaluatorId.toLowerCase().replace(/[^a-z0-9]+/g, "_")

/**
 * The slug (`metricId`) of the metric definition of an evaluator, `simbridge_<id>_<hash8>`:
 * Roark's create body has no field for a description, so the slug is the marker simbridge
 * recognises its definitions by (the id and the first 8 hex digits of the definition hash).
 * BOOLEAN ones end `_check` (Roark's pass/fail convention).
 */
export const metricSlug = (evaluatorId: string, type: "boolean" | "number" | "string", hash?: string): string => {
  const id = slugPart(evaluatorId)
  const base = hash === undefined ? `simbridge_${id}` : `simbridge_${id}_${hash.slice(0, 8)}`
  return type === "boolean" ? `${base}_check` : base
}

const ownSlugPattern = /^simbridge_([a-z0-9_]+?)_([0-9a-f]{8})(_check)?$/

/** What a slug made by `metricSlug` (with a hash) says: the evaluator id as `slugPart` wrote it and the hash prefix. */
export const parseMetricSlug = (slug: string | null | undefined): { readonly id: string; readonly hash8: string } | undefined => {
  const m = slug === null || slug === undefined ? null : ownSlugPattern.exec(slug)
  return m === null ? undefined : { id: m[1]!, hash8: m[2]! }
}

/** Roark's output types for canonical evaluators: a number evaluator with a scale is a SCALE. */
export const metricType = (e: { readonly type: "boolean" | "number" | "string"; readonly scale?: readonly [number, number] | undefined }): "BOOLEAN" | "NUMERIC" | "SCALE" | "TEXT" => {
  switch (e.type) {
    case "boolean":
      return "BOOLEAN"
    case "number":
      return e.scale === undefined ? "NUMERIC" : "SCALE"
    case "string":
      return "TEXT"
  }
}

/** Roark output types that carry each canonical evaluator type's values. */
export const metricTypesOf: Record<"boolean" | "number" | "string", ReadonlySet<string>> = {
  boolean: new Set(["BOOLEAN"]),
  number: new Set(["NUMERIC", "SCALE", "COUNT", "OFFSET"]),
  string: new Set(["TEXT", "CLASSIFICATION"])
}

/** The labels simbridge gives a BOOLEAN metric's answers; `valueFor` reads them back as booleans. */
export const booleanLabels = { booleanTrueLabel: "true", booleanFalseLabel: "false" } as const

/**
 * The canonical evaluator id of a metric definition (or a call's metric) simbridge created: from
 * the marker in its description where one is (definitions made by earlier versions, or a server
 * that copies the prompt there), else from its slug (`parseMetricSlug`, the id as `slugPart`
 * wrote it); `undefined` for a metric simbridge did not create.
 */
export const evaluatorIdOf = (m: { readonly description?: string | null | undefined; readonly metricId?: string | undefined; readonly slug?: string | undefined }): string | undefined => {
  const marker = parseMarker(m.description)
  if (marker?.kind === "evaluator") return marker.id
  return parseMetricSlug(m.slug ?? m.metricId)?.id
}

/** Roark's convention for a pass/fail metric: a BOOLEAN metric whose slug ends `_check`. */
export const isCheckMetric = (type: string | null | undefined, slug: string | null | undefined): boolean =>
  (type ?? "").toUpperCase() === "BOOLEAN" && (slug ?? "").endsWith("_check")

/** Transcript roles. */
export const role = (raw: string | null | undefined): "agent" | "caller" | "system" => {
  switch ((raw ?? "").toUpperCase()) {
    case "AGENT":
      return "agent"
    case "CUSTOMER":
    case "SIMULATED_CUSTOMER":
      return "caller"
    default:
      return "system"
  }
}

/** Call `endedStatus` values that mean the call itself failed (not the agent's answer). */
export const failedCallEndings: ReadonlySet<string> = new Set([
  "AGENT_DID_NOT_ANSWER",
  "AGENT_BUSY",
  "AGENT_ERROR",
  "PHONE_CALL_PROVIDER_CONNECTION_ERROR",
  "DIAL_ERROR",
  "PARTICIPANTS_DID_NOT_SPEAK",
  "AGENT_DID_NOT_SPEAK"
])

/**
 * A metric value as the evaluator's type reads it. Roark's `value` is `number | boolean | string`;
 * a boolean evaluator also reads the strings "true" and "false" (any case) as booleans, since a
 * BOOLEAN metric's value may come back as its label text. Anything else is passed on as it is, and
 * core fails a value of the wrong type.
 */
export const valueFor = (type: "boolean" | "number" | "string", value: number | boolean | string | undefined): number | boolean | string | undefined => {
  if (type === "boolean" && typeof value === "string") {
    const lower = value.trim().toLowerCase()
    if (lower === "true") return true
    if (lower === "false") return false
  }
  return value
}
