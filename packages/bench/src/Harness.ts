/**
 * The whole harness: every section in order against emulators on 127.0.0.1: in this process,
 * except section 4, which by default runs in a fresh process of its own with its emulators in
 * child processes (see `Tracking.runInOwnProcess`). `quick` shrinks every size so the smoke test
 * runs in seconds (its figures mean nothing, only that the harness works).
 *
 * @since 0.1.0
 */
import * as Cli from "./Cli.js"
import * as Machine from "./Machine.js"
import * as Overhead from "./Overhead.js"
import * as Sdk from "./Sdk.js"
import * as Throughput from "./Throughput.js"
import * as Tracking from "./Tracking.js"
import * as Vendors from "./Vendors.js"

export const sections = ["overhead", "sdk", "throughput", "tracking", "coldStart", "demo"] as const
export type Section = typeof sections[number]

export interface Options {
  readonly quick: boolean
  /** Only these sections (default: all). */
  readonly only?: ReadonlyArray<Section> | undefined
  /** Only these vendors (default: every vendor with an emulator). */
  readonly vendors?: ReadonlyArray<string> | undefined
  readonly log?: ((line: string) => void) | undefined
  /** Called after every section with the figures so far (a later crash keeps them). */
  readonly checkpoint?: ((partial: Partial<Results>) => void) | undefined
  /** Runs watched in section 4 (default 10,000; quick 8). */
  readonly trackingRuns?: number | undefined
  /** Where section 4's emulators run: child processes (default, when built) or this process. */
  readonly trackingEmulators?: "process" | "inline" | undefined
  /** Whether section 4's snapshots read every verdict (default false, as the suite runner follows). */
  readonly trackingVerdicts?: boolean | undefined
  /** How section 4 follows its runs: `followAll` per batch (default) or `follow` per run. */
  readonly trackingFollow?: "all" | "each" | undefined
  /**
   * Where section 4's adapter side runs: "own", a fresh process with Node's default flags that
   * loads only the providers (default, when built); "shared", this process.
   */
  readonly trackingProcess?: "own" | "shared" | undefined
  /** Section 4's run creations in flight at once (default 64). */
  readonly trackingCreateConcurrency?: number | undefined
}

export interface Results {
  readonly version: 1
  readonly quick: boolean
  readonly machine: Machine.Machine
  readonly targets: typeof targets
  readonly overhead: ReadonlyArray<Overhead.Row>
  readonly sdk: ReadonlyArray<Sdk.Row>
  readonly throughput: ReadonlyArray<Throughput.Row>
  readonly tracking: Tracking.Result | null
  readonly coldStart: ReadonlyArray<Cli.Row>
  readonly demo: Cli.DemoRow | null
  readonly durationMs: number
}

export const targets = {
  overheadRatioAt1000: 1.25,
  sdkRatio: 1.0,
  trackingPeakRssMb: 300,
  trackingRequestsPerChange: 1.1,
  coldStartMs: 400,
  demoMs: 10_000
} as const

export const run = async (options: Options): Promise<Results> => {
  const started = performance.now()
  const log = options.log ?? ((line: string) => console.log(line))
  const q = options.quick
  const on = (s: Section) => options.only === undefined || options.only.includes(s)
  const vendors = options.vendors === undefined ? Vendors.all : Vendors.all.filter((v) => options.vendors!.includes(v.name))
  const micro = { time: q ? 100 : 3000, iterations: q ? 3 : 10 }
  const machine = Machine.describe()
  log(`machine: ${machine.cpus} x ${machine.cpuModel}, node ${machine.node}, load ${machine.loadAverage.join(" ")}`)

  const partial: Record<string, unknown> = { version: 1, quick: q, machine, targets }
  const section = async <A>(name: Section, empty: A, f: () => Promise<A>): Promise<A> => {
    if (!on(name)) return empty
    log(`[${name}]`)
    const t = performance.now()
    const value = await f()
    log(`  (${Math.round(performance.now() - t)} ms)`)
    partial[name] = value
    options.checkpoint?.(partial as Partial<Results>)
    return value
  }

  const overhead = await section("overhead", [], () => Overhead.run({ vendors, sizes: q ? [10, 20] : [10, 100, 1000], ...micro, log }))
  const sdk = await section("sdk", [], () => Sdk.run({ sizes: q ? [10] : [10, 100], ...micro, log }))
  const throughput = await section("throughput", [], () => Throughput.run({ vendors, items: q ? 20 : 1000, ...micro, log }))
  const tracking = await section("tracking", null, () => {
    const settings = {
      runs: options.trackingRuns ?? (q ? 8 : 10_000),
      itemsPerRun: q ? 2 : 10,
      speed: q ? 50 : 1,
      watch: { ...(q ? ({ interval: "20 millis", maxInterval: "100 millis" } as const) : {}), verdicts: options.trackingVerdicts ?? false },
      emulators: options.trackingEmulators,
      follow: options.trackingFollow,
      createConcurrency: options.trackingCreateConcurrency
    }
    const own = options.trackingProcess === undefined ? Tracking.ownProcessAvailable() : options.trackingProcess === "own"
    return own
      ? Tracking.runInOwnProcess({ ...settings, vendors: vendors.map((v) => v.name) }, log)
      : Tracking.run({ ...settings, vendors, log })
  })
  const cli = Cli.available()
  if (!cli && (on("coldStart") || on("demo"))) log("  CLI not built (packages/cli/dist/bin.js): run `pnpm exec tsc -b packages/*`; sections 5 and 6 skipped")
  const coldStart = cli ? await section("coldStart", [], () => Cli.coldStart(q ? 2 : 10, log)) : []
  const demo = cli ? await section("demo", null, () => Cli.demo(q ? 1 : 5, log)) : null
  return { version: 1, quick: q, machine, targets, overhead, sdk, throughput, tracking, coldStart, demo, durationMs: Math.round(performance.now() - started) }
}
