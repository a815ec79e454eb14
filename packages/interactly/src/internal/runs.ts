/**
 * Runs: a run starts one simulation group per simulation (scenario x persona) with `runner_name`
 * set to the run's marker; its id is the group ids joined with `.`. `findRun` finds the groups
 * of a start whose response was lost by that marker; groups already started by this process are
 * remembered by marker (`Caches.started`), so a retried start only starts the missing ones.
 *
 * @internal
 */
import type { ProviderError, SimulationProvider } from "@simbridge/core"
import type * as Plan from "@simbridge/core/Plan"
import type * as Run from "@simbridge/core/Run"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as InteractlyClient from "../InteractlyClient.js"
import type { Options } from "../InteractlySuite.js"
import * as Wire from "../InteractlyWire.js"
import type { Caches } from "./caches.js"
import { snapshot } from "./groups.js"
import { findIn, groupIdsOf, pairsOf, settingsOf } from "./requests.js"

interface Started {
  readonly simulationId: string
  readonly scenario: string
  readonly persona: string
  readonly group: Wire.SimulationGroup
}

/** The run made of its started groups; the driver learns their simulations and the run's plan. */
const remember = (caches: Caches, plan: Plan.Plan, options: Options, groups: ReadonlyArray<Started>): typeof Run.Run.Encoded => {
  const runId = groups.map((g) => Wire.idOf(g.group)).join(".")
  for (const g of groups) {
    caches.groupSimulation.set(Wire.idOf(g.group), g.simulationId)
    caches.simulations.set(g.simulationId, { scenario: g.scenario, persona: g.persona })
  }
  caches.runPlans.set(runId, { plan, options })
  return snapshot(runId, groups.map((g) => g.group))
}

export const startRun = (client: InteractlyClient.Service, caches: Caches, input: SimulationProvider.StartRunInput): Effect.Effect<typeof Run.Run.Encoded, ProviderError.ProviderError> =>
  Effect.flatMap(settingsOf(input.plan, "startRun"), ({ options }) =>
    Effect.suspend(() => pairsOf(input)).pipe(
      Effect.flatMap((pairs) =>
        Effect.forEach(pairs, (pair) => {
          const key = `${input.marker}/${pair.simulationId}`
          const known = caches.started.get(key)
          return Effect.map(known !== undefined ? Effect.succeed(known) : client.runSimulation(pair.simulationId, { runner_name: input.marker }), (group) => {
            caches.started.set(key, group)
            return { ...pair, group }
          })
        })
      ),
      Effect.map((groups) => remember(caches, input.plan, options, groups))
    ))

/** The run started with `input.marker`, when every one of its groups is found (`runner_name`). */
export const findRun = (client: InteractlyClient.Service, caches: Caches, input: SimulationProvider.StartRunInput) =>
  Effect.gen(function*() {
    const { options } = yield* settingsOf(input.plan, "findRun")
    const pairs = yield* pairsOf(input)
    const found = yield* Effect.forEach(pairs, (pair) =>
      Effect.gen(function*() {
        const key = `${input.marker}/${pair.simulationId}`
        const known = caches.started.get(key)
        if (known) return Option.some({ ...pair, group: known })
        const hit = yield* findIn(
          (page) => Effect.map(client.listSimulationRuns(pair.simulationId, { page, size: 100 }), (l) => ({ items: l.simulation_groups, total: l.total })),
          (g) => g.runner_name === input.marker
        )
        if (Option.isSome(hit)) caches.started.set(key, hit.value)
        return Option.map(hit, (group) => ({ ...pair, group }))
      }))
    const all = Option.all(found)
    return Option.isNone(all) ? Option.none() : Option.some(remember(caches, input.plan, options, all.value))
  })

/** Stops every group of the run; a group that already finished answers 409: nothing is left to stop. */
export const cancelRun = (client: InteractlyClient.Service, id: string) =>
  Effect.flatMap(groupIdsOf("cancelRun", id), (ids) =>
    Effect.forEach(ids, (g) => client.stopSimulationRun(g).pipe(Effect.catchIf((e) => e.reason === "Conflict", () => Effect.void)), { discard: true }))
