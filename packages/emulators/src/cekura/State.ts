/**
 * The emulator's state (agents, scenarios, test profiles, results and their runs, with Cekura's
 * integer ids), the built-in personality and metric catalogues, and Cekura's time formats.
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
  readonly name: string
  readonly prompt: string
  readonly language: string
  readonly accent: string
  readonly background_noise: string
  readonly gender: "male" | "female"
}

/** The built-in personality catalogue (personalities cannot be created through the API). */
export const personalities: ReadonlyArray<PersonalityRec> = [
  { id: 1, name: "Normal Male (American)", language: "en", accent: "american", background_noise: "none", gender: "male", prompt: "A calm male caller with a neutral mood." },
  { id: 2, name: "Normal Female (American)", language: "en", accent: "american", background_noise: "none", gender: "female", prompt: "A calm female caller with a neutral mood." },
  { id: 3, name: "Frustrated Female (American, office)", language: "en", accent: "american", background_noise: "office", gender: "female", prompt: "A frustrated female caller in a noisy office." },
  { id: 4, name: "Rushed Male (British, street)", language: "en", accent: "british", background_noise: "street", gender: "male", prompt: "A rushed male caller walking down a busy street." },
  { id: 5, name: "Confused Female (American)", language: "en", accent: "american", background_noise: "none", gender: "female", prompt: "A confused elderly female caller." },
  { id: 6, name: "Calm Male (Indian)", language: "en", accent: "indian", background_noise: "none", gender: "male", prompt: "A calm male caller with an Indian accent." },
  { id: 7, name: "Cheerful Female (Australian, cafe)", language: "en", accent: "australian", background_noise: "cafe", gender: "female", prompt: "A cheerful female caller in a cafe." },
  { id: 8, name: "Angry Male (American, car)", language: "en", accent: "american", background_noise: "car", gender: "male", prompt: "An angry male caller driving a car." },
  { id: 9, name: "Spanish Female", language: "es", accent: "spanish", background_noise: "none", gender: "female", prompt: "A female caller speaking Spanish." },
  { id: 10, name: "German Male (car)", language: "de", accent: "german", background_noise: "car", gender: "male", prompt: "A male caller speaking German while driving." },
  { id: 11, name: "French Female", language: "fr", accent: "french", background_noise: "none", gender: "female", prompt: "A female caller speaking French." },
  { id: 12, name: "Hindi Male", language: "hi", accent: "indian", background_noise: "none", gender: "male", prompt: "A male caller speaking Hindi." }
]

/** Metrics the emulator knows by id; any other id is a binary metric named `Metric <id>`. */
export const metricCatalogue: Record<number, { readonly name: string; readonly type: "binary" | "numeric" }> = {
  1: { name: "Instruction Following", type: "binary" },
  2: { name: "Customer Satisfaction", type: "numeric" },
  3: { name: "Appointment Booked", type: "binary" }
}

export const iso = (ms: number) => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z")

export class State {
  agents = new Map<number, AgentRec>()
  scenarios = new Map<number, ScenarioRec>()
  profiles = new Map<number, TestProfileRec>()
  results = new Map<number, ResultRec>()
  runs = new Map<number, RunRec>()
  nextScenario = 101
  nextProfile = 20
  nextResult = 167
  nextRun = 274

  constructor(now: number) {
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
