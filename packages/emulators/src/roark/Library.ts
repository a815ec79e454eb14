/**
 * Routes of the library a run plan draws on: `/health`, personas, scenarios, metric definitions,
 * agents and their endpoints.
 *
 * @internal
 */
import { randomUUID } from "node:crypto"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Wire from "@simbridge/roark/RoarkWire"
import type { Context } from "./Context.js"
import { ApiError, invalid, notFound } from "./Errors.js"
import { decodeBody, ok, paginate, param, queryParams, search } from "./Http.js"
import { metricJson } from "./Bodies.js"
import { iso, personaDefaults } from "./Store.js"
import type { Agent, Endpoint, Metric, Persona, Scenario } from "./Store.js"

const now = Clock.currentTimeMillis

/** `base` with the fields `body` sets, updated at `at` (a decoded body has no key for a field it does not set). */
const personaOf = (base: Omit<Persona, "updatedAt">, body: typeof Wire.PersonaUpdate.Type, at: string): Persona =>
  ({ ...base, ...body, updatedAt: at }) as Persona

/** `/health` and personas. */
export const personaRoutes = ({ store }: Context) =>
  HttpRouter.empty.pipe(
    HttpRouter.get("/health", Effect.flatMap(now, (t) => ok({ status: "healthy", timestamp: iso(t), version: "2.31.0-emulator" }))),

    // Personas
    HttpRouter.post("/v1/persona", Effect.gen(function*() {
      const body = yield* decodeBody(Wire.PersonaCreate)
      const at = iso(yield* now)
      const base = { ...personaDefaults, id: randomUUID(), name: body.name, language: body.language, accent: body.accent, gender: body.gender, createdAt: at }
      const persona = personaOf(base, body, at)
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
      const next = personaOf(p, body, iso(yield* now))
      store.personas.set(id, next)
      return yield* ok(next)
    }))
  )

/** Scenarios, whose steps change one by one (`stepChanges`). */
export const scenarioRoutes = ({ store }: Context) =>
  HttpRouter.empty.pipe(
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
    }))
  )

/** A metric slug generated from a name, as Roark does when `metricId` is absent. */
const slugOf = (name: string) => name.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "") || "metric"

/** Metric definitions, agents and agent endpoints. */
export const resourceRoutes = ({ store }: Context) =>
  HttpRouter.empty.pipe(
    // Every definition in one answer: the SDK's list takes no parameters and has no pagination.
    HttpRouter.get("/v1/metric/definitions", Effect.suspend(() => ok([...store.metrics.values()].map(metricJson)))),
    HttpRouter.post("/v1/metric/definitions", Effect.gen(function*() {
      const body = yield* decodeBody(Wire.MetricDefinitionCreate)
      const metricId = body.metricId ?? slugOf(body.name)
      if ([...store.metrics.values()].some((m) => m.metricId === metricId)) {
        return yield* new ApiError({ status: 409, message: `a metric with metricId ${metricId} already exists` })
      }
      const metric: Metric = {
        id: randomUUID(),
        metricId,
        name: body.name,
        description: body.llmPrompt ?? "",
        scope: body.scope ?? "GLOBAL",
        type: body.outputType,
        supportedContexts: [...(body.supportedContexts ?? ["CALL"])],
        analysisPackageId: body.analysisPackageId,
        scaleMin: body.scaleMin,
        scaleMax: body.scaleMax
      }
      store.metrics.set(metric.id, metric)
      return yield* ok(metricJson(metric), 201)
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
    }))
  )
