/**
 * A local emulator of Cekura's "run evaluators" API (`/test_framework/v1/...`), served on
 * 127.0.0.1 through `Emulator.serve` (request log, fault injection, control routes).
 *
 * Conventions (Django REST framework): trailing slashes, integer ids, 201 on run triggers and
 * creates, 204 on deletes, page-number pagination with absolute `next` links (default page size 20,
 * at most 100), error bodies `{"detail": ...}`, `{"<field>": ["..."]}` or a bare list, and
 * `X-CEKURA-API-KEY` auth (missing -> 401, wrong -> 403, both `{detail}`).
 *
 * A trigger creates a result with `len(scenarios) x frequency x max(1, personalities) x
 * max(1, test profiles)` runs. Runs move `pending -> in_queue -> in_progress -> evaluating ->
 * completed` (or `failed` / `timeout`) lazily from timestamps, at most `concurrency_limit` at a
 * time; outcomes are seeded by stable inputs (scenario, personality and profile names, iteration).
 * `end_calls/` cancels. Pre-seeded: agents 1 (inbound), 2 (outbound) and 2142 (inbound, the
 * shared example's target), scenarios 1 and 2 of the OpenAPI examples, and a personality
 * catalogue; any other agent id or assistant id is accepted and creates an inbound agent.
 * Emulator-only judging: an expected-outcome line saying `emulator:unjudged` gets no alignment.
 *
 * @since 0.1.0
 */
import * as HttpRouter from "@effect/platform/HttpRouter"
import type * as HttpServerError from "@effect/platform/HttpServerError"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { Issues } from "@simbridge/core"
import { Emulator, Judging } from "@simbridge/emulator"
import type { Faults } from "@simbridge/emulator"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Wire from "@simbridge/cekura/CekuraWire"

export interface Options extends Emulator.Options {
  /** Where `result.completed` webhooks go for agents without their own `webhook_url`. */
  readonly webhookUrl?: string | undefined
  /** Sent as `X-CEKURA-SECRET` with webhooks. */
  readonly webhookSecret?: string | undefined
  /** Share of runs failing as infrastructure failures (`failed`); default 0.05. */
  readonly failureRate?: number | undefined
  /** Share of outbound runs whose agent never dials (`timeout`); default 0.1. */
  readonly noDialRate?: number | undefined
  /** Share of expected-outcome parts and binary metrics judged not met; default 0.2. */
  readonly missRate?: number | undefined
}

export const vendor = "cekura"

/** The undocumented status the emulator renders when an unknown enum value is injected. */
export const unknownStatus = "awaiting_review"
const v1 = "/test_framework/v1"

// ---------------------------------------------------------------------------------------------
// state
// ---------------------------------------------------------------------------------------------

interface AgentRec {
  id: number
  agent_name: string
  inbound: boolean
  assistant_id: string | null
  contact_number: string
  description: string
  language: string
  project: number
  webhook_url: string | null
  created_at: string
  updated_at: string
}

interface ScenarioRec {
  id: number
  name: string
  agent: number
  project: number | null
  personality: number
  instructions: string
  expected_outcome_prompt: string
  metrics: Array<number>
  tags: Array<string>
  test_profile: number | null
  folder_path: string | null
  first_message: string
  created_at: string
  updated_at: string
}

interface TestProfileRec {
  id: number
  project: number | null
  agent: number | null
  name: string
  information: Record<string, unknown>
  created_at: string
  updated_at: string
}

interface RunRec {
  id: number
  result: number
  index: number
  scenario: number
  personality: number
  testProfile: number | null
  iteration: number
  number: string | null
  inboundNumber: string | null
  agentNumber: string | null
  windowOpens: number | null
}

interface ResultRec {
  id: number
  name: string
  agent: number
  runAsText: boolean
  createdAt: number
  concurrency: number
  cancelledAt: number | null
  runs: Array<number>
  settings: Record<string, unknown>
  webhookSent: boolean
}

export interface PersonalityRec {
  readonly id: number
  readonly name: string
  readonly prompt: string
  readonly language: string
  readonly accent: string
  readonly background_noise: string
  readonly gender: "male" | "female"
}

/** The built-in personality catalogue (personalities cannot be created through the API). */
export const personalities: ReadonlyArray<PersonalityRec> = [
  { id: 1, name: "Normal Male (American)", language: "en", accent: "american", background_noise: "none", gender: "male", prompt: "A calm male caller with a neutral mood." },
  { id: 2, name: "Normal Female (American)", language: "en", accent: "american", background_noise: "none", gender: "female", prompt: "A calm female caller with a neutral mood." },
  { id: 3, name: "Frustrated Female (American, office)", language: "en", accent: "american", background_noise: "office", gender: "female", prompt: "A frustrated female caller in a noisy office." },
  { id: 4, name: "Rushed Male (British, street)", language: "en", accent: "british", background_noise: "street", gender: "male", prompt: "A rushed male caller walking down a busy street." },
  { id: 5, name: "Confused Female (American)", language: "en", accent: "american", background_noise: "none", gender: "female", prompt: "A confused elderly female caller." },
  { id: 6, name: "Calm Male (Indian)", language: "en", accent: "indian", background_noise: "none", gender: "male", prompt: "A calm male caller with an Indian accent." },
  { id: 7, name: "Cheerful Female (Australian, cafe)", language: "en", accent: "australian", background_noise: "cafe", gender: "female", prompt: "A cheerful female caller in a cafe." },
  { id: 8, name: "Angry Male (American, car)", language: "en", accent: "american", background_noise: "car", gender: "male", prompt: "An angry male caller driving a car." },
  { id: 9, name: "Spanish Female", language: "es", accent: "spanish", background_noise: "none", gender: "female", prompt: "A female caller speaking Spanish." },
  { id: 10, name: "German Male (car)", language: "de", accent: "german", background_noise: "car", gender: "male", prompt: "A male caller speaking German while driving." },
  { id: 11, name: "French Female", language: "fr", accent: "french", background_noise: "none", gender: "female", prompt: "A female caller speaking French." },
  { id: 12, name: "Hindi Male", language: "hi", accent: "indian", background_noise: "none", gender: "male", prompt: "A male caller speaking Hindi." }
]

/** Metrics the emulator knows by id; any other id is a binary metric named `Metric <id>`. */
const metricCatalogue: Record<number, { readonly name: string; readonly type: "binary" | "numeric" }> = {
  1: { name: "Instruction Following", type: "binary" },
  2: { name: "Customer Satisfaction", type: "numeric" },
  3: { name: "Appointment Booked", type: "binary" }
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z")

class State {
  agents = new Map<number, AgentRec>()
  scenarios = new Map<number, ScenarioRec>()
  profiles = new Map<number, TestProfileRec>()
  results = new Map<number, ResultRec>()
  runs = new Map<number, RunRec>()
  nextScenario = 101
  nextProfile = 20
  nextResult = 167
  nextRun = 274

  constructor(now: number) {
    const at = iso(now)
    const agent = (id: number, agent_name: string, inbound: boolean, assistant_id: string | null, contact_number: string): AgentRec => ({
      id, agent_name, inbound, assistant_id, contact_number, description: `${agent_name} (emulated)`, language: "en", project: 1, webhook_url: null, created_at: at, updated_at: at
    })
    this.agents.set(1, agent(1, "Customer Support Agent", true, "asst_1234567890", "+14155550101"))
    this.agents.set(2, agent(2, "Outbound Sales Agent", false, null, "+14155550102"))
    this.agents.set(2142, agent(2142, "Dental Clinic Receptionist", true, null, "+14155552142"))
    const scenario = (id: number, name: string, agentId: number, personality: number, instructions: string): ScenarioRec => ({
      id, name, agent: agentId, project: 1, personality, instructions, expected_outcome_prompt: "The agent resolves the caller's request.", metrics: [],
      tags: [], test_profile: null, folder_path: null, first_message: "Hello", created_at: at, updated_at: at
    })
    this.scenarios.set(1, scenario(1, "Customer Support Call (Agent Inbound = True)", 1, 2, "Ask for help with a billing question."))
    this.scenarios.set(2, scenario(2, "Outbound Sales Call (Agent Inbound = False)", 2, 1, "Answer the sales call and ask about pricing."))
  }

  agent(id: number, now: number): AgentRec {
    let a = this.agents.get(id)
    if (a === undefined) {
      a = {
        id, agent_name: `Agent ${id}`, inbound: true, assistant_id: null, contact_number: `+1415555${String(id % 10000).padStart(4, "0")}`,
        description: `Agent ${id} (emulated)`, language: "en", project: 1, webhook_url: null, created_at: iso(now), updated_at: iso(now)
      }
      this.agents.set(id, a)
    }
    return a
  }

  agentByAssistant(assistantId: string, now: number): AgentRec {
    for (const a of this.agents.values()) if (a.assistant_id === assistantId) return a
    let id = 3000
    while (this.agents.has(id)) id++
    const a = this.agent(id, now)
    a.assistant_id = assistantId
    return a
  }
}

/** Cekura's `mm:ss` durations (the driver parses them back in its mapping). */
const formatDuration = (seconds: number): string => {
  const s = Math.max(0, Math.round(seconds))
  return `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`
}

// ---------------------------------------------------------------------------------------------
// responses
// ---------------------------------------------------------------------------------------------

const json = (body: unknown, status = 200) => HttpServerResponse.unsafeJson(body, { status })
const detail = (status: number, message: string) => json({ detail: message }, status)
const notFound = detail(404, "Not found.")

/** The error body the fault middleware and auth use: DRF's `{detail}`. */
export const renderError: Emulator.ErrorRenderer = (status, message) =>
  json({ detail: status === 429 ? "Request was throttled." : message }, status)

const parseIssues = (error: ParseResult.ParseError): Record<string, Array<string>> => {
  const out: Record<string, Array<string>> = {}
  // One message per field, without Schema's union noise ("Expected undefined" of optional fields).
  for (const issue of Issues.fromParseError(error)) {
    const key = issue.path.length === 0 ? "non_field_errors" : String(issue.path[0])
    ;(out[key] ??= []).push(issue.message)
  }
  return out
}

class BadRequest {
  readonly _tag = "BadRequest"
  constructor(readonly body: unknown) {}
}

const body = <A, I>(schema: Schema.Schema<A, I>) =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
    request.json.pipe(
      Effect.mapError(() => new BadRequest({ detail: "JSON parse error." })),
      Effect.flatMap((raw) =>
        Either.match(Schema.decodeUnknownEither(schema, { onExcessProperty: "ignore" })(raw), {
          onLeft: (e) => Effect.fail(new BadRequest(parseIssues(e))),
          onRight: Effect.succeed
        })
      )
    ))

const intParam = (name: string) =>
  Effect.flatMap(HttpRouter.params, (p) => {
    const raw = p[name] ?? ""
    return /^\d+$/.test(raw) ? Effect.succeed(Number(raw)) : Effect.fail(new BadRequest(null))
  })

const query = Effect.map(HttpServerRequest.HttpServerRequest, (r) => new URL(r.url, "http://127.0.0.1").searchParams)

const intQuery = (q: URLSearchParams, name: string): number | undefined => {
  const v = q.get(name)
  return v !== null && /^\d+$/.test(v) ? Number(v) : undefined
}

/** DRF page-number pagination with absolute links built from the request's Host. */
const paginate = <A, B = A>(items: ReadonlyArray<A>, render: (item: A) => B = (item) => item as unknown as B) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const url = new URL(request.url, `http://${request.headers["host"] ?? "127.0.0.1"}`)
    const size = Math.min(100, Math.max(1, intQuery(url.searchParams, "page_size") ?? 20))
    const page = intQuery(url.searchParams, "page") ?? 1
    const pages = Math.max(1, Math.ceil(items.length / size))
    if (page < 1 || page > pages) return detail(404, "Invalid page.")
    const link = (n: number) => {
      const u = new URL(url.toString())
      u.searchParams.set("page", String(n))
      return u.toString()
    }
    return json({
      count: items.length,
      next: page < pages ? link(page + 1) : null,
      previous: page > 1 ? link(page - 1) : null,
      results: items.slice((page - 1) * size, page * size).map(render)
    })
  })

// ---------------------------------------------------------------------------------------------
// the app
// ---------------------------------------------------------------------------------------------

interface Context {
  readonly faults: Faults.FaultControl
  readonly seed: number
  readonly speed: number
}

/** Timeline of a run at the emulator's pace. */
interface Timeline {
  readonly dispatched: number
  readonly start: number
  readonly callEnd: number
  readonly end: number
}

export const makeApp = (options: Options, state: State, ctx: Context, onTrigger: (result: ResultRec) => Effect.Effect<void>) => {
  const pace = Emulator.paced(ctx.speed)
  const failureRate = options.failureRate ?? 0.05
  const noDialRate = options.noDialRate ?? 0.1
  const missRate = options.missRate ?? 0.2
  const chance = (key: string) => Emulator.chance(ctx.seed, key)
  const now = Clock.currentTimeMillis

  const personalityName = (id: number) => personalities.find((p) => p.id === id)?.name ?? `Personality ${id}`
  const profileOf = (id: number | null) => (id === null ? undefined : state.profiles.get(id))
  const scenarioOf = (run: RunRec) => state.scenarios.get(run.scenario)
  const keyOf = (run: RunRec) =>
    `${scenarioOf(run)?.name ?? run.scenario}|${personalityName(run.personality)}|${profileOf(run.testProfile)?.name ?? "-"}|${run.iteration}`

  const timeline = (result: ResultRec, run: RunRec): Timeline => {
    const dispatched = result.createdAt + pace(250)
    const wave = Math.floor(run.index / result.concurrency)
    const call = pace(3000)
    const evaluation = pace(700)
    const start = dispatched + pace(250) + wave * (call + evaluation)
    return { dispatched, start, callEnd: start + call, end: start + call + evaluation }
  }

  const isOutbound = (result: ResultRec) => !state.agent(result.agent, result.createdAt).inbound
  const dialTimeout = pace(300_000)

  /** Runs ended one by one (`runs/{id}/end_call/`), with when. */
  const endedRuns = new Map<number, number>()

  /** When a run reaches its terminal status, cancellation aside. */
  const terminalAt = (result: ResultRec, run: RunRec): number =>
    isOutbound(result) && chance(`${keyOf(run)}|dial`) < noDialRate ? result.createdAt + dialTimeout : timeline(result, run).end

  /** The raw status of a run at `t`. */
  const runStatus = (result: ResultRec, run: RunRec, t: number): string => {
    const ended = endedRuns.get(run.id)
    if (ended !== undefined && t >= ended) return "cancelled"
    const tl = timeline(result, run)
    const end = terminalAt(result, run)
    if (result.cancelledAt !== null && result.cancelledAt < end && t >= result.cancelledAt) return "cancelled"
    if (t >= end) return finalStatus(result, run)
    if (t < tl.dispatched) return "pending"
    if (end !== tl.end) return "in_queue" // waiting for a dial that never comes
    if (t < tl.start) return "in_queue"
    if (t < tl.callEnd) return "in_progress"
    return "evaluating"
  }

  const finalStatus = (result: ResultRec, run: RunRec): string => {
    const key = keyOf(run)
    if (isOutbound(result) && chance(`${key}|dial`) < noDialRate) return "timeout"
    return chance(`${key}|infra`) < failureRate ? "failed" : "completed"
  }

  const promptParts = (scenario: ScenarioRec | undefined) =>
    (scenario?.expected_outcome_prompt ?? "").split("\n").map((l) => l.trim()).filter((l) => l !== "")

  /** The evaluation of a finished run: expected-outcome alignments and metrics. */
  const evaluate = (run: RunRec) => {
    const key = keyOf(run)
    const scenario = scenarioOf(run)
    // A part that says `emulator:unjudged` is not evaluated: it gets no alignment.
    const alignments = promptParts(scenario).filter((part) => Judging.of(part) !== "unjudged").map((part) => {
      const aligned = chance(`${key}|outcome|${part}`) >= missRate
      return { outcome: aligned ? "The agent did what was expected." : "The agent did not do what was expected.", prompt_part: part, aligned }
    })
    const metrics = (scenario?.metrics ?? []).map((id) => {
      const known = metricCatalogue[id] ?? { name: `Metric ${id}`, type: "binary" as const }
      const draw = chance(`${key}|metric|${id}`)
      const score = known.type === "binary" ? (draw >= missRate ? 1 : 0) : 1 + Math.floor(draw * 5)
      return {
        id,
        name: known.name,
        type: known.type,
        score,
        enum: "",
        value: String(score),
        explanation: [known.type === "binary" ? (score > 0 ? "The criterion was met." : "The criterion was not met.") : `Scored ${score} out of 5.`],
        extra: {}
      }
    })
    const met = alignments.filter((a) => a.aligned).length
    const expected_outcome = {
      score: alignments.length === 0 ? 100 : Math.round((100 * met) / alignments.length),
      explanation: alignments.map((a) => `${a.aligned ? "✅" : "❌"} ${a.prompt_part}`),
      outcome_alignments: alignments
    }
    const success = alignments.every((a) => a.aligned) && metrics.every((m) => m.type !== "binary" || m.score > 0)
    return { expected_outcome, evaluation: { metrics }, success }
  }

  const transcript = (run: RunRec, success: boolean) => {
    const scenario = scenarioOf(run)
    const agent = scenario === undefined ? undefined : state.agents.get(scenario.agent)
    const ask = (scenario?.instructions ?? "I have a question.").split(/(?<=[.!?])\s/)[0]!
    const turns: Array<[string, string, number]> = [
      ["Main Agent", `Thank you for calling ${agent?.agent_name ?? "us"}, how can I help you today?`, 0.8],
      ["Testing Agent", ask, 3.2],
      ["Main Agent", success ? "Certainly, that is all taken care of for you." : "I'm sorry, I can't help with that right now.", 7.5],
      ["Testing Agent", "Thank you, goodbye.", 11]
    ]
    return {
      transcript_object: turns.map(([role, content, timestamp]) => ({ role, content, timestamp, normalized_content: content.toLowerCase(), comparison_spans: [] })),
      transcript: turns.map(([role, content, ts]) => `[${formatDuration(ts)}] ${role}: ${content}`).join("\n")
    }
  }

  const unknownOr = (status: string) => (ctx.faults.unknownEnum() ? unknownStatus : status)

  const window = (run: RunRec) =>
    run.windowOpens === null
      ? { outbound_dial_window_opens_at: null, outbound_dial_window_seconds: null, outbound_dial_window_closes_at: null }
      : {
        outbound_dial_window_opens_at: new Date(run.windowOpens).toISOString(),
        outbound_dial_window_seconds: 300,
        outbound_dial_window_closes_at: new Date(run.windowOpens + 300_000).toISOString()
      }

  /** Everything about a run at `t`, in the shape of `Run` (runs/{id}/, runs/bulk/). */
  const renderRun = (run: RunRec, t: number, status: string) => {
    const result = state.results.get(run.result)!
    const scenario = scenarioOf(run)
    const agent = state.agent(result.agent, result.createdAt)
    const tl = timeline(result, run)
    const finished = status === "completed"
    const ev = finished ? evaluate(run) : undefined
    const tr = finished ? transcript(run, ev!.success) : { transcript_object: [], transcript: "" }
    const profile = profileOf(run.testProfile)
    const seconds = 12 + Math.floor(chance(`${keyOf(run)}|duration`) * 60)
    return {
      id: run.id,
      provider_call_id: `call_${run.id.toString(16).padStart(8, "0")}`,
      trace_id: (BigInt(run.id) * 2654435761n).toString(16).padStart(32, "0").slice(-32),
      scenario: run.scenario,
      scenario_name: scenario?.name ?? "Scenario Deleted",
      scenario_type: "instruction",
      personality: run.personality,
      personality_name: personalityName(run.personality),
      agent: result.agent,
      agent_name: agent.agent_name,
      result_id: result.id,
      result_name: result.name,
      expected_outcome_prompt: scenario?.expected_outcome_prompt ?? "",
      expected_outcome: ev?.expected_outcome ?? null,
      evaluation: ev?.evaluation ?? { metrics: [] },
      rubric: null,
      transcript: tr.transcript,
      transcript_object: tr.transcript_object,
      duration: finished ? formatDuration(seconds) : "00:00",
      voice_recording_url: finished && !result.runAsText ? `https://recordings.cekura.emulator.invalid/runs/${run.id}.wav` : "",
      email_id: null,
      status,
      evaluation_status: ev === undefined ? "failure" : ev.success ? "success" : "failure",
      metadata: {},
      success: ev?.success ?? false,
      is_reviewed: false,
      feedback: "",
      timestamp: iso(result.createdAt),
      executed_at: t >= tl.start && status !== "pending" && status !== "in_queue" ? iso(tl.start) : null,
      outbound_number: run.number ?? "",
      inbound_number: run.inboundNumber ?? "",
      critical_categories: [],
      error_message: status === "failed"
        ? "Call failed to connect: the agent's number did not answer."
        : status === "timeout" ? "The agent did not dial within the outbound dial window." : "",
      scenario_instructions: scenario?.instructions ?? "",
      run_as_text: result.runAsText,
      test_profile_data: profile === undefined ? null : { id: profile.id, name: profile.name, information: profile.information },
      generated_mock_tool_entries: [],
      mocked_tool_names: [],
      provider_call_details: {},
      agent_number: run.agentNumber,
      testing_channel_index: null,
      run_type: result.runAsText ? "Text" : null,
      ...window(run)
    }
  }

  const renderRunList = (run: RunRec, t: number) => {
    const full = renderRun(run, t, unknownOr(runStatus(state.results.get(run.result)!, run, t)))
    const profile = profileOf(run.testProfile)
    return {
      id: full.id, provider_call_id: full.provider_call_id, trace_id: full.trace_id, scenario: full.scenario, scenario_name: full.scenario_name,
      personality: full.personality, personality_name: full.personality_name, result_id: full.result_id, agent: full.agent, agent_name: full.agent_name,
      duration: full.duration, status: full.status, evaluation_status: full.evaluation_status, expected_outcome: full.expected_outcome ?? {},
      success: full.success, timestamp: full.timestamp, executed_at: full.executed_at, metadata: {}, outbound_number: full.outbound_number,
      inbound_number: full.inbound_number, critical_categories: [], metrics: full.evaluation.metrics, error_message: full.error_message,
      run_as_text: full.run_as_text, test_profile_name: profile?.name ?? "", agent_number: full.agent_number, run_type: full.run_type,
      outbound_dial_window_opens_at: full.outbound_dial_window_opens_at, outbound_dial_window_seconds: full.outbound_dial_window_seconds,
      outbound_dial_window_closes_at: full.outbound_dial_window_closes_at
    }
  }

  const resultStatus = (result: ResultRec, statuses: ReadonlyArray<string>): string => {
    if (result.cancelledAt !== null && statuses.some((s) => s === "cancelled")) return "cancelled"
    const terminal = (s: string) => ["completed", "failed", "timeout", "cancelled"].includes(s)
    if (statuses.every(terminal)) return statuses.length > 0 && statuses.every((s) => s === "failed") ? "failed" : "completed"
    if (statuses.every((s) => s === "pending")) return "pending"
    if (statuses.every((s) => s === "pending" || s === "in_queue")) return "in_queue"
    if (statuses.every((s) => s === "evaluating" || terminal(s))) return "evaluating"
    return "running"
  }

  /** The result detail (`ResultDetailV2`) at `t`; `status` is rendered through the fault hook first. */
  const renderResult = (result: ResultRec, t: number) => {
    const runs = result.runs.map((id) => state.runs.get(id)!)
    const statuses = runs.map((r) => runStatus(result, r, t))
    const status = unknownOr(resultStatus(result, statuses))
    const full = runs.map((r, i) => renderRun(r, t, statuses[i]!))
    const finished = full.filter((r) => ["completed", "failed", "timeout", "cancelled"].includes(r.status))
    const successes = full.filter((r) => r.success)
    const withOutcome = full.filter((r) => r.expected_outcome !== null)
    const agent = state.agent(result.agent, result.createdAt)
    const totalSeconds = full.filter((r) => r.status === "completed").reduce((n, r) => n + (Number(r.duration.slice(0, 2)) * 60 + Number(r.duration.slice(3))), 0)
    return {
      id: result.id,
      name: result.name,
      agent: result.agent,
      agent_name: agent.agent_name,
      status,
      met_expected_outcome_count: withOutcome.filter((r) => r.expected_outcome!.score === 100).length,
      total_expected_outcome_count: withOutcome.length,
      /** A percentage (0-100): see docs/providers/cekura.md. */
      success_rate: full.length === 0 ? 0 : Math.round((10000 * successes.length) / full.length) / 100,
      run_as_text: result.runAsText,
      is_cronjob: false,
      runs: Object.fromEntries(full.map((r) => [String(r.id), {
        id: r.id,
        scenario: r.scenario,
        outbound_number: r.outbound_number,
        expected_outcome: r.expected_outcome,
        success: r.success,
        evaluation: r.evaluation,
        timestamp: r.timestamp,
        executed_at: r.executed_at,
        error_message: r.error_message,
        status: r.status,
        duration: r.duration,
        scenario_name: r.scenario_name,
        personality_name: r.personality_name,
        metadata: r.metadata,
        inbound_number: r.inbound_number
      }])),
      overall_evaluation: finished.length === 0 ? null : { success_rate: full.length === 0 ? 0 : successes.length / full.length },
      total_duration: formatDuration(totalSeconds),
      total_runs_count: full.length,
      completed_runs_count: finished.length,
      success_runs_count: successes.length,
      failed_runs_count: finished.length - successes.length,
      connected_runs: full.filter((r) => r.status === "completed").map((r) => r.id),
      not_connected_runs: full.filter((r) => r.status === "failed" || r.status === "timeout").map((r) => r.id),
      failed_infrastructure_runs: full.filter((r) => r.status === "failed").map((r) => r.id),
      failed_workflow_runs: full.filter((r) => r.status === "completed" && !r.success).map((r) => r.id),
      successful_calls: successes.map((r) => r.id),
      scenarios: [...new Set(runs.map((r) => r.scenario))].map((id) => ({ id, name: state.scenarios.get(id)?.name ?? "Scenario Deleted" })),
      run_type: result.runAsText ? "Text" : null,
      run_settings: result.settings,
      created_at: iso(result.createdAt),
      updated_at: iso(Math.min(t, Math.max(result.createdAt, ...runs.map((r) => timeline(result, r).end))))
    }
  }

  /** A result list item (`Result`). */
  const renderResultItem = (result: ResultRec, t: number) => {
    const d = renderResult(result, t)
    return {
      id: d.id, name: d.name, agent: d.agent, agent_name: d.agent_name, agent_inbound: state.agent(result.agent, t).inbound, status: d.status,
      success_rate: d.success_rate, run_as_text: d.run_as_text, is_cronjob: d.is_cronjob,
      runs: Object.values(d.runs).map((r) => ({ id: r.id, status: r.status, success: r.success, scenario: r.scenario })),
      met_expected_outcome_count: d.met_expected_outcome_count, total_expected_outcome_count: d.total_expected_outcome_count,
      total_runs_count: d.total_runs_count, completed_runs_count: d.completed_runs_count, success_runs_count: d.success_runs_count,
      failed_runs_count: d.failed_runs_count, scenarios: d.scenarios, run_type: d.run_type, created_at: d.created_at, updated_at: d.updated_at
    }
  }

  const renderScenario = (s: ScenarioRec) => {
    const agent = state.agents.get(s.agent)
    const profile = profileOf(s.test_profile)
    return {
      id: s.id, name: s.name, agent: s.agent, project: s.project, personality: s.personality, personality_name: personalityName(s.personality),
      agent_name: agent?.agent_name ?? "", tags: s.tags, tool_ids: [], metrics: s.metrics,
      metric_names: s.metrics.map((id) => metricCatalogue[id]?.name ?? `Metric ${id}`), phone_number: agent?.contact_number ?? "",
      first_message: s.first_message, inbound_phone_number: null, instructions: s.instructions, simulation_description: "",
      information_fields: {}, expected_outcome_prompt: s.expected_outcome_prompt, scenario_language: "en", scenario_type: "instruction",
      suite_type: "undefined", is_predefined: false, test_profile: s.test_profile,
      ...(profile === undefined ? {} : { test_profile_data: renderProfile(profile) }),
      folder_path: s.folder_path, max_duration: null, created_at: s.created_at, updated_at: s.updated_at
    }
  }

  const renderProfile = (p: TestProfileRec) => ({
    id: p.id, project: p.project, agent: p.agent, agent_name: p.agent === null ? "" : state.agents.get(p.agent)?.agent_name ?? "",
    name: p.name, information: p.information, created_by: 1, last_updated_by: 1, created_at: p.created_at, updated_at: p.updated_at
  })

  const renderAgent = (a: AgentRec) => ({
    id: a.id, project: a.project, agent_name: a.agent_name, contact_number: a.contact_number, inbound: a.inbound, description: a.description,
    language: a.language, assistant_id: a.assistant_id, websocket_url: null, llm_model: "gpt-4o", assistant_provider: "vapi",
    enabled_personalities: personalities.map((p) => p.id), created_at: a.created_at, updated_at: a.updated_at,
    ...(a.webhook_url === null ? {} : { webhook_url: a.webhook_url })
  })

  const renderPersonality = (p: PersonalityRec) => ({
    id: p.id, project: 1, name: p.name, prompt: p.prompt, language: p.language, accent: p.accent, background_noise: p.background_noise,
    voice_model: "eleven_turbo_v2_5", voice_id: `voice_${p.id}`, interruption_level: "low", speed: "normal", end_call_enabled: true, provider: "11labs"
  })

  // --- handlers ------------------------------------------------------------------------------

  const trigger = (text: boolean) =>
    Effect.gen(function*() {
      const req = text ? yield* body(Wire.RunScenariosTextRequest) : yield* body(Wire.RunScenariosRequest)
      const t = yield* now
      const agent = req.agent_id !== undefined ? state.agent(req.agent_id, t) : state.agentByAssistant(req.assistant_id!, t)
      let scenarioIds: Array<number>
      if (req.scenarios !== undefined) {
        const missing = req.scenarios.filter((id) => !state.scenarios.has(id))
        if (missing.length > 0) return json({ scenarios: [`Invalid pk "${missing[0]}" - object does not exist.`] }, 400)
        scenarioIds = [...req.scenarios]
      } else if (req.tags !== undefined) {
        const tags = req.tags
        scenarioIds = [...state.scenarios.values()].filter((s) => s.agent === agent.id && s.tags.some((x) => tags.includes(x))).map((s) => s.id)
      } else {
        const folder = req.folder_path!
        scenarioIds = [...state.scenarios.values()]
          .filter((s) => s.agent === agent.id && s.folder_path !== null && (s.folder_path === folder || s.folder_path.startsWith(`${folder}.`)))
          .map((s) => s.id)
      }
      if (scenarioIds.length === 0) return json(["No evaluators matched the selection."], 400)
      const personalityIds = [...(req.personality_ids ?? []), ...("personality_id" in req && req.personality_id != null ? [req.personality_id] : [])]
      if (personalityIds.some((id) => !personalities.some((p) => p.id === id))) return json(["Invalid personalities provided."], 400)
      const profileIds = [...(req.test_profile_ids ?? []), ...("test_profile_id" in req && req.test_profile_id != null ? [req.test_profile_id] : [])]
      if (profileIds.some((id) => !state.profiles.has(id))) return json(["Invalid test profiles provided."], 400)
      const frequency = req.frequency ?? 1
      const result: ResultRec = {
        id: state.nextResult++,
        name: req.name ?? `Run ${new Date(t).toISOString()}`,
        agent: agent.id,
        runAsText: text,
        createdAt: t,
        concurrency: req.concurrency_limit ?? Number.MAX_SAFE_INTEGER,
        cancelledAt: null,
        runs: [],
        settings: {
          frequency,
          ...(req.concurrency_limit === undefined ? {} : { concurrency_limit: req.concurrency_limit }),
          personality_ids: personalityIds,
          test_profile_ids: profileIds,
          ...("mode" in req && req.mode !== undefined ? { mode: req.mode } : {})
        },
        webhookSent: false
      }
      const different = "mode" in req && req.mode === "different_numbers"
      const seen = new Map<string, number>()
      for (const scenarioId of scenarioIds) {
        const scenario = state.scenarios.get(scenarioId)!
        for (let f = 0; f < frequency; f++) {
          for (const personality of personalityIds.length > 0 ? personalityIds : [scenario.personality]) {
            for (const profile of profileIds.length > 0 ? profileIds : [scenario.test_profile]) {
              const combo = `${scenarioId}/${personality}/${profile}`
              const iteration = (seen.get(combo) ?? 0) + 1
              seen.set(combo, iteration)
              const index = result.runs.length
              const phone = (base: number) => `+1${base + (different ? index : 0)}`
              const run: RunRec = {
                id: state.nextRun++,
                result: result.id,
                index,
                scenario: scenarioId,
                personality,
                testProfile: profile,
                iteration,
                number: agent.inbound ? null : req.outbound_phone_number ?? phone(1234567890),
                inboundNumber: agent.inbound ? phone(1234567890) : null,
                agentNumber: req.agent_number ?? null,
                windowOpens: agent.inbound ? null : t
              }
              state.runs.set(run.id, run)
              result.runs.push(run.id)
            }
          }
        }
      }
      state.results.set(result.id, result)
      yield* onTrigger(result)
      return json({
        id: result.id,
        agent: agent.id,
        status: "pending",
        success_rate: 0,
        run_as_text: text,
        runs: result.runs.map((id) => {
          const run = state.runs.get(id)!
          const profile = profileOf(run.testProfile)
          return {
            id: run.id,
            status: "pending",
            scenario: run.scenario,
            number: run.number,
            inbound_number: run.inboundNumber,
            scenario_name: state.scenarios.get(run.scenario)!.name,
            test_profile_data: profile === undefined ? null : { id: profile.id, name: profile.name, information: profile.information },
            ...window(run)
          }
        }),
        created_at: iso(t)
      }, 201)
    })

  const withResult = <A, E, R>(f: (result: ResultRec, t: number) => Effect.Effect<A, E, R>) =>
    Effect.gen(function*() {
      const id = yield* intParam("id")
      const result = state.results.get(id)
      if (result === undefined) return notFound
      return yield* f(result, yield* now)
    })

  const scenarioBodyToRec = (s: ScenarioRec, b: Wire.UpdateScenarioRequest, t: number) => {
    if (b.name !== undefined) s.name = b.name
    if (b.personality !== undefined) s.personality = b.personality
    if (b.instructions !== undefined) s.instructions = b.instructions
    if (b.expected_outcome_prompt !== undefined) s.expected_outcome_prompt = b.expected_outcome_prompt
    if (b.metrics !== undefined) s.metrics = [...b.metrics]
    if (b.tags !== undefined) s.tags = [...b.tags]
    if (b.test_profile !== undefined) s.test_profile = b.test_profile
    if (b.folder_path !== undefined) s.folder_path = b.folder_path
    s.updated_at = iso(t)
  }

  const router = HttpRouter.empty.pipe(
    // agents
    HttpRouter.get(`${v1}/aiagents/`, Effect.gen(function*() {
      const q = yield* query
      const project = intQuery(q, "project_id")
      const text = q.get("q")?.toLowerCase()
      return yield* paginate([...state.agents.values()]
        .filter((a) => (project === undefined || a.project === project) && (text === undefined || a.agent_name.toLowerCase().includes(text)))
        .sort((a, b) => a.id - b.id)
        .map(renderAgent))
    })),
    HttpRouter.get(`${v1}/aiagents/:id/`, Effect.gen(function*() {
      const id = yield* intParam("id")
      return json(renderAgent(state.agent(id, yield* now)))
    })),
    HttpRouter.patch(`${v1}/aiagents/:id/`, Effect.gen(function*() {
      const id = yield* intParam("id")
      const b = yield* body(Schema.Struct({
        agent_name: Schema.optional(Schema.String),
        inbound: Schema.optional(Schema.Boolean),
        webhook_url: Schema.optional(Schema.NullOr(Schema.String)),
        assistant_id: Schema.optional(Schema.NullOr(Schema.String))
      }))
      const t = yield* now
      const a = state.agent(id, t)
      if (b.agent_name !== undefined) a.agent_name = b.agent_name
      if (b.inbound !== undefined) a.inbound = b.inbound
      if (b.webhook_url !== undefined) a.webhook_url = b.webhook_url
      if (b.assistant_id !== undefined) a.assistant_id = b.assistant_id
      a.updated_at = iso(t)
      return json(renderAgent(a))
    })),
    // personalities
    HttpRouter.get(`${v1}/personalities/`, Effect.map(query, (q) => {
      const language = q.get("language")
      return json(personalities.filter((p) => language === null || p.language === language).map(renderPersonality))
    })),
    // test profiles
    HttpRouter.get(`${v1}/test-profiles/`, Effect.gen(function*() {
      const q = yield* query
      const agent = intQuery(q, "agent_id")
      const project = intQuery(q, "project_id")
      if (agent === undefined && project === undefined) return json({ detail: "agent_id or project_id is required." }, 400)
      return json([...state.profiles.values()]
        .filter((p) => (agent === undefined || p.agent === agent) && (project === undefined || p.project === project))
        .map((p) => ({
          ...renderProfile(p),
          scenarios: [...state.scenarios.values()].filter((s) => s.test_profile === p.id).map((s) => ({ id: s.id, name: s.name }))
        })))
    })),
    HttpRouter.post(`${v1}/test-profiles/`, Effect.gen(function*() {
      const b = yield* body(Wire.CreateTestProfileRequest)
      const t = yield* now
      const agent = b.agent === undefined ? undefined : state.agent(b.agent, t)
      const p: TestProfileRec = {
        id: state.nextProfile++, project: b.project ?? agent?.project ?? null, agent: agent?.id ?? null, name: b.name,
        information: { ...b.information }, created_at: iso(t), updated_at: iso(t)
      }
      state.profiles.set(p.id, p)
      return json(renderProfile(p), 200)
    })),
    // scenarios
    HttpRouter.get(`${v1}/scenarios/`, Effect.gen(function*() {
      const q = yield* query
      const agent = intQuery(q, "agent_id")
      const project = intQuery(q, "project_id")
      const tags = q.get("tags")?.split(",").map((x) => x.trim()).filter((x) => x !== "")
      const mode = q.get("tag_filter_type") ?? "or"
      const folder = q.get("folder_path")
      return yield* paginate([...state.scenarios.values()]
        .filter((s) => agent === undefined || s.agent === agent)
        .filter((s) => project === undefined || s.project === project)
        .filter((s) => folder === null || s.folder_path === folder || (s.folder_path?.startsWith(`${folder}.`) ?? false))
        .filter((s) =>
          tags === undefined || tags.length === 0 ? true
          : mode === "and" ? tags.every((x) => s.tags.includes(x))
          : mode === "not" ? !tags.some((x) => s.tags.includes(x))
          : tags.some((x) => s.tags.includes(x))
        )
        .sort((a, b) => a.id - b.id)
        .map((s) => {
          const r = renderScenario(s)
          const { information_fields: _i, simulation_description: _s, suite_type: _t, is_predefined: _p, project: _pr, max_duration: _m, ...rest } = r
          return { ...rest, inbound_phone_number_data: null, dynamic_variable_values: null, created_by: 1, last_updated_by: 1 }
        }))
    })),
    HttpRouter.post(`${v1}/scenarios/`, Effect.gen(function*() {
      const b = yield* body(Wire.CreateScenarioRequest)
      if (!personalities.some((p) => p.id === b.personality)) return json({ personality: [`Invalid pk "${b.personality}" - object does not exist.`] }, 400)
      if (b.test_profile !== undefined && !state.profiles.has(b.test_profile)) {
        return json({ test_profile: [`Invalid pk "${b.test_profile}" - object does not exist.`] }, 400)
      }
      const t = yield* now
      const agent = b.agent === undefined ? undefined : state.agent(b.agent, t)
      const s: ScenarioRec = {
        id: state.nextScenario++, name: b.name, agent: agent?.id ?? 0, project: b.project ?? agent?.project ?? null, personality: b.personality,
        instructions: b.instructions, expected_outcome_prompt: "", metrics: [], tags: [], test_profile: null, folder_path: null,
        first_message: "Hello", created_at: iso(t), updated_at: iso(t)
      }
      scenarioBodyToRec(s, b, t)
      state.scenarios.set(s.id, s)
      return json(renderScenario(s), 201)
    })),
    HttpRouter.get(`${v1}/scenarios/:id/`, Effect.gen(function*() {
      const s = state.scenarios.get(yield* intParam("id"))
      return s === undefined ? notFound : json(renderScenario(s))
    })),
    HttpRouter.patch(`${v1}/scenarios/:id/`, Effect.gen(function*() {
      const s = state.scenarios.get(yield* intParam("id"))
      if (s === undefined) return notFound
      const b = yield* body(Wire.UpdateScenarioRequest)
      if (b.personality !== undefined && !personalities.some((p) => p.id === b.personality)) {
        return json({ personality: [`Invalid pk "${b.personality}" - object does not exist.`] }, 400)
      }
      scenarioBodyToRec(s, b, yield* now)
      return json(renderScenario(s))
    })),
    HttpRouter.del(`${v1}/scenarios/:id/`, Effect.gen(function*() {
      const id = yield* intParam("id")
      return state.scenarios.delete(id) ? HttpServerResponse.empty({ status: 204 }) : notFound
    })),
    HttpRouter.post(`${v1}/scenarios/run_scenarios/`, trigger(false))
  ).pipe(

    HttpRouter.post(`${v1}/scenarios/run_scenarios_text/`, trigger(true)),
    // results
    HttpRouter.get(`${v1}/results/`, Effect.gen(function*() {
      const q = yield* query
      const t = yield* now
      const agent = intQuery(q, "agent_id")
      const search = q.get("search")?.toLowerCase()
      const scenarios = q.get("scenarios")?.split(",").map(Number)
      return yield* paginate([...state.results.values()]
        .filter((r) => agent === undefined || r.agent === agent)
        .filter((r) => search === undefined || r.name.toLowerCase().includes(search))
        .filter((r) => scenarios === undefined || r.runs.some((id) => scenarios.includes(state.runs.get(id)!.scenario)))
        .sort((a, b) => b.id - a.id), (r) => renderResultItem(r, t))
    })),
    HttpRouter.get(`${v1}/results/:id/`, withResult((result, t) => Effect.succeed(json(renderResult(result, t))))),
    HttpRouter.del(`${v1}/results/:id/`, withResult((result) =>
      Effect.sync(() => {
        for (const id of result.runs) state.runs.delete(id)
        state.results.delete(result.id)
        return HttpServerResponse.empty({ status: 204 })
      }))),
    HttpRouter.post(`${v1}/results/:id/end_calls/`, withResult((result, t) =>
      Effect.sync(() => {
        if (result.cancelledAt === null) result.cancelledAt = t
        return HttpServerResponse.empty({ status: 200 })
      }))),
    HttpRouter.post(`${v1}/results/:id/rerun/`, withResult((result, t) =>
      Effect.gen(function*() {
        const copy: ResultRec = {
          ...result, id: state.nextResult++, createdAt: t, cancelledAt: null, runs: [], webhookSent: false, name: result.name
        }
        for (const id of result.runs) {
          const run = state.runs.get(id)!
          const next: RunRec = { ...run, id: state.nextRun++, result: copy.id, windowOpens: run.windowOpens === null ? null : t }
          state.runs.set(next.id, next)
          copy.runs.push(next.id)
        }
        state.results.set(copy.id, copy)
        yield* onTrigger(copy)
        return json(renderResultItem(copy, t))
      }))),
    // runs
    HttpRouter.get(`${v1}/runs/`, Effect.gen(function*() {
      const q = yield* query
      const t = yield* now
      const resultId = intQuery(q, "result_id") ?? intQuery(q, "result__id")
      const status = q.get("status")
      const scenario = intQuery(q, "scenario__id")
      const items = [...state.runs.values()]
        .filter((r) => resultId === undefined || r.result === resultId)
        .filter((r) => scenario === undefined || r.scenario === scenario)
        .filter((r) => status === null || runStatus(state.results.get(r.result)!, r, t) === status)
        .sort((a, b) => a.id - b.id)
      return yield* paginate(items.map((r) => renderRunList(r, t)))
    })),
    HttpRouter.get(`${v1}/runs/bulk/`, Effect.gen(function*() {
      const q = yield* query
      const raw = q.get("run_ids") ?? ""
      if (!/^\d+(,\d+)*$/.test(raw)) return json({ run_ids: ["A comma-separated string of run ids is required."] }, 400)
      const t = yield* now
      return json(raw.split(",").map(Number).flatMap((id) => {
        const run = state.runs.get(id)
        if (run === undefined) return []
        const result = state.results.get(run.result)!
        return [renderRun(run, t, unknownOr(runStatus(result, run, t)))]
      }))
    })),
    HttpRouter.get(`${v1}/runs/:id/`, Effect.gen(function*() {
      const run = state.runs.get(yield* intParam("id"))
      if (run === undefined) return notFound
      const t = yield* now
      return json(renderRun(run, t, unknownOr(runStatus(state.results.get(run.result)!, run, t))))
    })),
    HttpRouter.post(`${v1}/runs/:id/end_call/`, Effect.gen(function*() {
      const run = state.runs.get(yield* intParam("id"))
      if (run === undefined) return notFound
      const result = state.results.get(run.result)!
      const t = yield* now
      const status = runStatus(result, run, t)
      if (!["completed", "failed", "timeout", "cancelled"].includes(status)) endedRuns.set(run.id, t)
      return HttpServerResponse.empty({ status: 200 })
    }))
  )

  const authenticated = Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    // DRF paths end with a slash; without it the route does not exist (no APPEND_SLASH redirect).
    if (!new URL(request.url, "http://127.0.0.1").pathname.endsWith("/")) return notFound
    const key = request.headers["x-cekura-api-key"]
    if (key === undefined || key === "") return detail(401, "Authentication credentials were not provided.")
    if (options.apiKey !== undefined && key !== options.apiKey) return detail(403, "Invalid API key.")
    return yield* router
  })

  const app = authenticated.pipe(
    Effect.catchTags({
      RouteNotFound: () => Effect.succeed(notFound),
      BadRequest: (e: BadRequest) => Effect.succeed(e.body === null ? notFound : json(e.body, 400))
    })
  )

  /** The `result.completed` webhook payload (runs keyed by id, webhook-shaped metrics and transcript). */
  const webhookPayload = (result: ResultRec, t: number) => {
    const d = renderResult(result, t)
    const runs = result.runs.map((id) => state.runs.get(id)!)
    return {
      event_type: "result.completed",
      data: {
        id: d.id, name: d.name, agent: d.agent, status: d.status, met_expected_outcome_count: d.met_expected_outcome_count,
        total_expected_outcome_count: d.total_expected_outcome_count, success_rate: d.success_rate, run_as_text: d.run_as_text,
        is_cronjob: false,
        runs: Object.fromEntries(runs.map((run) => {
          const r = renderRun(run, t, runStatus(result, run, t))
          return [String(r.id), {
            id: r.id,
            scenario: { id: r.scenario, name: r.scenario_name, personality_name: r.personality_name, expected_outcome_prompt: r.expected_outcome_prompt },
            expected_outcome: r.expected_outcome,
            success: r.success,
            evaluation: {
              metrics: r.evaluation.metrics.map((m) => ({
                id: m.id, name: m.name, eval_type: m.type, ...(m.type === "binary" ? { passed: m.score > 0 } : { score: m.score }), explanation: m.explanation,
                vocera_defined_metric_code: ""
              }))
            },
            transcript_object: r.transcript_object.map((x) => ({ role: x.role, time: formatDuration(x.timestamp), content: x.content, start_time: x.timestamp, end_time: x.timestamp + 2 })),
            voice_recording: r.voice_recording_url,
            timestamp: r.timestamp,
            executed_at: r.executed_at,
            error_message: r.error_message,
            status: r.status
          }]
        })),
        created_at: d.created_at
      }
    }
  }

  /** When every run of the result is terminal (cancellation aside). */
  const resultEnd = (result: ResultRec): number =>
    Math.max(result.createdAt, ...result.runs.map((id) => terminalAt(result, state.runs.get(id)!)))

  const isFinished = (result: ResultRec, t: number): boolean =>
    result.runs.every((id) => ["completed", "failed", "timeout", "cancelled"].includes(runStatus(result, state.runs.get(id)!, t)))

  return { app, webhookPayload, resultEnd, isFinished }
}

/** Starts the emulator on 127.0.0.1 for the lifetime of the scope. */
export const start = (options: Options = {}): Effect.Effect<Emulator.Handle, HttpServerError.ServeError, Scope.Scope> =>
  Effect.gen(function*() {
    const scope = yield* Effect.scope
    const state = new State(yield* Clock.currentTimeMillis)
    let built: ReturnType<typeof makeApp> | undefined
    const deliver = (result: ResultRec) =>
      Effect.gen(function*() {
        const app = built!
        for (;;) {
          const t = yield* Clock.currentTimeMillis
          if (app.isFinished(result, t)) break
          yield* Effect.sleep(Math.max(5, Math.min(250, app.resultEnd(result) - t)))
        }
        const agent = state.agents.get(result.agent)
        const url = agent?.webhook_url ?? options.webhookUrl
        if (url === undefined || url === null || result.webhookSent || !state.results.has(result.id)) return
        result.webhookSent = true
        const payload = app.webhookPayload(result, yield* Clock.currentTimeMillis)
        yield* Effect.tryPromise(() =>
          fetch(url, {
            method: "POST",
            headers: { "content-type": "application/json", ...(options.webhookSecret === undefined ? {} : { "X-CEKURA-SECRET": options.webhookSecret }) },
            body: JSON.stringify(payload)
          })
        ).pipe(Effect.ignore)
      })
    const onTrigger = (result: ResultRec) => Effect.asVoid(Effect.forkIn(deliver(result), scope))
    return yield* Emulator.serve(vendor, (ctx) => {
      built = makeApp(options, state, ctx, onTrigger)
      return built.app
    }, { ...options, renderError })
  })

export const plugin: Emulator.EmulatorPlugin = { vendor, start }
