import { describe, expect, it } from "@effect/vitest"
import { SuiteFile } from "@simbridge/cli"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { Plugins } from "@simbridge/cli"

const good = `name: Demo
target:
  test: { agent: a }
personas:
  - id: p1
    name: Pat
scenarios:
  - id: s1
    name: S
    instructions: do it
    evaluators: [ok]
evaluators:
  - id: ok
    description: it worked
`

const problems = (text: string) => {
  const result = SuiteFile.decode("suite.yaml", text)
  if (Either.isRight(result)) throw new Error("expected problems")
  return result.left.problems.map(SuiteFile.formatProblem)
}

describe("SuiteFile", () => {
  it("decodes a valid suite with defaults", () => {
    const result = SuiteFile.decode("suite.yaml", good)
    expect(Either.isRight(result)).toBe(true)
    if (Either.isRight(result)) {
      expect(result.right.plan.iterations).toBe(1)
      expect(result.right.plan.direction).toBe("inbound")
      expect(result.right.plan.personas[0]!.language).toBe("en")
    }
  })

  it("a scenario that nothing judges is a suite error naming its path, unless it says judge: none", () => {
    const unjudged = good.replace("    evaluators: [ok]\n", "")
    expect(problems(unjudged)).toEqual([
      `suite.yaml:8:5 scenarios[0]: scenario "s1" has no evaluators: nothing would judge its conversations; add evaluators, or set judge: none to run it unjudged`
    ])
    const explicit = SuiteFile.decode("suite.yaml", unjudged.replace("    instructions: do it\n", "    instructions: do it\n    judge: none\n"))
    expect(Either.isRight(explicit)).toBe(true)
    expect(problems(good.replace("    description: it worked\n", "    description: it worked\n    type: number\n    comparator: \">=\"\n    expect: yes\n"))).toEqual([
      `suite.yaml:17:13 evaluators[0].expect: expected a number (the evaluator's type), got "yes"`
    ])
  })

  it("reports every problem with file, line, column, path and what was expected", () => {
    const text = good
      .replace("    name: Pat\n", "    name: Pat\n    accent: usa\n    colour: blue\n")
      .replace("name: Demo\n", "name: Demo\niterations: 0\n")
    expect(problems(text)).toEqual([
      "suite.yaml:2:13 iterations: expected a positive integer, got 0",
      `suite.yaml:8:13 personas[0].accent: expected one of us, us_south, gb, es, de, in, fr, nl, sa, gr, au, it, id, th, jp, nz, ph, sg, my, hk, tr, pt, il, got "usa"`,
      "suite.yaml:9:13 personas[0].colour: is not a known field; known fields: id, name, language, accent, gender, emotion, backgroundNoise, speechPace, speechClarity, intentClarity, confirmationStyle, memoryReliability, backstory, properties"
    ])
  })

  it("points a missing field at its parent", () => {
    expect(problems(good.replace("    instructions: do it\n", ""))).toEqual([
      "suite.yaml:8:5 scenarios[0].instructions: is required but missing"
    ])
  })

  it("reports an unknown evaluator reference at the reference", () => {
    expect(problems(good.replace("evaluators: [ok]", "evaluators: [ok, nope]"))).toEqual([
      `suite.yaml:11:22 scenarios[0].evaluators[1]: unknown evaluator "nope"; defined: ok`
    ])
  })

  it("reports YAML syntax errors with their position", () => {
    const [first] = problems("name: [unclosed\ntarget: {}\n")
    expect(first).toMatch(/^suite\.yaml:\d+:\d+: invalid YAML: /)
    expect(problems("- just\n- a list\n")).toEqual(["suite.yaml:1:1: a suite file is a YAML mapping with name, target, personas, scenarios and evaluators"])
  })

  it("checks a provider's target entry with that provider's schema", () => {
    const decoded = SuiteFile.decode("suite.yaml", good.replace("  test: { agent: a }", "  other: { x: 1 }"))
    if (Either.isLeft(decoded)) throw decoded.left
    const plugin = { ...Plugins.testPlugin, name: "strict", targetSchema: Schema.Struct({ assistantId: Schema.UUID }) }
    const missing = SuiteFile.checkVendorSections(decoded.right, [plugin], "suite.yaml")
    expect(Either.isLeft(missing) && missing.left.problems.map(SuiteFile.formatProblem)).toEqual([
      `suite.yaml:3:3 target: no entry for provider "strict" (selected with --provider)`,
      `suite.yaml:3:10 target.other: unknown provider "other"; known providers: ${[...Plugins.providerNames, "strict"].join(", ")}`
    ])
    const withBad = SuiteFile.decode("suite.yaml", good.replace("  test: { agent: a }", "  strict: { assistantId: nope }"))
    if (Either.isLeft(withBad)) throw withBad.left
    const bad = SuiteFile.checkVendorSections(withBad.right, [plugin], "suite.yaml")
    expect(Either.isLeft(bad) && bad.left.problems.map(SuiteFile.formatProblem)[0]).toMatch(/^suite\.yaml:3:26 target\.strict\.assistantId: /)
  })
})

describe("SuiteFile messages", () => {
  it("a bad field inside an optional list is reported once, without the optional branch's 'expected undefined'", () => {
    const text = good.replace("    description: it worked\n", "    description: it worked\n    type: numbr\n")
    expect(problems(text)).toEqual([
      `suite.yaml:15:11 evaluators[0].type: expected one of boolean, number, string, got "numbr"`
    ])
  })

  it("an empty persona or scenario list says it is empty, at the list", () => {
    const noPersonas = good.replace("personas:\n  - id: p1\n    name: Pat\n", "personas: []\n")
    expect(problems(noPersonas)).toEqual(["suite.yaml:4:11 personas: expected at least one persona, got an empty list"])
    const noScenarios = good.replace(/scenarios:\n(    .*\n|  - .*\n)+/, "scenarios: []\n")
    expect(problems(noScenarios)).toEqual(["suite.yaml:7:12 scenarios: expected at least one scenario, got an empty list"])
  })

  it("a vendors entry naming no known provider is a located problem naming the known ones", () => {
    const decoded = SuiteFile.decode("suite.yaml", good + "vendors:\n  nosuch: {}\n  test: {}\n")
    if (Either.isLeft(decoded)) throw decoded.left
    const result = SuiteFile.checkVendorSections(decoded.right, [Plugins.testPlugin], "suite.yaml")
    expect(Either.isLeft(result) && result.left.problems.map(SuiteFile.formatProblem)).toEqual([
      `suite.yaml:16:11 vendors.nosuch: unknown provider "nosuch"; known providers: ${Plugins.providerNames.join(", ")}`
    ])
  })

  it("a target entry naming no known provider is a located problem too (a typo would otherwise leave the provider without a target)", () => {
    const decoded = SuiteFile.decode("suite.yaml", good.replace("  test: { agent: a }\n", "  test: { agent: a }\n  vapy: { assistantId: x }\n"))
    if (Either.isLeft(decoded)) throw decoded.left
    const result = SuiteFile.checkVendorSections(decoded.right, [Plugins.testPlugin], "suite.yaml")
    expect(Either.isLeft(result) && result.left.problems.map(SuiteFile.formatProblem)).toEqual([
      `suite.yaml:4:9 target.vapy: unknown provider "vapy"; known providers: ${Plugins.providerNames.join(", ")}`
    ])
  })
})

describe("SuiteFile aliases", () => {
  it("an unresolved alias is a problem with its position, not a crash", () => {
    const result = SuiteFile.decode("suite.yaml", "name: x\ntarget: *missing\n")
    expect(Either.isLeft(result)).toBe(true)
    if (Either.isLeft(result)) expect(SuiteFile.formatProblem(result.left.problems[0]!)).toMatch(/^suite\.yaml:2:\d+: invalid YAML: /)
  })
})
