/**
 * Provisioning a plan: each persona a personality, each scenario a scenario (its evaluators inline),
 * each scenario x persona a simulation, the plan a suite. Every object is found by the canonical id
 * in its name (`sb:<id> #<definition hash>`) and reused, updated or created by core's one rule
 * (`Provisioning.findOrCreate`); what was provisioned is remembered for reading results.
 *
 * @internal
 */
import { Plan, Provisioning, type SimulationProvider } from "@simbridge/core"
import * as Effect from "effect/Effect"
import type * as VapiClient from "../VapiClient.js"
import { name as provider } from "../VapiSuite.js"
import type { Canonical } from "./reads.js"
import * as Requests from "./requests.js"

type Named = { readonly id: string; readonly name?: string | null | undefined }

/**
 * The object standing for canonical `id` among `existing`, brought to `desired`: its name carries
 * the id and the hash of the definition, so an object whose name is current is reused as it is.
 */
const ensure = <A extends Named, C extends { readonly name?: string | undefined }>(
  crud: VapiClient.Crud<A, C, Partial<C>>,
  existing: ReadonlyArray<A>,
  id: string,
  desired: C
) => {
  const name = Requests.label(id, Plan.definitionHash({ ...desired, name: undefined }))
  const body = { ...desired, name }
  const canonicalId = Requests.parseLabel(name)!.id
  return Provisioning.findOrCreate({
    found: existing.find((o) => Requests.parseLabel(o.name)?.id === canonicalId),
    isCurrent: (found) => found.name === name,
    create: crud.create(body),
    update: (found) => crud.update(found.id, body)
  })
}

/** `provision` over the client, remembering the canonical ids of what it provisions in `canonical`. */
export const provision = (client: VapiClient.Service, canonical: Canonical): SimulationProvider.Driver["provision"] => (plan) =>
  Effect.gen(function*() {
    const { options, target } = yield* Requests.settingsOf(plan, "provision")
    const [personalities, scenarios, simulations, suites] = yield* Effect.all([
      client.personalities.listAll(),
      client.scenarios.listAll(),
      client.simulations.listAll(),
      client.suites.listAll()
    ], { concurrency: 4 })
    const refs: Record<string, typeof import("@simbridge/core").ProviderRef.ProviderRef.Encoded> = {}
    const outcomes: Array<Provisioning.Outcome> = []
    const keep = <A>(found: Provisioning.Found<A>) => {
      outcomes.push(found.outcome)
      return found.object
    }
    const ref = (kind: string, id: string) => ({ provider, kind, id })

    const personaIds = yield* Effect.forEach(plan.personas, (p) =>
      Effect.map(ensure(client.personalities, personalities, p.id, Requests.personality(p, options)), (found) => {
        const { id } = keep(found)
        refs[Provisioning.key.persona(p.id)] = ref("personality", id)
        canonical.personas.set(id, p.id)
        return id
      }), { concurrency: 4 })

    const scenarioIds = yield* Effect.forEach(plan.scenarios, (s) =>
      Effect.map(ensure(client.scenarios, scenarios, s.id, Requests.scenario(plan, s, options)), (found) => {
        const { id } = keep(found)
        refs[Provisioning.key.scenario(s.id)] = ref("scenario", id)
        canonical.scenarios.set(id, s.id)
        for (const e of Plan.evaluatorsOf(plan, s)) {
          const evaluation = Requests.evaluationName(e.id)
          canonical.evaluators.set(evaluation, e.id)
          refs[Provisioning.key.evaluator(e.id)] ??= ref("evaluation", `${id}/${evaluation}`)
        }
        return id
      }), { concurrency: 4 })

    const pairs = plan.scenarios.flatMap((s, i) => plan.personas.map((p, j) => ({ s, p, scenarioId: scenarioIds[i]!, personalityId: personaIds[j]! })))
    const simulationIds = yield* Effect.forEach(pairs, ({ p, personalityId, s, scenarioId }) =>
      Effect.map(
        ensure(client.simulations, simulations, `${s.id}/${p.id}`, Requests.simulation(scenarioId, personalityId, options)),
        (found) => {
          const { id } = keep(found)
          refs[Requests.simulationKey(s.id, p.id)] = ref("simulation", id)
          canonical.slots.set(id, { scenario: s.id, persona: p.id })
          return id
        }
      ), { concurrency: 4 })

    const suite = keep(yield* ensure(client.suites, suites, Requests.planSlug(plan), Requests.suite(simulationIds, target, options)))
    refs[Provisioning.key.plan] = ref("suite", suite.id)
    return { provider, refs, ...Provisioning.count(outcomes), warnings: [] }
  })
