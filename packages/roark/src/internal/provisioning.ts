/**
 * Provisioning: personas, scenarios, evaluators (as metric definitions) and the run plan, each
 * found by the marker it carries and created, updated or reused by its definition hash (core's
 * `Provisioning.findOrCreate`).
 *
 * @internal
 */
import { Persona, Plan, Provisioning, type SimulationProvider, type Warning } from "@simbridge/core"
import type { Lru } from "@simbridge/core/Lru"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as RoarkClient from "../RoarkClient.js"
import { name } from "../RoarkSuite.js"
import type * as Wire from "../RoarkWire.js"
import * as M from "./mapping.js"
import { fail, metricDefinitionBody, personaBody, runPlanBody, scenarioName, scenarioStepChanges, scenarioSteps, settingsOf } from "./requests.js"
import { type Encoded, ref, type RefEncoded } from "./results.js"

/** The vendor object among `objects` whose marker (in `text`) is `kind`'s for the canonical `id`. */
const markedFor = <A>(objects: ReadonlyArray<A>, text: (a: A) => string | null | undefined, kind: M.Marker["kind"], id: string) =>
  objects.filter((x) => {
    const m = M.parseMarker(text(x))
    return m?.kind === kind && m.id === id
  })

/** Whether the marker in `text` carries `hash`. */
const carries = (text: string | null | undefined, hash: string) => M.parseMarker(text)?.hash === hash

/** `provision` over `client`; each scenario's id is recorded in `scenarioIds` (vendor id -> canonical id). */
export const provision = (client: RoarkClient.Service, scenarioIds: Lru<string, string>): SimulationProvider.Driver["provision"] => (plan) =>
  Effect.gen(function*() {
    const { options, target } = yield* settingsOf(plan, "provision")
    const refs: Record<string, RefEncoded> = {}
    const warnings: Array<Encoded<typeof Warning.Warning>> = []
    const outcomes: Array<Provisioning.Outcome> = []

    // Personas, recognised by the marker in their description.
    const personas = yield* RoarkClient.all(client.personas.list)
    for (const p of plan.personas) {
      const hash = Plan.definitionHash({ persona: Schema.encodeSync(Persona.Persona)(p), hasDisfluencies: options.hasDisfluencies ?? null })
      const body = personaBody(p, options, hash)
      const { object, outcome } = yield* Provisioning.findOrCreate({
        found: markedFor(personas, (x) => x.description, "persona", p.id)[0],
        isCurrent: (x) => carries(x.description, hash),
        create: client.personas.create(body),
        update: (x) => client.personas.update(x.id, body)
      })
      outcomes.push(outcome)
      refs[Provisioning.key.persona(p.id)] = ref("persona", object.id)
    }

    // Scenarios, recognised by the marker in their name (the START node's content).
    const scenarios = yield* RoarkClient.all(client.scenarios.list)
    for (const s of plan.scenarios) {
      const steps = scenarioSteps(s)
      const hash = Plan.definitionHash({ name: s.name, steps })
      const { object, outcome } = yield* Provisioning.findOrCreate({
        found: markedFor(scenarios, (x) => x.name, "scenario", s.id)[0],
        isCurrent: (x) => carries(x.name, hash),
        create: client.scenarios.create({ name: scenarioName(s, hash), steps }),
        update: (x) => client.scenarios.update(x.id, { name: scenarioName(s, hash), stepChanges: scenarioStepChanges(x, steps) })
      })
      outcomes.push(outcome)
      scenarioIds.set(object.id, s.id)
      refs[Provisioning.key.scenario(s.id)] = ref("scenario", object.id)
    }

    // Evaluators as metric definitions. There is no update endpoint: a changed evaluator gets a new
    // definition (an update), and older definitions of the evaluator stay as they are.
    const definitions = yield* RoarkClient.all(client.metrics.listDefinitions)
    for (const e of plan.evaluators) {
      const hash = Plan.definitionHash({ id: e.id, description: e.description, type: e.type, comparator: e.comparator, expect: e.expect, required: e.required, name: e.name ?? null })
      const mine = markedFor(definitions, (d) => d.description, "evaluator", e.id)
      const { object, outcome } = yield* Provisioning.findOrCreate({
        found: mine.find((d) => carries(d.description, hash)) ?? mine[0],
        isCurrent: (d) => carries(d.description, hash),
        create: client.metrics.createDefinition(metricDefinitionBody(e, hash))
      })
      outcomes.push(outcome)
      refs[Provisioning.key.evaluator(e.id)] = ref("metric", object.id)
    }
    if (plan.evaluators.length === 0 && (options.metrics ?? []).length === 0) {
      return yield* fail("provision", "InvalidRequest", "evaluators: Roark needs at least one metric per run plan; the suite defines no evaluators and vendors.roark.metrics is empty")
    }

    // The run plan, recognised by the marker in its description (identity: name + endpoint).
    const identity = Plan.definitionHash({ name: plan.name, endpoint: target.agentEndpointId })
    const body = runPlanBody(plan, options, target, refs)
    const hash = Plan.definitionHash(body)
    const description = `${plan.description ?? `simbridge suite "${plan.name}"`} ${M.marker("plan", identity, hash)}`
    const plans = yield* RoarkClient.all(client.runPlans.list, { searchText: plan.name })
    const { object: runPlan, outcome } = yield* Provisioning.findOrCreate({
      found: markedFor(plans, (x) => x.description, "plan", identity)[0],
      isCurrent: (x) => carries(x.description, hash),
      create: Effect.map(client.runPlans.create({ ...body, description } as unknown as Wire.RunPlanCreate), (created) => created.runPlan),
      update: (x) => client.runPlans.update(x.id, { ...body, description } as unknown as Wire.RunPlanUpdate)
    })
    outcomes.push(outcome)
    refs[Provisioning.key.plan] = ref("plan", runPlan.id)
    refs["agentEndpoint"] = ref("agent_endpoint", target.agentEndpointId)
    return { provider: name, refs, ...Provisioning.count(outcomes), warnings }
  })
