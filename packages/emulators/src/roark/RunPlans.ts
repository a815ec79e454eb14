/**
 * Run plans and their jobs: the plan routes, starting a job (one simulation job per scenario x
 * persona x agent endpoint x iteration, on a snapshot of the plan) and cancelling one.
 *
 * @internal
 */
import { randomUUID } from "node:crypto"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Wire from "@simbridge/roark/RoarkWire"
import { cancelJson, jobJson, jobStartJson, jobSummaryJson, planJson } from "./Bodies.js"
import type { Context } from "./Context.js"
import { invalid, notFound } from "./Errors.js"
import { decodeBody, decodeWith, ok, paginate, param, queryParams, rawBody, search } from "./Http.js"
import { iso, seeded } from "./Store.js"
import type { Job, Plan, Sim, Store } from "./Store.js"
import type { JobStatus } from "./Timeline.js"

const terminal: ReadonlySet<JobStatus> = new Set(["COMPLETED", "FAILED", "TIMED_OUT", "CANCELLED"])

const now = Clock.currentTimeMillis

/** Checks the references of a plan body; unknown endpoints are accepted (registered on the fly). */
const checkRefs = (
  store: Store,
  body: { readonly personas?: ReadonlyArray<{ id: string }> | undefined; readonly scenarios?: ReadonlyArray<{ id: string }> | undefined; readonly metrics?: ReadonlyArray<{ id?: string; slug?: string }> | undefined; readonly agentEndpoints?: ReadonlyArray<{ id: string }> | undefined },
  at: string
) =>
  Effect.gen(function*() {
    for (const [i, p] of (body.personas ?? []).entries()) if (!store.personas.has(p.id)) return yield* invalid(`personas[${i}].id`, `persona ${p.id} not found`)
    for (const [i, s] of (body.scenarios ?? []).entries()) if (!store.scenarios.has(s.id)) return yield* invalid(`scenarios[${i}].id`, `scenario ${s.id} not found`)
    const metrics: Array<{ id: string }> = []
    for (const [i, m] of (body.metrics ?? []).entries()) {
      const found = m.id !== undefined ? store.metrics.get(m.id) : [...store.metrics.values()].find((d) => d.metricId === m.slug)
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

const startJob = (ctx: Context, plan: Plan, variables: typeof Wire.RunPlanJobStartParams.Type["variables"], t: number, triggeredBy: Job["triggeredBy"]) =>
  Effect.gen(function*() {
    const { store, timeline } = ctx
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
    return jobStartJson(job, timeline.view(job, t))
  })

const livePlan = (store: Store, id: string) => {
  const p = store.plans.get(id)
  return p === undefined || p.deleted ? Effect.fail(notFound("Run plan", id)) : Effect.succeed(p)
}

/** Run plans (deleted ones are gone for every route), their jobs, starting and cancelling a job. */
export const planRoutes = (ctx: Context) => {
  const { store, timeline } = ctx
  return HttpRouter.empty.pipe(
    HttpRouter.post("/v1/simulation/plan", Effect.gen(function*() {
      const body = yield* decodeWith(Wire.RunPlanCreate, legacyEvaluators(yield* rawBody))
      const iterationCount = body.iterationCount ?? 1
      if (body.direction === "OUTBOUND" && iterationCount !== 1) return yield* invalid("iterationCount", "must be 1 for OUTBOUND direction")
      const t = yield* now
      const at = iso(t)
      const metrics = yield* checkRefs(store, body, at)
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
      const runPlanJob = body.autoRun === true ? yield* startJob(ctx, plan, undefined, t, "TRIGGERED_FROM_API") : null
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
      const render = (j: Job) => jobSummaryJson(j, timeline.view(j, t))
      const jobs = [...store.jobs.values()].reverse().filter((j) => planId === null || j.plan.id === planId)
      // Without a status filter only the requested page is rendered.
      if (status === null) return yield* paginate(jobs, (j) => j.id, 50, render)
      return yield* paginate(jobs.map(render).filter((j) => j.status === status), (j) => j.simulationRunPlanJobId)
    })),
    HttpRouter.get("/v1/simulation/plan/job/:jobId", Effect.gen(function*() {
      const id = yield* param("jobId")
      const job = store.jobs.get(id)
      if (job === undefined) return yield* notFound("Simulation run plan job", id)
      return yield* ok(jobJson(ctx, job, yield* now, true))
    })),
    HttpRouter.post("/v1/simulation/plan/job/:jobId/cancel", Effect.gen(function*() {
      const id = yield* param("jobId")
      const job = store.jobs.get(id)
      if (job === undefined) return yield* notFound("Simulation run plan job", id)
      const t = yield* now
      // `cancelled` says whether this request cancelled the job: false (not an error) for a job that
      // has ended, cancelled included, and for one whose cancel is already under way.
      const cancelled = !terminal.has(timeline.view(job, t).status) && job.canceledAt === undefined
      if (cancelled) job.canceledAt = t
      return yield* ok(cancelJson(job, cancelled, timeline.view(job, t).status))
    })),
    HttpRouter.get("/v1/simulation/plan/:planId", Effect.gen(function*() {
      const plan = yield* livePlan(store, yield* param("planId"))
      return yield* ok(planJson(plan))
    })),
    HttpRouter.put("/v1/simulation/plan/:planId", Effect.gen(function*() {
      const plan = yield* livePlan(store, yield* param("planId"))
      const body = yield* decodeWith(Wire.RunPlanUpdate, legacyEvaluators(yield* rawBody))
      const at = iso(yield* now)
      const metrics = yield* checkRefs(store, body, at)
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
      const plan = yield* livePlan(store, yield* param("planId"))
      store.plans.set(plan.id, { ...plan, deleted: true })
      return yield* ok({ deleted: true })
    })),
    HttpRouter.post("/v1/simulation/plan/:planId/job", Effect.gen(function*() {
      const plan = yield* livePlan(store, yield* param("planId"))
      const body = yield* decodeBody(Wire.RunPlanJobStartParams, true)
      return yield* ok(yield* startJob(ctx, plan, body.variables, yield* now, "TRIGGERED_FROM_API"), 201)
    }))
  )
}
