/**
 * Roark's decode + map chain over the recorded payloads of one cold results read of a finished run
 * (section 3, `pure`): what the driver does to the bodies it reads, with no request and no Effect.
 *
 * - wire decode, through the schemas `RoarkClient` decodes those responses with (the compiled fast
 *   paths `RunPlanJobDetailResponse`, `CallResponse`, `TranscriptResponse`, `CallMetricsResponse`;
 *   the run plan, metric definition pages and looked-up scenarios, once per run, through theirs);
 * - the run's context as the driver recovers it (`RoarkProvider.recoveredContextOf`), each
 *   simulation job's iteration, scenario, status and evaluations (`iterations`, `knownScenario`
 *   and `scenarioFromLookup`, `statusOf`, `evaluationsOf`), the result (`RoarkProvider.toResult`);
 * - the canonical construction (`Result.unsafeFromEncoded`), as `SimulationProvider.results` does
 *   by default.
 *
 * @since 0.2.0
 */
import { Result, Status } from "@simbridge/core"
import { RoarkProvider, RoarkWire } from "@simbridge/roark"
import * as Schema from "effect/Schema"
import { bodiesOf, type PureChain, type Recording } from "./Throughput.js"

// The client decodes every response with `{ onExcessProperty: "ignore" }` (`ProviderHttp.json`).
const options = { onExcessProperty: "ignore" } as const
const decodeDetail = Schema.decodeUnknownSync(RoarkWire.RunPlanJobDetailResponse, options)
const decodeCall = Schema.decodeUnknownSync(RoarkWire.CallResponse, options)
const decodeTranscript = Schema.decodeUnknownSync(RoarkWire.TranscriptResponse, options)
const decodeMetrics = Schema.decodeUnknownSync(RoarkWire.CallMetricsResponse, options)
const decodePlan = Schema.decodeUnknownSync(RoarkWire.Envelope(RoarkWire.RunPlan), options)
const decodeDefinitions = Schema.decodeUnknownSync(RoarkWire.Page(RoarkWire.MetricDefinition), options)
const decodeScenario = Schema.decodeUnknownSync(RoarkWire.Envelope(RoarkWire.Scenario), options)

type Encoded = typeof Result.Result.Encoded

/** The parsed bodies of the recorded reads whose path matches, by the path's `n`th segment (the id). */
const byId = (recording: Recording, path: RegExp, n: number): Map<string, unknown> =>
  new Map(bodiesOf(recording, path).map(({ body, url }) => [decodeURIComponent(url.pathname.split("/")[n]!), body]))

/** The parsed payloads of one run's results read. */
interface Payloads {
  readonly detail: unknown
  readonly plan: unknown
  readonly definitions: ReadonlyArray<unknown>
  readonly scenarios: ReadonlyMap<string, unknown>
  readonly calls: ReadonlyMap<string, unknown>
  readonly transcripts: ReadonlyMap<string, unknown>
  readonly metrics: ReadonlyMap<string, unknown>
}

const payloadsOf = (runId: string, recording: Recording): Payloads => {
  const detail = byId(recording, /^\/v1\/simulation\/plan\/job\/[^/]+$/, 5).get(runId)
  if (detail === undefined) throw new Error(`roark pure: no recorded job detail of run ${runId}`)
  const plans = bodiesOf(recording, /^\/v1\/simulation\/plan\/(?!jobs?$)[^/]+$/)
  if (plans.length === 0) throw new Error("roark pure: no recorded run plan read (the results read did not recover the run's context)")
  return {
    detail,
    plan: plans[plans.length - 1]!.body,
    definitions: bodiesOf(recording, /^\/v1\/metric\/definitions$/).map((x) => x.body),
    scenarios: byId(recording, /^\/v1\/simulation\/scenario\/[^/]+$/, 4),
    calls: byId(recording, /^\/v1\/call\/[^/]+$/, 3),
    transcripts: byId(recording, /^\/v1\/call\/[^/]+\/transcript$/, 3),
    metrics: byId(recording, /^\/v1\/call\/[^/]+\/metrics$/, 3)
  }
}

/** The decoded payloads (each call's read only where the driver reads it). */
interface Decoded {
  readonly detail: RoarkWire.RunPlanJobDetail
  readonly plan: RoarkWire.RunPlan
  readonly definitions: ReadonlyArray<RoarkWire.MetricDefinition>
  readonly scenarios: ReadonlyMap<string, RoarkWire.Scenario>
  readonly calls: ReadonlyMap<string, RoarkWire.Call>
  readonly transcripts: ReadonlyMap<string, RoarkWire.Transcript>
  readonly metrics: ReadonlyMap<string, ReadonlyArray<RoarkWire.CallMetric>>
}

const decodeAll = (p: Payloads): Decoded => {
  const scenarios = new Map<string, RoarkWire.Scenario>()
  for (const [id, body] of p.scenarios) scenarios.set(id, decodeScenario(body).data)
  const calls = new Map<string, RoarkWire.Call>()
  for (const [id, body] of p.calls) calls.set(id, decodeCall(body).data)
  const transcripts = new Map<string, RoarkWire.Transcript>()
  for (const [id, body] of p.transcripts) transcripts.set(id, decodeTranscript(body).data)
  const metrics = new Map<string, ReadonlyArray<RoarkWire.CallMetric>>()
  for (const [id, body] of p.metrics) metrics.set(id, decodeMetrics(body).data)
  return {
    detail: decodeDetail(p.detail).data,
    plan: decodePlan(p.plan).data,
    definitions: p.definitions.flatMap((page) => decodeDefinitions(page).data),
    scenarios,
    calls,
    transcripts,
    metrics
  }
}

/**
 * The run's context and each simulation job's inputs to `toResult`, as the driver derives them;
 * `read(kind, id)` gives a call's decoded call, transcript or metrics, or a scenario's lookup.
 */
const inputsOf = (
  detail: RoarkWire.RunPlanJobDetail,
  ctx: RoarkProvider.RunContext,
  read: {
    readonly scenario: (id: string) => RoarkWire.Scenario | undefined
    readonly call: (id: string) => RoarkWire.Call
    readonly transcript: (id: string) => RoarkWire.Transcript
    readonly metrics: (id: string) => ReadonlyArray<RoarkWire.CallMetric>
  },
  each: (item: RoarkProvider.ResultInputs) => void
): void => {
  const sims = detail.simulationJobs
  const numbers = RoarkProvider.iterations(sims)
  const lookedUp = new Map<string, string>()
  for (let i = 0; i < sims.length; i++) {
    const sim = sims[i]!
    let scenario = RoarkProvider.knownScenario(ctx, sim, lookedUp)
    if (scenario === undefined) {
      const id = sim.scenario!.id
      scenario = RoarkProvider.scenarioFromLookup(id, read.scenario(id))
      lookedUp.set(id, scenario)
    }
    const status = RoarkProvider.statusOf(sim)
    const callId = sim.callId ?? undefined
    const evaluations = RoarkProvider.evaluationsOf(
      status.unified === "completed" && callId !== undefined ? read.metrics(callId) : [],
      ctx.evaluators,
      ctx.scenarioEvaluators?.get(scenario)
    )
    const reads = Status.isTerminal(status) && callId !== undefined
    each({
      sim,
      iteration: numbers[i]!,
      scenario,
      status,
      evaluations,
      call: reads ? read.call(callId) : undefined,
      transcript: reads ? read.transcript(callId) : undefined
    })
  }
}

const missing = (what: string, id: string): never => {
  throw new Error(`roark pure: no recorded ${what} of ${id}`)
}

/** Roark's pure chain over a recorded cold results read of run `runId`. */
export const chain = (runId: string, recording: Recording): PureChain => {
  const payloads = payloadsOf(runId, recording)
  const decoded = decodeAll(payloads)
  const ctxOf = (d: Decoded) => RoarkProvider.recoveredContextOf(d.plan, d.definitions)
  const ctx = ctxOf(decoded)
  const fromDecoded = {
    scenario: (id: string) => decoded.scenarios.get(id),
    call: (id: string) => decoded.calls.get(id) ?? missing("call", id),
    transcript: (id: string) => decoded.transcripts.get(id) ?? missing("transcript", id),
    metrics: (id: string) => decoded.metrics.get(id) ?? missing("metrics", id)
  }
  const inputs: Array<RoarkProvider.ResultInputs> = []
  inputsOf(decoded.detail, ctx, fromDecoded, (item) => inputs.push(item))
  const mapped: Array<Encoded> = inputs.map((item) => RoarkProvider.toResult(decoded.detail, ctx, item))

  /** Wire decode of every payload as it is needed, the mapping, the canonical construction. */
  const all = (): number => {
    const detail = decodeDetail(payloads.detail).data
    const ctx = RoarkProvider.recoveredContextOf(
      decodePlan(payloads.plan).data,
      payloads.definitions.flatMap((page) => decodeDefinitions(page).data)
    )
    let n = 0
    inputsOf(detail, ctx, {
      scenario: (id) => {
        const body = payloads.scenarios.get(id)
        return body === undefined ? undefined : decodeScenario(body).data
      },
      call: (id) => decodeCall(payloads.calls.get(id) ?? missing("call", id)).data,
      transcript: (id) => decodeTranscript(payloads.transcripts.get(id) ?? missing("transcript", id)).data,
      metrics: (id) => decodeMetrics(payloads.metrics.get(id) ?? missing("metrics", id)).data
    }, (item) => {
      Result.unsafeFromEncoded(RoarkProvider.toResult(detail, ctx, item), false)
      n++
    })
    return n
  }

  return {
    items: decoded.detail.simulationJobs.length,
    all,
    stages: {
      "wire decode (job detail, run plan, metric definitions, scenarios; per call: call, transcript, metrics)": () => {
        decodeAll(payloads)
      },
      "context and per-job inputs (recoveredContextOf, iterations, knownScenario, statusOf, evaluationsOf)": () => {
        inputsOf(decoded.detail, ctxOf(decoded), fromDecoded, () => {})
      },
      "RoarkProvider.toResult": () => {
        for (const item of inputs) RoarkProvider.toResult(decoded.detail, ctx, item)
      },
      "canonical construction (Result.unsafeFromEncoded)": () => {
        for (const r of mapped) Result.unsafeFromEncoded(r, false)
      }
    }
  }
}
