/**
 * Section 3, Interactly's pure chain: what the driver's `listResults` does to the bodies of a cold
 * read of a finished run, without requests. Per pass: the wire decode of every recorded body it
 * reads (each group's execution pages, the group and its simulation, and per execution the
 * evaluation result and the workflow run of the workflow under test, plus a group's evaluation
 * summary when one was read), `InteractlyProvider.canonicalOfSimulation` per group,
 * `InteractlyProvider.judgeExecution` (status, metrics, evaluations, verdict) and
 * `InteractlyProvider.toResult` per execution, and `Result.unsafeFromEncoded`. The run's plan is not
 * known to a cold read: every metric is a required evaluation, as in the recorded read.
 *
 * @since 0.2.0
 */
import { Result } from "@simbridge/core"
import { InteractlyProvider, InteractlyWire } from "@simbridge/interactly"
import * as Schema from "effect/Schema"
import { bodiesOf, key, type PureChain, type Recording } from "./Throughput.js"

// The schemas and decode options `InteractlyClient` reads these endpoints with.
const options = { onExcessProperty: "ignore" } as const
const decodeExecutions = Schema.decodeUnknownSync(InteractlyWire.SimulationRunList, options)
const decodeGroup = Schema.decodeUnknownSync(InteractlyWire.SimulationGroupResponse, options)
const decodeSimulation = Schema.decodeUnknownSync(InteractlyWire.SimulationResponse, options)
const decodeEvaluation = Schema.decodeUnknownSync(InteractlyWire.WorkflowRunEvaluation, options)
const decodeWorkflowRun = Schema.decodeUnknownSync(InteractlyWire.WorkflowRunResponse, options)
const decodeSummary = Schema.decodeUnknownSync(InteractlyWire.EvaluationSummaryResponse, options)

/** The driver's page size (the recording was made with its default). */
const pageSize = InteractlyProvider.defaultPageSize

/** A cold read: the run's plan is not known. */
const context: InteractlyProvider.JudgeContext = { evaluators: undefined }

/** One group's recorded bodies: its execution pages (in page order), the group and its simulation. */
interface GroupBodies {
  readonly groupId: string
  readonly pages: ReadonlyArray<{ readonly page: number; readonly body: unknown }>
  readonly group: unknown
  readonly simulation: unknown
  readonly summary: unknown
}

/** One execution and what the pure chain builds its result from. */
interface Prepared {
  readonly groupId: string
  readonly simulationId: string
  readonly canonical: InteractlyProvider.Canonical
  readonly execution: InteractlyWire.SimulationRun
  readonly position: number
  readonly groupSize: number
  readonly evaluation: InteractlyWire.WorkflowRunEvaluation | undefined
  readonly summary: InteractlyWire.EvaluationSummary | undefined
  readonly workflowRun: InteractlyWire.WorkflowRunDoc | undefined
}

export const chain = (runId: string, recording: Recording): PureChain => {
  /** The recorded bodies of GETs on `path` that answered 200, by the id `path` captures (first match). */
  const byId = (path: RegExp, id: (url: URL) => string = (url) => path.exec(url.pathname)![1]!) => {
    const out = new Map<string, unknown>()
    for (const { body, url } of bodiesOf(recording, path)) {
      if (recording.bodies.get(key("GET", url.href))?.status !== 200) continue
      const k = id(url)
      if (!out.has(k)) out.set(k, body)
    }
    return out
  }
  const groupBodies = byId(/\/v1\/simulation-runs\/([^/]+)$/)
  const simulationBodies = byId(/\/v1\/simulations\/([^/]+)$/)
  const evaluationBodies = byId(/\/v1\/workflow-runs\/([^/]+)\/evaluation-result$/)
  const workflowRunBodies = byId(/\/v1\/workflow-runs\/([^/]+)$/)
  const summaryBodies = byId(/\/v1\/simulations\/[^/]+\/evaluation-summary$/, (url) => url.searchParams.get("group_id") ?? "")
  const pageBodies = new Map<string, Array<{ readonly page: number; readonly body: unknown }>>()
  for (const { body, url } of bodiesOf(recording, /\/v1\/simulation-runs\/[^/]+\/executions$/)) {
    const groupId = /\/v1\/simulation-runs\/([^/]+)\/executions$/.exec(url.pathname)![1]!
    const page = Number(url.searchParams.get("page") ?? "1")
    const pages = pageBodies.get(groupId) ?? []
    if (!pages.some((p) => p.page === page)) pages.push({ page, body })
    pageBodies.set(groupId, pages)
  }

  // Each group of the run (in the run id's order) with its bodies; the simulation id from the raw
  // group body, only to pair it with its simulation's body.
  const groups: Array<GroupBodies & { readonly simulationId: string }> = runId.split(".").map((groupId) => {
    const group = groupBodies.get(groupId)
    if (group === undefined) throw new Error(`interactly: group ${groupId} not recorded`)
    const simulationId = decodeGroup(group).simulation_config_id ?? ""
    const simulation = simulationBodies.get(simulationId)
    if (simulation === undefined) throw new Error(`interactly: simulation ${simulationId} not recorded`)
    const pages = (pageBodies.get(groupId) ?? []).sort((a, b) => a.page - b.page)
    if (pages.length === 0) throw new Error(`interactly: no executions of group ${groupId} recorded`)
    return { groupId, simulationId, pages, group, simulation, summary: summaryBodies.get(groupId) }
  })

  /** Every execution of the run with its payloads decoded, as the driver reads them (each group and its simulation once). */
  const prepare = (): Array<Prepared> => {
    const out: Array<Prepared> = []
    for (const g of groups) {
      const simulationId = decodeGroup(g.group).simulation_config_id ?? ""
      const canonical = InteractlyProvider.canonicalOfSimulation(simulationId, decodeSimulation(g.simulation))
      // Read (once) only for a group's only execution without metrics.
      const summary = g.summary === undefined ? undefined : decodeSummary(g.summary)
      for (const { body, page } of g.pages) {
        const list = decodeExecutions(body)
        const groupSize = InteractlyProvider.groupSizeOf(list, page, pageSize)
        for (let i = 0; i < list.individual_runs.length; i++) {
          const execution = list.individual_runs[i]!
          const workflowRunId = execution.selected_workflow_run_id ?? undefined
          const evaluationBody = workflowRunId === undefined ? undefined : evaluationBodies.get(workflowRunId)
          const workflowRunBody = workflowRunId === undefined ? undefined : workflowRunBodies.get(workflowRunId)
          out.push({
            groupId: g.groupId,
            simulationId,
            canonical,
            execution,
            position: (page - 1) * pageSize + i,
            groupSize,
            evaluation: evaluationBody === undefined ? undefined : decodeEvaluation(evaluationBody),
            summary,
            workflowRun: workflowRunBody === undefined ? undefined : decodeWorkflowRun(workflowRunBody).workflow_run
          })
        }
      }
    }
    return out
  }

  const judge = (p: Prepared) => InteractlyProvider.judgeExecution(p.execution, p, p.groupSize, context)
  const map = (p: Prepared, judged: InteractlyProvider.Judged) =>
    InteractlyProvider.toResult({
      runId,
      groupId: p.groupId,
      simulationId: p.simulationId,
      canonical: p.canonical,
      execution: p.execution,
      position: p.position,
      judged,
      // The driver reads the workflow run of every execution not queued.
      workflowRun: judged.status.unified !== "queued" ? p.workflowRun : undefined
    })

  // Decoded once, for the stages after the wire decode.
  const prepared = prepare()
  const judged = prepared.map(judge)
  const mapped = prepared.map((p, i) => map(p, judged[i]!))
  return {
    items: prepared.length,
    all: () => {
      let n = 0
      for (const p of prepare()) {
        Result.unsafeFromEncoded(map(p, judge(p)), false)
        n++
      }
      return n
    },
    stages: {
      "wire decode (execution pages, groups, simulations, evaluation results, workflow runs)": () => {
        prepare()
      },
      "InteractlyProvider.judgeExecution (metrics, evaluations, verdict)": () => {
        for (const p of prepared) judge(p)
      },
      "InteractlyProvider.toResult": () => {
        for (let i = 0; i < prepared.length; i++) map(prepared[i]!, judged[i]!)
      },
      "canonical construction (Result.unsafeFromEncoded)": () => {
        for (const r of mapped) Result.unsafeFromEncoded(r, false)
      }
    }
  }
}
