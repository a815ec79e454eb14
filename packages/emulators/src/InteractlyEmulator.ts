/**
 * A local emulator of Interactly's workflow service (simulations, simulation runs, workflow runs and
 * enough of `/v1/workflows`), served under the `/workflows` base path like the real API.
 *
 * Behaviour (choices where the reference is silent are listed in docs/providers/interactly.md):
 * - `POST /v1/simulations` echoes the config with the server's defaults filled in (`timeout_seconds`
 *   120, `max_events` 3000, `number_of_simulations` 1, `max_concurrent_runs` 1,
 *   `assistant_starts_first` true, `stop_on_failure` false, `status` pending). Type errors are 422
 *   `{detail: [{loc, msg, type}]}`; a missing workflow id is 400 `{message, error}`.
 * - `POST /v1/simulations/{id}/run` creates a group of `number_of_simulations` executions that start
 *   in waves of `max_concurrent_runs`; each moves pending -> running -> completed | failed. An
 *   execution fails when its scripted conversation needs more than `max_events` events
 *   (`aborted_looping_risk`) or lasts longer than `timeout_seconds` (`failed`). With
 *   `stop_on_failure` no execution starts after the first failure and the group ends `failed`.
 * - `POST /v1/simulation-runs/{id}/stop` marks the group `cancelled` at once; running executions
 *   finish, pending ones are `cancelled`. Stopping a finished group is 409.
 * - Each started execution has two workflow runs (the workflow under test and the caller) whose
 *   events hold the scripted conversation. Metrics are the evaluation criteria of the workflows:
 *   the example target `5eb7cf5a86d9755df3a6c593` is pre-seeded with `booked` and `polite`, and
 *   `5eb7cf5a86d9755df3a6c594` with those and the yes/no criterion `confirmed` (`passed`, no score);
 *   workflows created with `config.evaluation_criteria` get theirs; others have none.
 * - Everything is derived lazily from timestamps, paced by `speed`; outcomes are seeded by the
 *   simulation's name, the workflow under test, the caller's dynamic variables and the run index
 *   (never by generated ids).
 *
 * @since 0.1.0
 */
import { randomBytes, randomUUID } from "node:crypto"
import * as HttpRouter from "@effect/platform/HttpRouter"
import type * as HttpServerError from "@effect/platform/HttpServerError"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { Issues, Plan } from "@simbridge/core"
import type { Faults } from "@simbridge/emulator"
import { Emulator } from "@simbridge/emulator"
import * as Clock from "effect/Clock"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as JSONSchema from "effect/JSONSchema"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import { Lru } from "@simbridge/core/Lru"
import * as Wire from "@simbridge/interactly/InteractlyWire"

export const basePath = "/workflows"

/**
 * The example suite's target, pre-seeded with the evaluation criteria of the example evaluators,
 * and a second receptionist whose criterion `confirmed` is a yes/no one: its metric result carries
 * `passed` and no score (`yesNo`), what a number evaluator mapped to it is answered with.
 */
export const seededWorkflows: ReadonlyArray<{ readonly id: string; readonly name: string; readonly metrics: ReadonlyArray<string>; readonly yesNo?: ReadonlyArray<string> }> = [
  { id: "5eb7cf5a86d9755df3a6c593", name: "Dental clinic receptionist", metrics: ["booked", "polite"] },
  { id: "5eb7cf5a86d9755df3a6c594", name: "Dental clinic receptionist (yes/no criteria)", metrics: ["booked", "polite", "confirmed"], yesNo: ["confirmed"] }
]

/** Server defaults of `SimulationConfig` (the `max_events` default follows the SDK's server mirror). */
export const defaults = {
  timeout_seconds: 120,
  max_events: 3000,
  number_of_simulations: 1,
  max_concurrent_runs: 1,
  assistant_starts_first: true,
  stop_on_failure: false,
  status: "pending"
} as const

/** The undocumented status the emulator renders when an unknown enum value is injected. */
export const unknownStatus = "suspended"

const teamId = "67458e762b7d3dc15aaea5b5"
const userId = "687b1a4f745c8e6806c98d91"

// ---------------------------------------------------------------------------------------------
// Errors (FastAPI shapes)
// ---------------------------------------------------------------------------------------------

class ApiError extends Data.TaggedError("ApiError")<{ readonly status: number; readonly body: unknown }> {}

const notFound = (what: string) => new ApiError({ status: 404, body: { detail: `${what} not found` } })

const validation = (loc: ReadonlyArray<string | number>, msg: string, type = "value_error") =>
  new ApiError({ status: 422, body: { detail: [{ loc, msg, type }] } })

const fromParseError = (where: "body" | "query", error: ParseResult.ParseError) =>
  new ApiError({
    status: 422,
    body: {
      // One entry per field, without Schema's union noise ("Expected null/undefined" of optional fields).
      detail: Issues.fromParseError(error).map((i) => ({
        loc: [where, ...i.path.map((p) => (typeof p === "number" ? p : String(p)))],
        msg: i.message,
        type: i.message === "is missing" ? "missing" : "value_error"
      }))
    }
  })

export const renderError: Emulator.ErrorRenderer = (status, message) => HttpServerResponse.unsafeJson({ detail: message }, { status })

// ---------------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------------

interface WorkflowRecord {
  readonly id: string
  name: string
  description: string | null
  readonly logicalId: string
  readonly metrics: ReadonlyArray<string>
  /** Criteria judged yes/no only: their metric results have `passed` and no score. */
  readonly yesNo?: ReadonlySet<string> | undefined
  readonly createdAt: number
  updatedAt: number
}

type Config = {
  -readonly [K in keyof Wire.SimulationConfig]-?: Exclude<Wire.SimulationConfig[K], undefined>
}

interface SimulationRecord {
  readonly id: string
  readonly config: Config
  description: string | null
  status: string
  readonly createdAt: number
  updatedAt: number
  readonly groups: Array<string>
}

interface GroupRecord {
  readonly id: string
  readonly simulationId: string
  readonly createdAt: number
  readonly runnerName: string | undefined
  stoppedAt: number | undefined
  readonly executions: ReadonlyArray<{ readonly id: string; readonly selectedRunId: string; readonly counterRunId: string }>
}

interface Line {
  readonly who: "agent" | "caller"
  readonly text: string
  /** Simulated seconds from the start of the conversation. */
  readonly at: number
}

interface Conversation {
  readonly lines: ReadonlyArray<Line>
  readonly events: number
  readonly seconds: number
  readonly good: boolean
  readonly failure: { readonly status: "aborted_looping_risk" | "failed"; readonly message: string } | undefined
}

type ExecutionState = "pending" | "running" | "completed" | "failed" | "cancelled"

interface ExecutionView {
  readonly index: number
  readonly id: string
  readonly selectedRunId: string
  readonly counterRunId: string
  readonly state: ExecutionState
  readonly start: number
  readonly end: number
  readonly conversation: Conversation
  readonly scores: ReadonlyArray<Score>
  readonly counterScores: ReadonlyArray<Score>
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z")

const processPart = randomBytes(5).toString("hex")
let counter = randomBytes(3).readUIntBE(0, 3)

/** A new 24-hex ObjectId (4-byte seconds, 5-byte process part, 3-byte counter), like MongoDB's. */
export const objectId = (now: number): string => {
  counter = (counter + 1) & 0xffffff
  return Math.floor(now / 1000).toString(16).padStart(8, "0").slice(-8) + processPart + counter.toString(16).padStart(6, "0")
}

const isObjectId = (s: string | undefined): s is string => s !== undefined && /^[0-9a-f]{24}$/i.test(s)

// ---------------------------------------------------------------------------------------------
// The scripted conversation
// ---------------------------------------------------------------------------------------------

const str = (v: unknown, fallback: string) => (typeof v === "string" && v.trim() !== "" ? v : typeof v === "number" ? String(v) : fallback)

const conversation = (seed: number, key: string, config: Config): Conversation => {
  const caller = config.counter_workflow?.dynamic_variables ?? {}
  const name = str(caller.persona_name ?? caller.patientName ?? caller.name, "Alex")
  const instructions = str(caller.scenario_instructions, "I would like some help with my account.")
  const agentName = str(config.selected_workflow?.name, "the clinic")
  const good = Emulator.chance(seed, `${key}/outcome`) >= 0.25
  const extra = Math.floor(Emulator.chance(seed, `${key}/turns`) * 3)
  const script: Array<Omit<Line, "at">> = []
  if (config.assistant_starts_first ?? true) script.push({ who: "agent", text: `Hello, thank you for calling ${agentName}. How can I help you today?` })
  script.push({ who: "caller", text: `Hi, this is ${name}. ${instructions}` })
  script.push({ who: "agent", text: `I can help with that, ${name}. Let me check what is available.` })
  const fillers: ReadonlyArray<[string, string]> = [
    ["Is there anything sooner?", "Let me look again; one moment please."],
    ["Could you double-check for me?", "Of course, I am checking the schedule now."],
    ["Sorry, can you repeat that?", "Sure: I am looking at the options for you."]
  ]
  for (let i = 0; i < extra; i++) {
    const [c, a] = fillers[i]!
    script.push({ who: "caller", text: c }, { who: "agent", text: a })
  }
  script.push({
    who: "agent",
    text: good
      ? `You're all set, ${name}: I have booked you for Thursday at 10:30. Is there anything else?`
      : "I'm sorry, I could not find anything that works right now. Please call back later."
  })
  script.push({ who: "caller", text: good ? "No, that's all. Thank you!" : "That is really frustrating. Goodbye." })
  let t = 0
  const lines = script.map((l, i) => {
    t += i === 0 ? 1 : 3 + Math.floor(Emulator.chance(seed, `${key}/gap/${i}`) * 5)
    return { ...l, at: t }
  })
  const events = lines.length + 2 // start_node_run ... end_node_run
  const seconds = t + 1
  const maxEvents = config.max_events ?? defaults.max_events
  const timeout = config.timeout_seconds ?? defaults.timeout_seconds
  const failure = events > maxEvents
    ? { status: "aborted_looping_risk" as const, message: `max_events (${maxEvents}) reached before the conversation ended` }
    : seconds > timeout
    ? { status: "failed" as const, message: `timeout_seconds (${timeout}) exceeded after ${timeout} seconds` }
    : undefined
  return { lines, events, seconds, good, failure }
}

/** A metric's result for one execution; `scored: false` for a yes/no criterion (no score rendered). */
interface Score {
  readonly metric: string
  readonly score: number
  readonly passed: boolean
  readonly scored: boolean
}

const scoresOf = (seed: number, key: string, metrics: ReadonlyArray<string>, good: boolean, yesNo?: ReadonlySet<string>): ReadonlyArray<Score> =>
  metrics.map((metric, i) => {
    const r = Emulator.chance(seed, `${key}/metric/${metric}`)
    // The first metric follows the outcome of the conversation; the others vary on their own.
    const score = i === 0 ? (good ? 75 + Math.floor(r * 26) : 10 + Math.floor(r * 41)) : 45 + Math.floor(r * 56)
    return { metric, score, passed: score >= 60, scored: yesNo?.has(metric) !== true }
  })

const bucket = (score: number): keyof Wire.ScoreDistribution =>
  score <= 20 ? "bucket_0_20" : score <= 40 ? "bucket_21_40" : score <= 60 ? "bucket_41_60" : score <= 80 ? "bucket_61_80" : "bucket_81_100"

// ---------------------------------------------------------------------------------------------
// The app
// ---------------------------------------------------------------------------------------------

export interface Context {
  readonly faults: Faults.FaultControl
  readonly seed: number
  readonly speed: number
  readonly apiKey?: string | undefined
}

/** The emulator's routes (without the `/workflows` base path) and state. */
export const make = (context: Context) => {
  const { faults, seed } = context
  const pace = Emulator.paced(context.speed)
  const queueMs = pace(600)
  const callMs = pace(3000)

  const workflows = new Map<string, WorkflowRecord>()
  const simulations = new Map<string, SimulationRecord>()
  const groups = new Map<string, GroupRecord>()
  const workflowRuns = new Map<string, { readonly groupId: string; readonly index: number; readonly role: "selected" | "counter" }>()
  for (const w of seededWorkflows) {
    workflows.set(w.id, { id: w.id, name: w.name, description: null, logicalId: `workflow_${w.id}`, metrics: w.metrics, yesNo: new Set(w.yesNo ?? []), createdAt: 0, updatedAt: 0 })
  }

  /** Where a status is rendered: one-shot unknown-enum faults may be aimed at a method and path. */
  type At = { readonly method: string; readonly path: string }
  const status = (s: string, at: At) => (faults.unknownEnum(at.method, at.path) ? unknownStatus : s)
  const metricsOf = (workflowId: string | null | undefined) => (workflowId ? workflows.get(workflowId)?.metrics ?? [] : [])
  const yesNoOf = (workflowId: string | null | undefined) => (workflowId ? workflows.get(workflowId)?.yesNo : undefined)

  type Planned = Omit<ExecutionView, "state">

  /**
   * A group's scripted executions (timing, conversation, scores): they depend only on the seed, the
   * simulation's config and the group's creation, so the most recent groups' are kept (evaluation,
   * workflow-run and list reads of the same group then do not script them again).
   */
  const planned = new Lru<string, ReadonlyArray<Planned>>(1024)
  const plansOf = (group: GroupRecord): ReadonlyArray<Planned> => {
    const cached = planned.get(group.id)
    if (cached !== undefined) return cached
    const sim = simulations.get(group.simulationId)!
    const c = sim.config
    const concurrency = Math.max(1, c.max_concurrent_runs ?? 1)
    // Stable inputs only (the simulation's name, the workflow under test, the caller's variables):
    // ids the emulator generated (the caller workflow's, the logical id's hash of it) never count.
    const stable = `${c.name ?? ""}|${c.selected_workflow?.workflow_id ?? ""}|${Plan.stableStringify(c.counter_workflow?.dynamic_variables ?? {})}`
    const key = (i: number) => `${stable}/${i}`
    const plans = group.executions.map((e, i) => {
      const start = group.createdAt + queueMs + Math.floor(i / concurrency) * callMs
      const conv = conversation(seed, key(i), c)
      return {
        ...e,
        index: i,
        start,
        end: start + callMs,
        conversation: conv,
        scores: scoresOf(seed, key(i), metricsOf(c.selected_workflow?.workflow_id), conv.good, yesNoOf(c.selected_workflow?.workflow_id)),
        counterScores: scoresOf(seed, `${key(i)}/counter`, metricsOf(c.counter_workflow?.workflow_id), conv.good, yesNoOf(c.counter_workflow?.workflow_id))
      }
    })
    planned.set(group.id, plans)
    return plans
  }

  const executionsOf = (group: GroupRecord, now: number): ReadonlyArray<ExecutionView> => {
    const c = simulations.get(group.simulationId)!.config
    const plans = plansOf(group)
    let cutoff = group.stoppedAt ?? Number.POSITIVE_INFINITY
    if (c.stop_on_failure) {
      for (const p of plans) if (p.conversation.failure && p.start < cutoff) cutoff = Math.min(cutoff, p.end)
    }
    return plans.map((p) => {
      const state: ExecutionState = p.start >= cutoff
        ? (now >= cutoff ? "cancelled" : "pending")
        : now < p.start
        ? "pending"
        : now < p.end
        ? "running"
        : p.conversation.failure
        ? "failed"
        : "completed"
      return { ...p, state }
    })
  }

  const groupState = (group: GroupRecord, executions: ReadonlyArray<ExecutionView>, now: number): string => {
    if (group.stoppedAt !== undefined && now >= group.stoppedAt) return "cancelled"
    const sim = simulations.get(group.simulationId)!
    const terminal = executions.every((e) => e.state === "completed" || e.state === "failed" || e.state === "cancelled")
    if (terminal) {
      const failed = executions.filter((e) => e.state === "failed").length
      return (sim.config.stop_on_failure && failed > 0) || (failed > 0 && failed === executions.length) ? "failed" : "completed"
    }
    return executions.some((e) => e.state !== "pending") ? "running" : "pending"
  }

  const renderGroup = (group: GroupRecord, now: number, at: At) => {
    const executions = executionsOf(group, now)
    const lastChange = Math.max(group.createdAt, ...executions.flatMap((e) => (e.state === "pending" ? [] : [Math.min(now, e.state === "running" ? e.start : e.end)])))
    return {
      _id: group.id,
      simulation_config_id: group.simulationId,
      status: status(groupState(group, executions, now), at),
      total_runs: executions.length,
      completed_runs: executions.filter((e) => e.state === "completed").length,
      failed_runs: executions.filter((e) => e.state === "failed").length,
      ...(group.runnerName === undefined ? {} : { runner_name: group.runnerName }),
      team_id: teamId,
      created_by: userId,
      updated_by: userId,
      created_at: iso(group.createdAt),
      updated_at: iso(group.stoppedAt !== undefined ? Math.max(lastChange, group.stoppedAt) : lastChange)
    } satisfies typeof Wire.SimulationGroup.Encoded
  }

  const simulationStatus = (sim: SimulationRecord, now: number) => {
    const latest = sim.groups.length === 0 ? undefined : groups.get(sim.groups[sim.groups.length - 1]!)
    return latest === undefined ? sim.status : groupState(latest, executionsOf(latest, now), now)
  }

  const renderSimulation = (sim: SimulationRecord, now: number, at: At) =>
    ({
      team_id: teamId,
      created_by: userId,
      updated_by: userId,
      created_at: iso(sim.createdAt),
      updated_at: iso(sim.updatedAt),
      _id: sim.id,
      simulation_config: { ...sim.config, description: sim.description, status: status(simulationStatus(sim, now), at) }
    }) satisfies typeof Wire.SimulationDoc.Encoded

  // An execution cancelled before it started has no workflow runs.
  const wasStarted = (e: ExecutionView) => e.state === "running" || e.state === "completed" || e.state === "failed"

  const renderExecution = (group: GroupRecord, e: ExecutionView, at: At) => {
    const runs = wasStarted(e) ? { selected_workflow_run_id: e.selectedRunId, counter_workflow_run_id: e.counterRunId } : { selected_workflow_run_id: null, counter_workflow_run_id: null }
    return {
      _id: e.id,
      simulation_group_id: group.id,
      ...runs,
      status: status(e.state, at),
      error_message: e.state === "failed" ? e.conversation.failure?.message ?? null : null,
      run_index: e.index,
      team_id: teamId,
      created_at: iso(group.createdAt),
      updated_at: iso(e.state === "pending" ? group.createdAt : e.state === "running" ? e.start : e.state === "cancelled" ? group.stoppedAt ?? e.start : e.end)
    } satisfies typeof Wire.SimulationRun.Encoded
  }

  const runStatus = (e: ExecutionView): string =>
    e.state === "pending" ? "not_started" : e.state === "running" ? "running" : e.state === "failed" ? e.conversation.failure!.status : e.state

  const evaluationOf = (e: ExecutionView, role: "selected" | "counter") => {
    const scores = role === "selected" ? e.scores : e.counterScores
    if (e.state !== "completed" || scores.length === 0) return undefined
    const scored = scores.filter((s) => s.scored)
    return {
      score: scored.length === 0 ? null : Math.round(scored.reduce((n, s) => n + s.score, 0) / scored.length),
      passed: scores.every((s) => s.passed),
      details: {
        metrics: scores.map((s) => ({
          metric_name: s.metric,
          score: s.scored ? s.score : null,
          passed: s.passed,
          reasoning: s.passed ? `${s.metric}: criterion met` : `${s.metric}: criterion not met`
        }))
      },
      evaluated_at: iso(e.end)
    } satisfies typeof Wire.WorkflowRunEvaluation.Encoded
  }

  const renderWorkflowRun = (runId: string, now: number, at: At) => {
    const ref = workflowRuns.get(runId)
    const group = ref && groups.get(ref.groupId)
    if (!ref || !group) return undefined
    const sim = simulations.get(group.simulationId)!
    const e = executionsOf(group, now)[ref.index]!
    const details = ref.role === "selected" ? sim.config.selected_workflow : sim.config.counter_workflow
    const workflowName = details?.name ?? "workflow"
    const base = e.start / 1000
    const shown = e.state === "running"
      ? e.conversation.lines.filter((l) => l.at <= ((now - e.start) / callMs) * e.conversation.seconds)
      : e.conversation.lines
    const maxEvents = sim.config.max_events ?? defaults.max_events
    const me = ref.role === "selected" ? "agent" : "caller"
    const event = (type: string, at: number, extra: object) => ({
      logical_id: `event_${randomUUID()}`,
      timestamp: base + at,
      origin_thread_id: "0",
      comments: [],
      interrupted: false,
      origin_node_logical_id: "node_conversation",
      origin_node_name: "Conversation",
      origin_node_run_id: "1",
      type,
      ...extra
    })
    const events: Array<unknown> = [event("start_node_run", 0, { run_input: {} })]
    shown.forEach((l, i) => {
      if (l.who === me) {
        events.push(i === 0 ? event("say_static", l.at, { message: { content: l.text, type: "ai", id: randomUUID() } }) : event("assistant_response", l.at, { content: l.text, logical_id: `assistant_message_${randomUUID()}` }))
      } else {
        events.push(event("user_messages", l.at, { messages: [{ content: l.text, type: "human", id: randomUUID(), additional_kwargs: {}, response_metadata: {}, name: null }] }))
      }
    })
    if (e.state === "completed") events.push(event("end_node_run", e.conversation.seconds, { run_output: {} }))
    const evaluation = evaluationOf(e, ref.role)
    const latency = 600 + Math.floor(Emulator.chance(seed, `${sim.config.name ?? ""}/${ref.index}/latency`) * 900)
    const agentTurns = e.conversation.lines.filter((l) => l.who === me).length
    return {
      team_id: teamId,
      created_by: userId,
      updated_by: userId,
      created_at: iso(e.start),
      updated_at: iso(Math.min(now, e.end)),
      _id: runId,
      workflow_run: {
        logical_id: `workflow_run_${runId}`,
        workflow_run_id: runId,
        workflow_id: details?.workflow_id ?? null,
        version_number: details?.version_number ?? 0,
        version_name: details?.version_name ?? null,
        workflow_name: workflowName,
        status: status(runStatus(e), at),
        termination_source: e.state === "completed" ? "end_node" : e.state === "failed" ? (e.conversation.failure!.status === "failed" ? "timeout" : "max_events") : null,
        input_output_pairs: [{
          run_input: {
            dynamic_variables: details?.dynamic_variables ?? {},
            runtime_variables: {},
            miscellaneous: {},
            command: "start",
            workflow_id: details?.workflow_id ?? null,
            version_number: details?.version_number ?? 0,
            run_by: "simulation",
            workflow_run_id: runId,
            team_id: teamId,
            thread_to_node_inputs: {}
          },
          run_output: { events: events.slice(0, maxEvents), thread_to_node_outputs: {} },
          evaluation: evaluation ?? {}
        }],
        run_by: "simulation",
        comments: [],
        llm_latency_stats: { call_count: agentTurns, total_latency_milliseconds: latency * agentTurns, average_latency_milliseconds: latency }
      }
    }
  }

  const summaryOf = (workflowId: string | null | undefined, executions: ReadonlyArray<ExecutionView>, role: "selected" | "counter") => {
    const metrics = metricsOf(workflowId)
    const done = executions.filter((e) => e.state === "completed")
    const open = executions.filter((e) => e.state === "pending" || e.state === "running").length
    const evaluations = done.map((e) => evaluationOf(e, role)).filter((x) => x !== undefined)
    return {
      total_runs: executions.length,
      successful_evaluations: evaluations.filter((x) => x.passed).length,
      failed_evaluations: evaluations.filter((x) => !x.passed).length,
      pending_evaluations: metrics.length === 0 ? 0 : open,
      no_evaluation_configured: metrics.length === 0 ? done.length : 0,
      metrics: metrics.flatMap((metric) => {
        const scores = done.flatMap((e) => (role === "selected" ? e.scores : e.counterScores).filter((s) => s.metric === metric && s.scored).map((s) => s.score))
        if (scores.length === 0) return []
        const distribution = { bucket_0_20: 0, bucket_21_40: 0, bucket_41_60: 0, bucket_61_80: 0, bucket_81_100: 0 }
        for (const s of scores) distribution[bucket(s)]++
        return [{
          metric_name: metric,
          average_score: Math.round((scores.reduce((a, b) => a + b, 0) / scores.length) * 100) / 100,
          min_score: Math.min(...scores),
          max_score: Math.max(...scores),
          distribution
        }]
      })
    } satisfies typeof Wire.WorkflowEvaluationSummary.Encoded
  }

  // --- request helpers ------------------------------------------------------------------------

  const now = Clock.currentTimeMillis

  const where = Effect.map(HttpServerRequest.HttpServerRequest, (request): At => ({
    method: request.method,
    // The full path (with the `/workflows` base), as the fault middleware matches it.
    path: new URL(request.originalUrl, "http://127.0.0.1").pathname
  }))

  const pathId = (name: string) =>
    Effect.flatMap(HttpRouter.params, (params) => {
      const value = params[name]
      return isObjectId(value)
        ? Effect.succeed(value)
        : Effect.fail(validation(["path", name], "String should match a 24 character hex ObjectId", "string_pattern_mismatch"))
    })

  const searchParams = Effect.map(HttpServerRequest.HttpServerRequest, (request) => new URL(request.url, "http://127.0.0.1").searchParams)

  const PageQuery = Schema.Struct({
    page: Schema.optionalWith(Schema.NumberFromString.pipe(Schema.int(), Schema.greaterThanOrEqualTo(1)), { default: () => 1 }),
    size: Schema.optionalWith(Schema.NumberFromString.pipe(Schema.int(), Schema.greaterThanOrEqualTo(1)), { default: () => 100 })
  })

  const query = <A, I>(schema: Schema.Schema<A, I>) =>
    Effect.flatMap(searchParams, (params) =>
      Schema.decodeUnknown(schema, { onExcessProperty: "ignore" })(Object.fromEntries(params)).pipe(Effect.mapError((e) => fromParseError("query", e)))
    )

  const body = <A, I>(schema: Schema.Schema<A, I>) =>
    Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const text = yield* Effect.orElseSucceed(request.text, () => "")
      let json: unknown = {}
      if (text.trim() !== "") {
        try {
          json = JSON.parse(text)
        } catch {
          return yield* Effect.fail(validation(["body", 0], "JSON decode error", "json_invalid"))
        }
      }
      return yield* Schema.decodeUnknown(schema, { onExcessProperty: "ignore" })(json).pipe(Effect.mapError((e) => fromParseError("body", e)))
    })

  const page = <T>(items: ReadonlyArray<T>, p: { readonly page: number; readonly size: number }) => items.slice((p.page - 1) * p.size, p.page * p.size)

  const json = (value: unknown, status = 200) => Effect.succeed(HttpServerResponse.unsafeJson(value, { status }))

  const getSimulation = (id: string) => {
    const sim = simulations.get(id)
    return sim ? Effect.succeed(sim) : Effect.fail(notFound("Simulation"))
  }
  const getGroup = (id: string) => {
    const group = groups.get(id)
    return group ? Effect.succeed(group) : Effect.fail(notFound("Simulation run"))
  }

  const workflowDetails = (w: Wire.SimulationWorkflowDetailsInput | undefined) => ({
    workflow_id: w?.workflow_id ?? null,
    version_number: w?.version_number ?? 0,
    version_name: w?.version_name ?? null,
    dynamic_variables: w?.dynamic_variables ?? {},
    name: w?.name ?? (w?.workflow_id ? workflows.get(w.workflow_id)?.name ?? null : null),
    total_events: w?.total_events ?? 0,
    total_nodes: w?.total_nodes ?? 0,
    total_duration_seconds: w?.total_duration_seconds ?? 0,
    run_id: w?.run_id ?? null
  })

  const renderWorkflow = (w: WorkflowRecord) =>
    ({
      _id: w.id,
      team_id: teamId,
      created_by: userId,
      updated_by: userId,
      created_at: iso(w.createdAt),
      updated_at: iso(w.updatedAt),
      name: w.name,
      description: w.description,
      logical_id: w.logicalId,
      status: "active"
    }) satisfies typeof Wire.Workflow.Encoded

  const SimulationQuery = Schema.Struct({
    ...PageQuery.fields,
    search: Schema.optional(Schema.String),
    logical_id: Schema.optional(Schema.String),
    selected_workflow_id: Schema.optional(Wire.ObjectId),
    counter_workflow_id: Schema.optional(Wire.ObjectId),
    status: Schema.optional(Wire.SimulationStatus),
    start: Schema.optional(Schema.DateFromString),
    end: Schema.optional(Schema.DateFromString)
  })

  const CreateWorkflowBody = Schema.Struct({
    name: Schema.NonEmptyTrimmedString,
    description: Schema.optional(Schema.NullOr(Schema.String)),
    config: Schema.optional(Schema.Struct({
      evaluation_criteria: Schema.optional(Schema.Array(Schema.Union(Schema.String, Schema.Struct({ metric_name: Schema.String }), Schema.Struct({ name: Schema.String }))))
    }))
  })

  const router = HttpRouter.empty.pipe(
    HttpRouter.get("/v1/simulations/schema", json({ config_schema: JSONSchema.make(Wire.SimulationConfigInput) })),
    HttpRouter.post(
      "/v1/simulations",
      Effect.gen(function*() {
        const input = yield* body(Wire.SimulationConfigInput)
        for (const side of ["selected_workflow", "counter_workflow"] as const) {
          if (!input[side]?.workflow_id) {
            return yield* Effect.fail(new ApiError({ status: 400, body: { message: "Invalid simulation configuration", error: `${side}.workflow_id is required` } }))
          }
        }
        const t = yield* now
        const config: Config = {
          logical_id: input.logical_id ?? `simulation_${randomUUID()}`,
          name: input.name ?? null,
          description: input.description ?? null,
          selected_workflow: workflowDetails(input.selected_workflow),
          counter_workflow: workflowDetails(input.counter_workflow),
          timeout_seconds: input.timeout_seconds ?? defaults.timeout_seconds,
          max_events: input.max_events ?? defaults.max_events,
          number_of_simulations: input.number_of_simulations ?? defaults.number_of_simulations,
          max_concurrent_runs: input.max_concurrent_runs ?? defaults.max_concurrent_runs,
          assistant_starts_first: input.assistant_starts_first ?? defaults.assistant_starts_first,
          stop_on_failure: input.stop_on_failure ?? defaults.stop_on_failure,
          status: input.status ?? defaults.status,
          run_by: input.run_by ?? null
        }
        const sim: SimulationRecord = { id: objectId(t), config, description: config.description, status: config.status ?? "pending", createdAt: t, updatedAt: t, groups: [] }
        simulations.set(sim.id, sim)
        return yield* json({ simulation: renderSimulation(sim, t, yield* where) })
      })
    ),
    HttpRouter.get(
      "/v1/simulations",
      Effect.gen(function*() {
        const q = yield* query(SimulationQuery)
        const t = yield* now
        const needle = q.search?.toLowerCase()
        const all = [...simulations.values()]
          .filter((s) =>
            (q.logical_id === undefined || s.config.logical_id === q.logical_id) &&
            (q.selected_workflow_id === undefined || s.config.selected_workflow?.workflow_id === q.selected_workflow_id) &&
            (q.counter_workflow_id === undefined || s.config.counter_workflow?.workflow_id === q.counter_workflow_id) &&
            (q.status === undefined || simulationStatus(s, t) === q.status) &&
            (q.start === undefined || s.createdAt >= q.start.getTime()) &&
            (q.end === undefined || s.createdAt <= q.end.getTime()) &&
            (needle === undefined || [s.config.name, s.description, s.config.logical_id].some((x) => x?.toLowerCase().includes(needle)))
          )
          .sort((a, b) => b.createdAt - a.createdAt)
        const at = yield* where
        return yield* json({ simulations: page(all, q).map((s) => renderSimulation(s, t, at)), total: all.length })
      })
    ),
    HttpRouter.get(
      "/v1/simulations/:simulation_id",
      Effect.gen(function*() {
        const sim = yield* Effect.flatMap(pathId("simulation_id"), getSimulation)
        return yield* json({ simulation: renderSimulation(sim, yield* now, yield* where) })
      })
    ),
    HttpRouter.patch(
      "/v1/simulations/:simulation_id",
      Effect.gen(function*() {
        const sim = yield* Effect.flatMap(pathId("simulation_id"), getSimulation)
        const patch = yield* body(Schema.Struct({ description: Schema.optional(Schema.NullOr(Schema.String)), status: Schema.optional(Wire.SimulationStatus) }))
        const t = yield* now
        if (patch.description !== undefined) sim.description = patch.description
        if (patch.status !== undefined) sim.status = patch.status
        sim.updatedAt = t
        return yield* json({ simulation: renderSimulation(sim, t, yield* where) })
      })
    ),
    HttpRouter.del(
      "/v1/simulations/:simulation_id",
      Effect.gen(function*() {
        const sim = yield* Effect.flatMap(pathId("simulation_id"), getSimulation)
        for (const g of sim.groups) groups.delete(g)
        simulations.delete(sim.id)
        return yield* json({ message: "Simulation deleted successfully" })
      })
    ),
    HttpRouter.post(
      "/v1/simulations/:simulation_id/run",
      Effect.gen(function*() {
        const sim = yield* Effect.flatMap(pathId("simulation_id"), getSimulation)
        const input = yield* body(Wire.RunSimulationRequest)
        const t = yield* now
        const id = objectId(t)
        const executions = Array.from({ length: sim.config.number_of_simulations ?? 1 }, (_, index) => {
          const e = { id: objectId(t), selectedRunId: objectId(t), counterRunId: objectId(t) }
          workflowRuns.set(e.selectedRunId, { groupId: id, index, role: "selected" })
          workflowRuns.set(e.counterRunId, { groupId: id, index, role: "counter" })
          return e
        })
        const group: GroupRecord = { id, simulationId: sim.id, createdAt: t, runnerName: input.runner_name, stoppedAt: undefined, executions }
        groups.set(id, group)
        sim.groups.push(id)
        return yield* json({ simulation_group: renderGroup(group, t, yield* where) })
      })
    ),
    HttpRouter.get(
      "/v1/simulations/:simulation_id/runs",
      Effect.gen(function*() {
        const sim = yield* Effect.flatMap(pathId("simulation_id"), getSimulation)
        const q = yield* query(PageQuery)
        const t = yield* now
        const all = [...sim.groups].reverse().flatMap((g) => (groups.has(g) ? [groups.get(g)!] : []))
        const at = yield* where
        return yield* json({ simulation_groups: page(all, q).map((g) => renderGroup(g, t, at)), total: all.length })
      })
    ),
    HttpRouter.get(
      "/v1/simulations/:simulation_id/evaluation-summary",
      Effect.gen(function*() {
        const sim = yield* Effect.flatMap(pathId("simulation_id"), getSimulation)
        const q = yield* query(Schema.Struct({ group_id: Schema.optional(Wire.ObjectId) }))
        const groupId = q.group_id ?? sim.groups[sim.groups.length - 1]
        const group = groupId === undefined ? undefined : groups.get(groupId)
        if (group === undefined || group.simulationId !== sim.id) {
          if (q.group_id !== undefined) return yield* Effect.fail(notFound("Simulation group"))
          return yield* json({ simulation_id: sim.id, group_id: null, selected_workflow_summary: summaryOf(null, [], "selected"), counter_workflow_summary: summaryOf(null, [], "counter") })
        }
        const executions = executionsOf(group, yield* now)
        return yield* json({
          simulation_id: sim.id,
          group_id: group.id,
          selected_workflow_summary: summaryOf(sim.config.selected_workflow?.workflow_id, executions, "selected"),
          counter_workflow_summary: summaryOf(sim.config.counter_workflow?.workflow_id, executions, "counter")
        } satisfies typeof Wire.EvaluationSummary.Encoded)
      })
    ),
    HttpRouter.get(
      "/v1/simulation-runs/:run_id",
      Effect.gen(function*() {
        const group = yield* Effect.flatMap(pathId("run_id"), getGroup)
        return yield* json({ simulation_group: renderGroup(group, yield* now, yield* where) })
      })
    ),
    HttpRouter.post(
      "/v1/simulation-runs/:run_id/stop",
      Effect.gen(function*() {
        const group = yield* Effect.flatMap(pathId("run_id"), getGroup)
        const t = yield* now
        const state = groupState(group, executionsOf(group, t), t)
        if (state === "completed" || state === "failed") {
          return yield* Effect.fail(new ApiError({ status: 409, body: { detail: `Simulation run already ${state}` } }))
        }
        if (group.stoppedAt === undefined) group.stoppedAt = t
        return yield* json({ simulation_group: renderGroup(group, t, yield* where) })
      })
    ),
    HttpRouter.get(
      "/v1/simulation-runs/:run_id/executions",
      Effect.gen(function*() {
        const group = yield* Effect.flatMap(pathId("run_id"), getGroup)
        const q = yield* query(PageQuery)
        const executions = executionsOf(group, yield* now)
        const at = yield* where
        return yield* json({ individual_runs: page(executions, q).map((e) => renderExecution(group, e, at)), total: executions.length })
      })
    ),
    HttpRouter.get(
      "/v1/simulation-runs/:run_id/executions/detailed",
      Effect.gen(function*() {
        const group = yield* Effect.flatMap(pathId("run_id"), getGroup)
        const sim = simulations.get(group.simulationId)!
        const executions = executionsOf(group, yield* now)
        const at = yield* where
        return yield* json({
          individual_runs: executions.map((e) => {
            const evaluation = evaluationOf(e, "selected")
            const ids = wasStarted(e) ? { selected_workflow_run_id: e.selectedRunId, counter_workflow_run_id: e.counterRunId } : {}
            return {
              _id: e.id,
              run_index: e.index,
              status: status(e.state, at),
              workflow_id: sim.config.selected_workflow?.workflow_id ?? null,
              workflow_name: sim.config.selected_workflow?.name ?? null,
              selected_workflow_name: sim.config.selected_workflow?.name ?? null,
              selected_workflow_status: runStatus(e),
              counter_workflow_name: sim.config.counter_workflow?.name ?? null,
              counter_workflow_status: runStatus(e),
              ...ids,
              evaluation_run_id: evaluation ? e.selectedRunId : null,
              score: evaluation?.score ?? null,
              error_message: e.state === "failed" ? e.conversation.failure?.message ?? null : null
            } satisfies typeof Wire.DetailedExecution.Encoded
          }),
          total: executions.length
        })
      })
    ),
    HttpRouter.get(
      "/v1/workflow-runs/:workflow_run_id",
      Effect.gen(function*() {
        const id = yield* pathId("workflow_run_id")
        const doc = renderWorkflowRun(id, yield* now, yield* where)
        return yield* doc === undefined ? Effect.fail(notFound("Workflow run")) : json({ workflow_run: doc })
      })
    ),
    HttpRouter.get(
      "/v1/workflow-runs/:workflow_run_id/evaluation-result",
      Effect.gen(function*() {
        const id = yield* pathId("workflow_run_id")
        const ref = workflowRuns.get(id)
        const group = ref && groups.get(ref.groupId)
        if (!ref || !group) return yield* Effect.fail(notFound("Workflow run"))
        const e = executionsOf(group, yield* now)[ref.index]!
        const evaluation = evaluationOf(e, ref.role)
        return yield* evaluation === undefined ? Effect.fail(notFound("Evaluation result")) : json(evaluation)
      })
    ),
    HttpRouter.post(
      "/v1/workflows",
      Effect.gen(function*() {
        const input = yield* body(CreateWorkflowBody)
        const t = yield* now
        const metrics = (input.config?.evaluation_criteria ?? []).map((c) => (typeof c === "string" ? c : "metric_name" in c ? c.metric_name : c.name))
        const w: WorkflowRecord = { id: objectId(t), name: input.name, description: input.description ?? null, logicalId: `workflow_${randomUUID()}`, metrics, createdAt: t, updatedAt: t }
        workflows.set(w.id, w)
        return yield* json({ workflow: renderWorkflow(w), execution_url: `${basePath}/v1/workflows/${w.id}/execute` })
      })
    ),
    HttpRouter.get(
      "/v1/workflows",
      Effect.gen(function*() {
        const q = yield* query(Schema.Struct({ ...PageQuery.fields, search: Schema.optional(Schema.String) }))
        const needle = q.search?.toLowerCase()
        const all = [...workflows.values()]
          .filter((w) => needle === undefined || w.name.toLowerCase().includes(needle))
          .sort((a, b) => b.createdAt - a.createdAt)
        return yield* json({ workflows: page(all, q).map(renderWorkflow), total: all.length })
      })
    ),
    HttpRouter.get(
      "/v1/workflows/:workflow_id",
      Effect.gen(function*() {
        const id = yield* pathId("workflow_id")
        const w = workflows.get(id)
        return yield* w === undefined ? Effect.fail(notFound("Workflow")) : json({ workflow: renderWorkflow(w), execution_url: `${basePath}/v1/workflows/${w.id}/execute` })
      })
    ),
    HttpRouter.patch(
      "/v1/workflows/:workflow_id",
      Effect.gen(function*() {
        const id = yield* pathId("workflow_id")
        const w = workflows.get(id)
        if (w === undefined) return yield* Effect.fail(notFound("Workflow"))
        const patch = yield* body(Schema.Struct({ name: Schema.optional(Schema.NonEmptyTrimmedString), description: Schema.optional(Schema.NullOr(Schema.String)) }))
        if (patch.name !== undefined) w.name = patch.name
        if (patch.description !== undefined) w.description = patch.description
        w.updatedAt = yield* now
        return yield* json({ workflow: renderWorkflow(w) })
      })
    )
  )

  const authorize = Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const header = request.headers["authorization"]
    const token = header?.startsWith("Bearer ") ? header.slice(7).trim() : undefined
    if (!token) return yield* Effect.fail(new ApiError({ status: 401, body: { detail: "Not authenticated" } }))
    if (context.apiKey !== undefined && token !== context.apiKey) return yield* Effect.fail(new ApiError({ status: 401, body: { detail: "Invalid API key" } }))
  })

  // Served under `/workflows` like the real API, and at the root too, so the origin that
  // `simbridge emulate` prints (`listening on http://127.0.0.1:<port>`) works as a base URL.
  const app = Effect.zipRight(authorize, HttpRouter.concat(HttpRouter.prefixAll(router, basePath), router)).pipe(
    Effect.catchTags({
      ApiError: (e) => Effect.succeed(HttpServerResponse.unsafeJson(e.body, { status: e.status })),
      RouteNotFound: () => Effect.succeed(HttpServerResponse.unsafeJson({ detail: "Not Found" }, { status: 404 }))
    })
  )

  return app
}

/** Starts the emulator on 127.0.0.1; `handle.url` ends in `/workflows`, the base URL a client uses. */
export const start = (options: Emulator.Options): Effect.Effect<Emulator.Handle, HttpServerError.ServeError, Scope.Scope> =>
  Emulator.serve("interactly", ({ faults, seed, speed }) => make({ faults, seed, speed, apiKey: options.apiKey }), {
    ...options,
    renderError,
    basePath
  })

export const plugin: Emulator.EmulatorPlugin = { vendor: "interactly", start }
