/**
 * Sections 5 and 6, whole processes: CLI cold start (`simbridge --help`, `simbridge validate`) and
 * the demo (`simbridge run examples/dental-clinic.yaml --emulate`), timed from spawn to exit.
 *
 * @since 0.1.0
 */
import { spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { summarize, type Spread } from "./Stats.js"

/** The repository root (this file is packages/bench/{src,dist}/Cli.*). */
export const root = fileURLToPath(new URL("../../../", import.meta.url))
export const bin = `${root}packages/cli/bin/simbridge.js`
export const example = "examples/dental-clinic.yaml"

export interface ProcessRun {
  readonly ms: number
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs `node <bin> ...args` from the repository root and times it (spawn to exit). */
export const runCli = (args: ReadonlyArray<string>, env: Record<string, string> = {}): Promise<ProcessRun> => runNode([bin, ...args], env)

/** Runs `node ...args` from the repository root and times it (spawn to exit). */
export const runNode = (args: ReadonlyArray<string>, env: Record<string, string> = {}): Promise<ProcessRun> =>
  new Promise((resolve, reject) => {
    const start = performance.now()
    const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, NO_COLOR: "1", ...env }, stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()))
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
    child.on("error", reject)
    child.on("close", (code) => resolve({ ms: performance.now() - start, code, stdout, stderr }))
  })

export interface Row {
  readonly command: string
  readonly runs: number
  readonly ms: Spread
  readonly exitCodes: ReadonlyArray<number | null>
}

export const available = (): boolean => existsSync(`${root}packages/cli/dist/bin.js`)

/** Whether `bin/simbridge.js` starts the esbuild bundle (built by `pnpm build`) rather than dist/bin.js. */
export const bundled = (): boolean => existsSync(`${root}packages/cli/dist/bundle/simbridge.js`)

/**
 * `runs` timed starts of each command after one untimed warm-up (file cache); when the bundle
 * exists, also without it (`SIMBRIDGE_NO_BUNDLE=1`, the plain tsc output).
 */
export const coldStart = async (runs: number, log: (line: string) => void): Promise<ReadonlyArray<Row>> => {
  const commands = [["--help"], ["validate", example]]
  const variants: ReadonlyArray<{ readonly label: string; readonly env: Record<string, string> }> = bundled()
    ? [{ label: "bundle", env: {} }, { label: "dist (SIMBRIDGE_NO_BUNDLE=1)", env: { SIMBRIDGE_NO_BUNDLE: "1" } }]
    : [{ label: "dist", env: {} }]
  const rows: Array<Row> = []
  // The floor: an empty Node process on this machine.
  await runNode(["-e", "0"])
  const floor: Array<ProcessRun> = []
  for (let i = 0; i < runs; i++) floor.push(await runNode(["-e", "0"]))
  const floorRow = { command: "node -e 0 (floor, no target)", runs, ms: summarize(floor.map((s) => s.ms)), exitCodes: [...new Set(floor.map((s) => s.code))] }
  log(`  cold start ${floorRow.command}: median ${Math.round(floorRow.ms.median)} ms`)
  rows.push(floorRow)
  for (const variant of variants) for (const args of commands) {
    await runCli(args, variant.env)
    const samples: Array<ProcessRun> = []
    for (let i = 0; i < runs; i++) samples.push(await runCli(args, variant.env))
    const row = { command: `simbridge ${args.join(" ")} [${variant.label}]`, runs, ms: summarize(samples.map((s) => s.ms)), exitCodes: [...new Set(samples.map((s) => s.code))] }
    log(`  cold start ${row.command}: median ${Math.round(row.ms.median)} ms (min ${Math.round(row.ms.min)}, max ${Math.round(row.ms.max)}), exit ${row.exitCodes.join("/")}`)
    rows.push(row)
  }
  return rows
}

export interface DemoRow extends Row {
  readonly providers: string
  readonly lastOutput: string
}

/** The README demo on every emulator the CLI knows, `runs` times. */
export const demo = async (runs: number, log: (line: string) => void): Promise<DemoRow> => {
  const args = ["run", example, "--emulate"]
  const samples: Array<ProcessRun> = []
  for (let i = 0; i < runs; i++) samples.push(await runCli(args))
  const last = samples[samples.length - 1]!
  const providers = [...new Set([...last.stdout.matchAll(/\b(vapi|roark|cekura|interactly)\b/gi)].map((m) => m[1]!.toLowerCase()))].join(", ")
  const row: DemoRow = {
    command: `simbridge ${args.join(" ")} [${bundled() ? "bundle" : "dist"}]`,
    runs,
    ms: summarize(samples.map((s) => s.ms)),
    exitCodes: [...new Set(samples.map((s) => s.code))],
    providers,
    lastOutput: (last.stdout + last.stderr).split("\n").slice(-25).join("\n")
  }
  log(`  demo: median ${Math.round(row.ms.median)} ms (min ${Math.round(row.ms.min)}, max ${Math.round(row.ms.max)}), exit ${row.exitCodes.join("/")}, providers ${providers}`)
  return row
}
