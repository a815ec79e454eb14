/**
 * Routes of what a run draws on besides agents and personalities: test profiles and scenarios.
 *
 * @internal
 */
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Wire from "@simbridge/cekura/CekuraWire"
import { renderProfile, renderScenario } from "./Bodies.js"
import type { Context } from "./Context.js"
import { body, intParam, intQuery, json, notFound, paginate, query, v1 } from "./Http.js"
import { iso } from "./State.js"
import type { ScenarioRec, TestProfileRec } from "./State.js"

const now = Clock.currentTimeMillis

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

export const libraryRoutes = (ctx: Context) => {
  const { state } = ctx
  return HttpRouter.empty.pipe(
    // test profiles
    HttpRouter.get(`${v1}/test-profiles/`, Effect.gen(function*() {
      const q = yield* query
      const agent = intQuery(q, "agent_id")
      const project = intQuery(q, "project_id")
      if (agent === undefined && project === undefined) return json({ detail: "agent_id or project_id is required." }, 400)
      return json([...state.profiles.values()]
        .filter((p) => (agent === undefined || p.agent === agent) && (project === undefined || p.project === project))
        .map((p) => ({
          ...renderProfile(ctx, p),
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
      return json(renderProfile(ctx, p), 200)
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
          const r = renderScenario(ctx, s)
          const { information_fields: _i, simulation_description: _s, suite_type: _t, is_predefined: _p, project: _pr, max_duration: _m, ...rest } = r
          return { ...rest, inbound_phone_number_data: null, dynamic_variable_values: null, created_by: 1, last_updated_by: 1 }
        }))
    })),
    HttpRouter.post(`${v1}/scenarios/`, Effect.gen(function*() {
      const b = yield* body(Wire.CreateScenarioRequest)
      if (!state.personalities.has(b.personality)) return json({ personality: [`Invalid pk "${b.personality}" - object does not exist.`] }, 400)
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
      return json(renderScenario(ctx, s), 201)
    })),
    HttpRouter.get(`${v1}/scenarios/:id/`, Effect.gen(function*() {
      const s = state.scenarios.get(yield* intParam("id"))
      return s === undefined ? notFound : json(renderScenario(ctx, s))
    })),
    HttpRouter.patch(`${v1}/scenarios/:id/`, Effect.gen(function*() {
      const s = state.scenarios.get(yield* intParam("id"))
      if (s === undefined) return notFound
      const b = yield* body(Wire.UpdateScenarioRequest)
      if (b.personality !== undefined && !state.personalities.has(b.personality)) {
        return json({ personality: [`Invalid pk "${b.personality}" - object does not exist.`] }, 400)
      }
      scenarioBodyToRec(s, b, yield* now)
      return json(renderScenario(ctx, s))
    })),
    HttpRouter.del(`${v1}/scenarios/:id/`, Effect.gen(function*() {
      const id = yield* intParam("id")
      return state.scenarios.delete(id) ? HttpServerResponse.empty({ status: 204 }) : notFound
    }))
  )
}
