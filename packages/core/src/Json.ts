/**
 * JSON values as schemas, for free-form fields (persona properties, scenario variables, raw
 * vendor payloads).
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

export type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [key: string]: Json }

/** A JSON value: null, a boolean, a finite number, a string, an array or a plain object of them. */
export const isJson = (u: unknown): u is Json => {
  switch (typeof u) {
    case "string":
    case "boolean":
      return true
    case "number":
      return Number.isFinite(u)
    case "object": {
      if (u === null) return true
      if (Array.isArray(u)) return u.every(isJson)
      const proto = Object.getPrototypeOf(u)
      if (proto !== Object.prototype && proto !== null) return false
      for (const key in u) if (!isJson((u as Record<string, unknown>)[key])) return false
      return true
    }
    default:
      return false
  }
}

/**
 * JSON values. A declared schema with a plain recursive check: vendor payloads kept as `raw` or
 * `providerMetadata` can be large, and a recursive Schema union costs fifty times more to validate
 * (see docs/performance.md).
 */
export const Json: Schema.Schema<Json> = Schema.declare(isJson, {
  identifier: "Json",
  description: "a JSON value",
  arbitrary: () => (fc) => fc.jsonValue().map((v) => JSON.parse(JSON.stringify(v)) as Json),
  jsonSchema: { anyOf: [{ type: "null" }, { type: "boolean" }, { type: "number" }, { type: "string" }, { type: "array" }, { type: "object" }] }
})

export const JsonRecord = Schema.Record({ key: Schema.String, value: Json })
export type JsonRecord = typeof JsonRecord.Type

/** Scenario variables: scalar values only, as every vendor templates them into strings. */
export const Scalar = Schema.Union(Schema.String, Schema.Finite, Schema.Boolean)
export type Scalar = typeof Scalar.Type

export const Variables = Schema.Record({ key: Schema.String, value: Scalar })
export type Variables = typeof Variables.Type
