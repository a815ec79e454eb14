/**
 * Section 2, the Vapi adapter against Vapi's official SDK (`@vapi-ai/server-sdk` 2.0.1), same
 * workflow against the same emulator at zero emulated latency: create a run of the provisioned
 * suite, poll it until it ends (1 ms between polls for both, starting from the created run), read
 * every item (pages of 100).
 * Provisioning happens once, before timing, through the adapter; the SDK reuses its suite.
 *
 * The adapter does what the suite runner does: `startRun`, `follow` from the run it returned,
 * `readResults`. The same with the two streams (`watch`, then `results`) is measured alongside, for
 * callers that use those, and both sides starting from a first read of the run (`follow(ref)`,
 * `findOne` at once).
 *
 * @since 0.1.0
 */
import { Provisioning, SimulationProvider } from "@simbridge/core"
import { VapiClient as VapiSdk } from "@vapi-ai/server-sdk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { measure, round, type Spread } from "./Stats.js"
import * as Vendors from "./Vendors.js"

export interface Row {
  readonly items: number
  readonly adapterMs: Spread
  readonly sdkMs: Spread
  /** adapter median / SDK median. */
  readonly ratio: number
  /** The adapter through `watch` and `results` (streams) instead. */
  readonly streamsMs: Spread
  /** streams median / SDK median. */
  readonly streamsRatio: number
  /**
   * Both sides reading the run's first snapshot instead of starting from the created run (the
   * adapter `follow(ref)`, the SDK a `findOne` at once), where a run that ended at once costs no
   * wait between polls.
   */
  readonly byRef: { readonly adapterMs: Spread; readonly sdkMs: Spread; readonly ratio: number }
}

export interface Options {
  readonly sizes: ReadonlyArray<number>
  readonly time: number
  readonly iterations: number
  readonly log: (line: string) => void
}

const assistantId = "7b0c2a9e-1d2f-4c1a-9e55-0a4f3f6b8d21"
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

export const run = async (options: Options): Promise<ReadonlyArray<Row>> => {
  const rows: Array<Row> = []
  const vendor = Vendors.byName("vapi")
  const live = await Vendors.start(vendor, { speed: 1e6 })
  try {
    const sdk = new VapiSdk({ token: "bench", baseUrl: live.handle.url, maxRetries: 0 })
    for (const items of options.sizes) {
      const shape = Vendors.shapeFor(vendor, items)
      const plan = Vendors.planFor(vendor, shape, `sdk ${items}`)
      const provisioning = await Vendors.run(live.provider.provision(plan))
      const suiteId = provisioning.refs[Provisioning.key.plan]!.id
      const poll = { interval: "1 millis", maxInterval: "1 millis" } as const
      const adapter = async () => {
        const started = await Vendors.run(live.provider.startRun(plan, { provisioning }))
        await Vendors.run(SimulationProvider.follow(live.provider, started, () => Effect.void, poll))
        const n = (await Vendors.run(SimulationProvider.readResults(live.provider, started.ref))).length
        if (n !== items) throw new Error(`adapter read ${n} items, expected ${items}`)
      }
      const streams = async () => {
        const started = await Vendors.run(live.provider.startRun(plan, { provisioning }))
        await Vendors.run(Stream.runDrain(live.provider.watch(started, poll)))
        const n = await Vendors.run(Stream.runCount(live.provider.results(started.ref)))
        if (n !== items) throw new Error(`adapter (streams) read ${n} items, expected ${items}`)
      }
      const adapterByRef = async () => {
        const started = await Vendors.run(live.provider.startRun(plan, { provisioning }))
        await Vendors.run(SimulationProvider.follow(live.provider, started.ref, () => Effect.void, poll))
        const n = (await Vendors.run(SimulationProvider.readResults(live.provider, started.ref))).length
        if (n !== items) throw new Error(`adapter (by ref) read ${n} items, expected ${items}`)
      }
      const official = (byRef: boolean) => async () => {
        const created = await sdk.simulationRuns.simulationRunControllerCreate({
          simulations: [{ type: "simulationSuite", simulationSuiteId: suiteId }],
          target: { type: "assistant", assistantId },
          iterations: shape.iterations,
          transport: { provider: "vapi.websocket" }
        })
        // Polling starts from the created run, as the adapter's follows from the run startRun
        // returned; by ref, from a first read at once.
        let run: { readonly status: string } = byRef ? await sdk.simulationRuns.simulationRunControllerFindOne({ id: created.id }) : created
        while (run.status !== "ended") {
          await sleep(1)
          run = await sdk.simulationRuns.simulationRunControllerFindOne({ id: created.id })
        }
        let n = 0
        for (let page = 1; ; page++) {
          const list = await sdk.simulationRuns.simulationRunControllerFindItems({ id: created.id, page, limit: 100, sortOrder: "ASC" })
          n += list.length
          if (list.length < 100) break
        }
        if (n !== items) throw new Error(`SDK read ${n} items, expected ${items}`)
      }
      const stats = await measure({ adapter, sdk: official(false), streams }, { time: options.time, iterations: options.iterations, rounds: 5 })
      const byRef = await measure({ adapter: adapterByRef, sdk: official(true) }, { time: options.time, iterations: options.iterations, rounds: 5 })
      const row: Row = {
        items,
        adapterMs: stats.adapter!,
        sdkMs: stats.sdk!,
        ratio: round(stats.adapter!.median / stats.sdk!.median, 3),
        streamsMs: stats.streams!,
        streamsRatio: round(stats.streams!.median / stats.sdk!.median, 3),
        byRef: { adapterMs: byRef.adapter!, sdkMs: byRef.sdk!, ratio: round(byRef.adapter!.median / byRef.sdk!.median, 3) }
      }
      options.log(
        `  sdk ${items} items: adapter ${round(row.adapterMs.median)} ms, SDK ${round(row.sdkMs.median)} ms, ratio ${row.ratio}; with the streams ${round(row.streamsMs.median)} ms, ratio ${row.streamsRatio}; both from a first read (by ref) ${round(row.byRef.adapterMs.median)} vs ${round(row.byRef.sdkMs.median)} ms, ratio ${row.byRef.ratio}`
      )
      rows.push(row)
    }
  } finally {
    await live.close()
  }
  return rows
}
