/**
 * Routes of runs: the org's concurrency, starting a run (one item per simulation x iteration, suite
 * entries expanded into their simulations and echoed with the suite's name), reading and cancelling
 * a run and its items, and asking for an item's improvement suggestions.
 *
 * @internal
 */
import { randomUUID } from "node:crypto"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as VapiWire from "@simbridge/vapi/VapiWire"
import { renderItem, renderRun, unknownEnum } from "./Bodies.js"
import type { Context } from "./Context.js"
import { fail } from "./Errors.js"
import { scheduleHooks } from "./Hooks.js"
import { body, idParam, json, paginate, query, queryValue } from "./Http.js"
import { slotsPerItem } from "./Simulation.js"
import { find, iso, orgId } from "./Store.js"
import type { Json, Store, StoredItem, StoredRun } from "./Store.js"

const now = Clock.currentTimeMillis

const expand = (store: Store, entries: ReadonlyArray<VapiWire.RunEntry>) =>
  Effect.forEach(entries, (entry) =>
    Effect.gen(function*() {
      if (entry.type === "simulationSuite") {
        const suiteId = entry.simulationSuiteId ?? entry.suiteId!
        const suite = yield* find(store.suites, "Simulation suite", suiteId)
        return yield* Effect.forEach(suite.simulationIds as ReadonlyArray<string>, (id) => simulationTriple(store, id))
      }
      if (entry.simulationId !== undefined) return [yield* simulationTriple(store, entry.simulationId)]
      const t = yield* now
      const scenario = entry.scenarioId !== undefined
        ? yield* find(store.scenarios, "Scenario", entry.scenarioId)
        : { id: randomUUID(), orgId, createdAt: iso(t), updatedAt: iso(t), ...entry.scenario }
      const personality = entry.personalityId !== undefined
        ? yield* find(store.personalities, "Personality", entry.personalityId)
        : { id: randomUUID(), orgId, createdAt: iso(t), updatedAt: iso(t), ...entry.personality }
      const simulation = { id: randomUUID(), orgId, createdAt: iso(t), updatedAt: iso(t), name: entry.name ?? `${String(scenario.name)} x ${String(personality.name)}`.slice(0, 80), scenarioId: scenario.id, personalityId: personality.id }
      return [{ simulation, scenario: scenario as Json, personality: personality as Json }]
    })).pipe(Effect.map((lists) => lists.flat()))

const simulationTriple = (store: Store, id: string) =>
  Effect.gen(function*() {
    const simulation = yield* find(store.simulations, "Simulation", id)
    const scenario = yield* find(store.scenarios, "Scenario", String(simulation.scenarioId))
    const personality = yield* find(store.personalities, "Personality", String(simulation.personalityId))
    return { simulation, scenario, personality }
  })

/**
 * The entries as the run echoes them: a suite entry's `name` is read-only in Vapi's spec, "the
 * historical suite name captured when the run was created", so it is the suite's name whatever the
 * request said.
 */
const echoed = (store: Store, entries: ReadonlyArray<Json>): ReadonlyArray<Json> =>
  entries.map((entry) => {
    if (entry.type !== "simulationSuite") return entry
    const suite = store.suites.get(String(entry.simulationSuiteId ?? entry.suiteId))
    return suite === undefined ? entry : { ...entry, name: String(suite.name).slice(0, 80) }
  })

/** The run id of the item routes: a plain string in Vapi's spec (not a UUID), so any other id is not found. */
const runIdParam = Effect.map(HttpRouter.params, (params) => params.id ?? "")

const findRun = (store: Store, id: string) => {
  const run = store.runs.get(id)
  return run === undefined ? fail(404, `Simulation run with id ${id} not found`) : Effect.succeed(run)
}

const findItem = (run: StoredRun, itemId: string) => {
  const item = run.items.find((i) => i.id === itemId)
  return item === undefined ? fail(404, `Simulation run item ${itemId} not found in run ${run.id}`) : Effect.succeed(item)
}

const isTerminal = (rendered: Json) => ["passed", "failed", "canceled"].includes(String(rendered.status))

export const runRoutes = (ctx: Context) => {
  const { billing, concurrencyIsDefault, concurrencyLimit, store } = ctx
  const { runs } = store
  return HttpRouter.empty.pipe(
    HttpRouter.get("/eval/simulation/concurrency", Effect.gen(function*() {
      const t = yield* now
      let active = 0
      for (const run of runs.values()) {
        for (const item of run.items) {
          const s = renderItem(ctx, run, item, t, false).status
          if (s === "running" || s === "evaluating") active += slotsPerItem(run)
        }
      }
      return json({
        orgId,
        concurrencyLimit,
        activeSimulations: active,
        availableToStart: Math.max(0, Math.floor((concurrencyLimit - active) / 2)),
        createdAt: null,
        updatedAt: null,
        isDefault: concurrencyIsDefault
      })
    })),
    HttpRouter.post("/eval/simulation/run", Effect.gen(function*() {
      const { value, json: raw } = yield* body(VapiWire.CreateRun)
      if (billing.reason !== undefined) {
        return HttpServerResponse.unsafeJson({ statusCode: 402, message: "Payment required to run simulations", reason: billing.reason }, { status: 402 })
      }
      const expanded = yield* expand(store, value.simulations)
      const entries = echoed(store, raw.simulations as ReadonlyArray<Json>)
      const iterations = value.iterations ?? 1
      const t = yield* now
      const chat = value.transport?.provider === "vapi.webchat"
      const items: Array<StoredItem> = []
      for (const triple of expanded) {
        for (let n = 1; n <= iterations; n++) {
          items.push({ id: randomUUID(), index: items.length, iterationNumber: n, ...triple, conversationId: randomUUID() })
        }
      }
      const run: StoredRun = { id: randomUUID(), body: { ...raw, simulations: entries }, createdAt: t, chat, items }
      runs.set(run.id, run)
      yield* scheduleHooks(ctx, run)
      return json({
        ...renderRun(ctx, run, t, false),
        simulationRunItemIds: items.map((i) => i.id),
        message: `Queued ${items.length} simulation run item${items.length === 1 ? "" : "s"}`,
        // A `.invalid` host (RFC 2606): the emulator's runs are on no dashboard.
        url: `https://dashboard.vapi.invalid/simulations/runs/${run.id}`
      }, 201)
    })),
    HttpRouter.get("/eval/simulation/run", Effect.gen(function*() {
      const p = yield* query
      const request = yield* HttpServerRequest.HttpServerRequest
      const t = yield* now
      const status = queryValue(p, "status")
      const targetId = queryValue(p, "targetId")
      const targetType = queryValue(p, "targetType")
      const filterStatus = queryValue(p, "filterStatus")
      const rendered = [...runs.values()].map((r) => renderRun(ctx, r, t, false)).filter((r) => {
        const target = r.target as Json
        const counts = r.itemCounts as Json
        return (status === undefined || r.status === status) &&
          (targetType === undefined || target.type === targetType) &&
          (targetId === undefined || target.assistantId === targetId || target.squadId === targetId) &&
          (filterStatus === undefined ||
            (filterStatus === "running" ? r.status !== "ended" : filterStatus === "failed" ? r.status === "ended" && Number(counts.failed) > 0 : r.status === "ended" && Number(counts.failed) === 0))
      })
      const page = yield* paginate(rendered, p)
      const unknown = page.length > 0 && unknownEnum(ctx, request)
      return json(unknown ? page.map((r, i) => (i === 0 ? { ...r, status: "paused" } : r)) : page)
    })),
    HttpRouter.get("/eval/simulation/run/:id", Effect.gen(function*() {
      const id = yield* idParam("id", "Simulation run")
      const run = yield* findRun(store, id)
      const request = yield* HttpServerRequest.HttpServerRequest
      return json(renderRun(ctx, run, yield* now, unknownEnum(ctx, request)))
    })),
    HttpRouter.patch("/eval/simulation/run/:id", Effect.gen(function*() {
      const id = yield* idParam("id", "Simulation run")
      const run = yield* findRun(store, id)
      const t = yield* now
      // Vapi's gitops notes: "Returns 400 `Run has already ended` for an ended run".
      if (renderRun(ctx, run, t, false).status === "ended") return yield* fail(400, "Run has already ended")
      if (run.canceledAt === undefined) run.canceledAt = t
      return json(renderRun(ctx, run, t, false))
    })),
    HttpRouter.get("/eval/simulation/run/:id/item", Effect.gen(function*() {
      const id = yield* idParam("id", "Simulation run")
      const run = yield* findRun(store, id)
      const p = yield* query
      const request = yield* HttpServerRequest.HttpServerRequest
      const t = yield* now
      const simulationId = queryValue(p, "simulationId")
      const status = queryValue(p, "status")
      const unknown = unknownEnum(ctx, request)
      // Without filters only the requested page is rendered: rendering every item for every page
      // would make reading a large run page by page quadratic.
      const filtered = simulationId !== undefined || status !== undefined || Object.keys(p).some((k) => /^(createdAt|updatedAt)/.test(k))
      const page = filtered
        ? yield* paginate(
          run.items.map((i) => renderItem(ctx, run, i, t, false)).filter((i) =>
            (simulationId === undefined || i.simulationId === simulationId) && (status === undefined || i.status === status)
          ),
          p,
          false
        )
        : (yield* paginate(run.items.map((_, index) => ({ index })), p, false)).map((slot) => renderItem(ctx, run, run.items[slot.index as number]!, t, false))
      return json(unknown ? page.map((i, n) => (n === 0 ? { ...i, status: "paused_for_review" } : i)) : page)
    })),
    HttpRouter.get("/eval/simulation/run/:id/item/:itemId", Effect.gen(function*() {
      const id = yield* runIdParam
      const run = yield* findRun(store, id)
      const params = yield* HttpRouter.params
      const item = yield* findItem(run, params.itemId ?? "")
      const request = yield* HttpServerRequest.HttpServerRequest
      return json(renderItem(ctx, run, item, yield* now, unknownEnum(ctx, request)))
    })),
    HttpRouter.patch("/eval/simulation/run/:id/item/:itemId", Effect.gen(function*() {
      const id = yield* runIdParam
      const run = yield* findRun(store, id)
      const params = yield* HttpRouter.params
      const item = yield* findItem(run, params.itemId ?? "")
      const t = yield* now
      if (!isTerminal(renderItem(ctx, run, item, t, false)) && item.canceledAt === undefined) item.canceledAt = t
      return json(renderItem(ctx, run, item, t, false))
    })),
    HttpRouter.post("/eval/simulation/run/:id/item/:itemId/generate", Effect.gen(function*() {
      const id = yield* runIdParam
      const run = yield* findRun(store, id)
      const params = yield* HttpRouter.params
      const item = yield* findItem(run, params.itemId ?? "")
      const p = yield* query
      // `force` is a required query parameter in Vapi's spec. Nothing documents a refusal for an
      // unfinished item: it gets its suggestions when it finishes.
      if (queryValue(p, "force") === undefined) return yield* fail(400, ["force should not be empty"])
      item.suggestionsRequested = true
      return HttpServerResponse.empty({ status: 201 })
    }))
  )
}
