/**
 * Starting a run of the provisioned simulations, finding it again by its marker when the answer to
 * its creation was lost (`findRun`): every entry is named `<marker> <plan name>`; and cancelling it.
 *
 * @internal
 */
import { type Plan, type ProviderError, type Provisioning, type SimulationProvider } from "@simbridge/core"
import type { Lru } from "@simbridge/core/Lru"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as VapiClient from "../VapiClient.js"
import * as Requests from "./requests.js"
import { toRun } from "./results.js"

/** How far back `findRun` looks for a marker it has no attempt time for (another process, or forgotten). */
const unknownAttemptLookback = 600_000
/** Slack before the first attempt (clock skew between this process and Vapi). */
const skew = 60_000

/** The plan's provisioned simulations, scenario by scenario and persona by persona; a missing one is named. */
const simulationsOf = (plan: Plan.Plan, provisioning: Provisioning.Provisioning) =>
  Effect.forEach(plan.scenarios.flatMap((s) => plan.personas.map((p) => Requests.simulationKey(s.id, p.id))), (key) => {
    const ref = provisioning.refs[key]
    return ref !== undefined && ref.kind === "simulation"
      ? Effect.succeed(ref.id)
      : Requests.invalid("startRun", `the provisioning has no Vapi simulation (key "${key}"); provision the plan first`)
  })

/**
 * `startRun`: creates the run of the plan's simulations, each entry named after the marker.
 * `attempts` holds when each marker's creation was first attempted until its run is known, for
 * `findRun`.
 */
export const startRun = (client: VapiClient.Service, attempts: Lru<string, number>): SimulationProvider.Driver["startRun"] =>
({ marker, plan, provisioning }) =>
  Effect.gen(function*() {
    const { target } = yield* Requests.settingsOf(plan, "startRun")
    const simulationIds = yield* simulationsOf(plan, provisioning)
    if (attempts.peek(marker) === undefined) attempts.set(marker, yield* Clock.currentTimeMillis)
    const created = yield* client.runs.create(Requests.runStart(marker, plan, simulationIds, target))
    attempts.delete(marker)
    const run = toRun(created, { url: created.url, message: created.message, items: created.simulationRunItemIds?.length ?? 0 })
    return { ...run, marker: run.marker ?? marker }
  })

/**
 * `findRun`: the runs of the target created since the marker's first attempt, the one whose entries
 * carry the marker; if Vapi dropped the entries' names, a single unmarked run of exactly the plan's
 * simulations since the attempt is taken as ours (none when there are several).
 */
export const findRun = (client: VapiClient.Service, attempts: Lru<string, number>): NonNullable<SimulationProvider.Driver["findRun"]> =>
({ marker, plan, provisioning }) =>
  Effect.gen(function*() {
    const { target } = yield* Requests.settingsOf(plan, "findRun")
    const since = (attempts.get(marker) ?? (yield* Clock.currentTimeMillis) - unknownAttemptLookback) - skew
    const page = yield* client.runs.list({
      targetType: target.assistantId !== undefined ? "assistant" : "squad",
      targetId: target.assistantId ?? target.squadId!,
      sortOrder: "DESC",
      limit: 50,
      createdAtGe: new Date(since).toISOString()
    })
    const ours = new Set(plan.scenarios.flatMap((s) => plan.personas.map((p) => provisioning.refs[Requests.simulationKey(s.id, p.id)]?.id)))
    const entries = (run: (typeof page.items)[number]) => run.simulations ?? []
    const withMarker = page.items.find((r) => entries(r).some((e) => (e.name ?? "").includes(marker)))
    const unmarked = page.items.filter((r) =>
      entries(r).length === ours.size && entries(r).every((e) => e.simulationId !== undefined && ours.has(e.simulationId)) &&
      !entries(r).some((e) => Requests.markerPattern.test(e.name ?? ""))
    )
    const found = withMarker ?? (unmarked.length === 1 ? unmarked[0] : undefined)
    if (found === undefined) return Option.none()
    attempts.delete(marker)
    return Option.some({ ...toRun(found), marker })
  })

/**
 * `cancelRun`: `PATCH /eval/simulation/run/{id}`. Vapi refuses to cancel a run that has ended (400
 * "Run has already ended", or 409 when a concurrent cancel won; VapiAI/gitops
 * `docs/learnings/simulations.md`): both mean nothing is left to cancel, so a run read as ended
 * after such a refusal is done; any other refusal stands.
 */
export const cancelRun = (client: VapiClient.Service): SimulationProvider.Driver["cancelRun"] => (id) =>
  client.runs.cancel(id).pipe(
    Effect.asVoid,
    Effect.catchIf(
      (e: ProviderError.ProviderError) => e.http?.status === 400 || e.http?.status === 409,
      (refused) => Effect.flatMap(client.runs.get(id), (run) => (run.status === "ended" ? Effect.void : Effect.fail(refused)))
    )
  )
