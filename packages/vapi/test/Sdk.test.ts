/**
 * Vapi's own SDK (`@vapi-ai/server-sdk` 2.0.1, unchanged) drives the emulator through a whole flow:
 * it creates what the adapter creates (a personality with a tester prompt, a scenario with inline
 * evaluations, a simulation, a suite assigned to the target), starts a run, polls it to its end,
 * reads the items, cancels, and meets each refusal the way the SDK maps it (400, 401, 402, 404,
 * 409). What the emulator answered the SDK is held to Vapi's OpenAPI file too.
 */
import { describe, expect, it } from "@effect/vitest"
import { Vapi, VapiClient as VapiSdk, VapiError } from "@vapi-ai/server-sdk"
import * as VapiEmulator from "@simbridge/emulators/VapiEmulator"
import * as Effect from "effect/Effect"
import { assistantId } from "./fixtures.js"
import * as Contract from "./support/contract.js"

/** The error a call fails with (the SDK throws), or a failure of the test when it succeeds. */
const refused = async (call: Promise<unknown>): Promise<VapiError> => {
  try {
    await call
  } catch (e) {
    if (e instanceof VapiError) return e
    throw e
  }
  throw new Error("expected the call to be refused")
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe("@vapi-ai/server-sdk 2.0.1 against the emulator", () => {
  it.scopedLive("a whole flow: create, start, poll to the end, read, cancel; each refusal as the SDK maps it", () =>
    Effect.gen(function*() {
      const handle = yield* VapiEmulator.start({ speed: 20, apiKey: "sk-sdk", recordExchanges: true })
      const vapi = new VapiSdk({ token: "sk-sdk", baseUrl: handle.url, maxRetries: 0 })
      const flow = yield* Effect.promise(async () => {
        const personality = await vapi.simulationPersonalities.personalityControllerCreate({
          name: "sb:pat #0123456789ab",
          assistant: { model: { provider: "openai", model: "gpt-4o", messages: [{ role: "system", content: "You are Pat, a frustrated caller." }] } },
          path: "simbridge"
        })
        const scenario = await vapi.simulationScenarios.scenarioControllerCreate({
          name: "sb:book #0123456789ab",
          instructions: "Book a table for two tonight.",
          evaluations: [
            { structuredOutput: { name: "booked", type: "ai", description: "The agent booked a table", schema: { type: "boolean", description: "The agent booked a table" } }, comparator: "=", value: true, required: true },
            { structuredOutput: { name: "polite", type: "ai", description: "Politeness 1-5", schema: { type: "number", description: "Politeness 1-5" } }, comparator: ">=", value: 3, required: false }
          ],
          targetOverrides: { variableValues: { guests: 2 }, maxDurationSeconds: 240 },
          toolMocks: [{ toolName: "lookupTable", result: "{\"free\":true}", enabled: true }],
          path: "simbridge"
        })
        const simulation = await vapi.simulations.simulationControllerCreate({ scenarioId: scenario.id, personalityId: personality.id, path: "simbridge" })
        const suite = await vapi.simulationSuites.simulationSuiteControllerCreate({
          name: "sb:plan #0123456789ab",
          simulationIds: [simulation.id],
          targetAssignments: [{ targetType: "assistant", targetId: assistantId }],
          path: "simbridge"
        })
        await vapi.simulationScenarios.scenarioControllerUpdate({ id: scenario.id, instructions: "Book a table for two tomorrow." })
        const listed = {
          personalities: await vapi.simulationPersonalities.personalityControllerFindAll(),
          scenarios: await vapi.simulationScenarios.scenarioControllerFindAll({ name: "book" }),
          simulations: await vapi.simulations.simulationControllerFindAll(),
          suites: await vapi.simulationSuites.simulationSuiteControllerFindAll()
        }
        const concurrency = await vapi.simulations.simulationControllerGetConcurrency()

        // Start (as the adapter does: an entry per simulation, named with the marker), poll to the end, read.
        const run = await vapi.simulationRuns.simulationRunControllerCreate({
          simulations: [{ type: "simulation", simulationId: simulation.id, name: "sb-mwt843gl-474f9fa0 Contract flow" }],
          target: { type: "assistant", assistantId },
          iterations: 2,
          transport: { provider: "vapi.websocket" }
        })
        const polled: Array<string> = []
        let ended = await vapi.simulationRuns.simulationRunControllerFindOne({ id: run.id })
        for (let i = 0; ended.status !== "ended" && i < 200; i++) {
          polled.push(ended.status)
          await sleep(20)
          ended = await vapi.simulationRuns.simulationRunControllerFindOne({ id: run.id })
        }
        const items = await vapi.simulationRuns.simulationRunControllerFindItems({ id: run.id })
        const item = await vapi.simulationRuns.simulationRunControllerFindItem({ id: run.id, itemId: items[0]!.id })
        await vapi.simulationRuns.simulationRunControllerGenerateSuggestions({ id: run.id, itemId: item.id, force: "true" })
        const suggested = await vapi.simulationRuns.simulationRunControllerFindItem({ id: run.id, itemId: item.id })
        const runs = await vapi.simulationRuns.simulationRunControllerFindAll({ targetId: assistantId, status: "ended" })

        // A run of the suite: cancel one item, then the run; cancelling the ended run is refused.
        const other = await vapi.simulationRuns.simulationRunControllerCreate({
          simulations: [{ type: "simulationSuite", simulationSuiteId: suite.id }],
          target: { type: "assistant", assistantId },
          iterations: 3
        })
        const oneItem = await vapi.simulationRuns.simulationRunControllerCancelItem({ id: other.id, itemId: other.simulationRunItemIds[0]! })
        const canceled = await vapi.simulationRuns.simulationRunControllerCancelGroup({ id: other.id })
        const again = await refused(vapi.simulationRuns.simulationRunControllerCancelGroup({ id: other.id }))

        // Refusals.
        const invalid = await refused(vapi.simulationScenarios.scenarioControllerCreate({
          name: "x",
          instructions: "y",
          evaluations: [{ structuredOutput: { name: "a", schema: { type: "boolean" } }, comparator: ">", value: true }]
        }))
        const wrongKey = await refused(new VapiSdk({ token: "sk-other", baseUrl: handle.url, maxRetries: 0 }).simulations.simulationControllerFindAll())
        const missing = await refused(vapi.simulationRuns.simulationRunControllerFindOne({ id: "00000000-0000-4000-8000-000000000000" }))
        const inUse = await refused(vapi.simulationPersonalities.personalityControllerRemove({ id: personality.id }))
        handle.setBillingFailure("insufficient_credits")
        const billing = await refused(vapi.simulationRuns.simulationRunControllerCreate({ simulations: [{ type: "simulationSuite", simulationSuiteId: suite.id }], target: { type: "assistant", assistantId } }))
        handle.setBillingFailure(undefined)

        // Deletes, in the order the references allow, each answering the deleted object.
        const copy = await vapi.simulationSuites.simulationSuiteControllerDuplicate({ id: suite.id })
        const deleted = [
          await vapi.simulationSuites.simulationSuiteControllerRemove({ id: copy.id }),
          await vapi.simulationSuites.simulationSuiteControllerRemove({ id: suite.id }),
          await vapi.simulations.simulationControllerRemove({ id: simulation.id }),
          await vapi.simulationScenarios.scenarioControllerRemove({ id: scenario.id }),
          await vapi.simulationPersonalities.personalityControllerRemove({ id: personality.id })
        ]
        const gone = await refused(vapi.simulationPersonalities.personalityControllerFindOne({ id: personality.id }))
        return { personality, scenario, simulation, suite, listed, concurrency, run, polled, ended, items, item, suggested, runs, other, oneItem, canceled, again, invalid, wrongKey, missing, inUse, billing, copy, deleted, gone }
      })

      expect(flow.listed.personalities.map((p) => p.id)).toContain(flow.personality.id)
      expect(flow.listed.scenarios.map((s) => s.id)).toEqual([flow.scenario.id])
      expect(flow.listed.simulations.map((s) => s.id)).toEqual([flow.simulation.id])
      expect(flow.listed.suites[0]!.targetAssignments).toEqual([{ targetType: "assistant", targetId: assistantId }])
      expect(flow.concurrency.concurrencyLimit).toBeGreaterThan(0)

      expect(flow.run.simulationRunItemIds).toHaveLength(2)
      expect(new URL(flow.run.url).hostname).toBe("dashboard.vapi.invalid")
      expect(flow.polled[0]).toBe("queued")
      expect(flow.ended.status).toBe("ended")
      expect(flow.ended.itemCounts!.passed + flow.ended.itemCounts!.failed).toBe(2)
      expect(flow.ended.simulations).toEqual([{ type: "simulation", simulationId: flow.simulation.id, name: "sb-mwt843gl-474f9fa0 Contract flow" }])
      // A suite entry is echoed with the suite's name (read-only in the spec).
      expect(flow.canceled.simulations).toEqual([{ type: "simulationSuite", simulationSuiteId: flow.suite.id, name: flow.suite.name }])
      expect(flow.items.map((i) => i.iterationNumber).sort()).toEqual([1, 2])
      for (const item of flow.items) {
        expect(["passed", "failed"]).toContain(item.status)
        expect(item.results!.evaluations.map((e) => e.name)).toEqual(["booked", "polite"])
        expect(new URL(item.metadata!.call!.recordingUrl!).hostname).toBe("recordings.vapi.invalid")
        expect(item.metadata!.scenario!.instructions).toBe("Book a table for two tomorrow.")
      }
      expect(flow.suggested.improvementSuggestions?.analysis).toBeDefined()
      expect(Array.isArray(flow.runs) ? flow.runs.map((r) => r.id) : []).toEqual([flow.run.id])

      expect(flow.oneItem.status).toBe("canceled")
      expect(flow.canceled.status).toBe("ended")
      expect(flow.canceled.itemCounts).toMatchObject({ total: 3, canceled: 3 })
      expect(flow.again.statusCode).toBe(400)
      expect(flow.again.body).toMatchObject({ message: "Run has already ended", statusCode: 400 })

      expect(flow.invalid.statusCode).toBe(400)
      expect(flow.wrongKey.statusCode).toBe(401)
      expect(flow.missing.statusCode).toBe(404)
      expect(flow.inUse).toBeInstanceOf(Vapi.ConflictError)
      expect(flow.billing).toBeInstanceOf(Vapi.PaymentRequiredError)
      expect(flow.billing.body).toMatchObject({ statusCode: 402, reason: "insufficient_credits" })
      expect(flow.copy.simulationIds).toEqual([flow.simulation.id])
      expect(flow.deleted.map((d) => d.id)).toEqual([flow.copy.id, flow.suite.id, flow.simulation.id, flow.scenario.id, flow.personality.id])
      expect(flow.gone.statusCode).toBe(404)

      // What the emulator answered the SDK, and what the SDK sent it accepted, fit Vapi's file.
      expect(Contract.check(handle.requests.exchanges, { requests: "accepted" }).problems.join("\n")).toBe("")
    }))
})
