/**
 * A local emulator of Roark's simulation API (v2.31 core plus the later job cancel): real HTTP on
 * 127.0.0.1 with Roark's `{data}` envelope, cursor pagination, UUID ids, ISO timestamps and an
 * error body `{ statusCode, error, message, issues? }`.
 *
 * State advances lazily from timestamps: a run-plan job goes `PENDING` (or `QUEUED` behind another
 * job of a sequential plan) -> `CREATING_SNAPSHOTS` -> `CREATING_SIMULATIONS` -> `RUNNING_SIMULATIONS`
 * -> `ENDING_SIMULATIONS` -> `COMPLETED` (`FAILED` / `TIMED_OUT`), and each of its simulation jobs
 * (scenario x persona x agent endpoint x iteration, at most `maxConcurrentJobs` at a time) through
 * the processing statuses `CONNECTING ... COMPLETED`. Cancel goes through `CANCELLING` to
 * `CANCELLED` and is idempotent. Outcomes (metric values, call lengths) are deterministic for a
 * seed. Webhook subscriptions receive `simulation.run_plan_job.*` and `simulation.job.*` deliveries.
 *
 * Emulator-only hooks (documented in docs/providers/roark.md): a persona whose `properties` carry
 * `emulatorOutcome: "FAILED" | "TIMED_OUT"` makes its simulation jobs end that way; a metric
 * definition whose description says `emulator:unjudged` is never computed (missing from the call's
 * metrics), one that says `emulator:boolean` is answered with a boolean whatever its type.
 *
 * @since 0.1.0
 */
import { createHmac, randomUUID } from "node:crypto"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpRouter from "@effect/platform/HttpRouter"
import type * as HttpServerError from "@effect/platform/HttpServerError"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Issues } from "@simbridge/core"
import { Emulator, Judging } from "@simbridge/emulator"
import type { FaultControl } from "@simbridge/emulator/Faults"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Wire from "@simbridge/roark/RoarkWire"

export const vendor = "roark"

// ---------------------------------------------------------------------------------------------
// Errors in Roark's (chosen) shape
// ---------------------------------------------------------------------------------------------

const reasonPhrase: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  409: "Conflict",
  422: "Unprocessable Entity",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable"
}

export const renderError: Emulator.ErrorRenderer = (status, message) =>
  HttpServerResponse.unsafeJson({ statusCode: status, error: reasonPhrase[status] ?? "Error", message }, { status })

class ApiError extends Data.TaggedError("ApiError")<{
  readonly status: number
  readonly message: string
  readonly issues?: ReadonlyArray<{ readonly path: string; readonly message: string }>
}> {}

const notFound = (what: string, id: string) => new ApiError({ status: 404, message: `${what} ${id} not found` })
const invalid = (path: string, message: string) =>
  new ApiError({ status: 400, message: `${path}: ${message}`, issues: [{ path, message }] })

const errorResponse = (e: ApiError) =>
  HttpServerResponse.unsafeJson(
    { statusCode: e.status, error: reasonPhrase[e.status] ?? "Error", message: e.message, ...(e.issues ? { issues: e.issues } : {}) },
    { status: e.status }
  )

// ---------------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------------

type Persona = Wire.Persona & { createdAt: string; updatedAt: string }
type Scenario = {
  id: string
  name: string
  description: string | null
  steps: Array<{
    nodeId: string
    type: string
    content: string | null
    dtmfDigits?: string | undefined
    linkedScenarioId?: string | undefined
    silenceDurationSeconds?: number | undefined
  }>
  createdAt: string
  updatedAt: string
}
type Metric = { id: string; metricId: string; slug: string; name: string; description: string; scope: string; type: string; supportedContexts: Array<string>; unit: null }
type Agent = { id: string; name: string; customId: string | null; description: string | null; createdAt: string; updatedAt: string }
type Endpoint = {
  id: string
  agentId: string
  direction: string
  environment: string
  outboundDialType: string
  outboundDialHttpRequestDefinitionId: string | null
  type: string
  value: string
  createdAt: string
  updatedAt: string
}
type Plan = {
  id: string
  name: string
  description: string | null
  direction: "INBOUND" | "OUTBOUND"
  agentEndpoints: Array<{ id: string }>
  personas: Array<{ id: string }>
  scenarios: Array<{ id: string; variables?: Record<string, string> }>
  metrics: Array<{ id: string }>
  evaluators: Array<{ id: string }>
  iterationCount: number
  maxConcurrentJobs: number
  maxSimulationDurationSeconds: number
  silenceTimeoutSeconds: number
  endCallPhrases: Array<string>
  endCallReasons: Array<string>
  executionMode: "PARALLEL" | "SEQUENTIAL_SAME_RUN_PLAN" | "SEQUENTIAL_PROJECT"
  testCaseCount: number
  createdAt: string
  updatedAt: string
  deleted: boolean
}

interface Sim {
  readonly id: string
  readonly callId: string
  readonly persona: Persona
  readonly scenario: Scenario & { readonly variables: Record<string, string> }
  readonly endpoint: Endpoint
  readonly iteration: number
  readonly key: string
  phone: string | undefined
}

interface Job {
  readonly id: string
  readonly plan: Plan
  readonly metrics: ReadonlyArray<Metric>
  readonly sims: ReadonlyArray<Sim>
  readonly createdAt: number
  readonly triggeredBy: string
  canceledAt: number | undefined
}

type Webhook = {
  id: string
  url: string
  description: string | null
  events: Array<string>
  headers: Record<string, string>
  signingSecret: string
  createdAt: string
  updatedAt: string
}

/** A webhook delivery attempt, kept for tests and `GET /__roark/deliveries`. */
export interface Delivery {
  readonly webhookId: string
  readonly event: string
  readonly status: number | undefined
  readonly attempt: number
}

class Store {
  readonly personas = new Map<string, Persona>()
  readonly scenarios = new Map<string, Scenario>()
  readonly metrics = new Map<string, Metric>()
  readonly agents = new Map<string, Agent>()
  readonly endpoints = new Map<string, Endpoint>()
  readonly plans = new Map<string, Plan>()
  readonly jobs = new Map<string, Job>()
  /** Per simulation job id and per call id: its run-plan job and position (lookups without a scan). */
  readonly sims = new Map<string, { readonly job: Job; readonly i: number }>()
  readonly calls = new Map<string, { readonly job: Job; readonly i: number }>()
  readonly webhooks = new Map<string, Webhook>()
  readonly emitted = new Set<string>()
  readonly deliveries: Array<Delivery> = []
  phoneCounter = 0
}

const iso = (ms: number) => new Date(ms).toISOString()

/** Ids of the objects the emulator starts with (the reference's documentation examples). */
export const seeded = {
  /** The example suite's `target.roark.agentEndpointId` and the job example's endpoint. */
  agentEndpointId: "3c2b1a09-8f7e-6d5c-4b3a-291807060504",
  agentId: "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a",
  /** The id the run-plan create example uses for its endpoint, persona, scenario and evaluator. */
  exampleId: "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e",
  personaId: "a1b2c3d4-e5f6-7890-abcd-ef1234567890",
  scenarioId: "f8e7d6c5-b4a3-9281-7069-5f4e3d2c1b0a"
} as const

const personaDefaults = {
  backgroundNoise: "NONE",
  speechPace: "NORMAL",
  speechClarity: "CLEAR",
  hasDisfluencies: false,
  baseEmotion: "NEUTRAL",
  intentClarity: "CLEAR",
  confirmationStyle: "EXPLICIT",
  memoryReliability: "HIGH",
  responseTiming: "NORMAL",
  idleMessages: [] as Array<string>,
  idleTimeoutSeconds: 10,
  idleMessageMaxSpokenCount: 2,
  idleMessageResetCountOnUserSpeechEnabled: true,
  properties: {} as Record<string, unknown>,
  backstoryPrompt: null,
  description: null,
  secondaryLanguage: null
}

const seed = (store: Store, now: number) => {
  const at = iso(now)
  store.agents.set(seeded.agentId, { id: seeded.agentId, name: "Dental clinic receptionist", customId: null, description: null, createdAt: at, updatedAt: at })
  for (const [id, value] of [[seeded.agentEndpointId, "+15555551234"], [seeded.exampleId, "+15555550100"]] as const) {
    store.endpoints.set(id, {
      id, agentId: seeded.agentId, direction: "INCOMING", environment: "production", outboundDialType: "NONE",
      outboundDialHttpRequestDefinitionId: null, type: "PHONE", value, createdAt: at, updatedAt: at
    })
  }
  for (const [id, name] of [[seeded.personaId, "Sarah Johnson - Anxious Patient"], [seeded.exampleId, "Example persona"]] as const) {
    store.personas.set(id, {
      id, name, language: "EN", accent: "US", gender: "FEMALE", ...personaDefaults, backgroundNoise: "OFFICE", baseEmotion: "FRUSTRATED",
      backstoryPrompt: "A busy professional calling during lunch break", properties: { age: 35, zipCode: "94105" }, createdAt: at, updatedAt: at
    })
  }
  for (const [id, content] of [[seeded.scenarioId, "Patient calling to schedule an urgent dental appointment"], [seeded.exampleId, "Example scenario"]] as const) {
    store.scenarios.set(id, {
      id, name: content, description: content, steps: [{ nodeId: randomUUID(), type: "CUSTOMER_TURN", content }], createdAt: at, updatedAt: at
    })
  }
  store.metrics.set(seeded.exampleId, {
    id: seeded.exampleId, metricId: "goal_achieved_check", slug: "goal_achieved_check", name: "Goal achieved",
    description: "Whether the caller achieved their goal", scope: "GLOBAL", type: "BOOLEAN", supportedContexts: ["CALL"], unit: null
  })
}

// ---------------------------------------------------------------------------------------------
// Timeline (lazy, from timestamps)
// ---------------------------------------------------------------------------------------------

interface Pace {
  readonly phase: number
  readonly call: number
  readonly cancel: number
}

const processingPhases = [
  ["CONNECTING", 0.13],
  ["SIMULATING", 0.67],
  ["ENDING", 0.73],
  ["ANALYZING", 0.83],
  ["EVALUATING", 0.9],
  ["COLLECTING_METRICS", 1]
] as const

type Outcome = "COMPLETED" | "FAILED" | "TIMED_OUT"

const outcomeOf = (sim: Sim): Outcome => {
  const o = sim.persona.properties?.["emulatorOutcome"]
  return o === "FAILED" || o === "TIMED_OUT" ? o : "COMPLETED"
}

interface SimView {
  readonly status: string
  readonly processingStatus: string
  readonly startedAt: number | undefined
  readonly completedAt: number | undefined
  /** The call exists (SIMULATING reached). */
  readonly called: boolean
  readonly callEnded: boolean
  readonly transcriptReady: boolean
}

interface JobView {
  readonly status: string
  readonly start: number
  readonly startedAt: number | undefined
  readonly endedAt: number | undefined
  readonly fannedOut: boolean
  readonly sims: ReadonlyArray<SimView>
}

const makeTimeline = (store: Store, pace: Pace) => {
  const starts = new Map<string, number>()

  /** When a job starts processing: at creation, or after the jobs it waits for in a sequential mode. */
  const startOf = (job: Job): number => {
    const cached = starts.get(job.id)
    if (cached !== undefined) return cached
    let start = job.createdAt
    if (job.plan.executionMode !== "PARALLEL") {
      for (const other of store.jobs.values()) {
        if (other === job) break
        if (job.plan.executionMode === "SEQUENTIAL_SAME_RUN_PLAN" && other.plan.id !== job.plan.id) continue
        start = Math.max(start, endOf(other))
      }
    }
    // Stable once known; a later cancel of an earlier job cannot move it (it only ends earlier).
    if (job.plan.executionMode === "PARALLEL") starts.set(job.id, start)
    return start
  }

  const geometry = (job: Job) => {
    const start = startOf(job)
    const running = start + 3 * pace.phase
    const c = Math.max(1, job.plan.maxConcurrentJobs)
    const lastEnd = running + Math.ceil(job.sims.length / c) * pace.call
    return { start, running, c, lastEnd, naturalEnd: lastEnd + pace.phase }
  }

  const endOf = (job: Job): number => {
    const g = geometry(job)
    return job.canceledAt !== undefined && job.canceledAt < g.naturalEnd ? job.canceledAt + pace.cancel : g.naturalEnd
  }

  const simView = (job: Job, i: number, now: number, g: ReturnType<typeof geometry>): SimView => {
    const sim = job.sims[i]!
    const start = g.running + Math.floor(i / g.c) * pace.call
    const outcome = outcomeOf(sim)
    const endFraction = outcome === "FAILED" ? 0.13 : outcome === "TIMED_OUT" ? 0.67 : 1
    const end = start + endFraction * pace.call
    const cancel = job.canceledAt !== undefined && job.canceledAt < end ? job.canceledAt : undefined
    const t = cancel === undefined ? now : Math.min(now, cancel)
    const offset = (t - start) / pace.call
    const phase = processingPhases.find(([, until]) => offset < until)?.[0] ?? "COMPLETED"
    const processing = t < start
      ? "PENDING"
      : job.plan.direction === "OUTBOUND" && phase === "CONNECTING"
      ? "WAITING_FOR_OUTBOUND_CALL"
      : t >= end
      ? (outcome === "COMPLETED" ? "COMPLETED" : phase)
      : phase
    const called = t >= start + 0.13 * pace.call && outcome !== "FAILED"
    if (cancel !== undefined && now >= cancel) {
      const done = now >= cancel + pace.cancel
      return {
        status: done ? "CANCELLED" : "CANCELLING",
        processingStatus: processing,
        startedAt: cancel > start ? start : undefined,
        completedAt: done ? cancel + pace.cancel : undefined,
        called,
        callEnded: called,
        transcriptReady: called
      }
    }
    if (now < start) return { status: "QUEUED", processingStatus: "PENDING", startedAt: undefined, completedAt: undefined, called: false, callEnded: false, transcriptReady: false }
    if (now < end) {
      return {
        status: "PROCESSING",
        processingStatus: processing,
        startedAt: start,
        completedAt: undefined,
        called,
        callEnded: offset >= 0.67,
        transcriptReady: offset >= 0.73
      }
    }
    return { status: outcome, processingStatus: processing, startedAt: start, completedAt: end, called, callEnded: called, transcriptReady: called }
  }

  const view = (job: Job, now: number): JobView => {
    const g = geometry(job)
    const fannedOut = now >= g.running && (job.canceledAt === undefined || job.canceledAt >= g.running)
    const sims = fannedOut ? job.sims.map((_, i) => simView(job, i, now, g)) : []
    const cancelActive = job.canceledAt !== undefined && job.canceledAt < g.naturalEnd && now >= job.canceledAt
    let status: string
    let endedAt: number | undefined
    if (cancelActive) {
      const done = now >= job.canceledAt! + pace.cancel
      status = done ? "CANCELLED" : "CANCELLING"
      endedAt = done ? job.canceledAt! + pace.cancel : undefined
    } else if (now < g.start) status = "QUEUED"
    else if (now < g.start + pace.phase) status = "PENDING"
    else if (now < g.start + 2 * pace.phase) status = "CREATING_SNAPSHOTS"
    else if (now < g.running) status = "CREATING_SIMULATIONS"
    else if (now < g.lastEnd) status = "RUNNING_SIMULATIONS"
    else if (now < g.naturalEnd) status = "ENDING_SIMULATIONS"
    else {
      const outcomes = job.sims.map(outcomeOf)
      status = outcomes.length > 0 && outcomes.every((o) => o === "FAILED")
        ? "FAILED"
        : outcomes.some((o) => o === "TIMED_OUT") && !outcomes.some((o) => o === "COMPLETED")
        ? "TIMED_OUT"
        : "COMPLETED"
      endedAt = g.naturalEnd
    }
    const startedAt = now >= g.start && !(cancelActive && job.canceledAt! < g.start) ? g.start : undefined
    // A simulation job gets its Roark number once it is processing.
    sims.forEach((s, i) => {
      const sim = job.sims[i]!
      if (s.startedAt !== undefined && sim.phone === undefined) sim.phone = `+1415555${String(1000 + (store.phoneCounter++ % 9000))}`
    })
    return { status, start: g.start, startedAt, endedAt, fannedOut, sims }
  }

  return { view, endOf }
}

// ---------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------

const templated = (text: string, variables: Record<string, string>) =>
  text.replace(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g, (m, k: string) => variables[k] ?? m)

// ---------------------------------------------------------------------------------------------
// Request helpers
// ---------------------------------------------------------------------------------------------

const decodeBody = <A, I>(schema: Schema.Schema<A, I>, optional = false) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const text = yield* Effect.orElseSucceed(request.text, () => "")
    let body: unknown = undefined
    if (text.trim() !== "") {
      try {
        body = JSON.parse(text)
      } catch {
        return yield* new ApiError({ status: 400, message: "Request body is not valid JSON" })
      }
    }
    if (body === undefined && optional) body = {}
    return yield* Schema.decodeUnknown(schema, { onExcessProperty: "ignore" })(body).pipe(
      Effect.mapError((error) => {
        const issues = Issues.fromParseError(error).map((i) => ({ path: Issues.formatPath(i.path) || "body", message: i.message }))
        return new ApiError({ status: 400, message: issues.map((i) => `${i.path}: ${i.message}`).join("; "), issues })
      })
    )
  })

const rawBody = Effect.gen(function*() {
  const request = yield* HttpServerRequest.HttpServerRequest
  const text = yield* Effect.orElseSucceed(request.text, () => "")
  try {
    return text.trim() === "" ? {} : JSON.parse(text) as unknown
  } catch {
    return yield* new ApiError({ status: 400, message: "Request body is not valid JSON" })
  }
})

const queryParams = Effect.map(HttpServerRequest.HttpServerRequest, (r) => new URL(r.url, "http://127.0.0.1").searchParams)

const param = (name: string) =>
  Effect.flatMap(HttpRouter.params, (p) => {
    const v = p[name]
    return v === undefined ? Effect.fail(new ApiError({ status: 400, message: `missing ${name}` })) : Effect.succeed(v)
  })

const ok = (data: unknown, status = 200) => Effect.succeed(HttpServerResponse.unsafeJson({ data }, { status }))

const paginate = <A, B = A>(items: ReadonlyArray<A>, idOf: (a: A) => string, max = 50, render: (a: A) => B = (a) => a as unknown as B) =>
  Effect.gen(function*() {
    const q = yield* queryParams
    const limitRaw = q.get("limit")
    const limit = limitRaw === null ? 20 : Number(limitRaw)
    if (!Number.isInteger(limit) || limit < 1 || limit > max) return yield* invalid("limit", `must be an integer between 1 and ${max}`)
    const after = q.get("after")
    let from = 0
    if (after !== null && after !== "") {
      const i = items.findIndex((a) => idOf(a) === after)
      if (i < 0) return yield* invalid("after", `unknown cursor ${after}`)
      from = i + 1
    }
    const data = items.slice(from, from + limit)
    const hasMore = from + limit < items.length
    return HttpServerResponse.unsafeJson({
      data: data.map(render),
      pagination: { hasMore, nextCursor: hasMore && data.length > 0 ? idOf(data[data.length - 1]!) : null, total: items.length }
    })
  })

const search = <A>(items: Iterable<A>, text: string | null, field: (a: A) => string | null | undefined) => {
  const all = [...items]
  if (text === null || text === "") return all
  const needle = text.toLowerCase()
  return all.filter((a) => (field(a) ?? "").toLowerCase().includes(needle))
}

// ---------------------------------------------------------------------------------------------
// The app
// ---------------------------------------------------------------------------------------------

interface Context {
  readonly store: Store
  readonly faults: FaultControl
  readonly seed: number
  readonly pace: Pace
  readonly apiKey: string | undefined
  readonly timeline: ReturnType<typeof makeTimeline>
}

const makeApp = (ctx: Context) => {
  const { store, faults, pace, timeline } = ctx
  const now = Clock.currentTimeMillis

  const statusOf = (status: string, render: boolean) => (render && faults.unknownEnum() ? "AWAITING_REVIEW" : status)

  const simJson = (job: Job, i: number, v: SimView, render: boolean) => {
    const sim = job.sims[i]!
    return {
      simulationJobId: sim.id,
      status: statusOf(v.status, render),
      processingStatus: v.processingStatus,
      callId: v.called ? sim.callId : null,
      roarkPhoneNumber: sim.phone ?? null,
      persona: sim.persona,
      scenario: { id: sim.scenario.id, description: sim.scenario.description ?? sim.scenario.name },
      agentEndpoint: { id: sim.endpoint.id, name: sim.endpoint.type, phoneNumber: sim.endpoint.value, type: sim.endpoint.type },
      runPlan: { id: job.plan.id, name: job.plan.name, variables: sim.scenario.variables },
      createdAt: iso(timeline.view(job, Number.MAX_SAFE_INTEGER).start + 3 * pace.phase),
      startedAt: v.startedAt === undefined ? null : iso(v.startedAt),
      completedAt: v.completedAt === undefined ? null : iso(v.completedAt)
    }
  }

  const jobJson = (job: Job, t: number, render: boolean) => {
    const v = timeline.view(job, t)
    return {
      simulationRunPlanJobId: job.id,
      simulationRunPlanId: job.plan.id,
      status: statusOf(v.status, render),
      createdAt: iso(job.createdAt),
      startedAt: v.startedAt === undefined ? null : iso(v.startedAt),
      endedAt: v.endedAt === undefined ? null : iso(v.endedAt),
      simulationJobs: v.sims.map((s, i) => simJson(job, i, s, render))
    }
  }

  const findSim = (simId: string) => store.sims.get(simId)

  const findCall = (callId: string, t: number) => {
    const found = store.calls.get(callId)
    if (found === undefined) return undefined
    const s = timeline.view(found.job, t).sims[found.i]
    return s !== undefined && s.called ? { job: found.job, i: found.i, v: s } : undefined
  }

  /** A call's simulated length (deterministic), capped by the plan's maximum duration. */
  const callLength = (job: Job, sim: Sim) => {
    const ms = 45_000 + Math.round(Emulator.chance(ctx.seed, `${sim.key}/length`) * 150_000)
    const max = job.plan.maxSimulationDurationSeconds * 1000
    return ms > max ? { ms: max, capped: true } : { ms, capped: false }
  }

  const callJson = (job: Job, i: number, v: SimView) => {
    const sim = job.sims[i]!
    const started = v.startedAt! + 0.13 * pace.call
    const length = callLength(job, sim)
    const outcome = outcomeOf(sim)
    return {
      id: sim.callId,
      projectId: "00000000-0000-4000-8000-00000000e001",
      callDirection: job.plan.direction,
      startedAt: iso(started),
      createdAt: iso(started),
      endedAt: v.callEnded ? iso(started + 0.54 * pace.call) : null,
      durationMs: v.callEnded ? length.ms : null,
      status: v.callEnded ? "ENDED" : "IN_PROGRESS",
      endedStatus: !v.callEnded ? null : outcome === "TIMED_OUT" || length.capped ? "MAX_DURATION_REACHED" : "CUSTOMER_ENDED_CALL",
      recordingUrl: v.callEnded ? `https://recordings.emulator.roark.invalid/${sim.callId}.wav?X-Amz-Expires=3600` : null,
      summary: v.transcriptReady ? `${sim.persona.name} called about: ${sim.scenario.name}` : null,
      title: sim.scenario.name,
      properties: {},
      simulationJobId: sim.id,
      agents: [{ id: sim.endpoint.agentId, endpoint: { id: sim.endpoint.id, environment: sim.endpoint.environment, phoneNumberE164: sim.endpoint.value } }],
      customers: [{ label: sim.persona.name, phoneNumberE164: sim.phone ?? null }],
      updatedAt: iso(v.completedAt ?? started)
    }
  }

  const metricValue = (sim: Sim, metric: Metric): boolean | number | string => {
    const c = Emulator.chance(ctx.seed, `${sim.key}/${metric.slug}`)
    // `emulator:boolean` in the definition's description: a yes/no whatever the metric's type.
    if (metric.type !== "BOOLEAN" && Judging.of(metric.description) === "boolean") return c < 0.8
    switch (metric.type) {
      case "BOOLEAN":
        return c < 0.8
      case "NUMERIC":
      case "SCALE":
        return 5 - Math.floor(5 * c * c)
      case "COUNT":
        return Math.floor(c * 10)
      case "OFFSET":
        return Math.round(c * 60_000)
      default:
        return c < 0.7 ? "satisfactory" : "needs_improvement"
    }
  }

  const transcript = (job: Job, sim: Sim, outcome: Outcome) => {
    const first = sim.scenario.steps.find((s) => s.type !== "AGENT_TURN")?.content ?? sim.scenario.name
    const good = metricValue(sim, { slug: "__transcript", type: "BOOLEAN" } as Metric)
    const lines: Array<[string, string]> = [
      ["AGENT", "Thank you for calling, how can I help you today?"],
      ["CUSTOMER", `Hi, this is ${sim.persona.name}. ${templated(first, sim.scenario.variables)}`],
      ["AGENT", good ? "Certainly, I have booked that for you. Is there anything else?" : "I'm sorry, I can't help with that right now."],
      ["CUSTOMER", outcome === "TIMED_OUT" ? "Hello? Are you still there?" : `Thanks, ${job.plan.endCallPhrases[0] ?? "goodbye"}.`]
    ]
    return {
      entries: lines.map(([role, text], n) => ({
        startOffsetMs: n * 4000,
        endOffsetMs: n * 4000 + 3500,
        participantId: role === "AGENT" ? "participant-agent" : "participant-customer",
        role,
        text
      })),
      participants: [
        { id: "participant-agent", type: "AGENT", agentId: sim.endpoint.agentId },
        { id: "participant-customer", type: "SIMULATED_CUSTOMER", customerId: sim.persona.id }
      ],
      transcriptionSource: "SIMULATION_AGENT_REALTIME"
    }
  }

  const testCases = (p: Pick<Plan, "scenarios" | "personas" | "agentEndpoints" | "iterationCount">) =>
    p.scenarios.length * p.personas.length * p.agentEndpoints.length * p.iterationCount

  /** Checks the references of a plan body; unknown endpoints are accepted (registered on the fly). */
  const checkRefs = (
    body: { readonly personas?: ReadonlyArray<{ id: string }> | undefined; readonly scenarios?: ReadonlyArray<{ id: string }> | undefined; readonly metrics?: ReadonlyArray<{ id?: string; slug?: string }> | undefined; readonly agentEndpoints?: ReadonlyArray<{ id: string }> | undefined },
    at: string
  ) =>
    Effect.gen(function*() {
      for (const [i, p] of (body.personas ?? []).entries()) if (!store.personas.has(p.id)) return yield* invalid(`personas[${i}].id`, `persona ${p.id} not found`)
      for (const [i, s] of (body.scenarios ?? []).entries()) if (!store.scenarios.has(s.id)) return yield* invalid(`scenarios[${i}].id`, `scenario ${s.id} not found`)
      const metrics: Array<{ id: string }> = []
      for (const [i, m] of (body.metrics ?? []).entries()) {
        const found = m.id !== undefined ? store.metrics.get(m.id) : [...store.metrics.values()].find((d) => d.slug === m.slug)
        if (found === undefined) return yield* invalid(`metrics[${i}]`, `metric ${m.id ?? m.slug} not found`)
        metrics.push({ id: found.id })
      }
      for (const e of body.agentEndpoints ?? []) {
        if (!store.endpoints.has(e.id)) {
          store.endpoints.set(e.id, {
            id: e.id, agentId: seeded.agentId, direction: "INCOMING_AND_OUTGOING", environment: "production", outboundDialType: "NONE",
            outboundDialHttpRequestDefinitionId: null, type: "PHONE", value: `+1555${String(store.endpoints.size).padStart(7, "0")}`, createdAt: at, updatedAt: at
          })
        }
      }
      return metrics
    })

  /** Older clients (2026-02-19..24, and the docs example) send `evaluators`; they count as metric references. */
  const legacyEvaluators = (raw: unknown): unknown => {
    if (raw === null || typeof raw !== "object") return raw
    const o = raw as Record<string, unknown>
    return o["metrics"] === undefined && Array.isArray(o["evaluators"]) ? { ...o, metrics: o["evaluators"] } : o
  }

  const decodeWith = <A, I>(schema: Schema.Schema<A, I>, raw: unknown) =>
    Schema.decodeUnknown(schema, { onExcessProperty: "ignore" })(raw).pipe(
      Effect.mapError((error) => {
        const issues = Issues.fromParseError(error).map((i) => ({ path: Issues.formatPath(i.path) || "body", message: i.message }))
        return new ApiError({ status: 400, message: issues.map((i) => `${i.path}: ${i.message}`).join("; "), issues })
      })
    )

  const startJob = (plan: Plan, variables: typeof Wire.RunPlanJobStartParams.Type["variables"], t: number, triggeredBy: string) =>
    Effect.gen(function*() {
      if (Array.isArray(variables)) {
        for (const [i, v] of variables.entries()) {
          if (!plan.scenarios.some((s) => s.id === v.scenarioId)) return yield* invalid(`variables[${i}].scenarioId`, `scenario ${v.scenarioId} is not in the run plan`)
        }
      }
      const snapshot: Plan = structuredClone(plan)
      const sims: Array<Sim> = []
      for (const s of snapshot.scenarios) {
        const scenario = store.scenarios.get(s.id)!
        const jobVars = variables === undefined ? {} : Array.isArray(variables) ? variables.find((v) => v.scenarioId === s.id)?.variables ?? {} : variables
        const merged = { ...(s.variables ?? {}), ...jobVars }
        for (const p of snapshot.personas) {
          const persona = structuredClone(store.personas.get(p.id)!)
          for (const e of snapshot.agentEndpoints) {
            const endpoint = store.endpoints.get(e.id)!
            for (let iteration = 1; iteration <= snapshot.iterationCount; iteration++) {
              sims.push({
                id: randomUUID(),
                callId: randomUUID(),
                persona,
                scenario: { ...structuredClone(scenario), variables: merged },
                endpoint,
                iteration,
                key: `${scenario.name}/${persona.name}/${endpoint.value}/${iteration}`,
                phone: undefined
              })
            }
          }
        }
      }
      const job: Job = {
        id: randomUUID(),
        plan: snapshot,
        metrics: snapshot.metrics.flatMap((m) => store.metrics.get(m.id) ?? []),
        sims,
        createdAt: t,
        triggeredBy,
        canceledAt: undefined
      }
      store.jobs.set(job.id, job)
      sims.forEach((sim, i) => {
        store.sims.set(sim.id, { job, i })
        store.calls.set(sim.callId, { job, i })
      })
      const v = timeline.view(job, t)
      return { createdAt: iso(t), simulationRunPlanId: plan.id, simulationRunPlanJobId: job.id, status: v.status }
    })

  const planJson = (p: Plan) => {
    const { deleted: _, ...rest } = p
    return { ...rest, testCaseCount: testCases(p) }
  }

  const livePlan = (id: string) => {
    const p = store.plans.get(id)
    return p === undefined || p.deleted ? Effect.fail(notFound("Run plan", id)) : Effect.succeed(p)
  }

  const personaRoutes = HttpRouter.empty.pipe(
    HttpRouter.get("/health", Effect.flatMap(now, (t) => ok({ status: "healthy", timestamp: iso(t), version: "2.31.0-emulator" }))),

    // Personas
    HttpRouter.post("/v1/persona", Effect.gen(function*() {
      const body = yield* decodeBody(Wire.PersonaCreate)
      const at = iso(yield* now)
      const persona: Persona = { ...personaDefaults, ...body, id: randomUUID(), createdAt: at, updatedAt: at } as Persona
      store.personas.set(persona.id, persona)
      return yield* ok(persona, 201)
    })),
    HttpRouter.get("/v1/persona", Effect.gen(function*() {
      const q = yield* queryParams
      return yield* paginate(search(store.personas.values(), q.get("searchText"), (p) => p.name), (p) => p.id)
    })),
    HttpRouter.get("/v1/persona/:personaId", Effect.gen(function*() {
      const id = yield* param("personaId")
      const p = store.personas.get(id)
      return p === undefined ? yield* notFound("Persona", id) : yield* ok(p)
    })),
    HttpRouter.put("/v1/persona/:personaId", Effect.gen(function*() {
      const id = yield* param("personaId")
      const p = store.personas.get(id)
      if (p === undefined) return yield* notFound("Persona", id)
      const body = yield* decodeBody(Wire.PersonaUpdate)
      const next = { ...p, ...body, updatedAt: iso(yield* now) } as Persona
      store.personas.set(id, next)
      return yield* ok(next)
    })),

  )
  const scenarioRoutes = HttpRouter.empty.pipe(
    HttpRouter.post("/v1/simulation/scenario", Effect.gen(function*() {
      const body = yield* decodeBody(Wire.ScenarioCreate)
      const at = iso(yield* now)
      for (const [i, s] of body.steps.entries()) {
        if (s.type === "SCENARIO_LINK" && (s.linkedScenarioId === undefined || !store.scenarios.has(s.linkedScenarioId))) {
          return yield* invalid(`steps[${i}].linkedScenarioId`, "required for SCENARIO_LINK and must name an existing scenario")
        }
      }
      const scenario: Scenario = {
        id: randomUUID(),
        name: body.name,
        description: null,
        steps: body.steps.map((s) => ({ nodeId: randomUUID(), ...s })),
        createdAt: at,
        updatedAt: at
      }
      store.scenarios.set(scenario.id, scenario)
      return yield* ok(scenario, 201)
    })),
    HttpRouter.get("/v1/simulation/scenario", Effect.gen(function*() {
      const q = yield* queryParams
      return yield* paginate(search(store.scenarios.values(), q.get("searchText"), (s) => s.name), (s) => s.id)
    })),
    HttpRouter.get("/v1/simulation/scenario/:scenarioId", Effect.gen(function*() {
      const id = yield* param("scenarioId")
      const s = store.scenarios.get(id)
      return s === undefined ? yield* notFound("Scenario", id) : yield* ok(s)
    })),
    HttpRouter.put("/v1/simulation/scenario/:scenarioId", Effect.gen(function*() {
      const id = yield* param("scenarioId")
      const s = store.scenarios.get(id)
      if (s === undefined) return yield* notFound("Scenario", id)
      const body = yield* decodeBody(Wire.ScenarioUpdate)
      let steps = [...s.steps]
      for (const [i, change] of body.stepChanges.entries()) {
        if (change.action === "create") {
          const { action: _, ...step } = change
          steps.push({ nodeId: randomUUID(), ...step })
        } else {
          if (!steps.some((x) => x.nodeId === change.nodeId)) return yield* invalid(`stepChanges[${i}].nodeId`, `no step ${change.nodeId}`)
          if (change.action === "delete") steps = steps.filter((x) => x.nodeId !== change.nodeId)
          else {
            const { action: _, ...patch } = change
            steps = steps.map((x) =>
              x.nodeId === change.nodeId
                ? { ...x, ...patch, type: patch.type ?? x.type, content: patch.content ?? x.content }
                : x
            )
          }
        }
      }
      const next: Scenario = { ...s, ...(body.name === undefined ? {} : { name: body.name }), steps, updatedAt: iso(yield* now) }
      store.scenarios.set(id, next)
      return yield* ok(next)
    })),
    HttpRouter.del("/v1/simulation/scenario/:scenarioId", Effect.gen(function*() {
      const id = yield* param("scenarioId")
      if (!store.scenarios.delete(id)) return yield* notFound("Scenario", id)
      return yield* ok({ deleted: true })
    })),

  )
  const resourceRoutes = HttpRouter.empty.pipe(
    HttpRouter.get("/v1/metric/definitions", Effect.gen(function*() {
      const q = yield* queryParams
      return yield* paginate(search(store.metrics.values(), q.get("searchText"), (m) => m.name), (m) => m.id)
    })),
    HttpRouter.post("/v1/metric/definitions", Effect.gen(function*() {
      const body = yield* decodeBody(Wire.MetricDefinitionCreate)
      if ([...store.metrics.values()].some((m) => m.slug === body.slug)) {
        return yield* new ApiError({ status: 409, message: `a metric with slug ${body.slug} already exists` })
      }
      const metric: Metric = {
        id: randomUUID(),
        metricId: body.slug,
        slug: body.slug,
        name: body.name,
        description: body.description,
        scope: body.scope ?? "GLOBAL",
        type: body.type,
        supportedContexts: [...(body.supportedContexts ?? ["CALL"])],
        unit: null
      }
      store.metrics.set(metric.id, metric)
      return yield* ok(metric, 201)
    })),

    // Agents and endpoints
    HttpRouter.post("/v1/agent", Effect.gen(function*() {
      const body = yield* decodeBody(Wire.AgentCreate)
      const at = iso(yield* now)
      const agent: Agent = { id: randomUUID(), name: body.name, customId: body.customId ?? null, description: body.description ?? null, createdAt: at, updatedAt: at }
      store.agents.set(agent.id, agent)
      return yield* ok(agent, 201)
    })),
    HttpRouter.get("/v1/agent", Effect.gen(function*() {
      const q = yield* queryParams
      return yield* paginate(search(store.agents.values(), q.get("searchText"), (a) => a.name), (a) => a.id)
    })),
    HttpRouter.get("/v1/agent/endpoint", Effect.gen(function*() {
      const q = yield* queryParams
      const agentId = q.get("agentId")
      const items = search(store.endpoints.values(), q.get("searchText"), (e) => e.value).filter((e) => agentId === null || e.agentId === agentId)
      return yield* paginate(items, (e) => e.id)
    })),
    HttpRouter.post("/v1/agent/endpoint", Effect.gen(function*() {
      const body = yield* decodeBody(Wire.AgentEndpointCreate)
      if (!store.agents.has(body.agentId)) return yield* invalid("agentId", `agent ${body.agentId} not found`)
      if (body.outboundDialType === "HTTP_REQUEST" && !body.outboundDialHttpRequestDefinitionId) {
        return yield* invalid("outboundDialHttpRequestDefinitionId", "required when outboundDialType is HTTP_REQUEST")
      }
      const at = iso(yield* now)
      const endpoint: Endpoint = {
        id: randomUUID(),
        agentId: body.agentId,
        direction: body.direction,
        environment: body.environment ?? "production",
        outboundDialType: body.outboundDialType ?? "NONE",
        outboundDialHttpRequestDefinitionId: body.outboundDialHttpRequestDefinitionId ?? null,
        type: "PHONE",
        value: body.value,
        createdAt: at,
        updatedAt: at
      }
      store.endpoints.set(endpoint.id, endpoint)
      return yield* ok(endpoint, 201)
    })),
    HttpRouter.get("/v1/agent/endpoint/:endpointId", Effect.gen(function*() {
      const id = yield* param("endpointId")
      const e = store.endpoints.get(id)
      return e === undefined ? yield* notFound("Agent endpoint", id) : yield* ok(e)
    })),
    HttpRouter.put("/v1/agent/endpoint/:endpointId", Effect.gen(function*() {
      const id = yield* param("endpointId")
      const e = store.endpoints.get(id)
      if (e === undefined) return yield* notFound("Agent endpoint", id)
      const body = yield* decodeBody(Wire.AgentEndpointUpdate)
      const next = { ...e, ...body, updatedAt: iso(yield* now) } as Endpoint
      store.endpoints.set(id, next)
      return yield* ok(next)
    })),
    HttpRouter.get("/v1/agent/:agentId", Effect.gen(function*() {
      const id = yield* param("agentId")
      const a = store.agents.get(id)
      return a === undefined ? yield* notFound("Agent", id) : yield* ok(a)
    })),
    HttpRouter.put("/v1/agent/:agentId", Effect.gen(function*() {
      const id = yield* param("agentId")
      const a = store.agents.get(id)
      if (a === undefined) return yield* notFound("Agent", id)
      const body = yield* decodeBody(Wire.AgentUpdate)
      const next = { ...a, ...body, updatedAt: iso(yield* now) } as Agent
      store.agents.set(id, next)
      return yield* ok(next)
    })),

  )
  const planRoutes = HttpRouter.empty.pipe(
    HttpRouter.post("/v1/simulation/plan", Effect.gen(function*() {
      const body = yield* decodeWith(Wire.RunPlanCreate, legacyEvaluators(yield* rawBody))
      const iterationCount = body.iterationCount ?? 1
      if (body.direction === "OUTBOUND" && iterationCount !== 1) return yield* invalid("iterationCount", "must be 1 for OUTBOUND direction")
      const t = yield* now
      const at = iso(t)
      const metrics = yield* checkRefs(body, at)
      const plan: Plan = {
        id: randomUUID(),
        name: body.name,
        description: body.description ?? null,
        direction: body.direction,
        agentEndpoints: body.agentEndpoints.map((e) => ({ id: e.id })),
        personas: body.personas.map((p) => ({ id: p.id })),
        scenarios: body.scenarios.map((s) => (s.variables === undefined ? { id: s.id } : { id: s.id, variables: { ...s.variables } })),
        metrics,
        evaluators: metrics,
        iterationCount,
        maxConcurrentJobs: body.maxConcurrentJobs ?? 5,
        maxSimulationDurationSeconds: body.maxSimulationDurationSeconds,
        silenceTimeoutSeconds: body.silenceTimeoutSeconds ?? 30,
        endCallPhrases: [...(body.endCallPhrases ?? ["goodbye"])],
        endCallReasons: [...(body.endCallReasons ?? [])],
        executionMode: body.executionMode ?? "PARALLEL",
        testCaseCount: 0,
        createdAt: at,
        updatedAt: at,
        deleted: false
      }
      store.plans.set(plan.id, plan)
      const runPlanJob = body.autoRun === true ? yield* startJob(plan, undefined, t, "TRIGGERED_FROM_API") : null
      return yield* ok({ runPlan: planJson(plan), runPlanJob }, 201)
    })),
    HttpRouter.get("/v1/simulation/plan", Effect.gen(function*() {
      const q = yield* queryParams
      const agentId = q.get("agentId")
      const items = search([...store.plans.values()].filter((p) => !p.deleted), q.get("searchText"), (p) => p.name)
        .filter((p) => agentId === null || p.agentEndpoints.some((e) => store.endpoints.get(e.id)?.agentId === agentId))
      const response = yield* paginate(items.map(planJson), (p) => p.id)
      return response
    })),
    HttpRouter.get("/v1/simulation/plan/jobs", Effect.gen(function*() {
      const q = yield* queryParams
      const t = yield* now
      const planId = q.get("simulationRunPlanId")
      const status = q.get("status")
      const render = (j: typeof store.jobs extends Map<string, infer J> ? J : never) => {
        const v = timeline.view(j, t)
        return {
          createdAt: iso(j.createdAt),
          simulationRunPlanId: j.plan.id,
          simulationRunPlanJobId: j.id,
          status: v.status,
          triggeredBy: j.triggeredBy,
          startedAt: v.startedAt === undefined ? null : iso(v.startedAt),
          endedAt: v.endedAt === undefined ? null : iso(v.endedAt)
        }
      }
      const jobs = [...store.jobs.values()].reverse().filter((j) => planId === null || j.plan.id === planId)
      // Without a status filter only the requested page is rendered.
      if (status === null) return yield* paginate(jobs, (j) => j.id, 50, render)
      return yield* paginate(jobs.map(render).filter((j) => j.status === status), (j) => j.simulationRunPlanJobId)
    })),
    HttpRouter.get("/v1/simulation/plan/job/:jobId", Effect.gen(function*() {
      const id = yield* param("jobId")
      const job = store.jobs.get(id)
      if (job === undefined) return yield* notFound("Simulation run plan job", id)
      return yield* ok(jobJson(job, yield* now, true))
    })),
    HttpRouter.post("/v1/simulation/plan/job/:jobId/cancel", Effect.gen(function*() {
      const id = yield* param("jobId")
      const job = store.jobs.get(id)
      if (job === undefined) return yield* notFound("Simulation run plan job", id)
      const t = yield* now
      const before = timeline.view(job, t)
      // `cancelled` is false only for a job that had already finished on its own (not an error).
      const finished = before.status === "COMPLETED" || before.status === "FAILED" || before.status === "TIMED_OUT"
      if (!finished && job.canceledAt === undefined) job.canceledAt = t
      return yield* ok({ cancelled: !finished, simulationRunPlanJobId: job.id, status: timeline.view(job, t).status })
    })),
    HttpRouter.get("/v1/simulation/plan/:planId", Effect.gen(function*() {
      const plan = yield* livePlan(yield* param("planId"))
      return yield* ok(planJson(plan))
    })),
    HttpRouter.put("/v1/simulation/plan/:planId", Effect.gen(function*() {
      const plan = yield* livePlan(yield* param("planId"))
      const body = yield* decodeWith(Wire.RunPlanUpdate, legacyEvaluators(yield* rawBody))
      const at = iso(yield* now)
      const metrics = yield* checkRefs(body, at)
      const direction = body.direction ?? plan.direction
      const iterationCount = body.iterationCount ?? plan.iterationCount
      if (direction === "OUTBOUND" && iterationCount !== 1) return yield* invalid("iterationCount", "must be 1 for OUTBOUND direction")
      const { metrics: _, ...rest } = body
      const next: Plan = {
        ...plan,
        ...(structuredClone(rest) as unknown as Partial<Plan>),
        ...(body.metrics === undefined ? {} : { metrics, evaluators: metrics }),
        updatedAt: at
      }
      store.plans.set(plan.id, next)
      return yield* ok(planJson(next))
    })),
    HttpRouter.del("/v1/simulation/plan/:planId", Effect.gen(function*() {
      const plan = yield* livePlan(yield* param("planId"))
      store.plans.set(plan.id, { ...plan, deleted: true })
      return yield* ok({ deleted: true })
    })),
    HttpRouter.post("/v1/simulation/plan/:planId/job", Effect.gen(function*() {
      const plan = yield* livePlan(yield* param("planId"))
      const body = yield* decodeBody(Wire.RunPlanJobStartParams, true)
      return yield* ok(yield* startJob(plan, body.variables, yield* now, "TRIGGERED_FROM_API"), 201)
    })),

  )
  const jobRoutes = HttpRouter.empty.pipe(
    HttpRouter.get("/v1/simulation/job/lookup", Effect.gen(function*() {
      const q = yield* queryParams
      const number = q.get("roarkPhoneNumber")
      if (number === null || !/^\+[1-9]\d{6,14}$/.test(number)) return yield* invalid("roarkPhoneNumber", "required, an E.164 number")
      const t = yield* now
      const receivedRaw = q.get("callReceivedAt")
      const at = receivedRaw === null ? t : Date.parse(receivedRaw)
      if (Number.isNaN(at)) return yield* invalid("callReceivedAt", "expected an ISO-8601 timestamp")
      for (const job of store.jobs.values()) {
        const v = timeline.view(job, t)
        for (const [i, s] of v.sims.entries()) {
          if (job.sims[i]!.phone !== number || s.startedAt === undefined) continue
          if (at >= Math.floor(s.startedAt) && at <= Math.ceil(s.completedAt ?? t)) return yield* ok(simJson(job, i, s, true))
        }
      }
      return yield* new ApiError({ status: 404, message: `no simulation job for ${number} at ${iso(at)}` })
    })),
    HttpRouter.get("/v1/simulation/job/:jobId", Effect.gen(function*() {
      const id = yield* param("jobId")
      const found = findSim(id)
      const t = yield* now
      const v = found === undefined ? undefined : timeline.view(found.job, t).sims[found.i]
      if (found === undefined || v === undefined) return yield* notFound("Simulation job", id)
      return yield* ok(simJson(found.job, found.i, v, true))
    })),

    // Calls
    HttpRouter.get("/v1/call", Effect.gen(function*() {
      const q = yield* queryParams
      const t = yield* now
      const jobId = q.get("simulationRunPlanJobId")
      const status = q.get("status")
      const calls: Array<ReturnType<typeof callJson>> = []
      for (const job of store.jobs.values()) {
        if (jobId !== null && job.id !== jobId) continue
        timeline.view(job, t).sims.forEach((s, i) => {
          if (s.called) calls.push(callJson(job, i, s))
        })
      }
      const sortBy = q.get("sortBy") ?? "createdAt"
      const direction = q.get("sortDirection") ?? "desc"
      if (!["createdAt", "startedAt", "endedAt", "duration", "title", "status"].includes(sortBy)) return yield* invalid("sortBy", "unknown sort field")
      if (direction !== "asc" && direction !== "desc") return yield* invalid("sortDirection", "asc or desc")
      const key = (c: ReturnType<typeof callJson>) => String((sortBy === "duration" ? c.durationMs : (c as Record<string, unknown>)[sortBy]) ?? "")
      const sorted = calls.filter((c) => status === null || c.status === status).sort((a, b) => key(a).localeCompare(key(b)) || a.id.localeCompare(b.id))
      if (direction === "desc") sorted.reverse()
      return yield* paginate(sorted, (c) => c.id, 100)
    })),
    HttpRouter.get("/v1/call/:callId", Effect.gen(function*() {
      const id = yield* param("callId")
      const found = findCall(id, yield* now)
      return found === undefined ? yield* notFound("Call", id) : yield* ok(callJson(found.job, found.i, found.v))
    })),
    HttpRouter.get("/v1/call/:callId/transcript", Effect.gen(function*() {
      const id = yield* param("callId")
      const found = findCall(id, yield* now)
      if (found === undefined) return yield* notFound("Call", id)
      const sim = found.job.sims[found.i]!
      return yield* ok(found.v.transcriptReady ? transcript(found.job, sim, outcomeOf(sim)) : { entries: [], participants: [], transcriptionSource: null })
    })),
    HttpRouter.get("/v1/call/:callId/metrics", Effect.gen(function*() {
      const id = yield* param("callId")
      const found = findCall(id, yield* now)
      if (found === undefined) return yield* notFound("Call", id)
      const sim = found.job.sims[found.i]!
      if (found.v.status !== "COMPLETED") return yield* ok([])
      const computedAt = iso(found.v.completedAt ?? 0)
      // Roark lists only the metrics it computed: one whose definition says `emulator:unjudged` is left out.
      return yield* ok(found.job.metrics.filter((m) => Judging.of(m.description) !== "unjudged").map((m) => {
        const value = metricValue(sim, m)
        return {
          metricDefinitionId: m.id,
          metricId: m.slug,
          name: m.name,
          description: m.description,
          scope: m.scope,
          type: m.type,
          values: [{
            value,
            confidence: 0.9,
            context: "CALL",
            computedAt,
            valueReasoning: `${m.name}: ${JSON.stringify(value)} (emulated)`
          }]
        }
      }))
    })),

  )
  const webhookRoutes = HttpRouter.empty.pipe(
    HttpRouter.post("/v1/webhook", Effect.gen(function*() {
      const body = yield* decodeBody(Wire.WebhookCreate)
      const at = iso(yield* now)
      const hook: Webhook = {
        id: randomUUID(),
        url: body.url,
        description: body.description ?? null,
        events: [...body.events],
        headers: { ...(body.headers ?? {}) },
        signingSecret: `whsec_${randomUUID().replace(/-/g, "")}`,
        createdAt: at,
        updatedAt: at
      }
      store.webhooks.set(hook.id, hook)
      return yield* ok(hook, 201)
    })),
    HttpRouter.get("/v1/webhook", Effect.suspend(() => paginate([...store.webhooks.values()].map(publicHook), (w) => w.id))),
    HttpRouter.get("/v1/webhook/:webhookId", Effect.gen(function*() {
      const id = yield* param("webhookId")
      const w = store.webhooks.get(id)
      return w === undefined ? yield* notFound("Webhook", id) : yield* ok(publicHook(w))
    })),
    HttpRouter.del("/v1/webhook/:webhookId", Effect.gen(function*() {
      const id = yield* param("webhookId")
      if (!store.webhooks.delete(id)) return yield* notFound("Webhook", id)
      return yield* ok({ success: true })
    }))
  )

  const router = HttpRouter.concatAll(personaRoutes, scenarioRoutes, resourceRoutes, planRoutes, jobRoutes, webhookRoutes)

  const app = Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const auth = request.headers["authorization"] ?? ""
    const token = /^Bearer\s+(.+)$/i.exec(auth)?.[1]
    const path = new URL(request.url, "http://127.0.0.1").pathname
    if (path !== "/health" && (token === undefined || (ctx.apiKey !== undefined && token !== ctx.apiKey))) {
      return errorResponse(new ApiError({ status: 401, message: "Invalid or missing API key" }))
    }
    return yield* router
  }).pipe(
    Effect.catchTags({
      ApiError: (e) => Effect.succeed(errorResponse(e)),
      RouteNotFound: (e) => Effect.succeed(errorResponse(new ApiError({ status: 404, message: `Cannot ${e.request.method} ${new URL(e.request.url, "http://127.0.0.1").pathname}` })))
    })
  )
  return app
}

const publicHook = (w: Webhook) => {
  const { signingSecret: _, ...rest } = w
  return rest
}

// ---------------------------------------------------------------------------------------------
// Webhook deliveries
// ---------------------------------------------------------------------------------------------

/** `X-Roark-Signature`: hex HMAC-SHA256 of the raw body with the webhook's signing secret (Roark's algorithm is UNKNOWN). */
export const sign = (secret: string, body: string): string => createHmac("sha256", secret).update(body).digest("hex")

const eventName = (e: string) => e.toLowerCase().replace(/^simulation_run_plan_job_/, "simulation.run_plan_job.").replace(/^simulation_job_/, "simulation.job.")

const deliverAll = (ctx: Context, client: HttpClient.HttpClient) =>
  Effect.gen(function*() {
    const { store, timeline } = ctx
    if (store.webhooks.size === 0) return
    const t = yield* Clock.currentTimeMillis
    const pending: Array<{ key: string; event: string; data: Record<string, unknown> }> = []
    const emit = (key: string, event: string, data: Record<string, unknown>) => {
      if (!store.emitted.has(key)) pending.push({ key, event, data })
    }
    const terminalEvent = (status: string) =>
      status === "COMPLETED" ? "COMPLETED" : status === "CANCELLED" ? "CANCELLED" : status === "FAILED" || status === "TIMED_OUT" ? "FAILED" : undefined
    for (const job of store.jobs.values()) {
      if (store.emitted.has(`${job.id}:done`)) continue
      const v = timeline.view(job, t)
      const base = { simulationRunPlanJobId: job.id, simulationRunPlanId: job.plan.id, status: v.status }
      if (v.startedAt !== undefined) emit(`${job.id}:started`, "SIMULATION_RUN_PLAN_JOB_STARTED", { ...base, startedAt: iso(v.startedAt) })
      v.sims.forEach((s, i) => {
        const sim = job.sims[i]!
        const data = { simulationJobId: sim.id, simulationRunPlanJobId: job.id, status: s.status, processingStatus: s.processingStatus, callId: s.called ? sim.callId : null }
        if (s.startedAt !== undefined) emit(`${sim.id}:started`, "SIMULATION_JOB_STARTED", data)
        const end = terminalEvent(s.status)
        if (end !== undefined) emit(`${sim.id}:end`, `SIMULATION_JOB_${end}`, data)
      })
      const end = terminalEvent(v.status)
      if (end !== undefined) {
        emit(`${job.id}:end`, `SIMULATION_RUN_PLAN_JOB_${end}`, { ...base, endedAt: v.endedAt === undefined ? null : iso(v.endedAt) })
        pending.push({ key: `${job.id}:done`, event: "", data: {} })
      }
    }
    for (const p of pending) {
      store.emitted.add(p.key)
      if (p.event === "") continue
      const hooks = [...store.webhooks.values()].filter((w) => w.events.includes(p.event))
      for (const hook of hooks) {
        const body = JSON.stringify({ event: eventName(p.event), version: "1.0", timestamp: iso(t), data: p.data })
        const attempt = (n: number) =>
          client.execute(
            HttpClientRequest.post(hook.url).pipe(
              HttpClientRequest.setHeaders({ ...hook.headers, "x-roark-signature": sign(hook.signingSecret, body) }),
              HttpClientRequest.bodyText(body, "application/json")
            )
          ).pipe(
            Effect.scoped,
            Effect.timeout(Duration.seconds(10)),
            Effect.map((r) => r.status),
            Effect.orElseSucceed(() => undefined),
            Effect.tap((status) => Effect.sync(() => store.deliveries.push({ webhookId: hook.id, event: eventName(p.event), status, attempt: n })))
          )
        const withRetries = (n: number): Effect.Effect<void> =>
          Effect.flatMap(attempt(n), (status) =>
            status !== undefined && status >= 200 && status < 300 || n >= 4
              ? Effect.void
              : Effect.sleep(Duration.millis(ctx.pace.phase * 2 ** n)).pipe(Effect.zipRight(withRetries(n + 1))))
        yield* Effect.fork(withRetries(1))
      }
    }
  })

// ---------------------------------------------------------------------------------------------
// start / plugin
// ---------------------------------------------------------------------------------------------

/** A running Roark emulator, with its webhook delivery log. */
export interface Handle extends Emulator.Handle {
  readonly deliveries: ReadonlyArray<Delivery>
}

export const start = (options: Emulator.Options): Effect.Effect<Handle, HttpServerError.ServeError, Scope.Scope> =>
  Effect.gen(function*() {
    const store = new Store()
    seed(store, yield* Clock.currentTimeMillis)
    const speed = options.speed ?? 1
    const paced = Emulator.paced(speed)
    const pace: Pace = { phase: paced(300), call: paced(3000), cancel: paced(400) }
    const timeline = makeTimeline(store, pace)
    const client = yield* Layer.build(NodeHttpClient.layerUndici).pipe(Effect.map((c) => Context.get(c, HttpClient.HttpClient)))
    let context: Context | undefined
    const handle = yield* Emulator.serve(vendor, ({ faults, seed: s }) => {
      context = { store, faults, seed: s, pace, apiKey: options.apiKey, timeline }
      return makeApp(context)
    }, { ...options, renderError })
    const ctx = context!
    yield* deliverAll(ctx, client).pipe(
      Effect.repeat(Schedule.spaced(Duration.millis(Math.max(10, Math.min(250, pace.phase / 2))))),
      Effect.forkScoped
    )
    return { ...handle, get deliveries() { return store.deliveries } }
  })

export const plugin: Emulator.EmulatorPlugin = { vendor, start }
