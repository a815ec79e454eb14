/**
 * Routes of what a run draws on: CRUD of personalities (Vapi's defaults read-only), scenarios,
 * suites and simulations, with the references each checks, a suite's duplicate (in Vapi's SDK, not
 * in its spec), and scenario generation. Refusals are only those Vapi documents (its spec, its SDK's
 * error mapping, its gitops notes); docs/providers/vapi.md lists each with its source.
 *
 * @internal
 */
import { randomUUID } from "node:crypto"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as VapiWire from "@simbridge/vapi/VapiWire"
import type { Context } from "./Context.js"
import type { HttpFailure } from "./Errors.js"
import { fail } from "./Errors.js"
import { body, idParam, json, paginate, query, queryList, queryValue } from "./Http.js"
import { created, find, updated } from "./Store.js"
import type { Json } from "./Store.js"

/** CRUD routes of one resource kind. */
const crud = (
  router: HttpRouter.HttpRouter<HttpFailure, never>,
  path: `/${string}`,
  noun: string,
  store: Map<string, Json>,
  create: Schema.Schema<any, any>,
  update: Schema.Schema<any, any>,
  hooks: {
    readonly validate?: (value: any) => Effect.Effect<void, HttpFailure>
    readonly filter?: (p: Record<string, string | Array<string>>) => (o: Json) => boolean
    readonly guard?: (id: string, action: "update" | "delete") => Effect.Effect<void, HttpFailure>
    /** What else changes when an object is deleted. */
    readonly removed?: (id: string) => Effect.Effect<void>
    /** Fields a created object has when the request omits them. */
    readonly defaults?: Json
  } = {}
) =>
  router.pipe(
    HttpRouter.post(path, Effect.gen(function*() {
      const { json: raw, value } = yield* body(create)
      if (hooks.validate) yield* hooks.validate(value)
      const object = yield* created({ ...hooks.defaults, ...raw })
      store.set(object.id, object)
      return json(object, 201)
    })),
    HttpRouter.get(path, Effect.gen(function*() {
      const p = yield* query
      const ids = queryList(p, "idAny")
      const filter = hooks.filter?.(p) ?? (() => true)
      const all = [...store.values()].filter((o) => (ids === undefined || ids.includes(String(o.id))) && filter(o))
      return json(yield* paginate(all, p))
    })),
    HttpRouter.get(`${path}/:id`, Effect.gen(function*() {
      const id = yield* idParam("id", noun)
      return json(yield* find(store, noun, id))
    })),
    HttpRouter.patch(`${path}/:id`, Effect.gen(function*() {
      const id = yield* idParam("id", noun)
      const current = yield* find(store, noun, id)
      if (hooks.guard) yield* hooks.guard(id, "update")
      const { json: raw, value } = yield* body(update)
      if (hooks.validate) yield* hooks.validate({ ...current, ...value })
      const next = yield* updated(current, raw)
      store.set(id, next)
      return json(next)
    })),
    HttpRouter.del(`${path}/:id`, Effect.gen(function*() {
      const id = yield* idParam("id", noun)
      if (hooks.guard) yield* hooks.guard(id, "delete")
      const current = yield* find(store, noun, id)
      store.delete(id)
      if (hooks.removed) yield* hooks.removed(id)
      return json(current)
    }))
  )

const requireSimulations = (simulations: Map<string, Json>, ids: ReadonlyArray<string>) =>
  Effect.forEach(ids, (id) => find(simulations, "Simulation", id), { discard: true })

export const libraryRoutes = ({ store }: Context) => {
  const { defaults, personalities, scenarios, simulations, suites } = store
  return HttpRouter.empty.pipe(
    (r) =>
      // A default belongs to no org, so writes to it answer 404 as a foreign id does (gitops quotes
      // the delete's message). A 409 is the one refusal Vapi's SDK maps on these deletes (and on a
      // scenario's); what triggers it is not documented: here, a simulation still using it.
      crud(r, "/eval/simulation/personality", "Personality", personalities, VapiWire.CreatePersonality, VapiWire.UpdatePersonality, {
        guard: (id, action) =>
          defaults.has(id)
            ? fail(404, `Personality ${id} not found or is a Vapi default (cannot be ${action === "delete" ? "deleted" : "modified"})`)
            : action === "delete" && [...simulations.values()].some((s) => s.personalityId === id)
            ? fail(409, `Personality ${id} is used by a simulation`)
            : Effect.void
      }),
    (r) =>
      crud(r, "/eval/simulation/scenario", "Scenario", scenarios, VapiWire.CreateScenario, VapiWire.UpdateScenario, {
        filter: (p) => {
          const name = queryValue(p, "name")
          return (o) => name === undefined || String(o.name).toLowerCase().includes(name.toLowerCase())
        },
        guard: (id, action) =>
          action === "delete" && [...simulations.values()].some((s) => s.scenarioId === id) ? fail(409, `Scenario ${id} is used by a simulation`) : Effect.void
      }),
    (r) =>
      crud(r, "/eval/simulation/suite", "Simulation suite", suites, VapiWire.CreateSuite, VapiWire.UpdateSuite, {
        validate: (value: VapiWire.CreateSuite) => requireSimulations(simulations, value.simulationIds),
        defaults: { targetAssignments: [] },
        filter: (p) => {
          const name = queryValue(p, "name")
          return (o) => name === undefined || String(o.name).toLowerCase().includes(name.toLowerCase())
        }
      }),
    (r) =>
      crud(r, "/eval/simulation", "Simulation", simulations, VapiWire.CreateSimulation, VapiWire.UpdateSimulation, {
        validate: (value: VapiWire.CreateSimulation) =>
          Effect.zipRight(find(scenarios, "Scenario", value.scenarioId), find(personalities, "Personality", value.personalityId)),
        filter: (p) => {
          const standalone = queryValue(p, "standaloneOnly") === "true"
          const inSuite = new Set([...suites.values()].flatMap((s) => s.simulationIds as ReadonlyArray<string>))
          return (o) => !standalone || !inSuite.has(String(o.id))
        },
        // Vapi's spec answers a delete with the deleted simulation and documents no refusal: a
        // suite that held it no longer lists it (its `updatedAt` stays, as no one edited it).
        removed: (id) =>
          Effect.sync(() => {
            for (const [suiteId, suite] of suites) {
              const ids = suite.simulationIds as ReadonlyArray<string>
              if (ids.includes(id)) suites.set(suiteId, { ...suite, simulationIds: ids.filter((s) => s !== id) })
            }
          })
      }),
    HttpRouter.post("/eval/simulation/suite/:id/duplicate", Effect.gen(function*() {
      const id = yield* idParam("id", "Simulation suite")
      const suite = yield* find(suites, "Simulation suite", id)
      const copy = yield* created({ ...suite, name: `${String(suite.name)} (copy)`.slice(0, 80) })
      const fresh = { ...copy, id: randomUUID() }
      suites.set(fresh.id, fresh)
      return json(fresh, 201)
    })),
    HttpRouter.post("/eval/simulation/scenario/generate", Effect.gen(function*() {
      const { value } = yield* body(Schema.Struct({ assistantId: Schema.optional(Schema.String), squadId: Schema.optional(Schema.String) }))
      if ((value.assistantId === undefined) === (value.squadId === undefined)) return yield* fail(400, ["exactly one of assistantId and squadId is required"])
      const categories = ["happy_path", "edge_case", "failure_mode"] as const
      return json({
        scenarios: categories.map((category, i) => ({
          name: `Generated scenario ${i + 1}`,
          instructions: `Call the assistant and exercise a ${category.replace("_", " ")}.`,
          category,
          reasoning: `Covers the ${category.replace("_", " ")} of the assistant's main flow.`
        })),
        coverageNotes: "Generated by the simbridge emulator; not persisted."
      }, 201)
    }))
  )
}
