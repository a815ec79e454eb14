/**
 * Field lists written from the SDK's types, checked against those types by the compiler and
 * against JSON at run time: what the contract tests hold recorded request and response bodies to.
 *
 * A `Shape<T>` lists the required fields of the SDK type `T` with the JSON types each may have.
 * `shape<T>()` only compiles when the list names every required field of `T`, no other, and only
 * JSON types the field's TypeScript type allows, so the lists cannot drift from the SDK. A
 * request shape (`closed`) also lists every optional field, so a body that sends a field the SDK
 * does not know fails the check. Nested shapes apply to a field's object, or to each element of
 * its array; `variants` picks the shape of a union member by its tag.
 */

export type JsonType = "string" | "number" | "boolean" | "null" | "array" | "object"

/** The JSON types a TypeScript type may take on the wire (distributes over unions). */
export type JsonTypesOf<V> = V extends null ? "null"
  : V extends string ? "string"
  : V extends number ? "number"
  : V extends boolean ? "boolean"
  : V extends ReadonlyArray<unknown> ? "array"
  : V extends object ? "object"
  : never

export type RequiredKeys<T> = { [K in keyof T]-?: {} extends Pick<T, K> ? never : K }[keyof T] & string
export type OptionalKeys<T> = Exclude<keyof T & string, RequiredKeys<T>>

/**
 * The shapes of fields of `T`: of its object, or of each element of its array (variants for a
 * union). The field names are checked; each nested shape is bound to its own SDK type where it is made.
 */
type Nested<T> = { readonly [K in keyof T]?: AnyShape }

export interface Shape<T> {
  readonly _tag: "Shape"
  readonly required: Readonly<Record<string, ReadonlyArray<JsonType>>>
  /** Every optional field of a closed shape; a field in neither list is not the SDK's. */
  readonly optional: Readonly<Record<string, ReadonlyArray<JsonType>>> | undefined
  readonly nested: Readonly<Record<string, AnyShape>>
  /** Requirements that depend on other fields (the SDK says them in field docs), as problems `field: message`. */
  readonly rules: (value: Readonly<Record<string, unknown>>) => ReadonlyArray<string>
  readonly _T?: (t: T) => void
}

export interface Variants<U> {
  readonly _tag: "Variants"
  readonly by: string
  readonly cases: Readonly<Record<string, AnyShape>>
  readonly _U?: (u: U) => void
}

/** A shape of any type (its type binding is checked where it is made, not where it is used). */
export type AnyShape = Shape<any> | Variants<any>

type Required<T> = { readonly [K in RequiredKeys<T>]: ReadonlyArray<JsonTypesOf<T[K]>> }
type Optional<T> = { readonly [K in OptionalKeys<T>]-?: ReadonlyArray<JsonTypesOf<Exclude<T[K], undefined>>> }

interface Extra<T> {
  readonly nested?: Nested<T>
  readonly rules?: (value: Readonly<Record<string, unknown>>) => ReadonlyArray<string>
}

/** An open shape of `T`: its required fields; other fields are allowed (what a response shape is). */
export const shape = <T>() => (required: Required<T>, extra: Extra<T> = {}): Shape<T> => ({
  _tag: "Shape",
  required,
  optional: undefined,
  nested: (extra.nested ?? {}) as Shape<T>["nested"],
  rules: extra.rules ?? (() => [])
})

/** A closed shape of `T`: its required and every optional field; any other field is a problem (what a request shape is). */
export const closedShape = <T>() => (required: Required<T>, optional: Optional<T>, extra: Extra<T> = {}): Shape<T> => ({
  _tag: "Shape",
  required,
  optional,
  nested: (extra.nested ?? {}) as Shape<T>["nested"],
  rules: extra.rules ?? (() => [])
})

/** The members of the union `U`, told apart by the field `by`: one shape per tag, every tag listed. */
export const variants = <U>() =>
<By extends keyof U & string>(by: By, cases: { readonly [Tag in U[By] & string]: Shape<Extract<U, { readonly [P in By]: Tag }>> }): Variants<U> => ({
  _tag: "Variants",
  by,
  cases: cases as unknown as Variants<U>["cases"]
})

export const jsonType = (v: unknown): JsonType =>
  v === null ? "null" : Array.isArray(v) ? "array" : typeof v === "object" ? "object" : (typeof v as JsonType)

/** The problems of `value` against `s`, each `path: message`; none when it fits. */
export const check = (s: AnyShape, value: unknown, path = "body"): Array<string> => {
  if (s._tag === "Variants") {
    const tag = value !== null && typeof value === "object" ? (value as Record<string, unknown>)[s.by] : undefined
    const member = typeof tag === "string" ? s.cases[tag] : undefined
    return member === undefined ? [`${path}.${s.by}: ${JSON.stringify(tag)} is none of ${Object.keys(s.cases).join(", ")}`] : check(member, value, path)
  }
  if (jsonType(value) !== "object") return [`${path}: expected an object, got ${jsonType(value)}`]
  const o = value as Record<string, unknown>
  const issues: Array<string> = []
  for (const [k, types] of Object.entries(s.required)) {
    if (!(k in o)) issues.push(`${path}.${k}: required by the SDK, missing`)
    else if (!types.includes(jsonType(o[k]))) issues.push(`${path}.${k}: expected ${types.join(" | ")}, got ${jsonType(o[k])}`)
  }
  if (s.optional !== undefined) {
    for (const [k, v] of Object.entries(o)) {
      if (k in s.required) continue
      const types = s.optional[k]
      if (types === undefined) issues.push(`${path}.${k}: not a field of the SDK's type`)
      else if (!types.includes(jsonType(v))) issues.push(`${path}.${k}: expected ${types.join(" | ")}, got ${jsonType(v)}`)
    }
  }
  for (const [k, inner] of Object.entries(s.nested)) {
    const v = o[k]
    if (v === undefined || v === null) continue
    if (Array.isArray(v)) v.forEach((x, i) => issues.push(...check(inner, x, `${path}.${k}[${i}]`)))
    else issues.push(...check(inner, v, `${path}.${k}`))
  }
  for (const problem of s.rules(o)) issues.push(`${path}.${problem}`)
  return issues
}

// ---------------------------------------------------------------------------------------------
// Type-level assertions
// ---------------------------------------------------------------------------------------------

/** Compiles only when `T` is `true`. */
export type Expect<T extends true> = T

/** Whether `A` is assignable to `B` (not distributed over unions). */
export type Assignable<A, B> = [A] extends [B] ? true : false

/** The members of the union `B` that `A` is assignable to (all of `B` when none is). */
type Fitting<A, B> = [B extends unknown ? ([A] extends [B] ? B : never) : never] extends [infer F] ? ([F] extends [never] ? B : F) : B

/**
 * The fields of `A`, at any depth, that `B` has no place for (assignability allows them; the
 * vendor may refuse them or drop them silently). Unions are compared member by member.
 */
export type ExtraKeys<A, B> = A extends unknown ? ExtraKeysOf<A, Fitting<A, B>> : never
type ExtraKeysOf<A, B> = A extends ReadonlyArray<infer U> ? (B extends ReadonlyArray<infer V> ? ExtraKeys<U, V> : never)
  : A extends object ? (B extends object ? Exclude<keyof A, keyof B> | { [K in keyof A & keyof B]-?: ExtraKeys<A[K], B[K]> }[keyof A & keyof B] : never)
  : never

/** `A` is assignable to `B` and has no field `B` lacks: what a request body must be to its SDK type. */
export type Fits<A, B> = Assignable<A, B> extends true ? ([ExtraKeys<A, B>] extends [never] ? true : false) : false

/**
 * `T` as JSON sees it: no `readonly`, a field that may be `undefined` is a field that may be absent
 * (`JSON.stringify` leaves it out), and without the fault-injection value `Excluded`, which the
 * emulator sends in place of a status on purpose (an unknown enum value).
 */
export type Wire<T, Excluded = never> = T extends Excluded ? never
  : T extends ReadonlyArray<infer U> ? Array<Wire<U, Excluded>>
  : T extends object ? Flat<
    & { -readonly [K in keyof T as undefined extends T[K] ? never : K]: Wire<T[K], Excluded> }
    & { -readonly [K in keyof T as undefined extends T[K] ? K : never]?: Wire<Exclude<T[K], undefined>, Excluded> }
  >
  : T

type Flat<T> = { [K in keyof T]: T[K] }
