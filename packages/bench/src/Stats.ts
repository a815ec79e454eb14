/**
 * Statistics helpers: medians and spread of samples, and a thin wrapper over tinybench that keeps
 * the samples so every micro figure is reported as median, p10/p90 and min/max.
 *
 * @since 0.1.0
 */
import { Bench } from "tinybench"

export interface Spread {
  readonly median: number
  readonly p10: number
  readonly p90: number
  readonly min: number
  readonly max: number
  readonly samples: number
}

const quantile = (sorted: ReadonlyArray<number>, q: number): number => {
  if (sorted.length === 0) return Number.NaN
  const pos = (sorted.length - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo)
}

/** Median, p10/p90 and min/max of raw samples. */
export const summarize = (samples: ReadonlyArray<number>): Spread => {
  const sorted = [...samples].sort((a, b) => a - b)
  return {
    median: quantile(sorted, 0.5),
    p10: quantile(sorted, 0.1),
    p90: quantile(sorted, 0.9),
    min: sorted[0] ?? Number.NaN,
    max: sorted[sorted.length - 1] ?? Number.NaN,
    samples: sorted.length
  }
}

export interface BenchOptions {
  /** Time budget per task in ms. */
  readonly time: number
  /** Minimum iterations per task. */
  readonly iterations: number
  readonly warmupIterations?: number | undefined
  /**
   * Splits the budget into this many tinybench runs, the tasks' order reversed every other run, and
   * merges their samples; default 1. For ratios between tasks on a machine whose speed drifts (a
   * shared VM): each task then samples the same stretches of time instead of one task the first
   * half and the other the second.
   */
  readonly rounds?: number | undefined
}

/**
 * Runs tasks with tinybench (sequentially, each with warmup) and returns the latency spread of
 * each in milliseconds per call. A task that throws fails the whole measurement.
 */
/** A timed function, or one with an untimed set-up before each iteration. */
export type Task = (() => unknown) | { readonly fn: () => unknown; readonly beforeEach: () => Promise<void> | void }

export const measure = async (
  tasks: Readonly<Record<string, Task>>,
  options: BenchOptions
): Promise<Record<string, Spread>> => {
  const rounds = Math.max(1, Math.floor(options.rounds ?? 1))
  const samples = new Map<string, Array<number>>(Object.keys(tasks).map((name) => [name, []]))
  for (let round = 0; round < rounds; round++) {
    const bench = new Bench({
      time: options.time / rounds,
      iterations: Math.ceil(options.iterations / rounds),
      // Warm-up in the first run only.
      warmup: round === 0,
      warmupIterations: options.warmupIterations ?? Math.max(2, Math.min(16, options.iterations)),
      warmupTime: Math.min(250, options.time / 4),
      retainSamples: true,
      throws: true
    })
    const entries = Object.entries(tasks)
    for (const [name, task] of round % 2 === 0 ? entries : entries.reverse()) {
      if (typeof task === "function") bench.add(name, async () => { await task() })
      else bench.add(name, async () => { await task.fn() }, { beforeEach: () => task.beforeEach() })
    }
    await bench.run()
    for (const task of bench.tasks) {
      const result = task.result
      if (result.state !== "completed") throw new Error(`benchmark task ${task.name}: ${result.state}${"error" in result ? `: ${String(result.error)}` : ""}`)
      // A loop, not `push(...samples)`: a fast task yields more samples than a call has arguments.
      const merged = samples.get(task.name)!
      for (const sample of result.latency.samples ?? []) merged.push(sample)
    }
  }
  const out: Record<string, Spread> = {}
  for (const [name, values] of samples) out[name] = summarize(values)
  return out
}

/** Wall time of an async function in ms. */
export const time = async <A>(f: () => Promise<A>): Promise<{ readonly ms: number; readonly value: A }> => {
  const start = performance.now()
  const value = await f()
  return { ms: performance.now() - start, value }
}

export const round = (n: number, digits = 2): number => (Number.isFinite(n) ? Number(n.toFixed(digits)) : n)
