/**
 * Starting a run of the provisioned suite, and finding it again by its marker when the answer to
 * its creation was lost (`findRun`): the run's one entry is named `<marker> <plan name>`.
 *
 * @internal
 */
import { Provisioning, type SimulationProvider } from "@simbridge/core"
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

/**
 * `startRun`: creates the run, its entry named after the marker. `attempts` holds when each marker's
 * creation was first attempted until its run is known, for `findRun`.
 */
export const startRun = (client: VapiClient.Service, attempts: Lru<string, number>): SimulationProvider.Driver["startRun"] =>
({ marker, plan, provisioning }) =>
  Effect.gen(function*() {
    const { target } = yield* Requests.settingsOf(plan, "startRun")
    const suite = provisioning.refs[Provisioning.key.plan]
    if (suite === undefined || suite.kind !== "suite") {
      return yield* Requests.invalid("startRun", "the provisioning has no Vapi suite (key \"plan\"); provision the plan first")
    }
    if (attempts.peek(marker) === undefined) attempts.set(marker, yield* Clock.currentTimeMillis)
    const created = yield* client.runs.create(Requests.runStart(marker, plan, suite.id, target))
    attempts.delete(marker)
    const run = toRun(created, { url: created.url, message: created.message, items: created.simulationRunItemIds?.length ?? 0 })
    return { ...run, marker: run.marker ?? marker }
  })

/**
 * `findRun`: the runs of the target created since the marker's first attempt, the one whose entry
 * carries the marker; if Vapi replaced the entry's name, a single unmarked run of the suite since
 * the attempt is taken as ours.
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
    const suiteId = provisioning.refs[Provisioning.key.plan]?.id
    const entries = (run: (typeof page.items)[number]) => run.simulations ?? []
    const withMarker = page.items.find((r) => entries(r).some((e) => (e.name ?? "").includes(marker)))
    const unmarked = page.items.filter((r) =>
      entries(r).some((e) => e.simulationSuiteId === suiteId) && !entries(r).some((e) => Requests.markerPattern.test(e.name ?? ""))
    )
    const found = withMarker ?? (unmarked.length === 1 ? unmarked[0] : undefined)
    if (found === undefined) return Option.none()
    attempts.delete(marker)
    return Option.some({ ...toRun(found), marker })
  })
