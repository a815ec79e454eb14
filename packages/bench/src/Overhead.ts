/**
 * Section 1, adapter overhead vs raw HTTP: reading a finished run of N items through the provider
 * (`getRun` + every page of `results`, decoded and mapped to the canonical model) against plain
 * `fetch` + `JSON.parse` of exactly the requests the provider made (same endpoints, same pages),
 * both against the same in-process emulator.
 *
 * @since 0.1.0
 */
import type { SimulationProvider } from "@simbridge/core"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { measure, round, type Spread } from "./Stats.js"
import * as Vendors from "./Vendors.js"

export interface Row {
  readonly vendor: string
  readonly items: number
  readonly requests: number
  readonly adapterMs: Spread
  readonly rawMs: Spread
  /** adapter median / raw median. */
  readonly ratio: number
}

export interface Options {
  readonly vendors: ReadonlyArray<Vendors.Vendor>
  readonly sizes: ReadonlyArray<number>
  readonly time: number
  readonly iterations: number
  readonly log: (line: string) => void
}

/** Plain fetch + JSON.parse of recorded requests, one after the other. */
export const rawReplay = (requests: ReadonlyArray<Vendors.Recorded>) => async () => {
  let n = 0
  for (const r of requests) {
    const response = await fetch(r.url, { method: r.method, headers: r.headers })
    const body = JSON.parse(await response.text())
    n += Array.isArray(body) ? body.length : 1
  }
  return n
}

export const run = async (options: Options): Promise<ReadonlyArray<Row>> => {
  const rows: Array<Row> = []
  const factories: Array<{ readonly dispose: () => Promise<void> }> = []
  for (const vendor of options.vendors) {
    let live: Vendors.Live | undefined
    try {
      live = await Vendors.start(vendor, { speed: 1e6 })
      for (const items of options.sizes) {
        const plan = Vendors.planFor(vendor, Vendors.shapeFor(vendor, items), `overhead ${items}`)
        const finished = await Vendors.finishedRun(live, plan)
        // Every timed read is a cold one, through a provider built (untimed) just before it:
        // a driver that caches what it read (finished results, lookups) would otherwise answer
        // later iterations from memory while the raw task replays every request of a cold read.
        const recorder = new Vendors.Recorder()
        const providers = await Vendors.providerFactory(vendor, live.handle.url, recorder)
        factories.push(providers)
        const read = (provider: SimulationProvider.Service) =>
          Vendors.run(Effect.zipRight(provider.getRun(finished.ref), Stream.runCount(provider.results(finished.ref))))
        const first = await providers.make()
        const recorded = await recorder.record(() => read(first))
        if (recorded.value !== items) throw new Error(`${vendor.name}: expected ${items} results, read ${recorded.value}`)
        const requests = recorded.requests
        // The same cold read again must send as many requests (what the raw task replays).
        const again = await recorder.record(async () => read(await providers.make()))
        if (again.requests.length !== requests.length) {
          options.log(`  overhead ${vendor.name} ${items}: a second cold read sent ${again.requests.length} requests, the first ${requests.length}`)
        }
        let provider = first
        const adapter = { fn: () => read(provider), beforeEach: async () => void (provider = await providers.make()) }
        const raw = rawReplay(requests)
        const stats = await measure({ adapter, raw }, { time: options.time, iterations: options.iterations, rounds: 5 })
        const row: Row = {
          vendor: vendor.name,
          items,
          requests: requests.length,
          adapterMs: stats.adapter!,
          rawMs: stats.raw!,
          ratio: round(stats.adapter!.median / stats.raw!.median, 3)
        }
        options.log(`  overhead ${vendor.name} ${items} items (${requests.length} requests): adapter ${round(row.adapterMs.median)} ms, raw ${round(row.rawMs.median)} ms, ratio ${row.ratio}`)
        rows.push(row)
      }
    } catch (e) {
      options.log(`  overhead ${vendor.name}: skipped: ${e instanceof Error ? e.message : String(e)}`)
    } finally {
      for (const f of factories.splice(0)) await f.dispose()
      await live?.close()
    }
  }
  return rows
}
