import { afterAll, describe, expect, it } from "@effect/vitest"
import * as RegistryEntry from "@simbridge/conformance/RegistryEntry"
import { Persona, Plan, ProviderRef, SimulationProvider } from "@simbridge/core"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as CekuraClient from "../src/CekuraClient.js"
import * as CekuraEmulator from "@simbridge/emulators/CekuraEmulator"
import * as CekuraSuite from "../src/CekuraSuite.js"
import * as CekuraProvider from "../src/CekuraProvider.js"
import * as Wire from "../src/CekuraWire.js"
import { dentalClinic } from "./fixtures/dentalClinic.js"
import { apiKey, httpLayer, seen } from "./support/setup.js"
import * as Contract from "./support/contract.js"

const dental = Schema.decodeUnknownSync(Plan.Plan)(dentalClinic)
const withPlan = (patch: Record<string, unknown>) => Schema.decodeUnknownSync(Plan.Plan)({ ...dentalClinic, ...patch })

const watch = { interval: "10 millis", maxInterval: "50 millis" } as const

/** An emulator, and a provider layer factory for it (a new layer is a new driver with cold caches). */
const emulator = (options: CekuraEmulator.Options = {}) =>
  Effect.map(CekuraEmulator.start({ speed: 200, apiKey, failureRate: 0, ...options }), (handle) => ({
    handle,
    provider: CekuraProvider.layer({ baseUrl: handle.url, apiKey: Redacted.make(apiKey), watch, pageSize: 1 }).pipe(Layer.provide(httpLayer))
  }))

const runToEnd = (plan: Plan.Plan) =>
  Effect.gen(function*() {
    const provider = yield* SimulationProvider.SimulationProvider
    const run = yield* provider.startRun(plan)
    const snapshots = Chunk.toReadonlyArray(yield* Stream.runCollect(provider.watch(run.ref)))
    const results = Chunk.toReadonlyArray(yield* Stream.runCollect(provider.results(run.ref)))
    return { run, last: snapshots[snapshots.length - 1]!, results }
  })

describe("CekuraProvider", () => {
  afterAll(() => {
    expect(Contract.describe(Contract.check(seen).failures)).toBe("")
    expect(Contract.check(seen).checked).toBeGreaterThan(50)
  })

  it.scopedLive("runs the shared example suite end to end", () =>
    Effect.gen(function*() {
      const { handle, provider } = yield* emulator()
      // Bulk reads of the results only (watch reads runs/bulk/ too, for verdicts of finished runs).
      let bulkBeforeResults = 0
      const { last, results, run } = yield* Effect.gen(function*() {
        const service = yield* SimulationProvider.SimulationProvider
        const run = yield* service.startRun(dental)
        const snapshots = Chunk.toReadonlyArray(yield* Stream.runCollect(service.watch(run.ref)))
        bulkBeforeResults = handle.requests.count("GET /test_framework/v1/runs/bulk/")
        const results = Chunk.toReadonlyArray(yield* Stream.runCollect(service.results(run.ref)))
        return { run, last: snapshots[snapshots.length - 1]!, results }
      }).pipe(Effect.provide(provider))
      expect(run.ref.toString()).toMatch(/^cekura:run:\d+$/)
      expect(run.name).toBe(`Dental clinic booking [${run.marker}]`)
      const voice = run.warnings.find((w) => w.code === "persona_from_catalogue")
      expect(voice?.message).toContain(`persona "anxious-sarah" becomes a Cekura personality speaking with the voice of the closest personality of Cekura's catalogue`)
      expect(voice?.field).toBe("personas[0]")
      expect(run.warnings.map((w) => w.code)).toContain("persona_attributes_not_native")
      expect(run.warnings.map((w) => w.code)).toContain("unsupported_max_duration")
      expect(last.status).toEqual({ unified: "completed", raw: "completed" })
      expect(last.counts.total).toBe(2)
      expect(results.map((r) => [r.scenario, r.persona, r.iteration])).toEqual([
        ["urgent-appointment", "anxious-sarah", 1],
        ["urgent-appointment", "anxious-sarah", 2]
      ])
      for (const r of results) {
        expect(r.evaluations.map((e) => [e.evaluator, e.required])).toEqual([["booked", true], ["polite", false]])
        expect(r.verdict).toBe(r.evaluations[0]!.passed ? "pass" : "fail")
        expect(r.transcript[0]).toMatchObject({ role: "agent" })
        expect(r.transcript[1]).toMatchObject({ role: "caller", text: expect.stringContaining("I have a bad toothache and want the earliest appointment this week.") })
        expect(r.recordingUrl).toMatch(/\.wav$/)
        expect(r.durationSeconds).toBeGreaterThan(0)
      }
      expect(last.counts.passed).toBe(results.filter((r) => r.verdict === "pass").length)
      expect(last.providerMetadata?.["successRatePercent"]).toBeTypeOf("number")
      // pageSize 1: one list + one bulk request per result
      expect(handle.requests.count("GET /test_framework/v1/runs/bulk/") - bulkBeforeResults).toBe(2)
    }))

  it.scopedLive("sends what the plan says to the run trigger", () =>
    Effect.gen(function*() {
      const { handle, provider } = yield* emulator()
      const { run } = yield* runToEnd(dental).pipe(Effect.provide(provider))
      const client = yield* CekuraClient.make({ baseUrl: handle.url, apiKey: Redacted.make(apiKey) })
      const detail = yield* client.getResult(Number(run.ref.id))
      expect(detail.agent).toBe(2142)
      const scenario = yield* client.getScenario(Wire.scenarioIdOf(detail.runs[0]!.scenario)!)
      // the persona's own personality, with the voice of the closest catalogue one (#3, American, female, office)
      const personality = (yield* client.listPersonalities()).find((p) => p.id === scenario.personality)!
      expect(personality.name).toMatch(/^Sarah Johnson \[sb-persona:anxious-sarah#[0-9a-f]+\]$/)
      expect({ ...personality }).toMatchObject({
        prompt: Persona.describe(dental.personas[0]!),
        language: "en",
        accent: "american",
        background_noise: "office",
        voice_model: "eleven_turbo_v2_5",
        voice_id: "female_en_3",
        provider: "11labs",
        project: 1
      })
      expect(scenario.expected_outcome_prompt).toBe([
        "[booked] The agent booked an appointment for the caller",
        "[polite] (optional) The agent stayed polite throughout, on a 1-5 scale (expected >= 4)"
      ].join("\n"))
      expect(scenario.instructions).toContain("Caller persona:\nYou are Sarah Johnson, the caller.")
      expect(Wire.tagsOf(scenario)).toEqual(expect.arrayContaining(["simbridge", "sb-scenario:urgent-appointment", "sb-persona:anxious-sarah"]))
      const profiles = yield* client.listTestProfiles({ agentId: 2142 })
      expect(profiles).toHaveLength(1)
      expect(profiles[0]!.information).toEqual({
        main_agent_variables: { patientName: "Sarah" },
        testing_agent_variables: { name: "Sarah Johnson", backstory: "A busy professional calling during lunch break", age: 35, zipCode: "94105" }
      })
      const raw = (yield* client.listResults({ agentId: 2142 })).results[0]!
      expect(raw.name).toBe(run.name)
    }).pipe(Effect.provide(httpLayer)))

  it.scopedLive("provisioning is idempotent and updates what changed", () =>
    Effect.gen(function*() {
      const { provider } = yield* emulator()
      yield* Effect.gen(function*() {
        const sp = yield* SimulationProvider.SimulationProvider
        // a personality, a test profile and a scenario
        const first = yield* sp.provision(dental)
        expect([first.created, first.updated, first.reused]).toEqual([3, 0, 0])
        const again = yield* sp.provision(dental)
        expect([again.created, again.updated, again.reused]).toEqual([0, 0, 3])
        const changed = yield* sp.provision(withPlan({ evaluators: [dentalClinic.evaluators[0], { ...dentalClinic.evaluators[1], required: true }] }))
        expect([changed.created, changed.updated, changed.reused]).toEqual([0, 1, 2])
        expect(changed.refs["scenario:urgent-appointment"]!.toString()).toBe(first.refs["scenario:urgent-appointment"]!.toString())
        expect(first.refs["persona:anxious-sarah"]!.toString()).toMatch(/^cekura:personality:\d+$/)
        expect(first.refs["persona:anxious-sarah"]!.id).not.toBe("3")
        expect(first.refs["evaluator:booked"]!.kind).toBe("expected-outcome")
        // Cekura can update neither a personality nor a test profile: a changed persona replaces
        // both (updates), and the scenario that points at them is updated.
        const persona = { ...dentalClinic.personas[0], backstory: "Calling from the car" }
        const replaced = yield* sp.provision(withPlan({ personas: [persona] }))
        expect([replaced.created, replaced.updated, replaced.reused]).toEqual([0, 3, 0])
        expect(replaced.refs["persona:anxious-sarah"]!.id).not.toBe(first.refs["persona:anxious-sarah"]!.id)
        expect(replaced.refs["testProfile:urgent-appointment/anxious-sarah"]!.id).not.toBe(first.refs["testProfile:urgent-appointment/anxious-sarah"]!.id)
        expect(replaced.refs["scenario:urgent-appointment"]!.id).toBe(first.refs["scenario:urgent-appointment"]!.id)
        const back = yield* sp.provision(withPlan({ personas: [persona] }))
        expect([back.created, back.updated, back.reused]).toEqual([0, 0, 3])
      }).pipe(Effect.provide(provider))
    }))

  it.scopedLive("judges evaluators mapped to Cekura metrics by the metric", () =>
    Effect.gen(function*() {
      const { provider } = yield* emulator()
      const plan = withPlan({ vendors: { cekura: { metrics: { booked: 3, polite: 2 } } } })
      const { results } = yield* runToEnd(plan).pipe(Effect.provide(provider))
      for (const r of results) {
        const [booked, polite] = r.evaluations
        expect(booked).toMatchObject({ evaluator: "booked", name: "Appointment Booked", required: true })
        expect(typeof booked!.actual).toBe("boolean")
        expect(booked!.passed).toBe(booked!.actual)
        expect(polite).toMatchObject({ evaluator: "polite", name: "Customer Satisfaction", required: false })
        expect(polite!.passed).toBe((polite!.actual as number) >= 4)
      }
    }))

  it.scopedLive("a new driver recovers canonical ids from the scenario tags and prompt", () =>
    Effect.gen(function*() {
      const { provider } = yield* emulator()
      const { results: before, run } = yield* runToEnd(dental).pipe(Effect.provide(provider))
      const after = yield* Effect.flatMap(SimulationProvider.SimulationProvider, (sp) => Stream.runCollect(sp.results(run.ref))).pipe(Effect.provide(provider))
      expect(Chunk.toReadonlyArray(after).map((r) => [r.scenario, r.persona, r.iteration, r.verdict, r.evaluations.map((e) => [e.evaluator, e.required, e.passed])]))
        .toEqual(before.map((r) => [r.scenario, r.persona, r.iteration, r.verdict, r.evaluations.map((e) => [e.evaluator, e.required, e.passed])]))
    }))

  it.scopedLive("finds a run by its marker, runs chat plans as text and targets by assistant id", () =>
    Effect.gen(function*() {
      const { handle } = yield* emulator()
      const client = CekuraClient.layer({ baseUrl: handle.url, apiKey: Redacted.make(apiKey) })
      yield* Effect.gen(function*() {
        const driver = yield* CekuraProvider.make()
        const plan = withPlan({ transport: "chat", target: { cekura: { assistantId: "asst_1234567890" } } })
        const provisioning = Schema.decodeUnknownSync(Schema.typeSchema(Schema.Any))(yield* driver.provision(plan))
        const started = yield* driver.startRun({ plan, provisioning: provisioning as never, marker: "sb-test-marker" })
        expect(started.providerMetadata?.["agentId"]).toBe(1)
        expect(started.providerMetadata?.["runAsText"]).toBe(true)
        expect(handle.requests.count("POST /test_framework/v1/scenarios/run_scenarios_text/")).toBe(1)
        const found = yield* driver.findRun!({ plan, provisioning: provisioning as never, marker: "sb-test-marker" })
        expect(Option.map(found, (r) => r.ref.id)).toEqual(Option.some(started.ref.id))
        const none = yield* driver.findRun!({ plan, provisioning: provisioning as never, marker: "sb-other" })
        expect(Option.isNone(none)).toBe(true)
      }).pipe(Effect.provide(client), Effect.provide(httpLayer))
    }))

  it.scopedLive("warns when the agent's direction differs from the plan's", () =>
    Effect.gen(function*() {
      const { provider } = yield* emulator()
      const run = yield* Effect.flatMap(SimulationProvider.SimulationProvider, (sp) =>
        sp.startRun(withPlan({ direction: "outbound" }))).pipe(Effect.provide(provider))
      expect(run.warnings.find((w) => w.code === "direction_from_agent")?.field).toBe("direction")
    }))

  it.scopedLive("starts reuse the agent another start read for agentTtl (its warning included), then read it again", () =>
    Effect.gen(function*() {
      const handle = yield* CekuraEmulator.start({ speed: 200, apiKey, failureRate: 0 })
      const context = yield* Layer.build(CekuraClient.layer({ baseUrl: handle.url, apiKey: Redacted.make(apiKey) }).pipe(Layer.provide(httpLayer)))
      const provider = SimulationProvider.make(yield* Effect.provide(CekuraProvider.make({ agentTtl: "400 millis" }), context))
      const plan = withPlan({ direction: "outbound" })
      const provisioning = yield* provider.provision(plan)
      const reads = () => handle.requests.count("GET /test_framework/v1/aiagents/:id")
      const before = reads()
      const started = [yield* provider.startRun(plan, { provisioning }), yield* provider.startRun(plan, { provisioning })]
      expect(reads() - before).toBe(1)
      for (const run of started) expect(run.warnings.map((w) => w.code)).toContain("direction_from_agent")
      yield* Effect.sleep("500 millis")
      expect((yield* provider.startRun(plan, { provisioning })).warnings.map((w) => w.code)).toContain("direction_from_agent")
      expect(reads() - before).toBe(2)
    }))

  it.scopedLive("fails with InvalidRequest naming the suite field", () =>
    Effect.gen(function*() {
      const { provider } = yield* emulator()
      yield* Effect.gen(function*() {
        const sp = yield* SimulationProvider.SimulationProvider
        const missing = yield* Effect.flip(sp.provision(withPlan({ target: { vapi: { assistantId: "x" } } })))
        expect(missing.reason).toBe("InvalidRequest")
        expect(missing.description).toContain("target.cekura: missing")
        const bad = yield* Effect.flip(sp.provision(withPlan({ target: { cekura: { agentId: "abc" } } })))
        expect(bad.description).toMatch(/^target\.cekura\.agentId: /)
        const neither = yield* Effect.flip(sp.provision(withPlan({ target: { cekura: {} } })))
        expect(neither.description).toContain("agentId or assistantId is required")
        const option = yield* Effect.flip(sp.provision(withPlan({ vendors: { cekura: { mode: "shared" } } })))
        expect(option.description).toMatch(/^vendors\.cekura\.mode: /)
        const personality = yield* Effect.flip(sp.provision(withPlan({ vendors: { cekura: { personalities: { "anxious-sarah": 999 } } } })))
        expect(personality.description).toContain("vendors.cekura.personalities.anxious-sarah")
        const notRun = yield* Effect.flip(sp.getRun(ProviderRef.make("cekura", "run", "abc")))
        expect(notRun.reason).toBe("NotFound")
      }).pipe(Effect.provide(provider))
    }))

  it.scopedLive("a field the suite schemas do not know fails provision and startRun, naming it, before anything is sent", () =>
    Effect.gen(function*() {
      const { handle, provider } = yield* emulator()
      yield* Effect.gen(function*() {
        const sp = yield* SimulationProvider.SimulationProvider
        const provisioning = yield* sp.provision(dental)
        handle.requests.reset()
        const typo = withPlan({ vendors: { cekura: { mdoe: "different_numbers" } } })
        const unexpected = `vendors.cekura.mdoe: is unexpected, expected: ${["personalities", "metrics", "mode", "outboundPhoneNumber", "agentNumber", "mockToolNames", "websocketUrl", "folderPath"].map((k) => `"${k}"`).join(" | ")}`
        const provisioned = yield* Effect.flip(sp.provision(typo))
        expect([provisioned.reason, provisioned.description]).toEqual(["InvalidRequest", unexpected])
        const started = yield* Effect.flip(sp.startRun(typo, { provisioning }))
        expect([started.reason, started.description]).toEqual(["InvalidRequest", unexpected])
        const target = yield* Effect.flip(sp.startRun(withPlan({ target: { cekura: { agentId: 2142, agentID: 2142 } } }), { provisioning }))
        expect([target.reason, target.description]).toEqual(["InvalidRequest", `target.cekura.agentID: is unexpected, expected: "agentId" | "assistantId"`])
        expect(handle.requests.total).toBe(0)
      }).pipe(Effect.provide(provider))
    }))

  it.scopedLive("cancels through end_calls", () =>
    Effect.gen(function*() {
      const { handle, provider } = yield* emulator({ speed: 1 })
      yield* Effect.gen(function*() {
        const sp = yield* SimulationProvider.SimulationProvider
        const run = yield* sp.startRun(dental)
        yield* sp.cancel(run.ref)
        expect(handle.requests.count(`POST /test_framework/v1/results/:id/end_calls/`)).toBe(1)
        const seen = yield* sp.getRun(run.ref)
        expect(seen.status).toEqual({ unified: "canceled", raw: "cancelled" })
        expect(seen.counts.skipped).toBe(2)
      }).pipe(Effect.provide(provider))
    }))

  it.scopedLive("the plugin builds the driver from explicit settings and from the environment", () =>
    Effect.gen(function*() {
      const handle = yield* CekuraEmulator.start({ speed: 200, apiKey, failureRate: 0 })
      yield* RegistryEntry.check({
        plugin: CekuraSuite.plugin,
        baseUrl: handle.url,
        apiKey: apiKey,
        env: (baseUrl, apiKey) => ({ CEKURA_API_KEY: apiKey, CEKURA_BASE_URL: baseUrl }),
        plan: dental
      })
    }).pipe(Effect.provide(httpLayer)))

  it("plugin exposes the registry contract", () => {
    expect(CekuraSuite.plugin.name).toBe("cekura")
    expect(CekuraSuite.plugin.env).toEqual(["CEKURA_API_KEY", "CEKURA_BASE_URL"])
    expect(Schema.decodeUnknownSync(CekuraSuite.plugin.targetSchema!)({ agentId: "2142" })).toEqual({ agentId: 2142 })
    expect(Schema.decodeUnknownSync(CekuraSuite.plugin.optionsSchema!)({})).toEqual({})
    expect(CekuraEmulator.plugin.vendor).toBe("cekura")
  })

  it("plugin.check says, without contacting Cekura, what of each persona comes from the catalogue", () => {
    const warnings = (plan: Plan.Plan) => CekuraSuite.plugin.check!(plan).map((w) => [`${w.code}@${w.field}`, w.message])
    expect(warnings(dental)).toEqual([[
      "persona_from_catalogue@personas[0]",
      `persona "anxious-sarah" becomes a Cekura personality speaking with the voice of the closest personality of Cekura's catalogue (chosen when it is provisioned); pin a catalogue personality with vendors.cekura.personalities`
    ]])
    const pinned = (pin: unknown) => warnings(withPlan({ vendors: { cekura: { personalities: { "anxious-sarah": pin } } } }))[0]![1]
    expect(pinned(7)).toMatch(/^persona "anxious-sarah" runs as Cekura's catalogue personality #7 \(vendors\.cekura\.personalities\): /)
    expect(pinned("7")).toContain("catalogue personality #7 ")
    expect(pinned("Cheerful Female (Australian, cafe)")).toContain(`catalogue personality "Cheerful Female (Australian, cafe)" `)
  })

  it.scopedLive("a suite's personas become personalities: one POST personalities/ per persona, none on the next run; pinned ones use the catalogue", () =>
    Effect.gen(function*() {
      const { handle, provider } = yield* emulator()
      const created = () => handle.requests.count("POST /test_framework/v1/personalities/")
      const plan = withPlan({
        personas: [
          dentalClinic.personas[0],
          { id: "calm-raj", name: "Raj Patel", language: "en", accent: "in", gender: "male" },
          { id: "ana", name: "Ana García", language: "es", backgroundNoise: "coffee_shop" }
        ]
      })
      yield* Effect.gen(function*() {
        const sp = yield* SimulationProvider.SimulationProvider
        const first = yield* sp.startRun(plan)
        expect(created()).toBe(3)
        const again = yield* sp.startRun(plan)
        expect(created()).toBe(3)
        expect(again.ref.id).not.toBe(first.ref.id)
        // the voices come from the closest catalogue personalities
        const client = yield* CekuraClient.CekuraClient
        const mine = (yield* client.listPersonalities()).filter((p) => p.name.includes("[sb-persona:"))
        expect(mine.map((p) => [p.name.split(" [")[0], p.language, p.accent ?? null, p.background_noise, p.voice_id])).toEqual([
          ["Sarah Johnson", "en", "american", "office", "female_en_3"],
          ["Raj Patel", "en", "indian", "none", "male_en_6"],
          ["Ana García", "es", "", "cafe", "female_es_9"]
        ])
        // a pinned persona (by name) runs as the catalogue personality and creates none
        const pinned = withPlan({ ...plan, vendors: { cekura: { personalities: { "calm-raj": "Calm Male (Indian)" } } } })
        const provisioning = yield* sp.provision(pinned)
        expect(provisioning.refs["persona:calm-raj"]!.toString()).toBe("cekura:personality:6")
        expect(created()).toBe(3)
      }).pipe(Effect.provide(provider))
    }))
})
