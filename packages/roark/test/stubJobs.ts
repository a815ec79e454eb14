/**
 * Wire values for the tests that run the driver over a stub client (`readPinned`, `trackPinned`,
 * `resultsPinned`): marked evaluator names, personas, and simulation jobs of a finished call.
 */
import type { RoarkWire } from "../src/index.js"

export const evaluator = (id: string) => `[simbridge:evaluator:${id}:0a1b2c3d]`

export const persona = (id: string, extra: Partial<RoarkWire.Persona> = {}): RoarkWire.Persona => ({
  id: `p-${id}`, name: id, language: "EN", accent: "US", gender: "FEMALE", description: `[simbridge:persona:${id}:0a1b]`, ...extra
})

/** A completed simulation job of Sarah's booking call, with `fields` over it (keys stay in place). */
export const simulationJob = (simulationJobId: string, callId: string, fields: Partial<RoarkWire.SimulationJob>): RoarkWire.SimulationJob => ({
  simulationJobId,
  status: "COMPLETED",
  processingStatus: "COMPLETED",
  callId,
  roarkPhoneNumber: "+14155551000",
  persona: persona("sarah"),
  scenario: { id: "sc-1", description: "Booking [simbridge:scenario:booking:9f9f]" },
  agentEndpoint: { id: "ep-1", name: "PHONE", phoneNumber: "+15555551234", type: "PHONE" },
  runPlan: { id: "plan-1", variables: { simbridgeRunMarker: "sb-x" } },
  createdAt: "2026-01-01T00:00:00Z",
  startedAt: "2026-01-01T00:00:01Z",
  completedAt: "2026-01-01T00:03:00Z",
  ...fields
})
