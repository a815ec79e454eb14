/**
 * The ledger's behaviour, parameterised by backend: the same tests run on SQLite and PostgreSQL.
 */
import { expect, layer } from "@effect/vitest"
import { Plan, ProviderRef, Run, SimulationProvider, Status, SuiteReport, SuiteRunner } from "@simbridge/core"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import type * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"
import { RunLedger } from "../src/index.js"
import { planNamed, provider, unique, watch } from "./fixtures.js"

const { BeginExecution, ListOptions, PutResource, ResourceKey } = RunLedger

const snapshotKey = (status: { unified: string; raw: string }, counts: Run.RunCounts | undefined) =>
  JSON.stringify([status.unified, status.raw, counts ? Schema.encodeSync(Run.RunCounts)(counts) : null])

/** Waits (live clock) until `check` holds. */
const eventually = <A, E, R>(effect: Effect.Effect<A, E, R>, check: (a: A) => boolean, what: string) =>
  Effect.gen(function*() {
    for (let i = 0; i < 400; i++) {
      const a = yield* effect
      if (check(a)) return a
      yield* Effect.sleep("10 millis")
    }
    return yield* Effect.dieMessage(`timed out waiting for ${what}`)
  })

export const ledgerSuite = <E>(name: string, ledgerLayer: Layer.Layer<RunLedger.RunLedger, E>) =>
  layer(ledgerLayer, { excludeTestServices: true, timeout: "60 seconds" })(name, (it) => {
    it.effect("records an execution through the journal: intent before create, transitions once per change, results", () =>
      Effect.gen(function*() {
        const ledger = yield* RunLedger.RunLedger
        const plan = planNamed(unique("journal"))
        const alpha = yield* provider("alpha", { outcome: () => "pass" })
        const beta = yield* provider("beta", { outcome: (slot) => (slot.persona === "calm-bob" ? "fail" : "pass") })
        const execution = yield* ledger.begin(new BeginExecution({ plan, providers: ["alpha", "beta"], settings: new RunLedger.Settings({ emulated: true, seed: 7 }) }))
        expect(execution.planHash).toBe(Plan.hash(plan))
        expect(execution.finishedAt).toBeUndefined()

        // What the ledger held at the moment each vendor create call went out.
        const atCreate = yield* Ref.make<ReadonlyArray<string>>([])
        const checked = (p: { service: SimulationProvider.Service }): SimulationProvider.Service => ({
          ...p.service,
          startRun: (plan, options) =>
            Effect.gen(function*() {
              const marker = options?.marker ?? "none"
              const before = yield* ledger.get(marker).pipe(Effect.orDie)
              yield* Ref.update(atCreate, (xs) => [
                ...xs,
                Option.match(before, { onNone: () => `${p.service.name}:missing`, onSome: (d) => `${d.run.provider}:${d.run.phase}:${d.run.ref ?? "no-ref"}` })
              ])
              return yield* p.service.startRun(plan, options)
            })
        })
        const seen = yield* Ref.make<Record<string, ReadonlyArray<string>>>({})
        const note = (provider: string, key: string) =>
          Ref.update(seen, (m) => ({ ...m, [provider]: [...(m[provider] ?? []), key] }))
        const report = yield* SuiteRunner.run(plan, [checked(alpha), checked(beta)], {
          watch,
          journal: ledger.journal(execution.id),
          onEvent: (e) =>
            e._tag === "Started" || e._tag === "Progress"
              ? note(e.provider, snapshotKey(e.run.status, e.run.counts))
              : e._tag === "Finished"
              ? note(e.provider, snapshotKey(e.report.status, e.report.counts))
              : Effect.void
        })

        expect([...(yield* Ref.get(atCreate))].sort()).toEqual(["alpha:intent:no-ref", "beta:intent:no-ref"])
        expect(report.runs.map((r) => r.status.unified)).toEqual(["completed", "completed"])

        const runs = yield* ledger.list(new ListOptions({ suite: plan.name }))
        expect(runs.map((r) => [r.provider, r.phase, r.status?.unified, r.executionId]).sort()).toEqual([
          ["alpha", "finished", "completed", execution.id],
          ["beta", "finished", "completed", execution.id]
        ])
        expect((yield* ledger.getExecution(execution.id)).pipe(Option.map((e) => e.finishedAt !== undefined))).toEqual(Option.some(true))

        for (const runReport of report.runs) {
          // by ref string
          const detail = Option.getOrThrow(yield* ledger.get(runReport.ref!))
          expect(detail.run.provider).toBe(runReport.provider)
          expect(detail.execution.settings).toMatchObject({ emulated: true, seed: 7 })
          expect(Schema.encodeSync(SuiteReport.RunReport)(detail.report!)).toEqual(Schema.encodeSync(SuiteReport.RunReport)(runReport))
          expect(detail.report!.results).toHaveLength(4)
          // transitions: one per change, in order, starting queued and ending completed
          const keys = detail.transitions.map((t) => snapshotKey(t.status, t.counts))
          expect(detail.transitions.map((t) => t.seq)).toEqual(keys.map((_, i) => i + 1))
          keys.forEach((k, i) => i > 0 && expect(k).not.toBe(keys[i - 1]))
          const observed = (yield* Ref.get(seen))[runReport.provider]!.filter((k, i, all) => i === 0 || k !== all[i - 1])
          expect(keys).toEqual(observed)
          expect(detail.transitions[0]!.status.unified).toBe("queued")
          expect(detail.transitions[detail.transitions.length - 1]!.status.unified).toBe("completed")
          expect(detail.transitions.length).toBeGreaterThanOrEqual(3)
          // by marker and by ledger id
          const byMarker = Option.getOrThrow(yield* ledger.get(detail.run.marker))
          expect(byMarker.run.id).toBe(detail.run.id)
          expect(Option.getOrThrow(yield* ledger.get(detail.run.id)).run.ref).toBe(runReport.ref)
        }
        const beta2 = Option.getOrThrow(yield* ledger.get(report.runs[1]!.ref!))
        expect(beta2.report!.results.filter((r) => r.verdict === "fail").map((r) => r.persona)).toEqual(["calm-bob", "calm-bob"])
        expect(beta2.run.counts).toMatchObject({ total: 4, passed: 2, failed: 2 })

        const unfinished = yield* ledger.unfinished()
        expect(unfinished.filter((u) => u.execution.id === execution.id)).toEqual([])
      }))

    it.effect("progress stores a transition only when status or counts change", () =>
      Effect.gen(function*() {
        const ledger = yield* RunLedger.RunLedger
        const plan = planNamed(unique("dedupe"))
        const execution = yield* ledger.begin(new BeginExecution({ plan, providers: ["alpha"] }))
        const marker = unique("sb")
        yield* ledger.intent(execution.id, "alpha", marker)
        const run = (raw: string, unified: Status.UnifiedStatus, running: number) =>
          new Run.Run({
            ref: ProviderRef.make("alpha", "run", `r-${marker}`),
            provider: "alpha",
            status: new Status.Status({ unified, raw }),
            counts: new Run.RunCounts({ total: 2, queued: 2 - running, running, passed: 0, failed: 0, errored: 0, skipped: 0 }),
            marker
          })
        yield* ledger.started("alpha", marker, run("pending", "queued", 0))
        const stored = [
          yield* ledger.progress("alpha", marker, run("pending", "queued", 0)),
          yield* ledger.progress("alpha", marker, run("in_progress", "running", 1)),
          yield* ledger.progress("alpha", marker, run("in_progress", "running", 1)),
          yield* ledger.progress("alpha", marker, run("in_progress", "running", 2)),
          yield* ledger.progress("alpha", marker, run("IN_PROGRESS", "running", 2))
        ]
        expect(stored).toEqual([false, true, false, true, true])
        const detail = Option.getOrThrow(yield* ledger.get(`alpha:run:r-${marker}`))
        expect(detail.transitions.map((t) => [t.status.raw, t.counts.running])).toEqual([
          ["pending", 0],
          ["in_progress", 1],
          ["in_progress", 2],
          ["IN_PROGRESS", 2]
        ])
        expect(detail.run).toMatchObject({ phase: "started", status: { unified: "running", raw: "IN_PROGRESS" } })
      }))

    it.effect("a run whose process died mid-run is unfinished, with what resume needs; finishing it clears it", () =>
      Effect.gen(function*() {
        const ledger = yield* RunLedger.RunLedger
        const plan = planNamed(unique("crash"))
        const slow = yield* provider("alpha", { callDuration: "1 minute" })
        const execution = yield* ledger.begin(new BeginExecution({ plan, providers: ["alpha"] }))
        // A killed process records no final report: this journal drops it (an interrupted run
        // records one, canceled; see the next test).
        const killed: SuiteRunner.Journal = { ...ledger.journal(execution.id), finished: () => Effect.void }
        const fiber = yield* Effect.fork(SuiteRunner.run(plan, [slow.service], { watch, journal: killed }))
        const [started] = yield* eventually(
          ledger.list(new ListOptions({ suite: plan.name })),
          (rs) => rs.length === 1 && rs[0]!.phase === "started",
          "the run to start"
        )
        yield* Fiber.interrupt(fiber)

        const unfinished = (yield* ledger.unfinished()).filter((u) => u.execution.id === execution.id)
        expect(unfinished).toHaveLength(1)
        const u = unfinished[0]!
        expect(u.run).toMatchObject({ provider: "alpha", marker: started!.marker, ref: started!.ref, phase: "started" })
        expect(u.run.ref).toMatch(/^alpha:run:/)
        const rebuilt = yield* RunLedger.decodePlan(u.execution)
        expect(Plan.hash(rebuilt)).toBe(execution.planHash)
        expect(u.execution.providers).toEqual(["alpha"])
        expect(Option.getOrThrow(yield* ledger.getExecution(execution.id)).finishedAt).toBeUndefined()

        // What `simbridge resume` does: watch the vendor run again and finish it through the journal.
        const ref = Schema.decodeSync(ProviderRef.ProviderRefFromString)(u.run.ref!)
        const latest = yield* slow.service.getRun(ref)
        const j = ledger.journal(u.execution.id)
        yield* j.progress("alpha", u.run.marker, latest)
        yield* j.finished("alpha", u.run.marker, new SuiteReport.RunReport({ provider: "alpha", ref: u.run.ref!, status: latest.status, counts: latest.counts, warnings: [], results: [] }))
        expect((yield* ledger.unfinished()).filter((x) => x.execution.id === execution.id)).toEqual([])
        expect(Option.getOrThrow(yield* ledger.getExecution(execution.id)).finishedAt).toBeDefined()
      }))

    it.effect("an interrupted run is finished, canceled, with the results read after the cancel: resume leaves it", () =>
      Effect.gen(function*() {
        const ledger = yield* RunLedger.RunLedger
        const plan = planNamed(unique("interrupted"))
        const slow = yield* provider("alpha", { callDuration: "1 minute" })
        const execution = yield* ledger.begin(new BeginExecution({ plan, providers: ["alpha"] }))
        const fiber = yield* Effect.fork(SuiteRunner.run(plan, [slow.service], { watch, journal: ledger.journal(execution.id) }))
        const [started] = yield* eventually(
          ledger.list(new ListOptions({ suite: plan.name })),
          (rs) => rs.length === 1 && rs[0]!.phase === "started",
          "the run to start"
        )
        yield* Fiber.interrupt(fiber)

        expect((yield* ledger.unfinished()).filter((u) => u.execution.id === execution.id)).toEqual([])
        const detail = Option.getOrThrow(yield* ledger.get(started!.id))
        expect(detail.run).toMatchObject({ phase: "finished", status: { unified: "canceled" } })
        expect(detail.report?.results.length).toBeGreaterThan(0)
        expect(Option.getOrThrow(yield* ledger.getExecution(execution.id)).finishedAt).toBeDefined()
      }))

    it.effect("providers that finish at the same moment still finish their execution (no write skew)", () =>
      Effect.gen(function*() {
        const ledger = yield* RunLedger.RunLedger
        const providers = ["p1", "p2", "p3", "p4", "p5", "p6"]
        for (let round = 0; round < 8; round++) {
          const plan = planNamed(unique("simultaneous"))
          const execution = yield* ledger.begin(new BeginExecution({ plan, providers }))
          const markers = providers.map(() => unique("sb"))
          yield* Effect.forEach(providers, (p, i) => ledger.intent(execution.id, p, markers[i]!), { discard: true })
          const j = ledger.journal(execution.id)
          const done = new Status.Status({ unified: "completed", raw: "ended" })
          yield* Effect.forEach(
            providers,
            (p, i) => j.finished(p, markers[i]!, new SuiteReport.RunReport({ provider: p, ref: `${p}:run:${i}`, status: done, warnings: [], results: [] })),
            { concurrency: "unbounded", discard: true }
          )
          const stored = Option.getOrThrow(yield* ledger.getExecution(execution.id))
          expect({ round, finished: stored.finishedAt !== undefined }).toEqual({ round, finished: true })
        }
      }))

    it.effect("an intent without a vendor run is unfinished (the create may or may not have happened)", () =>
      Effect.gen(function*() {
        const ledger = yield* RunLedger.RunLedger
        const plan = planNamed(unique("intent-only"))
        const execution = yield* ledger.begin(new BeginExecution({ plan, providers: ["alpha", "beta"] }))
        const marker = unique("sb")
        const first = yield* ledger.intent(execution.id, "alpha", marker)
        const again = yield* ledger.intent(execution.id, "alpha", marker)
        expect(again.id).toBe(first.id) // idempotent per (provider, marker)
        const other = yield* ledger.begin(new BeginExecution({ plan, providers: ["alpha"] }))
        const conflict = yield* Effect.exit(ledger.intent(other.id, "alpha", marker))
        expect(Exit.isFailure(conflict) && String(conflict.cause)).toContain("already belongs to execution")
        const unfinished = (yield* ledger.unfinished()).filter((u) => u.execution.id === execution.id)
        expect(unfinished.map((u) => [u.run.provider, u.run.marker, u.run.phase, u.run.ref])).toEqual([["alpha", marker, "intent", undefined]])
        expect(Option.getOrThrow(yield* ledger.get(marker)).transitions).toEqual([])
      }))

    it.effect("a create that fails is finished with its error, not left unfinished", () =>
      Effect.gen(function*() {
        const ledger = yield* RunLedger.RunLedger
        const plan = planNamed(unique("refused"))
        const broken = yield* provider("beta")
        yield* broken.control.inject("startRun", { _tag: "Error", reason: "Unauthorized", status: 401 })
        const execution = yield* ledger.begin(new BeginExecution({ plan, providers: ["beta"] }))
        yield* SuiteRunner.run(plan, [broken.service], { watch, journal: ledger.journal(execution.id) })
        const [run] = yield* ledger.list(new ListOptions({ suite: plan.name }))
        expect(run).toMatchObject({ provider: "beta", phase: "finished", status: { unified: "failed", raw: "simbridge_error" }, error: { reason: "Unauthorized", step: "startRun" } })
        expect(run!.ref).toBeUndefined()
        const detail = Option.getOrThrow(yield* ledger.get(run!.marker))
        expect(detail.transitions).toEqual([])
        expect(detail.report?.error?.reason).toBe("Unauthorized")
        expect((yield* ledger.unfinished()).filter((u) => u.execution.id === execution.id)).toEqual([])
      }))

    it.effect("the journal refuses to let a run be created when its intent cannot be recorded", () =>
      Effect.gen(function*() {
        const ledger = yield* RunLedger.RunLedger
        const plan = planNamed(unique("no-execution"))
        const p = yield* provider("alpha")
        const report = yield* SuiteRunner.run(plan, [p.service], { watch, journal: ledger.journal("ex_does_not_exist") })
        expect(report.runs[0]!.error).toMatchObject({ reason: "LedgerUnavailable", step: "ledger" })
        expect(report.runs[0]!.error!.message).toContain("unknown execution ex_does_not_exist")
        expect((yield* p.control.calls).filter((c) => c.operation === "startRun" || c.operation === "provision")).toEqual([])
      }))

    it.effect("provisioned resources: get/put, reuse when unchanged, update when the definition changes", () =>
      Effect.gen(function*() {
        const ledger = yield* RunLedger.RunLedger
        const scope = unique("https://api.vapi.ai")
        const key = new ResourceKey({ provider: "vapi", key: "persona:anxious-sarah", scope })
        expect(yield* ledger.getResource(key)).toEqual(Option.none())
        const h1 = Plan.definitionHash({ id: "anxious-sarah", emotion: "frustrated" })
        const h2 = Plan.definitionHash({ id: "anxious-sarah", emotion: "calm" })
        const ref1 = ProviderRef.make("vapi", "persona", "p-1")
        const put = (ref: ProviderRef.ProviderRef, definitionHash: string, s = scope) =>
          ledger.putResource(new PutResource({ provider: "vapi", key: "persona:anxious-sarah", scope: s, ref, definitionHash }))
        expect((yield* put(ref1, h1)).change).toBe("created")
        const got = Option.getOrThrow(yield* ledger.getResource(key))
        expect(got).toMatchObject({ provider: "vapi", key: "persona:anxious-sarah", scope, definitionHash: h1 })
        expect(got.ref.toString()).toBe("vapi:persona:p-1")
        const same = yield* put(ref1, h1)
        expect(same.change).toBe("unchanged")
        expect(same.resource.updatedAt).toBe(got.updatedAt)
        const changed = yield* put(ref1, h2)
        expect(changed.change).toBe("updated")
        expect(Option.getOrThrow(yield* ledger.getResource(key)).definitionHash).toBe(h2)
        // Another scope (another account, an emulator) is another resource.
        const otherScope = `${scope}-emulator`
        expect((yield* put(ProviderRef.make("vapi", "persona", "p-9"), h1, otherScope)).change).toBe("created")
        expect(Option.getOrThrow(yield* ledger.getResource(key)).ref.id).toBe("p-1")
      }))

    it.effect("list is newest first, limited, filtered by suite and provider", () =>
      Effect.gen(function*() {
        const ledger = yield* RunLedger.RunLedger
        const plan = planNamed(unique("list"))
        const execution = yield* ledger.begin(new BeginExecution({ plan, providers: ["alpha", "beta"] }))
        const markers: Array<string> = []
        for (let i = 0; i < 3; i++) {
          const marker = unique(`m${i}`)
          markers.push(marker)
          yield* ledger.intent(execution.id, i === 1 ? "beta" : "alpha", marker)
          yield* Effect.sleep("3 millis") // distinct creation times
        }
        const all = yield* ledger.list(new ListOptions({ suite: plan.name }))
        expect(all.map((r) => r.marker)).toEqual([...markers].reverse())
        expect((yield* ledger.list(new ListOptions({ suite: plan.name, limit: 2 }))).map((r) => r.marker)).toEqual([markers[2], markers[1]])
        expect((yield* ledger.list(new ListOptions({ suite: plan.name, provider: "beta" }))).map((r) => r.marker)).toEqual([markers[1]])
        expect(yield* ledger.get("vapi:run:does-not-exist")).toEqual(Option.none())
      }))
  })
