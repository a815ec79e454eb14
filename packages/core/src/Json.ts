/**
 * JSON values as schemas, for free-form fields (persona properties, scenario variables, raw
 * vendor payloads).
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

export type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [key: string]: Json }

export const Json: Schema.Schema<Json> = Schema.suspend(() =>
  Schema.Union(
    Schema.Null,
    Schema.Boolean,
    Schema.Finite,
    Schema.String,
    Schema.Array(Json),
    Schema.Record({ key: Schema.String, value: Json })
  )
).annotations({ identifier: "Json" })

export const JsonRecord = Schema.Record({ key: Schema.String, value: Json })
export type JsonRecord = typeof JsonRecord.Type

/** Scenario variables: scalar values only, as every vendor templates them into strings. */
export const Scalar = Schema.Union(Schema.String, Schema.Finite, Schema.Boolean)
export type Scalar = typeof Scalar.Type

export const Variables = Schema.Record({ key: Schema.String, value: Scalar })
export type Variables = typeof Variables.Type
