/**
 * The emulator's state (workflows, simulations, their groups of executions and the workflow runs
 * those have), the workflows it starts with, the server's config defaults, and Interactly's ids
 * and timestamps.
 *
 * @internal
 */
import { randomBytes } from "node:crypto"
import type * as Wire from "@simbridge/interactly/InteractlyWire"

/**
 * The example suite's target, pre-seeded with the evaluation criteria of the example evaluators,
 * and a second receptionist whose criterion `confirmed` is a yes/no one: its metric result carries
 * `passed` and no score (`yesNo`), what a number evaluator mapped to it is answered with.
 */
export const seededWorkflows: ReadonlyArray<{ readonly id: string; readonly name: string; readonly metrics: ReadonlyArray<string>; readonly yesNo?: ReadonlyArray<string> }> = [
  { id: "5eb7cf5a86d9755df3a6c593", name: "Dental clinic receptionist", metrics: ["booked", "polite"] },
  { id: "5eb7cf5a86d9755df3a6c594", name: "Dental clinic receptionist (yes/no criteria)", metrics: ["booked", "polite", "confirmed"], yesNo: ["confirmed"] }
]

/** Server defaults of `SimulationConfig` (the `max_events` default follows the SDK's server mirror). */
export const defaults = {
  timeout_seconds: 120,
  max_events: 3000,
  number_of_simulations: 1,
  max_concurrent_runs: 1,
  assistant_starts_first: true,
  stop_on_failure: false,
  status: "pending"
} as const

export const teamId = "67458e762b7d3dc15aaea5b5"
export const userId = "687b1a4f745c8e6806c98d91"

export interface WorkflowRecord {
  readonly id: string
  name: string
  description: string | null
  readonly logicalId: string
  readonly metrics: ReadonlyArray<string>
  /** Criteria judged yes/no only: their metric results have `passed` and no score. */
  readonly yesNo?: ReadonlySet<string> | undefined
  readonly createdAt: number
  updatedAt: number
}

export type Config = {
  -readonly [K in keyof Wire.SimulationConfig]-?: Exclude<Wire.SimulationConfig[K], undefined>
}

export interface SimulationRecord {
  readonly id: string
  readonly config: Config
  description: string | null
  status: string
  readonly createdAt: number
  updatedAt: number
  readonly groups: Array<string>
}

export interface GroupRecord {
  readonly id: string
  readonly simulationId: string
  readonly createdAt: number
  readonly runnerName: string | undefined
  stoppedAt: number | undefined
  readonly executions: ReadonlyArray<{ readonly id: string; readonly selectedRunId: string; readonly counterRunId: string }>
}

export const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z")

const processPart = randomBytes(5).toString("hex")
let counter = randomBytes(3).readUIntBE(0, 3)

/** A new 24-hex ObjectId (4-byte seconds, 5-byte process part, 3-byte counter), like MongoDB's. */
export const objectId = (now: number): string => {
  counter = (counter + 1) & 0xffffff
  return Math.floor(now / 1000).toString(16).padStart(8, "0").slice(-8) + processPart + counter.toString(16).padStart(6, "0")
}

export const isObjectId = (s: string | undefined): s is string => s !== undefined && /^[0-9a-f]{24}$/i.test(s)

export class Store {
  readonly workflows = new Map<string, WorkflowRecord>()
  readonly simulations = new Map<string, SimulationRecord>()
  readonly groups = new Map<string, GroupRecord>()
  /** Per workflow run id: its group, the execution's index and which side of the conversation it ran. */
  readonly workflowRuns = new Map<string, { readonly groupId: string; readonly index: number; readonly role: "selected" | "counter" }>()

  constructor() {
    for (const w of seededWorkflows) {
      this.workflows.set(w.id, { id: w.id, name: w.name, description: null, logicalId: `workflow_${w.id}`, metrics: w.metrics, yesNo: new Set(w.yesNo ?? []), createdAt: 0, updatedAt: 0 })
    }
  }
}
