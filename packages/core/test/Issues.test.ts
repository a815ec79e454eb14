import { describe, expect, it } from "@effect/vitest"
import { Issues, Plan } from "@simbridge/core"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"

const plan = {
  name: "Demo",
  target: { test: { agent: "a" } },
  personas: [{ id: "p1", name: "Pat" }],
  scenarios: [{ id: "s1", name: "S", instructions: "do it", evaluators: ["ok"] }],
  evaluators: [{ id: "ok", description: "it worked" }]
}

const issues = <A, I>(schema: Schema.Schema<A, I>, input: unknown) => {
  const result = Schema.decodeUnknownEither(schema, { errors: "all", onExcessProperty: "error" })(input)
  if (Either.isRight(result)) throw new Error("expected a parse error")
  return Issues.fromParseError(result.left).map((i) => `${Issues.formatPath(i.path)}: ${i.message}`)
}

describe("Issues", () => {
  it("drops the optional branch's 'Expected undefined' when a problem lies under that path", () => {
    const input = { ...plan, evaluators: [{ id: "ok", description: "it worked" }, { id: "n", description: "d", type: "numbr" }] }
    expect(issues(Plan.Plan, input)).toEqual([
      `evaluators[1].type: Expected "boolean" | "number" | "string", actual "numbr"`
    ])
  })

  it("drops it in any optional vendor option struct, and keeps it when it is the only problem", () => {
    const Options = Schema.Struct({ tags: Schema.optional(Schema.Array(Schema.Struct({ name: Schema.String }))) })
    expect(issues(Options, { tags: [{ name: 1 }] })).toEqual(["tags[0].name: Expected string, actual 1"])
    expect(Issues.merge([{ path: ["a"], message: "Expected undefined, actual 1" }])).toEqual([{ path: ["a"], message: "Expected undefined, actual 1" }])
    expect(Issues.merge([
      { path: ["ab"], message: "Expected undefined, actual 1" },
      { path: ["a", "b"], message: "Expected string, actual 1" }
    ])).toHaveLength(2)
  })

  it("an empty persona or scenario list says so, not that its first item is missing", () => {
    expect(issues(Plan.Plan, { ...plan, personas: [] })).toEqual(["personas: expected at least one persona, got an empty list"])
    expect(issues(Plan.Plan, { ...plan, scenarios: [] })).toEqual([
      "scenarios: expected at least one scenario, got an empty list"
    ])
    expect(issues(Plan.Plan, { ...plan, personas: [{ id: "p1", name: "Pat", accent: "usa" }] })[0]).toMatch(/^personas\[0\]\.accent: Expected "us"/)
    expect(issues(Plan.Plan, { ...plan, personas: "Pat" })).toEqual([`personas: Expected a list of at least one persona, actual "Pat"`])
  })

  it("a positive integer field says so", () => {
    expect(issues(Plan.Plan, { ...plan, iterations: 0 })).toEqual(["iterations: Expected a positive integer, actual 0"])
    expect(issues(Plan.Plan, { ...plan, concurrency: 1.5 })).toEqual(["concurrency: Expected a positive integer, actual 1.5"])
  })
})
