/**
 * Vapi's OpenAPI file is the judge (`support/contract.ts`), not the emulator: the operations the
 * client declares are the file's; every request body the adapter sends during a whole flow fits
 * the file's request schema; every answer of the emulator, on every operation of the file, success
 * and refusal, fits its response schema or a refusal Vapi documents. A mutation shows the checks
 * bite.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { describe, expect, it } from "@effect/vitest"
import { Exchanges, OpenApi } from "@simbridge/contract"
import { Plan, Retry, SimulationProvider } from "@simbridge/core"
import type { Emulator } from "@simbridge/emulator"
import * as VapiEmulator from "@simbridge/emulators/VapiEmulator"
import * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { VapiClient, VapiProvider } from "@simbridge/vapi"
import { assistantId } from "./fixtures.js"
import * as Contract from "./support/contract.js"

/** The declared operations the file does not have (or has under another operationId). */
const undocumented = (declared: Record<string, VapiClient.Operation>) => {
  const spec = new Map(OpenApi.operations(Contract.responses).map((o) => [`${o.method} ${o.path}`, o.operationId]))
  return Object.entries(declared)
    .filter(([, o]) => spec.get(`${o.method} ${o.path}`) !== o.operationId)
    .map(([name, o]) => `${name}: ${o.method} ${o.path} (${o.operationId})`)
}

describe("the operations the client declares", () => {
  it("are operations of Vapi's OpenAPI file, under its operationIds", () => {
    expect(undocumented(VapiClient.operations)).toEqual([])
  })

  it("an endpoint the file does not document fails the diff", () => {
    // In Vapi's SDK 2.0.1, not in its spec.
    const duplicate: VapiClient.Operation = { method: "POST", path: "/eval/simulation/suite/{id}/duplicate", operationId: "SimulationSuiteController_duplicate" }
    expect(undocumented({ ...VapiClient.operations, duplicateSuite: duplicate })).toEqual([
      "duplicateSuite: POST /eval/simulation/suite/{id}/duplicate (SimulationSuiteController_duplicate)"
    ])
  })
})

// ---------------------------------------------------------------------------------------------
// The adapter's whole flow
// ---------------------------------------------------------------------------------------------

const definition = {
  name: "Contract flow",
  target: { vapi: { assistantId } },
  iterations: 2,
  maxDurationSeconds: 240,
  personas: [
    { id: "pat", name: "Pat", language: "en", emotion: "frustrated", backstory: "Calls on a lunch break" },
    { id: "lucia", name: "Lucía", language: "es", speechPace: "fast" }
  ],
  scenarios: [{
    id: "book",
    name: "Book a table",
    instructions: "Book a table for two tonight.",
    steps: ["Ask for a table", "Give a name"],
    variables: { guests: 2 },
    toolMocks: [{ tool: "lookupTable", response: { free: true } }, { tool: "notify", response: "sent" }],
    evaluators: ["booked", "polite", "named", "mentions"]
  }],
  evaluators: [
    { id: "booked", description: "The agent booked a table" },
    { id: "polite", description: "Politeness 1-5", type: "number", comparator: ">=", expect: 3, required: false },
    { id: "named", description: "The name the booking is under", type: "string", expect: "Pat" },
    { id: "mentions", description: "The confirmation", type: "string", comparator: "contains", expect: "tonight", required: false }
  ],
  vendors: {
    vapi: {
      folder: "simbridge/contract",
      testerVoice: { provider: "vapi", voiceId: "Elliot" },
      webhookUrl: "https://hooks.simbridge.invalid/vapi",
      slackWebhookUrl: "https://hooks.simbridge.invalid/slack"
    }
  }
}
const plan = Schema.decodeUnknownSync(Plan.Plan)(definition)
/** The plan changed: a scenario's text, a persona's backstory and one more persona (updates of all three kinds). */
const changed = Schema.decodeUnknownSync(Plan.Plan)({
  ...definition,
  personas: [{ ...definition.personas[0], backstory: "Calls from the car" }, definition.personas[1], { id: "sam", name: "Sam" }],
  scenarios: [{ ...definition.scenarios[0], instructions: "Book a table for two tomorrow." }]
})

const fastRetry = new Retry.RetryPolicy({ ...Retry.defaultPolicy, initialDelay: Duration.millis(10), maxDelay: Duration.millis(50), maxAttempts: 4 })

const recording = (options: VapiEmulator.Options = {}) =>
  Effect.gen(function*() {
    const handle = yield* VapiEmulator.start({ speed: 100, seed: 5, recordExchanges: true, ...options })
    const context = yield* Layer.build(
      VapiProvider.layer({ baseUrl: handle.url, apiKey: Redacted.make("sk-test"), retry: fastRetry, watch: { interval: "10 millis", maxInterval: "40 millis" }, pageSize: 3 })
    )
    return {
      handle,
      provider: yield* Effect.provide(SimulationProvider.SimulationProvider, context),
      client: yield* Effect.provide(VapiClient.VapiClient, context)
    }
  })

/** The declared operation an exchange is, if any. */
const declaredOf = (e: Emulator.Exchange) => {
  const path = e.path.split("?")[0]!
  return Object.entries(VapiClient.operations).find(([, o]) =>
    o.method === e.method && new RegExp(`^${o.path.replace(/\{\w+\}/g, "[^/]+")}$`).test(path) &&
    // A static segment wins over a parameter (`/eval/simulation/concurrency` is not `/eval/simulation/{id}`).
    !(o.path === "/eval/simulation/{id}" && /^\/eval\/simulation\/(personality|scenario|suite|run|concurrency)$/.test(path))
  )?.[0]
}

describe("the adapter's requests and the emulator's answers", () => {
  it.scopedLive("a whole flow: provision, provision changes, run, follow, results, cancel, find; every other declared call", () =>
    Effect.gen(function*() {
      // At speed 10 a run takes about half a second: the cancel below comes before it ends.
      const { client, handle, provider } = yield* recording({ speed: 10 })
      yield* provider.provision(plan)
      const provisioning = yield* provider.provision(changed)
      const run = yield* provider.startRun(changed, { provisioning })
      const snapshots = Chunk.toReadonlyArray(yield* Stream.runCollect(provider.watch(run.ref)))
      expect(snapshots[snapshots.length - 1]!.status.raw).toBe("ended")
      const results = Chunk.toReadonlyArray(yield* Stream.runCollect(provider.results(run.ref)))
      expect(results).toHaveLength(6)
      expect(results.every((r) => r.recordingUrl === undefined || new URL(r.recordingUrl).hostname.endsWith(".invalid"))).toBe(true)

      const other = yield* provider.startRun(changed, { provisioning })
      yield* provider.cancel(other.ref)
      // Ended now: Vapi answers 400 "Run has already ended", which is what was asked.
      yield* provider.cancel(other.ref)
      expect((yield* provider.getRun(other.ref)).status.unified).toBe("canceled")
      // Found by its marker; a marker no run carries finds none (both runs carry theirs).
      expect(Option.map(yield* provider.findRun(changed, other.marker!), (r) => r.ref.id)).toEqual(Option.some(other.ref.id))
      expect(Option.isNone(yield* provider.findRun(changed, "sb-lost-00000000"))).toBe(true)

      // The declared calls the driver does not make in this flow.
      const items = (yield* client.runs.items(run.ref.id)).items
      yield* client.runs.item(run.ref.id, items[0]!.id)
      yield* client.runs.cancelItem(run.ref.id, items[0]!.id)
      yield* client.simulations.concurrency
      const scenario = (yield* client.scenarios.listAll())[0]!
      const personality = (yield* client.personalities.listAll()).find((p) => p.orgId !== null)!
      yield* client.scenarios.get(scenario.id)
      yield* client.personalities.get(personality.id)
      const suite = (yield* client.suites.listAll())[0]!
      yield* client.suites.get(suite.id)
      for (const simulationId of suite.simulationIds) {
        yield* client.simulations.get(simulationId)
        yield* client.simulations.update(simulationId, { name: "renamed" })
        yield* client.simulations.remove(simulationId)
      }
      yield* client.suites.remove(suite.id)
      yield* client.scenarios.remove(scenario.id)
      yield* client.personalities.remove(personality.id)

      const exchanges = handle.requests.exchanges
      const report = Contract.check(exchanges)
      expect(report.problems.join("\n")).toBe("")
      // The adapter called nothing it does not declare, and every declared operation was called.
      expect(exchanges.filter((e) => declaredOf(e) === undefined).map((e) => `${e.method} ${e.path}`)).toEqual([])
      expect(Object.keys(VapiClient.operations).filter((name) => !exchanges.some((e) => declaredOf(e) === name))).toEqual([])
      // Request bodies of every kind were checked.
      expect([...report.sent].sort()).toEqual([
        "PATCH /eval/simulation/personality/{id}",
        "PATCH /eval/simulation/scenario/{id}",
        "PATCH /eval/simulation/suite/{id}",
        "PATCH /eval/simulation/{id}",
        "POST /eval/simulation",
        "POST /eval/simulation/personality",
        "POST /eval/simulation/run",
        "POST /eval/simulation/scenario",
        "POST /eval/simulation/suite"
      ])
      // Every URL the emulator minted has a `.invalid` host (those the plan gave are `.invalid` too).
      const hosts = new Set(exchanges.flatMap((e) => Contract.urlsIn(e.responseBody)).map((u) => u.hostname))
      expect([...hosts].filter((h) => !h.endsWith(".invalid"))).toEqual([])
      expect([...hosts]).toEqual(expect.arrayContaining(["recordings.vapi.invalid", "listen.vapi.invalid", "dashboard.vapi.invalid"]))
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("the checks bite: a recorded body without a required field, with a read-only or an undeclared field, an answer without its id", () =>
    Effect.gen(function*() {
      const { handle, provider } = yield* recording()
      const provisioning = yield* provider.provision(plan)
      yield* provider.startRun(plan, { provisioning })
      const exchanges = handle.requests.exchanges
      expect(Contract.check(exchanges).problems).toEqual([])
      const first = (method: string, path: string) => exchanges.find((e) => e.method === method && e.path === path && e.status < 300)!
      const scenario = first("POST", "/eval/simulation/scenario")
      const start = first("POST", "/eval/simulation/run")
      const edit = (e: Emulator.Exchange, side: "requestBody" | "responseBody", f: (body: any) => void): Emulator.Exchange => {
        const body = JSON.parse(e[side]!)
        f(body)
        return { ...e, [side]: JSON.stringify(body) }
      }
      const problems = (e: Emulator.Exchange) => Contract.check([e]).problems.join("\n")

      expect(problems(edit(scenario, "requestBody", (b) => delete b.instructions))).toContain(`does not have required property "instructions"`)
      // A suite entry's `name` is read-only.
      const suiteEntry = (b: any) => (b.simulations = [{ type: "simulationSuite", simulationSuiteId: b.simulations[0].simulationId, name: "sb-marker plan" }])
      expect(problems(edit(start, "requestBody", suiteEntry))).toContain("/simulations/0")
      expect(problems(edit(start, "requestBody", (b) => (b.simulations = [{ type: "simulationSuite", simulationSuiteId: b.simulations[0].simulationId }])))).toBe("")
      expect(problems(edit(scenario, "requestBody", (b) => (b.evaluations[0].structuredOutput.rubric = "x")))).toContain("/evaluations/0/structuredOutput")
      expect(problems(edit(start, "responseBody", (b) => delete b.id))).toContain(`does not have required property "id"`)
      // The same checks through `@simbridge/contract` alone, on the file as written.
      const report = Exchanges.check(Contract.requests, [edit(scenario, "requestBody", (b) => delete b.instructions)], { responses: false })
      expect(report.failures).toHaveLength(1)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))
})

// ---------------------------------------------------------------------------------------------
// Every operation of the file, answered by the emulator
// ---------------------------------------------------------------------------------------------

const call = (base: string, method: string, path: string, body?: unknown, token = "sk-test") =>
  Effect.promise(async () => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
    const text = await response.text()
    return { status: response.status, body: text === "" ? undefined : JSON.parse(text) }
  })

describe("the emulator's answers on every operation of the file", () => {
  it.scopedLive("every success and every refusal fits the file or a refusal Vapi documents", () =>
    Effect.gen(function*() {
      const handle = yield* VapiEmulator.start({ speed: 50, apiKey: "sk-test", recordExchanges: true })
      const go = (method: string, path: string, body?: unknown, token?: string) => call(handle.url, method, path, body, token)
      const personality = (yield* go("POST", "/eval/simulation/personality", { name: "Pat", assistant: { model: { provider: "openai", model: "gpt-4o" } } })).body
      yield* go("GET", "/eval/simulation/personality?limit=5&page=1&sortOrder=ASC")
      yield* go("GET", `/eval/simulation/personality/${personality.id}`)
      yield* go("PATCH", `/eval/simulation/personality/${personality.id}`, { name: "Pat 2", path: "team/qa" })
      const scenario = (yield* go("POST", "/eval/simulation/scenario", {
        name: "Book",
        instructions: "Book a table.",
        evaluations: [
          { structuredOutput: { name: "booked", schema: { type: "boolean" } }, comparator: "=", value: true },
          { structuredOutput: { name: "score", schema: { type: "number" }, conditions: [{ type: "minMessages", count: 2 }] }, comparator: ">=", value: 3, required: false }
        ],
        toolMocks: [{ toolName: "lookup", result: "{}" }],
        hooks: [{ on: "simulation.run.ended", do: [{ type: "webhook", server: { url: "https://hooks.simbridge.invalid/x" }, include: { transcript: true } }] }],
        targetOverrides: { variableValues: { name: "Pat" } }
      })).body
      expect(scenario.id).toBeDefined()
      yield* go("GET", "/eval/simulation/scenario?name=Book")
      yield* go("GET", `/eval/simulation/scenario/${scenario.id}`)
      yield* go("PATCH", `/eval/simulation/scenario/${scenario.id}`, { instructions: "Book a table for two." })
      yield* go("POST", "/eval/simulation/scenario/generate", { assistantId })
      const simulation = (yield* go("POST", "/eval/simulation", { name: "Book x Pat", scenarioId: scenario.id, personalityId: personality.id })).body
      yield* go("GET", `/eval/simulation?standaloneOnly=true&idAny=${simulation.id}`)
      yield* go("GET", `/eval/simulation/${simulation.id}`)
      yield* go("PATCH", `/eval/simulation/${simulation.id}`, { name: "Renamed" })
      yield* go("GET", "/eval/simulation/concurrency")
      const suite = (yield* go("POST", "/eval/simulation/suite", { name: "Suite", simulationIds: [simulation.id] })).body
      yield* go("GET", "/eval/simulation/suite")
      yield* go("GET", `/eval/simulation/suite/${suite.id}`)
      yield* go("PATCH", `/eval/simulation/suite/${suite.id}`, { targetAssignments: [{ targetType: "assistant", targetId: assistantId }] })
      for (const transport of ["vapi.websocket", "vapi.webchat"]) {
        const run = (yield* go("POST", "/eval/simulation/run", {
          simulations: [{ type: "simulationSuite", simulationSuiteId: suite.id }, { type: "simulation", scenarioId: scenario.id, personality: { name: "Inline", assistant: {} } }],
          target: { type: "assistant", assistantId },
          iterations: 2,
          transport: { provider: transport }
        })).body
        yield* go("GET", `/eval/simulation/run/${run.id}`)
        yield* go("GET", `/eval/simulation/run/${run.id}/item`)
        yield* go("PATCH", `/eval/simulation/run/${run.id}/item/${run.simulationRunItemIds[3]}`)
        yield* go("POST", `/eval/simulation/run/${run.id}/item/${run.simulationRunItemIds[1]}/generate?force=true`)
        yield* Effect.sleep("400 millis")
        expect((yield* go("GET", `/eval/simulation/run/${run.id}`)).body.status).toBe("ended")
        yield* go("GET", `/eval/simulation/run/${run.id}/item?status=passed&limit=10`)
        yield* go("GET", `/eval/simulation/run/${run.id}/item/${run.simulationRunItemIds[0]}`)
        yield* go("POST", `/eval/simulation/run/${run.id}/item/${run.simulationRunItemIds[0]}/generate?force=true`)
        yield* go("GET", `/eval/simulation/run/${run.id}/item/${run.simulationRunItemIds[0]}`)
        yield* go("GET", `/eval/simulation/run/${run.id}/item/${run.simulationRunItemIds[1]}`)
      }
      const running = (yield* go("POST", "/eval/simulation/run", { simulations: [{ type: "simulation", simulationId: simulation.id }], target: { type: "assistant", assistantId } })).body
      yield* go("PATCH", `/eval/simulation/run/${running.id}`)
      yield* go("GET", "/eval/simulation/run?status=ended&targetType=assistant")

      // Refusals, each one Vapi documents.
      const missing = "00000000-0000-4000-8000-000000000000"
      const refusals = [
        yield* go("GET", "/eval/simulation", undefined, "sk-other"),
        yield* go("POST", "/eval/simulation/scenario", { name: "x", instructions: "y", evaluations: [{ structuredOutput: { name: "a", schema: { type: "boolean" } }, comparator: ">", value: true }] }),
        yield* go("POST", "/eval/simulation/personality", { name: "x", assistant: {}, colour: "red" }),
        yield* go("GET", "/eval/simulation/run/not-a-uuid"),
        yield* go("GET", "/eval/simulation/suite?limit=1001"),
        yield* go("PATCH", `/eval/simulation/run/${running.id}`),
        yield* go("POST", `/eval/simulation/run/${running.id}/item/${running.simulationRunItemIds[0]}/generate`),
        yield* go("GET", `/eval/simulation/${missing}`),
        yield* go("GET", `/eval/simulation/run/${running.id}/item/not-an-item`),
        yield* go("POST", "/eval/simulation", { scenarioId: missing, personalityId: personality.id }),
        yield* go("DELETE", `/eval/simulation/personality/${personality.id}`),
        yield* go("DELETE", `/eval/simulation/personality/${VapiEmulator.defaultPersonalities[0]!.id}`)
      ]
      expect(refusals.map((r) => r.status)).toEqual([401, 400, 400, 400, 400, 400, 400, 404, 404, 404, 409, 404])
      handle.setBillingFailure("wallet_missing")
      expect((yield* go("POST", "/eval/simulation/run", { simulations: [{ type: "simulation", simulationId: simulation.id }], target: { type: "assistant", assistantId } })).status).toBe(402)

      // A simulation in a suite is deleted (the file documents 200 with it, and no refusal).
      const inSuite = yield* go("DELETE", `/eval/simulation/${simulation.id}`)
      expect(inSuite.status).toBe(200)
      expect((yield* go("GET", `/eval/simulation/suite/${suite.id}`)).body.simulationIds).toEqual([])
      yield* go("DELETE", `/eval/simulation/suite/${suite.id}`)
      yield* go("DELETE", `/eval/simulation/scenario/${scenario.id}`)
      yield* go("DELETE", `/eval/simulation/personality/${personality.id}`)

      const report = Contract.check(handle.requests.exchanges, { requests: "accepted" })
      expect(report.problems.join("\n")).toBe("")
      // Every operation of the file was answered with its success status.
      const success = (o: OpenApi.Operation) => `${o.method} ${o.path} ${o.statuses.find((s) => s.startsWith("2"))}`
      expect(OpenApi.operations(Contract.responses).map(success).filter((s) => !report.answered.has(s))).toEqual([])
      expect(report.answered.has("POST /eval/simulation/run 402")).toBe(true)
    }))
})
