/**
 * Provisioning: personas, scenarios, evaluators (as metric definitions) and the run plan, each
 * found by the marker it carries and created, updated or reused by its definition hash (core's
 * `Provisioning.findOrCreate`).
 *
 * @internal
 */
import { type Evaluator, Persona, Plan, Provisioning, type SimulationProvider, type Warning } from "@simbridge/core"
import type { Lru } from "@simbridge/core/Lru"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as RoarkClient from "../RoarkClient.js"
import { name } from "../RoarkSuite.js"
import * as Wire from "../RoarkWire.js"
import * as M from "./mapping.js"
import {
  evaluatorDefinition,
  fail,
  metricDefinitionBody,
  personaBody,
  runPlanBody,
  scenarioCreateBody,
  scenarioSteps,
  scenarioUpdateBody,
  settingsOf
} from "./requests.js"
import { type Encoded, ref, type RefEncoded } from "./results.js"

/** The vendor object among `objects` whose marker (in `text`) is `kind`'s for the canonical `id`. */
const markedFor = <A>(objects: ReadonlyArray<A>, text: (a: A) => string | null | undefined, kind: M.Marker["kind"], id: string) =>
  objects.filter((x) => {
    const m = M.parseMarker(text(x))
    return m?.kind === kind && m.id === id
  })

/** Whether the marker in `text` carries `hash`. */
const carries = (text: string | null | undefined, hash: string) => M.parseMarker(text)?.hash === hash

/** How an evaluator stands to the metric definitions that exist. */
export interface DefinitionMatch {
  /** The definition that stands for the evaluator, if any. */
  readonly found: Wire.MetricDefinition | undefined
  /** Whether `found` can be used as it is (otherwise a new definition is needed). */
  readonly current: boolean
  /** `found` is a definition simbridge did not create, matched by `metricId` or by name. */
  readonly adopted: boolean
}

/**
 * The metric definition that stands for evaluator `e` (definition hash `hash`) among
 * `definitions`, in this order: the one simbridge created for this definition (its slug is
 * `M.metricSlug` of it, or its description carries the evaluator's marker with this hash); a
 * definition whose `metricId` is the evaluator's id; one simbridge did not create whose name is the
 * evaluator's name (its id when unnamed); else one simbridge created for an earlier definition of
 * the evaluator, which is not current (Roark cannot update a definition: a new one is needed).
 */
export const matchDefinition = (definitions: ReadonlyArray<Wire.MetricDefinition>, e: Evaluator.Evaluator, hash: string): DefinitionMatch => {
  const slug = M.metricSlug(e.id, e.type, hash)
  const mine = (d: Wire.MetricDefinition) => {
    const marker = M.parseMarker(d.description)
    if (marker !== undefined) return marker.kind === "evaluator" && marker.id === e.id
    const parsed = M.parseMetricSlug(Wire.slugOf(d))
    return parsed !== undefined && parsed.id === M.slugPart(e.id)
  }
  const isCurrent = (d: Wire.MetricDefinition) => Wire.slugOf(d) === slug || M.parseMarker(d.description)?.hash === hash
  const own = definitions.find((d) => mine(d) && isCurrent(d))
  if (own !== undefined) return { found: own, current: true, adopted: false }
  const name = e.name ?? e.id
  const adopted = definitions.find((d) => Wire.slugOf(d) === e.id) ??
    definitions.find((d) => d.name === name && M.evaluatorIdOf(d) === undefined)
  if (adopted !== undefined) return { found: adopted, current: true, adopted: true }
  return { found: definitions.find(mine), current: false, adopted: false }
}

/**
 * Why provisioning cannot go on without `vendors.roark.analysisPackageId`: the evaluators that
 * need a new metric definition, each with its reason.
 */
const needsPackage = (pending: ReadonlyArray<{ readonly e: Evaluator.Evaluator; readonly match: DefinitionMatch }>) =>
  `vendors.roark.analysisPackageId is not set, and Roark creates metric definitions only inside an analysis package: ${
    pending.map(({ e, match }) =>
      match.found === undefined
        ? `evaluator "${e.id}" matches no metric definition (by metricId "${e.id}" or name "${e.name ?? e.id}")`
        : `evaluator "${e.id}" changed since its metric definition ${Wire.slugOf(match.found) ?? match.found.id} was created`
    ).join("; ")
  }. Set vendors.roark.analysisPackageId to the analysis package simbridge may add metric definitions to, or name existing metric definitions (by metricId or name)`

/** `provision` over `client`; each scenario's id is recorded in `scenarioIds` (vendor id -> canonical id). */
export const provision = (client: RoarkClient.Service, scenarioIds: Lru<string, string>): SimulationProvider.Driver["provision"] => (plan) =>
  Effect.gen(function*() {
    const { options, target } = yield* settingsOf(plan, "provision")
    const refs: Record<string, RefEncoded> = {}
    const warnings: Array<Encoded<typeof Warning.Warning>> = []
    const outcomes: Array<Provisioning.Outcome> = []

    // What needs a new metric definition is known first, so that a missing analysis package fails
    // before anything is created.
    if (plan.evaluators.length === 0 && (options.metrics ?? []).length === 0) {
      return yield* fail("provision", "InvalidRequest", "evaluators: Roark needs at least one metric per run plan; the suite defines no evaluators and vendors.roark.metrics is empty")
    }
    const definitions = plan.evaluators.length === 0 ? [] : (yield* client.metrics.listDefinitions()).data
    const evaluators = plan.evaluators.map((e) => {
      const hash = Plan.definitionHash(evaluatorDefinition(e))
      return { e, hash, match: matchDefinition(definitions, e, hash) }
    })
    const pending = evaluators.filter((x) => !x.match.current)
    const packageId = options.analysisPackageId
    if (pending.length > 0 && packageId === undefined) return yield* fail("provision", "InvalidRequest", needsPackage(pending))

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
        create: client.scenarios.create(scenarioCreateBody(s, hash)),
        update: (x) => client.scenarios.update(x.id, scenarioUpdateBody(x, s, hash))
      })
      outcomes.push(outcome)
      scenarioIds.set(object.id, s.id)
      refs[Provisioning.key.scenario(s.id)] = ref("scenario", object.id)
    }

    // Evaluators as metric definitions. There is no update endpoint: a changed evaluator gets a new
    // definition (an update), and older definitions of the evaluator stay as they are.
    for (const { e, hash, match } of evaluators) {
      const { object, outcome } = yield* Provisioning.findOrCreate({
        found: match.found,
        isCurrent: () => match.current,
        create: packageId === undefined
          ? fail("provision", "InvalidRequest", needsPackage([{ e, match }]))
          : client.metrics.createDefinition(metricDefinitionBody(e, hash, packageId))
      })
      outcomes.push(outcome)
      refs[Provisioning.key.evaluator(e.id)] = ref("metric", object.id)
      const index = plan.evaluators.indexOf(e)
      if (match.adopted && !M.metricTypesOf[e.type].has(object.type)) {
        warnings.push({
          code: "metric_type_mismatch",
          message: `evaluator "${e.id}" (${e.type}) uses the existing metric definition ${Wire.slugOf(object) ?? object.id}, whose type is ${object.type}`,
          field: `evaluators[${index}]`
        })
      }
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
      create: Effect.map(client.runPlans.create({ ...body, description }), (created) => created.runPlan),
      update: (x) => client.runPlans.update(x.id, { ...body, description })
    })
    outcomes.push(outcome)
    refs[Provisioning.key.plan] = ref("plan", runPlan.id)
    refs["agentEndpoint"] = ref("agent_endpoint", target.agentEndpointId)
    return { provider: name, refs, ...Provisioning.count(outcomes), warnings }
  })
