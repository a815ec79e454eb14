/**
 * Provisioning: personas, scenarios, evaluators (as metric definitions) and the run plan, each
 * found by the marker it carries and created, updated or reused by its definition hash.
 *
 * @internal
 */
import { Persona, Plan, ProviderError, Provisioning, type SimulationProvider, type Warning } from "@simbridge/core"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as RoarkClient from "../RoarkClient.js"
import { name } from "../RoarkSuite.js"
import type * as Wire from "../RoarkWire.js"
import * as M from "./mapping.js"
import { metricDefinitionBody, personaBody, planSettings, runPlanBody, scenarioName, scenarioStepChanges, scenarioSteps } from "./requests.js"
import { type Encoded, ref, type RefEncoded } from "./results.js"

export const fail = (operation: string, reason: ProviderError.Reason, description: string) =>
  Effect.fail(ProviderError.make({ provider: name, operation, reason, description }))

/** Every item of a paginated list. */
export const all = <A>(list: (p: Wire.ListParams) => Effect.Effect<Wire.PageOf<A>, ProviderError.ProviderError>, params: Wire.ListParams = {}) =>
  Effect.map(Stream.runCollect(RoarkClient.paginate(list, params)), Chunk.toReadonlyArray)

/** `provision` over `client`; each scenario's id is recorded in `scenarioIds` (vendor id -> canonical id). */
export const provision = (client: RoarkClient.Service, scenarioIds: Map<string, string>): SimulationProvider.Driver["provision"] => (plan) =>
  Effect.gen(function*() {
    const { options, target } = yield* planSettings(plan, "provision")
    const refs: Record<string, RefEncoded> = {}
    const warnings: Array<Encoded<typeof Warning.Warning>> = []
    let created = 0, updated = 0, reused = 0

    // Personas, recognised by the marker in their description.
    const personas = yield* all(client.personas.list)
    for (const p of plan.personas) {
      const hash = Plan.definitionHash({ persona: Schema.encodeSync(Persona.Persona)(p), hasDisfluencies: options.hasDisfluencies ?? null })
      const body = personaBody(p, options, hash)
      const existing = personas.find((x) => { const m = M.parseMarker(x.description); return m?.kind === "persona" && m.id === p.id })
      let id: string
      if (existing === undefined) {
        id = (yield* client.personas.create(body)).id
        created++
      } else if (M.parseMarker(existing.description)?.hash !== hash) {
        id = (yield* client.personas.update(existing.id, body)).id
        updated++
      } else {
        id = existing.id
        reused++
      }
      refs[Provisioning.key.persona(p.id)] = ref("persona", id)
    }

    // Scenarios, recognised by the marker in their name (the START node's content).
    const scenarios = yield* all(client.scenarios.list)
    for (const s of plan.scenarios) {
      const steps = scenarioSteps(s)
      const hash = Plan.definitionHash({ name: s.name, steps })
      const existing = scenarios.find((x) => { const m = M.parseMarker(x.name); return m?.kind === "scenario" && m.id === s.id })
      let id: string
      if (existing === undefined) {
        id = (yield* client.scenarios.create({ name: scenarioName(s, hash), steps })).id
        created++
      } else if (M.parseMarker(existing.name)?.hash !== hash) {
        const stepChanges = scenarioStepChanges(existing, steps)
        id = (yield* client.scenarios.update(existing.id, { name: scenarioName(s, hash), stepChanges })).id
        updated++
      } else {
        id = existing.id
        reused++
      }
      scenarioIds.set(id, s.id)
      refs[Provisioning.key.scenario(s.id)] = ref("scenario", id)
    }

    // Evaluators as metric definitions (no update endpoint: a changed evaluator gets a new definition).
    const definitions = yield* all(client.metrics.listDefinitions)
    for (const e of plan.evaluators) {
      const hash = Plan.definitionHash({ id: e.id, description: e.description, type: e.type, comparator: e.comparator, expect: e.expect, required: e.required, name: e.name ?? null })
      const mine = definitions.filter((d) => { const m = M.parseMarker(d.description); return m?.kind === "evaluator" && m.id === e.id })
      const current = mine.find((d) => M.parseMarker(d.description)?.hash === hash)
      let id: string
      if (current !== undefined) {
        id = current.id
        reused++
      } else {
        id = (yield* client.metrics.createDefinition(metricDefinitionBody(e, hash))).id
        if (mine.length > 0) updated++
        else created++
      }
      refs[Provisioning.key.evaluator(e.id)] = ref("metric", id)
    }
    if (plan.evaluators.length === 0 && (options.metrics ?? []).length === 0) {
      return yield* fail("provision", "InvalidRequest", "evaluators: Roark needs at least one metric per run plan; the suite defines no evaluators and vendors.roark.metrics is empty")
    }

    // The run plan, recognised by the marker in its description (identity: name + endpoint).
    const identity = Plan.definitionHash({ name: plan.name, endpoint: target.agentEndpointId })
    const body = runPlanBody(plan, options, target, refs)
    const hash = Plan.definitionHash(body)
    const description = `${plan.description ?? `simbridge suite "${plan.name}"`} ${M.marker("plan", identity, hash)}`
    const plans = yield* all(client.runPlans.list, { searchText: plan.name })
    const existing = plans.find((x) => { const m = M.parseMarker(x.description); return m?.kind === "plan" && m.id === identity })
    let planId: string
    if (existing === undefined) {
      const full = { ...body, description } as unknown as Wire.RunPlanCreate
      planId = (yield* client.runPlans.create(full)).runPlan.id
      created++
    } else if (M.parseMarker(existing.description)?.hash !== hash) {
      planId = (yield* client.runPlans.update(existing.id, { ...body, description } as unknown as Wire.RunPlanUpdate)).id
      updated++
    } else {
      planId = existing.id
      reused++
    }
    refs[Provisioning.key.plan] = ref("plan", planId)
    refs["agentEndpoint"] = ref("agent_endpoint", target.agentEndpointId)
    return { provider: name, refs, created, updated, reused, warnings }
  })
