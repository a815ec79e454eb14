/**
 * Section 3, Cekura's pure chain: what the driver's `listResults` does to the bodies of a cold read
 * of a finished run, without requests. Per pass: the wire decode of every recorded body it reads
 * (the result detail for the iterations, the scenarios for the canonical ids and evaluators, the
 * `runs/` pages and the `runs/bulk/` answers), `iterations`, `contextFromScenario`,
 * `CekuraProvider.toResult` for each run and `Result.unsafeFromEncoded`.
 *
 * @since 0.2.0
 */
import { CekuraClient, CekuraProvider, CekuraWire } from "@simbridge/cekura"
import { Result } from "@simbridge/core"
import * as Schema from "effect/Schema"
import { bodiesOf, type PureChain, type Recording } from "./Throughput.js"

const options = { onExcessProperty: "ignore" } as const
const decodeDetail = Schema.decodeUnknownSync(CekuraWire.ResultDetailResponse, options)
const decodeScenario = Schema.decodeUnknownSync(CekuraWire.Scenario, options)
const decodeListPage = Schema.decodeUnknownSync(CekuraWire.Page(CekuraWire.RunListItem), options)
const decodeBulk = Schema.decodeUnknownSync(CekuraClient.bulkRuns, options)

export const chain = (runId: string, recording: Recording): PureChain => {
  const resultId = Number(runId)
  const detailBody = bodiesOf(recording, /\/results\/\d+\/$/).map((b) => b.body)[0]
  if (detailBody === undefined) throw new Error("cekura: no result detail recorded")
  const scenarioBodies = bodiesOf(recording, /\/scenarios\/\d+\/$/).map((b) => b.body)
  const listBodies = bodiesOf(recording, /\/runs\/$/).map((b) => b.body)
  const bulkBodies = bodiesOf(recording, /\/runs\/bulk\/$/).map((b) => b.body)
  if (listBodies.length !== bulkBodies.length) throw new Error(`cekura: ${listBodies.length} runs/ pages but ${bulkBodies.length} runs/bulk/ answers`)

  /** The driver's steps before mapping: iterations and scenario contexts. */
  const prepare = () => {
    const iterations = CekuraProvider.iterations(decodeDetail(detailBody).runs)
    const contexts = new Map<number, CekuraProvider.ScenarioContext | undefined>()
    for (const body of scenarioBodies) {
      const scenario = decodeScenario(body)
      contexts.set(scenario.id, CekuraProvider.contextFromScenario(scenario))
    }
    return { iterations, contexts }
  }
  /** One page: its list items in order, each with its full run. */
  const pageRuns = (list: { readonly results: ReadonlyArray<{ readonly id: number }> }, bulk: ReadonlyArray<CekuraWire.Run>) => {
    const byId = new Map(bulk.map((r) => [r.id, r]))
    return list.results.flatMap((item) => byId.get(item.id) ?? [])
  }
  const map = (run: CekuraWire.Run, steps: ReturnType<typeof prepare>) =>
    CekuraProvider.toResult(resultId, run, steps.contexts.get(CekuraWire.scenarioIdOf(run.scenario) ?? -1), steps.iterations.get(run.id) ?? 1, false)

  const steps = prepare()
  const runs = listBodies.flatMap((list, i) => pageRuns(decodeListPage(list), decodeBulk(bulkBodies[i])))
  const mapped = runs.map((run) => map(run, steps))
  return {
    items: runs.length,
    all: () => {
      const s = prepare()
      let n = 0
      for (let i = 0; i < listBodies.length; i++) {
        for (const run of pageRuns(decodeListPage(listBodies[i]), decodeBulk(bulkBodies[i]))) {
          Result.unsafeFromEncoded(map(run, s), false)
          n++
        }
      }
      return n
    },
    stages: {
      "wire decode (result detail, scenarios, runs/ pages, runs/bulk/)": () => {
        decodeDetail(detailBody)
        for (const body of scenarioBodies) decodeScenario(body)
        for (let i = 0; i < listBodies.length; i++) {
          decodeListPage(listBodies[i])
          decodeBulk(bulkBodies[i])
        }
      },
      "CekuraProvider.toResult": () => {
        for (const run of runs) map(run, steps)
      },
      "canonical construction (Result.unsafeFromEncoded)": () => {
        for (const r of mapped) Result.unsafeFromEncoded(r, false)
      }
    }
  }
}
