import { readFileSync } from "node:fs"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { describe, expect, it } from "@effect/vitest"
import { vi } from "vitest"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as InteractlyClient from "../src/InteractlyClient.js"
import * as InteractlyEmulator from "@simbridge/emulators/InteractlyEmulator"
import * as Wire from "../src/InteractlyWire.js"

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8"))

const target = "5eb7cf5a86d9755df3a6c593"

/** Starts an emulator and a client configured for it. */
const setup = (options: { readonly speed?: number; readonly seed?: number; readonly apiKey?: string } = {}) =>
  Effect.gen(function*() {
    const handle = yield* InteractlyEmulator.start({ speed: options.speed ?? 200, seed: options.seed ?? 1, apiKey: options.apiKey })
    const client = yield* InteractlyClient.make({ baseUrl: handle.url, apiKey: Redacted.make(options.apiKey ?? "sk-test") })
    const raw = (yield* HttpClient.HttpClient).pipe(
      HttpClient.mapRequest((r) => r.pipe(HttpClientRequest.prependUrl(handle.url), HttpClientRequest.bearerToken(options.apiKey ?? "sk-test")))
    )
    return { handle, client, raw }
  })

const send = (raw: HttpClient.HttpClient, request: HttpClientRequest.HttpClientRequest) =>
  raw.execute(request).pipe(Effect.flatMap((r) => Effect.map(r.json, (body) => ({ status: r.status, body: body as any }))))

/** Every key path of a JSON value with the JSON type found there. */
const shape = (value: unknown, path = ""): Array<string> =>
  value !== null && typeof value === "object" && !Array.isArray(value)
    ? Object.entries(value).flatMap(([k, v]) => shape(v, `${path}.${k}`))
    : [`${path}:${value === null ? "null" : Array.isArray(value) ? "array" : typeof value}`]

const simulationBody = (overrides: Partial<Wire.CreateSimulationRequest> = {}): Wire.CreateSimulationRequest => ({
  logical_id: `test-${Math.random().toString(16).slice(2)}`,
  name: "test",
  selected_workflow: { workflow_id: target },
  counter_workflow: { workflow_id: "6a5e89a4ef9c35b9a7a19773", dynamic_variables: { persona_name: "Sarah", scenario_instructions: "Book a cleaning." } },
  ...overrides
})

const isTerminal = (s: string) => ["completed", "failed", "cancelled"].includes(s)

const waitFor = <A, E, R>(poll: Effect.Effect<A, E, R>, done: (a: A) => boolean) =>
  Effect.gen(function*() {
    for (let i = 0; i < 2000; i++) {
      const a = yield* poll
      if (done(a)) return a
      yield* Effect.sleep("2 millis")
    }
    return yield* Effect.die("condition never reached")
  })

describe("InteractlyEmulator", () => {
  it.scopedLive("accepts the seed's create request and answers in the seed's response shape", () =>
    Effect.gen(function*() {
      const { raw } = yield* setup()
      const response = yield* send(raw, HttpClientRequest.bodyUnsafeJson(HttpClientRequest.post("/v1/simulations"), fixture("seed-create-request.json")))
      expect(response.status).toBe(200)
      const expected = shape(fixture("seed-create-response.json"))
      const actual = new Set(shape(response.body))
      for (const path of expected) expect(actual, path).toContain(path)
      expect(response.body.simulation._id).toMatch(/^[0-9a-f]{24}$/)
      expect(response.body.simulation.simulation_config).toMatchObject({ timeout_seconds: 123, max_events: 500, number_of_simulations: 1, status: "pending", logical_id: "<string>" })
      // Omitted fields get the documented defaults.
      const minimal = yield* send(raw, HttpClientRequest.bodyUnsafeJson(HttpClientRequest.post("/v1/simulations"), { selected_workflow: { workflow_id: target }, counter_workflow: { workflow_id: target } }))
      expect(minimal.body.simulation.simulation_config).toMatchObject({
        timeout_seconds: 120, max_events: 3000, number_of_simulations: 1, max_concurrent_runs: 1, assistant_starts_first: true, stop_on_failure: false, status: "pending"
      })
      expect(minimal.body.simulation.simulation_config.logical_id).toMatch(/^simulation_[0-9a-f-]{36}$/)
      expect(minimal.body.simulation.simulation_config.selected_workflow.name).toBe("Dental clinic receptionist")
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("answers validation errors in FastAPI's shapes", () =>
    Effect.gen(function*() {
      const { raw, client } = yield* setup({ apiKey: "sk-right" })
      const post = (body: unknown) => send(raw, HttpClientRequest.bodyUnsafeJson(HttpClientRequest.post("/v1/simulations"), body))
      const typed = yield* post({ timeout_seconds: "soon", selected_workflow: { workflow_id: target }, counter_workflow: { workflow_id: target } })
      expect(typed.status).toBe(422)
      expect(typed.body.detail[0]).toMatchObject({ loc: ["body", "timeout_seconds"], type: "value_error" })
      // One entry per field: no "Expected null" / "Expected undefined" from the optional branches.
      const named = yield* post({ name: 1, selected_workflow: { workflow_id: target }, counter_workflow: { workflow_id: target } })
      expect(named.status).toBe(422)
      expect(named.body.detail.filter((d: { loc: Array<string> }) => d.loc.join(".") === "body.name")).toHaveLength(1)
      expect(JSON.stringify(named.body)).not.toMatch(/Expected (null|undefined)/)
      const missing = yield* post({ selected_workflow: { workflow_id: target } })
      expect(missing).toEqual({ status: 400, body: { message: "Invalid simulation configuration", error: "counter_workflow.workflow_id is required" } })
      const badJson = yield* send(raw, HttpClientRequest.bodyText(HttpClientRequest.post("/v1/simulations"), "{", "application/json"))
      expect(badJson.body.detail[0].type).toBe("json_invalid")
      const badId = yield* send(raw, HttpClientRequest.get("/v1/simulations/not-an-id"))
      expect(badId.status).toBe(422)
      expect(badId.body.detail[0].loc).toEqual(["path", "simulation_id"])
      const badPage = yield* send(raw, HttpClientRequest.get("/v1/simulations?page=0"))
      expect(badPage.body.detail[0].loc).toEqual(["query", "page"])

      // The client maps these to reasons and messages.
      const notFound = yield* Effect.flip(client.getSimulation("000000000000000000000000"))
      expect(notFound.reason).toBe("NotFound")
      expect(notFound.description).toBe("Simulation not found")
      const bad = yield* Effect.flip(client.listSimulations({ page: 0 }))
      expect(bad.reason).toBe("InvalidRequest")
      expect(bad.description).toContain("query.page")
      const local = yield* Effect.flip(client.createSimulation(simulationBody({ selected_workflow: { workflow_id: "nope" } })))
      expect(local.reason).toBe("InvalidRequest")
      expect(local.http).toBeUndefined()
      expect(local.description).toContain("selected_workflow.workflow_id")

      const wrongKey = yield* InteractlyClient.make({ baseUrl: (yield* setup({ apiKey: "sk-right" })).handle.url, apiKey: Redacted.make("sk-wrong") })
      const unauthorized = yield* Effect.flip(wrongKey.listSimulations())
      expect(unauthorized.reason).toBe("Unauthorized")
      expect(unauthorized.description).toBe("Invalid API key")
      expect(JSON.stringify(unauthorized.http)).not.toContain("sk-wrong")
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("pages and filters simulations, updates and deletes them", () =>
    Effect.gen(function*() {
      const { client } = yield* setup()
      const created = yield* Effect.forEach([1, 2, 3], (i) => client.createSimulation(simulationBody({ logical_id: `sim-${i}`, description: `number ${i}` })))
      const first = yield* client.listSimulations({ page: 1, size: 2 })
      const second = yield* client.listSimulations({ page: 2, size: 2 })
      expect(first.total).toBe(3)
      expect(first.simulations.length).toBe(2)
      expect(second.simulations.length).toBe(1)
      expect(new Set([...first.simulations, ...second.simulations].map((s) => s._id))).toEqual(new Set(created.map((s) => s._id)))
      const byLogical = yield* client.listSimulations({ logical_id: "sim-2" })
      expect(byLogical.simulations.map((s) => s._id)).toEqual([created[1]!._id])
      const updated = yield* client.updateSimulation(created[0]!._id, { description: "changed" })
      expect(updated.simulation_config.description).toBe("changed")
      expect((yield* client.getSimulation(created[0]!._id)).simulation_config.description).toBe("changed")
      expect((yield* client.deleteSimulation(created[2]!._id)).message).toContain("deleted")
      expect((yield* Effect.flip(client.getSimulation(created[2]!._id))).reason).toBe("NotFound")
      const schema = yield* client.simulationSchema()
      expect(JSON.stringify(schema.config_schema)).toContain("max_concurrent_runs")
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("runs a group in waves of max_concurrent_runs to completion, with transcripts and evaluations", () =>
    Effect.gen(function*() {
      const { client } = yield* setup()
      const sim = yield* client.createSimulation(simulationBody({ number_of_simulations: 4, max_concurrent_runs: 2 }))
      const group = yield* client.runSimulation(sim._id, { runner_name: "marker-1" })
      expect(group.status).toBe("pending")
      expect(group.runner_name).toBe("marker-1")
      expect(group.total_runs).toBe(4)
      const id = Wire.idOf(group)
      const done = yield* waitFor(client.getSimulationRun(id), (g) => isTerminal(g.status))
      expect(done).toMatchObject({ status: "completed", completed_runs: 4, failed_runs: 0, simulation_config_id: sim._id })
      expect((yield* client.getSimulation(sim._id)).simulation_config.status).toBe("completed")

      const executions = yield* client.listExecutions(id, { page: 1, size: 3 })
      expect(executions.total).toBe(4)
      expect(executions.individual_runs.map((e) => e.run_index)).toEqual([0, 1, 2])
      const all = [...executions.individual_runs, ...(yield* client.listExecutions(id, { page: 2, size: 3 })).individual_runs]
      const runs = yield* Effect.forEach(all, (e) => client.getWorkflowRun(e.selected_workflow_run_id!))
      // Waves: executions 0 and 1 start together, 2 and 3 after them.
      const starts = runs.map((r) => (r.workflow_run.input_output_pairs![0]!.run_output!.events![0] as { timestamp: number }).timestamp)
      expect(starts[0]).toBe(starts[1])
      expect(starts[2]).toBe(starts[3])
      expect(starts[2]!).toBeGreaterThan(starts[0]!)
      for (const r of runs) {
        expect(r.workflow_run.status).toBe("completed")
        const types = r.workflow_run.input_output_pairs![0]!.run_output!.events!.map((e) => (e as { type: string }).type)
        expect(types[0]).toBe("start_node_run")
        expect(types).toContain("user_messages")
        expect(types).toContain("assistant_response")
        expect(types[types.length - 1]).toBe("end_node_run")
      }
      const counter = yield* client.getWorkflowRun(all[0]!.counter_workflow_run_id!)
      expect(counter.workflow_run.workflow_id).toBe("6a5e89a4ef9c35b9a7a19773")

      const evaluations = yield* Effect.forEach(all, (e) => client.getWorkflowRunEvaluation(e.selected_workflow_run_id!))
      const summary = yield* client.evaluationSummary(sim._id, id)
      const s = summary.selected_workflow_summary!
      expect(s.total_runs).toBe(4)
      expect(s.successful_evaluations).toBe(evaluations.filter((e) => e.passed).length)
      expect(s.failed_evaluations).toBe(evaluations.filter((e) => e.passed === false).length)
      expect(s.metrics.map((m) => m.metric_name)).toEqual(["booked", "polite"])
      for (const m of s.metrics) {
        const d = m.distribution!
        expect(d.bucket_0_20 + d.bucket_21_40 + d.bucket_41_60 + d.bucket_61_80 + d.bucket_81_100).toBe(4)
        expect(m.min_score!).toBeLessThanOrEqual(m.average_score!)
        expect(m.max_score!).toBeGreaterThanOrEqual(m.average_score!)
      }
      // The caller workflow has no evaluation criteria.
      expect(summary.counter_workflow_summary).toMatchObject({ no_evaluation_configured: 4, metrics: [] })
      expect((yield* Effect.flip(client.getWorkflowRunEvaluation(all[0]!.counter_workflow_run_id!))).reason).toBe("NotFound")
      const detailed = yield* client.listDetailedExecutions(id)
      expect(detailed.map((d) => d.run_index)).toEqual([0, 1, 2, 3])
      expect(detailed.map((d) => d.score)).toEqual(evaluations.map((e) => e.score))
      const list = yield* client.listSimulationRuns(sim._id)
      expect(list.simulation_groups.map(Wire.idOf)).toEqual([id])
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("is deterministic for a seed", () =>
    Effect.gen(function*() {
      const scores = (seed: number) =>
        Effect.gen(function*() {
          const { client } = yield* setup({ seed })
          // A caller workflow created on this emulator: its id (and so the logical id) differs each time.
          const caller = yield* client.createWorkflow({ name: "caller" })
          const body = simulationBody({ number_of_simulations: 6, max_concurrent_runs: 6 })
          const sim = yield* client.createSimulation({ ...body, logical_id: `sim-${caller._id}`, counter_workflow: { ...body.counter_workflow, workflow_id: caller._id } })
          const id = Wire.idOf(yield* client.runSimulation(sim._id))
          yield* waitFor(client.getSimulationRun(id), (g) => isTerminal(g.status))
          return (yield* client.listDetailedExecutions(id)).map((d) => d.score)
        })
      const a = yield* scores(7)
      expect(yield* scores(7)).toEqual(a)
      expect(yield* scores(8)).not.toEqual(a)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("a fresh emulator hands out ids of its own (ObjectIds: time, process part, counter); seeded ids and outcomes stay", () =>
    Effect.gen(function*() {
      const flow = Effect.gen(function*() {
        const { client } = yield* setup({ seed: 4 })
        const seeded = yield* Effect.forEach(InteractlyEmulator.seededWorkflows, (w) => client.getWorkflow(w.id))
        const sim = yield* client.createSimulation(simulationBody({ logical_id: "ids", number_of_simulations: 3, max_concurrent_runs: 3 }))
        const group = Wire.idOf(yield* client.runSimulation(sim._id))
        yield* waitFor(client.getSimulationRun(group), (g) => isTerminal(g.status))
        const executions = (yield* client.listExecutions(group)).individual_runs
        const scores = (yield* client.listDetailedExecutions(group)).map((d) => d.score)
        const ids = [sim._id, group, ...executions.flatMap((e) => [Wire.idOf(e), e.selected_workflow_run_id!, e.counter_workflow_run_id!])]
        return { seeded: seeded.map((w) => [w._id, w.name]), ids, scores }
      })
      const first = yield* flow
      const second = yield* flow
      expect(first.ids.every((id) => /^[0-9a-f]{24}$/.test(id))).toBe(true)
      expect(second.ids.filter((id) => first.ids.includes(id))).toEqual([])
      // Outcomes are keyed by stable inputs, not ids: the same for the same seed.
      expect(second.scores).toEqual(first.scores)
      expect(first.seeded).toEqual([["5eb7cf5a86d9755df3a6c593", "Dental clinic receptionist"], ["5eb7cf5a86d9755df3a6c594", "Dental clinic receptionist (yes/no criteria)"]])
      expect(second.seeded).toEqual(first.seeded)
      // A restarted process loads the module afresh: another random process part (bytes 4-8), so
      // ids made in the same second by two processes differ too.
      vi.resetModules()
      const restarted: typeof InteractlyEmulator = yield* Effect.promise(() => import("@simbridge/emulators/InteractlyEmulator"))
      const now = Date.now()
      const [a, b] = [InteractlyEmulator.objectId(now), restarted.objectId(now)]
      expect(a.slice(0, 8)).toBe(b.slice(0, 8))
      expect(a.slice(8, 18)).not.toBe(b.slice(8, 18))
      expect(restarted.seededWorkflows.map((w) => w.id)).toEqual(InteractlyEmulator.seededWorkflows.map((w) => w.id))
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("stop: running executions finish, executions not spawned yet are never created", () =>
    Effect.gen(function*() {
      // Speed 3: the group waits 0.2 s, then waves of 2 start every second.
      const { client } = yield* setup({ speed: 3 })
      const sim = yield* client.createSimulation(simulationBody({ number_of_simulations: 6, max_concurrent_runs: 2 }))
      const id = Wire.idOf(yield* client.runSimulation(sim._id))
      // Executions exist from their spawn on: none while the group is pending.
      const early = yield* client.listExecutions(id)
      if ((yield* client.getSimulationRun(id)).status === "pending") expect(early).toEqual({ individual_runs: [], total: 0 })
      yield* waitFor(client.listExecutions(id), (l) => l.individual_runs.length > 0)
      const stopped = yield* client.stopSimulationRun(id)
      expect(stopped).toMatchObject({ status: "cancelled", total_runs: 6 })
      const after = yield* client.listExecutions(id)
      // The first wave only (max_concurrent_runs 2), still running: the other 4 are never spawned.
      expect(after.total).toBe(2)
      expect(after.individual_runs.map((e) => [e.run_index, e.status])).toEqual([[0, "running"], [1, "running"]])
      const finished = yield* waitFor(client.listExecutions(id), (l) => l.individual_runs.every((e) => e.status !== "running"))
      expect(finished.total).toBe(2)
      expect(finished.individual_runs.map((e) => e.status)).toEqual(["completed", "completed"])
      const group = yield* client.getSimulationRun(id)
      expect(group).toMatchObject({ status: "cancelled", total_runs: 6, completed_runs: 2, failed_runs: 0 })
      expect((yield* client.listDetailedExecutions(id)).map((d) => d.run_index)).toEqual([0, 1])
      expect((yield* client.evaluationSummary(sim._id, id)).selected_workflow_summary?.total_runs).toBe(2)
      for (const e of finished.individual_runs) expect((yield* client.getWorkflowRun(e.selected_workflow_run_id!)).workflow_run.status).toBe("completed")
      // Past the start of the third wave, still the two.
      yield* Effect.sleep("1100 millis")
      expect((yield* client.listExecutions(id)).total).toBe(2)
      const again = yield* client.stopSimulationRun(id)
      expect(again.status).toBe("cancelled")

      const other = yield* client.createSimulation(simulationBody())
      const otherId = Wire.idOf(yield* client.runSimulation(other._id))
      yield* waitFor(client.getSimulationRun(otherId), (g) => isTerminal(g.status))
      const conflict = yield* Effect.flip(client.stopSimulationRun(otherId))
      expect(conflict.reason).toBe("Conflict")
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("max_events and timeout_seconds fail executions; stop_on_failure stops the group", () =>
    Effect.gen(function*() {
      const { client } = yield* setup()
      const run = (body: Partial<Wire.CreateSimulationRequest>) =>
        Effect.gen(function*() {
          const sim = yield* client.createSimulation(simulationBody({ number_of_simulations: 3, ...body }))
          const id = Wire.idOf(yield* client.runSimulation(sim._id))
          const group = yield* waitFor(client.getSimulationRun(id), (g) => isTerminal(g.status))
          return { group, executions: (yield* client.listExecutions(id)).individual_runs }
        })
      const looping = yield* run({ max_events: 4 })
      expect(looping.group).toMatchObject({ status: "failed", failed_runs: 3, completed_runs: 0 })
      expect(looping.executions[0]!.error_message).toContain("max_events (4)")
      const wr = yield* client.getWorkflowRun(looping.executions[0]!.selected_workflow_run_id!)
      expect(wr.workflow_run.status).toBe("aborted_looping_risk")
      expect(wr.workflow_run.input_output_pairs![0]!.run_output!.events!.length).toBe(4)

      const slow = yield* run({ timeout_seconds: 5 })
      expect(slow.executions.map((e) => e.status)).toEqual(["failed", "failed", "failed"])
      expect(slow.executions[0]!.error_message).toContain("timeout_seconds (5)")

      // Nothing is spawned after the first failure: the group plans 3 and lists 1.
      const stopping = yield* run({ max_events: 4, stop_on_failure: true })
      expect(stopping.group).toMatchObject({ status: "failed", total_runs: 3, completed_runs: 0, failed_runs: 1 })
      expect(stopping.executions.map((e) => e.status)).toEqual(["failed"])
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("creates, finds and updates workflows; renders injected unknown statuses", () =>
    Effect.gen(function*() {
      const { client, handle } = yield* setup()
      const created = yield* client.createWorkflow({ name: "simbridge caller: pat", description: "a caller" })
      expect(created._id).toMatch(/^[0-9a-f]{24}$/)
      const found = yield* client.listWorkflows({ search: "caller: pat" })
      expect(found.workflows.map((w) => w._id)).toEqual([created._id])
      expect((yield* client.updateWorkflow(created._id, { description: "changed" })).description).toBe("changed")
      expect((yield* client.getWorkflow(created._id)).description).toBe("changed")
      expect((yield* client.getWorkflow(target)).name).toBe("Dental clinic receptionist")

      const sim = yield* client.createSimulation(simulationBody())
      const id = Wire.idOf(yield* client.runSimulation(sim._id))
      handle.faults.injectNext({ _tag: "UnknownEnum" })
      expect((yield* client.getSimulationRun(id)).status).toBe(InteractlyEmulator.unknownStatus)
      expect((yield* client.getSimulationRun(id)).status).not.toBe(InteractlyEmulator.unknownStatus)
      // Aimed at one path: other reads render documented values.
      handle.faults.injectNext({ _tag: "UnknownEnum" }, 1, { method: "GET", path: `${InteractlyEmulator.basePath}/v1/simulation-runs/${id}/executions` })
      expect((yield* client.getSimulationRun(id)).status).not.toBe(InteractlyEmulator.unknownStatus)
      expect((yield* client.listExecutions(id)).individual_runs[0]!.status).toBe(InteractlyEmulator.unknownStatus)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))
})
