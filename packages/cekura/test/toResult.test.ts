import { describe, expect, it } from "@effect/vitest"
import * as Schema from "effect/Schema"
import { readFileSync } from "node:fs"
import * as CekuraWire from "../src/CekuraWire.js"
import { evaluations, toResult, verdictOf } from "../src/internal/results.js"
import { cases } from "./fixtures/richRuns.js"

const expected = JSON.parse(readFileSync(new URL("./fixtures/richRuns.expected.json", import.meta.url), "utf8")) as ReadonlyArray<any>

describe("toResult", () => {
  it("maps rich runs exactly as pinned (values, absent fields, key order)", () => {
    expect(expected).toHaveLength(cases.length)
    cases.forEach(([input, context, iteration, raw], i) => {
      const run = Schema.decodeUnknownSync(CekuraWire.Run)(input)
      const result = toResult(167, run, context, iteration, raw)
      expect(result).toStrictEqual(expected[i])
      // Key order pinned for the mapped fields; `raw` is the decoded run (the schema's field order).
      const { raw: _raw, ...mapped } = result
      const { raw: _expectedRaw, ...expectedMapped } = expected[i]
      expect(JSON.stringify(mapped)).toBe(JSON.stringify(expectedMapped))
      const judged = evaluations(run, context)
      expect(judged).toStrictEqual(expected[i].evaluations)
      expect(JSON.stringify(judged)).toBe(JSON.stringify(expected[i].evaluations))
      expect(verdictOf(run, context)).toBe(expected[i].verdict)
    })
  })
})
