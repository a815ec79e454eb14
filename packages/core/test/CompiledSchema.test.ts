import { describe, expect, it } from "@effect/vitest"
import { CompiledSchema, Json } from "@simbridge/core"
import * as Arbitrary from "effect/Arbitrary"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"

/** A vendor-payload-like schema: optional and nullable fields, literals, unions, arrays, nesting. */
const Evaluation = Schema.Struct({
  name: Schema.String,
  passed: Schema.Boolean,
  value: Schema.optional(Schema.NullOr(Schema.Union(Schema.Number, Schema.String, Schema.Boolean))),
  comparator: Schema.optional(Schema.Literal("=", "!=", ">", "<"))
})
const Item = Schema.Struct({
  id: Schema.String,
  status: Schema.String,
  iteration: Schema.optional(Schema.Int),
  score: Schema.optional(Schema.NullOr(Schema.Number.pipe(Schema.between(0, 100)))),
  tag: Schema.optional(Schema.NonEmptyString),
  startedAt: Schema.optional(Schema.NullOr(Schema.String)),
  metadata: Schema.optional(Schema.NullOr(Schema.Struct({
    name: Schema.optional(Schema.Unknown),
    messages: Schema.optional(Schema.Array(Schema.Struct({ role: Schema.optional(Schema.String), time: Schema.optional(Schema.Number) })))
  }))),
  results: Schema.optional(Schema.NullOr(Schema.Struct({ evaluations: Schema.optional(Schema.Array(Evaluation)), passed: Schema.optional(Schema.Boolean) })))
})

const compiled = CompiledSchema.compile(Item)
const decodeFast = ParseResult.decodeUnknownEither(compiled)
const decodePlain = ParseResult.decodeUnknownEither(Item)
const message = (e: Either.Either<unknown, ParseResult.ParseIssue>) =>
  Either.isLeft(e) ? ParseResult.TreeFormatter.formatIssueSync(e.left) : "ok"

/** Every path into a JSON-like value (object keys and array indexes). */
const paths = (value: unknown, prefix: ReadonlyArray<string | number> = []): Array<ReadonlyArray<string | number>> => {
  if (value === null || typeof value !== "object") return [prefix]
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value)
  return [prefix, ...entries.flatMap(([k, v]) => paths(v, [...prefix, k]))]
}
const replaceAt = (value: unknown, path: ReadonlyArray<string | number>, by: unknown): unknown => {
  if (path.length === 0) return by
  const [head, ...rest] = path
  if (Array.isArray(value)) return value.map((v, i) => (i === head ? replaceAt(v, rest, by) : v))
  return { ...(value as object), [head!]: replaceAt((value as Record<string | number, unknown>)[head!], rest, by) }
}
const wrong: ReadonlyArray<unknown> = [null, 42, 1.5, -3, 101, "", Number.NaN, "x", true, [], {}, [1], { id: 1 }]

describe("CompiledSchema", () => {
  it("takes the fast path for a plain struct: a valid value comes back as it is", () => {
    expect(compiled).not.toBe(Item)
    expect(CompiledSchema.unsupported(Item.ast)).toBeUndefined()
    const value = { id: "i1", status: "passed", extra: { kept: true }, results: { evaluations: [{ name: "booked", passed: true, value: 3 }] } }
    const decoded = Schema.decodeUnknownSync(compiled)(value)
    expect(decoded).toBe(value) // no copy
    expect(Schema.decodeUnknownSync(Item)(value)).not.toHaveProperty("extra") // the interpreter drops it
  })

  it("reports exactly what the interpreter reports, naming the field", () => {
    const bad = { id: "i1", status: "passed", results: { evaluations: [{ name: "booked", passed: "yes" }] } }
    const fast = decodeFast(bad)
    expect(Either.isLeft(fast)).toBe(true)
    expect(message(fast)).toBe(message(decodePlain(bad)))
    expect(message(fast)).toContain(`["passed"]`)
    expect(() => Schema.decodeUnknownSync(compiled)(bad)).toThrow(/evaluations/)
  })

  it("a decode that rejects undeclared properties still rejects them", () => {
    const value = { id: "i1", status: "passed", extra: 1 }
    expect(Either.isRight(Schema.decodeUnknownEither(compiled)(value))).toBe(true)
    expect(message(ParseResult.decodeUnknownEither(compiled, { onExcessProperty: "error" })(value))).toContain(`"extra"`)
  })

  it("accepts and refuses the same values as the interpreter (generated values and their mutations)", () => {
    const samples = FastCheck.sample(Arbitrary.make(Item), { numRuns: 40, seed: 42 })
    let refused = 0
    let accepted = 0
    for (const sample of samples) {
      // as it arrives: JSON (a NaN or an infinity becomes null, which both must then refuse)
      const encoded = JSON.parse(JSON.stringify(sample))
      expect(message(decodeFast(encoded))).toBe(message(decodePlain(encoded)))
      if (Either.isRight(decodeFast(encoded))) accepted++
      // every path, every wrong value
      for (const path of paths(encoded)) {
        for (const by of wrong) {
          const mutated = replaceAt(encoded, path, by)
          const plain = decodePlain(mutated)
          expect({ path, by, result: message(decodeFast(mutated)) }).toEqual({ path, by, result: message(plain) })
          if (Either.isLeft(plain)) refused++
        }
      }
    }
    expect(accepted).toBeGreaterThan(20) // most samples are valid...
    expect(refused).toBeGreaterThan(1000) // ...and the mutations do exercise the refusals
  })

  it("keeps the interpreter for schemas the fast path would change (defaults, conversions, filters, declarations)", () => {
    const withDefault = Schema.Struct({ a: Schema.optionalWith(Schema.String, { default: () => "x" }) })
    const withDate = Schema.Struct({ at: Schema.Date })
    const withFilter = Schema.Struct({ n: Schema.Number.pipe(Schema.filter((n) => n % 2 === 0)) })
    const withJson = Schema.Struct({ j: Json.Json })
    class AClass extends Schema.Class<AClass>("AClass")({ a: Schema.String }) {}
    for (const s of [withDefault, withDate, withFilter, withJson, AClass] as const) {
      expect(CompiledSchema.compile(s as Schema.Schema<unknown, unknown>)).toBe(s)
      expect(CompiledSchema.unsupported(s.ast)).toBeDefined()
    }
  })

  it("hands Ajv nullable fields as type lists, not anyOf (same values accepted; tested above), and no $id", async () => {
    const { make } = await import("effect/JSONSchema")
    const ajvOf = (schema: Schema.Schema.Any) => CompiledSchema.jsonSchemaForAjv(make(schema as Schema.Schema<unknown, unknown>))
    expect(ajvOf(Schema.NullOr(Schema.String))).toMatchObject({ type: ["string", "null"] })
    expect(ajvOf(Schema.NullOr(Schema.Union(Schema.Number, Schema.String)))).toMatchObject({ type: ["number", "string", "null"] })
    const nullableStruct = ajvOf(Schema.NullOr(Schema.Struct({ a: Schema.Number.pipe(Schema.between(0, 5)) }))) as Record<string, unknown>
    expect(nullableStruct).toMatchObject({ type: ["object", "null"], required: ["a"], properties: { a: { type: "number", minimum: 0, maximum: 5 } } })
    expect(nullableStruct).not.toHaveProperty("anyOf")
    // A branch whose keywords apply to values of any type (enum, const) stays an anyOf.
    expect(ajvOf(Schema.NullOr(Schema.Literal("a", "b")))).toHaveProperty("anyOf")
    expect(JSON.stringify(ajvOf(Item))).not.toContain("$id")
    expect(JSON.stringify(ajvOf(Item))).not.toContain(`{"type":"null"}`)
  })

  it("generates the same JSON Schema as the schema it wraps", async () => {
    const { make } = await import("effect/JSONSchema")
    expect(make(compiled)).toEqual(make(Item))
  })
})

describe("CompiledSchema.compileWith", () => {
  class Turn extends Schema.Class<Turn>("Turn")({ role: Schema.String, text: Schema.String }) {}
  const Detail = Schema.Struct({
    id: Schema.String,
    count: Schema.optionalWith(Schema.Int, { default: () => 0 }),
    turns: Schema.optionalWith(Schema.Array(Turn), { default: () => [] })
  })
  const Lenient = Schema.Struct({
    id: Schema.String,
    count: Schema.optional(Schema.Int),
    turns: Schema.optional(Schema.Array(Schema.Struct({ role: Schema.String, text: Schema.String })))
  })
  let built = 0
  const fast = CompiledSchema.compileWith(Detail, Lenient, (v) => {
    built++
    return { id: v.id, count: v.count ?? 0, turns: (v.turns ?? []).map((t) => new Turn(t, true)) }
  })
  const decodeFast = Schema.decodeUnknownEither(fast)
  const decodePlain = Schema.decodeUnknownEither(Detail)
  const text = (e: Either.Either<unknown, ParseResult.ParseError>) => (Either.isLeft(e) ? e.left.message : "ok")

  it("builds a passing value with `build`, equal to the schema's decode", () => {
    for (const value of [{ id: "a" }, { id: "b", count: 3, turns: [{ role: "agent", text: "hi" }] }]) {
      const before = built
      const out = Either.getOrThrow(decodeFast(value))
      expect(built).toBe(before + 1)
      expect(out).toEqual(Either.getOrThrow(decodePlain(value)))
      expect(out.turns.every((t) => t instanceof Turn)).toBe(true)
    }
  })

  it("refuses what the schema refuses, with the same message, and rejects undeclared properties when asked", () => {
    for (const bad of [{}, { id: 1 }, { id: "a", count: 1.5 }, { id: "a", turns: [{ role: "agent" }] }]) {
      expect(text(decodeFast(bad))).not.toBe("ok")
      expect(text(decodeFast(bad))).toBe(text(decodePlain(bad)))
    }
    const strict = { onExcessProperty: "error" } as const
    expect(text(Schema.decodeUnknownEither(fast, strict)({ id: "a", extra: 1 }))).toBe(text(Schema.decodeUnknownEither(Detail, strict)({ id: "a", extra: 1 })))
  })
})
