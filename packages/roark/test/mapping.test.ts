import { describe, expect, it } from "@effect/vitest"
import * as M from "../src/internal/mapping.js"

describe("status tables", () => {
  it("maps every run-plan job status, plus an unknown one", () => {
    const expected: Record<string, string> = {
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
    }
    expect(Object.keys(expected)).toHaveLength(12)
    for (const [raw, unified] of Object.entries(expected)) expect(M.runPlanJobStatus(raw)).toEqual({ unified, raw })
    expect(M.runPlanJobStatus("PAUSED_FOR_REVIEW")).toEqual({ unified: "unknown", raw: "PAUSED_FOR_REVIEW" })
    expect(M.runPlanJobStatus(undefined)).toEqual({ unified: "unknown", raw: "" })
  })

  it("maps every simulation job status, plus an unknown one", () => {
    const expected: Record<string, string> = {
      PENDING: "queued",
      QUEUED: "queued",
      RETRY_SCHEDULED: "queued",
      PROCESSING: "running",
      CANCELLING: "running",
      COMPLETED: "completed",
      FAILED: "failed",
      TIMED_OUT: "timed_out",
      CANCELLED: "canceled"
    }
    for (const [raw, unified] of Object.entries(expected)) expect(M.simulationJobStatus(raw)).toEqual({ unified, raw })
    expect(M.simulationJobStatus("RUNNING")).toEqual({ unified: "unknown", raw: "RUNNING" })
  })

  it("maps every processing status, plus the stale PROCESSED of the old docs", () => {
    const expected: Record<string, string> = {
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
    }
    for (const [raw, unified] of Object.entries(expected)) expect(M.processingStatus(raw)).toEqual({ unified, raw })
    expect(M.processingStatus("PROCESSED")).toEqual({ unified: "unknown", raw: "PROCESSED" })
  })

  it("a completed simulation job whose metrics are still being collected is running", () => {
    expect(M.resultStatus("COMPLETED", "COLLECTING_METRICS")).toEqual({ unified: "running", raw: "COMPLETED" })
    expect(M.resultStatus("COMPLETED", "COMPLETED")).toEqual({ unified: "completed", raw: "COMPLETED" })
    expect(M.resultStatus("COMPLETED", undefined)).toEqual({ unified: "completed", raw: "COMPLETED" })
    expect(M.resultStatus("COMPLETED", "PROCESSED")).toEqual({ unified: "completed", raw: "COMPLETED" })
    expect(M.resultStatus("FAILED", "SIMULATING")).toEqual({ unified: "failed", raw: "FAILED" })
  })
})

describe("persona tables", () => {
  it("languages", () => {
    const expected = { en: "EN", es: "ES", de: "DE", hi: "HI", fr: "FR", nl: "NL", ar: "AR", el: "EL", it: "IT", id: "ID", th: "TH", ja: "JA", tl: "TL", ms: "MS", zh: "ZH", tr: "TR", pt: "PT", he: "HE" }
    expect(M.language).toEqual(expected)
    for (const [k, v] of Object.entries(expected)) expect(M.reverse(M.language, v)).toBe(k)
    expect(M.reverse(M.language, "KO")).toBeUndefined()
  })

  it("accents, with US_X_SOUTH for us_south", () => {
    const expected = { us: "US", us_south: "US_X_SOUTH", gb: "GB", es: "ES", de: "DE", in: "IN", fr: "FR", nl: "NL", sa: "SA", gr: "GR", au: "AU", it: "IT", id: "ID", th: "TH", jp: "JP", nz: "NZ", ph: "PH", sg: "SG", my: "MY", hk: "HK", tr: "TR", pt: "PT", il: "IL" }
    expect(M.accent).toEqual(expected)
    expect(M.reverse(M.accent, "us_x_south")).toBe("us_south")
    expect(M.reverse(M.accent, "CA")).toBeUndefined()
    for (const lang of Object.keys(M.language) as Array<keyof typeof M.language>) {
      expect(Object.values(M.accent)).toContain(M.defaultAccent[lang])
    }
  })

  it("genders: neutral has no Roark value", () => {
    expect(M.gender).toEqual({ male: "MALE", female: "FEMALE", neutral: undefined })
    expect(M.reverse(M.gender, "NEUTRAL")).toBeUndefined()
    expect(M.fallbackGender).toBe("FEMALE")
  })

  it("emotions, noises, pace, clarity, intent, confirmation, memory", () => {
    expect(M.emotion).toEqual({ neutral: "NEUTRAL", cheerful: "CHEERFUL", confused: "CONFUSED", frustrated: "FRUSTRATED", skeptical: "SKEPTICAL", rushed: "RUSHED", distracted: "DISTRACTED", angry: "ANGRY", anxious: "ANXIOUS", sad: "SAD" })
    expect(M.reverse(M.emotion, "BORED")).toBeUndefined()
    expect(M.backgroundNoise).toEqual({ none: "NONE", airport: "AIRPORT", children_playing: "CHILDREN_PLAYING", city: "CITY", coffee_shop: "COFFEE_SHOP", driving: "DRIVING", office: "OFFICE", thunderstorm: "THUNDERSTORM", construction: "CONSTRUCTION", crying_baby: "CRYING_BABY", library: "LIBRARY", train: "TRAIN" })
    expect(M.reverse(M.backgroundNoise, "STADIUM")).toBeUndefined()
    expect(M.speechPace).toEqual({ super_slow: "SUPER_SLOW", slow: "SLOW", normal: "NORMAL", fast: "FAST", super_fast: "SUPER_FAST" })
    expect(M.reverse(M.speechPace, "LUDICROUS")).toBeUndefined()
    expect(M.speechClarity).toEqual({ clear: "CLEAR", vague: "VAGUE", rambling: "RAMBLING" })
    expect(M.reverse(M.speechClarity, "MUMBLING")).toBeUndefined()
    expect(M.intentClarity).toEqual({ clear: "CLEAR", indirect: "INDIRECT", vague: "VAGUE" })
    expect(M.reverse(M.intentClarity, "HIDDEN")).toBeUndefined()
    expect(M.confirmationStyle).toEqual({ explicit: "EXPLICIT", vague: "VAGUE" })
    expect(M.reverse(M.confirmationStyle, "IMPLICIT")).toBeUndefined()
    expect(M.memoryReliability).toEqual({ high: "HIGH", low: "LOW" })
    expect(M.reverse(M.memoryReliability, "MEDIUM")).toBeUndefined()
  })
})

describe("plan options, markers, metrics, roles", () => {
  it("direction and execution mode", () => {
    expect(M.direction).toEqual({ inbound: "INBOUND", outbound: "OUTBOUND" })
    expect(M.executionMode).toEqual({ parallel: "PARALLEL", sequential: "SEQUENTIAL_SAME_RUN_PLAN" })
  })

  it("markers round-trip and are found inside other text", () => {
    const m = M.marker("scenario", "urgent-appointment", "0123456789abcdef")
    expect(M.parseMarker(`Urgent dental appointment ${m}`)).toEqual({ kind: "scenario", id: "urgent-appointment", hash: "0123456789abcdef" })
    expect(M.parseMarker("no marker here")).toBeUndefined()
    expect(M.parseMarker(null)).toBeUndefined()
  })

  it("metric slugs, types and the _check convention", () => {
    expect(M.metricSlug("booked", "boolean")).toBe("simbridge_booked_check")
    expect(M.metricSlug("Polite.Score-1", "number")).toBe("simbridge_polite_score_1")
    expect(M.metricSlug("booked", "boolean", "0123456789abcdef")).toBe("simbridge_booked_01234567_check")
    expect(M.metricType({ type: "boolean" })).toBe("BOOLEAN")
    expect(M.metricType({ type: "number" })).toBe("NUMERIC")
    expect(M.metricType({ type: "number", scale: [1, 5] })).toBe("SCALE")
    expect(M.metricType({ type: "string" })).toBe("TEXT")
    expect(M.metricTypesOf.number.has("SCALE")).toBe(true)
    expect(M.metricTypesOf.boolean.has("TEXT")).toBe(false)
    expect(M.isCheckMetric("BOOLEAN", "greeting_check")).toBe(true)
    expect(M.isCheckMetric("BOOLEAN", "greeting")).toBe(false)
    expect(M.isCheckMetric("NUMERIC", "x_check")).toBe(false)
  })

  it("a slug made with a hash is simbridge's marker of a metric definition", () => {
    expect(M.parseMetricSlug("simbridge_booked_01234567_check")).toEqual({ id: "booked", hash8: "01234567" })
    expect(M.parseMetricSlug("simbridge_polite_score_1_89abcdef")).toEqual({ id: "polite_score_1", hash8: "89abcdef" })
    expect(M.parseMetricSlug("simbridge_x_deadbeef_01234567")).toEqual({ id: "x_deadbeef", hash8: "01234567" })
    expect(M.parseMetricSlug("simbridge_booked_check")).toBeUndefined()
    expect(M.parseMetricSlug("goal_achieved_check")).toBeUndefined()
    expect(M.parseMetricSlug(undefined)).toBeUndefined()
    // The description's marker (earlier definitions) wins; else the slug; else none.
    expect(M.evaluatorIdOf({ description: `x ${M.marker("evaluator", "sb-rating", "0123456789abcdef")}`, metricId: "other" })).toBe("sb-rating")
    expect(M.evaluatorIdOf({ description: "Did the agent book?", metricId: "simbridge_sb_rating_01234567" })).toBe("sb_rating")
    expect(M.evaluatorIdOf({ description: "", slug: "simbridge_booked_01234567_check" })).toBe("booked")
    expect(M.evaluatorIdOf({ description: "Whether the caller achieved their goal", metricId: "goal_achieved_check" })).toBeUndefined()
  })

  it("transcript roles", () => {
    expect(M.role("AGENT")).toBe("agent")
    expect(M.role("CUSTOMER")).toBe("caller")
    expect(M.role("SIMULATED_CUSTOMER")).toBe("caller")
    expect(M.role(null)).toBe("system")
    expect(M.role("BACKGROUND_SPEAKER")).toBe("system")
  })
})
