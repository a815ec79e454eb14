/**
 * The machine a run of the harness measured on.
 *
 * @since 0.1.0
 */
import * as os from "node:os"

export interface Machine {
  readonly cpus: number
  readonly cpuModel: string
  readonly node: string
  readonly platform: string
  readonly totalMemoryMb: number
  readonly loadAverage: ReadonlyArray<number>
  readonly date: string
}

export const describe = (): Machine => {
  const cpus = os.cpus()
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    totalMemoryMb: Math.round(os.totalmem() / 2 ** 20),
    loadAverage: os.loadavg().map((n) => Number(n.toFixed(2))),
    date: new Date().toISOString()
  }
}
