/**
 * An in-memory provider for tests and demos. Its runs advance on the Effect clock, so `TestClock`
 * drives them; every driver call is recorded; faults can be injected per operation. Embedders use
 * it to test their own code against `SimulationProvider` without a vendor.
 *
 * Raw statuses (run and result): `pending`, `in_progress`, `done`, `failed`, `cancelled`,
 * `timed_out`; `paused_for_review` is deliberately missing from the table (an unknown status).
 * An evaluator whose description says `emulator:unjudged` gets no evaluation; a number evaluator
 * whose description says `emulator:boolean` is answered with a boolean (as the vendor emulators do).
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import { Capabilities } from "./Capabilities.js"
import * as Evaluator from "./Evaluator.js"
import * as Plan from "./Plan.js"
import * as ProviderError from "./ProviderError.js"
import * as ProviderRef from "./ProviderRef.js"
import * as Provisioning from "./Provisioning.js"
import * as Result from "./Result.js"
import type * as Run from "./Run.js"
import * as SimulationProvider from "./SimulationProvider.js"
import * as Status from "./Status.js"

export type Outcome = "pass" | "fail" | "error"

export interface Options {
  readonly name?: string
  /** Seed of the deterministic outcomes. */
  readonly seed?: number
  /** Share of conversations that fail one required evaluation; default 0.2. */
  readonly failRate?: number
  /** Overrides the seeded outcome of a slot. */
  readonly outcome?: (slot: Plan.Slot) => Outcome
  /** Simulated time from start to verdict of one conversation; default 3 seconds. */
  readonly callDuration?: Duration.DurationInput
  /** Time a run stays queued; default 1 second. */
  readonly queueDelay?: Duration.DurationInput
  /** Time a cancel takes to settle (the run shows `cancelling` meanwhile); default 0. */
  readonly cancelSettle?: Duration.DurationInput
  /** Results per page; default 4. */
  readonly pageSize?: number
  readonly capabilities?: Partial<Capabilities>
  readonly retry?: SimulationProvider.MakeOptions["retry"]
  readonly watch?: SimulationProvider.WatchOptions
  /**
   * Give the driver `getRuns` (one call reads every watched run, so `watch` tracks all runs of the
   * provider with one polling loop); default true. `false` keeps one `getRun` poll per watch.
   */
  readonly batch?: boolean
}

export interface Call {
  readonly operation: "provision" | "startRun" | "getRun" | "getRuns" | "listResults" | "cancelRun" | "findRun"
  readonly args: ReadonlyArray<unknown>
  readonly at: number
}

/** A fault for the next calls of an operation (`"*"`: any operation). */
export type Fault =
  | { readonly _tag: "Error"; readonly reason: ProviderError.Reason; readonly retryAfter?: Duration.DurationInput; readonly status?: number; readonly outcomeUnknown?: boolean }
  | { readonly _tag: "Malformed" }
  | { readonly _tag: "UnknownStatus"; readonly raw: string }

export interface Control {
  readonly calls: Effect.Effect<ReadonlyArray<Call>>
  readonly clearCalls: Effect.Effect<void>
  /** The next `times` calls of `operation` suffer `fault`. */
  readonly inject: (operation: Call["operation"] | "*", fault: Fault, times?: number) => Effect.Effect<void>
  readonly clearFaults: Effect.Effect<void>
}

export class TestProviderControl extends Context.Tag("@simbridge/core/TestProviderControl")<TestProviderControl, Control>() {}

const statusOf = Status.table({
  pending: "queued",
  in_progress: "running",
  done: "completed",
  failed: "failed",
  cancelled: "canceled",
  cancelling: "running",
  timed_out: "timed_out"
})

export const defaultCapabilities = new Capabilities({
  personas: "native",
  personaAttributes: ["language", "accent", "gender", "emotion", "backgroundNoise", "speechPace", "speechClarity", "intentClarity", "confirmationStyle", "memoryReliability"],
  directions: ["inbound", "outbound"],
  transports: ["voice", "chat"],
  maxIterations: 10,
  concurrency: true,
  maxDuration: true,
  silenceTimeout: true,
  endCallPhrases: true,
  executionMode: true,
  scriptedSteps: true,
  toolMocks: true,
  cancelRun: true,
  cancelResult: false,
  recordings: true,
  gaps: []
})

/** A stable number in [0, 1) from a seed and a key (FNV-1a, then an integer mix). */
export const unitHash = (seed: number, key: string): number => {
  let h = (0x811c9dc5 ^ seed) >>> 0
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b) >>> 0
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35) >>> 0
  h ^= h >>> 16
  return (h >>> 0) / 0x100000000
}

interface StoredRun {
  readonly id: string
  readonly plan: Plan.Plan
  readonly marker: string
  readonly createdAt: number
  readonly canceledAt: number | undefined
}

/** Builds the driver and its control. */
export const make = (options: Options = {}): Effect.Effect<{ readonly driver: SimulationProvider.Driver; readonly control: Control }> =>
  Effect.gen(function*() {
    const name = options.name ?? "test"
    const seed = options.seed ?? 1
    const failRate = options.failRate ?? 0.2
    const callMs = Duration.toMillis(options.callDuration ?? Duration.seconds(3))
    const cancelSettleMs = Duration.toMillis(options.cancelSettle ?? Duration.zero)
    const queueMs = Duration.toMillis(options.queueDelay ?? Duration.seconds(1))
    const pageSize = options.pageSize ?? 4
    const capabilities = new Capabilities({ ...defaultCapabilities, ...options.capabilities })
    const calls = yield* Ref.make<ReadonlyArray<Call>>([])
    const faults = yield* Ref.make<ReadonlyArray<{ operation: string; fault: Fault; left: number }>>([])
    const runs = yield* Ref.make(new Map<string, StoredRun>())
    const resources = yield* Ref.make(new Map<string, string>()) // canonical key -> definition hash
    let counter = 0

    const record = (operation: Call["operation"], ...args: ReadonlyArray<unknown>) =>
      Effect.flatMap(Clock.currentTimeMillis, (at) => Ref.update(calls, (cs) => [...cs, { operation, args, at }]))

    const takeFault = (operation: string) =>
      Ref.modify(faults, (fs) => {
        const i = fs.findIndex((f) => f.left > 0 && (f.operation === operation || f.operation === "*"))
        if (i < 0) return [Option.none<Fault>(), fs]
        const f = fs[i]!
        return [Option.some(f.fault), fs.map((x, j) => (j === i ? { ...x, left: x.left - 1 } : x))]
      })

    /** Records the call, then applies an injected fault, if any, to the driver's answer. */
    const guarded = <A>(operation: Call["operation"], args: ReadonlyArray<unknown>, body: Effect.Effect<A, ProviderError.ProviderError>, corrupt: (a: A, fault: Fault) => A) =>
      Effect.zipRight(record(operation, ...args), takeFault(operation)).pipe(
        Effect.flatMap(Option.match({
          onNone: () => body,
          onSome: (fault) =>
            fault._tag === "Error"
              ? Effect.fail(ProviderError.make({
                provider: name,
                operation,
                reason: fault.reason,
                description: `injected ${fault.reason}`,
                retryAfter: fault.retryAfter,
                outcomeUnknown: fault.outcomeUnknown,
                http: new ProviderError.HttpDetails({ method: "GET", url: `test://${operation}`, ...(fault.status ? { status: fault.status } : {}) })
              }))
              : Effect.map(body, (a) => corrupt(a, fault))
        }))
      )

    const slotTimes = (run: StoredRun, index: number) => {
      const concurrency = run.plan.concurrency ?? Number.MAX_SAFE_INTEGER
      const start = run.createdAt + queueMs + Math.floor(index / concurrency) * callMs
      return { start, end: start + callMs }
    }

    const outcomeOf = (slot: Plan.Slot): Outcome =>
      options.outcome?.(slot) ?? (unitHash(seed, Plan.slotKey(slot)) < failRate ? "fail" : "pass")

    const resultOf = (run: StoredRun, slot: Plan.Slot, index: number, now: number): typeof Result.Result.Encoded => {
      const { start, end } = slotTimes(run, index)
      const canceled = run.canceledAt !== undefined && run.canceledAt < end && run.canceledAt <= now
      const raw = canceled ? "cancelled" : now < start ? "pending" : now < end ? "in_progress" : outcomeOf(slot) === "error" ? "failed" : "done"
      const status = statusOf(raw)
      const scenario = run.plan.scenarios.find((s) => s.id === slot.scenario)!
      const finished = raw === "done"
      const outcome = outcomeOf(slot)
      const evaluators = Plan.evaluatorsOf(run.plan, scenario)
      const failing = evaluators.find((e) => e.required)
      const evaluations = finished
        ? evaluators.flatMap((e) => {
          const judging = judgingOf(e.description)
          if (judging === "unjudged") return []
          const passed = !(outcome === "fail" && e === failing)
          const actual = judging === "boolean" && e.type === "number" ? passed : actualValue(e, passed)
          return [{ evaluator: e.id, name: e.name ?? e.id, passed: Evaluator.passes(e, actual), required: e.required, expected: e.expect, actual, reasoning: passed ? "criterion met" : "criterion not met" }]
        })
        : []
      const verdict = Result.verdictOf(status, evaluations)
      return {
        ref: { provider: name, kind: "result", id: `${run.id}-${index + 1}` },
        run: { provider: name, kind: "run", id: run.id },
        scenario: slot.scenario,
        persona: slot.persona,
        iteration: slot.iteration,
        status,
        verdict,
        evaluations,
        transcript: finished
          ? [
            { role: "agent", text: "Thank you for calling, how can I help?", startSeconds: 0 },
            { role: "caller", text: scenario.instructions, startSeconds: 2.5 },
            { role: "agent", text: outcome === "pass" ? "Done, anything else?" : "Sorry, I cannot help with that.", startSeconds: 6 }
          ]
          : [],
        ...(finished ? { latency: { averageMs: 700 + Math.round(unitHash(seed, `lat/${Plan.slotKey(slot)}`) * 600), p50Ms: 800 }, durationSeconds: callMs / 1000 } : {}),
        ...(raw === "failed" ? { failureReason: { code: "call_failed", message: "the simulated call could not connect" } } : {}),
        ...(now >= start ? { startedAt: new Date(start).toISOString() } : {}),
        ...(finished || raw === "failed" ? { endedAt: new Date(end).toISOString() } : {})
      }
    }

    /** With `verdicts: false`, finished conversations are counted as `pending`, as a vendor whose verdicts cost a request each. */
    const snapshot = (run: StoredRun, now: number, verdicts = true): typeof Run.Run.Encoded => {
      const results = Plan.slots(run.plan).map((slot, i) => resultOf(run, slot, i, now))
      const count = (f: (r: typeof Result.Result.Encoded) => boolean) => results.filter(f).length
      const decided = (verdict: string) => (verdicts ? count((r) => r.verdict === verdict) : 0)
      const counts = {
        total: results.length,
        queued: count((r) => r.status.unified === "queued"),
        running: count((r) => r.status.unified === "running"),
        passed: decided("pass"),
        failed: decided("fail"),
        errored: decided("error"),
        skipped: decided("skipped"),
        ...(verdicts ? {} : { pending: count((r) => r.verdict !== "pending") })
      }
      const raw = run.canceledAt !== undefined && run.canceledAt <= now
        ? "cancelled"
        : run.canceledAt !== undefined
        ? "cancelling"
        : counts.queued === counts.total
        ? "pending"
        : counts.queued + counts.running > 0
        ? "in_progress"
        : "done"
      return {
        ref: { provider: name, kind: "run", id: run.id },
        provider: name,
        name: `${run.plan.name} [${run.marker}]`,
        status: statusOf(raw),
        counts,
        createdAt: new Date(run.createdAt).toISOString(),
        marker: run.marker
      }
    }

    const findStored = (operation: string, id: string) =>
      Effect.flatMap(Ref.get(runs), (m) => {
        const run = m.get(id)
        return run === undefined
          ? Effect.fail(ProviderError.make({ provider: name, operation, reason: "NotFound", description: `no run ${id}`, http: new ProviderError.HttpDetails({ method: "GET", url: `test://runs/${id}`, status: 404 }) }))
          : Effect.succeed(run)
      })

    const corruptRun = (run: typeof Run.Run.Encoded, fault: Fault): typeof Run.Run.Encoded =>
      fault._tag === "UnknownStatus"
        ? { ...run, status: statusOf(fault.raw) }
        : ({ ...run, status: { unified: 42, raw: run.status.raw } } as unknown as typeof Run.Run.Encoded)

    // Runs it does not know are omitted, as a vendor's list would.
    const getRuns: NonNullable<SimulationProvider.Driver["getRuns"]> = (ids, options) =>
      guarded("getRuns", [ids, options?.verdicts ?? true], Effect.gen(function*() {
        const stored = yield* Ref.get(runs)
        const now = yield* Clock.currentTimeMillis
        return ids.flatMap((id) => {
          const run = stored.get(id)
          return run === undefined ? [] : [snapshot(run, now, options?.verdicts ?? true)]
        })
      }), (all, fault) => all.map((run) => corruptRun(run, fault)))
    const driver: SimulationProvider.Driver = {
      name,
      capabilities,
      provision: (plan) =>
        guarded("provision", [plan.name], Effect.gen(function*() {
          const refs: Record<string, typeof ProviderRef.ProviderRef.Encoded> = {}
          let created = 0, updated = 0, reused = 0
          const known = yield* Ref.get(resources)
          const next = new Map(known)
          const put = (key: string, kind: string, definition: unknown) => {
            const h = Plan.definitionHash(definition)
            const before = known.get(key)
            if (before === undefined) created++
            else if (before !== h) updated++
            else reused++
            next.set(key, h)
            refs[key] = { provider: name, kind, id: key.split(":")[1] ?? key }
          }
          for (const p of plan.personas) put(Provisioning.key.persona(p.id), "persona", p)
          for (const s of plan.scenarios) put(Provisioning.key.scenario(s.id), "scenario", s)
          for (const e of plan.evaluators) put(Provisioning.key.evaluator(e.id), "evaluator", e)
          yield* Ref.set(resources, next)
          return { provider: name, refs, created, updated, reused }
        }), (a) => a),
      startRun: (input) =>
        guarded("startRun", [input.plan.name, input.marker], Effect.gen(function*() {
          const now = yield* Clock.currentTimeMillis
          const id = `run-${++counter}`
          const run: StoredRun = { id, plan: input.plan, marker: input.marker, createdAt: now, canceledAt: undefined }
          yield* Ref.update(runs, (m) => new Map(m).set(id, run))
          return snapshot(run, now)
        }), corruptRun),
      getRun: (id) =>
        guarded("getRun", [id], Effect.gen(function*() {
          const run = yield* findStored("getRun", id)
          return snapshot(run, yield* Clock.currentTimeMillis)
        }), corruptRun),
      listResults: (id, cursor, opts) =>
        guarded("listResults", [id, cursor], Effect.gen(function*() {
          const run = yield* findStored("listResults", id)
          const now = yield* Clock.currentTimeMillis
          const offset = cursor === undefined ? 0 : Number(cursor)
          const all = Plan.slots(run.plan)
          // The "vendor payload" of this in-memory vendor: the stored slot and its raw status.
          const page = all.slice(offset, offset + pageSize).map((slot, i) => {
            const result = resultOf(run, slot, offset + i, now)
            return opts?.raw ? { ...result, raw: { run: run.id, index: offset + i, status: result.status.raw } } : result
          })
          return { results: page, cursor: offset + pageSize < all.length ? String(offset + pageSize) : undefined }
        }), (page, fault) => ({
          ...page,
          results: page.results.map((r) =>
            fault._tag === "UnknownStatus" ? { ...r, status: statusOf(fault.raw) } : ({ ...r, verdict: "maybe" } as unknown as typeof r)
          )
        })),
      cancelRun: (id) =>
        guarded("cancelRun", [id], Effect.gen(function*() {
          const run = yield* findStored("cancelRun", id)
          const now = yield* Clock.currentTimeMillis
          if (run.canceledAt === undefined) yield* Ref.update(runs, (m) => new Map(m).set(id, { ...run, canceledAt: now + cancelSettleMs }))
        }), (a) => a),
      findRun: (input) =>
        guarded("findRun", [input.marker], Effect.gen(function*() {
          const now = yield* Clock.currentTimeMillis
          const found = [...(yield* Ref.get(runs)).values()].find((r) => r.marker === input.marker)
          return found === undefined ? Option.none() : Option.some(snapshot(found, now))
        }), (a) => a),
      ...(options.batch === false ? {} : { getRuns })
    }


    const control: Control = {
      calls: Ref.get(calls),
      clearCalls: Ref.set(calls, []),
      inject: (operation, fault, times = 1) => Ref.update(faults, (fs) => [...fs, { operation, fault, left: times }]),
      clearFaults: Ref.set(faults, [])
    }
    return { driver, control }
  })

/**
 * Emulator-only judging, asked for by the same words in an evaluator's description as the vendor
 * emulators (`Judging` of `@simbridge/emulator`, which core cannot depend on): `emulator:unjudged`
 * leaves the evaluator without an evaluation, `emulator:boolean` answers a number evaluator with a
 * boolean (whether the criterion was met).
 */
const judgingOf = (description: string): "unjudged" | "boolean" | undefined => {
  const text = description.toLowerCase()
  return text.includes("emulator:unjudged") ? "unjudged" : text.includes("emulator:boolean") ? "boolean" : undefined
}

const actualValue = (e: Evaluator.Evaluator, passed: boolean): boolean | number | string => {
  switch (e.type) {
    case "boolean":
      return passed === (e.expect === true) ? true : false
    case "number": {
      const n = Number(e.expect)
      const ok = [">=", "=", "<="].includes(e.comparator) ? n : e.comparator === ">" ? n + 1 : e.comparator === "<" ? n - 1 : n + 1
      const bad = e.comparator === ">" || e.comparator === ">=" ? n - 1 : e.comparator === "!=" ? n : n + 1
      return passed ? ok : bad
    }
    case "string":
      return passed ? (e.comparator === "!=" ? `not ${e.expect}` : String(e.expect)) : e.comparator === "!=" ? String(e.expect) : "something else"
  }
}

/** `SimulationProvider` and `TestProviderControl` from a fresh in-memory provider. */
export const layer = (options: Options = {}): Layer.Layer<SimulationProvider.SimulationProvider | TestProviderControl> =>
  Layer.scopedContext(Effect.flatMap(make(options), ({ control, driver }) =>
    Effect.map(SimulationProvider.makeScoped(driver, { retry: options.retry, watch: options.watch }), (provider) =>
      Context.make(SimulationProvider.SimulationProvider, provider).pipe(Context.add(TestProviderControl, control)))))
