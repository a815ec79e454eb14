/**
 * The run ledger in the CLI: `run` records every run (unless `--no-ledger`), `runs` lists them,
 * `show` prints one, `resume` finishes what a crashed or killed `run` left unfinished. The ledger
 * is SQLite at `.simbridge/ledger.db` by default, PostgreSQL when `SIMBRIDGE_DATABASE_URL` is set
 * (see docs/ledger.md). `@simbridge/ledger` is loaded on first use.
 *
 * @since 0.1.0
 */
import type { RunLedger } from "@simbridge/ledger"
import { Plan, ProviderRef, Status, SuiteReport, SuiteRunner } from "@simbridge/core"
import type { SimulationProvider } from "@simbridge/core"
import * as Console from "effect/Console"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Render from "./Render.js"

type Ledger = RunLedger.Service

const loadModule = Effect.tryPromise({
  try: () => import("@simbridge/ledger"),
  catch: (e) => `the run ledger is not available: ${(e as Error).message}`
})

/** After `open` succeeded, the module is there. */
const module = Effect.orDie(loadModule)

/** Opens the configured ledger for the scope; fails with a readable message. */
export const open: Effect.Effect<Ledger, string, import("effect/Scope").Scope> = Effect.gen(function*() {
  const { RunLedger } = yield* loadModule
  const context = yield* Layer.build(RunLedger.layerConfig).pipe(
    Effect.mapError((e) => `could not open the run ledger (${process.env["SIMBRIDGE_DATABASE_URL"] ? "SIMBRIDGE_DATABASE_URL" : ".simbridge/ledger.db"}): ${e.message}`)
  )
  return Context.get(context, RunLedger.RunLedger)
})

export interface Recording {
  readonly executionId: string
  readonly journal: SuiteRunner.Journal
  readonly finish: Effect.Effect<void>
}

/** Starts recording a suite execution; `undefined` (with a warning) when the ledger cannot be opened. */
export const begin = (
  plan: Plan.Plan,
  providers: ReadonlyArray<string>,
  settings: {
    readonly emulated: boolean
    readonly seed: number
    readonly strict: boolean
    readonly speed: number
    /** When the execution must end (ISO-8601), from `--timeout` or the suite's `timeout`. */
    readonly deadline?: string | undefined
  }
) =>
  Effect.gen(function*() {
    const opened = yield* Effect.either(open)
    if (Either.isLeft(opened)) {
      yield* Console.error(`warning: ${opened.left}; this run is not recorded (simbridge resume cannot pick it up)`)
      return undefined
    }
    const ledger = opened.right
    const { RunLedger } = yield* module
    const execution = yield* ledger.begin(new RunLedger.BeginExecution({
      plan,
      providers: [...providers],
      settings: new RunLedger.Settings({
        emulated: settings.emulated,
        seed: settings.seed,
        strict: settings.strict,
        ...(settings.deadline === undefined ? {} : { deadline: settings.deadline }),
        options: { speed: settings.speed }
      })
    })).pipe(Effect.orDie)
    const scope = settings.emulated ? "emulator" : ""
    const recording: Recording = {
      executionId: execution.id,
      journal: {
        ...ledger.journal(execution.id),
        // Every vendor resource with the hash of its canonical definition (see docs/ledger.md).
        provisioned: (provider, plan, provisioning) =>
          Effect.forEach(Object.entries(provisioning.refs), ([key, ref]) =>
            ledger.putResource(new RunLedger.PutResource({ provider, key, scope, ref, definitionHash: definitionOf(plan, key) })), { discard: true }).pipe(
            Effect.catchAll((e) => Effect.logWarning(`run ledger: could not record provisioned resources: ${e.message}`))
          )
      },
      finish: ledger.finishExecution(execution.id).pipe(Effect.ignoreLogged)
    }
    return recording
  })

/** The hash of the canonical definition behind a provisioning key; the whole plan for vendor keys. */
const definitionOf = (plan: Plan.Plan, key: string): string => {
  const [kind, id] = key.split(":", 2)
  const find = <A extends { readonly id: string }>(items: ReadonlyArray<A>) => items.find((i) => i.id === id)
  const item = kind === "persona" ? find(plan.personas) : kind === "scenario" ? find(plan.scenarios) : kind === "evaluator" ? find(plan.evaluators) : undefined
  return item === undefined ? Plan.hash(plan) : Plan.definitionHash(item)
}

const fmtTime = (iso: string | undefined) => (iso === undefined ? "-" : iso.replace("T", " ").slice(0, 19))

/** `simbridge runs` */
export const list = (options: { readonly limit: number; readonly suite?: string | undefined; readonly provider?: string | undefined }) =>
  Effect.gen(function*() {
    const ledger = yield* open
    const { RunLedger } = yield* module
    const runs = yield* ledger.list(new RunLedger.ListOptions({ limit: options.limit, ...(options.suite ? { suite: options.suite } : {}), ...(options.provider ? { provider: options.provider } : {}) })).pipe(Effect.orDie)
    if (runs.length === 0) return yield* Console.log("no runs recorded yet")
    yield* Console.log(Render.table([
      ["id", "started", "suite", "provider", "phase", "status", "passed/total", "ref"],
      ...runs.map((r) => [
        r.id,
        fmtTime(r.createdAt),
        r.suite,
        r.provider,
        r.phase,
        r.error ? `error: ${r.error.reason}` : r.status ? `${r.status.unified} (${r.status.raw})` : "-",
        r.counts ? `${r.counts.passed}/${r.counts.total}` : "-",
        r.ref ?? "-"
      ])
    ]))
  })

/** `simbridge show <id | ref | marker>` */
export const show = (idOrRef: string) =>
  Effect.gen(function*() {
    const ledger = yield* open
    const found = yield* ledger.get(idOrRef).pipe(Effect.orDie)
    if (Option.isNone(found)) return yield* Effect.fail(`no recorded run matches "${idOrRef}" (give a ledger id, a provider:run:<id> ref or a marker; see simbridge runs)`)
    const { execution, report, run, transitions } = found.value
    yield* Console.log(`${run.id}  ${run.provider}  ${run.ref ?? "(no vendor run yet)"}  marker ${run.marker}`)
    yield* Console.log(`suite "${execution.suite}" (plan ${execution.planHash})${execution.settings.emulated ? ", emulated" : ""}, started ${fmtTime(run.createdAt)}, phase ${run.phase}`)
    if (transitions.length > 0) {
      yield* Console.log("\nStatus transitions:")
      for (const t of transitions) {
        yield* Console.log(`  ${fmtTime(t.at)}  ${t.status.unified} (${t.status.raw})  ${t.counts.finished}/${t.counts.total} done, ${t.counts.passed} passed, ${t.counts.failed + t.counts.errored} failed${t.counts.pending > 0 ? `, verdict pending ${t.counts.pending}` : ""}`)
      }
    }
    if (run.error) yield* Console.log(`\nError during ${run.error.step}: ${run.error.reason}: ${run.error.message}`)
    if (report) {
      const { RunLedger } = yield* module
      const plan = yield* RunLedger.decodePlan(execution).pipe(Effect.orDie)
      yield* Console.log("")
      yield* Console.log(Render.summary(new SuiteReport.SuiteReport({
        version: SuiteReport.version,
        suite: execution.suite,
        planHash: execution.planHash,
        emulated: execution.settings.emulated,
        partial: false,
        startedAt: report.startedAt ?? run.createdAt,
        finishedAt: report.finishedAt ?? run.updatedAt,
        runs: [report],
        comparison: SuiteRunner.compare(plan, [report])
      })))
    }
  })

/** A run `resume` could not continue. */
export interface NotResumed {
  readonly provider: string
  readonly id: string
  readonly reason: string
}

export interface Resumed {
  /** One report per execution that had a run to continue. */
  readonly reports: ReadonlyArray<SuiteReport.SuiteReport>
  /** Runs marked failed in the ledger because they cannot be continued (in-process emulators). */
  readonly markedFailed: ReadonlyArray<NotResumed>
  /** Runs left unfinished because their provider could not be built (missing credentials...). */
  readonly leftUnfinished: ReadonlyArray<NotResumed>
}

/**
 * `simbridge resume`: every unfinished run, grouped by execution, continued with
 * `SuiteRunner.run(..., { resume })`. Returns the reports and the runs it gave up on (all empty
 * when there was nothing to do).
 */
export const resume = (
  build: (provider: string) => Effect.Effect<SimulationProvider.Service, string, import("effect/Scope").Scope>,
  options: Pick<SuiteRunner.Options, "onEvent" | "watch">
) =>
  Effect.gen(function*() {
    const ledger = yield* open
    const { RunLedger } = yield* module
    const unfinished = yield* ledger.unfinished().pipe(Effect.orDie)
    const byExecution = new Map<string, Array<(typeof unfinished)[number]>>()
    for (const u of unfinished) byExecution.set(u.execution.id, [...(byExecution.get(u.execution.id) ?? []), u])
    const reports: Array<SuiteReport.SuiteReport> = []
    const markedFailed: Array<NotResumed> = []
    const leftUnfinished: Array<NotResumed> = []
    for (const runs of byExecution.values()) {
      const execution = runs[0]!.execution
      const plan = yield* RunLedger.decodePlan(execution).pipe(Effect.orDie)
      const services: Array<SimulationProvider.Service> = []
      const resumeMap = new Map<string, SuiteRunner.Resume>()
      for (const { run } of runs) {
        if (execution.settings.emulated) {
          // Failed, then finished with that error: the run has its outcome, and the next resume
          // does not find it again (see docs/ledger.md).
          const error = new SuiteReport.RunError({
            reason: "Unsupported",
            step: "resume",
            message: "the run used an in-process emulator, which ended with its process; run the suite again"
          })
          yield* ledger.failed(run.provider, run.marker, error).pipe(Effect.orDie)
          yield* ledger.finished(run.provider, run.marker, new SuiteReport.RunReport({
            provider: run.provider,
            ...(run.ref === undefined ? {} : { ref: run.ref }),
            status: new Status.Status({ unified: "failed", raw: "simbridge_error" }),
            warnings: [],
            error,
            results: []
          })).pipe(Effect.orDie)
          yield* Console.error(`${run.provider} ${run.id}: not resumable (in-process emulator); marked as failed`)
          markedFailed.push({ provider: run.provider, id: run.id, reason: "not resumable (in-process emulator)" })
          continue
        }
        const service = yield* Effect.either(build(run.provider))
        if (Either.isLeft(service)) {
          yield* Console.error(`${run.provider} ${run.id}: ${service.left}; left unfinished`)
          leftUnfinished.push({ provider: run.provider, id: run.id, reason: service.left })
          continue
        }
        services.push(service.right)
        const ref = run.ref === undefined ? undefined : Either.getOrUndefined(ProviderRef.parse(run.ref))
        resumeMap.set(run.provider, { marker: run.marker, ...(ref ? { ref } : {}) })
        yield* Console.error(`resuming ${run.provider} ${run.id} (${run.ref ?? `marker ${run.marker}, creation unconfirmed`}) of "${execution.suite}"`)
      }
      if (services.length === 0) continue
      // The execution's deadline still holds: the runs get the time left, none when it has passed
      // (they are then canceled and recorded timed out at once).
      const deadline = execution.settings.deadline
      const timeout = deadline === undefined ? undefined : Duration.millis(Math.max(0, Date.parse(deadline) - Date.now()))
      const report = yield* SuiteRunner.run(plan, services, { ...options, resume: resumeMap, journal: ledger.journal(execution.id), timeout })
      yield* ledger.finishExecution(execution.id).pipe(Effect.ignoreLogged)
      reports.push(report)
    }
    const resumed: Resumed = { reports, markedFailed, leftUnfinished }
    return resumed
  })
