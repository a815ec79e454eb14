/**
 * Suite reports built with Schema, as `simbridge run --json` writes them: two providers that ran
 * (vapi, roark) with passing, failing, errored, skipped and pending results, and one (cekura) that
 * failed to start.
 */
import { SuiteReport } from "@simbridge/core"
import * as Schema from "effect/Schema"

export const decode = Schema.decodeUnknownSync(SuiteReport.SuiteReport)

export type Verdict = "pass" | "fail" | "error" | "skipped" | "pending"

const statusFor: Record<Verdict, { unified: string; raw: string }> = {
  pass: { unified: "completed", raw: "ended" },
  fail: { unified: "completed", raw: "ended" },
  error: { unified: "failed", raw: "failed" },
  skipped: { unified: "canceled", raw: "cancelled" },
  pending: { unified: "running", raw: "in-progress" }
}

export interface ResultInput {
  readonly provider: string
  readonly scenario: string
  readonly persona: string
  readonly iteration: number
  readonly verdict: Verdict
  readonly [extra: string]: unknown
}

/** An encoded result (the JSON form), with defaults for what a test does not care about. */
export const result = ({ provider, scenario, persona, iteration, verdict, ...extra }: ResultInput) => ({
  ref: { provider, kind: "result", id: `${scenario}-${persona}-${iteration}` },
  run: { provider, kind: "run", id: "run-1" },
  scenario,
  persona,
  iteration,
  status: statusFor[verdict],
  verdict,
  evaluations: verdict === "pass"
    ? [{ evaluator: "booked", passed: true, required: true, expected: true, actual: true }]
    : verdict === "fail"
    ? [{ evaluator: "booked", passed: false, required: true, expected: true, actual: false, reasoning: "no slot offered" }]
    : [],
  durationSeconds: 42.5,
  ...extra
})

/** A report from encoded runs; the comparison is derived from the results (all slots, plan order). */
export const report = (
  runs: ReadonlyArray<{ readonly provider: string; readonly results: ReadonlyArray<ReturnType<typeof result>>; readonly [extra: string]: unknown }>,
  extra: Record<string, unknown> = {}
): SuiteReport.SuiteReport => {
  const slots = new Map<string, { scenario: string; persona: string; iteration: number }>()
  for (const run of runs) {
    for (const r of run.results) slots.set(`${r.scenario}/${r.persona}/${r.iteration}`, { scenario: r.scenario, persona: r.persona, iteration: r.iteration })
  }
  const comparison = [...slots.values()].map((slot) => {
    const verdicts: Record<string, string> = {}
    for (const run of runs) {
      verdicts[run.provider] = run.results.find((r) => r.scenario === slot.scenario && r.persona === slot.persona && r.iteration === slot.iteration)?.verdict ?? "missing"
    }
    const values = Object.values(verdicts)
    return { ...slot, verdicts, agree: values.every((v) => v === values[0]) }
  })
  return decode({
    version: 1,
    suite: "dental-clinic",
    planHash: "0123456789abcdef",
    startedAt: "2026-03-01T10:00:00.000Z",
    finishedAt: "2026-03-01T10:02:30.000Z",
    runs: runs.map((r) => ({ status: { unified: "completed", raw: "ended" }, warnings: [], ...r })),
    comparison,
    ...extra
  })
}

export const nastyText = `I need "urgent" care <now> & fast`

/** The main fixture: vapi and roark ran, cekura could not start. */
export const sample: SuiteReport.SuiteReport = report(
  [
    {
      provider: "vapi",
      ref: "vapi:run:5f0c9b1e-0000-4000-8000-000000000001",
      status: { unified: "completed", raw: "ended" },
      startedAt: "2026-03-01T10:00:01.000Z",
      finishedAt: "2026-03-01T10:02:00.000Z",
      warnings: [{ code: "capability-gap", message: "accent is rendered into the prompt only", field: "personas[0].accent" }],
      results: [
        result({
          provider: "vapi",
          scenario: "urgent-appointment",
          persona: "anxious-sarah",
          iteration: 1,
          verdict: "pass",
          transcript: [
            { role: "agent", text: "Bright Smile Dental, how can I help?", startSeconds: 0 },
            { role: "caller", text: nastyText, startSeconds: 2.5 },
            { role: "agent", text: "I can book you at 9am tomorrow.", startSeconds: 6 }
          ],
          evaluations: [
            { evaluator: "booked", name: "Booked an appointment", passed: true, required: true, expected: true, actual: true, reasoning: "booked 9am" },
            { evaluator: "polite", passed: true, required: false, expected: ">= 4", actual: 5 }
          ],
          recordingUrl: "https://recordings.example.com/vapi/call-1.wav",
          latency: { averageMs: 820, p50Ms: 790, p95Ms: 1400 }
        }),
        result({
          provider: "vapi",
          scenario: "urgent-appointment",
          persona: "anxious-sarah",
          iteration: 2,
          verdict: "fail",
          transcript: [
            { role: "agent", text: "Bright Smile Dental.", startSeconds: 0 },
            { role: "caller", text: "My tooth | hurts\nbadly", startSeconds: 1 }
          ],
          evaluations: [
            { evaluator: "booked", name: "Booked an appointment", passed: false, required: true, expected: true, actual: false, reasoning: "no slot | offered" },
            { evaluator: "polite", passed: true, required: false, expected: ">= 4", actual: 4 }
          ],
          failureReason: { code: "evaluation-failed", message: "required evaluation booked failed" }
        }),
        result({
          provider: "vapi",
          scenario: "reschedule",
          persona: "calm-bob",
          iteration: 1,
          verdict: "error",
          failureReason: { code: "call-dropped", message: "the call dropped after 3 seconds" }
        }),
        result({ provider: "vapi", scenario: "reschedule", persona: "calm-bob", iteration: 2, verdict: "skipped" })
      ]
    },
    {
      provider: "roark",
      ref: "roark:run:8a1d2c3b-0000-4000-8000-000000000002",
      status: { unified: "completed", raw: "COMPLETED" },
      warnings: [],
      results: [
        result({ provider: "roark", scenario: "urgent-appointment", persona: "anxious-sarah", iteration: 1, verdict: "pass" }),
        result({ provider: "roark", scenario: "urgent-appointment", persona: "anxious-sarah", iteration: 2, verdict: "pass" }),
        result({ provider: "roark", scenario: "reschedule", persona: "calm-bob", iteration: 1, verdict: "fail" }),
        result({ provider: "roark", scenario: "reschedule", persona: "calm-bob", iteration: 2, verdict: "pending" })
      ]
    },
    {
      provider: "cekura",
      status: { unified: "failed", raw: "not started" },
      warnings: [],
      error: { reason: "Unauthorized", message: "invalid API key <redacted> & expired", step: "startRun" },
      results: []
    }
  ],
  { emulated: true }
)
