/**
 * The built `simbridge` binary as child processes: emulators (`simbridge emulate`) and runs.
 * Build first (`pnpm build` from the repository root); the tests fail with a clear message otherwise.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"

export const bin = fileURLToPath(new URL("../../../cli/bin/simbridge.js", import.meta.url))
export const example = fileURLToPath(new URL("../../../../examples/dental-clinic.yaml", import.meta.url))

export const assertBuilt = () => {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`pnpm build\` from the repository root first`)
}

export interface Emulated {
  readonly vendor: string
  readonly url: string
  readonly port: number
  readonly child: ChildProcess
  readonly output: () => string
  readonly stop: () => Promise<void>
}

/** `simbridge emulate --vendor <v> --port 0 ...`; resolves once it prints `listening on <url>`. */
export const emulate = (vendor: string, args: ReadonlyArray<string> = []): Promise<Emulated> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, "emulate", "--vendor", vendor, "--port", "0", ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, CI: "true" }
    })
    let out = ""
    const timer = setTimeout(() => reject(new Error(`simbridge emulate --vendor ${vendor} did not start: ${out}`)), 20_000)
    const onData = (chunk: Buffer) => {
      out += chunk.toString("utf8")
      const m = /listening on (http:\/\/127\.0\.0\.1:(\d+)\S*)/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve({
          vendor,
          url: m[1]!,
          port: Number(m[2]),
          child,
          output: () => out,
          stop: () => stop(child)
        })
      }
    }
    child.stdout.on("data", onData)
    child.stderr.on("data", onData)
    child.on("exit", (code) => {
      clearTimeout(timer)
      reject(new Error(`simbridge emulate --vendor ${vendor} exited with ${code}: ${out}`))
    })
  })

export const stop = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once("exit", () => resolve())
    child.kill("SIGTERM")
    setTimeout(() => child.kill("SIGKILL"), 3000).unref()
  })

export interface Finished {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

/**
 * Runs `simbridge <args>`; when `killAfterMs` is set, SIGKILLs it then (if still running). With
 * `killAfterOutput`, it is SIGKILLed `delayMs` after its output (stdout or stderr) first matches
 * `pattern`, whichever of the two comes first: a kill point tied to what the process did, not to
 * how fast the machine is.
 */
export const run = (
  args: ReadonlyArray<string>,
  env: Record<string, string>,
  options: {
    readonly killAfterMs?: number | undefined
    readonly killAfterOutput?: { readonly pattern: RegExp; readonly delayMs: number } | undefined
    readonly timeoutMs?: number | undefined
    readonly cwd?: string | undefined
  } = {}
): Promise<Finished & { readonly killed: boolean }> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, CI: "true", NO_COLOR: "1", ...env },
      ...(options.cwd === undefined ? {} : { cwd: options.cwd })
    })
    let stdout = ""
    let stderr = ""
    let killed = false
    const timers: Array<NodeJS.Timeout> = []
    const kill = () => {
      if (child.exitCode === null) {
        killed = true
        child.kill("SIGKILL")
      }
    }
    const onOutput = options.killAfterOutput
    let matched = false
    const watch = () => {
      if (onOutput === undefined || matched || !onOutput.pattern.test(stdout + stderr)) return
      matched = true
      timers.push(setTimeout(kill, onOutput.delayMs))
    }
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString("utf8")
      watch()
    })
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString("utf8")
      watch()
    })
    if (options.killAfterMs !== undefined) timers.push(setTimeout(kill, options.killAfterMs))
    timers.push(setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000))
    child.on("close", (code, signal) => {
      for (const t of timers) clearTimeout(t)
      // Let the pipes drain.
      setImmediate(() => resolve({ code, signal, stdout, stderr, killed: killed && signal === "SIGKILL" }))
    })
  })

/** Environment variables pointing a provider at a URL with a key. */
export const providerEnv = (vendor: string, url: string, apiKey: string): Record<string, string> => {
  const prefix = vendor.toUpperCase()
  return { [`${prefix}_API_KEY`]: apiKey, [`${prefix}_BASE_URL`]: url }
}
