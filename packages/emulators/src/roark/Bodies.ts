/**
 * The bodies the emulator answers with: a simulation job, a run-plan job (detail, list item,
 * start, cancel), a call with its transcript and metric values, a metric definition, a run plan and
 * a webhook without its secret. Each is typed with Roark's enum values, so that the contract tests
 * can hold them against the SDK's response types. Call lengths, metric values and conversations are
 * seeded by the simulation job's stable key.
 *
 * @internal
 */
import { Conversation, Emulator, Judging } from "@simbridge/emulator"
import type { Context } from "./Context.js"
import { iso } from "./Store.js"
import type { Job, Metric, MetricType, Plan, Sim, Webhook } from "./Store.js"
import type { JobStatus, JobView, SimView } from "./Timeline.js"
import { outcomeOf } from "./Timeline.js"

/** The status an injected unknown-enum fault puts in place of a real one (in no Roark enum). */
export const unknownStatus = "AWAITING_REVIEW"

/** A status as rendered: an injected unknown-enum fault replaces it where `render` is set. */
export const statusOf = <S extends string>(ctx: Context, status: S, render: boolean): S | typeof unknownStatus =>
  render && ctx.faults.unknownEnum() ? unknownStatus : status

export const simJson = (ctx: Context, job: Job, i: number, v: SimView, render: boolean) => {
  const sim = job.sims[i]!
  return {
    simulationJobId: sim.id,
    status: statusOf(ctx, v.status, render),
    processingStatus: v.processingStatus,
    callId: v.called ? sim.callId : null,
    roarkPhoneNumber: sim.phone ?? null,
    persona: sim.persona,
    scenario: { id: sim.scenario.id, description: sim.scenario.description ?? sim.scenario.name },
    agentEndpoint: { id: sim.endpoint.id, name: sim.endpoint.type, phoneNumber: sim.endpoint.value, type: sim.endpoint.type },
    runPlan: { id: job.plan.id, name: job.plan.name, variables: sim.scenario.variables },
    createdAt: iso(ctx.timeline.view(job, Number.MAX_SAFE_INTEGER).start + 3 * ctx.pace.phase),
    startedAt: v.startedAt === undefined ? null : iso(v.startedAt),
    completedAt: v.completedAt === undefined ? null : iso(v.completedAt)
  }
}

/** `POST /v1/simulation/plan/{id}/job` (and a plan created with `autoRun`). */
export const jobStartJson = (job: Job, v: JobView) => ({
  createdAt: iso(job.createdAt),
  simulationRunPlanId: job.plan.id,
  simulationRunPlanJobId: job.id,
  status: v.status
})

/** An item of `GET /v1/simulation/plan/jobs`. */
export const jobSummaryJson = (job: Job, v: JobView) => ({
  createdAt: iso(job.createdAt),
  simulationRunPlanId: job.plan.id,
  simulationRunPlanJobId: job.id,
  status: v.status,
  triggeredBy: job.triggeredBy,
  startedAt: v.startedAt === undefined ? null : iso(v.startedAt),
  endedAt: v.endedAt === undefined ? null : iso(v.endedAt)
})

/** `POST /v1/simulation/plan/job/{id}/cancel` (added after SDK v2.31; its shape is the later SDKs'). */
export const cancelJson = (job: Job, cancelled: boolean, status: JobStatus) => ({ cancelled, simulationRunPlanJobId: job.id, status })

export const jobJson = (ctx: Context, job: Job, t: number, render: boolean) => {
  const v = ctx.timeline.view(job, t)
  return {
    simulationRunPlanJobId: job.id,
    simulationRunPlanId: job.plan.id,
    status: statusOf(ctx, v.status, render),
    createdAt: iso(job.createdAt),
    startedAt: v.startedAt === undefined ? null : iso(v.startedAt),
    endedAt: v.endedAt === undefined ? null : iso(v.endedAt),
    simulationJobs: v.sims.map((s, i) => simJson(ctx, job, i, s, render))
  }
}

/** A call's simulated length (deterministic), capped by the plan's maximum duration. */
const callLength = (ctx: Context, job: Job, sim: Sim) => {
  const ms = 45_000 + Math.round(Emulator.chance(ctx.seed, `${sim.key}/length`) * 150_000)
  const max = job.plan.maxSimulationDurationSeconds * 1000
  return ms > max ? { ms: max, capped: true } : { ms, capped: false }
}

/** The metric values judged as yes/no: what the conversation's ending must agree with. */
const checksOf = (ctx: Context, job: Job, sim: Sim): Array<Conversation.Check> =>
  job.metrics.filter((m) => Judging.of(m.description) !== "unjudged").flatMap((m) => {
    const value = metricValue(ctx, sim, m)
    return typeof value === "boolean" ? [{ description: m.description, met: value }] : []
  })

/**
 * The call's conversation: the scenario's customer turns voiced by the persona, ending as the call
 * did (a goodbye, the agent gone quiet for a timed-out job, a turn cut off at the plan's maximum
 * duration) and lasting the call's length. The agent does what the caller asked when every yes/no
 * metric of the call holds (a call without one draws it).
 */
export const conversationOf = (ctx: Context, job: Job, sim: Sim): Conversation.Conversation => {
  const length = callLength(ctx, job, sim)
  const outcome = outcomeOf(sim)
  const checks = checksOf(ctx, job, sim)
  const achieved = checks.length > 0
    ? checks.every((c) => c.met)
    : metricValue(ctx, sim, { metricId: "__transcript", type: "BOOLEAN" satisfies MetricType, description: "", scaleMin: undefined, scaleMax: undefined }) === true
  const said = sim.scenario.steps.flatMap((s) => (s.type === "CUSTOMER_TURN" || s.type === "CUSTOMER_FIRST_MESSAGE") && s.content ? [s.content] : [])
  const { persona } = sim
  return Conversation.make({
    seed: ctx.seed,
    key: sim.key,
    scenario: { name: sim.scenario.name, instructions: said[0] ?? sim.scenario.description ?? undefined, steps: said.slice(1), variables: sim.scenario.variables },
    persona: { name: persona.name, emotion: persona.baseEmotion, language: persona.language, speechPace: persona.speechPace, backstory: persona.backstoryPrompt ?? undefined },
    agent: ctx.store.agents.get(sim.endpoint.agentId)?.name,
    direction: job.plan.direction === "OUTBOUND" ? "outbound" : "inbound",
    outcome: { achieved, checks, ending: outcome === "TIMED_OUT" ? "silence" : length.capped ? "max-duration" : "completed" },
    durationMs: length.ms
  })
}

export const callJson = (ctx: Context, job: Job, i: number, v: SimView) => {
  const { pace } = ctx
  const sim = job.sims[i]!
  const started = v.startedAt! + 0.13 * pace.call
  const length = callLength(ctx, job, sim)
  const outcome = outcomeOf(sim)
  return {
    id: sim.callId,
    projectId: "00000000-0000-4000-8000-00000000e001",
    callDirection: job.plan.direction,
    startedAt: iso(started),
    createdAt: iso(started),
    endedAt: v.callEnded ? iso(started + 0.54 * pace.call) : null,
    durationMs: v.callEnded ? conversationOf(ctx, job, sim).durationMs : null,
    status: v.callEnded ? "ENDED" as const : "IN_PROGRESS" as const,
    endedStatus: !v.callEnded ? null : outcome === "TIMED_OUT" || length.capped ? "MAX_DURATION_REACHED" as const : "CUSTOMER_ENDED_CALL" as const,
    // A `.invalid` host (RFC 2606): nothing can resolve it, so a recording URL never reaches a real server.
    recordingUrl: v.callEnded ? `https://recordings.roark.invalid/${sim.callId}.wav?X-Amz-Expires=3600` : null,
    summary: v.transcriptReady ? `${sim.persona.name} called about: ${sim.scenario.name}` : null,
    title: sim.scenario.name,
    properties: {},
    simulationJobId: sim.id,
    agents: [{ id: sim.endpoint.agentId, endpoint: { id: sim.endpoint.id, environment: sim.endpoint.environment, phoneNumberE164: sim.endpoint.value } }],
    customers: [{ label: sim.persona.name, phoneNumberE164: sim.phone ?? null }],
    updatedAt: iso(v.completedAt ?? started)
  }
}

export const metricValue = (ctx: Context, sim: Sim, metric: Pick<Metric, "metricId" | "type" | "description" | "scaleMin" | "scaleMax">): boolean | number | string => {
  const c = Emulator.chance(ctx.seed, `${sim.key}/${metric.metricId}`)
  // `emulator:boolean` in the definition's description: a yes/no whatever the metric's type.
  if (metric.type !== "BOOLEAN" && Judging.of(metric.description) === "boolean") return c < 0.8
  switch (metric.type) {
    case "BOOLEAN":
      return c < 0.8
    case "NUMERIC":
      return 5 - Math.floor(5 * c * c)
    case "SCALE": {
      // Skewed to the top of the definition's scale (1-5 when it has none).
      const min = metric.scaleMin ?? 1
      const max = metric.scaleMax ?? 5
      return max - Math.floor((max - min + 1) * c * c)
    }
    case "COUNT":
      return Math.floor(c * 10)
    case "OFFSET":
      return Math.round(c * 60_000)
    default:
      return c < 0.7 ? "satisfactory" : "needs_improvement"
  }
}

/** A metric definition as Roark answers it (`id, metricId, name, description, scope, type, supportedContexts`). */
export const metricJson = (m: Metric) => ({
  id: m.id,
  metricId: m.metricId,
  name: m.name,
  description: m.description,
  scope: m.scope,
  type: m.type,
  supportedContexts: m.supportedContexts
})

/**
 * `GET /v1/call/{id}/metrics` of a completed call: one entry per metric of its run, with one
 * CALL value. Roark lists only the metrics it computed: one whose definition says
 * `emulator:unjudged` is left out.
 */
export const callMetricsJson = (ctx: Context, job: Job, sim: Sim, v: SimView) => {
  const computedAt = iso(v.completedAt ?? 0)
  return job.metrics.filter((m) => Judging.of(m.description) !== "unjudged").map((m) => {
    const value = metricValue(ctx, sim, m)
    return {
      metricDefinitionId: m.id,
      metricId: m.metricId,
      name: m.name,
      description: m.description,
      scope: m.scope,
      type: m.type,
      values: [{ value, confidence: 0.9, context: "CALL" as const, computedAt, valueReasoning: `${m.name}: ${JSON.stringify(value)} (emulated)` }]
    }
  })
}

/** `GET /v1/call/{id}/transcript`: the call's conversation as Roark's entries, offsets in milliseconds from the call's start. */
export const transcript = (ctx: Context, job: Job, sim: Sim) => ({
  entries: conversationOf(ctx, job, sim).turns.map((t) => ({
    startOffsetMs: t.startMs,
    endOffsetMs: t.endMs,
    participantId: t.speaker === "agent" ? "participant-agent" : "participant-customer",
    role: t.speaker === "agent" ? "AGENT" as const : "CUSTOMER" as const,
    text: t.text
  })),
  participants: [
    { id: "participant-agent", type: "AGENT" as const, agentId: sim.endpoint.agentId },
    { id: "participant-customer", type: "SIMULATED_CUSTOMER" as const, customerId: sim.persona.id }
  ],
  transcriptionSource: "SIMULATION_AGENT_REALTIME" as const
})

const testCases = (p: Pick<Plan, "scenarios" | "personas" | "agentEndpoints" | "iterationCount">) =>
  p.scenarios.length * p.personas.length * p.agentEndpoints.length * p.iterationCount

export const planJson = (p: Plan) => {
  const { deleted: _, ...rest } = p
  return { ...rest, testCaseCount: testCases(p) }
}

export const publicHook = (w: Webhook) => {
  const { signingSecret: _, ...rest } = w
  return rest
}
