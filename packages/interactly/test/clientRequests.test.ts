/**
 * The requests the client sends for each operation, exactly (method, URL, query, headers in their
 * order, body), pinned in fixtures/pinned-requests.json: how they are built may change, never what
 * is sent. (`PIN_REQUESTS_WRITE=1` rewrites the fixture from the current code.)
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as UrlParams from "@effect/platform/UrlParams"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import * as InteractlyClient from "../src/InteractlyClient.js"

const id = "5eb7cf5a86d9755df3a6c593"

const recordAll = (settings: InteractlyClient.Settings) =>
  Effect.gen(function*() {
    const sent: Array<unknown> = []
    const http = HttpClient.make((request) =>
      Effect.sync(() => {
        const body = request.body
        sent.push({
          method: request.method,
          url: request.url,
          urlParams: UrlParams.toString(request.urlParams),
          headers: Object.entries(request.headers),
          body: body._tag === "Uint8Array" ? { contentType: body.contentType, text: new TextDecoder().decode(body.body) } : body._tag
        })
        return HttpClientResponse.fromWeb(request, new Response(JSON.stringify({ detail: "not here" }), { status: 404 }))
      })
    )
    const client = yield* Effect.provideService(InteractlyClient.make(settings), HttpClient.HttpClient, http)
    const calls: ReadonlyArray<Effect.Effect<unknown, unknown>> = [
      client.simulationSchema(),
      client.createSimulation({ name: "n", selected_workflow: { workflow_id: id }, counter_workflow: { workflow_id: id, dynamic_variables: { a: "b" } }, logical_id: "l" }),
      client.listSimulations({ logical_id: "simbridge/x y", page: 2, size: 100, search: undefined }),
      client.listSimulations(),
      client.getSimulation(id),
      client.updateSimulation(id, { description: "d" }),
      client.deleteSimulation(id),
      client.runSimulation(id, { runner_name: "marker" }),
      client.runSimulation(id),
      client.listSimulationRuns(id, { page: 1, size: 100 }),
      client.listSimulationRuns("a/b"),
      client.evaluationSummary(id, id),
      client.evaluationSummary(id),
      client.getSimulationRun(id),
      client.stopSimulationRun(id),
      client.listExecutions(id, { page: 3, size: 50 }),
      client.listDetailedExecutions(id),
      client.getWorkflowRun(id),
      client.getWorkflowRunEvaluation(id),
      client.createWorkflow({ name: "w", description: "d" }),
      client.listWorkflows({ search: "simbridge caller: p", page: 1, size: 100 }),
      client.getWorkflow(id),
      client.updateWorkflow(id, { description: "d" })
    ]
    const errors: Array<unknown> = []
    for (const call of calls) {
      const outcome = yield* Effect.either(call)
      errors.push(outcome._tag === "Left" ? JSON.parse(JSON.stringify(outcome.left)) : "succeeded")
    }
    return { sent, errors }
  })

const fixture = new URL("./fixtures/pinned-requests.json", import.meta.url)

describe("the client's requests, pinned", () => {
  it.effect("every operation sends exactly the pinned request", () =>
    Effect.gen(function*() {
      const out = {
        plain: yield* recordAll({ apiKey: Redacted.make("sk-secret"), baseUrl: "https://api.example.test/workflows/" }),
        team: yield* recordAll({ apiKey: Redacted.make("sk-secret"), baseUrl: "http://127.0.0.1:9/workflows", teamId: "team-1", userId: "user-1" }),
        defaults: yield* recordAll({ apiKey: Redacted.make("sk-secret") })
      }
      const json = JSON.stringify(out, null, 1)
      if (process.env.PIN_REQUESTS_WRITE === "1" || !existsSync(fixture)) writeFileSync(fixture, `${json}\n`)
      expect(json).toBe(readFileSync(fixture, "utf8").trimEnd())
    }))
})
