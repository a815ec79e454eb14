/**
 * Provisioning: the plan's caller workflows and simulations, found by name or `logical_id` and
 * created or updated so that they match the plan.
 *
 * @internal
 */
import { Persona, Plan, type ProviderError } from "@simbridge/core"
import type * as Provisioning from "@simbridge/core/Provisioning"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type * as InteractlyClient from "../InteractlyClient.js"
import { name } from "../InteractlySuite.js"
import * as Mapping from "./mapping.js"
import { findIn, optionsOf, simulationBody, targetOf } from "./requests.js"
import { type Canonical, ref } from "./results.js"

export const findWorkflow = (client: InteractlyClient.Service, workflowName: string) =>
  findIn(
    (page) => Effect.map(client.listWorkflows({ search: workflowName, page, size: 100 }), (l) => ({ items: l.workflows, total: l.total })),
    (w) => w.name === workflowName
  )

export const findSimulation = (client: InteractlyClient.Service, logicalId: string) =>
  findIn(
    (page) => Effect.map(client.listSimulations({ logical_id: logicalId, page, size: 100 }), (l) => ({ items: l.simulations, total: l.total })),
    (s) => s.simulation_config.logical_id === logicalId
  )

/**
 * Finds or creates the plan's caller workflows (one per persona without an explicit one) and its
 * simulations (one per scenario x persona, by `logical_id`), keeping descriptions current;
 * `onSimulation` learns each simulation's canonical scenario and persona.
 */
export const provision = (
  client: InteractlyClient.Service,
  plan: Plan.Plan,
  onSimulation: (simulationId: string, canonical: Canonical) => void
): Effect.Effect<typeof Provisioning.Provisioning.Encoded, ProviderError.ProviderError> =>
  Effect.gen(function*() {
    const target = yield* targetOf(plan, "provision")
    const opts = yield* optionsOf(plan, "provision")
    const refs: Record<string, typeof Provisioning.Provisioning.Encoded["refs"][string]> = {}
    let created = 0, updated = 0, reused = 0

    const callers = new Map<string, string>()
    for (const persona of plan.personas) {
      const explicit = opts.callerWorkflows?.[persona.id] ?? opts.callerWorkflowId
      if (explicit !== undefined) {
        callers.set(persona.id, explicit)
        reused++
      } else {
        const workflowName = Mapping.callerWorkflowName(persona.id)
        const hash = Plan.definitionHash(Schema.encodeSync(Persona.Persona)(persona))
        const description = `${Persona.describe(persona)}\n${Mapping.hashTag(hash)}`
        const existing = yield* findWorkflow(client, workflowName)
        if (Option.isNone(existing)) {
          const w = yield* client.createWorkflow({ name: workflowName, description })
          callers.set(persona.id, w._id)
          created++
        } else {
          if (Mapping.hashOf(existing.value.description) !== hash) {
            yield* client.updateWorkflow(existing.value._id, { description })
            updated++
          } else reused++
          callers.set(persona.id, existing.value._id)
        }
      }
      refs[`persona:${persona.id}`] = ref("workflow", callers.get(persona.id)!)
    }

    for (const scenario of plan.scenarios) {
      for (const [i, persona] of plan.personas.entries()) {
        const body = simulationBody(plan, target, opts, scenario, persona, callers.get(persona.id)!)
        const existing = yield* findSimulation(client, body.logical_id)
        let id: string
        if (Option.isNone(existing)) {
          id = (yield* client.createSimulation(body))._id
          created++
        } else {
          id = existing.value._id
          if (existing.value.simulation_config.description !== body.description) {
            yield* client.updateSimulation(id, { description: body.description })
            updated++
          } else reused++
        }
        onSimulation(id, { scenario: scenario.id, persona: persona.id })
        refs[`simulation:${scenario.id}/${persona.id}`] = ref("simulation", id)
        if (i === 0) refs[`scenario:${scenario.id}`] = ref("simulation", id)
      }
    }

    for (const e of plan.evaluators) refs[`evaluator:${e.id}`] = ref("metric", opts.metrics?.[e.id]?.name ?? e.id)
    refs["plan"] = ref("workflow", target.workflowId)
    return { provider: name, refs, created, updated, reused }
  })
