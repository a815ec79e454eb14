/**
 * Provisioning a plan on Cekura. The target agent is read; each persona runs as a personality of
 * Cekura's catalogue (the plan's pin, else the closest one: Cekura cannot create personalities
 * through its API); each scenario x persona gets a test profile and a scenario. Both follow core's
 * `Provisioning.findOrCreate`: a test profile is recognised by the pair in its name and is current
 * when the name carries its information's hash (Cekura cannot update one, so a changed one is
 * replaced); a scenario is recognised by its `sb-scenario` / `sb-persona` tags and is current when
 * it carries the `sb-hash` of the body simbridge would send (a changed one is updated in place).
 */
import { Plan, type ProviderError, type ProviderRef, Provisioning, type Warning } from "@simbridge/core"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type * as CekuraClient from "../CekuraClient.js"
import * as Wire from "../CekuraWire.js"
import { type Memory, rememberPlan, resolveAgent } from "./reads.js"
import {
  metricsOf,
  personalityFor,
  provider,
  refKey,
  scenarioBody,
  scenarioTags,
  settingsOf,
  testProfileInformation,
  testProfileMarker,
  testProfileName
} from "./requests.js"

/** Provisions `plan` (idempotent: a second call with the same plan reuses every object). */
export const provision = (
  client: CekuraClient.Service,
  contexts: Memory["contexts"],
  plan: Plan.Plan
): Effect.Effect<typeof Provisioning.Provisioning.Encoded, ProviderError.ProviderError> =>
  Effect.gen(function*() {
    const operation = "provision"
    const { options, target } = yield* settingsOf(plan, operation)
    const metrics = metricsOf(options)
    const agent = yield* resolveAgent(client, operation, target)
    const catalogue = yield* client.listPersonalities()
    const refs: Record<string, typeof ProviderRef.ProviderRef.Encoded> = {}
    const warnings: Array<typeof Warning.Warning.Encoded> = []
    const outcomes: Array<Provisioning.Outcome> = []
    refs[refKey.agent] = { provider, kind: "agent", id: String(agent.id) }

    const personalities = new Map<string, Wire.Personality>()
    for (const [i, persona] of plan.personas.entries()) {
      const { personality, warning } = yield* personalityFor(operation, persona, i, options, catalogue)
      if (warning !== undefined) warnings.push(warning)
      personalities.set(persona.id, personality)
      refs[Provisioning.key.persona(persona.id)] = { provider, kind: "personality", id: String(personality.id) }
    }
    for (const e of plan.evaluators) {
      refs[Provisioning.key.evaluator(e.id)] = metrics[e.id] !== undefined
        ? { provider, kind: "metric", id: String(metrics[e.id]) }
        : { provider, kind: "expected-outcome", id: e.id }
    }

    const profiles = yield* client.listTestProfiles({ agentId: agent.id })
    const existing = Chunk.toReadonlyArray(yield* Stream.runCollect(
      client.all("listScenarios", client.listScenarios({ agentId: agent.id, tags: ["simbridge"], pageSize: 100 }), Wire.Scenario)
    ))

    for (const s of plan.scenarios) {
      for (const p of plan.personas) {
        const information = testProfileInformation(s, p)
        const name = testProfileName(s, p, information)
        const marker = testProfileMarker(s, p)
        const profile = yield* Provisioning.findOrCreate({
          found: profiles.find((x) => x.name === name) ?? profiles.find((x) => x.name.startsWith(marker)),
          isCurrent: (x) => x.name === name,
          create: Effect.suspend(() => client.createTestProfile(new Wire.CreateTestProfileRequest({ agent: agent.id, name, information })))
        })
        outcomes.push(profile.outcome)
        refs[refKey.testProfile(s.id, p.id)] = { provider, kind: "test-profile", id: String(profile.object.id) }

        const desired = scenarioBody(plan, s, p, { personality: personalities.get(p.id)!.id, testProfile: profile.object.id, metrics, options })
        const hash = Plan.definitionHash(desired)
        const tags = scenarioTags(plan, s, p, hash, metrics)
        const scenario = yield* Provisioning.findOrCreate({
          found: existing.find((x) => {
            const t = Wire.tagsOf(x)
            return t.includes(`sb-scenario:${s.id}`) && t.includes(`sb-persona:${p.id}`)
          }),
          isCurrent: (x) => Wire.tagsOf(x).includes(`sb-hash:${hash}`),
          create: Effect.suspend(() => client.createScenario(new Wire.CreateScenarioRequest({ ...desired, agent: agent.id, tags }))),
          update: (x) => Effect.suspend(() => client.updateScenario(x.id, new Wire.UpdateScenarioRequest({ ...desired, tags })))
        })
        outcomes.push(scenario.outcome)
        refs[refKey.pair(s.id, p.id)] = { provider, kind: "scenario", id: String(scenario.object.id) }
        if (p === plan.personas[0]) refs[Provisioning.key.scenario(s.id)] = { provider, kind: "scenario", id: String(scenario.object.id) }
      }
    }
    rememberPlan(contexts, plan, refs, metrics)
    return { provider, refs, ...Provisioning.count(outcomes), warnings }
  })
