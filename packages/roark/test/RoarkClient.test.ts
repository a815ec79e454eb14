import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { RoarkClient, RoarkWire } from "../src/index.js"
import * as RoarkEmulator from "@simbridge/emulators/RoarkEmulator"

const setup = (apiKey = "sk-test") =>
  Effect.gen(function*() {
    const handle = yield* RoarkEmulator.start({ speed: 200, apiKey: "sk-test" })
    const client = yield* RoarkClient.make({ baseUrl: handle.url, apiKey: Redacted.make(apiKey), timeout: Duration.seconds(5) })
    return { handle, client }
  })

describe("RoarkClient", () => {
  it.scopedLive("maps statuses to reasons with the vendor's message, Retry-After, and a redacted key", () =>
    Effect.gen(function*() {
      const { client, handle } = yield* setup()
      const wrong = yield* Effect.flip((yield* setup("sk-wrong")).client.personas.list())
      expect(wrong.reason).toBe("Unauthorized")
      expect(wrong.description).toBe("Invalid or missing API key")
      expect(JSON.stringify(wrong.http)).not.toContain("sk-wrong")

      const missing = yield* Effect.flip(client.runPlanJobs.get("00000000-0000-4000-8000-000000000000"))
      expect(missing.reason).toBe("NotFound")
      expect(missing.http?.url).toContain("/v1/simulation/plan/job/00000000-0000-4000-8000-000000000000")

      handle.faults.injectNext({ _tag: "Status", status: 429, retryAfterSeconds: 2 }, 1, { path: "/v1/persona" })
      const limited = yield* Effect.flip(client.personas.list())
      expect(limited.reason).toBe("RateLimited")
      expect(limited.retryAfter && Duration.toSeconds(limited.retryAfter)).toBe(2)

      handle.faults.injectNext({ _tag: "Status", status: 503 }, 1, { method: "POST" })
      const created = yield* Effect.flip(client.agents.create({ name: "Bot" }))
      expect(created.reason).toBe("ProviderInternal")
      expect(created.outcomeUnknown).toBe(true)

      const invalid = yield* Effect.flip(client.runPlans.update("00000000-0000-4000-8000-000000000000", { iterationCount: 2 }))
      expect(invalid.reason).toBe("NotFound")
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("validates request bodies before sending them", () =>
    Effect.gen(function*() {
      const { client, handle } = yield* setup()
      const before = handle.requests.total
      const error = yield* Effect.flip(client.agentEndpoints.create({ agentId: RoarkEmulator.seeded.agentId, direction: "INCOMING", value: "555-1234" }))
      expect(error.reason).toBe("InvalidRequest")
      expect(error.description).toContain("value")
      const steps = yield* Effect.flip(client.scenarios.create({ name: "x", steps: [] as any }))
      expect(steps.reason).toBe("InvalidRequest")
      expect(handle.requests.total).toBe(before)
      // The server validates too: an unknown agent is a 400 naming the field.
      const server = yield* Effect.flip(client.agentEndpoints.create({ agentId: "00000000-0000-4000-8000-000000000000", direction: "INCOMING", value: "+15555550199" }))
      expect(server.reason).toBe("InvalidRequest")
      expect(server.description).toContain("agentId")
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("follows cursor pagination to the end", () =>
    Effect.gen(function*() {
      const { client } = yield* setup()
      for (const name of ["A", "B", "C", "D", "E"]) yield* client.personas.create({ name, language: "EN", accent: "GB", gender: "MALE" })
      const all = Chunk.toReadonlyArray(yield* Stream.runCollect(RoarkClient.paginate(client.personas.list, { limit: 2 })))
      expect(all.map((p) => p.name).slice(-5)).toEqual(["A", "B", "C", "D", "E"])
      expect(new Set(all.map((p) => p.id)).size).toBe(all.length)
      const agent = yield* client.agents.create({ name: "Receptionist" })
      const endpoint = yield* client.agentEndpoints.create({ agentId: agent.id, direction: "INCOMING", value: "+15555550142" })
      expect((yield* client.agentEndpoints.list({ agentId: agent.id })).data.map((e) => e.id)).toEqual([endpoint.id])
      expect((yield* client.health).status).toBe("healthy")
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it("wire schemas are lenient: unknown enums, the old endpointType, missing optional fields, stale docs values", () => {
    const job = Schema.decodeUnknownSync(RoarkWire.RunPlanJobDetail)({
      simulationRunPlanJobId: "j",
      simulationRunPlanId: "p",
      status: "RUNNING",
      extra: { anything: true },
      simulationJobs: [{
        simulationJobId: "s",
        status: "COMPLETED",
        processingStatus: "PROCESSED",
        agentEndpoint: { id: "e", name: "PHONE", phoneNumber: "+15555551234", endpointType: "PHONE" },
        scenario: { id: "sc", description: null },
        createdAt: "2024-01-15T10:30:20Z"
      }]
    })
    expect(RoarkWire.endpointTypeOf(job.simulationJobs[0]!)).toBe("PHONE")
    expect(RoarkWire.endpointTypeOf({ ...job.simulationJobs[0]!, agentEndpoint: { id: "e", type: "LIVEKIT" } })).toBe("LIVEKIT")
    const page = Schema.decodeUnknownSync(RoarkWire.Page(RoarkWire.RunPlanJobSummary))({
      data: [{ simulationRunPlanId: "p", simulationRunPlanJobId: "j", status: "PREPARING_CAPACITY", triggeredBy: "SYSTEM" }],
      pagination: { hasMore: false, total: 1 }
    })
    expect(page.pagination?.nextCursor).toBeUndefined()
    expect(() => Schema.decodeUnknownSync(RoarkWire.PersonaCreate)({ name: "x", language: "EN", accent: "US", gender: "NEUTRAL" })).toThrow()
    expect(Schema.decodeUnknownSync(RoarkWire.RunPlanCreate)({
      name: "n", direction: "INBOUND", maxSimulationDurationSeconds: 60, agentEndpoints: [{ id: "e" }], personas: [{ id: "p" }],
      scenarios: [{ id: "s" }], metrics: [{ slug: "greeting_check" }]
    }).metrics).toEqual([{ slug: "greeting_check" }])
  })

  it("the read path's and tracking's responses decode: defaults filled, malformed bodies refused naming the field", () => {
    const decode = (schema: Schema.Schema<any, any>, u: unknown) => Schema.decodeUnknownEither(schema, { onExcessProperty: "ignore" })(u)
    const message = (e: Either.Either<unknown, ParseResult.ParseError>) => Either.isLeft(e) ? ParseResult.TreeFormatter.formatErrorSync(e.left) : "decoded"
    const entry = { startOffsetMs: 0, endOffsetMs: 1500, participantId: "p1", role: "AGENT", text: "Hello" }
    const value = { value: 4, confidence: 0.9, context: "CALL", computedAt: "2026-01-01T00:00:00Z", valueReasoning: "ok", participantRole: null, captureStatus: "DONE" }
    const metric = { metricDefinitionId: "m1", metricId: "polite", slug: "polite", name: "polite", description: null, scope: "GLOBAL", type: "NUMERIC", unit: { name: "points", symbol: null } }
    const sim = {
      simulationJobId: "s",
      status: "COMPLETED",
      processingStatus: "COMPLETED",
      callId: "c",
      roarkPhoneNumber: null,
      persona: { id: "p", name: "Sarah", language: "EN", accent: "US", gender: "FEMALE", idleMessages: null, properties: { a: [1] }, description: "d" },
      scenario: { id: "sc", description: null },
      agentEndpoint: { id: "e", endpointType: "PHONE" },
      runPlan: { id: "rp", variables: { simbridgeRunMarker: "sb-1" } },
      createdAt: "2026-01-01T00:00:00Z",
      startedAt: null
    }
    const detail = { simulationRunPlanJobId: "j", simulationRunPlanId: "p", status: "COMPLETED", createdAt: "x", endedAt: null }
    const summary = { createdAt: "2026-01-01T00:00:00Z", simulationRunPlanId: "p", simulationRunPlanJobId: "j", status: "RUNNING_SIMULATIONS", triggeredBy: "API", startedAt: "2026-01-01T00:00:01Z" }
    const call = { id: "c", callDirection: "INBOUND", startedAt: null, durationMs: 1200, status: "ENDED", recordingUrl: "https://r", properties: { k: { v: 1 } }, simulationJobId: "s" }
    const cases: ReadonlyArray<readonly [string, Schema.Schema<any, any>, ReadonlyArray<unknown>, ReadonlyArray<unknown>]> = [
      ["call", RoarkWire.CallResponse, [{ data: call }, { data: { id: "c" } }], [
        {},
        { data: null },
        { data: { ...call, id: 1 } },
        { data: { ...call, durationMs: "1" } },
        { data: { ...call, properties: [] } }
      ]],
      ["transcript", RoarkWire.TranscriptResponse, [
        { data: { entries: [entry, { text: "Hi", role: null }], participants: [{ id: "p1", type: "AGENT", agentId: null }], transcriptionSource: "x" } },
        { data: { transcriptionSource: null } },
        { data: {} }
      ], [
        { data: { entries: null } },
        { data: { entries: [{ ...entry, text: 1 }] } },
        { data: { entries: [entry], participants: [{ id: "p" }] } },
        { data: "x" }
      ]],
      ["metrics", RoarkWire.CallMetricsResponse, [
        { data: [{ ...metric, values: [value, { value: true }, { value: "x" }, { value: null }, {}] }, metric, { ...metric, values: [] }] },
        { data: [metric] },
        { data: [] }
      ], [
        { data: [{ ...metric, values: [{ value: {} }] }] },
        { data: [{ ...metric, values: null }] },
        { data: [{ ...metric, name: undefined }] },
        { data: {} }
      ]],
      ["job list", RoarkWire.RunPlanJobSummaryPage, [
        { data: [summary, { simulationRunPlanId: "p", simulationRunPlanJobId: "k", status: "QUEUED", triggeredBy: null, startedAt: null, endedAt: null }], pagination: { hasMore: true, nextCursor: "k", total: 2 } },
        { data: [summary], pagination: { hasMore: false, nextCursor: null } },
        { data: [summary], pagination: { hasMore: false } },
        { data: [] }
      ], [
        { data: null },
        { data: [{ ...summary, status: 1 }] },
        { data: [{ ...summary, simulationRunPlanJobId: undefined }] },
        { data: [summary], pagination: { nextCursor: "x" } },
        { data: [{ ...summary, createdAt: null }] }
      ]],
      ["job start", RoarkWire.RunPlanJobStartResponse, [
        { data: { simulationRunPlanJobId: "j", simulationRunPlanId: "p", status: "PENDING", createdAt: "2026-01-01T00:00:00Z" } },
        { data: { simulationRunPlanJobId: "j", simulationRunPlanId: "p", status: "PENDING" } }
      ], [
        { data: { simulationRunPlanJobId: "j", simulationRunPlanId: "p", status: "PENDING", createdAt: null } },
        { data: { simulationRunPlanJobId: "j", status: "PENDING" } },
        { data: null },
        {}
      ]],
      ["job detail", RoarkWire.RunPlanJobDetailResponse, [
        { data: { ...detail, simulationJobs: [sim, { simulationJobId: "t", status: "QUEUED" }] } },
        { data: detail }
      ], [
        { data: { ...detail, simulationJobs: null } },
        { data: { ...detail, simulationJobs: [{ ...sim, persona: { id: "p" } }] } },
        { data: { ...detail, simulationJobs: [{ ...sim, runPlan: { variables: [] } }] } },
        { data: { ...detail, status: undefined } }
      ]]
    ]
    for (const [name, schema, good, bad] of cases) {
      for (const u of good) expect(Either.isRight(decode(schema, u)), name).toBe(true)
      for (const u of bad) expect(message(decode(schema, u)), name).not.toBe("decoded")
    }
    // Defaults filled in.
    expect(Either.getOrThrow(decode(RoarkWire.TranscriptResponse, { data: {} })).data.entries).toEqual([])
    expect(Either.getOrThrow(decode(RoarkWire.CallMetricsResponse, { data: [metric] })).data[0].values).toEqual([])
    expect(Either.getOrThrow(decode(RoarkWire.RunPlanJobDetailResponse, { data: detail })).data.simulationJobs).toEqual([])
    // Errors name the field.
    expect(message(decode(RoarkWire.CallResponse, { data: { ...call, id: 1 } }))).toContain("[\"id\"]")
  })
})
