/**
 * The vendor's contract is the judge: every request the adapter sends during a whole flow
 * (provisioning workflows and simulations, starting runs, polling with and without verdicts,
 * reading results and evaluations, stopping) is checked against the request models of the
 * official Python SDK, and every answer of the emulator on those routes (success and FastAPI's
 * error shapes) against its response models (`contract/sdkModels.ts`, written from the SDK's
 * source). What the emulator sends beyond those models on purpose is listed here with its reason
 * (and in docs/providers/interactly.md); anything else fails.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { expect, layer } from "@effect/vitest"
import { ProviderRef, SimulationProvider } from "@simbridge/core"
import type { Emulator } from "@simbridge/emulator"
import * as InteractlyEmulator from "@simbridge/emulators/InteractlyEmulator"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as ParseResult from "effect/ParseResult"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as InteractlyClient from "../src/InteractlyClient.js"
import * as InteractlyProvider from "../src/InteractlyProvider.js"
import * as Sdk from "./contract/sdkModels.js"
import { dentalClinic } from "./fixtures/dentalClinic.js"
import { dental, fastRetry } from "./fixtures/trackingPlans.js"

// ---------------------------------------------------------------------------------------------
// What the emulator sends beyond the SDK's models, on purpose
// ---------------------------------------------------------------------------------------------

/**
 * Fields the emulator adds to the SDK's response models, each with its reason. Each must occur in
 * the flow's answers (the list stays true) and nothing else may.
 */
const deliberateExtras = {
  group: {
    runner_name: "the run's marker echoed, so that a start whose response was lost is found again (unverified on the real server; the adapter degrades without it)",
    created_by: "the audit fields every stored document carries (docs-qa: simulations, workflow runs)",
    updated_by: "the audit fields every stored document carries (docs-qa: simulations, workflow runs)"
  },
  execution: {
    run_index: "0-based position in the group, as the notebook reads it on detailed executions; the adapter's iteration (it falls back to the listing position without it)"
  },
  workflow: {
    updated_by: "the audit fields every stored document carries (docs-qa: simulations, workflow runs)"
  }
} as const

const extras = (fields: Record<string, string>) => Object.fromEntries(Object.keys(fields).map((k) => [k, Schema.optional(Schema.Unknown)]))

const Group = Schema.Struct({ ...Sdk.SimulationGroup.fields, ...extras(deliberateExtras.group) })
const Execution = Schema.Struct({ ...Sdk.SimulationRun.fields, ...extras(deliberateExtras.execution) })
const Workflow = Schema.Struct({ ...Sdk.Workflow.fields, ...extras(deliberateExtras.workflow) })
const GroupEnvelope = Schema.Struct({ simulation_group: Group })
/** The SDK's guide: stop returns "the updated SimulationGroup with status `cancelled`". */
const StoppedEnvelope = Schema.Struct({ simulation_group: Schema.Struct({ ...Group.fields, status: Schema.Literal("cancelled") }) })

// ---------------------------------------------------------------------------------------------
// The routes simbridge uses, with their request and response models
// ---------------------------------------------------------------------------------------------

interface Route {
  readonly name: string
  readonly method: string
  /** The path under the `/workflows` base. */
  readonly path: RegExp
  readonly query: Schema.Schema.Any
  /** The request body's model; `"none"` when the SDK sends no body. */
  readonly body: Schema.Schema.Any | "none"
  readonly response: Schema.Schema.Any
}

const id = "[0-9a-f]{24}"
const route = (name: string, method: string, path: string, query: Schema.Schema.Any, body: Route["body"], response: Schema.Schema.Any): Route => ({
  name,
  method,
  path: new RegExp(`^${path.replaceAll(":id", id)}$`),
  query,
  body,
  response
})

const routes: ReadonlyArray<Route> = [
  route("listWorkflows", "GET", "/v1/workflows", Sdk.ListWorkflowsQuery, "none", Schema.Struct({ ...Sdk.WorkflowList.fields, workflows: Schema.Array(Workflow) })),
  route("createWorkflow", "POST", "/v1/workflows", Sdk.NoQuery, Sdk.CreateWorkflow, Schema.Struct({ ...Sdk.WorkflowEnvelope.fields, workflow: Workflow })),
  route("updateWorkflow", "PATCH", "/v1/workflows/:id", Sdk.NoQuery, Sdk.UpdateWorkflow, Schema.Struct({ ...Sdk.WorkflowEnvelope.fields, workflow: Workflow })),
  route("listSimulations", "GET", "/v1/simulations", Sdk.ListSimulationsQuery, "none", Sdk.SimulationList),
  route("createSimulation", "POST", "/v1/simulations", Sdk.NoQuery, Sdk.SimulationConfig, Sdk.SimulationEnvelope),
  route("getSimulation", "GET", "/v1/simulations/:id", Sdk.NoQuery, "none", Sdk.SimulationEnvelope),
  route("updateSimulation", "PATCH", "/v1/simulations/:id", Sdk.NoQuery, Sdk.UpdateSimulation, Sdk.SimulationEnvelope),
  route("runSimulation", "POST", "/v1/simulations/:id/run", Sdk.NoQuery, Sdk.RunSimulation, GroupEnvelope),
  route("listSimulationRuns", "GET", "/v1/simulations/:id/runs", Sdk.PageQuery, "none", Schema.Struct({ ...Sdk.SimulationGroupList.fields, simulation_groups: Schema.Array(Group) })),
  route("evaluationSummary", "GET", "/v1/simulations/:id/evaluation-summary", Sdk.EvaluationSummaryQuery, "none", Sdk.EvaluationSummary),
  route("getSimulationRun", "GET", "/v1/simulation-runs/:id", Sdk.NoQuery, "none", GroupEnvelope),
  route("stopSimulationRun", "POST", "/v1/simulation-runs/:id/stop", Sdk.NoQuery, "none", StoppedEnvelope),
  route("listExecutions", "GET", "/v1/simulation-runs/:id/executions", Sdk.PageQuery, "none", Schema.Struct({ ...Sdk.SimulationRunList.fields, individual_runs: Schema.Array(Execution) })),
  route("getWorkflowRun", "GET", "/v1/workflow-runs/:id", Sdk.NoQuery, "none", Sdk.WorkflowRunEnvelope),
  route("getWorkflowRunEvaluation", "GET", "/v1/workflow-runs/:id/evaluation-result", Sdk.NoQuery, "none", Sdk.RunEvaluationResult)
]

// ---------------------------------------------------------------------------------------------
// Checking
// ---------------------------------------------------------------------------------------------

/** What `value` breaks of `schema` (fields outside it included), one line per issue; empty when it fits. */
const issuesOf = (schema: Schema.Schema.Any, value: unknown): ReadonlyArray<string> =>
  Either.match(Schema.decodeUnknownEither(schema as Schema.Schema<unknown, unknown>, { onExcessProperty: "error", errors: "all" })(value), {
    onLeft: (e) => ParseResult.ArrayFormatter.formatErrorSync(e).map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`),
    onRight: () => []
  })

const basePath = InteractlyEmulator.basePath

const routeOf = (method: string, path: string) => {
  const local = path.startsWith(`${basePath}/`) ? path.slice(basePath.length) : path
  return routes.find((r) => r.method === method && r.path.test(local))
}

/** The error model for an error status: the service's own 400, FastAPI's 422, else `{detail}`. */
const errorModel = (status: number) => (status === 400 ? Sdk.ServiceError : status === 422 ? Sdk.ValidationError : Sdk.DetailError)

/**
 * Every issue of one exchange: its request (query, body) and its answer, each against the route's
 * models; with `answerOnly`, its answer alone (a probe whose request is wrong on purpose).
 */
const checkExchange = (x: Emulator.Exchange, answerOnly = false): ReadonlyArray<string> => {
  const url = new URL(x.path, "http://emulator.invalid")
  const r = routeOf(x.method, url.pathname)
  if (r === undefined) return [`${x.method} ${url.pathname}: a route simbridge does not use`]
  const at = `${r.name} ${x.method} ${url.pathname}`
  const out: Array<string> = []
  if (answerOnly) {
    // No request check.
  } else if (r.body === "none") {
    if (x.requestBody !== undefined) out.push(`${at} request: the SDK sends no body, got ${x.requestBody}`)
  } else {
    for (const i of issuesOf(r.body, x.requestBody === undefined ? undefined : JSON.parse(x.requestBody))) out.push(`${at} request ${i}`)
  }
  if (!answerOnly) for (const i of issuesOf(r.query, Object.fromEntries(url.searchParams))) out.push(`${at} query ${i}`)
  const body = x.responseBody === undefined ? undefined : JSON.parse(x.responseBody)
  for (const i of issuesOf(x.status >= 200 && x.status < 300 ? r.response : errorModel(x.status), body)) out.push(`${at} ${x.status} ${i}`)
  return out
}

// ---------------------------------------------------------------------------------------------
// The flow
// ---------------------------------------------------------------------------------------------

const watch = { interval: "10 millis", maxInterval: "50 millis" } as const
const apiKey = "sk-contract"

/** A whole flow of the adapter against a recording emulator, plus the error answers of the routes it uses. */
const recordFlow = Effect.gen(function*() {
  // Speed 100: a conversation lasts 30 ms, so a run of 10 one at a time is still going when stopped.
  const handle = yield* InteractlyEmulator.start({ speed: 100, seed: 1, apiKey, recordExchanges: true })
  const providerLayer = (key: string) => InteractlyProvider.layer({ baseUrl: handle.url, apiKey: Redacted.make(key), retry: fastRetry, watch, pageSize: 2 })
  const context = yield* Layer.build(providerLayer(apiKey))
  const provider = yield* Effect.provide(SimulationProvider.SimulationProvider, context)
  const client = yield* Effect.provide(InteractlyClient.InteractlyClient, context)

  // Provisioning: created, reused, a description patched, a persona changed (workflow patched, new simulation).
  const plan = dental({ iterations: 3, concurrency: 2 })
  yield* provider.provision(plan)
  yield* provider.provision(plan)
  yield* provider.provision(dental({ iterations: 3, concurrency: 2, name: "Dental clinic booking v2" }))
  const changed = dental({ iterations: 3, concurrency: 2, personas: [{ ...dentalClinic.personas[0]!, backstory: "Retired teacher" }] })
  yield* provider.provision(changed)

  // A run followed as the suite runner does (without verdicts), another watched with verdicts; results with raw.
  const first = yield* provider.startRun(changed)
  yield* SimulationProvider.follow(provider, first, () => Effect.void, { ...watch, verdicts: false })
  yield* SimulationProvider.readResults(provider, first.ref, { plan: changed, raw: true })
  const second = yield* provider.startRun(changed)
  yield* Stream.runDrain(provider.watch(second.ref))
  yield* SimulationProvider.readResults(provider, second.ref, { raw: true })
  // A driver that never saw the run reads its simulation.
  const cold = yield* Effect.provide(SimulationProvider.SimulationProvider, yield* Layer.build(providerLayer(apiKey)))
  yield* SimulationProvider.readResults(cold, second.ref)

  // A run stopped while it runs, then read; a finished run cancelled (409, ignored).
  const stopped = yield* provider.startRun(dental({ iterations: 10, concurrency: 1 }))
  yield* provider.cancel(stopped.ref)
  const snapshots = Chunk.toReadonlyArray(yield* Stream.runCollect(provider.watch(stopped.ref)))
  expect(snapshots[snapshots.length - 1]!.status.unified).toBe("canceled")
  yield* SimulationProvider.readResults(provider, stopped.ref, { raw: true })
  yield* provider.cancel(first.ref)

  // Error answers of the routes used (404, 401, 422 for a query and a body, 400): probes whose
  // requests are wrong on purpose, so only their answers are checked.
  const probesFrom = handle.requests.exchanges.length
  yield* Effect.either(provider.getRun(ProviderRef.make("interactly", "run", "000000000000000000000000")))
  yield* Effect.either(client.getSimulationRun("000000000000000000000000"))
  const wrongKey = yield* Effect.provide(InteractlyClient.InteractlyClient, yield* Layer.build(providerLayer("sk-wrong")))
  yield* Effect.either(wrongKey.listSimulations())
  yield* Effect.either(client.listSimulations({ page: 0 }))
  const raw = (yield* HttpClient.HttpClient).pipe(HttpClient.mapRequest((r) => r.pipe(HttpClientRequest.prependUrl(handle.url), HttpClientRequest.bearerToken(apiKey))))
  const workflow = { workflow_id: "5eb7cf5a86d9755df3a6c593" }
  yield* raw.execute(HttpClientRequest.bodyUnsafeJson(HttpClientRequest.post("/v1/simulations"), { timeout_seconds: "soon", selected_workflow: workflow, counter_workflow: workflow }))
  yield* raw.execute(HttpClientRequest.bodyUnsafeJson(HttpClientRequest.post("/v1/simulations"), { selected_workflow: workflow }))
  const answered = (xs: ReadonlyArray<Emulator.Exchange>) => xs.filter((x) => x.fault === undefined)
  return { flow: answered(handle.requests.exchanges.slice(0, probesFrom)), probes: answered(handle.requests.exchanges.slice(probesFrom)) }
})

layer(NodeHttpClient.layerUndici, { excludeTestServices: true, timeout: 60_000 })("Interactly's contract (the official SDK's models)", (it) => {
  it.scoped("every request of a whole flow fits the SDK's request models, every answer its response models", () =>
    Effect.gen(function*() {
      const { flow, probes } = yield* recordFlow
      expect(flow.flatMap((x) => checkExchange(x))).toEqual([])
      expect(probes.flatMap((x) => checkExchange(x, true))).toEqual([])
      const exchanges = [...flow, ...probes]

      // The flow covers every route simbridge uses, with a success and the error shapes.
      const seen = new Set(exchanges.map((x) => routeOf(x.method, new URL(x.path, "http://e.invalid").pathname)?.name))
      expect([...routes.map((r) => r.name)].filter((n) => !seen.has(n))).toEqual([])
      expect(new Set(exchanges.filter((x) => x.status >= 400).map((x) => x.status))).toEqual(new Set([400, 401, 404, 409, 422]))

      // Each deliberate extra is really sent (the list stays true).
      const answers = exchanges.flatMap((x) => (x.responseBody === undefined ? [] : [x.responseBody]))
      for (const fields of Object.values(deliberateExtras)) {
        for (const field of Object.keys(fields)) expect(answers.some((a) => a.includes(`"${field}":`)), field).toBe(true)
      }
      // Any URL the emulator hands out points at a `.invalid` host, never at a real one.
      for (const a of answers) {
        for (const url of a.match(/https?:\/\/[^"\s]+/g) ?? []) expect(new URL(url).hostname).toMatch(/\.invalid$/)
      }
      // The stop left executions unspawned: the group plans more than it lists.
      const stop = exchanges.find((x) => routeOf(x.method, x.path)?.name === "stopSimulationRun" && x.status === 200)!
      expect(JSON.parse(stop.responseBody!).simulation_group.total_runs).toBe(10)
    }))

  it.scoped("the check fails on a recorded body that breaks the SDK's models (a mutation)", () =>
    Effect.gen(function*() {
      const { flow, probes } = yield* recordFlow
      const exchanges = [...flow, ...probes]
      const recorded = (name: string, status = 200) => {
        const x = exchanges.find((e) => routeOf(e.method, new URL(e.path, "http://e.invalid").pathname)?.name === name && e.status === status)
        expect(x, name).toBeDefined()
        return x!
      }
      const mutate = (x: Emulator.Exchange, side: "requestBody" | "responseBody", change: (body: any) => void): Emulator.Exchange => {
        const body = JSON.parse(x[side]!)
        change(body)
        return { ...x, [side]: JSON.stringify(body) }
      }
      const createWorkflow = recorded("createWorkflow")
      expect(checkExchange(createWorkflow)).toEqual([])
      // `name` is required by `WorkflowCreateParams`: dropped, the check fails naming it.
      const noName = checkExchange(mutate(createWorkflow, "requestBody", (b) => delete b.name))
      expect(noName.length).toBeGreaterThan(0)
      expect(noName.join("\n")).toContain("request name: is missing")

      const createSimulation = recorded("createSimulation")
      expect(checkExchange(createSimulation)).toEqual([])
      expect(checkExchange(mutate(createSimulation, "requestBody", (b) => (b.number_of_simulations = "3"))).join("\n")).toContain("number_of_simulations")
      expect(checkExchange(mutate(createSimulation, "requestBody", (b) => (b.status = "inactive"))).join("\n")).toContain("status")
      // A field the server's model does not declare would be dropped silently: it fails too.
      expect(checkExchange(mutate(createSimulation, "requestBody", (b) => (b.iterations = 3))).join("\n")).toContain("iterations")

      // Responses: a group's `total_runs` as a string, a workflow run without `workflow_id`, an undeclared field.
      expect(checkExchange(mutate(recorded("getSimulationRun"), "responseBody", (b) => (b.simulation_group.total_runs = "6"))).join("\n")).toContain("total_runs")
      expect(checkExchange(mutate(recorded("getWorkflowRun"), "responseBody", (b) => (b.workflow_run.workflow_run.workflow_id = null))).join("\n")).toContain("workflow_id")
      expect(checkExchange(mutate(recorded("listExecutions"), "responseBody", (b) => (b.individual_runs[0].score = 1))).join("\n")).toContain("score")
      // An error in the wrong shape.
      expect(checkExchange(mutate(recorded("getSimulationRun", 404), "responseBody", (b) => (b.detail = [b.detail]))).length).toBeGreaterThan(0)
    }))
})
