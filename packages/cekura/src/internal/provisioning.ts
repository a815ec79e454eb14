/**
 * Provisioning a plan on Cekura. The target agent is read; each persona becomes a personality
 * (unless the plan pins it to a catalogue one); each scenario x persona gets a test profile and a
 * scenario. All follow core's `Provisioning.findOrCreate`: a personality is recognised by the
 * `[sb-persona:<id>#` marker in its name and a test profile by the pair in its name, each current
 * when the name carries its definition's hash (Cekura cannot update either, so a changed one is
 * replaced); a scenario is recognised by its `sb-scenario` / `sb-persona` tags and is current when
 * it carries the `sb-hash` of the body simbridge would send (a changed one is updated in place).
 */
import { Plan, type ProviderError, type ProviderRef, Provisioning } from "@simbridge/core"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type * as CekuraClient from "../CekuraClient.js"
import * as Wire from "../CekuraWire.js"
import { type Memory, rememberPlan, resolveAgent } from "./reads.js"
import {
  fail,
  metricsOf,
  personalityBody,
  personalityDefinition,
  personalityMarker,
  personalityName,
  pinnedPersonality,
  provider,
  refKey,
  scenarioBody,
  scenarioTags,
  settingsOf,
  testProfileInformation,
  testProfileMarker,
  testProfileName,
  voiceFor
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
    const catalogue = yield* client.listPersonalities(agent.project === null || agent.project === undefined ? {} : { projectId: agent.project })
    const refs: Record<string, typeof ProviderRef.ProviderRef.Encoded> = {}
    const outcomes: Array<Provisioning.Outcome> = []
    refs[refKey.agent] = { provider, kind: "agent", id: String(agent.id) }

    const personalities = new Map<string, Wire.Personality>()
    for (const persona of plan.personas) {
      const pin = options.personalities?.[persona.id]
      if (pin !== undefined) {
        personalities.set(persona.id, yield* pinnedPersonality(operation, persona, pin, catalogue))
      } else {
        const definition = personalityDefinition(persona)
        const name = personalityName(persona, definition)
        const marker = personalityMarker(persona)
        const personality = yield* Provisioning.findOrCreate({
          found: catalogue.find((x) => x.name === name) ?? catalogue.filter((x) => x.name.includes(marker)).sort((a, b) => b.id - a.id)[0],
          isCurrent: (x) => x.name === name,
          create: Effect.suspend(() => {
            const voice = voiceFor(persona, catalogue)
            return voice === undefined
              ? Effect.fail(fail(operation, "NotFound", `persona "${persona.id}": no personality of the catalogue has a voice model to give its personality`))
              : client.createPersonality(personalityBody(persona, definition, voice, agent.project))
          })
        })
        outcomes.push(personality.outcome)
        personalities.set(persona.id, personality.object)
      }
      refs[Provisioning.key.persona(persona.id)] = { provider, kind: "personality", id: String(personalities.get(persona.id)!.id) }
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
    return { provider, refs, ...Provisioning.count(outcomes), warnings: [] }
  })
