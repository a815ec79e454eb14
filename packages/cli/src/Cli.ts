/**
 * The `simbridge` command.
 *
 * @since 0.1.0
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import { Issues, ProviderRegistry, Retry, SimulationProvider, SuiteReport, SuiteRunner, TestProvider } from "@simbridge/core"
import type { Plan } from "@simbridge/core"
import * as Faults from "@simbridge/emulator/Faults"
import type * as ConfigError from "effect/ConfigError"
import * as Console from "effect/Console"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as ExitCode from "./ExitCode.js"
import * as History from "./History.js"
import * as Plugins from "./Plugins.js"
import * as Overrides from "./Overrides.js"
import * as Progress from "./Progress.js"
import * as ProjectConfig from "./ProjectConfig.js"
import * as Render from "./Render.js"
import * as Compare from "./reports/Compare.js"
import * as HtmlReport from "./reports/HtmlReport.js"
import * as MarkdownReport from "./reports/MarkdownReport.js"
import * as SuiteFile from "./SuiteFile.js"
import * as SuiteSchema from "./SuiteSchema.js"

/** A usage problem: exit code 2 with this message. */
export class UsageError extends Schema.TaggedError<UsageError>()("UsageError", { message: Schema.String }) {}

const setExitCode = (code: number) => Effect.sync(() => {
  process.exitCode = code
})


/** A configuration error in a sentence: which variables are missing or invalid (values never shown). */
export const describeConfigError = (error: ConfigError.ConfigError): string => {
  const missing: Array<string> = []
  const invalid: Array<string> = []
  const walk = (e: ConfigError.ConfigError): void => {
    switch (e._op) {
      case "And":
      case "Or":
        walk(e.left)
        walk(e.right)
        return
      case "MissingData":
        missing.push(e.path.join("_") || "(root)")
        return
      case "InvalidData":
        invalid.push(`${e.path.join("_")}: ${e.message}`)
        return
      default:
        invalid.push(e.message)
    }
  }
  walk(error)
  const parts: Array<string> = []
  const unset = [...new Set(missing)]
  if (unset.length === 1) parts.push(`${unset[0]} is not set`)
  else if (unset.length === 2) parts.push(`neither ${unset[0]} nor ${unset[1]} is set`)
  else if (unset.length > 2) parts.push(`none of ${unset.join(", ")} is set`)
  if (invalid.length > 0) parts.push(`invalid setting: ${[...new Set(invalid)].join("; ")}`)
  return parts.join("; ")
}
// ---------------------------------------------------------------------------------------------
// run

const suiteArg = Args.text({ name: "suite" }).pipe(Args.withDescription("the suite file (YAML)"))
const providerOption = Options.text("provider").pipe(
  Options.withAlias("p"),
  Options.repeated,
  // A default makes the help render it as optional: `[(-p, --provider text)...]`.
  Options.withDefault([]),
  Options.withDescription("a provider to run on (repeatable): test, vapi, roark, cekura, interactly; default: every provider the suite has a target for")
)
const emulateOption = Options.boolean("emulate").pipe(Options.withDescription("run against in-process emulators instead of the vendors (nothing is billed)"))
const jsonOption = Options.text("json").pipe(Options.optional, Options.withDescription("write the canonical results as JSON to this file"))
const junitOption = Options.text("junit").pipe(Options.optional, Options.withDescription("write JUnit XML (one testsuite per provider) to this file"))
const markdownOption = Options.text("markdown").pipe(Options.optional, Options.withDescription("write a Markdown summary to this file (also appended to $GITHUB_STEP_SUMMARY when set)"))
const htmlOption = Options.text("html").pipe(Options.optional, Options.withDescription("write a self-contained HTML report to this file"))
const seedOption = Options.integer("seed").pipe(Options.withDefault(1), Options.withDescription("emulator seed: same seed, same outcomes"))
const speedOption = Options.float("speed").pipe(Options.optional, Options.withDescription("emulator pace multiplier (default 1 for emulate, 40 for run --emulate)"))
const strictOption = Options.boolean("strict").pipe(Options.withDescription("fail instead of warning when a provider cannot honour a plan option"))

export interface RunSettings {
  readonly emulate: boolean
  readonly seed: number
  readonly speed: number
}

/** Resolves provider names to plugins; the default is every known provider the suite targets. */
export const selectPlugins = (plan: Plan.Plan, names: ReadonlyArray<string>, emulate: boolean) =>
  Effect.gen(function*() {
    const chosen = names.length > 0
      ? names
      : Plugins.providerNames.filter((name) =>
        plan.target[name] !== undefined && (!emulate || name === "test" || Plugins.emulatorVendors.includes(name))
      )
    if (chosen.length === 0) {
      return yield* new UsageError({
        message: `no provider selected: pass --provider (known: ${Plugins.providerNames.join(", ")}), or give the suite a target for one of them`
      })
    }
    const unique = [...new Set(chosen)]
    const registry = ProviderRegistry.make(yield* Plugins.loadProviders(unique))
    return yield* Effect.forEach(unique, (name) =>
      registry.get(name).pipe(Effect.mapError(() => new UsageError({ message: `unknown provider "${name}"; known providers: ${Plugins.providerNames.join(", ")}` }))))
  })

/** The retry policy of one provider: defaults, then SIMBRIDGE_RETRY_*, then the config file. */
export const retryPolicyFor = (provider: string, base: Retry.RetryPolicy, config: ProjectConfig.ProjectConfig): Retry.RetryPolicy => {
  const layers = [config.retry, config.retry?.providers?.[provider]]
  let policy = base
  for (const l of layers) {
    if (l === undefined) continue
    policy = new Retry.RetryPolicy({
      ...policy,
      ...(l.maxAttempts === undefined ? {} : { maxAttempts: l.maxAttempts }),
      ...(l.maxElapsedSeconds === undefined ? {} : { maxElapsed: Duration.seconds(l.maxElapsedSeconds) })
    })
  }
  return policy
}

// Loaded by the commands that need them, not at start-up (`--help` and `validate` need neither:
// the HTTP client is undici, the JUnit writer an XML library).
const httpClientLayer = Effect.promise(() => import("@effect/platform-node/NodeHttpClient")).pipe(Effect.map((m) => m.layerUndici))
const junitReport = Effect.promise(() => import("./reports/JUnitReport.js"))

/** Builds one provider: emulated in-process, or configured from the environment. */
const buildProvider = (plugin: ProviderRegistry.ProviderPlugin, settings: RunSettings) =>
  Effect.gen(function*() {
    if (plugin.name === "test") {
      const ctx = yield* Layer.build(TestProvider.layer({ seed: settings.seed, callDuration: `${Math.round(3000 / settings.speed)} millis`, queueDelay: `${Math.round(1000 / settings.speed)} millis` }))
      return Context.get(ctx, SimulationProvider.SimulationProvider)
    }
    let layer: Layer.Layer<SimulationProvider.SimulationProvider, unknown, never>
    if (settings.emulate) {
      const emulator = yield* Plugins.loadEmulator(plugin.name)
      if (emulator === undefined) return yield* new UsageError({ message: `no emulator for provider "${plugin.name}"` })
      const handle = yield* emulator.start({ seed: settings.seed, speed: settings.speed }).pipe(
        Effect.mapError((e) => new UsageError({ message: `could not start the ${plugin.name} emulator: ${e.message}` }))
      )
      layer = plugin.layer({ baseUrl: handle.url, apiKey: Redacted.make("emulated") }).pipe(Layer.provide(yield* httpClientLayer))
    } else {
      layer = plugin.layerConfig.pipe(
        Layer.provide(yield* httpClientLayer),
        Layer.mapError((e) => new UsageError({ message: `${plugin.name}: ${describeConfigError(e)} (${plugin.name} reads ${plugin.env.join(", ")})` }))
      )
    }
    const ctx = yield* Layer.build(layer).pipe(
      Effect.mapError((e) => (e instanceof UsageError ? e : new UsageError({ message: String(e) })))
    )
    return Context.get(ctx, SimulationProvider.SimulationProvider)
  })

const writeFile = (file: string, text: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    yield* fs.makeDirectory(path.dirname(file), { recursive: true }).pipe(Effect.ignore)
    yield* fs.writeFileString(file, text)
    yield* Console.error(`wrote ${file}`)
  })

export interface ReportFiles {
  readonly json?: string | undefined
  readonly junit?: string | undefined
  readonly markdown?: string | undefined
  readonly html?: string | undefined
}

/** Writes every requested report; the Markdown summary also goes to $GITHUB_STEP_SUMMARY. */
export const writeReports = (files: ReportFiles, report: SuiteReport.SuiteReport) =>
  Effect.gen(function*() {
    if (files.json) yield* writeFile(files.json, JSON.stringify(Schema.encodeSync(SuiteReport.SuiteReport)(report), null, 2) + "\n")
    if (files.junit) yield* writeFile(files.junit, (yield* junitReport).render(report))
    if (files.html) yield* writeFile(files.html, HtmlReport.render(report))
    const summaryFile = process.env["GITHUB_STEP_SUMMARY"]
    if (files.markdown || summaryFile) {
      const markdown = MarkdownReport.render(report)
      if (files.markdown) yield* writeFile(files.markdown, markdown)
      if (summaryFile) {
        const fs = yield* FileSystem.FileSystem
        yield* fs.writeFileString(summaryFile, markdown + "\n", { flag: "a" })
      }
    }
  }).pipe(Effect.orDie)

const configOption = Options.text("config").pipe(Options.optional, Options.withDescription(`project config file (default: ${ProjectConfig.defaultFile} when present)`))
const iterationsOption = Options.integer("iterations").pipe(Options.optional, Options.withDescription("override the suite's iterations"))
const concurrencyOption = Options.integer("concurrency").pipe(Options.optional, Options.withDescription("override the suite's concurrency"))
const timeoutOption = Options.text("timeout").pipe(
  Options.optional,
  Options.withDescription("the run's deadline, such as 90s, 30m or 2h: the vendor runs still going then are canceled and reported timed_out (exit 1); overrides the suite's timeout")
)
const filterOption = Options.text("filter").pipe(
  Options.repeated,
  Options.withDefault([]),
  Options.withDescription("run only this scenario or persona id (repeatable)")
)

const runCommand = Command.make(
  "run",
  {
    suite: suiteArg,
    provider: providerOption,
    emulate: emulateOption,
    json: jsonOption,
    junit: junitOption,
    markdown: markdownOption,
    html: htmlOption,
    seed: Options.integer("seed").pipe(Options.optional, Options.withDescription("emulator seed: same seed, same outcomes (default 1)")),
    speed: speedOption,
    strict: strictOption,
    config: configOption,
    iterations: iterationsOption,
    concurrency: concurrencyOption,
    filter: filterOption,
    timeout: timeoutOption,
    noLedger: Options.boolean("no-ledger").pipe(Options.withDescription("do not record this run in the run ledger (.simbridge/ledger.db or SIMBRIDGE_DATABASE_URL)"))
  },
  (args) =>
    Effect.gen(function*() {
      const config = yield* ProjectConfig.load(Option.getOrUndefined(args.config))
      const decoded = yield* SuiteFile.load(args.suite)
      const plan = yield* Overrides.apply(decoded.plan, {
        iterations: Option.getOrUndefined(args.iterations),
        concurrency: Option.getOrUndefined(args.concurrency),
        filters: args.filter
      }).pipe(Effect.mapError((message) => new UsageError({ message })))
      const timeout = yield* Option.match(args.timeout, {
        onNone: () => Effect.succeed(Option.fromNullable(decoded.run.timeout)),
        onSome: (text) =>
          Option.match(SuiteFile.parseDuration(text), {
            onNone: () => new UsageError({ message: `--timeout: expected a duration such as 90s, 30m or 2h, got ${JSON.stringify(text)}` }),
            onSome: Effect.succeedSome
          })
      })
      const emulate = args.emulate || (config.emulate ?? false)
      const plugins = yield* selectPlugins(plan, args.provider.length > 0 ? args.provider : config.providers ?? [], emulate)
      yield* SuiteFile.checkVendorSections(decoded, plugins, args.suite)
      const settings: RunSettings = {
        emulate,
        seed: Option.getOrElse(args.seed, () => config.seed ?? 1),
        speed: Option.getOrElse(args.speed, () => config.speed ?? (emulate ? 40 : 1))
      }
      const basePolicy = yield* Retry.policyConfig.pipe(Effect.mapError((e) => new UsageError({ message: `SIMBRIDGE_RETRY_*: ${e}` })))
      const services = yield* Effect.forEach(plugins, (p) =>
        Effect.map(buildProvider(p, settings), (service) => SimulationProvider.withRetryPolicy(service, retryPolicyFor(p.name, basePolicy, config))))
      const emulated = emulate || plugins.every((p) => p.name === "test")
      const files: ReportFiles = {
        json: Option.getOrUndefined(args.json) ?? config.reports?.json,
        junit: Option.getOrUndefined(args.junit) ?? config.reports?.junit,
        markdown: Option.getOrUndefined(args.markdown) ?? config.reports?.markdown,
        html: Option.getOrUndefined(args.html) ?? config.reports?.html
      }
      const finish = (report: SuiteReport.SuiteReport) =>
        Effect.zipRight(Console.log(Render.summary(report)), writeReports(files, report))
      const context = yield* Effect.context<FileSystem.FileSystem | Path.Path>()
      const progress = yield* Progress.choose(plugins.map((p) => p.name))
      const strict = args.strict || (config.strict ?? false)
      // The deadline is kept in the ledger as a time, so that `resume` gives only what is left.
      const deadline = Option.map(timeout, (t) => new Date(Date.now() + Duration.toMillis(t)).toISOString())
      const recording = args.noLedger
        ? undefined
        : yield* History.begin(plan, plugins.map((p) => p.name), { ...settings, emulated, strict, deadline: Option.getOrUndefined(deadline) })
      const report = yield* SuiteRunner.run(plan, services, {
        journal: recording?.journal,
        strict,
        emulated,
        timeout: Option.getOrUndefined(timeout),
        watch: emulate ? { interval: "100 millis", maxInterval: "500 millis" } : undefined,
        onEvent: progress.onEvent,
        onInterrupt: (partial) => finish(partial).pipe(Effect.zipRight(setExitCode(ExitCode.Interrupted)), Effect.provide(context))
      })
      if (recording) yield* recording.finish
      yield* finish(report)
      yield* setExitCode(ExitCode.fromReport(report))
    }).pipe(Effect.scoped)
).pipe(Command.withDescription("run a suite on one or several providers"))

// ---------------------------------------------------------------------------------------------
// runs, show, resume (the run ledger)

const ledgerFailure = (message: string) => new UsageError({ message })

const runsCommand = Command.make(
  "runs",
  {
    limit: Options.integer("limit").pipe(Options.withDefault(20)),
    suite: Options.text("suite").pipe(Options.optional),
    provider: Options.text("provider").pipe(Options.optional)
  },
  (args) =>
    History.list({ limit: args.limit, suite: Option.getOrUndefined(args.suite), provider: Option.getOrUndefined(args.provider) }).pipe(
      Effect.mapError(ledgerFailure),
      Effect.scoped
    )
).pipe(Command.withDescription("list past runs from the run ledger, newest first"))

const showCommand = Command.make(
  "show",
  { run: Args.text({ name: "run" }).pipe(Args.withDescription("a ledger id, a provider:run:<id> ref, or a marker")) },
  (args) => History.show(args.run).pipe(Effect.mapError(ledgerFailure), Effect.scoped)
).pipe(Command.withDescription("print one recorded run with its status transitions and results"))

const resumeCommand = Command.make(
  "resume",
  { json: jsonOption },
  (args) =>
    Effect.gen(function*() {
      const { leftUnfinished, markedFailed, reports } = yield* History.resume(
        (name) =>
          Effect.gen(function*() {
            const [plugin] = yield* Plugins.loadProviders([name])
            if (plugin === undefined) return yield* Effect.fail(`unknown provider "${name}"`)
            return yield* buildProvider(plugin, { emulate: false, seed: 1, speed: 1 }).pipe(Effect.mapError((e) => e.message))
          }),
        { onEvent: Progress.plain.onEvent }
      ).pipe(Effect.mapError(ledgerFailure))
      if (reports.length === 0 && markedFailed.length === 0 && leftUnfinished.length === 0) {
        yield* Console.log("nothing to resume: every recorded run is finished")
        return yield* setExitCode(ExitCode.Ok)
      }
      for (const report of reports) yield* Console.log(Render.summary(report))
      if (Option.isSome(args.json) && reports.length > 0) yield* writeReports({ json: args.json.value }, reports[reports.length - 1]!)
      for (const [runs, what] of [[markedFailed, "marked failed"], [leftUnfinished, "left unfinished"]] as const) {
        if (runs.length === 0) continue
        yield* Console.log(`${runs.length} run${runs.length === 1 ? "" : "s"} ${what}:`)
        for (const r of runs) yield* Console.log(`  ${r.provider} ${r.id}: ${r.reason}`)
      }
      // Runs that could not be continued did not finish: exit 1 (a result did not finish), or 2
      // when a provider could not be configured (missing credentials), as for `run`.
      yield* setExitCode(Math.max(
        ...reports.map(ExitCode.fromReport),
        markedFailed.length > 0 ? ExitCode.ResultFailed : ExitCode.Ok,
        leftUnfinished.length > 0 ? ExitCode.Usage : ExitCode.Ok
      ))
    }).pipe(Effect.scoped)
).pipe(Command.withDescription("finish every run a crashed or killed simbridge run left unfinished (from the run ledger)"))

// ---------------------------------------------------------------------------------------------
// schema

const schemaCommand = Command.make("schema", {}, () =>
  Effect.flatMap(Plugins.loadProviders(), (plugins) => Console.log(JSON.stringify(SuiteSchema.make(plugins), null, 2)))
).pipe(Command.withDescription("print the JSON Schema of suite files (for editors: yaml-language-server)"))

// ---------------------------------------------------------------------------------------------
// validate

const validateCommand = Command.make(
  "validate",
  { suite: suiteArg, provider: providerOption },
  (args) =>
    Effect.gen(function*() {
      const decoded = yield* SuiteFile.load(args.suite)
      const plugins = yield* selectPlugins(decoded.plan, args.provider, false)
      yield* SuiteFile.checkVendorSections(decoded, plugins, args.suite)
      const plan = decoded.plan
      yield* Console.log(`${args.suite}: valid suite "${plan.name}": ${plan.personas.length} personas x ${plan.scenarios.length} scenarios x ${plan.iterations} iterations = ${plan.personas.length * plan.scenarios.length * plan.iterations} conversations per provider`)
      for (const plugin of plugins) {
        // What the run would warn about, as far as it is known without contacting the vendor.
        const warnings = [...SimulationProvider.capabilityWarnings(plugin.capabilities, plan), ...(plugin.check?.(plan) ?? [])]
        yield* Console.log(`  ${plugin.name}: ${warnings.length === 0 ? "ok" : `${warnings.length} warning${warnings.length === 1 ? "" : "s"}`}`)
        for (const w of warnings) yield* Console.log(`    [${w.code}]${w.field ? ` ${w.field}` : ""}: ${w.message}`)
      }
      yield* setExitCode(ExitCode.Ok)
    })
).pipe(Command.withDescription("check a suite file and each provider's ability to run it, without running it"))

// ---------------------------------------------------------------------------------------------
// emulate

/**
 * Why a server could not listen: the `ServeError`'s own message is empty, its cause is Node's
 * `listen EADDRINUSE: address already in use 127.0.0.1:4712`; this gives `EADDRINUSE: address already in use`.
 */
export const listenFailure = (error: { readonly message: string; readonly cause?: unknown }): string => {
  const cause = error.cause as { readonly code?: unknown; readonly message?: unknown } | undefined
  const text = typeof cause?.message === "string" && cause.message !== ""
    ? cause.message.replace(/^listen /, "").replace(/ \S+:\d+$/, "")
    : error.message
  if (text !== "") return text
  return typeof cause?.code === "string" ? cause.code : String(error.cause ?? "unknown error")
}

const emulateCommand = Command.make(
  "emulate",
  {
    vendor: Options.text("vendor").pipe(Options.withDescription("roark, vapi, cekura or interactly")),
    port: Options.integer("port").pipe(Options.withDefault(0), Options.withDescription("port on 127.0.0.1; 0 picks a free one")),
    apiKey: Options.text("api-key").pipe(Options.optional, Options.withDescription("accept only this key (default: any)")),
    seed: seedOption,
    speed: Options.float("speed").pipe(Options.withDefault(1), Options.withDescription("pace multiplier: 50 is fifty times faster")),
    faults: Options.text("faults").pipe(Options.optional, Options.withDescription("fault injection, e.g. 429=0.1,5xx=0.05,latency=20,cut=0.01,malformed=0.01,unknown-enum=0.05"))
  },
  (args) =>
    Effect.gen(function*() {
      const emulator = yield* Plugins.loadEmulator(args.vendor)
      if (emulator === undefined) {
        return yield* new UsageError({ message: `unknown vendor "${args.vendor}"; emulators: ${Plugins.emulatorVendors.join(", ")}` })
      }
      if (args.port < 0 || args.port > 65535) {
        return yield* new UsageError({ message: `--port: expected a port number from 0 to 65535 (0 picks a free one), got ${args.port}` })
      }
      const faults = Option.isSome(args.faults) ? Faults.parse(args.faults.value) : Either.right(undefined)
      if (Either.isLeft(faults)) return yield* new UsageError({ message: `--faults: ${faults.left}` })
      const handle = yield* emulator.start({
        port: args.port,
        seed: args.seed,
        speed: args.speed,
        apiKey: Option.getOrUndefined(args.apiKey),
        faults: faults.right
      }).pipe(Effect.mapError((e) => new UsageError({ message: `could not listen on 127.0.0.1:${args.port}: ${listenFailure(e)}` })))
      // The contract's ready line names the origin; a vendor whose API lives under a base path
      // (Interactly: /workflows) also says where, and its emulator answers at both.
      const origin = new URL(handle.url).origin
      yield* Console.log(`listening on ${origin}`)
      if (handle.url !== origin) yield* Console.log(`base URL ${handle.url} (the API is also served at the root)`)
      return yield* Effect.never
    }).pipe(Effect.scoped)
).pipe(Command.withDescription("serve one vendor emulator on 127.0.0.1 until interrupted"))

// ---------------------------------------------------------------------------------------------
// providers

const providersCommand = Command.make("providers", {}, () =>
  Effect.gen(function*() {
    const plugins = yield* Plugins.loadProviders()
    const caps = plugins.map((p) => p.capabilities)
    const names = plugins.map((p) => p.name)
    const rows: Array<Array<string>> = [["capability", ...names]]
    const yes = (b: boolean) => (b ? "yes" : "no")
    rows.push(["personas", ...caps.map((c) => c.personas)])
    rows.push(["directions", ...caps.map((c) => c.directions.join("+"))])
    rows.push(["transports", ...caps.map((c) => c.transports.join("+"))])
    rows.push(["max iterations", ...caps.map((c) => String(c.maxIterations ?? "-"))])
    for (const key of ["concurrency", "maxDuration", "silenceTimeout", "endCallPhrases", "executionMode", "scriptedSteps", "toolMocks", "cancelRun", "cancelResult", "recordings"] as const) {
      rows.push([key, ...caps.map((c) => yes(c[key]))])
    }
    rows.push(["emulator", ...names.map((n) => (n === "test" ? "in-memory" : yes(Plugins.emulatorVendors.includes(n))))])
    rows.push(["environment", ...plugins.map((p) => p.env.join(" ") || "-")])
    yield* Console.log(Render.table(rows))
    for (const p of plugins) {
      for (const gap of p.capabilities.gaps) yield* Console.log(`${p.name}: ${gap}`)
    }
  })).pipe(Command.withDescription("the capability matrix of all providers"))

// ---------------------------------------------------------------------------------------------
// compare

const readReport = (file: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const text = yield* fs.readFileString(file).pipe(Effect.mapError(() => new UsageError({ message: `${file}: no such file` })))
    const json = yield* Effect.try({ try: () => JSON.parse(text) as unknown, catch: (e) => new UsageError({ message: `${file}: not JSON (${(e as Error).message})` }) })
    return yield* Schema.decodeUnknown(SuiteReport.SuiteReport)(json).pipe(
      Effect.mapError((e) => new UsageError({ message: `${file}: not a simbridge --json report: ${Issues.summarize(Issues.fromParseError(e))}` }))
    )
  })

const compareCommand = Command.make(
  "compare",
  {
    before: Args.text({ name: "before.json" }),
    after: Args.text({ name: "after.json" }),
    json: Options.text("json").pipe(Options.optional, Options.withDescription("write the comparison as JSON to this file"))
  },
  (args) =>
    Effect.gen(function*() {
      const comparison = Compare.compare(yield* readReport(args.before), yield* readReport(args.after))
      yield* Console.log(Compare.render(comparison))
      if (Option.isSome(args.json)) yield* writeFile(args.json.value, JSON.stringify(Compare.encode(comparison), null, 2) + "\n").pipe(Effect.orDie)
      yield* setExitCode(comparison.hasRegressions ? ExitCode.ResultFailed : ExitCode.Ok)
    })
).pipe(Command.withDescription("what changed between two --json reports: new failures, fixed, flaky (exit 1 on regressions)"))

export const command = Command.make("simbridge").pipe(
  Command.withDescription("run voice-agent simulation suites on Roark, Vapi, Cekura and Interactly, or their local emulators"),
  Command.withSubcommands([runCommand, validateCommand, emulateCommand, providersCommand, schemaCommand, compareCommand, runsCommand, showCommand, resumeCommand])
)

export const cli = Command.run(command, { name: "simbridge", version: "0.1.0" })
