/**
 * Section 4, tracking at scale: many runs started and watched concurrently, spread round-robin
 * over the vendors' emulators. Each run is started (at most 64 creations in flight by default) and then
 * followed until it is terminal, from the run `startRun` returned (no read for the first snapshot,
 * as the suite runner follows): by default with `SimulationProvider.followAll` over the runs created
 * in the last 100 ms (no fiber per run), or with `follow` in a fiber per run (`follow: "each"`, as
 * the suite runner follows its one run per provider). Both go through the provider's batched
 * tracker where the driver has `getRuns`, with `watch.verdicts` as given: the harness passes
 * false, as the suite runner follows (it reads each verdict with the results, so its snapshots
 * count finished conversations whose verdict costs a request of its own as pending).
 *
 * The emulators run out of process by default (one child Node process per vendor,
 * `EmulatorProcess.js`), so the peak RSS is the adapter's alone; the children's peak RSS
 * (`VmHWM`) is reported per vendor. `emulators: "inline"` keeps them in this process (as before).
 *
 * - peak RSS: of this process, sampled every 50 ms (and `maxRSS` of the whole process life);
 * - requests per observed state change: the emulators' request counts during the phase (read over
 *   HTTP, `GET /__simbridge/requests`), less what the run creations cost (measured on the second
 *   of two creations per vendor beforehand, caches warm), divided by the snapshots `follow` handed over;
 * - wall time: first creation to last terminal snapshot.
 *
 * @since 0.1.0
 */
import type { Provisioning, Run } from "@simbridge/core"
import { SimulationProvider } from "@simbridge/core"
import { spawn } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import { getHeapStatistics } from "node:v8"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FiberSet from "effect/FiberSet"
import { round } from "./Stats.js"
import * as Providers from "./Providers.js"

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
  /** Peak RSS of the vendor's emulator process (out of process only). */
  readonly emulatorPeakRssMb?: number | undefined
  readonly firstError?: string | undefined
}

export interface Result {
  readonly runs: number
  readonly itemsPerRun: number
  readonly speed: number
  readonly watch: { readonly interval: string; readonly maxInterval: string; readonly verdicts: boolean }
  /** How the runs were followed (see `Options.follow`). */
  readonly follow: "all" | "each"
  /** Run creations in flight at once. */
  readonly createConcurrency: number
  readonly wallMs: number
  readonly createMs: number
  /** Where the emulators ran: child processes (the RSS figures are the adapter's) or this process. */
  readonly emulators: "process" | "inline"
  /**
   * Where the adapter side ran: "own", a fresh Node process with Node's default flags that loads
   * only the providers (`TrackingProcess.js`, the default of `pnpm bench`); "shared", the process
   * of the harness (after whatever ran before in it, with the harness's flags).
   */
  readonly process: "own" | "shared"
  /** `process.resourceUsage().maxRSS` at the end: the peak over this process's whole life. */
  readonly maxRssMb: number
  readonly baselineRssMb: number
  readonly peakRssMb: number
  readonly peakHeapUsedMb: number
  readonly requestsPerChange: number
  readonly vendors: ReadonlyArray<VendorRow>
}

export interface Options {
  readonly vendors: ReadonlyArray<Providers.Entry>
  readonly runs: number
  readonly itemsPerRun: number
  readonly speed: number
  readonly watch: SimulationProvider.WatchOptions
  /**
   * How the runs are followed: "all" (default), `followAll` over each batch of runs created in the
   * last 100 ms; "each", `follow` in a fiber per run (as the suite runner follows its one run per
   * provider).
   */
  readonly follow?: "all" | "each" | undefined
  readonly timeoutMs?: number | undefined
  /**
   * Run creations in flight at once; default 64. How fast runs are created drives how much of
   * what is allocated lives across two scavenges, and so how fast V8's old generation fills and
   * how far it lets the heap grow (docs/performance.md, section 4).
   */
  readonly createConcurrency?: number | undefined
  /** Default: "process" when `dist/EmulatorProcess.js` is built, else "inline". */
  readonly emulators?: "process" | "inline" | undefined
  readonly log: (line: string) => void
}

/** An emulator (here or in a child process) and a provider pointed at it. */
interface Target {
  readonly vendor: Providers.Entry
  readonly provider: SimulationProvider.Service
  /** Requests the emulator has served so far (control routes excluded). */
  readonly requests: () => Promise<number>
  /** Peak RSS of the emulator's process, when it has its own. */
  readonly peakRssMb: () => number | undefined
  readonly close: () => Promise<void>
}

const emulatorScript = fileURLToPath(new URL("../dist/EmulatorProcess.js", import.meta.url))

/** Whether the out-of-process emulator script is built. */
export const processAvailable = (): boolean => existsSync(emulatorScript)

const inline = async (vendor: Providers.Entry, speed: number): Promise<Target> => {
  // Loaded only here: a tracking process with its emulators in child processes loads no emulator code.
  const Vendors = await import("./Vendors.js")
  const live = await Vendors.start(Vendors.byName(vendor.name), { speed })
  return { vendor, provider: live.provider, requests: async () => live.handle.requests.total, peakRssMb: () => undefined, close: live.close }
}

/** `VmHWM` (peak resident set) of a process, in MB (Linux). */
const peakRssOf = (pid: number | undefined): number | undefined => {
  if (pid === undefined) return undefined
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))
    return m === null ? undefined : round(Number(m[1]) / 1024, 1)
  } catch {
    return undefined
  }
}

const child = async (vendor: Providers.Entry, speed: number): Promise<Target> => {
  const proc = spawn(process.execPath, [emulatorScript, vendor.name, String(speed), "1"], { stdio: ["pipe", "pipe", "inherit"] })
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()))
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: proc.stdout })
    lines.once("line", (line) => {
      try {
        resolve((JSON.parse(line) as { url: string }).url)
      } catch (e) {
        reject(e)
      }
    })
    proc.once("exit", (code) => reject(new Error(`emulator ${vendor.name} exited with ${code} before listening`)))
  })
  const { dispose, provider } = await Providers.providerOn(vendor, url)
  const control = `${new URL(url).origin}/__simbridge/requests`
  let peak: number | undefined
  return {
    vendor,
    provider,
    requests: async () => ((await (await fetch(control)).json()) as { total: number }).total,
    peakRssMb: () => (peak = peakRssOf(proc.pid) ?? peak),
    close: async () => {
      peak = peakRssOf(proc.pid) ?? peak
      await dispose()
      proc.stdin.end()
      const timer = setTimeout(() => proc.kill("SIGKILL"), 5000)
      await exited
      clearTimeout(timer)
    }
  }
}

const mb = (bytes: number) => round(bytes / 2 ** 20, 1)

export const run = async (options: Options): Promise<Result> => {
  const lives: Array<{ live: Target; plan: ReturnType<typeof Providers.planFor>; provisioning: Provisioning.Provisioning; perCreate: number; base: number }> = []
  const emulators = options.emulators ?? (processAvailable() ? "process" : "inline")
  if (emulators === "inline" && options.emulators === undefined) options.log("  (dist/EmulatorProcess.js not built: emulators run in this process)")
  try {
    for (const vendor of options.vendors) {
      const live = emulators === "process" ? await child(vendor, options.speed) : await inline(vendor, options.speed)
      const plan = Providers.planFor(vendor, Providers.shapeFor(vendor, options.itemsPerRun), "tracking")
      const provisioning = await Providers.run(live.provider.provision(plan))
      // What a creation costs once the driver's caches are warm (Cekura reads the target agent
      // once a minute): the second of two creations.
      await Providers.run(live.provider.startRun(plan, { provisioning }))
      const before = await live.requests()
      await Providers.run(live.provider.startRun(plan, { provisioning }))
      const perCreate = (await live.requests()) - before
      lives.push({ live, plan, provisioning, perCreate, base: 0 })
    }
    ;(globalThis as { gc?: () => void }).gc?.()
    const baselineRss = process.memoryUsage.rss()
    let peakRss = baselineRss
    let peakHeap = getHeapStatistics().used_heap_size
    // Not `process.memoryUsage()`: with thousands of runs in the heap it is slow enough to show in
    // this process's CPU at 20 samples a second; the resident set and V8's heap statistics are not.
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage.rss())
      peakHeap = Math.max(peakHeap, getHeapStatistics().used_heap_size)
    }, 50)
    for (const l of lives) l.base = await l.live.requests()
    const per = lives.map(() => ({ runs: 0, finished: 0, errors: 0, snapshots: 0, firstError: undefined as string | undefined }))
    let created = 0
    let createMs = 0
    const started = performance.now()
    const counted = (k: number) => () => Effect.sync(() => void per[k]!.snapshots++)
    const outcome = (k: number, o: Either.Either<unknown, { readonly _tag: string; readonly message: string }>) => {
      if (Either.isRight(o)) return void per[k]!.finished++
      per[k]!.errors++
      per[k]!.firstError ??= `${o.left._tag}: ${o.left.message}`
    }
    // "each": as the suite runner follows its runs, `follow` in a fiber per run.
    const watchOne = (k: number, run: Run.Run) =>
      Effect.map(Effect.either(SimulationProvider.follow(lives[k]!.live.provider, run, counted(k), options.watch)), (o) => outcome(k, o))
    // "all": `followAll` over the runs created since the last flush (every 100 ms), one fiber per
    // batch instead of one per run.
    const batches = lives.map(() => [] as Array<Run.Run>)
    const followBatch = (k: number) => {
      const refs = batches[k]!.splice(0)
      return Effect.map(lives[k]!.live.provider.followAll(refs, counted(k), options.watch), (os) => os.forEach((o) => outcome(k, o)))
    }
    const follow = options.follow ?? "all"
    const createConcurrency = options.createConcurrency ?? 64
    const flush = (watches: FiberSet.FiberSet<void>) =>
      Effect.uninterruptible(Effect.suspend(() => Effect.forEach(lives, (_, k) => FiberSet.run(watches, followBatch(k)), { discard: true })))
    // At most `createConcurrency` creations in flight (a bounded forEach, not thousands of fibers queued on a
    // semaphore: effect's Semaphore wakes every waiter on each release); each created run is
    // then followed in a fiber of its own ("each") or in the next batch ("all").
    const all = Effect.gen(function*() {
      const watches = yield* FiberSet.make<void>()
      yield* Effect.forEach(Array.from({ length: options.runs }, (_, i) => i), (i) => {
        const k = i % lives.length
        const { live, plan, provisioning } = lives[k]!
        per[k]!.runs++
        return live.provider.startRun(plan, { provisioning }).pipe(
          Effect.tap(() =>
            Effect.sync(() => {
              if (++created === options.runs) createMs = performance.now() - started
            })
          ),
          Effect.matchEffect({
            onFailure: (e) =>
              Effect.sync(() => {
                per[k]!.errors++
                per[k]!.firstError ??= `${e._tag}: ${e.message}`
              }),
            onSuccess: (r) =>
              follow === "each" ? FiberSet.run(watches, watchOne(k, r)) : Effect.sync(() => void batches[k]!.push(r))
          })
        )
      }, { concurrency: createConcurrency, discard: true }).pipe(
        follow === "each" ? (creating) => creating : (creating) =>
          // Flush every 100 ms while creating, and once more at the end; a flush is not
          // interrupted between taking a batch and forking its follower.
          Effect.raceFirst(creating, Effect.forever(Effect.zipRight(Effect.sleep("100 millis"), flush(watches)))).pipe(Effect.zipRight(flush(watches)))
      )
      yield* FiberSet.awaitEmpty(watches)
    }).pipe(Effect.scoped)
    await Effect.runPromise(all.pipe(Effect.timeout(Duration.millis(options.timeoutMs ?? 15 * 60_000)), Effect.ignore))
    const wallMs = performance.now() - started
    clearInterval(sampler)
    const maxRss = process.resourceUsage().maxRSS * 1024
    const totals = await Promise.all(lives.map((l) => l.live.requests()))
    const vendors: Array<VendorRow> = lives.map((l, k) => {
      const s = per[k]!
      const watchRequests = totals[k]! - l.base - s.runs * l.perCreate
      const emulatorPeakRssMb = l.live.peakRssMb()
      return {
        vendor: l.live.vendor.name,
        runs: s.runs,
        finished: s.finished,
        errors: s.errors,
        snapshots: s.snapshots,
        requestsPerCreate: l.perCreate,
        watchRequests,
        requestsPerChange: round(watchRequests / Math.max(1, s.snapshots), 3),
        ...(emulatorPeakRssMb === undefined ? {} : { emulatorPeakRssMb }),
        ...(s.firstError === undefined ? {} : { firstError: s.firstError })
      }
    })
    const totalRequests = vendors.reduce((n, v) => n + v.watchRequests, 0)
    const totalSnapshots = vendors.reduce((n, v) => n + v.snapshots, 0)
    const result: Result = {
      runs: options.runs,
      itemsPerRun: options.itemsPerRun,
      speed: options.speed,
      watch: { interval: Duration.format(Duration.decode(options.watch.interval ?? "1 second")), maxInterval: Duration.format(Duration.decode(options.watch.maxInterval ?? "10 seconds")), verdicts: options.watch.verdicts ?? true },
      follow,
      createConcurrency,
      wallMs: Math.round(wallMs),
      createMs: Math.round(createMs),
      emulators,
      process: "shared",
      maxRssMb: mb(maxRss),
      baselineRssMb: mb(baselineRss),
      peakRssMb: mb(peakRss),
      peakHeapUsedMb: mb(peakHeap),
      requestsPerChange: round(totalRequests / Math.max(1, totalSnapshots), 3),
      vendors
    }
    options.log(`  tracking ${options.runs} runs x ${options.itemsPerRun} items (emulators ${emulators === "process" ? "out of process" : "in this process"}): wall ${result.wallMs} ms (creations ${result.createMs} ms), peak RSS ${result.peakRssMb} MB (baseline ${result.baselineRssMb}, maxRSS ${result.maxRssMb}), peak heap ${result.peakHeapUsedMb} MB, requests/change ${result.requestsPerChange}`)
    for (const v of vendors) options.log(`    ${v.vendor}: ${v.finished}/${v.runs} finished, ${v.errors} errors, ${v.snapshots} snapshots, ${v.watchRequests} watch requests (${v.requestsPerChange}/change)${v.emulatorPeakRssMb === undefined ? "" : `, emulator peak RSS ${v.emulatorPeakRssMb} MB`}${v.firstError ? `, first error: ${v.firstError}` : ""}`)
    return result
  } finally {
    for (const l of lives) await l.live.close()
  }
}

/** `Options` as `TrackingProcess.js` takes them (JSON, its first argument): vendors by name. */
export interface ProcessOptions {
  readonly vendors: ReadonlyArray<string>
  readonly runs: number
  readonly itemsPerRun: number
  readonly speed: number
  readonly watch: { readonly interval?: string | undefined; readonly maxInterval?: string | undefined; readonly verdicts?: boolean | undefined }
  readonly follow?: "all" | "each" | undefined
  readonly createConcurrency?: number | undefined
  readonly timeoutMs?: number | undefined
  readonly emulators?: "process" | "inline" | undefined
}

const trackingScript = fileURLToPath(new URL("../dist/TrackingProcess.js", import.meta.url))

/** Whether the tracking process script is built. */
export const ownProcessAvailable = (): boolean => existsSync(trackingScript)

/**
 * {@link run} in a fresh Node process of its own (`TrackingProcess.js`, Node's default flags but
 * `--expose-gc` for the baseline), so the peak RSS is that of a process that only tracks runs: not
 * of the harness, which loaded the emulators, the official SDK and tinybench and still holds what
 * sections 1-3 left. Its log lines are passed to `log`; its result is returned with `process: "own"`.
 */
export const runInOwnProcess = async (options: ProcessOptions, log: (line: string) => void): Promise<Result> => {
  const proc = spawn(process.execPath, ["--expose-gc", trackingScript, JSON.stringify(options)], { stdio: ["ignore", "pipe", "inherit"] })
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)))
  let result: Result | undefined
  for await (const line of createInterface({ input: proc.stdout })) {
    const message = JSON.parse(line) as { readonly log?: string; readonly result?: Result }
    if (message.log !== undefined) log(message.log)
    if (message.result !== undefined) result = message.result
  }
  const code = await exited
  if (result === undefined) throw new Error(`the tracking process (${trackingScript}) exited with ${code} before its result`)
  return { ...result, process: "own" }
}
