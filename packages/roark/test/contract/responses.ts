/**
 * The response side of Roark's contract, from the SDK v2.31 response types: per route the adapter
 * reads, the required fields of the SDK's response (open shapes: more fields are allowed), the
 * error body the SDK reads, and the type-level check that the emulator's body builders produce what
 * those types describe.
 */
import type { Metric, Persona, Scenario } from "@simbridge/emulators/roark/Store"
import type * as Bodies from "@simbridge/emulators/roark/Bodies"
import type { LaterPersona, LaterProcessingStatus, WithLater } from "./later.js"
import type {
  CallGetByIDResponse,
  CallGetTranscriptResponse,
  CallListMetricsResponse,
  MetricCreateDefinitionResponse,
  MetricListDefinitionsResponse,
  SimulationJobGetByIDResponse,
  SimulationPersonaCreateResponse,
  SimulationPersonaListResponse,
  SimulationPersonaUpdateResponse,
  SimulationRunPlanCreateResponse,
  SimulationRunPlanGetByIDResponse,
  SimulationRunPlanJobGetByIDResponse,
  SimulationRunPlanJobListResponse,
  SimulationRunPlanJobStartResponse,
  SimulationRunPlanListResponse,
  SimulationRunPlanUpdateResponse,
  SimulationScenarioCreateResponse,
  SimulationScenarioGetByIDResponse,
  SimulationScenarioListResponse,
  SimulationScenarioUpdateResponse
} from "./sdk.js"
import { type AnyShape, type Assignable, type Expect, shape, variants, type Wire } from "./shape.js"

// ---------------------------------------------------------------------------------------------
// Types the SDK v2.31 does not have
// ---------------------------------------------------------------------------------------------

/**
 * `POST /v1/simulation/plan/job/{id}/cancel` (after v2.31; vendors/roark.md §6.2 from the later
 * SDKs): `data: { cancelled, simulationRunPlanJobId, status }`.
 */
export interface CancelResponse {
  data: { cancelled: boolean; simulationRunPlanJobId: string; status: SimulationRunPlanJobGetByIDResponse.Data["status"] }
}

/**
 * An error answer: the SDK turns any non-2xx into an `APIError` whose message is the body's
 * `message` (`core/error.ts` `makeMessage`); Roark's full error body is UNKNOWN, and the emulator's
 * `statusCode` and `error` are the documented choice (docs/providers/roark.md).
 */
export interface ErrorBody {
  statusCode: number
  error: string
  message: string
}

/** A simulation job of a job detail, with the values added after v2.31 (`later.ts`). */
type LaterSimulationJob<J extends { readonly persona: object; readonly processingStatus: string }> =
  & Omit<J, "persona" | "processingStatus">
  & { persona: WithLater<J["persona"], LaterPersona>; processingStatus: J["processingStatus"] | LaterProcessingStatus }

type JobDetail = SimulationRunPlanJobGetByIDResponse.Data
type JobDetailSimulationJob = SimulationRunPlanJobGetByIDResponse.Data.SimulationJob
type LaterJobDetail = Omit<JobDetail, "simulationJobs"> & { simulationJobs: Array<LaterSimulationJob<JobDetailSimulationJob>> }
type LaterSimulationJobRead = Omit<SimulationJobGetByIDResponse.Data, "persona"> & {
  persona: WithLater<SimulationJobGetByIDResponse.Data.Persona, LaterPersona>
}
type LaterPersonaData = WithLater<SimulationPersonaCreateResponse.Data, LaterPersona>

// ---------------------------------------------------------------------------------------------
// Field lists (SDK `src/resources/*.ts`, `*Response`)
// ---------------------------------------------------------------------------------------------

const persona = shape<LaterPersonaData>()({
  id: ["string"],
  accent: ["string"],
  backgroundNoise: ["string"],
  baseEmotion: ["string"],
  confirmationStyle: ["string"],
  createdAt: ["string"],
  gender: ["string"],
  hasDisfluencies: ["boolean"],
  idleMessageMaxSpokenCount: ["number"],
  idleMessageResetCountOnUserSpeechEnabled: ["boolean"],
  idleMessages: ["array", "null"],
  idleTimeoutSeconds: ["number"],
  intentClarity: ["string"],
  language: ["string"],
  memoryReliability: ["string"],
  name: ["string"],
  properties: ["object"],
  responseTiming: ["string"],
  speechClarity: ["string"],
  speechPace: ["string"],
  updatedAt: ["string"]
})

const pagination = shape<SimulationPersonaListResponse.Pagination>()({ hasMore: ["boolean"], nextCursor: ["string", "null"], total: ["number"] })

const scenario = shape<SimulationScenarioCreateResponse.Data>()(
  { id: ["string"], createdAt: ["string"], description: ["string", "null"], name: ["string", "null"], steps: ["array"], updatedAt: ["string"] },
  { nested: { steps: shape<SimulationScenarioCreateResponse.Data.Step>()({ content: ["string", "null"], nodeId: ["string"], type: ["string"] }) } }
)

const metricDefinition = shape<MetricCreateDefinitionResponse.Data>()({
  id: ["string"],
  description: ["string"],
  metricId: ["string"],
  name: ["string"],
  scope: ["string"],
  supportedContexts: ["array"],
  type: ["string"]
})

const ref = shape<{ id: string }>()({ id: ["string"] })

const runPlan = shape<SimulationRunPlanGetByIDResponse.Data>()(
  {
    id: ["string"],
    agentEndpoints: ["array"],
    createdAt: ["string"],
    direction: ["string"],
    endCallPhrases: ["array"],
    endCallReasons: ["array"],
    evaluators: ["array"],
    executionMode: ["string"],
    iterationCount: ["number"],
    maxConcurrentJobs: ["number"],
    maxSimulationDurationSeconds: ["number"],
    metrics: ["array"],
    name: ["string"],
    personas: ["array"],
    scenarios: ["array"],
    silenceTimeoutSeconds: ["number"],
    testCaseCount: ["number"],
    updatedAt: ["string"]
  },
  { nested: { agentEndpoints: ref, evaluators: ref, metrics: ref, personas: ref, scenarios: ref } }
)

const jobStart = shape<SimulationRunPlanJobStartResponse.Data>()({
  createdAt: ["string"],
  simulationRunPlanId: ["string"],
  simulationRunPlanJobId: ["string"],
  status: ["string"]
})

const simulationJob = shape<LaterSimulationJob<JobDetailSimulationJob>>()(
  {
    agentEndpoint: ["object"],
    createdAt: ["string"],
    persona: ["object"],
    processingStatus: ["string"],
    scenario: ["object"],
    simulationJobId: ["string"],
    status: ["string"]
  },
  {
    nested: {
      agentEndpoint: shape<SimulationRunPlanJobGetByIDResponse.Data.SimulationJob.AgentEndpoint>()({ id: ["string"], name: ["string"], phoneNumber: ["string", "null"], type: ["string"] }),
      persona,
      scenario: shape<SimulationRunPlanJobGetByIDResponse.Data.SimulationJob.Scenario>()({ id: ["string"] })
    }
  }
)

const call = shape<CallGetByIDResponse.Data>()(
  { id: ["string"], callDirection: ["string"], projectId: ["string"], startedAt: ["string"] },
  {
    nested: {
      agents: shape<CallGetByIDResponse.Data.Agent>()(
        { id: ["string"] },
        { nested: { endpoint: shape<CallGetByIDResponse.Data.Agent.Endpoint>()({ id: ["string"], environment: ["string"] }) } }
      )
    }
  }
)

type Participant = CallGetTranscriptResponse.Data["participants"][number]
const transcript = shape<CallGetTranscriptResponse.Data>()(
  { entries: ["array"], participants: ["array"], transcriptionSource: ["string", "null"] },
  {
    nested: {
      entries: shape<CallGetTranscriptResponse.Data.Entry>()({
        endOffsetMs: ["number"],
        participantId: ["string", "null"],
        role: ["string", "null"],
        startOffsetMs: ["number"],
        text: ["string"]
      }),
      participants: variants<Participant>()("type", {
        AGENT: shape<CallGetTranscriptResponse.Data.UnionMember0>()({ id: ["string"], agentId: ["string", "null"], type: ["string"] }),
        CUSTOMER: shape<CallGetTranscriptResponse.Data.UnionMember1>()({ id: ["string"], customerId: ["string", "null"], type: ["string"] }),
        SIMULATED_CUSTOMER: shape<CallGetTranscriptResponse.Data.UnionMember2>()({ id: ["string"], customerId: ["string", "null"], type: ["string"] }),
        BACKGROUND_SPEAKER: shape<CallGetTranscriptResponse.Data.UnionMember3>()({ id: ["string"], type: ["string"] })
      })
    }
  }
)

const callMetric = shape<CallListMetricsResponse.Data>()(
  {
    description: ["string"],
    metricDefinitionId: ["string"],
    metricId: ["string"],
    name: ["string"],
    scope: ["string"],
    type: ["string"],
    values: ["array"]
  },
  {
    nested: {
      values: shape<CallListMetricsResponse.Data.Value>()({
        computedAt: ["string"],
        confidence: ["number"],
        context: ["string"],
        value: ["number", "boolean", "string"]
      })
    }
  }
)

/** `{ data: <one> }`. */
const one = (data: AnyShape) => shape<{ data: object }>()({ data: ["object"] }, { nested: { data } })
/** `{ data: <many>, pagination }`. */
const page = (item: AnyShape) => shape<{ data: Array<object>; pagination: object }>()({ data: ["array"], pagination: ["object"] }, { nested: { data: item, pagination } })
/** `{ data: <many> }` (no pagination). */
const all = (item: AnyShape) => shape<{ data: Array<object> }>()({ data: ["array"] }, { nested: { data: item } })

/** The error body of any non-2xx answer. */
export const errorBody = shape<ErrorBody>()({ statusCode: ["number"], error: ["string"], message: ["string"] })

/**
 * The success answer of every route the adapter reads (routes folded as `RequestLog` folds them),
 * each with the SDK response type it is held to. A route missing here fails the contract test.
 */
export const responseContracts: Readonly<Record<string, { readonly sdk: string; readonly body: AnyShape }>> = {
  "GET /v1/persona": { sdk: "SimulationPersonaListResponse", body: page(persona) },
  "POST /v1/persona": { sdk: "SimulationPersonaCreateResponse", body: one(persona) },
  "PUT /v1/persona/:id": { sdk: "SimulationPersonaUpdateResponse", body: one(persona) },
  "GET /v1/simulation/scenario": { sdk: "SimulationScenarioListResponse", body: page(scenario) },
  "POST /v1/simulation/scenario": { sdk: "SimulationScenarioCreateResponse", body: one(scenario) },
  "PUT /v1/simulation/scenario/:id": { sdk: "SimulationScenarioUpdateResponse", body: one(scenario) },
  "GET /v1/simulation/scenario/:id": { sdk: "SimulationScenarioGetByIDResponse", body: one(scenario) },
  "GET /v1/metric/definitions": { sdk: "MetricListDefinitionsResponse", body: all(metricDefinition) },
  "POST /v1/metric/definitions": { sdk: "MetricCreateDefinitionResponse", body: one(metricDefinition) },
  "GET /v1/simulation/plan": { sdk: "SimulationRunPlanListResponse", body: page(runPlan) },
  "POST /v1/simulation/plan": {
    sdk: "SimulationRunPlanCreateResponse",
    body: one(shape<SimulationRunPlanCreateResponse.Data>()({ runPlan: ["object"] }, { nested: { runPlan, runPlanJob: jobStart } }))
  },
  "PUT /v1/simulation/plan/:id": { sdk: "SimulationRunPlanUpdateResponse", body: one(runPlan) },
  "GET /v1/simulation/plan/:id": { sdk: "SimulationRunPlanGetByIDResponse", body: one(runPlan) },
  "POST /v1/simulation/plan/:id/job": { sdk: "SimulationRunPlanJobStartResponse", body: one(jobStart) },
  "GET /v1/simulation/plan/jobs": {
    sdk: "SimulationRunPlanJobListResponse",
    body: shape<SimulationRunPlanJobListResponse>()(
      { data: ["array"], pagination: ["object"] },
      {
        nested: {
          data: shape<SimulationRunPlanJobListResponse.Data>()({
            createdAt: ["string"],
            simulationRunPlanId: ["string"],
            simulationRunPlanJobId: ["string"],
            status: ["string"],
            triggeredBy: ["string"]
          }),
          pagination: shape<SimulationRunPlanJobListResponse.Pagination>()({ hasMore: ["boolean"], total: ["number"] })
        }
      }
    )
  },
  "GET /v1/simulation/plan/job/:id": {
    sdk: "SimulationRunPlanJobGetByIDResponse",
    body: one(
      shape<LaterJobDetail>()(
        { createdAt: ["string"], simulationJobs: ["array"], simulationRunPlanId: ["string"], simulationRunPlanJobId: ["string"], status: ["string"] },
        { nested: { simulationJobs: simulationJob } }
      )
    )
  },
  "POST /v1/simulation/plan/job/:id/cancel": {
    sdk: "(after v2.31) CancelResponse",
    body: one(shape<CancelResponse["data"]>()({ cancelled: ["boolean"], simulationRunPlanJobId: ["string"], status: ["string"] }))
  },
  "GET /v1/call/:id": { sdk: "CallGetByIDResponse", body: one(call) },
  "GET /v1/call/:id/transcript": { sdk: "CallGetTranscriptResponse", body: one(transcript) },
  "GET /v1/call/:id/metrics": { sdk: "CallListMetricsResponse", body: all(callMetric) }
}

// ---------------------------------------------------------------------------------------------
// The emulator's body builders against the SDK types (compile-time)
// ---------------------------------------------------------------------------------------------

type Built<F extends (...args: never) => unknown> = Wire<ReturnType<F>, typeof Bodies.unknownStatus>

/**
 * What the emulator answers, as JSON carries it (without the unknown status it injects on purpose),
 * is assignable to the SDK's response type of its route, widened only by the values Roark added
 * after v2.31 (`later.ts`). `tsc -b` fails when the emulator drifts from the SDK.
 */
export type EmulatorFitsTheSdk = [
  Expect<Assignable<Wire<Persona>, LaterPersonaData>>,
  Expect<Assignable<Wire<Persona>, WithLater<SimulationPersonaListResponse.Data, LaterPersona>>>,
  Expect<Assignable<Wire<Persona>, WithLater<SimulationPersonaUpdateResponse.Data, LaterPersona>>>,
  Expect<Assignable<Wire<Scenario>, SimulationScenarioCreateResponse.Data>>,
  Expect<Assignable<Wire<Scenario>, SimulationScenarioGetByIDResponse.Data>>,
  Expect<Assignable<Wire<Scenario>, SimulationScenarioListResponse.Data>>,
  Expect<Assignable<Wire<Scenario>, SimulationScenarioUpdateResponse.Data>>,
  Expect<Assignable<Built<typeof Bodies.metricJson>, MetricCreateDefinitionResponse.Data>>,
  Expect<Assignable<Built<typeof Bodies.metricJson>, MetricListDefinitionsResponse.Data>>,
  Expect<Assignable<Wire<Pick<Metric, "metricId" | "description">>, Pick<MetricCreateDefinitionResponse.Data, "metricId" | "description">>>,
  Expect<Assignable<Built<typeof Bodies.planJson>, SimulationRunPlanGetByIDResponse.Data>>,
  Expect<Assignable<Built<typeof Bodies.planJson>, SimulationRunPlanCreateResponse.Data["runPlan"]>>,
  Expect<Assignable<Built<typeof Bodies.planJson>, SimulationRunPlanListResponse.Data>>,
  Expect<Assignable<Built<typeof Bodies.planJson>, SimulationRunPlanUpdateResponse.Data>>,
  Expect<Assignable<Built<typeof Bodies.jobStartJson>, SimulationRunPlanJobStartResponse.Data>>,
  Expect<Assignable<Built<typeof Bodies.jobStartJson>, NonNullable<SimulationRunPlanCreateResponse.Data["runPlanJob"]>>>,
  Expect<Assignable<Built<typeof Bodies.jobSummaryJson>, SimulationRunPlanJobListResponse.Data>>,
  Expect<Assignable<Built<typeof Bodies.jobJson>, LaterJobDetail>>,
  Expect<Assignable<Built<typeof Bodies.simJson>, LaterSimulationJobRead>>,
  Expect<Assignable<Built<typeof Bodies.cancelJson>, CancelResponse["data"]>>,
  Expect<Assignable<Built<typeof Bodies.callJson>, CallGetByIDResponse.Data>>,
  Expect<Assignable<Built<typeof Bodies.transcript>, CallGetTranscriptResponse.Data>>,
  Expect<Assignable<Built<typeof Bodies.callMetricsJson>, CallListMetricsResponse["data"]>>
]
