/**
 * Schemas with a compiled validator in front, for the hot path of reading vendor payloads.
 *
 * A vendor's run items arrive by the thousand, and Effect Schema's interpreter spends most of a
 * read checking them (about 25 ms per 1,000 Vapi items of ~45 checked fields each, against 17 ms
 * for `JSON.parse` of the same bytes; docs/performance.md, section 3). {@link compile} keeps the
 * schema as the one definition and adds a fast path: the schema's JSON Schema (`JSONSchema.make`,
 * extra properties allowed, as the decode ignores them) compiled by Ajv into a plain function.
 * A value that passes is returned as it is; a value that does not is decoded by Effect Schema,
 * which then reports exactly what is wrong (the same `ParseError`, naming the field, as without
 * the fast path). So the fast path changes only the speed of the happy path, never what is
 * accepted or reported.
 *
 * The fast path is used only where "valid" means "already of the decoded type": schemas without
 * transformations or declarations (no defaults, no `Date` from string, no classes), whose filters
 * all state their JSON Schema (`Int` is `integer`, bounds are `minimum`...). Any other schema is
 * returned unchanged. One filter differs at the edge: Ajv's `integer` takes integers beyond 2^53,
 * which `Int` refuses; `JSON.parse` has already rounded such a number, so neither reads it right.
 * One difference remains by design: a passing value keeps properties the schema does not declare
 * (Effect's decode drops them; readers only read declared fields). A decode asked to reject them
 * (`onExcessProperty: "error"`) always runs the interpreter.
 *
 * @since 0.2.0
 */
import { Ajv } from "ajv"
import type * as Effect from "effect/Effect"
import type * as Either from "effect/Either"
import * as JSONSchema from "effect/JSONSchema"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"

/** A compiled check. */
type Check = (u: unknown) => boolean

/** Why a schema keeps the interpreter (the fast path would change what the decode returns). */
export const unsupported = (ast: AST.AST): string | undefined => {
  if (AST.typeAST(ast) !== ast) return "it transforms (defaults, conversions or classes)"
  const seen = new Set<AST.AST>()
  const firstOf = (nodes: ReadonlyArray<AST.AST>): string | undefined => {
    for (const n of nodes) {
      const reason = walk(n)
      if (reason !== undefined) return reason
    }
    return undefined
  }
  const walk = (node: AST.AST): string | undefined => {
    if (seen.has(node)) return undefined
    seen.add(node)
    switch (node._tag) {
      case "Declaration":
        return "it contains a declared type"
      case "Refinement":
        // A filter that states its JSON Schema (Int, bounds, lengths, patterns) is checked by it.
        return AST.getJSONSchemaAnnotation(node)._tag === "Some" ? walk(node.from) : "it has a filter with no JSON Schema"
      case "Transformation":
        return "it transforms (defaults, conversions or classes)"
      case "Suspend":
        return walk(node.f())
      case "TypeLiteral":
        return firstOf([...node.propertySignatures.map((p) => p.type), ...node.indexSignatures.map((i) => i.type)])
      case "TupleType":
        return firstOf([...node.elements.map((e) => e.type), ...node.rest.map((e) => e.type)])
      case "Union":
        return firstOf(node.types)
      case "Literal":
      case "StringKeyword":
      case "NumberKeyword":
      case "BooleanKeyword":
      case "UnknownKeyword":
      case "AnyKeyword":
      case "UndefinedKeyword": // only as the `| undefined` of an optional field: absent in JSON
        return undefined
      default:
        return `it contains a ${node._tag}, which has no JSON Schema`
    }
  }
  return walk(ast)
}

type Node = Record<string, unknown>
const isNode = (u: unknown): u is Node => u !== null && typeof u === "object" && !Array.isArray(u)
/** `{ type: "<name>" }` or `{ type: ["<name>", ...] }`, and nothing else. */
const typeOnly = (u: unknown): u is { readonly type: string | ReadonlyArray<string> } =>
  isNode(u) && Object.keys(u).length === 1 && (typeof u.type === "string" || (Array.isArray(u.type) && u.type.every((t) => typeof t === "string")))
/** Keywords that apply to every value whatever its type: a branch with one of them is not merged. */
const anyType = ["enum", "const", "anyOf", "oneOf", "allOf", "not", "if", "$ref", "type"]

/**
 * The JSON Schema as Ajv gets it:
 * - without Effect's `$id` markers (`/schemas/unknown` on every `Unknown`): Ajv takes an `$id` as
 *   a resource, and refuses the same one twice;
 * - a union of bare types (`anyOf: [{type: "string"}, {type: "null"}]`, what `NullOr` gives) as one
 *   `type: ["string", "null"]`, and `anyOf: [X, {type: "null"}]` where X has one `type` and only
 *   keywords of that type (`properties`, `items`, `minimum`...) as X with `type: [X's, "null"]`.
 *   Both accept exactly the same values (a type's keywords ignore values of other types), but
 *   Ajv's `anyOf` builds an error object for every branch that fails, so every `null` of a
 *   nullable field cost one: ten objects of four null fields took 1.15 µs a check, 0.11 µs with
 *   type lists (a 10-call Roark job detail: about 7 KB and 35 µs less a check).
 */
export const jsonSchemaForAjv = (node: unknown): unknown => {
  if (Array.isArray(node)) return node.map(jsonSchemaForAjv)
  if (!isNode(node)) return node
  const out: Node = {}
  for (const [key, value] of Object.entries(node)) if (key !== "$id") out[key] = jsonSchemaForAjv(value)
  const branches = out.anyOf
  if (!Array.isArray(branches) || "type" in out) return out
  const { anyOf: _, ...rest } = out
  if (branches.length > 0 && branches.every(typeOnly)) {
    return { ...rest, type: [...new Set(branches.flatMap((b) => b.type))] }
  }
  if (branches.length === 2) {
    const nullAt = branches.findIndex((b) => typeOnly(b) && b.type === "null")
    const other = branches[1 - nullAt]
    if (
      nullAt !== -1 && isNode(other) && typeof other.type === "string" &&
      Object.keys(other).every((k) => k === "type" || (!anyType.includes(k) && !(k in rest)))
    ) {
      return { ...rest, ...other, type: [other.type, "null"] }
    }
  }
  return out
}

/**
 * Ajv's check of the schema's JSON Schema. It may be stricter than the interpreter (Ajv's
 * `number` excludes NaN, which JSON cannot carry anyway); a value it refuses goes to the
 * interpreter, so that only costs time.
 */
const compileCheck = (schema: Schema.Schema<any, any, never>): Check => {
  try {
    return ajvCheck(schema)
  } catch {
    // A schema JSON Schema cannot express after all: every value goes to the interpreter.
    return () => false
  }
}

const ajvCheck = (schema: Schema.Schema<any, any, never>): Check => {
  const definitions: Record<string, JSONSchema.JsonSchema7> = {}
  const root = JSONSchema.fromAST(schema.ast, { definitions, additionalPropertiesStrategy: "allow", topLevelReferenceStrategy: "skip" })
  const jsonSchema = jsonSchemaForAjv(Object.keys(definitions).length === 0 ? root : { ...root, $defs: definitions })
  const ajv = new Ajv({ strict: false, allErrors: false, validateSchema: false, allowUnionTypes: true })
  const validate = ajv.compile(jsonSchema as object)
  return (u) => validate(u) as boolean
}

/**
 * `schema`'s own decode and encode, built on first use: `ParseResult.decodeUnknown` builds its
 * parser for the whole schema when called, and the vendor packages compile their response schemas
 * at module load, so loading them (`simbridge validate` loads every provider of a suite) paid
 * for parsers most commands never run.
 */
const interpreter = <A, I>(schema: Schema.Schema<A, I, never>) => {
  let decode: ((u: unknown, options?: AST.ParseOptions) => Effect.Effect<A, ParseResult.ParseIssue>) | undefined
  let encode: ((u: unknown, options?: AST.ParseOptions) => Effect.Effect<I, ParseResult.ParseIssue>) | undefined
  return {
    decode: (u: unknown, options?: AST.ParseOptions) => (decode ??= ParseResult.decodeUnknown(schema))(u, options),
    encode: (u: unknown, options?: AST.ParseOptions) => (encode ??= ParseResult.encodeUnknown(schema))(u, options)
  }
}

/**
 * The compiled check of `schema` alone: whether a value decodes, for a schema that can take the
 * fast path (see the module's documentation), or `undefined` for one that cannot. Compiled on the
 * first call. For callers that build the decoded value themselves once the check passed.
 */
export const checker = <A, I>(schema: Schema.Schema<A, I, never>): ((u: unknown) => boolean) | undefined => {
  if (unsupported(schema.ast) !== undefined) return undefined
  let check: Check | undefined
  return (u) => (check ??= compileCheck(schema))(u)
}

/**
 * `schema` with a compiled validator in front (see the module's documentation), or `schema`
 * itself when it cannot take the fast path. The validator is compiled on the first decode.
 */
export const compile = <A, I>(schema: Schema.Schema<A, I, never>): Schema.Schema<A, I, never> => {
  if (unsupported(schema.ast) !== undefined) return schema
  let check: Check | undefined
  const { decode: decodeSlow, encode } = interpreter(schema)
  const out = Schema.declare(
    [],
    {
      decode: () => (u, options) => {
        // Asked to reject undeclared properties: only the interpreter does that.
        if (options?.onExcessProperty === "error") return decodeSlow(u, options)
        check ??= compileCheck(schema)
        return check(u) ? ParseResult.succeed(u as A) : decodeSlow(u, options)
      },
      encode: () => encode
    },
    // JSON Schema, pretty printing and arbitraries come from the schema itself
    { ...schema.ast.annotations, [AST.SurrogateAnnotationId]: schema.ast }
  )
  return out as unknown as Schema.Schema<A, I, never>
}

/**
 * `schema`, decoded through the compiled check of `checked` (a schema `compile` can take, such as
 * `schema` without its defaults or classes): `build` makes the decoded value of a value that
 * passes (defaults filled in, classes built). A value that does not pass is decoded by `schema`
 * itself, so what is refused, and how it is reported, is exactly `schema`'s. As with `compile`,
 * what `build` keeps of a passing value as it is (nested objects) keeps the properties the schema
 * does not declare. For vendor responses whose schema has defaults or classes, which `compile`
 * leaves to the interpreter; `build` must give what the schema's decode gives (a test per use).
 */
export const compileWith = <A, I, C, J>(schema: Schema.Schema<A, I, never>, checked: Schema.Schema<C, J, never>, build: (value: C) => A): Schema.Schema<A, I, never> => {
  let check: ((u: unknown) => Either.Either<C, ParseResult.ParseIssue>) | undefined
  const { decode: slow, encode } = interpreter(schema)
  return Schema.declare(
    [],
    {
      decode: () => (u, options) => {
        // Asked to reject undeclared properties: only the interpreter does that.
        if (options?.onExcessProperty === "error") return slow(u, options)
        const passed = (check ??= ParseResult.decodeUnknownEither(compile(checked)))(u)
        return passed._tag === "Right" ? ParseResult.succeed(build(passed.right)) : slow(u, options)
      },
      encode: () => encode
    },
    { ...schema.ast.annotations, [AST.SurrogateAnnotationId]: schema.ast }
  ) as unknown as Schema.Schema<A, I, never>
}
