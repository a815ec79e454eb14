import { describe, expect, it } from "@effect/vitest"
import { Cli, Overrides, Plugins, ProjectConfig, Progress, SuiteFile, SuiteSchema } from "@simbridge/cli"
import { ProviderRef, Retry, Run, Status, SuiteRunner } from "@simbridge/core"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import * as Effect from "effect/Effect"
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"

const exampleFile = fileURLToPath(new URL("../../../examples/dental-clinic.yaml", import.meta.url))
const schemaFile = fileURLToPath(new URL("../../../examples/suite.schema.json", import.meta.url))
const example = () => {
  const decoded = SuiteFile.decode("dental-clinic.yaml", readFileSync(exampleFile, "utf8"))
  if (Either.isLeft(decoded)) throw decoded.left
  return decoded.right.plan
}

describe("overrides", () => {
  it("override iterations and concurrency, and filter by scenario or persona id", () => {
    const plan = Either.getOrThrow(Overrides.apply(example(), { iterations: 5, concurrency: 1, filters: ["anxious-sarah"] }))
    expect([plan.iterations, plan.concurrency, plan.personas.map((p) => p.id)]).toEqual([5, 1, ["anxious-sarah"]])
    expect(plan.scenarios.map((s) => s.id)).toEqual(["urgent-appointment"])
  })

  it("names the ids a filter could have meant", () => {
    const result = Overrides.apply(example(), { filters: ["urgent"] })
    expect(Either.isLeft(result) && result.left).toBe(
      `--filter "urgent" matches no scenario or persona; scenarios: urgent-appointment; personas: anxious-sarah`
    )
    expect(Either.isLeft(Overrides.apply(example(), { iterations: 0 }))).toBe(true)
  })

  it("an invalid override names the flag and what it expects, like a suite-file problem", () => {
    expect(Overrides.apply(example(), { iterations: 0 })).toEqual(Either.left("--iterations: expected a positive integer, got 0"))
    expect(Overrides.apply(example(), { iterations: -2, concurrency: 0 })).toEqual(
      Either.left("--iterations: expected a positive integer, got -2\n--concurrency: expected a positive integer, got 0")
    )
  })
})

describe("project config", () => {
  it("reads providers, emulation and report paths", () => {
    const config = Either.getOrThrow(ProjectConfig.decode("simbridge.config.yaml", "providers: [vapi, roark]\nemulate: true\nreports:\n  json: out/r.json\n"))
    expect([config.providers, config.emulate, config.reports?.json]).toEqual([["vapi", "roark"], true, "out/r.json"])
  })

  it("refuses secrets, and unknown keys, with their position", () => {
    const secret = ProjectConfig.decode("simbridge.config.yaml", "providers: [vapi]\nvapi:\n  apiKey: sk-123\n")
    expect(Either.isLeft(secret) && secret.left.problems.map(SuiteFile.formatProblem)).toEqual([
      "simbridge.config.yaml:3:3 apiKey: secrets are never read from files; set the provider's environment variable instead (see simbridge providers)"
    ])
    const unknown = ProjectConfig.decode("simbridge.config.yaml", "provider: vapi\n")
    expect(Either.isLeft(unknown) && SuiteFile.formatProblem(unknown.left.problems[0]!)).toMatch(/^simbridge\.config\.yaml:1:11 provider: is not a known field/)
  })
})

describe("suite JSON Schema", () => {
  const plugins = Effect.runPromise(Plugins.loadProviders())

  it("is generated from the model and types each provider's target entry", async () => {
    const schema = SuiteSchema.make(await plugins)
    expect(schema["required"]).toEqual(["name", "target", "personas", "scenarios"])
    expect(schema["properties"]["personas"]["items"]["properties"]["accent"]["enum"]).toContain("us_south")
    expect(Object.keys(schema["properties"]["target"]["properties"])).toEqual((await plugins).filter((p) => p.targetSchema).map((p) => p.name))
  })

  it("the copy shipped in examples/ is current (regenerate with simbridge schema > examples/suite.schema.json)", async () => {
    expect(JSON.parse(readFileSync(schemaFile, "utf8"))).toEqual(SuiteSchema.make(await plugins))
  })
})

describe("live progress", () => {
  it("renders one line per provider with bar, counts and elapsed time", () => {
    const rows = new Map([
      ["vapi", { status: "running", total: 4, queued: 1, running: 1, passed: 1, failed: 1, pending: 0, done: 2, startedAt: 0, endedAt: undefined, note: "" }],
      ["interactly", { status: "completed", total: 4, queued: 0, running: 0, passed: 4, failed: 0, pending: 0, done: 4, startedAt: 0, endedAt: 65_000, note: "" }],
      ["roark", { status: "running", total: 4, queued: 0, running: 1, passed: 0, failed: 0, pending: 3, done: 3, startedAt: 0, endedAt: undefined, note: "" }]
    ])
    expect(Progress.renderRows(rows, 5_000)).toEqual([
      "vapi       [##########----------]   2/4   queued 1 running 1 passed 1 failed 1  0:05  running",
      "interactly [####################]   4/4   queued 0 running 0 passed 4 failed 0  1:05  completed",
      "roark      [###############-----]   3/4   queued 0 running 1 passed 0 failed 0 verdict pending 3  0:05  running"
    ])
  })

  it("the plain line names the finished conversations whose verdict is not read yet", () => {
    const run = new Run.Run({
      ref: ProviderRef.make("roark", "run", "job-1"),
      provider: "roark",
      status: new Status.Status({ unified: "running", raw: "RUNNING_SIMULATIONS" }),
      counts: new Run.RunCounts({ total: 4, queued: 0, running: 1, passed: 1, failed: 0, errored: 0, skipped: 0, pending: 2 })
    })
    expect(Progress.line(SuiteRunner.Event.Progress({ provider: "roark", run }))).toBe(
      "roark: running 3/4 done (queued 0, running 1, passed 1, failed 0, verdict pending 2)"
    )
  })
})

describe("retry settings", () => {
  it("defaults, then the config file, then the provider's own entry", () => {
    const config = Either.getOrThrow(ProjectConfig.decode("simbridge.config.yaml", "retry:\n  maxAttempts: 3\n  providers:\n    cekura: { maxAttempts: 9, maxElapsedSeconds: 30 }\n"))
    const vapi = Cli.retryPolicyFor("vapi", Retry.defaultPolicy, config)
    const cekura = Cli.retryPolicyFor("cekura", Retry.defaultPolicy, config)
    expect([vapi.maxAttempts, cekura.maxAttempts]).toEqual([3, 9])
    expect(cekura.maxElapsed).toEqual(Duration.seconds(30))
    expect(vapi.maxElapsed).toEqual(Retry.defaultPolicy.maxElapsed)
  })
})
