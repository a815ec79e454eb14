/**
 * Requests: what the driver sends, built from the plan (the suite's target and options, one
 * simulation per scenario x persona, the pairs a run starts), and the helpers its reads share.
 *
 * @internal
 */
import { type Persona, Plan, ProviderError, type SimulationProvider } from "@simbridge/core"
import * as VendorSettings from "@simbridge/core/VendorSettings"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { name, Options, Target } from "../InteractlySuite.js"
import type * as Wire from "../InteractlyWire.js"
import * as Mapping from "./mapping.js"

export const invalid = (operation: string, description: string) =>
  ProviderError.make({ provider: name, operation, reason: "InvalidRequest", description })

/**
 * The suite's `target.interactly` and `vendors.interactly` (all optional), decoded strictly once
 * per plan, or `InvalidRequest` naming the field.
 */
export const settingsOf = VendorSettings.make({
  provider: name,
  target: Target,
  options: Options,
  targetExample: "{ workflowId: <24-hex ObjectId>, versionNumber?: <int> }"
})

/** A simulation group id (an ObjectId). */
export const groupIdPattern = /^[0-9a-f]{24}$/i
export const isGroupId = (g: string) => groupIdPattern.test(g)

export const groupIdsOf = (operation: string, id: string) => {
  const ids = id.split(".")
  return ids.every(isGroupId)
    ? Effect.succeed(ids)
    : Effect.fail(invalid(operation, `"${id}" is not an Interactly run id (simulation group ObjectIds joined with ".")`))
}

/**
 * `Effect.forEach` with `concurrency`, without forking when there is at most one element: a
 * concurrent forEach forks a fiber that manages the others and one per worker, each a copy of the
 * parent's fiber refs (merged back at the end), for no latency gained with one element.
 */
export const forEachConcurrent = <A, B, E, R>(items: Iterable<A>, f: (a: A, i: number) => Effect.Effect<B, E, R>, concurrency: number): Effect.Effect<Array<B>, E, R> => {
  const array = Array.isArray(items) ? items as ReadonlyArray<A> : [...items]
  return array.length <= 1 ? Effect.forEach(array, f) : Effect.forEach(array, f, { concurrency })
}

/** {@link forEachConcurrent}, discarding the results. */
export const forEachConcurrentDiscard = <A, B, E, R>(items: Iterable<A>, f: (a: A, i: number) => Effect.Effect<B, E, R>, concurrency: number): Effect.Effect<void, E, R> => {
  const array = Array.isArray(items) ? items as ReadonlyArray<A> : [...items]
  return array.length <= 1 ? Effect.forEach(array, f, { discard: true }) : Effect.forEach(array, f, { concurrency, discard: true })
}

export const simulationBody = (plan: Plan.Plan, target: Target, opts: Options, scenario: Plan.Plan["scenarios"][number], persona: Persona.Persona, callerId: string) => {
  const config = {
    name: `simbridge: ${scenario.name} / ${persona.name}`,
    selected_workflow: { workflow_id: target.workflowId, ...(target.versionNumber === undefined ? {} : { version_number: target.versionNumber }) },
    counter_workflow: {
      workflow_id: callerId,
      ...(opts.callerVersionNumber === undefined ? {} : { version_number: opts.callerVersionNumber }),
      dynamic_variables: { ...Mapping.personaVariables(persona), ...Mapping.scenarioVariables(scenario) }
    },
    number_of_simulations: plan.iterations,
    ...(plan.maxDurationSeconds === undefined ? {} : { timeout_seconds: plan.maxDurationSeconds }),
    ...(opts.maxEvents === undefined ? {} : { max_events: opts.maxEvents }),
    ...(plan.concurrency === undefined ? {} : { max_concurrent_runs: plan.concurrency }),
    assistant_starts_first: opts.assistantStartsFirst ?? plan.direction === "inbound",
    ...(opts.stopOnFailure === undefined ? {} : { stop_on_failure: opts.stopOnFailure }),
    run_by: "simbridge"
  }
  const logicalId = Mapping.simulationLogicalId(target.workflowId, scenario.id, persona.id, Plan.definitionHash(config))
  const description = `${plan.name}: ${scenario.name} / ${persona.name} (simbridge)`
  return { ...config, logical_id: logicalId, description } satisfies Wire.CreateSimulationRequest
}

/** Pages through a list until `find` matches (at most 20 pages). */
export const findIn = <A>(list: (page: number) => Effect.Effect<{ readonly items: ReadonlyArray<A>; readonly total: number | undefined }, ProviderError.ProviderError>, find: (a: A) => boolean) =>
  Effect.gen(function*() {
    for (let page = 1; page <= 20; page++) {
      const { items, total } = yield* list(page)
      const hit = items.find(find)
      if (hit !== undefined) return Option.some(hit)
      if (items.length < 100 || (total !== undefined && page * 100 >= total)) break
    }
    return Option.none<A>()
  })

export const pairsOf = (input: SimulationProvider.StartRunInput): Effect.Effect<ReadonlyArray<{ readonly scenario: string; readonly persona: string; readonly simulationId: string }>, ProviderError.ProviderError> => {
  const pairs: Array<{ readonly scenario: string; readonly persona: string; readonly simulationId: string }> = []
  for (const s of input.plan.scenarios) {
    for (const p of input.plan.personas) {
      const r = input.provisioning.refs[`simulation:${s.id}/${p.id}`]
      if (r === undefined) return Effect.fail(invalid("startRun", `the provisioning has no simulation for ${s.id}/${p.id}; provision the plan again`))
      pairs.push({ scenario: s.id, persona: p.id, simulationId: r.id })
    }
  }
  return Effect.succeed(pairs)
}

/** The value, or undefined when the vendor answers 404 (one step per read, no Option in between). */
export const optional = <A>(effect: Effect.Effect<A, ProviderError.ProviderError>): Effect.Effect<A | undefined, ProviderError.ProviderError> =>
  Effect.catchIf(effect, (e) => e.reason === "NotFound", () => Effect.succeed(undefined))
