/**
 * Named, opt-in relaxations of a vendor's OpenAPI file, for schemas the file's generator gets
 * wrong in a known way. Each one is a pure rewrite of one schema node; `OpenApi.load` applies the
 * ones it is given to response schemas only (a request simbridge sends must match the file as
 * written), and nothing is relaxed unless asked.
 *
 * The three `drf*` relaxations are the drf-spectacular artefacts of Cekura's file, exactly as
 * `vendors/cekura.md` section 11.1 describes them.
 *
 * @since 0.1.0
 */

/** A JSON Schema node as the OpenAPI file has it. */
export type JsonSchema = Record<string, unknown>

/** One named rewrite of a schema node; returns the node unchanged where it does not apply. */
export interface Relaxation {
  readonly name: string
  /** What the file says, what it means, and why the rewrite is right. */
  readonly description: string
  readonly relax: (schema: JsonSchema) => JsonSchema
}

/** Keywords that only describe a value; a node with nothing else accepts anything. */
const annotations = new Set(["description", "title", "readOnly", "writeOnly", "deprecated", "default", "example", "examples", "$comment"])

const isAnything = (schema: unknown): boolean =>
  schema === true ||
  (schema !== null && typeof schema === "object" && !Array.isArray(schema) && Object.keys(schema).every((k) => annotations.has(k) || k.startsWith("x-")))

const isNullOnly = (schema: unknown): boolean =>
  schema !== null && typeof schema === "object" && (schema as JsonSchema)["type"] === "null" && Object.keys(schema).every((k) => k === "type" || annotations.has(k))

/** Only the node's annotations: a schema that accepts anything. */
const anything = (schema: JsonSchema): JsonSchema => Object.fromEntries(Object.entries(schema).filter(([k]) => annotations.has(k) || k.startsWith("x-")))

/**
 * drf-spectacular types a `SerializerMethodField` it cannot introspect as a read-only plain
 * `"string"`, while its real value is a number, a list or an object (`met_expected_outcome_count`,
 * `metrics`, `runs`). A `readOnly` node of type exactly `"string"` with no `enum`, `const`,
 * `format`, `pattern` or length bound accepts any value.
 */
export const drfReadOnlyString: Relaxation = {
  name: "drf-read-only-string",
  description: "a readOnly field typed plain \"string\" is a SerializerMethodField: any value",
  relax: (schema) =>
    schema["readOnly"] === true && schema["type"] === "string" &&
      !["enum", "const", "format", "pattern", "minLength", "maxLength"].some((k) => k in schema)
      ? anything(schema)
      : schema
}

/**
 * drf-spectacular renders an untyped nullable field as `oneOf: [{}, {type: "null"}]`, which
 * rejects null (it matches both branches) and means "anything or null". Such a `oneOf` is dropped.
 */
export const drfAnyOrNull: Relaxation = {
  name: "drf-any-or-null",
  description: "oneOf: [{}, {type: null}] means anything (null included)",
  relax: (schema) => {
    const oneOf = schema["oneOf"]
    if (!Array.isArray(oneOf) || oneOf.length !== 2) return schema
    if (!(oneOf.some(isAnything) && oneOf.some(isNullOnly))) return schema
    const { oneOf: _, ...rest } = schema
    return rest
  }
}

/**
 * drf-spectacular leaves `allow_null` out of plain string fields, so the file types as `"string"`
 * fields the API answers with `null` (the seed's own run response has `"number": null`). A node of
 * type exactly `"string"` without `enum` or `const` also accepts null.
 */
export const drfNullableString: Relaxation = {
  name: "drf-nullable-string",
  description: "a plain \"string\" (no enum, no const) may be null",
  relax: (schema) => (schema["type"] === "string" && !("enum" in schema) && !("const" in schema) ? { ...schema, type: ["string", "null"] } : schema)
}

/** The three drf-spectacular relaxations of `vendors/cekura.md` 11.1, in the order they apply. */
export const drfSpectacular: ReadonlyArray<Relaxation> = [drfAnyOrNull, drfReadOnlyString, drfNullableString]
