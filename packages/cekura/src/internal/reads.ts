/**
 * What the driver reads from Cekura outside tracking, and what it remembers of it between calls:
 * the target agent (which starts reuse for `agentTtl`), the canonical ids and evaluators of each
 * provisioned scenario, and the iteration of each run of a result. Each memory is an `Lru` whose
 * bound is one of `CekuraProvider.DriverOptions`.
 */
import type { Plan, ProviderError, ProviderRef, Result } from "@simbridge/core"
import type { Lru } from "@simbridge/core/Lru"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type * as CekuraClient from "../CekuraClient.js"
import type { Target } from "../CekuraSuite.js"
import * as Wire from "../CekuraWire.js"
import { contextFromScenario, evaluatorSpecs, fail, refKey, resultIdOf, type ScenarioContext } from "./requests.js"
import { iterations, toResult } from "./results.js"

type Client = CekuraClient.Service

/** The memories of this module (the tracking memory is `Tracking.State`). */
export interface Memory {
  /** Cekura scenario id -> the canonical scenario, persona and evaluators it stands for. */
  readonly contexts: Lru<number, ScenarioContext>
  /** Cekura result id -> the iteration of each of its runs, by run id. */
  readonly iterations: Lru<number, ReadonlyMap<number, number>>
  /** Target (`id:<agent id>` or `assistant:<assistant id>`) -> the agent a start read, and when. */
  readonly agents: Lru<string, { readonly agent: Wire.Agent; readonly at: number }>
}

/** The target's Cekura agent: read by id, or found by `assistant_id` in the agent list. */
export const resolveAgent = (client: Client, operation: string, target: Target): Effect.Effect<Wire.Agent, ProviderError.ProviderError> =>
  target.agentId !== undefined
    ? client.getAgent(target.agentId)
    : Stream.runCollect(client.all("listAgents", client.listAgents({ pageSize: 100 }), Wire.Agent)).pipe(
      Effect.flatMap((agents) =>
        Option.match(Chunk.findFirst(agents, (a) => a.assistant_id === target.assistantId), {
          onNone: () => Effect.fail(fail(operation, "NotFound", `target.cekura.assistantId: no Cekura agent has assistant_id ${target.assistantId}`)),
          onSome: Effect.succeed
        })
      )
    )

/**
 * `resolveAgent`, reused for `ttlMillis`: a suite starts many runs of one agent, and a start needs
 * only the agent's inbound setting (which decides a warning).
 */
export const recentAgent = (
  client: Client,
  agents: Memory["agents"],
  ttlMillis: number,
  operation: string,
  target: Target
): Effect.Effect<Wire.Agent, ProviderError.ProviderError> =>
  Effect.flatMap(Clock.currentTimeMillis, (now) => {
    const key = target.agentId !== undefined ? `id:${target.agentId}` : `assistant:${target.assistantId}`
    const known = agents.get(key)
    if (known !== undefined && now - known.at < ttlMillis) return Effect.succeed(known.agent)
    return Effect.map(resolveAgent(client, operation, target), (agent) => {
      agents.set(key, { agent, at: now })
      return agent
    })
  })

/** Remembers the canonical identity of every scenario a provisioning of `plan` refers to. */
export const rememberPlan = (
  contexts: Memory["contexts"],
  plan: Plan.Plan,
  refs: Readonly<Record<string, typeof ProviderRef.ProviderRef.Encoded>>,
  metrics: Readonly<Record<string, number>>
): void => {
  for (const s of plan.scenarios) {
    for (const p of plan.personas) {
      const ref = refs[refKey.pair(s.id, p.id)]
      if (ref !== undefined) contexts.set(Number(ref.id), { scenario: s.id, persona: p.id, evaluators: evaluatorSpecs(plan, s, metrics) })
    }
  }
}

/**
 * The canonical identity of a Cekura scenario: remembered from a provisioning or a start, else read
 * back from the scenario's tags and prompt (a scenario simbridge did not make, or a deleted one, has
 * none).
 */
export const scenarioContext = (
  client: Client,
  contexts: Memory["contexts"],
  id: number | undefined
): Effect.Effect<ScenarioContext | undefined, ProviderError.ProviderError> => {
  if (id === undefined) return Effect.succeed(undefined)
  const cached = contexts.get(id)
  if (cached !== undefined) return Effect.succeed(cached)
  return client.getScenario(id).pipe(
    Effect.map((s) => {
      const ctx = contextFromScenario(s)
      if (ctx !== undefined) contexts.set(id, ctx)
      return ctx
    }),
    Effect.catchIf((e) => e.reason === "NotFound", () => Effect.succeed(undefined))
  )
}

/** The iterations of a result's runs, remembered or read from the result detail. */
const iterationsOf = (client: Client, memory: Memory["iterations"], resultId: number) => {
  const cached = memory.get(resultId)
  return cached !== undefined
    ? Effect.succeed(cached)
    : Effect.map(client.getResult(resultId), (detail) => {
      const map = iterations(detail.runs)
      memory.set(resultId, map)
      return map
    })
}

/**
 * One page of a result's runs as canonical results: the runs list for the page, `runs/bulk/` for
 * the runs themselves. A run the remembered iterations do not know (a rerun) reads them again.
 */
export const resultsPage = (
  client: Client,
  memory: Memory,
  pageSize: number,
  id: string,
  cursor: string | undefined,
  raw: boolean
): Effect.Effect<{ readonly results: ReadonlyArray<typeof Result.Result.Encoded>; readonly cursor: string | undefined }, ProviderError.ProviderError> =>
  Effect.gen(function*() {
    const resultId = yield* resultIdOf("listResults", id)
    const page = cursor === undefined
      ? yield* client.listRuns({ resultId, pageSize })
      : yield* client.nextPage("listRuns", cursor, Wire.RunListItem)
    const full = yield* client.bulkRuns(page.results.map((r) => r.id))
    const byId = new Map(full.map((r) => [r.id, r]))
    let its = yield* iterationsOf(client, memory.iterations, resultId)
    if (page.results.some((r) => !its.has(r.id))) {
      memory.iterations.delete(resultId)
      its = yield* iterationsOf(client, memory.iterations, resultId)
    }
    const results: Array<typeof Result.Result.Encoded> = []
    for (const item of page.results) {
      const run = byId.get(item.id)
      if (run === undefined) continue
      const ctx = yield* scenarioContext(client, memory.contexts, Wire.scenarioIdOf(run.scenario))
      results.push(toResult(resultId, run, ctx, its.get(run.id) ?? 1, raw))
    }
    return { results, cursor: page.next ?? undefined }
  })
