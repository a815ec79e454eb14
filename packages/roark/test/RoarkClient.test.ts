import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { RoarkClient, RoarkEmulator, RoarkWire } from "../src/index.js"

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
})
