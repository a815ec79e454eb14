/**
 * Provisioning: the plan's caller workflows and simulations, found by name or `logical_id` and
 * created or updated so that they match the plan (`Provisioning.findOrCreate`).
 *
 * @internal
 */
import { Persona, Plan, type ProviderError } from "@simbridge/core"
import * as Provisioning from "@simbridge/core/Provisioning"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type * as InteractlyClient from "../InteractlyClient.js"
import { name } from "../InteractlySuite.js"
import type { Caches } from "./caches.js"
import * as Mapping from "./mapping.js"
import { ref } from "./mapping.js"
import { findIn, settingsOf, simulationBody } from "./requests.js"

/** The workflow of that exact name, if any. */
const findWorkflow = (client: InteractlyClient.Service, workflowName: string) =>
  findIn(
    (page) => Effect.map(client.listWorkflows({ search: workflowName, page, size: 100 }), (l) => ({ items: l.workflows, total: l.total })),
    (w) => w.name === workflowName
  )

/** The simulation of that exact `logical_id`, if any (the list filter is checked again here). */
const findSimulation = (client: InteractlyClient.Service, logicalId: string) =>
  findIn(
    (page) => Effect.map(client.listSimulations({ logical_id: logicalId, page, size: 100 }), (l) => ({ items: l.simulations, total: l.total })),
    (s) => s.simulation_config.logical_id === logicalId
  )

/**
 * The caller workflow of a persona without one in the suite: `simbridge caller: <persona>`, whose
 * description is the persona's prose and the hash of its definition.
 */
const callerWorkflow = (client: InteractlyClient.Service, persona: Persona.Persona) =>
  Effect.gen(function*() {
    const workflowName = Mapping.callerWorkflowName(persona.id)
    const hash = Plan.definitionHash(Schema.encodeSync(Persona.Persona)(persona))
    const description = `${Persona.describe(persona)}\n${Mapping.hashTag(hash)}`
    return yield* Provisioning.findOrCreate({
      found: Option.getOrUndefined(yield* findWorkflow(client, workflowName)),
      isCurrent: (w) => Mapping.hashOf(w.description) === hash,
      create: client.createWorkflow({ name: workflowName, description }),
      update: (w) => Effect.as(client.updateWorkflow(w._id, { description }), w)
    })
  })

/**
 * Finds or creates the plan's caller workflows (one per persona without an explicit one) and its
 * simulations (one per scenario x persona, by `logical_id`: a changed config is a new
 * simulation), keeping descriptions current; the driver learns each simulation's canonical
 * scenario and persona.
 */
export const provision = (
  client: InteractlyClient.Service,
  caches: Caches,
  plan: Plan.Plan
): Effect.Effect<typeof Provisioning.Provisioning.Encoded, ProviderError.ProviderError> =>
  Effect.gen(function*() {
    const { options: opts, target } = yield* settingsOf(plan, "provision")
    const refs: Record<string, typeof Provisioning.Provisioning.Encoded["refs"][string]> = {}
    const outcomes: Array<Provisioning.Outcome> = []

    const callers = new Map<string, string>()
    for (const persona of plan.personas) {
      const explicit = opts.callerWorkflows?.[persona.id] ?? opts.callerWorkflowId
      if (explicit !== undefined) {
        // The suite's own workflow, used as it is.
        callers.set(persona.id, explicit)
        outcomes.push("reused")
      } else {
        const { object, outcome } = yield* callerWorkflow(client, persona)
        callers.set(persona.id, object._id)
        outcomes.push(outcome)
      }
      refs[Provisioning.key.persona(persona.id)] = ref("workflow", callers.get(persona.id)!)
    }

    for (const scenario of plan.scenarios) {
      for (const [i, persona] of plan.personas.entries()) {
        const body = simulationBody(plan, target, opts, scenario, persona, callers.get(persona.id)!)
        // Only `description` (and `status`) of a simulation can be updated; the rest of its
        // config is in its `logical_id`.
        const { object, outcome } = yield* Provisioning.findOrCreate({
          found: Option.getOrUndefined(yield* findSimulation(client, body.logical_id)),
          isCurrent: (s) => s.simulation_config.description === body.description,
          create: client.createSimulation(body),
          update: (s) => Effect.as(client.updateSimulation(s._id, { description: body.description }), s)
        })
        outcomes.push(outcome)
        caches.simulations.set(object._id, { scenario: scenario.id, persona: persona.id })
        refs[`simulation:${scenario.id}/${persona.id}`] = ref("simulation", object._id)
        if (i === 0) refs[Provisioning.key.scenario(scenario.id)] = ref("simulation", object._id)
      }
    }

    for (const e of plan.evaluators) refs[Provisioning.key.evaluator(e.id)] = ref("metric", opts.metrics?.[e.id]?.name ?? e.id)
    refs[Provisioning.key.plan] = ref("workflow", target.workflowId)
    return { provider: name, refs, ...Provisioning.count(outcomes) }
  })
