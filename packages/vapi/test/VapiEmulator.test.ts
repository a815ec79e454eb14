import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { VapiClient } from "@simbridge/vapi"
import * as VapiEmulator from "@simbridge/emulators/VapiEmulator"
import type { VapiWire } from "@simbridge/vapi"
import { assistantId } from "./fixtures.js"

const setup = (options: VapiEmulator.Options = {}) =>
  Effect.gen(function*() {
    const handle = yield* VapiEmulator.start({ speed: 200, ...options })
    const client = yield* VapiClient.make({ baseUrl: handle.url, apiKey: Redacted.make(options.apiKey ?? "sk-test") })
    return { handle, client }
  })

const evaluation = (name: string, type: "boolean" | "number", comparator: VapiWire.Comparator, value: boolean | number, required = true) => ({
  structuredOutput: { name, schema: { type }, description: name },
  comparator,
  value,
  required
})

/** Creates a personality, a scenario with two evaluations, a simulation and a suite. */
const seed = (client: VapiClient.Service, hooks?: ReadonlyArray<VapiWire.Hook>) =>
  Effect.gen(function*() {
    const personality = yield* client.personalities.create({ name: "Pat", assistant: { model: { provider: "openai", model: "gpt-4o", messages: [{ role: "system", content: "You are Pat." }] } } })
    const scenario = yield* client.scenarios.create({
      name: "Book",
      instructions: "Book a table for two.",
      evaluations: [evaluation("booked", "boolean", "=", true), evaluation("polite", "number", ">=", 4, false)],
      ...(hooks ? { hooks } : {})
    })
    const simulation = yield* client.simulations.create({ name: "Book x Pat", scenarioId: scenario.id, personalityId: personality.id })
    const suite = yield* client.suites.create({ name: "Suite", simulationIds: [simulation.id] })
    return { personality, scenario, simulation, suite }
  })

const waitEnded = (client: VapiClient.Service, id: string) =>
  client.runs.get(id).pipe(Effect.delay("5 millis"), Effect.repeat({ until: (r) => r.status === "ended" })).pipe(
    Effect.timeout("10 seconds")
  )

const raw = (url: string, init: RequestInit = {}) =>
  Effect.promise(async () => {
    const response = await fetch(url, { ...init, headers: { authorization: "Bearer sk-test", "content-type": "application/json", ...init.headers } })
    const text = await response.text()
    return { status: response.status, body: text === "" ? undefined : JSON.parse(text) }
  })

describe("VapiEmulator", () => {
  it.scopedLive("CRUD answers 201 on create, 200 otherwise, and DELETE returns the object", () =>
    Effect.gen(function*() {
      const { client, handle } = yield* setup()
      const { personality, scenario } = yield* seed(client)
      expect(personality.id).toMatch(/^[0-9a-f-]{36}$/)
      expect(Date.parse(personality.createdAt!)).not.toBeNaN()
      const listed = yield* client.personalities.list()
      expect(listed.items.map((p) => p.id)).toContain(personality.id)
      // The seven Vapi defaults are listed too, with orgId null.
      expect(listed.items.filter((p) => p.orgId === null)).toHaveLength(7)
      const renamed = yield* client.scenarios.update(scenario.id, { name: "Book v2" })
      expect(renamed.name).toBe("Book v2")
      expect(renamed.instructions).toBe("Book a table for two.")
      expect((yield* client.scenarios.list({ name: "v2" })).items.map((s) => s.id)).toEqual([scenario.id])

      const created = yield* raw(`${handle.url}/eval/simulation/personality`, { method: "POST", body: JSON.stringify({ name: "Tmp", assistant: {} }) })
      expect(created.status).toBe(201)
      const deleted = yield* raw(`${handle.url}/eval/simulation/personality/${created.body.id}`, { method: "DELETE" })
      expect(deleted).toEqual({ status: 200, body: created.body })
      expect((yield* raw(`${handle.url}/eval/simulation/personality/${created.body.id}`)).status).toBe(404)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("errors: 400 names the field, 404 for unknown ids, 409 for a referenced scenario, 404 for a default personality", () =>
    Effect.gen(function*() {
      const { client, handle } = yield* setup()
      const bad = yield* raw(`${handle.url}/eval/simulation/scenario`, { method: "POST", body: JSON.stringify({ name: "x", instructions: "y", evaluations: [{ structuredOutput: { name: "a", schema: { type: "boolean" } }, comparator: ">", value: true }] }) })
      expect(bad.status).toBe(400)
      expect(bad.body.error).toBe("Bad Request")
      expect(bad.body.statusCode).toBe(400)
      expect(bad.body.message.join(" ")).toContain("evaluations.0.comparator")

      const missing = yield* client.runs.get("00000000-0000-4000-8000-000000000000").pipe(Effect.flip)
      expect(missing.reason).toBe("NotFound")
      expect(missing.http?.status).toBe(404)
      expect(missing.description).toContain("not found")

      const { scenario } = yield* seed(client)
      const conflict = yield* client.scenarios.remove(scenario.id).pipe(Effect.flip)
      expect(conflict.reason).toBe("Conflict")

      const stock = yield* client.personalities.remove(VapiEmulator.defaultPersonalities[0]!.id).pipe(Effect.flip)
      expect(stock.reason).toBe("NotFound")
      expect(stock.description).toContain("is a Vapi default")

      const notUuid = yield* raw(`${handle.url}/eval/simulation/run/not-a-uuid`)
      expect(notUuid.status).toBe(400)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("auth: any bearer token, unless an API key is set; then 401 in Vapi's shape", () =>
    Effect.gen(function*() {
      const open = yield* setup()
      expect((yield* open.client.personalities.list()).items.length).toBeGreaterThan(0)
      const noToken = yield* Effect.promise(() => fetch(`${open.handle.url}/eval/simulation`).then((r) => r.status))
      expect(noToken).toBe(401)

      const locked = yield* VapiEmulator.start({ apiKey: "sk-right" })
      const wrong = yield* VapiClient.make({ baseUrl: locked.url, apiKey: Redacted.make("sk-wrong") })
      const error = yield* wrong.personalities.list().pipe(Effect.flip)
      expect(error.reason).toBe("Unauthorized")
      expect(JSON.parse(error.http!.body!)).toMatchObject({ statusCode: 401, error: "Unauthorized" })
      expect(JSON.stringify(error.http)).not.toContain("sk-wrong")
      const right = yield* VapiClient.make({ baseUrl: locked.url, apiKey: Redacted.make("sk-right") })
      expect((yield* right.personalities.list()).items.length).toBe(7)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("a 402 keeps Vapi's reason", () =>
    Effect.gen(function*() {
      const { client, handle } = yield* setup({ billingFailure: "insufficient_credits" })
      const { suite } = yield* seed(client)
      const body = { simulations: [{ type: "simulationSuite" as const, simulationSuiteId: suite.id }], target: { type: "assistant" as const, assistantId } }
      const error = yield* client.runs.create(body).pipe(Effect.flip)
      expect(error.reason).toBe("QuotaExhausted")
      expect(error.isRetryable).toBe(false)
      expect(error.description).toContain("reason: insufficient_credits")
      expect(JSON.parse(error.http!.body!)).toEqual({ statusCode: 402, message: "Payment required to run simulations", reason: "insufficient_credits" })
      handle.setBillingFailure(undefined)
      expect((yield* client.runs.create(body)).status).toBe("queued")
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("a run expands suites into items per simulation x iteration and ends with consistent counts", () =>
    Effect.gen(function*() {
      const { client } = yield* setup()
      const { suite, simulation, scenario, personality } = yield* seed(client)
      const created = yield* client.runs.create({
        simulations: [{ type: "simulationSuite", simulationSuiteId: suite.id }, { type: "simulation", simulationId: simulation.id }],
        target: { type: "assistant", assistantId },
        iterations: 3,
        transport: { provider: "vapi.websocket" }
      })
      expect(created.status).toBe("queued")
      expect(created.simulationRunItemIds).toHaveLength(6)
      expect(created.url).toBe(`https://dashboard.vapi.invalid/simulations/runs/${created.id}`)
      expect(created.itemCounts).toMatchObject({ total: 6, queued: 6, running: 0 })

      const ended = yield* waitEnded(client, created.id)
      expect(ended.itemCounts!.passed! + ended.itemCounts!.failed!).toBe(6)
      expect(ended.endedReason).toBe("completed")
      expect(Date.parse(ended.endedAt!)).toBeGreaterThanOrEqual(Date.parse(ended.startedAt!))

      const items = (yield* client.runs.items(created.id)).items
      expect(items.map((i) => i.iterationNumber).sort()).toEqual([1, 1, 2, 2, 3, 3])
      for (const item of items) {
        expect(["passed", "failed"]).toContain(item.status)
        expect(item.scenarioId).toBe(scenario.id)
        expect(item.personalityId).toBe(personality.id)
        expect(item.callId).toMatch(/^[0-9a-f-]{36}$/)
        expect(item.sessionId).toBeUndefined()
        expect(item.metadata?.call?.recordingUrl).toBe(`https://recordings.vapi.invalid/${item.callId}-mono.wav`)
        const [booked, polite] = item.results!.evaluations!!
        expect(booked!.passed).toBe(booked!.extractedValue === true)
        expect(polite!.expectedValue).toBe(4)
        expect(polite!.passed).toBe(Number(polite!.extractedValue) >= 4)
        // Only the required evaluation decides.
        expect(item.results!.passed).toBe(booked!.passed)
        expect(item.status).toBe(item.results!.passed ? "passed" : "failed")
      }
      expect(ended.itemCounts!.passed).toBe(items.filter((i) => i.status === "passed").length)

      const page = yield* client.runs.items(created.id, { page: 2, limit: 4 })
      expect(page.items.map((i) => i.id)).toEqual(items.slice(4).map((i) => i.id))
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("outcomes are deterministic for a seed; ids are new in every emulator, restarts included", () =>
    Effect.gen(function*() {
      const outcomes = (seedValue: number) =>
        Effect.gen(function*() {
          const { client } = yield* setup({ seed: seedValue })
          const { suite } = yield* seed(client)
          const run = yield* client.runs.create({ simulations: [{ type: "simulationSuite", simulationSuiteId: suite.id }], target: { type: "assistant", assistantId }, iterations: 10 })
          yield* waitEnded(client, run.id)
          const items = (yield* client.runs.items(run.id)).items
          return {
            values: [...items].sort((a, b) => a.iterationNumber! - b.iterationNumber!).map((i) => i.results!.evaluations!.map((e) => e.extractedValue)),
            // The run ledger keys runs by ref: a restarted emulator must not hand out an id again.
            ids: [run.id, suite.id, ...items.flatMap((i) => [i.id, i.callId!])]
          }
        })
      const a = yield* outcomes(7)
      const b = yield* outcomes(7)
      const c = yield* outcomes(8)
      expect(a.values).toEqual(b.values)
      expect(a.values).not.toEqual(c.values)
      expect(a.ids.filter((id) => b.ids.includes(id) || c.ids.includes(id))).toEqual([])
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("webchat items get a sessionId and skip audio-only evaluations", () =>
    Effect.gen(function*() {
      const { client } = yield* setup()
      const personality = yield* client.personalities.create({ name: "Pat", assistant: {} })
      const scenario = yield* client.scenarios.create({
        name: "Chat",
        instructions: "Ask for opening hours.",
        evaluations: [evaluation("answered", "boolean", "=", true), { ...evaluation("tone", "boolean", "=", true), structuredOutput: { name: "tone", schema: { type: "boolean" }, description: "The agent's tone of voice was warm" } }]
      })
      const run = yield* client.runs.create({
        simulations: [{ type: "simulation", scenarioId: scenario.id, personalityId: personality.id }],
        target: { type: "assistant", assistantId },
        transport: { provider: "vapi.webchat" }
      })
      yield* waitEnded(client, run.id)
      const [item] = (yield* client.runs.items(run.id)).items
      expect(item!.sessionId).toMatch(/^[0-9a-f-]{36}$/)
      expect(item!.callId).toBeUndefined()
      expect(item!.metadata?.call?.recordingUrl).toBeUndefined()
      const tone = item!.results!.evaluations!.find((e) => e.name === "tone")!
      expect(tone).toMatchObject({ isSkipped: true, passed: false, extractedValue: null })
      expect(item!.results!.passed).toBe(item!.results!.evaluations!.find((e) => e.name === "answered")!.passed)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("cancel: a run cancels its unfinished items and ends; one item can be canceled alone", () =>
    Effect.gen(function*() {
      const { client } = yield* setup({ speed: 1 })
      const { suite } = yield* seed(client)
      const body = { simulations: [{ type: "simulationSuite" as const, simulationSuiteId: suite.id }], target: { type: "assistant" as const, assistantId }, iterations: 4 }
      const run = yield* client.runs.create(body)
      const canceled = yield* client.runs.cancel(run.id)
      expect(canceled.status).toBe("ended")
      expect(canceled.endedReason).toBe("canceled")
      expect(canceled.itemCounts).toMatchObject({ total: 4, canceled: 4 })
      const items = (yield* client.runs.items(run.id)).items
      expect(items.every((i) => i.status === "canceled" && i.canceledAt !== undefined)).toBe(true)

      const other = yield* client.runs.create(body)
      const one = yield* client.runs.cancelItem(other.id, other.simulationRunItemIds![0]!)
      expect(one.status).toBe("canceled")
      const after = yield* client.runs.get(other.id)
      expect(after.status).not.toBe("ended")
      expect(after.itemCounts).toMatchObject({ canceled: 1, queued: 3 })
      const wrongRun = yield* client.runs.cancelItem(run.id, other.simulationRunItemIds![1]!).pipe(Effect.flip)
      expect(wrongRun.reason).toBe("NotFound")
      yield* client.runs.cancel(other.id)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("hooks are POSTed to their server url when an item starts and ends", () =>
    Effect.gen(function*() {
      const received: Array<Record<string, unknown>> = []
      const server = yield* Effect.acquireRelease(
        Effect.async<ReturnType<typeof createServer>>((resume) => {
          const s = createServer((req, res) => {
            let data = ""
            req.on("data", (c) => (data += c))
            req.on("end", () => {
              received.push(JSON.parse(data))
              res.end()
            })
          })
          s.listen(0, "127.0.0.1", () => resume(Effect.succeed(s)))
        }),
        (s) => Effect.sync(() => s.close())
      )
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`
      const { client } = yield* setup()
      const { suite } = yield* seed(client, [
        { on: "simulation.run.started", do: [{ type: "webhook", server: { url } }] },
        { on: "simulation.run.ended", do: [{ type: "webhook", server: { url }, include: { transcript: true } }] }
      ])
      const run = yield* client.runs.create({ simulations: [{ type: "simulationSuite", simulationSuiteId: suite.id }], target: { type: "assistant", assistantId } })
      yield* waitEnded(client, run.id)
      yield* Effect.sync(() => received.length).pipe(Effect.delay("5 millis"), Effect.repeat({ until: (n) => n >= 2 })).pipe(Effect.timeout("5 seconds"))
      const started = received.find((r) => r.type === "simulation.run.started")!
      const ended = received.find((r) => r.type === "simulation.run.ended")!
      expect(started).toMatchObject({ runId: run.id, simulationRunItemId: run.simulationRunItemIds![0], iterationNumber: 1, isSimulation: true })
      expect((started.calls as Record<string, unknown>).targetCallId).toMatch(/^[0-9a-f-]{36}$/)
      expect(ended).toMatchObject({ runId: run.id, canceled: false })
      expect(String(ended.transcript)).toContain("book a table for two")
      expect(ended.messages).toBeUndefined()
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("an injected unknown status is rendered on the matching request only", () =>
    Effect.gen(function*() {
      const { client, handle } = yield* setup()
      const { suite } = yield* seed(client)
      const run = yield* client.runs.create({ simulations: [{ type: "simulationSuite", simulationSuiteId: suite.id }], target: { type: "assistant", assistantId } })
      handle.faults.injectNext({ _tag: "UnknownEnum" }, 1, { method: "GET", path: `/eval/simulation/run/${run.id}` })
      expect((yield* client.runs.get(run.id)).status).toBe("paused")
      expect(["queued", "running", "ended"]).toContain((yield* client.runs.get(run.id)).status)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))
})
