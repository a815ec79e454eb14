/**
 * `pnpm bench`: runs the harness, prints the table and writes `bench/results.json`.
 *
 * Flags: `--quick` (tiny sizes), `--only=overhead,sdk,throughput,tracking,coldStart,demo`,
 * `--vendors=vapi,roark`, `--tracking-runs=N`, `--tracking-emulators=process|inline` (section 4's
 * emulators in child processes, the default, or in this process), `--tracking-verdicts=true|false`
 * (whether section 4's snapshots read every verdict; default false, as the suite runner follows),
 * `--tracking-follow=all|each` (section 4 follows with `followAll` per batch, the default, or with
 * `follow` in a fiber per run), `--tracking-process=own|shared` (section 4's adapter side in a fresh
 * process of its own with Node's default flags, the default, or in this process),
 * `--tracking-create-concurrency=N` (section 4's run creations in flight, default 64),
 * `--out=<file>`.
 *
 * @since 0.1.0
 */
import { mkdirSync, writeFileSync } from "node:fs"
import { dirname } from "node:path"
import { fileURLToPath } from "node:url"
import * as Harness from "./Harness.js"
import * as Report from "./Report.js"

const args = process.argv.slice(2)
const flag = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3)
const list = (name: string) => flag(name)?.split(",").filter((s) => s !== "")
const only = list("only") as Array<Harness.Section> | undefined
for (const s of only ?? []) if (!Harness.sections.includes(s)) throw new Error(`unknown section ${s}; known: ${Harness.sections.join(", ")}`)
const out = flag("out") ?? fileURLToPath(new URL("../bench/results.json", import.meta.url))

const trackingRuns = flag("tracking-runs")
const trackingEmulators = flag("tracking-emulators")
if (trackingEmulators !== undefined && trackingEmulators !== "process" && trackingEmulators !== "inline") throw new Error("--tracking-emulators: process or inline")
const trackingFollow = flag("tracking-follow")
if (trackingFollow !== undefined && trackingFollow !== "all" && trackingFollow !== "each") throw new Error("--tracking-follow: all or each")
const trackingProcess = flag("tracking-process")
if (trackingProcess !== undefined && trackingProcess !== "own" && trackingProcess !== "shared") throw new Error("--tracking-process: own or shared")
const trackingCreateConcurrency = flag("tracking-create-concurrency")
if (trackingCreateConcurrency !== undefined && !(Number(trackingCreateConcurrency) >= 1)) throw new Error("--tracking-create-concurrency: a number >= 1")
const trackingVerdicts = flag("tracking-verdicts")
if (trackingVerdicts !== undefined && trackingVerdicts !== "true" && trackingVerdicts !== "false") throw new Error("--tracking-verdicts: true or false")
mkdirSync(dirname(out), { recursive: true })
const write = (value: unknown) => writeFileSync(out, `${JSON.stringify(value, null, 2)}\n`)
const results = await Harness.run({
  quick: args.includes("--quick"),
  only,
  vendors: list("vendors"),
  trackingRuns: trackingRuns === undefined ? undefined : Number(trackingRuns),
  trackingEmulators,
  trackingVerdicts: trackingVerdicts === undefined ? undefined : trackingVerdicts === "true",
  trackingFollow,
  trackingProcess,
  trackingCreateConcurrency: trackingCreateConcurrency === undefined ? undefined : Number(trackingCreateConcurrency),
  checkpoint: write
})
write(results)
console.log("")
console.log(Report.table(results))
console.log(`\nresults: ${out}`)
process.exit(0)
