import { createServer } from "node:http"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { afterAll, describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as CekuraClient from "../src/CekuraClient.js"
import * as Wire from "../src/CekuraWire.js"
import { deliberate, httpLayer, seen, setup } from "./support/setup.js"
import * as Contract from "./support/contract.js"

const terminal = new Set(["completed", "failed", "timeout", "cancelled"])
const lifecycle = ["pending", "in_queue", "running", "in_progress", "evaluating", "completed"]

/** Polls a result until it is terminal, returning every snapshot. */
const pollToEnd = (client: CekuraClient.Service, id: number) =>
  Effect.gen(function*() {
    const seen: Array<Wire.ResultDetail> = []
    for (;;) {
      const detail = yield* client.getResult(id)
      seen.push(detail)
      if (terminal.has(detail.status)) return seen
      yield* Effect.sleep("5 millis")
    }
  })

describe("CekuraEmulator", () => {
  afterAll(() => {
    expect(Contract.describe(Contract.check(seen).failures)).toBe("")
  })

  it.scopedLive("reproduces the seed's inbound and outbound scenario runs", () =>
    Effect.gen(function*() {
      const { client } = yield* setup()
      const inbound = yield* client.runScenarios(new Wire.RunScenariosRequest({ agent_id: 1, scenarios: [1] }))
      expect(inbound.status).toBe("pending")
      expect(inbound.run_as_text).toBe(false)
      expect(inbound.runs).toHaveLength(1)
      expect({ ...inbound.runs[0] }).toMatchObject({
        status: "pending",
        scenario: 1,
        number: null,
        inbound_number: "+11234567890",
        scenario_name: "Customer Support Call (Agent Inbound = True)",
        test_profile_data: null,
        outbound_dial_window_opens_at: null
      })
      const outbound = yield* client.runScenarios(new Wire.RunScenariosRequest({ agent_id: 2, scenarios: [2] }))
      const run = outbound.runs[0]!
      // ids count on from the first result's and run's (they start from the clock, see "a fresh emulator ...")
      expect([outbound.id, run.id]).toEqual([inbound.id + 1, inbound.runs[0]!.id + 1])
      expect({ ...run }).toMatchObject({
        status: "pending",
        scenario: 2,
        number: "+11234567890",
        inbound_number: null,
        scenario_name: "Outbound Sales Call (Agent Inbound = False)",
        test_profile_data: null,
        outbound_dial_window_seconds: 300
      })
      expect(Date.parse(run.outbound_dial_window_closes_at!) - Date.parse(run.outbound_dial_window_opens_at!)).toBe(300_000)
    }).pipe(Effect.provide(httpLayer)))

  it.scopedLive("creates scenarios x frequency x personalities x test profiles runs, selected by ids, tags or folder", () =>
    Effect.gen(function*() {
      const { client } = yield* setup()
      const profile = yield* client.createTestProfile(new Wire.CreateTestProfileRequest({ agent: 2142, name: "p", information: { testing_agent_variables: { name: "Sam" } } }))
      const a = yield* client.createScenario(new Wire.CreateScenarioRequest({ agent: 2142, name: "A", personality: 1, instructions: "Book.", tags: ["smoke"], folder_path: "Sales.Inbound" }))
      yield* client.createScenario(new Wire.CreateScenarioRequest({ agent: 2142, name: "B", personality: 2, instructions: "Cancel.", tags: ["smoke", "x"] }))
      const crossed = yield* client.runScenarios(new Wire.RunScenariosRequest({ agent_id: 2142, scenarios: [a.id], frequency: 2, personality_ids: [1, 2, 3], test_profile_ids: [profile.id] }))
      expect(crossed.runs).toHaveLength(1 * 2 * 3 * 1)
      expect(crossed.runs.every((r) => (r.test_profile_data as { id: number }).id === profile.id)).toBe(true)
      const byTag = yield* client.runScenarios(new Wire.RunScenariosRequest({ agent_id: 2142, tags: ["smoke"], frequency: 3 }))
      expect(byTag.runs).toHaveLength(2 * 3)
      const byFolder = yield* client.runScenariosText(new Wire.RunScenariosTextRequest({ agent_id: 2142, folder_path: "Sales", project_id: 1 }))
      expect(byFolder.runs.map((r) => r.scenario)).toEqual([a.id])
      expect(byFolder.run_as_text).toBe(true)
      const different = yield* client.runScenarios(new Wire.RunScenariosRequest({ agent_id: 2142, scenarios: [a.id], frequency: 2, mode: "different_numbers" }))
      expect(new Set(different.runs.map((r) => r.inbound_number)).size).toBe(2)
    }).pipe(Effect.provide(httpLayer)))

  it.live("a fresh emulator does not hand out the result and run ids of the one before it; recordings are on a .invalid host", () =>
    Effect.gen(function*() {
      const trigger = Effect.scoped(Effect.gen(function*() {
        const { client } = yield* setup({ seed: 3, failureRate: 0 })
        const result = yield* client.runScenarios(new Wire.RunScenariosRequest({ agent_id: 1, scenarios: [1], frequency: 2 }))
        const end = (yield* pollToEnd(client, result.id)).at(-1)!
        const runs = yield* client.bulkRuns(end.runs.map((r) => r.id))
        return { result: result.id, runs: runs.map((r) => r.id), outcomes: runs.map((r) => `${r.status}/${r.success}`), recordings: runs.map((r) => r.voice_recording_url) }
      }))
      const first = yield* trigger
      const second = yield* trigger
      expect(second.result).toBeGreaterThan(first.result)
      expect(Math.min(...second.runs)).toBeGreaterThan(Math.max(...first.runs))
      // outcomes follow stable inputs, not ids
      expect(second.outcomes).toEqual(first.outcomes)
      for (const url of [...first.recordings, ...second.recordings]) expect(new URL(url!).hostname).toMatch(/\.invalid$/)
    }).pipe(Effect.provide(httpLayer)))

  it.scopedLive("runs progress through the documented lifecycle within concurrency_limit", () =>
    Effect.gen(function*() {
      const { client } = yield* setup({ speed: 100 })
      const trigger = yield* client.runScenarios(new Wire.RunScenariosRequest({ agent_id: 1, scenarios: [1], frequency: 4, concurrency_limit: 2, name: "lifecycle" }))
      const snapshots = yield* pollToEnd(client, trigger.id)
      const statuses = snapshots.map((s) => s.status)
      const ranks = statuses.map((s) => lifecycle.indexOf(s))
      expect(ranks.every((r) => r >= 0)).toBe(true)
      expect([...ranks].sort((x, y) => x - y)).toEqual(ranks)
      expect(statuses[statuses.length - 1]).toBe("completed")
      for (const s of snapshots) {
        expect(s.runs.filter((r) => r.status === "in_progress" || r.status === "evaluating").length).toBeLessThanOrEqual(2)
      }
      const last = snapshots[snapshots.length - 1]!
      expect(last.runs).toHaveLength(4)
      expect(Number(last.total_runs_count)).toBe(4)
      const successes = last.runs.filter((r) => r.success).length
      expect(Number(last.success_runs_count)).toBe(successes)
      expect(last.success_rate).toBe(successes * 25)
    }).pipe(Effect.provide(httpLayer)))

  it.scopedLive("end_calls cancels the result and its unfinished runs", () =>
    Effect.gen(function*() {
      const { client } = yield* setup({ speed: 1 })
      const trigger = yield* client.runScenarios(new Wire.RunScenariosRequest({ agent_id: 1, scenarios: [1], frequency: 3 }))
      yield* client.endCalls(trigger.id)
      const detail = yield* client.getResult(trigger.id)
      expect(detail.status).toBe("cancelled")
      expect(detail.runs.map((r) => r.status)).toEqual(["cancelled", "cancelled", "cancelled"])
      const missing = yield* Effect.flip(client.endCalls(999_999))
      expect(missing.reason).toBe("NotFound")
    }).pipe(Effect.provide(httpLayer)))

  it.scopedLive("same seed, same outcomes; another seed, other outcomes", () =>
    Effect.gen(function*() {
      const outcomes = (seed: number) =>
        Effect.gen(function*() {
          const { client } = yield* setup({ seed, speed: 1000 })
          const s = yield* client.createScenario(new Wire.CreateScenarioRequest({
            agent: 2142, name: "Seeded", personality: 1, instructions: "Book.", expected_outcome_prompt: "Books a slot\nStays polite\nConfirms the date"
          }))
          const trigger = yield* client.runScenarios(new Wire.RunScenariosRequest({ agent_id: 2142, scenarios: [s.id], frequency: 12 }))
          const runs = (yield* pollToEnd(client, trigger.id)).at(-1)!.runs
          return runs.map((r) => `${r.status}/${r.success}/${typeof r.expected_outcome === "object" ? r.expected_outcome?.score : "-"}`)
        })
      const a = yield* outcomes(7)
      expect(yield* outcomes(7)).toEqual(a)
      expect(yield* outcomes(8)).not.toEqual(a)
    }).pipe(Effect.provide(httpLayer)))

  it.scopedLive("serves scenario CRUD with DRF status codes", () =>
    Effect.gen(function*() {
      const { client } = yield* setup()
      const created = yield* client.createScenario(new Wire.CreateScenarioRequest({ agent: 2142, name: "CRUD", personality: 3, instructions: "Ask." }))
      expect(created.personality).toBe(3)
      const updated = yield* client.updateScenario(created.id, new Wire.UpdateScenarioRequest({ instructions: "Ask twice.", tags: ["t"] }))
      expect(updated.instructions).toBe("Ask twice.")
      expect(Wire.tagsOf(updated)).toEqual(["t"])
      expect((yield* client.getScenario(created.id)).instructions).toBe("Ask twice.")
      yield* client.deleteScenario(created.id)
      expect((yield* Effect.flip(client.getScenario(created.id))).reason).toBe("NotFound")
      const catalogue = yield* client.listPersonalities({ language: "es" })
      expect(catalogue.map((p) => p.language)).toEqual(["es"])
      const agents = yield* client.listAgents()
      expect(agents.results.map((a) => a.id)).toEqual([1, 2, 2142])
      expect((yield* client.getAgent(2)).inbound).toBe(false)
    }).pipe(Effect.provide(httpLayer)))

  it.scopedLive("paginates with absolute next links that the client follows", () =>
    Effect.gen(function*() {
      const { client, handle } = yield* setup()
      const trigger = yield* client.runScenarios(new Wire.RunScenariosRequest({ agent_id: 1, scenarios: [1, 2], frequency: 3 }))
      const first = yield* client.listRuns({ resultId: trigger.id, pageSize: 4 })
      expect(first.count).toBe(6)
      expect(first.results).toHaveLength(4)
      const next = new URL(first.next!)
      expect(`${next.origin}${next.pathname}`).toBe(`${handle.url}/test_framework/v1/runs/`)
      expect(Object.fromEntries(next.searchParams)).toEqual({ result_id: String(trigger.id), page_size: "4", page: "2" })
      const all = yield* Stream.runCollect(client.all("listRuns", client.listRuns({ resultId: trigger.id, pageSize: 4 }), Wire.RunListItem))
      expect(Chunk.toReadonlyArray(all).map((r) => r.id)).toEqual(trigger.runs.map((r) => r.id))
      const bulk = yield* client.bulkRuns(trigger.runs.slice(0, 2).map((r) => r.id))
      expect(bulk.map((r) => r.id)).toEqual(trigger.runs.slice(0, 2).map((r) => r.id))
    }).pipe(Effect.provide(httpLayer)))

  it.scopedLive("answers DRF error bodies that the client maps to reasons", () =>
    Effect.gen(function*() {
      const { client, handle } = yield* setup()
      const badPersonality = yield* Effect.flip(client.runScenarios(new Wire.RunScenariosRequest({ agent_id: 1, scenarios: [1], personality_ids: [999] })))
      expect(badPersonality.reason).toBe("InvalidRequest")
      expect(badPersonality.description).toBe("Invalid personalities provided.")
      const badScenario = yield* Effect.flip(client.runScenarios(new Wire.RunScenariosRequest({ agent_id: 1, scenarios: [424242] })))
      expect(badScenario.description).toContain("scenarios: Invalid pk")
      const notFound = yield* Effect.flip(client.getResult(123456))
      expect(notFound.reason).toBe("NotFound")
      expect(notFound.description).toBe("Not found.")

      const wrongKey = yield* CekuraClient.make({ baseUrl: handle.url, apiKey: Redacted.make("nope") })
      const forbidden = yield* Effect.flip(wrongKey.getResult(1))
      expect(forbidden.reason).toBe("Unauthorized")
      expect(forbidden.http?.status).toBe(403)
      expect(JSON.stringify(forbidden.http)).not.toContain("nope")

      const http = yield* HttpClient.HttpClient
      const anonymous = yield* http.execute(HttpClientRequest.get(`${handle.url}/test_framework/v1/results/`))
      expect(anonymous.status).toBe(401)
      expect(yield* anonymous.json).toEqual({ detail: "Authentication credentials were not provided." })
      const noSlash = yield* http.execute(HttpClientRequest.get(`${handle.url}/test_framework/v1/results`).pipe(HttpClientRequest.setHeader("X-CEKURA-API-KEY", "ck_test_key")))
      expect(noSlash.status).toBe(404)

      // Field errors, one message per field (no "Expected undefined" from optional fields).
      const invalid = yield* http.execute(
        HttpClientRequest.post(`${handle.url}/test_framework/v1/scenarios/run_scenarios/`).pipe(
          HttpClientRequest.setHeader("X-CEKURA-API-KEY", "ck_test_key"),
          HttpClientRequest.bodyUnsafeJson({ agent_id: 1, scenarios: [1], frequency: "x" }),
          deliberate
        )
      )
      expect(invalid.status).toBe(400)
      const fields = (yield* invalid.json) as Record<string, Array<string>>
      expect(fields["frequency"]).toHaveLength(1)
      expect(JSON.stringify(fields)).not.toMatch(/Expected (null|undefined)/)
    }).pipe(Effect.provide(httpLayer)))

  it.scopedLive("posts result.completed to the webhook with the secret", () =>
    Effect.gen(function*() {
      const received: Array<{ secret: string | undefined; body: unknown }> = []
      const server = createServer((req, res) => {
        let data = ""
        req.on("data", (c) => (data += c))
        req.on("end", () => {
          received.push({ secret: req.headers["x-cekura-secret"] as string | undefined, body: JSON.parse(data) })
          res.end()
        })
      })
      yield* Effect.acquireRelease(
        Effect.async<void>((resume) => {
          server.listen(0, "127.0.0.1", () => resume(Effect.void))
        }),
        () => Effect.sync(() => server.close())
      )
      const port = (server.address() as { port: number }).port
      const { client } = yield* setup({ webhookUrl: `http://127.0.0.1:${port}/hook`, webhookSecret: "s3cret", failureRate: 0 })
      const trigger = yield* client.runScenarios(new Wire.RunScenariosRequest({ agent_id: 1, scenarios: [1], frequency: 2 }))
      yield* pollToEnd(client, trigger.id)
      while (received.length === 0) yield* Effect.sleep("5 millis")
      expect(received[0]!.secret).toBe("s3cret")
      const event = Schema.decodeUnknownSync(Wire.WebhookEvent)(received[0]!.body)
      expect(event.event_type).toBe("result.completed")
      expect(event.data.id).toBe(trigger.id)
      expect(event.data.status).toBe("completed")
      expect(event.data.runs.map((r) => r.id).sort()).toEqual(trigger.runs.map((r) => r.id).sort())
      expect(event.data.runs.every((r) => typeof r.scenario === "object")).toBe(true)
    }).pipe(Effect.provide(httpLayer)))

  it("every response seen validated against the OpenAPI file", () => {
    expect(Contract.describe(Contract.check(seen).failures)).toBe("")
    expect(Contract.check(seen).operations.size).toBeGreaterThanOrEqual(15)
  })
})
