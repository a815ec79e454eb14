/**
 * Section 4, tracking at scale: many runs started and watched concurrently, spread round-robin
 * over the vendors' emulators (all in this process). Each run is started (at most 64 creations in
 * flight) and then watched with `SimulationProvider.watch` until it is terminal.
 *
 * - peak RSS: of this whole process (providers and emulators), sampled every 50 ms;
 * - requests per observed state change: the emulators' request counts during the phase, less
 *   what the run creations cost (measured on one creation per vendor beforehand), divided by the
 *   snapshots `watch` emitted;
 * - wall time: first creation to last terminal snapshot.
 *
 * @since 0.1.0
 */
import type { Provisioning } from "@simbridge/core"
import type { SimulationProvider } from "@simbridge/core"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { round } from "./Stats.js"
import * as Vendors from "./Vendors.js"

export interface VendorRow {
  readonly vendor: string
  readonly runs: number
  readonly finished: number
  readonly errors: number
  readonly snapshots: number
  /** Requests made by one run creation (subtracted). */
  readonly requestsPerCreate: number
  readonly watchRequests: number
  readonly requestsPerChange: number
  readonly firstError?: string | undefined
}

export interface Result {
  readonly runs: number
  readonly itemsPerRun: number
  readonly speed: number
  readonly watch: { readonly interval: string; readonly maxInterval: string }
  readonly wallMs: number
  readonly createMs: number
  readonly baselineRssMb: number
  readonly peakRssMb: number
  readonly peakHeapUsedMb: number
  readonly requestsPerChange: number
  readonly vendors: ReadonlyArray<VendorRow>
}

export interface Options {
  readonly vendors: ReadonlyArray<Vendors.Vendor>
  readonly runs: number
  readonly itemsPerRun: number
  readonly speed: number
  readonly watch: SimulationProvider.WatchOptions
  readonly timeoutMs?: number | undefined
  readonly log: (line: string) => void
}

const mb = (bytes: number) => round(bytes / 2 ** 20, 1)

export const run = async (options: Options): Promise<Result> => {
  const lives: Array<{ live: Vendors.Live; plan: ReturnType<typeof Vendors.planFor>; provisioning: Provisioning.Provisioning; perCreate: number; base: number }> = []
  try {
    for (const vendor of options.vendors) {
      const live = await Vendors.start(vendor, { speed: options.speed })
      const plan = Vendors.planFor(vendor, Vendors.shapeFor(vendor, options.itemsPerRun), "tracking")
      const provisioning = await Vendors.run(live.provider.provision(plan))
      const before = live.handle.requests.total
      await Vendors.run(live.provider.startRun(plan, { provisioning }))
      const perCreate = live.handle.requests.total - before
      lives.push({ live, plan, provisioning, perCreate, base: 0 })
    }
    ;(globalThis as { gc?: () => void }).gc?.()
    const baselineRss = process.memoryUsage.rss()
    let peakRss = baselineRss
    let peakHeap = process.memoryUsage().heapUsed
    const sampler = setInterval(() => {
      const m = process.memoryUsage()
      peakRss = Math.max(peakRss, m.rss)
      peakHeap = Math.max(peakHeap, m.heapUsed)
    }, 50)
    for (const l of lives) l.base = l.live.handle.requests.total
    const per = lives.map(() => ({ runs: 0, finished: 0, errors: 0, snapshots: 0, firstError: undefined as string | undefined }))
    const semaphore = Effect.runSync(Effect.makeSemaphore(64))
    let created = 0
    let createMs = 0
    const started = performance.now()
    const one = (i: number) => {
      const k = i % lives.length
      const { live, plan, provisioning } = lives[k]!
      const stats = per[k]!
      stats.runs++
      return semaphore.withPermits(1)(live.provider.startRun(plan, { provisioning })).pipe(
        Effect.tap(() =>
          Effect.sync(() => {
            if (++created === options.runs) createMs = performance.now() - started
          })
        ),
        Effect.flatMap((r) => Stream.runCount(live.provider.watch(r.ref, options.watch))),
        Effect.match({
          onFailure: (e) => {
            stats.errors++
            stats.firstError ??= `${e._tag}: ${e.message}`
          },
          onSuccess: (n) => {
            stats.finished++
            stats.snapshots += n
          }
        })
      )
    }
    const all = Effect.forEach(Array.from({ length: options.runs }, (_, i) => i), one, { concurrency: "unbounded", discard: true })
    await Effect.runPromise(all.pipe(Effect.timeout(Duration.millis(options.timeoutMs ?? 15 * 60_000)), Effect.ignore))
    const wallMs = performance.now() - started
    clearInterval(sampler)
    const vendors: Array<VendorRow> = lives.map((l, k) => {
      const s = per[k]!
      const watchRequests = l.live.handle.requests.total - l.base - s.runs * l.perCreate
      return {
        vendor: l.live.vendor.name,
        runs: s.runs,
        finished: s.finished,
        errors: s.errors,
        snapshots: s.snapshots,
        requestsPerCreate: l.perCreate,
        watchRequests,
        requestsPerChange: round(watchRequests / Math.max(1, s.snapshots), 3),
        ...(s.firstError === undefined ? {} : { firstError: s.firstError })
      }
    })
    const totalRequests = vendors.reduce((n, v) => n + v.watchRequests, 0)
    const totalSnapshots = vendors.reduce((n, v) => n + v.snapshots, 0)
    const result: Result = {
      runs: options.runs,
      itemsPerRun: options.itemsPerRun,
      speed: options.speed,
      watch: { interval: Duration.format(Duration.decode(options.watch.interval ?? "1 second")), maxInterval: Duration.format(Duration.decode(options.watch.maxInterval ?? "10 seconds")) },
      wallMs: Math.round(wallMs),
      createMs: Math.round(createMs),
      baselineRssMb: mb(baselineRss),
      peakRssMb: mb(peakRss),
      peakHeapUsedMb: mb(peakHeap),
      requestsPerChange: round(totalRequests / Math.max(1, totalSnapshots), 3),
      vendors
    }
    options.log(`  tracking ${options.runs} runs x ${options.itemsPerRun} items: wall ${result.wallMs} ms (creations ${result.createMs} ms), peak RSS ${result.peakRssMb} MB (baseline ${result.baselineRssMb}), requests/change ${result.requestsPerChange}`)
    for (const v of vendors) options.log(`    ${v.vendor}: ${v.finished}/${v.runs} finished, ${v.errors} errors, ${v.snapshots} snapshots, ${v.watchRequests} watch requests (${v.requestsPerChange}/change)${v.firstError ? `, first error: ${v.firstError}` : ""}`)
    return result
  } finally {
    for (const l of lives) await l.live.close()
  }
}
