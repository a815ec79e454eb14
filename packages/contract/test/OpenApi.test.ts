import { describe, expect, it } from "vitest"
import * as Exchanges from "../src/Exchanges.js"
import * as OpenApi from "../src/OpenApi.js"
import * as Relaxation from "../src/Relaxation.js"

const cekura = OpenApi.load(OpenApi.vendorSpecPath("cekura-simulation.openapi.json"))
const cekuraRelaxed = OpenApi.load(OpenApi.vendorSpecPath("cekura-simulation.openapi.json"), { relaxations: Relaxation.drfSpectacular })
const vapi = OpenApi.load(OpenApi.vendorSpecPath("vapi-simulation.openapi.json"))

const v1 = "/test_framework/v1"

describe("OpenApi", () => {
  it("lists the operations and finds one for a concrete path", () => {
    expect(cekura.version).toBe("3.1")
    expect(vapi.version).toBe("3.0")
    expect(OpenApi.operations(cekura).map((o) => o.operationId)).toContain("personalities-create")
    expect(OpenApi.findOperation(cekura, "get", `${v1}/results/42/`)).toMatchObject({ method: "GET", path: `${v1}/results/{id}/`, operationId: "results-v1-retrieve" })
    // a static segment wins over a parameter, and a query string is ignored
    expect(OpenApi.findOperation(cekura, "GET", `${v1}/runs/bulk/?run_ids=1,2`)?.operationId).toBe("runs-v1-bulk-retrieve")
    expect(OpenApi.findOperation(vapi, "GET", "/eval/simulation/concurrency")?.operationId).toBe("SimulationController_getConcurrency")
    expect(OpenApi.findOperation(vapi, "GET", "/eval/simulation/5f0c")?.operationId).toBe("SimulationController_findOne")
    expect(OpenApi.findOperation(cekura, "GET", `${v1}/results`)).toBeUndefined()
  })

  it("accepts a request body that matches and says what is wrong with one that does not", () => {
    const body = { project: 1, name: "Sarah", prompt: "You are Sarah.", language: "en", background_noise: "none", voice_model: "eleven_turbo_v2_5", provider: "11labs" }
    expect(OpenApi.validateRequest(cekura, "POST", `${v1}/personalities/`, body)).toEqual({
      operation: `POST ${v1}/personalities/`,
      operationId: "personalities-create",
      valid: true,
      issues: []
    })
    const { name: _, ...nameless } = body
    const bad = OpenApi.validateRequest(cekura, "POST", `${v1}/personalities/`, { ...nameless, language: "klingon" })
    expect(bad.valid).toBe(false)
    expect(bad.issues).toEqual([
      { path: "", message: `Instance does not have required property "name".` },
      { path: "/language", message: expect.stringContaining(`Instance does not match any of`) }
    ])
    // readOnly properties are not required in a request, and the body itself may be required
    expect(OpenApi.validateRequest(cekura, "POST", `${v1}/personalities/`, undefined).issues).toEqual([{ path: "", message: "the request body is required" }])
    expect(OpenApi.validateRequest(cekura, "GET", `${v1}/nothing/`, {}).issues[0]!.message).toBe("no such operation in the spec")
  })

  it("checks a response against the schema of its status, $refs resolved", () => {
    const page = { count: 1, next: "https://api.cekura.ai/x?page=2", previous: null, results: [{ id: 1, agent_name: "A", description: "d", inbound: true }] }
    // `previous` is `type: string, nullable: true` in a 3.1 file: nullable is no JSON Schema keyword
    expect(OpenApi.validateResponse(cekura, "GET", `${v1}/aiagents/`, 200, page).issues).toEqual([{ path: "/previous", message: `Instance type "null" is invalid. Expected "string".` }])
    expect(OpenApi.validateResponse(cekura, "GET", `${v1}/aiagents/`, 200, { ...page, previous: "https://api.cekura.ai/x?page=1" }).valid).toBe(true)
    const agent = OpenApi.validateResponse(cekura, "GET", `${v1}/aiagents/`, 200, { ...page, previous: "https://api.cekura.ai/x?page=1", results: [{ id: "1", agent_name: "A", inbound: true }] })
    expect(agent.operation).toBe(`GET ${v1}/aiagents/ 200`)
    expect(agent.issues).toEqual([
      { path: "/results/0", message: `Instance does not have required property "description".` },
      { path: "/results/0/id", message: `Instance type "string" is invalid. Expected "integer".` }
    ])
    expect(OpenApi.validateResponse(cekura, "GET", `${v1}/aiagents/1/`, 404, { detail: "Not found." }).valid).toBe(true)
    expect(OpenApi.validateResponse(cekura, "GET", `${v1}/aiagents/1/`, 401, { detail: "no" }).issues[0]!.message).toBe("status 401 is not documented (documented: 200, 404)")
    expect(OpenApi.validateResponse(cekura, "POST", `${v1}/results/1/end_calls/`, 200, undefined).valid).toBe(true)
  })

  it("reads OpenAPI 3.0 nullable as a null type (Vapi)", () => {
    const concurrency = { orgId: "o", concurrencyLimit: 10, activeSimulations: 0, availableToStart: 5, createdAt: null, updatedAt: "2026-01-01T00:00:00.000Z", isDefault: true }
    expect(OpenApi.validateResponse(vapi, "GET", "/eval/simulation/concurrency", 200, concurrency).issues).toEqual([])
    expect(OpenApi.validateResponse(vapi, "GET", "/eval/simulation/concurrency", 200, { ...concurrency, orgId: null }).issues)
      .toEqual([{ path: "/orgId", message: `Instance type "null" is invalid. Expected "string".` }])
    const doc = (openapi: string) => ({
      openapi,
      paths: { "/x": { post: { requestBody: { content: { "application/json": { schema: { $ref: "#/components/schemas/X" } } } }, responses: { 200: { description: "" } } } } },
      components: {
        schemas: {
          X: {
            type: "object",
            properties: { s: { type: "string", nullable: true }, e: { type: "string", enum: ["a"], nullable: true }, r: { allOf: [{ $ref: "#/components/schemas/Y" }], nullable: true } }
          },
          Y: { type: "object", required: ["y"], properties: { y: { type: "integer" } } }
        }
      }
    })
    const body = { s: null, e: null, r: null }
    expect(OpenApi.validateRequest(OpenApi.make(doc("3.0.3")), "POST", "/x", body).issues).toEqual([])
    expect(OpenApi.validateRequest(OpenApi.make(doc("3.0.3")), "POST", "/x", { r: {} }).issues).toEqual([
      { path: "/r", message: expect.stringContaining(`Instance does not have required property "y".`) }
    ])
    expect(OpenApi.validateRequest(OpenApi.make(doc("3.1.0")), "POST", "/x", body).issues.map((i) => i.path)).toEqual(["/s", "/e", "/e", "/r"])
  })

  it("relaxes drf-spectacular's artefacts only when asked, and only in responses", () => {
    // counts and lists typed read-only "string"; `name` (a string, not read-only) and `agent_version` null
    const detail = { agent: 1, name: null, met_expected_outcome_count: 2, runs: { "274": { id: 274 } }, connected_runs: [274], agent_version: null }
    const paths = (spec: OpenApi.Spec) => OpenApi.validateResponse(spec, "GET", `${v1}/results/167/`, 200, detail).issues.map((i) => i.path).sort()
    expect(paths(cekura)).toEqual(["/agent_version", "/connected_runs", "/met_expected_outcome_count", "/name"])
    expect(paths(cekuraRelaxed)).toEqual([])
    // each relaxation does its one thing
    const one = (r: Relaxation.Relaxation) => OpenApi.load(OpenApi.vendorSpecPath("cekura-simulation.openapi.json"), { relaxations: [r] })
    expect(paths(one(Relaxation.drfReadOnlyString))).toEqual(["/name"])
    expect(paths(one(Relaxation.drfNullableString))).toEqual(["/connected_runs", "/met_expected_outcome_count"])
    // an `oneOf: [{}, {type: null}]` field (CreatePersonality.patronus_settings) rejects null as written
    const personality = { id: 1, name: "n", background_noise: "none", voice_model: "v", patronus_settings: null }
    expect(OpenApi.validateResponse(cekura, "POST", `${v1}/personalities/`, 201, personality).issues.map((i) => i.path)).toEqual(["/patronus_settings"])
    expect(OpenApi.validateResponse(one(Relaxation.drfAnyOrNull), "POST", `${v1}/personalities/`, 201, personality).valid).toBe(true)
    // request bodies are never relaxed
    expect(OpenApi.validateRequest(cekuraRelaxed, "POST", `${v1}/personalities/`, { name: null, background_noise: "none", voice_model: "v" }).issues.map((i) => i.path))
      .toEqual(["/name"])
    // a typed string with a format or an enum stays strict
    expect(OpenApi.validateResponse(cekuraRelaxed, "GET", `${v1}/results/167/`, 200, { ...detail, status: 5 }).issues.map((i) => i.path)).toEqual(["/status", "/status"])
  })
})

describe("Exchanges", () => {
  it("checks every request body and response of a log, leaving out faults", () => {
    const log: Array<Exchanges.Exchange> = [
      { method: "POST", path: `${v1}/personalities/`, requestBody: JSON.stringify({ name: "n", background_noise: "none", voice_model: "v" }), status: 201, responseBody: JSON.stringify({ id: 1, name: "n", background_noise: "none", voice_model: "v" }) },
      { method: "POST", path: `${v1}/personalities/`, requestBody: JSON.stringify({ background_noise: "none", voice_model: "v" }), status: 201, responseBody: "{" },
      { method: "GET", path: `${v1}/results/1/`, status: 429, responseBody: JSON.stringify({ detail: "Request was throttled." }), fault: "status" },
      { method: "POST", path: `${v1}/results/1/end_calls/`, status: 200, responseBody: "" }
    ]
    const report = Exchanges.check(cekura, log)
    expect(report.checked).toBe(3)
    expect([...report.operations].sort()).toEqual([`POST ${v1}/personalities/`, `POST ${v1}/personalities/ 201`, `POST ${v1}/results/{id}/end_calls/ 200`])
    expect(report.failures.map((f) => [f.side, f.check.issues.map((i) => `${i.path} ${i.message}`)])).toEqual([
      ["request", [` Instance does not have required property "name".`]],
      ["response", [" the body is not JSON"]]
    ])
    expect(Exchanges.format(report.failures)).toContain(`request POST ${v1}/personalities/ -> 201\n  POST ${v1}/personalities/: (body) Instance does not have required property "name".`)
  })
})
