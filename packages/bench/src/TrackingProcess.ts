/**
 * Section 4 (tracking) in a process of its own, so that its memory figures are those of a process
 * that only tracks runs (the providers, core and the HTTP client; no emulator, SDK or benchmark
 * library, nothing left by earlier sections):
 *
 * ```
 * node --expose-gc packages/bench/dist/TrackingProcess.js '<Tracking.ProcessOptions as JSON>'
 * ```
 *
 * Writes one JSON object a line to stdout: `{"log": "..."}` for progress, then `{"result": {...}}`
 * (a `Tracking.Result`). The emulators run in child processes of this one (or in it, with
 * `emulators: "inline"`).
 *
 * @since 0.2.0
 */
import * as Duration from "effect/Duration"
import * as Option from "effect/Option"
import * as Providers from "./Providers.js"
import * as Tracking from "./Tracking.js"

const options = JSON.parse(process.argv[2] ?? "{}") as Tracking.ProcessOptions
const duration = (field: string, input: string | undefined) =>
  input === undefined ? undefined : Option.getOrThrowWith(Duration.decodeUnknown(input), () => new Error(`watch.${field}: not a duration: ${input}`))
const write = (message: unknown) => process.stdout.write(`${JSON.stringify(message)}\n`)

const result = await Tracking.run({
  vendors: options.vendors.map(Providers.byName),
  runs: options.runs,
  itemsPerRun: options.itemsPerRun,
  speed: options.speed,
  watch: { interval: duration("interval", options.watch.interval), maxInterval: duration("maxInterval", options.watch.maxInterval), verdicts: options.watch.verdicts },
  follow: options.follow,
  createConcurrency: options.createConcurrency,
  timeoutMs: options.timeoutMs,
  emulators: options.emulators,
  log: (line) => write({ log: line })
})
write({ result })
process.exit(0)
