/**
 * Fidelity proofs by references nobody here wrote: Vapi's OpenAPI file (every emulator response
 * validates against the schema of its operation and status) and Vapi's own SDK (2.0.1) pointed at
 * the emulator.
 */
import { readFileSync } from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import { VapiClient as VapiSdk } from "@vapi-ai/server-sdk"
import { Ajv } from "ajv"
import * as AjvFormats from "ajv-formats"
import * as Effect from "effect/Effect"
import * as VapiEmulator from "@simbridge/emulators/VapiEmulator"
import { assistantId } from "./fixtures.js"

/**
 * Vapi's spec has two invalid schemas: `NeuphonicVoice.voiceId` and `FallbackNeuphonicVoice.voiceId`
 * declare `enum: []` (JSON Schema requires a non-empty array): dropped. And every `path` pattern is
 * written as a JavaScript regex literal (`"/^...$/"`), which no value can match: the slashes are
 * stripped. Both are spec defects (see docs/providers/vapi.md).
 */
const repair = (key: string, value: unknown) => {
  if (key === "pattern" && typeof value === "string" && /^\/\^.*\$\/$/.test(value)) return value.slice(1, -1)
  if (value !== null && typeof value === "object" && !Array.isArray(value) && Array.isArray((value as { enum?: unknown }).enum) && (value as { enum: Array<unknown> }).enum.length === 0) {
    return Object.fromEntries(Object.entries(value).filter(([k]) => k !== "enum"))
  }
  return value
}
const spec = JSON.parse(readFileSync("/work/shared/vendors/specs/vapi-simulation.openapi.json", "utf8"), repair)
const ajv = new Ajv({ strict: false, allErrors: true })
;((AjvFormats as unknown as { default: (a: Ajv) => void }).default)(ajv)
ajv.addSchema({ components: spec.components }, "vapi")

type Op = { method: string; template: string; pattern: RegExp }
const operations: Array<Op> = Object.entries(spec.paths as Record<string, Record<string, unknown>>)
  .filter(([path]) => path.startsWith("/eval/simulation"))
  .flatMap(([template, methods]) => Object.keys(methods).map((method) => ({
    method: method.toUpperCase(),
    template,
    pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`)
  })))
  // Static segments win over parameters (as in the server's router).
  .sort((a, b) => (a.template.match(/\{/g)?.length ?? 0) - (b.template.match(/\{/g)?.length ?? 0))

const validated = new Set<string>()

/** Validates a response against the spec; returns the problems (empty when it fits). */
const check = (method: string, path: string, status: number, body: unknown): ReadonlyArray<string> => {
  const op = operations.find((o) => o.method === method && o.pattern.test(path))
  if (op === undefined) return [`no operation for ${method} ${path}`]
  const response = spec.paths[op.template][op.method.toLowerCase()].responses[String(status)]
  if (response === undefined) return [`${method} ${op.template}: status ${status} is not documented`]
  const schema = response.content?.["application/json"]?.schema
  validated.add(`${method} ${op.template} ${status}`)
  if (schema === undefined) return body === undefined ? [] : [`${method} ${op.template}: no body documented, got one`]
  const validate = ajv.compile({ $ref: "#/$defs/s", $defs: { s: JSON.parse(JSON.stringify(schema).replaceAll("\"#/components/", "\"vapi#/components/")) } })
  return validate(body) ? [] : (validate.errors ?? []).map((e: { instancePath: string; message?: string }) => `${method} ${op.template} ${status}${e.instancePath}: ${e.message}`)
}

const call = (base: string, method: string, path: string, body?: unknown) =>
  Effect.promise(async () => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: "Bearer sk-test", "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
    const text = await response.text()
    const json = text === "" ? undefined : JSON.parse(text)
    return { status: response.status, body: json, problems: check(method, path.split("?")[0]!, response.status, json) }
  })

describe("OpenAPI", () => {
  it.scopedLive("every response of every /eval/simulation operation validates against Vapi's schema", () =>
    Effect.gen(function*() {
      const handle = yield* VapiEmulator.start({ speed: 200 })
      const base = handle.url
      const problems: Array<string> = []
      const go = (method: string, path: string, body?: unknown) =>
        Effect.map(call(base, method, path, body), (r) => {
          problems.push(...r.problems)
          return r
        })
      const personality = (yield* go("POST", "/eval/simulation/personality", { name: "Pat", assistant: { model: { provider: "openai", model: "gpt-4o" } } })).body
      yield* go("GET", "/eval/simulation/personality")
      yield* go("GET", `/eval/simulation/personality/${personality.id}`)
      yield* go("PATCH", `/eval/simulation/personality/${personality.id}`, { name: "Pat 2", path: "team/qa" })
      const scenario = (yield* go("POST", "/eval/simulation/scenario", {
        name: "Book",
        instructions: "Book a table.",
        evaluations: [
          { structuredOutput: { name: "booked", schema: { type: "boolean" } }, comparator: "=", value: true },
          { structuredOutput: { name: "score", schema: { type: "number" } }, comparator: ">=", value: 3, required: false }
        ],
        toolMocks: [{ toolName: "lookup", result: "{}" }],
        targetOverrides: { variableValues: { name: "Pat" } }
      })).body
      yield* go("GET", "/eval/simulation/scenario?name=Book")
      yield* go("GET", `/eval/simulation/scenario/${scenario.id}`)
      yield* go("PATCH", `/eval/simulation/scenario/${scenario.id}`, { instructions: "Book a table for two." })
      yield* go("POST", "/eval/simulation/scenario/generate", { assistantId })
      const simulation = (yield* go("POST", "/eval/simulation", { name: "Book x Pat", scenarioId: scenario.id, personalityId: personality.id })).body
      yield* go("GET", "/eval/simulation")
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
        yield* Effect.sleep("100 millis")
        const ended = (yield* go("GET", `/eval/simulation/run/${run.id}`)).body
        expect(ended.status).toBe("ended")
        yield* go("GET", `/eval/simulation/run/${run.id}/item?status=passed`)
        yield* go("GET", `/eval/simulation/run/${run.id}/item/${run.simulationRunItemIds[0]}`)
        yield* go("POST", `/eval/simulation/run/${run.id}/item/${run.simulationRunItemIds[0]}/generate?force=true`)
        yield* go("GET", `/eval/simulation/run/${run.id}/item/${run.simulationRunItemIds[0]}`)
      }
      const running = (yield* go("POST", "/eval/simulation/run", { simulations: [{ type: "simulation", simulationId: simulation.id }], target: { type: "assistant", assistantId } })).body
      yield* go("PATCH", `/eval/simulation/run/${running.id}`)
      yield* go("GET", "/eval/simulation/run")
      handle.setBillingFailure("wallet_missing")
      const refused = yield* go("POST", "/eval/simulation/run", { simulations: [{ type: "simulation", simulationId: simulation.id }], target: { type: "assistant", assistantId } })
      expect(refused.status).toBe(402)
      yield* go("DELETE", `/eval/simulation/suite/${suite.id}`)
      yield* go("DELETE", `/eval/simulation/${simulation.id}`)
      yield* go("DELETE", `/eval/simulation/scenario/${scenario.id}`)
      yield* go("DELETE", `/eval/simulation/personality/${personality.id}`)
      expect(problems).toEqual([])
      // Every operation of the family was exercised.
      const exercised = new Set([...validated].map((v) => v.split(" ").slice(0, 2).join(" ")))
      expect(operations.filter((o) => !exercised.has(`${o.method} ${o.template}`)).map((o) => `${o.method} ${o.template}`)).toEqual([])
    }))

  it("the validator rejects a response that does not fit", () => {
    expect(check("GET", "/eval/simulation/run/00000000-0000-4000-8000-000000000000", 200, { id: "x", status: "ended" }).length).toBeGreaterThan(0)
  })
})

describe("@vapi-ai/server-sdk 2.0.1 against the emulator", () => {
  it.scopedLive("CRUD on personalities, scenarios, simulations and suites; run create, get, items, cancel", () =>
    Effect.gen(function*() {
      const handle = yield* VapiEmulator.start({ speed: 100, apiKey: "sk-sdk" })
      const vapi = new VapiSdk({ token: "sk-sdk", baseUrl: handle.url, maxRetries: 0 })
      const result = yield* Effect.promise(async () => {
        const personality = await vapi.simulationPersonalities.personalityControllerCreate({ name: "Pat", assistant: { firstMessage: "Hi" } })
        const personalities = await vapi.simulationPersonalities.personalityControllerFindAll()
        const renamed = await vapi.simulationPersonalities.personalityControllerUpdate({ id: personality.id, name: "Pat 2" })
        const scenario = await vapi.simulationScenarios.scenarioControllerCreate({
          name: "Book",
          instructions: "Book a table.",
          evaluations: [{ structuredOutput: { name: "booked", schema: { type: "boolean" } }, comparator: "=", value: true }]
        })
        const gotScenario = await vapi.simulationScenarios.scenarioControllerFindOne({ id: scenario.id })
        await vapi.simulationScenarios.scenarioControllerUpdate({ id: scenario.id, instructions: "Book a table for two." })
        const scenarios = await vapi.simulationScenarios.scenarioControllerFindAll()
        const simulation = await vapi.simulations.simulationControllerCreate({ scenarioId: scenario.id, personalityId: personality.id })
        const simulations = await vapi.simulations.simulationControllerFindAll()
        await vapi.simulations.simulationControllerUpdate({ id: simulation.id, name: "Book x Pat" })
        const gotSimulation = await vapi.simulations.simulationControllerFindOne({ id: simulation.id })
        const suite = await vapi.simulationSuites.simulationSuiteControllerCreate({ name: "Suite", simulationIds: [simulation.id] })
        const suites = await vapi.simulationSuites.simulationSuiteControllerFindAll()
        await vapi.simulationSuites.simulationSuiteControllerUpdate({ id: suite.id, name: "Suite 2" })
        const gotSuite = await vapi.simulationSuites.simulationSuiteControllerFindOne({ id: suite.id })
        const run = await vapi.simulationRuns.simulationRunControllerCreate({
          simulations: [{ type: "simulationSuite", simulationSuiteId: suite.id }],
          target: { type: "assistant", assistantId },
          iterations: 2,
          transport: { provider: "vapi.websocket" }
        })
        const got = await vapi.simulationRuns.simulationRunControllerFindOne({ id: run.id })
        const items = await vapi.simulationRuns.simulationRunControllerFindItems({ id: run.id })
        const canceled = await vapi.simulationRuns.simulationRunControllerCancelGroup({ id: run.id })
        const runs = await vapi.simulationRuns.simulationRunControllerFindAll()
        const deletedSuite = await vapi.simulationSuites.simulationSuiteControllerRemove({ id: suite.id })
        await vapi.simulations.simulationControllerRemove({ id: simulation.id })
        await vapi.simulationScenarios.scenarioControllerRemove({ id: scenario.id })
        const deletedPersonality = await vapi.simulationPersonalities.personalityControllerRemove({ id: personality.id })
        let notFound: unknown
        try {
          await vapi.simulationPersonalities.personalityControllerFindOne({ id: personality.id })
        } catch (e) {
          notFound = e
        }
        const wrongKey = await new VapiSdk({ token: "sk-other", baseUrl: handle.url, maxRetries: 0 }).simulations.simulationControllerFindAll().catch((e: unknown) => e)
        return { personality, personalities, renamed, gotScenario, scenarios, simulations, gotSimulation, suites, gotSuite, run, got, items, canceled, runs, deletedSuite, deletedPersonality, notFound, wrongKey }
      })
      expect(result.personalities.map((p) => p.id)).toContain(result.personality.id)
      expect(result.renamed.name).toBe("Pat 2")
      expect(result.gotScenario.evaluations[0]!.comparator).toBe("=")
      expect(result.scenarios).toHaveLength(1)
      expect(result.simulations).toHaveLength(1)
      expect(result.gotSimulation.name).toBe("Book x Pat")
      expect(result.suites).toHaveLength(1)
      expect(result.gotSuite.name).toBe("Suite 2")
      expect(result.run.simulationRunItemIds).toHaveLength(2)
      expect(result.got.id).toBe(result.run.id)
      expect(result.items.map((i) => i.iterationNumber).sort()).toEqual([1, 2])
      expect(result.canceled.status).toBe("ended")
      expect(result.canceled.itemCounts?.canceled).toBe(2)
      expect(Array.isArray(result.runs) ? result.runs.length : result.runs.results.length).toBe(1)
      expect(result.deletedSuite.name).toBe("Suite 2")
      expect(result.deletedPersonality.id).toBe(result.personality.id)
      expect((result.notFound as { statusCode?: number }).statusCode).toBe(404)
      expect((result.wrongKey as { statusCode?: number }).statusCode).toBe(401)
    }))
})
