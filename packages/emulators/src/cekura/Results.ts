/**
 * Routes that run scenarios and read what came of it: the run triggers (voice and text), results
 * (list, detail, delete, end, rerun) and runs (list, bulk, detail, end one call).
 *
 * @internal
 */
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Wire from "@simbridge/cekura/CekuraWire"
import { renderResult, renderResultItem, renderRun, renderRunList, unknownOr, window } from "./Bodies.js"
import type { Context } from "./Context.js"
import { body, intParam, intQuery, json, notFound, paginate, query, v1 } from "./Http.js"
import { profileOf, runStatus } from "./Simulation.js"
import { iso } from "./State.js"
import type { ResultRec, RunRec } from "./State.js"

const now = Clock.currentTimeMillis

/** What happens once a result exists: the emulator waits for it to finish and sends its webhook. */
export type OnTrigger = (result: ResultRec) => Effect.Effect<void>

const trigger = (ctx: Context, onTrigger: OnTrigger, text: boolean) =>
  Effect.gen(function*() {
    const { state } = ctx
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
    if (personalityIds.some((id) => !state.personalities.has(id))) return json(["Invalid personalities provided."], 400)
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
        const profile = profileOf(ctx, run.testProfile)
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

const withResult = <A, E, R>(ctx: Context, f: (result: ResultRec, t: number) => Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const id = yield* intParam("id")
    const result = ctx.state.results.get(id)
    if (result === undefined) return notFound
    return yield* f(result, yield* now)
  })

export const resultRoutes = (ctx: Context, onTrigger: OnTrigger) => {
  const { state } = ctx
  return HttpRouter.empty.pipe(
    HttpRouter.post(`${v1}/scenarios/run_scenarios/`, trigger(ctx, onTrigger, false)),
    HttpRouter.post(`${v1}/scenarios/run_scenarios_text/`, trigger(ctx, onTrigger, true)),
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
        .sort((a, b) => b.id - a.id), (r) => renderResultItem(ctx, r, t))
    })),
    HttpRouter.get(`${v1}/results/:id/`, withResult(ctx, (result, t) => Effect.succeed(json(renderResult(ctx, result, t))))),
    HttpRouter.del(`${v1}/results/:id/`, withResult(ctx, (result) =>
      Effect.sync(() => {
        for (const id of result.runs) state.runs.delete(id)
        state.results.delete(result.id)
        return HttpServerResponse.empty({ status: 204 })
      }))),
    HttpRouter.post(`${v1}/results/:id/end_calls/`, withResult(ctx, (result, t) =>
      Effect.sync(() => {
        if (result.cancelledAt === null) result.cancelledAt = t
        return HttpServerResponse.empty({ status: 200 })
      }))),
    HttpRouter.post(`${v1}/results/:id/rerun/`, withResult(ctx, (result, t) =>
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
        return json(renderResultItem(ctx, copy, t))
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
        .filter((r) => status === null || runStatus(ctx, state.results.get(r.result)!, r, t) === status)
        .sort((a, b) => a.id - b.id)
      return yield* paginate(items.map((r) => renderRunList(ctx, r, t)))
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
        return [renderRun(ctx, run, t, unknownOr(ctx, runStatus(ctx, result, run, t)))]
      }))
    })),
    HttpRouter.get(`${v1}/runs/:id/`, Effect.gen(function*() {
      const run = state.runs.get(yield* intParam("id"))
      if (run === undefined) return notFound
      const t = yield* now
      return json(renderRun(ctx, run, t, unknownOr(ctx, runStatus(ctx, state.results.get(run.result)!, run, t))))
    })),
    HttpRouter.post(`${v1}/runs/:id/end_call/`, Effect.gen(function*() {
      const run = state.runs.get(yield* intParam("id"))
      if (run === undefined) return notFound
      const result = state.results.get(run.result)!
      const t = yield* now
      const status = runStatus(ctx, result, run, t)
      if (!["completed", "failed", "timeout", "cancelled"].includes(status)) ctx.endedRuns.set(run.id, t)
      return HttpServerResponse.empty({ status: 200 })
    }))
  )
}
