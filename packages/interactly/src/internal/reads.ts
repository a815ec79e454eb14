/**
 * The vendor reads that tracking and results share, each answered from the driver's caches when
 * they hold it: a simulation's canonical names, a group's simulation, a workflow run's evaluation,
 * a group's evaluation summary.
 *
 * @internal
 */
import type { ProviderError } from "@simbridge/core"
import * as Effect from "effect/Effect"
import type * as InteractlyClient from "../InteractlyClient.js"
import type * as Wire from "../InteractlyWire.js"
import type { Caches } from "./caches.js"
import { type Canonical, canonicalOfSimulation, noSimulation } from "./mapping.js"
import { optional } from "./requests.js"

/** The canonical scenario and persona of a simulation. */
export const canonicalOf = (client: InteractlyClient.Service, caches: Caches, simulationId: string): Effect.Effect<Canonical, ProviderError.ProviderError> => {
  // A group listed without its simulation (`simulation_config_id` absent: the reference does not
  // say when) has no simulation to read: its run is still tracked, under placeholder names.
  if (simulationId === "") return Effect.succeed(noSimulation)
  const cached = caches.simulations.get(simulationId)
  return cached ? Effect.succeed(cached) : readCanonical(client, caches, simulationId)
}

const readCanonical = (client: InteractlyClient.Service, caches: Caches, simulationId: string) =>
  Effect.gen(function*() {
    const canonical = canonicalOfSimulation(simulationId, yield* client.getSimulation(simulationId))
    caches.simulations.set(simulationId, canonical)
    return canonical
  })

/** The simulation of a group ("" when the group has none). */
export const simulationOfGroup = (client: InteractlyClient.Service, caches: Caches, groupId: string): Effect.Effect<string, ProviderError.ProviderError> => {
  const cached = caches.groupSimulation.get(groupId)
  return cached ? Effect.succeed(cached) : readSimulationOfGroup(client, caches, groupId)
}

const readSimulationOfGroup = (client: InteractlyClient.Service, caches: Caches, groupId: string) =>
  Effect.gen(function*() {
    const group = yield* client.getSimulationRun(groupId)
    const simId = group.simulation_config_id ?? ""
    caches.groupSimulation.set(groupId, simId)
    return simId
  })

/** The evaluation of a workflow run, or undefined when there is none (yet). */
export const evaluationOf = (client: InteractlyClient.Service, caches: Caches, workflowRunId: string) => {
  const cached = caches.evaluations.get(workflowRunId)
  return cached !== undefined
    ? Effect.succeed(cached)
    : Effect.tap(optional(client.getWorkflowRunEvaluation(workflowRunId)), (e) => Effect.sync(() => e && caches.evaluations.set(workflowRunId, e)))
}

/** The evaluation summary of a group, kept once `final` (the group finished) and nothing is pending in it. */
export const summaryOf = (client: InteractlyClient.Service, caches: Caches, simulationId: string, groupId: string, final: boolean) => {
  const cached = caches.summaries.get(groupId)
  return cached !== undefined
    ? Effect.succeed(cached)
    : Effect.tap(optional(client.evaluationSummary(simulationId, groupId)), (s) =>
      Effect.sync(() => {
        if (s && final && !(s.selected_workflow_summary?.pending_evaluations ?? 0)) caches.summaries.set(groupId, s)
      }))
}

/** A read of a group's simulation and names made from the caches alone, or undefined when they do not hold them. */
export const knownSimulation = (caches: Caches, group: Wire.SimulationGroup, groupId: string): { readonly simulationId: string; readonly canonical: Canonical } | undefined => {
  // As `simulationOfGroup` and `canonicalOf` answer from their caches.
  const simulationId = group.simulation_config_id ?? (caches.groupSimulation.get(groupId) || undefined)
  if (simulationId === undefined) return undefined
  const canonical = caches.simulations.get(simulationId)
  return canonical === undefined ? undefined : { simulationId, canonical }
}
