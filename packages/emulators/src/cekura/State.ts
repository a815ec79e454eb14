/**
 * The emulator's state (agents, personalities, scenarios, test profiles, results and their runs,
 * with Cekura's integer ids), the built-in personality and metric catalogues, and Cekura's time
 * formats.
 *
 * @internal
 */

export interface AgentRec {
  id: number
  agent_name: string
  inbound: boolean
  assistant_id: string | null
  contact_number: string
  description: string
  language: string
  project: number
  webhook_url: string | null
  created_at: string
  updated_at: string
}

export interface ScenarioRec {
  id: number
  name: string
  agent: number
  project: number | null
  personality: number
  instructions: string
  expected_outcome_prompt: string
  metrics: Array<number>
  tags: Array<string>
  test_profile: number | null
  folder_path: string | null
  first_message: string
  created_at: string
  updated_at: string
}

export interface TestProfileRec {
  id: number
  project: number | null
  agent: number | null
  name: string
  information: Record<string, unknown>
  created_at: string
  updated_at: string
}

export interface RunRec {
  id: number
  result: number
  index: number
  scenario: number
  personality: number
  testProfile: number | null
  iteration: number
  number: string | null
  inboundNumber: string | null
  agentNumber: string | null
  windowOpens: number | null
}

export interface ResultRec {
  id: number
  name: string
  agent: number
  runAsText: boolean
  createdAt: number
  concurrency: number
  cancelledAt: number | null
  runs: Array<number>
  settings: Record<string, unknown>
  webhookSent: boolean
}

export interface PersonalityRec {
  readonly id: number
  /** The owning project; null for the globally available catalogue. */
  readonly project: number | null
  readonly name: string
  readonly prompt: string
  readonly language: string
  readonly accent: string
  readonly background_noise: string
  readonly voice_model: string
  readonly voice_id: string
  readonly provider: "11labs" | "cartesia"
  readonly end_call_enabled: boolean
}

const catalogue = (
  id: number,
  name: string,
  language: string,
  accent: string,
  background_noise: string,
  gender: "male" | "female",
  prompt: string
): PersonalityRec => ({
  id, project: null, name, prompt, language, accent, background_noise, voice_model: "eleven_turbo_v2_5",
  voice_id: `${gender}_${language}_${id}`, provider: "11labs", end_call_enabled: true
})

/** The built-in, globally available personality catalogue; created personalities join it per emulator. */
export const personalities: ReadonlyArray<PersonalityRec> = [
  catalogue(1, "Normal Male (American)", "en", "american", "none", "male", "A calm male caller with a neutral mood."),
  catalogue(2, "Normal Female (American)", "en", "american", "none", "female", "A calm female caller with a neutral mood."),
  catalogue(3, "Frustrated Female (American, office)", "en", "american", "office", "female", "A frustrated female caller in a noisy office."),
  catalogue(4, "Rushed Male (British, street)", "en", "british", "street", "male", "A rushed male caller walking down a busy street."),
  catalogue(5, "Confused Female (American)", "en", "american", "none", "female", "A confused elderly female caller."),
  catalogue(6, "Calm Male (Indian)", "en", "indian", "none", "male", "A calm male caller with an Indian accent."),
  catalogue(7, "Cheerful Female (Australian, cafe)", "en", "australian", "cafe", "female", "A cheerful female caller in a cafe."),
  catalogue(8, "Angry Male (American, car)", "en", "american", "car", "male", "An angry male caller driving a car."),
  catalogue(9, "Spanish Female", "es", "spanish", "none", "female", "A female caller speaking Spanish."),
  catalogue(10, "German Male (car)", "de", "german", "car", "male", "A male caller speaking German while driving."),
  catalogue(11, "French Female", "fr", "french", "none", "female", "A female caller speaking French."),
  catalogue(12, "Hindi Male", "hi", "indian", "none", "male", "A male caller speaking Hindi.")
]

/** Metrics the emulator knows by id; any other id is a binary metric named `Metric <id>`. */
export const metricCatalogue: Record<number, { readonly name: string; readonly type: "binary" | "numeric" }> = {
  1: { name: "Instruction Following", type: "binary" },
  2: { name: "Customer Satisfaction", type: "numeric" },
  3: { name: "Appointment Booked", type: "binary" }
}

export const iso = (ms: number) => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z")

/** The instant result and run ids count from (2026-01-01T00:00:00Z). */
const idEpoch = Date.UTC(2026, 0, 1)
let lastFirstId = 0

/**
 * The first result and run id of an emulator started at `now`: 1,000 ids per millisecond since
 * 2026, so an emulator started after another never hands out the other's ids (the ledger keys runs
 * by their ref) unless the other gave out more than 1,000 a millisecond of its life; emulators
 * started in the same millisecond of one process are 1,000 apart. Outcomes do not depend on ids.
 */
export const firstId = (now: number): number => {
  const id = Math.max(1, Math.floor(now - idEpoch) * 1000, lastFirstId + 1000)
  lastFirstId = id
  return id
}

export class State {
  agents = new Map<number, AgentRec>()
  personalities = new Map<number, PersonalityRec>(personalities.map((p) => [p.id, p]))
  scenarios = new Map<number, ScenarioRec>()
  profiles = new Map<number, TestProfileRec>()
  results = new Map<number, ResultRec>()
  runs = new Map<number, RunRec>()
  nextPersonality = 1001
  nextAgent = 5001
  nextScenario = 101
  nextProfile = 20
  nextResult: number
  nextRun: number

  constructor(now: number) {
    this.nextResult = firstId(now)
    this.nextRun = this.nextResult
    const at = iso(now)
    const agent = (id: number, agent_name: string, inbound: boolean, assistant_id: string | null, contact_number: string): AgentRec => ({
      id, agent_name, inbound, assistant_id, contact_number, description: `${agent_name} (emulated)`, language: "en", project: 1, webhook_url: null, created_at: at, updated_at: at
    })
    this.agents.set(1, agent(1, "Customer Support Agent", true, "asst_1234567890", "+14155550101"))
    this.agents.set(2, agent(2, "Outbound Sales Agent", false, null, "+14155550102"))
    this.agents.set(2142, agent(2142, "Dental Clinic Receptionist", true, null, "+14155552142"))
    const scenario = (id: number, name: string, agentId: number, personality: number, instructions: string): ScenarioRec => ({
      id, name, agent: agentId, project: 1, personality, instructions, expected_outcome_prompt: "The agent resolves the caller's request.", metrics: [],
      tags: [], test_profile: null, folder_path: null, first_message: "Hello", created_at: at, updated_at: at
    })
    this.scenarios.set(1, scenario(1, "Customer Support Call (Agent Inbound = True)", 1, 2, "Ask for help with a billing question."))
    this.scenarios.set(2, scenario(2, "Outbound Sales Call (Agent Inbound = False)", 2, 1, "Answer the sales call and ask about pricing."))
  }

  agent(id: number, now: number): AgentRec {
    let a = this.agents.get(id)
    if (a === undefined) {
      a = {
        id, agent_name: `Agent ${id}`, inbound: true, assistant_id: null, contact_number: `+1415555${String(id % 10000).padStart(4, "0")}`,
        description: `Agent ${id} (emulated)`, language: "en", project: 1, webhook_url: null, created_at: iso(now), updated_at: iso(now)
      }
      this.agents.set(id, a)
    }
    return a
  }

  agentByAssistant(assistantId: string, now: number): AgentRec {
    for (const a of this.agents.values()) if (a.assistant_id === assistantId) return a
    let id = 3000
    while (this.agents.has(id)) id++
    const a = this.agent(id, now)
    a.assistant_id = assistantId
    return a
  }
}

/** Cekura's `mm:ss` durations (the driver parses them back in its mapping). */
export const formatDuration = (seconds: number): string => {
  const s = Math.max(0, Math.round(seconds))
  return `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`
}
