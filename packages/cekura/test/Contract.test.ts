/**
 * Cekura's OpenAPI file as the judge: nobody here can reach Cekura, so what the client declares,
 * what the adapter sends and what the emulator answers are all held to the file, the last two from
 * the emulator's own request log. The operations the client declares are the file's, under its
 * operationIds, and every request of the whole flow is one of them. Every
 * request body of a whole flow (provision, voice and text runs, polling, results, update, cancel)
 * against the file as written; every response of every route the emulator serves, successes and
 * errors, against the file with the drf-spectacular relaxations of `vendors/cekura.md` 11.1; the
 * responses the emulator gives outside the file on purpose are `Contract.deviations`.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { describe, expect, it } from "@effect/vitest"
import { Exchanges, OpenApi } from "@simbridge/contract"
import { Plan, SimulationProvider } from "@simbridge/core"
import type { Emulator } from "@simbridge/emulator"
import * as CekuraEmulator from "@simbridge/emulators/CekuraEmulator"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as CekuraClient from "../src/CekuraClient.js"
import * as CekuraProvider from "../src/CekuraProvider.js"
import * as Wire from "../src/CekuraWire.js"
import { dentalClinic } from "./fixtures/dentalClinic.js"
import * as Contract from "./support/contract.js"
import { apiKey, httpLayer } from "./support/setup.js"

const v1 = "/test_framework/v1"

/** The file as written: its operations and their operationIds, with no relaxation involved. */
const specOperations = OpenApi.operations(OpenApi.load(OpenApi.vendorSpecPath("cekura-simulation.openapi.json")))

/** The declared operations the file does not have (or has under another operationId). */
const undocumented = (declared: Record<string, CekuraClient.Operation>) => {
  const spec = new Map(specOperations.map((o) => [`${o.method} ${o.path}`, o.operationId]))
  return Object.entries(declared)
    .filter(([, o]) => spec.get(`${o.method} ${o.path}`) !== o.operationId)
    .map(([name, o]) => `${name}: ${o.method} ${o.path} (${o.operationId})`)
}

/** The declared operation an exchange is, if any (a static segment such as `runs/bulk/` wins over `{id}`). */
const declaredOf = (e: Emulator.Exchange) => {
  const path = e.path.split("?")[0]!
  const matches = Object.entries(CekuraClient.operations).filter(([, o]) =>
    o.method === e.method && new RegExp(`^${o.path.replace("{id}", "[^/]+")}$`).test(path)
  )
  return (matches.find(([, o]) => !o.path.includes("{id}")) ?? matches[0])?.[0]
}

describe("the operations the client declares", () => {
  it("are operations of Cekura's OpenAPI file, under its operationIds", () => {
    expect(undocumented(CekuraClient.operations)).toEqual([])
  })

  it("an endpoint the file does not document fails the diff", () => {
    // Made up: the file documents no way to cancel a result.
    const cancel: CekuraClient.Operation = { method: "POST", path: `${v1}/results/{id}/cancel/`, operationId: "results-v1-cancel-create" }
    expect(undocumented({ ...CekuraClient.operations, cancelResult: cancel })).toEqual([
      `cancelResult: POST ${v1}/results/{id}/cancel/ (results-v1-cancel-create)`
    ])
  })
})

const plan = (patch: Record<string, unknown> = {}) =>
  Schema.decodeUnknownSync(Plan.Plan)({
    ...dentalClinic,
    personas: [...dentalClinic.personas, { id: "calm-raj", name: "Raj Patel", accent: "in", gender: "male", emotion: "skeptical" }],
    ...patch
  })

const watch = { interval: "10 millis", maxInterval: "50 millis" } as const

/** The adapter's whole flow on one emulator: provision, voice and text runs to the end with their results, an update, a cancel. */
const adapterFlow = (handle: Emulator.Handle) =>
  Effect.gen(function*() {
    const sp = yield* SimulationProvider.SimulationProvider
    const voice = plan()
    yield* sp.provision(voice)
    for (const p of [voice, plan({ transport: "chat", target: { cekura: { assistantId: "asst_1234567890" } }, vendors: { cekura: { metrics: { polite: 2 } } } })]) {
      const run = yield* sp.startRun(p)
      yield* Stream.runDrain(sp.watch(run.ref))
      const results = Chunk.toReadonlyArray(yield* Stream.runCollect(sp.results(run.ref, { raw: true })))
      expect(results.length).toBeGreaterThan(0)
      yield* sp.getRun(run.ref)
    }
    // a changed evaluator updates the provisioned scenarios in place
    yield* sp.provision(plan({ evaluators: [dentalClinic.evaluators[0], { ...dentalClinic.evaluators[1], required: true }] }))
    const cancelled = yield* sp.startRun(voice)
    yield* sp.cancel(cancelled.ref)
    expect((yield* sp.getRun(cancelled.ref)).status.unified).toBe("canceled")
    expect(handle.requests.count("POST /test_framework/v1/personalities/")).toBe(2)
  }).pipe(
    Effect.provide(CekuraProvider.layer({ baseUrl: handle.url, apiKey: Redacted.make(apiKey), watch, pageSize: 2 }).pipe(Layer.provide(httpLayer)))
  )

/** Requests the test sends to reach every route and status the emulator serves (their own bodies are not the adapter's). */
const probes = (handle: Emulator.Handle) =>
  Effect.gen(function*() {
    const client = yield* CekuraClient.make({ baseUrl: handle.url, apiKey: Redacted.make(apiKey) })
    const http = yield* HttpClient.HttpClient
    const send = (method: "GET" | "POST" | "PATCH" | "DELETE", path: string, body?: unknown, key: string | null = apiKey) =>
      http.execute(HttpClientRequest.make(method)(`${handle.url}${v1}${path}`).pipe(
        key === null ? (r) => r : HttpClientRequest.setHeader("X-CEKURA-API-KEY", key),
        body === undefined ? (r) => r : HttpClientRequest.bodyUnsafeJson(body)
      )).pipe(Effect.map((r) => r.status), Effect.scoped)
    const statuses: Record<string, number> = {}
    const probe = (name: string, effect: Effect.Effect<number, unknown>) => Effect.map(effect, (status) => void (statuses[name] = status))

    // agents
    yield* probe("create agent", send("POST", "/aiagents/", { agent_name: "Probe", description: "d", inbound: false, project: 1, language: "en" }))
    yield* probe("create agent without a name", send("POST", "/aiagents/", { description: "d", inbound: true }))
    yield* probe("patch agent", send("PATCH", "/aiagents/2142/", { webhook_url: "http://127.0.0.1:9/hook" }))
    yield* probe("patch agent badly", send("PATCH", "/aiagents/2142/", { inbound: "sometimes" }))
    yield* client.getAgent(1)
    yield* client.listAgents({ pageSize: 1 })
    // personalities
    yield* client.listPersonalities({ language: "es", projectId: 1 })
    yield* probe("create personality", send("POST", "/personalities/", { name: "Probe", background_noise: "none", voice_model: "eleven_turbo_v2_5", language: "multi" }))
    yield* probe("create personality without a voice", send("POST", "/personalities/", { name: "Probe", background_noise: "none" }))
    // test profiles
    yield* probe("list test profiles without a filter", send("GET", "/test-profiles/"))
    yield* probe("create test profile without a name", send("POST", "/test-profiles/", { agent: 2142 }))
    // scenarios
    const scenario = yield* client.createScenario(new Wire.CreateScenarioRequest({ agent: 2142, name: "Probe", personality: 1, instructions: "Ask." }))
    yield* probe("create scenario without a personality", send("POST", "/scenarios/", { agent: 2142, name: "Probe", instructions: "Ask." }))
    yield* client.getScenario(scenario.id)
    yield* probe("get a missing scenario", send("GET", "/scenarios/999999/"))
    yield* client.updateScenario(scenario.id, new Wire.UpdateScenarioRequest({ tags: ["probe"] }))
    yield* probe("patch scenario badly", send("PATCH", `/scenarios/${scenario.id}/`, { personality: 999999 }))
    yield* client.listScenarios({ agentId: 2142, tags: ["probe"], pageSize: 1 })
    // run triggers
    const trigger = yield* client.runScenarios(new Wire.RunScenariosRequest({ agent_id: 1, scenarios: [1], frequency: 2 }))
    yield* probe("trigger with unknown personalities", send("POST", "/scenarios/run_scenarios/", { agent_id: 1, scenarios: [1], personality_ids: [999999] }))
    yield* probe("trigger with a bad field", send("POST", "/scenarios/run_scenarios_text/", { agent_id: 1, scenarios: [1], frequency: 0 }))
    // results and runs
    yield* client.listResults({ pageSize: 1 })
    yield* probe("results past the last page", send("GET", "/results/?page=999"))
    yield* probe("a missing result", send("GET", "/results/999999/"))
    const rerun = yield* client.rerun(trigger.id)
    yield* client.listRuns({ resultId: trigger.id, pageSize: 1 })
    yield* probe("runs past the last page", send("GET", `/runs/?result_id=${trigger.id}&page=999`))
    yield* client.bulkRuns(trigger.runs.map((r) => r.id))
    yield* probe("bulk without run ids", send("GET", "/runs/bulk/?run_ids=[1]"))
    yield* client.getRun(trigger.runs[0]!.id)
    yield* probe("a missing run", send("GET", "/runs/999999/"))
    yield* client.endCall(trigger.runs[0]!.id)
    yield* probe("end a missing run's call", send("POST", "/runs/999999/end_call/"))
    yield* client.endCalls(trigger.id)
    yield* probe("end a missing result's calls", send("POST", "/results/999999/end_calls/"))
    yield* client.deleteScenario(scenario.id)
    yield* probe("delete a missing scenario", send("DELETE", `/scenarios/${scenario.id}/`))
    yield* probe("delete a result", send("DELETE", `/results/${rerun.id}/`))
    yield* probe("delete a missing result", send("DELETE", `/results/${rerun.id}/`))
    // auth
    yield* probe("no key", send("GET", "/results/", undefined, null))
    yield* probe("a wrong key", send("GET", "/results/", undefined, "nope"))
    return statuses
  })

/** Every operation and status the emulator answers wholly as the file documents it. */
const documented = [
  `DELETE ${v1}/results/{id}/ 204`,
  `DELETE ${v1}/scenarios/{id}/ 204`,
  `DELETE ${v1}/scenarios/{id}/ 404`,
  `GET ${v1}/aiagents/ 200`,
  `GET ${v1}/aiagents/{id}/ 200`,
  `GET ${v1}/personalities/ 200`,
  `GET ${v1}/results/{id}/ 200`,
  `GET ${v1}/results/{id}/ 404`,
  `GET ${v1}/runs/ 200`,
  `GET ${v1}/runs/bulk/ 200`,
  `GET ${v1}/runs/{id}/ 200`,
  `GET ${v1}/scenarios/ 200`,
  `GET ${v1}/scenarios/{id}/ 200`,
  `GET ${v1}/scenarios/{id}/ 404`,
  `GET ${v1}/test-profiles/ 200`,
  `PATCH ${v1}/aiagents/{id}/ 200`,
  `PATCH ${v1}/aiagents/{id}/ 400`,
  `PATCH ${v1}/scenarios/{id}/ 200`,
  `PATCH ${v1}/scenarios/{id}/ 400`,
  `POST ${v1}/aiagents/ 201`,
  `POST ${v1}/aiagents/ 400`,
  `POST ${v1}/personalities/ 201`,
  `POST ${v1}/results/{id}/end_calls/ 200`,
  `POST ${v1}/results/{id}/end_calls/ 404`,
  `POST ${v1}/runs/{id}/end_call/ 200`,
  `POST ${v1}/runs/{id}/end_call/ 404`,
  `POST ${v1}/scenarios/ 201`,
  `POST ${v1}/scenarios/ 400`,
  `POST ${v1}/scenarios/run_scenarios/ 201`,
  `POST ${v1}/scenarios/run_scenarios_text/ 201`,
  `POST ${v1}/scenarios/run_scenarios_text/ 400`,
  `POST ${v1}/test-profiles/ 200`,
  `POST ${v1}/test-profiles/ 400`
]

/** The operations and statuses whose answers are outside the file on purpose (`Contract.deviations`), as the probes reach them. */
const outsideTheFile = [
  `POST ${v1}/personalities/ 400`,
  `GET ${v1}/test-profiles/ 400`,
  `POST ${v1}/scenarios/run_scenarios/ 400`,
  `GET ${v1}/results/ 200`,
  `POST ${v1}/results/{id}/rerun/ 200`,
  `GET ${v1}/results/ 404`,
  `GET ${v1}/runs/ 404`,
  `GET ${v1}/runs/bulk/ 400`,
  `GET ${v1}/runs/{id}/ 404`,
  `DELETE ${v1}/results/{id}/ 404`,
  `GET ${v1}/results/ 401`,
  `GET ${v1}/results/ 403`
]

describe("Cekura's OpenAPI file judges the adapter and the emulator", () => {
  it.scopedLive("every request body of a whole flow and every response of every route validate against it", () =>
    Effect.gen(function*() {
      // speed 40: a call lasts about 110 ms, so the cancel reaches its run before the run ends
      const handle = yield* CekuraEmulator.start({ speed: 40, apiKey, failureRate: 0.2, recordExchanges: true })
      yield* adapterFlow(handle)
      const adapterExchanges = handle.requests.exchanges.length
      const statuses = yield* probes(handle)
      expect(statuses).toEqual({
        "create agent": 201,
        "create agent without a name": 400,
        "patch agent": 200,
        "patch agent badly": 400,
        "create personality": 201,
        "create personality without a voice": 400,
        "list test profiles without a filter": 400,
        "create test profile without a name": 400,
        "create scenario without a personality": 400,
        "get a missing scenario": 404,
        "patch scenario badly": 400,
        "trigger with unknown personalities": 400,
        "trigger with a bad field": 400,
        "results past the last page": 404,
        "a missing result": 404,
        "runs past the last page": 404,
        "bulk without run ids": 400,
        "a missing run": 404,
        "end a missing run's call": 404,
        "end a missing result's calls": 404,
        "delete a missing scenario": 404,
        "delete a result": 204,
        "delete a missing result": 404,
        "no key": 401,
        "a wrong key": 403
      })
      const exchanges = handle.requests.exchanges
      // every request of the adapter's flow is a declared operation
      expect(exchanges.slice(0, adapterExchanges).filter((e) => declaredOf(e) === undefined).map((e) => `${e.method} ${e.path}`)).toEqual([])
      // the adapter's requests, held to the file as written
      const requests = Exchanges.check(Contract.spec, exchanges.slice(0, adapterExchanges), { responses: false })
      expect(Exchanges.format(requests.failures)).toBe("")
      expect([...requests.operations].sort()).toEqual([
        `PATCH ${v1}/scenarios/{id}/`,
        `POST ${v1}/personalities/`,
        `POST ${v1}/scenarios/`,
        `POST ${v1}/scenarios/run_scenarios/`,
        `POST ${v1}/scenarios/run_scenarios_text/`,
        `POST ${v1}/test-profiles/`
      ])
      // every response, with the 11.1 relaxations; what stays outside the file is a listed deviation
      const responses = Contract.check(exchanges.map((e) => ({ ...e, deliberate: true })))
      expect(Contract.describe(responses.failures)).toBe("")
      expect(new Set(responses.kept.map((f) => f.check.operation))).toEqual(new Set(outsideTheFile))
      // every route the emulator serves was answered, with every status it gives
      expect([...responses.operations].sort()).toEqual([...documented, ...outsideTheFile].sort())
    }).pipe(Effect.provide(httpLayer)))

  it.scopedLive("the check fails once a required field is dropped from a recorded body", () =>
    Effect.gen(function*() {
      const handle = yield* CekuraEmulator.start({ speed: 200, apiKey, failureRate: 0, recordExchanges: true })
      yield* Effect.flatMap(SimulationProvider.SimulationProvider, (sp) => Effect.flatMap(sp.startRun(plan()), (run) => Stream.runDrain(sp.watch(run.ref)))).pipe(
        Effect.provide(CekuraProvider.layer({ baseUrl: handle.url, apiKey: Redacted.make(apiKey), watch }).pipe(Layer.provide(httpLayer)))
      )
      const exchanges = handle.requests.exchanges
      expect(Contract.describe(Contract.check(exchanges).failures)).toBe("")
      const created = exchanges.find((e) => e.method === "POST" && e.path === `${v1}/personalities/`)!
      const { name: _, ...nameless } = JSON.parse(created.requestBody!)
      const request = Exchanges.check(Contract.spec, [{ ...created, requestBody: JSON.stringify(nameless) }], { responses: false })
      expect(request.failures.map((f) => f.check.issues)).toEqual([[{ path: "", message: `Instance does not have required property "name".` }]])
      const detail = exchanges.find((e) => e.method === "GET" && /\/results\/\d+\/$/.test(e.path) && e.status === 200)!
      const { agent: __, ...agentless } = JSON.parse(detail.responseBody!)
      const response = Contract.check([{ ...detail, responseBody: JSON.stringify(agentless) }])
      expect(response.failures.map((f) => f.check.issues)).toEqual([[{ path: "", message: `Instance does not have required property "agent".` }]])
    }))
})
