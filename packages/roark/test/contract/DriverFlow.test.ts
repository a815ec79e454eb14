/**
 * Every body the adapter sends, and every answer it reads, in a whole flow against the emulator,
 * held to Roark's SDK v2.31 types (`requests.ts`, `responses.ts`): provision everything, provision
 * a changed suite (updates and a new metric definition), start a run, watch it to its end, read its
 * results, cancel it once ended, cancel a running one twice, read a run that does not exist, and
 * call with a wrong key. The compile-time half is `BuildersFitTheSdk` and `EmulatorFitsTheSdk`.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { describe, expect, it } from "@effect/vitest"
import { Plan, ProviderRef, Retry, SimulationProvider } from "@simbridge/core"
import * as RoarkEmulator from "@simbridge/emulators/RoarkEmulator"
import * as Chunk from "effect/Chunk"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { RoarkProvider } from "../../src/index.js"
import { type Exchange, recording } from "./recording.js"
import { metricDefinitionCreate, requestContracts, runPlanCreate } from "./requests.js"
import { errorBody, responseContracts } from "./responses.js"
import { check } from "./shape.js"

const key = "sk-contract"
const fastRetry = new Retry.RetryPolicy({ ...Retry.defaultPolicy, initialDelay: Duration.millis(10), maxDelay: Duration.millis(50), maxAttempts: 4 })

const suite = {
  name: "Contract flow",
  target: { roark: { agentEndpointId: RoarkEmulator.seeded.agentEndpointId } },
  vendors: { roark: { analysisPackageId: RoarkEmulator.seeded.analysisPackageId, endCallReasons: ["the caller hung up"], hasDisfluencies: false } },
  iterations: 2,
  concurrency: 2,
  maxDurationSeconds: 240,
  silenceTimeoutSeconds: 20,
  endCallPhrases: ["bye"],
  personas: [{
    id: "sarah",
    name: "Sarah Johnson",
    language: "en",
    accent: "us",
    gender: "female",
    emotion: "frustrated",
    backgroundNoise: "office",
    speechPace: "fast",
    speechClarity: "clear",
    intentClarity: "indirect",
    confirmationStyle: "explicit",
    memoryReliability: "low",
    backstory: "A busy professional calling during lunch break",
    properties: { age: 35 }
  }],
  scenarios: [{
    id: "book",
    name: "Book an appointment",
    instructions: "You have a toothache and want the earliest appointment, your name is {{patientName}}.",
    steps: ["Mention the pain"],
    expectedOutcome: "The appointment is booked",
    variables: { patientName: "Sarah", visits: 2 },
    evaluators: ["booked", "polite", "repeats", "day"]
  }],
  evaluators: [
    { id: "booked", description: "The agent booked an appointment for the caller", type: "boolean", expect: true },
    { id: "polite", description: "How polite the agent was", type: "number", comparator: ">=", expect: 3, scale: [1, 5], required: false },
    { id: "repeats", description: "How many times the caller had to repeat themselves", type: "number", comparator: "<=", expect: 2, required: false },
    { id: "day", description: "The weekday of the appointment", type: "string", comparator: "contains", expect: "day", required: false }
  ]
}

const changed = {
  ...suite,
  iterations: 3,
  personas: [{ ...suite.personas[0]!, emotion: "anxious", speechPace: "slow" }],
  scenarios: [{ ...suite.scenarios[0]!, instructions: "You want an appointment on Friday, your name is {{patientName}}." }],
  evaluators: [{ ...suite.evaluators[0]!, description: "The agent booked an appointment on the day the caller asked for" }, ...suite.evaluators.slice(1)]
}

const decode = Schema.decodeUnknownSync(Plan.Plan)

/** A provider on `url` whose every exchange is appended to `log`. */
const providerOn = (url: string, apiKey: string, log: Array<Exchange>) =>
  Effect.map(
    Layer.build(
      RoarkProvider.layer({ baseUrl: url, apiKey: Redacted.make(apiKey), retry: fastRetry, watch: { interval: "5 millis", maxInterval: "50 millis" } }).pipe(
        Layer.provide(recording(log))
      )
    ),
    (context) => Context.get(context, SimulationProvider.SimulationProvider)
  )

/** Each exchange's problems against the SDK's types, `<route>: <problem>`. */
const problemsOf = (log: ReadonlyArray<Exchange>): Array<string> =>
  log.flatMap((x) => {
    const problems: Array<string> = []
    const request = requestContracts[x.route]
    if (x.method === "GET") {
      if (x.body !== undefined) problems.push("a GET with a body")
    } else if (request === undefined) problems.push("no request contract for this route")
    else if (request.body === "none") {
      if (x.body !== undefined) problems.push(`${request.sdk}, but a body was sent`)
    } else problems.push(...check(request.body, x.body).map((p) => `${request.sdk} ${p}`))
    if (x.status >= 400) problems.push(...check(errorBody, x.response, "error").map((p) => `${x.status} ${p}`))
    else {
      const response = responseContracts[x.route]
      if (response === undefined) problems.push("no response contract for this route")
      else problems.push(...check(response.body, x.response, "response").map((p) => `${response.sdk} ${p}`))
    }
    return problems.map((p) => `${x.route}: ${p}`)
  })

describe("Roark's contract, held by the SDK v2.31 types", () => {
  it.scopedLive("every body the adapter sends and every answer it reads in a whole flow fits the SDK's types", () =>
    Effect.gen(function*() {
      const handle = yield* RoarkEmulator.start({ speed: 200, apiKey: key })
      const log: Array<Exchange> = []
      const provider = yield* providerOn(handle.url, key, log)

      yield* provider.provision(decode(suite))
      const plan = decode(changed)
      const updated = yield* provider.provision(plan)
      expect([updated.created, updated.updated]).toEqual([0, 4])
      const run = yield* provider.startRun(plan)
      const snapshots = Chunk.toReadonlyArray(yield* Stream.runCollect(provider.watch(run.ref)))
      expect(snapshots[snapshots.length - 1]!.status.unified).toBe("completed")
      const results = Chunk.toReadonlyArray(yield* Stream.runCollect(provider.results(run.ref, { raw: true })))
      expect(results).toHaveLength(3)
      expect(results.every((r) => r.recordingUrl?.startsWith("https://recordings.roark.invalid/"))).toBe(true)
      yield* provider.cancel(run.ref)
      const running = yield* provider.startRun(plan)
      yield* provider.cancel(running.ref)
      yield* provider.cancel(running.ref)
      const missing = yield* Effect.flip(provider.getRun(ProviderRef.make("roark", "run", "00000000-0000-4000-8000-000000000000")))
      expect(missing.reason).toBe("NotFound")
      const refused = yield* Effect.flip((yield* providerOn(handle.url, "sk-wrong", log)).provision(plan))
      expect(refused.reason).toBe("Unauthorized")

      expect(problemsOf(log)).toEqual([])
      // The flow reached every route with a body, and the error answers.
      const routes = new Set(log.map((x) => x.route))
      expect(Object.keys(requestContracts).filter((r) => !routes.has(r))).toEqual([])
      expect(new Set(log.map((x) => x.status))).toEqual(new Set([200, 201, 401, 404]))

      // The check catches what it is for: a dropped required field, a field the SDK does not
      // have, a conditional requirement, a wrong JSON type.
      const metricBody = log.find((x) => x.route === "POST /v1/metric/definitions" && (x.body as { outputType: string }).outputType === "SCALE")!.body as Record<string, unknown>
      expect(check(metricDefinitionCreate, metricBody)).toEqual([])
      const { analysisPackageId: _, ...withoutPackage } = metricBody
      expect(check(metricDefinitionCreate, withoutPackage)).toEqual(["body.analysisPackageId: required by the SDK, missing"])
      const { scaleMax: __, ...withoutMax } = metricBody
      expect(check(metricDefinitionCreate, withoutMax)).toEqual(["body.scaleMax: required by the SDK for outputType SCALE, missing"])
      expect(check(metricDefinitionCreate, { ...metricBody, slug: "x", type: "SCALE" })).toEqual([
        "body.slug: not a field of the SDK's type",
        "body.type: not a field of the SDK's type"
      ])
      const planBody = log.find((x) => x.route === "POST /v1/simulation/plan")!.body as { personas: Array<Record<string, unknown>> }
      expect(check(runPlanCreate, planBody)).toEqual([])
      expect(check(runPlanCreate, { ...planBody, personas: [{}], maxSimulationDurationSeconds: "240" })).toEqual([
        "body.maxSimulationDurationSeconds: expected number, got string",
        "body.personas[0].id: required by the SDK, missing"
      ])
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("the metric definition body of earlier versions is refused with a 400 naming the missing fields, in Roark's error body", () =>
    Effect.gen(function*() {
      const handle = yield* RoarkEmulator.start({ speed: 200 })
      const log: Array<Exchange> = []
      const recorded = Context.get(yield* Layer.build(Layer.provide(recording(log), NodeHttpClient.layerUndici)), HttpClient.HttpClient)
      const client = recorded.pipe(HttpClient.mapRequest(HttpClientRequest.bearerToken("k")))
      const old = { name: "Booked", slug: "booked_check", description: "The agent booked an appointment", type: "BOOLEAN" }
      // The contract check refuses it too.
      expect(check(metricDefinitionCreate, old)).toEqual([
        "body.analysisPackageId: required by the SDK, missing",
        "body.outputType: required by the SDK, missing",
        "body.slug: not a field of the SDK's type",
        "body.description: not a field of the SDK's type",
        "body.type: not a field of the SDK's type"
      ])
      yield* Effect.scoped(client.execute(HttpClientRequest.post(`${handle.url}/v1/metric/definitions`).pipe(HttpClientRequest.bodyUnsafeJson(old))))
      const [refused] = log
      expect(refused!.status).toBe(400)
      expect(check(errorBody, refused!.response, "error")).toEqual([])
      expect(refused!.response).toMatchObject({
        statusCode: 400,
        error: "Bad Request",
        issues: [{ path: "analysisPackageId", message: "is missing" }, { path: "outputType", message: "is missing" }]
      })
      expect((refused!.response as { message: string }).message).toBe("analysisPackageId: is missing; outputType: is missing")
      // Without its prompt a BOOLEAN is refused as well.
      yield* Effect.scoped(client.execute(HttpClientRequest.post(`${handle.url}/v1/metric/definitions`).pipe(
        HttpClientRequest.bodyUnsafeJson({ analysisPackageId: RoarkEmulator.seeded.analysisPackageId, name: "Booked", outputType: "BOOLEAN" })
      )))
      expect(log[1]!.status).toBe(400)
      expect((log[1]!.response as { message: string }).message).toBe("llmPrompt: is missing (required for outputType BOOLEAN)")
    }))
})
