/**
 * Results pages: a run's items as canonical results, with the canonical scenario, persona and
 * evaluator ids the driver remembers from provisioning (`Canonical`), recovered from the items'
 * snapshot names (or a lookup) when forgotten or never known.
 *
 * @internal
 */
import { ProviderError, type Result, type SimulationProvider } from "@simbridge/core"
import type { Lru } from "@simbridge/core/Lru"
import * as Effect from "effect/Effect"
import type * as VapiClient from "../VapiClient.js"
import { name as provider } from "../VapiSuite.js"
import * as VapiWire from "../VapiWire.js"
import { parseLabel } from "./requests.js"
import { type Slot, toResult } from "./results.js"

/**
 * What the driver remembers of the objects it provisioned (or recognised in items), each map
 * bounded (least recently used out; see `VapiProvider.DriverOptions`).
 */
export interface Canonical {
  /** Simulation id -> its canonical scenario and persona. */
  readonly slots: Lru<string, Slot>
  /** Scenario id -> canonical scenario id. */
  readonly scenarios: Lru<string, string>
  /** Personality id -> canonical persona id. */
  readonly personas: Lru<string, string>
  /** Evaluation name -> canonical evaluator id (they differ for ids over 40 characters). */
  readonly evaluators: Lru<string, string>
}

const fromName = (name: unknown) => parseLabel(typeof name === "string" ? name : undefined)?.id

/**
 * The canonical scenario and persona of an item whose simulation the driver does not remember:
 * from the scenario and personality ids it remembers, else from the `sb:` names of the item's
 * snapshots, else from those objects read by id. Remembered for the simulation's other items.
 */
export const slotOf = (client: VapiClient.Service, canonical: Canonical, item: VapiWire.RunItem): Effect.Effect<Slot, ProviderError.ProviderError> =>
  Effect.gen(function*() {
    let scenario = (item.scenarioId && canonical.scenarios.get(item.scenarioId)) || fromName(item.metadata?.scenario?.name)
    let persona = (item.personalityId && canonical.personas.get(item.personalityId)) || fromName(item.metadata?.personality?.name)
    if (scenario === undefined && item.scenarioId) scenario = fromName((yield* client.scenarios.get(item.scenarioId)).name)
    if (persona === undefined && item.personalityId) persona = fromName((yield* client.personalities.get(item.personalityId)).name)
    if (scenario === undefined || persona === undefined) {
      return yield* ProviderError.make({
        provider,
        operation: "listResults",
        reason: "MalformedResponse",
        description: `run item ${item.id}: its scenario or personality was not created by simbridge (no "sb:<id>" name), so its canonical scenario/persona is unknown`
      })
    }
    const slot = { scenario, persona }
    if (item.simulationId) canonical.slots.set(item.simulationId, slot)
    return slot
  })

/** One page of a run's items (`page` is the cursor, 1-based) as canonical results. */
export const listResults = (client: VapiClient.Service, canonical: Canonical, pageSize: number): SimulationProvider.Driver["listResults"] => {
  const evaluatorOf = (name: string) => canonical.evaluators.get(name) ?? name
  return (id, cursor, options) =>
    Effect.gen(function*() {
      const page = cursor === undefined ? 1 : Number(cursor)
      const items = yield* client.runs.items(id, { page, limit: pageSize, sortOrder: "ASC" })
      const raw = options?.raw ? items.raw : undefined
      const results: Array<typeof Result.Result.Encoded> = []
      for (const [i, item] of items.items.entries()) {
        // An effect only for the first item of a simulation not remembered.
        const known = item.simulationId === undefined ? undefined : canonical.slots.get(item.simulationId)
        results.push(toResult(id, item, known ?? (yield* slotOf(client, canonical, item)), evaluatorOf, raw?.[i]))
      }
      return { results, cursor: VapiWire.hasNextPage(items, page, pageSize) ? String(page + 1) : undefined }
    })
}
