import { describe, expect, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as CekuraClient from "../src/CekuraClient.js"
import * as Wire from "../src/CekuraWire.js"
import { httpLayer, setup } from "./support/setup.js"

describe("CekuraClient error bodies", () => {
  it.each([
    [{ detail: "Not found." }, "Not found."],
    [["Invalid personalities provided."], "Invalid personalities provided."],
    [{ agent_id: ["This field is required."], frequency: ["Ensure this value is greater than or equal to 1."] }, "agent_id: This field is required.; frequency: Ensure this value is greater than or equal to 1."],
    [{ non_field_errors: ["Either scenarios, tags, or folder_path must be provided"] }, "Either scenarios, tags, or folder_path must be provided"],
    ["upstream exploded", "upstream exploded"]
  ] as const)("%j -> %s", (body, message) => {
    expect(CekuraClient.errorMessage(body)).toBe(message)
  })

  it("a 403 about the key is Unauthorized, another 403 stays Forbidden", () => {
    expect(CekuraClient.refineReason(403, { detail: "Invalid API key." })).toBe("Unauthorized")
    expect(CekuraClient.refineReason(403, { detail: "Project-scoped API keys are not allowed" })).toBe("Unauthorized")
    expect(CekuraClient.refineReason(403, { detail: "You do not have permission to perform this action." })).toBeUndefined()
    expect(CekuraClient.refineReason(401, { detail: "Invalid API key." })).toBeUndefined()
  })

  it("relativizes next links against the base URL", () => {
    expect(CekuraClient.relativize("https://api.cekura.ai", "https://api.cekura.ai/test_framework/v1/runs/?page=2")).toBe("/test_framework/v1/runs/?page=2")
    expect(CekuraClient.relativize("http://127.0.0.1:9/", "http://127.0.0.1:9/test_framework/v1/runs/?page=3")).toBe("/test_framework/v1/runs/?page=3")
    expect(CekuraClient.relativize("https://proxy.example/cekura", "http://internal:8000/cekura/test_framework/v1/runs/?page=2")).toBe("/test_framework/v1/runs/?page=2")
  })
})

describe("CekuraClient over HTTP", () => {
  it.scopedLive("maps statuses, Retry-After and redacts the key", () =>
    Effect.gen(function*() {
      const { client, handle } = yield* setup()
      handle.faults.injectNext({ _tag: "Status", status: 429, retryAfterSeconds: 3 })
      const limited = yield* Effect.flip(client.getResult(167))
      expect(limited.reason).toBe("RateLimited")
      expect(limited.retryAfter && Duration.toSeconds(limited.retryAfter)).toBe(3)
      expect(limited.description).toBe("Request was throttled.")
      expect(limited.http?.requestHeaders?.["x-cekura-api-key"]).toBe("<redacted>")
      handle.faults.injectNext({ _tag: "Status", status: 503 })
      const down = yield* Effect.flip(client.runScenarios(new Wire.RunScenariosRequest({ agent_id: 1, scenarios: [1] })))
      expect(down.reason).toBe("ProviderInternal")
      expect(down.outcomeUnknown).toBe(true)
    }).pipe(Effect.provide(httpLayer)))

  it.effect("validates request bodies before sending", () =>
    Effect.gen(function*() {
      const client = yield* CekuraClient.make({ baseUrl: "http://127.0.0.1:1", apiKey: Redacted.make("k") })
      const noSelection = yield* Effect.flip(client.runScenarios({ agent_id: 1 } as Wire.RunScenariosRequest))
      expect(noSelection.reason).toBe("InvalidRequest")
      expect(noSelection.description).toContain("either scenarios, tags, or folder_path must be provided")
      const folder = yield* Effect.flip(client.runScenarios({ agent_id: 1, folder_path: "Sales" } as Wire.RunScenariosRequest))
      expect(folder.description).toContain("project_id is required with folder_path")
    }).pipe(Effect.provide(httpLayer)))

  it.effect("reads CEKURA_API_KEY and defaults CEKURA_BASE_URL", () =>
    Effect.gen(function*() {
      const settings = yield* CekuraClient.settingsConfig.pipe(
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["CEKURA_API_KEY", "ck_live"]])))
      )
      expect(settings.baseUrl).toBe("https://api.cekura.ai")
      expect(Redacted.value(settings.apiKey)).toBe("ck_live")
      const missing = yield* Effect.flip(CekuraClient.settingsConfig.pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map()))))
      expect(String(missing)).toContain("CEKURA_API_KEY")
    }))
})

describe("CekuraWire.ResultDetail", () => {
  const decode = (schema: Schema.Schema<any, any>, u: unknown) => Schema.decodeUnknownEither(schema, { onExcessProperty: "ignore" })(u)
  const message = (e: Either.Either<unknown, ParseResult.ParseError>) => Either.isLeft(e) ? ParseResult.TreeFormatter.formatErrorSync(e.left) : "decoded"
  const run = (id: number) => ({
    id,
    scenario: id % 2 === 0 ? 101 : { id: 102, name: "s" },
    scenario_name: "Booking",
    status: "completed",
    success: id % 3 === 0,
    error_message: "",
    evaluation: { metrics: [{ id: 7, name: "m", type: "binary_workflow_adherence", score: 5, passed: true, value: { x: 1 }, explanation: ["a", "b"] }] },
    expected_outcome: id % 2 === 0 ? { score: 50, explanation: "e", outcome_alignments: [{ outcome: "o", prompt_part: "[booked] x", aligned: true }] } : "text",
    personality_name: null,
    duration: "00:21",
    executed_at: "2026-01-01T00:00:00Z"
  })
  const detail = {
    id: 167,
    name: "suite [sb-1]",
    agent: 2142,
    status: "completed",
    success_rate: 61.1,
    run_as_text: false,
    total_runs_count: 3,
    completed_runs_count: 3,
    success_runs_count: 1,
    failed_runs_count: null,
    run_type: null,
    created_at: "2026-01-01T00:00:00Z"
  }
  const good = [
    { ...detail, runs: { 12: run(12), 3: run(3), 40: run(40) } },
    { ...detail, runs: [run(40), run(3)] },
    { ...detail, runs: {} },
    { id: 1, status: "running" },
    // Counts as numeric strings.
    { ...detail, total_runs_count: "3", success_runs_count: "1", runs: [run(1)] }
  ]
  const bad = [
    { ...detail, runs: null },
    { ...detail, runs: { 1: { ...run(1), id: "x" } } },
    { ...detail, runs: [{ ...run(1), expected_outcome: 5 }] },
    { ...detail, total_runs_count: "three" },
    { ...detail, status: undefined },
    { ...detail, id: 1.5 },
    []
  ]

  it("decodes runs keyed by id or as an array to an array, and counts as numbers or numeric strings", () => {
    for (const u of good) {
      const decoded = Either.getOrThrow(decode(Wire.ResultDetail, u))
      expect(decoded).toBeInstanceOf(Wire.ResultDetail)
      expect(Array.isArray(decoded.runs)).toBe(true)
    }
    expect(Either.getOrThrow(decode(Wire.ResultDetail, good[0])).runs.map((r: { id: number }) => r.id).sort((a: number, b: number) => a - b)).toEqual([3, 12, 40])
    expect(Either.getOrThrow(decode(Wire.ResultDetail, good[3])).runs).toEqual([])
    expect(Either.getOrThrow(decode(Wire.ResultDetail, good[4])).total_runs_count).toBe(3)
  })

  it("refuses malformed details, naming what is wrong", () => {
    for (const u of bad) expect(message(decode(Wire.ResultDetail, u))).not.toBe("decoded")
    expect(message(decode(Wire.ResultDetail, bad[1]))).toContain("id")
  })
})
