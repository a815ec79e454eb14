/**
 * Counting the faults an in-process emulator injects, and adding latency spikes. The emulator kit
 * draws every background fault through `FaultControl.draw(kind)` and takes one-shot faults through
 * `FaultControl.take`; the test wraps both on the emulator's own instance (nothing in the emulator
 * package changes), so the counts are exactly what the emulator did.
 */
import type { Emulator, Faults } from "@simbridge/emulator"

export interface FaultCounts {
  rateLimit: number
  serverError500: number
  serverError502: number
  serverError503: number
  latencySpike: number
  cut: number
  lostResponse: number
  malformed: number
  garbled: number
  unknownEnum: number
  /** Kinds the emulator kit added after this was written. */
  other: number
}

export const emptyCounts = (): FaultCounts => ({ rateLimit: 0, serverError500: 0, serverError502: 0, serverError503: 0, latencySpike: 0, cut: 0, lostResponse: 0, malformed: 0, garbled: 0, unknownEnum: 0, other: 0 })

export const totalFaults = (c: FaultCounts): number =>
  c.rateLimit + c.serverError500 + c.serverError502 + c.serverError503 + c.latencySpike + c.cut + c.lostResponse + c.malformed + c.garbled + c.unknownEnum + c.other

/** mulberry32, seeded, for the test's own draws (latency spikes). */
export const rng = (seed: number) => {
  let state = seed >>> 0 || 1
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * Wraps the emulator's fault control: counts every injected fault, and adds a latency spike of
 * `spikeMs` to a `spikeShare` of the requests that get no other one-shot fault.
 */
export const instrument = (
  handle: Emulator.Handle,
  options: { readonly spikeShare?: number; readonly spikeMs?: number; readonly seed?: number } = {}
): FaultCounts => {
  const counts = emptyCounts()
  const control = handle.faults as Faults.FaultControl
  const draw = control.draw.bind(control)
  const take = control.take.bind(control)
  const random = rng(options.seed ?? 7)
  // A background server error is drawn by kind, then its status by `serverErrorStatus`.
  const serverErrorStatus = control.serverErrorStatus.bind(control)
  control.serverErrorStatus = () => {
    const status = serverErrorStatus()
    counts[status === 500 ? "serverError500" : status === 502 ? "serverError502" : "serverError503"]++
    return status
  }
  control.draw = (kind) => {
    const hit = draw(kind)
    if (kind === "serverError") {
      // Counted by status, above.
    } else if (hit) {
      if (kind in counts) (counts as unknown as Record<string, number>)[kind]!++
      else counts.other++
    }
    return hit
  }
  control.take = (method, path, accept) => {
    const oneShot = take(method, path, accept)
    if (oneShot !== undefined || accept === undefined) return oneShot
    const share = options.spikeShare ?? 0
    if (share > 0 && random() < share) {
      counts.latencySpike++
      return { _tag: "Latency", ms: options.spikeMs ?? 250 }
    }
    return undefined
  }
  return counts
}
