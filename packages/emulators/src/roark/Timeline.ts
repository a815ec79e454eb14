/**
 * How a run-plan job and its simulation jobs progress, derived lazily from timestamps at the
 * emulator's pace: a job's start (after the jobs it waits for in a sequential mode), its phases,
 * each simulation job's status and processing status, and cancellation.
 *
 * @internal
 */
import type * as Wire from "@simbridge/roark/RoarkWire"
import type { Job, Sim, Store } from "./Store.js"

/**
 * A run-plan job's status, a simulation job's and its processing status: the values the emulator
 * gives (v2.31's, and the later processing status `PENDING` before a job connects).
 */
export type JobStatus = Exclude<(typeof Wire.RunPlanJobStatuses)[number], "PREPARING_CAPACITY">
export type SimStatus = Exclude<(typeof Wire.SimulationJobStatuses)[number], "RETRY_SCHEDULED">
export type ProcessingStatus = Exclude<(typeof Wire.ProcessingStatuses)[number], "RESERVING_CAPACITY" | "WAITING_FOR_LIVE_CONVERSATION">

export interface Pace {
  readonly phase: number
  readonly call: number
  readonly cancel: number
}

const processingPhases = [
  ["CONNECTING", 0.13],
  ["SIMULATING", 0.67],
  ["ENDING", 0.73],
  ["ANALYZING", 0.83],
  ["EVALUATING", 0.9],
  ["COLLECTING_METRICS", 1]
] as const

export type Outcome = "COMPLETED" | "FAILED" | "TIMED_OUT"

export const outcomeOf = (sim: Sim): Outcome => {
  const o = sim.persona.properties?.["emulatorOutcome"]
  return o === "FAILED" || o === "TIMED_OUT" ? o : "COMPLETED"
}

export interface SimView {
  readonly status: SimStatus
  readonly processingStatus: ProcessingStatus
  readonly startedAt: number | undefined
  readonly completedAt: number | undefined
  /** The call exists (SIMULATING reached). */
  readonly called: boolean
  readonly callEnded: boolean
  readonly transcriptReady: boolean
}

export interface JobView {
  readonly status: JobStatus
  readonly start: number
  readonly startedAt: number | undefined
  readonly endedAt: number | undefined
  readonly fannedOut: boolean
  readonly sims: ReadonlyArray<SimView>
}

export const make = (store: Store, pace: Pace) => {
  const starts = new Map<string, number>()

  /** When a job starts processing: at creation, or after the jobs it waits for in a sequential mode. */
  const startOf = (job: Job): number => {
    const cached = starts.get(job.id)
    if (cached !== undefined) return cached
    let start = job.createdAt
    if (job.plan.executionMode !== "PARALLEL") {
      for (const other of store.jobs.values()) {
        if (other === job) break
        if (job.plan.executionMode === "SEQUENTIAL_SAME_RUN_PLAN" && other.plan.id !== job.plan.id) continue
        start = Math.max(start, endOf(other))
      }
    }
    // Stable once known; a later cancel of an earlier job cannot move it (it only ends earlier).
    if (job.plan.executionMode === "PARALLEL") starts.set(job.id, start)
    return start
  }

  const geometry = (job: Job) => {
    const start = startOf(job)
    const running = start + 3 * pace.phase
    const c = Math.max(1, job.plan.maxConcurrentJobs)
    const lastEnd = running + Math.ceil(job.sims.length / c) * pace.call
    return { start, running, c, lastEnd, naturalEnd: lastEnd + pace.phase }
  }

  const endOf = (job: Job): number => {
    const g = geometry(job)
    return job.canceledAt !== undefined && job.canceledAt < g.naturalEnd ? job.canceledAt + pace.cancel : g.naturalEnd
  }

  const simView = (job: Job, i: number, now: number, g: ReturnType<typeof geometry>): SimView => {
    const sim = job.sims[i]!
    const start = g.running + Math.floor(i / g.c) * pace.call
    const outcome = outcomeOf(sim)
    const endFraction = outcome === "FAILED" ? 0.13 : outcome === "TIMED_OUT" ? 0.67 : 1
    const end = start + endFraction * pace.call
    const cancel = job.canceledAt !== undefined && job.canceledAt < end ? job.canceledAt : undefined
    const t = cancel === undefined ? now : Math.min(now, cancel)
    const offset = (t - start) / pace.call
    const phase = processingPhases.find(([, until]) => offset < until)?.[0] ?? "COMPLETED"
    const processing: ProcessingStatus = t < start
      ? "PENDING"
      : job.plan.direction === "OUTBOUND" && phase === "CONNECTING"
      ? "WAITING_FOR_OUTBOUND_CALL"
      : t >= end
      ? (outcome === "COMPLETED" ? "COMPLETED" : phase)
      : phase
    const called = t >= start + 0.13 * pace.call && outcome !== "FAILED"
    if (cancel !== undefined && now >= cancel) {
      const done = now >= cancel + pace.cancel
      return {
        status: done ? "CANCELLED" : "CANCELLING",
        processingStatus: processing,
        startedAt: cancel > start ? start : undefined,
        completedAt: done ? cancel + pace.cancel : undefined,
        called,
        callEnded: called,
        transcriptReady: called
      }
    }
    if (now < start) return { status: "QUEUED", processingStatus: "PENDING", startedAt: undefined, completedAt: undefined, called: false, callEnded: false, transcriptReady: false }
    if (now < end) {
      return {
        status: "PROCESSING",
        processingStatus: processing,
        startedAt: start,
        completedAt: undefined,
        called,
        callEnded: offset >= 0.67,
        transcriptReady: offset >= 0.73
      }
    }
    return { status: outcome, processingStatus: processing, startedAt: start, completedAt: end, called, callEnded: called, transcriptReady: called }
  }

  const view = (job: Job, now: number): JobView => {
    const g = geometry(job)
    const fannedOut = now >= g.running && (job.canceledAt === undefined || job.canceledAt >= g.running)
    const sims = fannedOut ? job.sims.map((_, i) => simView(job, i, now, g)) : []
    const cancelActive = job.canceledAt !== undefined && job.canceledAt < g.naturalEnd && now >= job.canceledAt
    let status: JobStatus
    let endedAt: number | undefined
    if (cancelActive) {
      const done = now >= job.canceledAt! + pace.cancel
      status = done ? "CANCELLED" : "CANCELLING"
      endedAt = done ? job.canceledAt! + pace.cancel : undefined
    } else if (now < g.start) status = "QUEUED"
    else if (now < g.start + pace.phase) status = "PENDING"
    else if (now < g.start + 2 * pace.phase) status = "CREATING_SNAPSHOTS"
    else if (now < g.running) status = "CREATING_SIMULATIONS"
    else if (now < g.lastEnd) status = "RUNNING_SIMULATIONS"
    else if (now < g.naturalEnd) status = "ENDING_SIMULATIONS"
    else {
      const outcomes = job.sims.map(outcomeOf)
      status = outcomes.length > 0 && outcomes.every((o) => o === "FAILED")
        ? "FAILED"
        : outcomes.some((o) => o === "TIMED_OUT") && !outcomes.some((o) => o === "COMPLETED")
        ? "TIMED_OUT"
        : "COMPLETED"
      endedAt = g.naturalEnd
    }
    const startedAt = now >= g.start && !(cancelActive && job.canceledAt! < g.start) ? g.start : undefined
    // A simulation job gets its Roark number once it is processing.
    sims.forEach((s, i) => {
      const sim = job.sims[i]!
      if (s.startedAt !== undefined && sim.phone === undefined) sim.phone = `+1415555${String(1000 + (store.phoneCounter++ % 9000))}`
    })
    return { status, start: g.start, startedAt, endedAt, fannedOut, sims }
  }

  return { view, endOf }
}

export type Timeline = ReturnType<typeof make>
