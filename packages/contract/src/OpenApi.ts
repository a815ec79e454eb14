/**
 * A vendor's OpenAPI file as a contract: its operations, and checks of a request body or a
 * response against the schemas the file gives them, with `$ref`s into `components` resolved.
 *
 * Validation is JSON Schema through `@cfworker/json-schema`. OpenAPI 3.1 schemas are JSON Schema
 * 2020-12 as they stand; OpenAPI 3.0 schemas are read as draft 4 (boolean `exclusiveMinimum`,
 * `$ref` siblings ignored) after `nullable: true` is turned into a null type. As OpenAPI says, a
 * `readOnly` property is not required in a request and a `writeOnly` one not in a response.
 * Relaxations (`Relaxation`) are opt-in and apply to response schemas only.
 *
 * @since 0.1.0
 */
import { dereference, type OutputUnit, type Schema, type SchemaDraft, validate } from "@cfworker/json-schema"
import { readFileSync } from "node:fs"
import { resolve } from "node:path"
import { fileURLToPath } from "node:url"
import type { JsonSchema, Relaxation } from "./Relaxation.js"

type Json = any

/** One operation of the file: a method on a path template. */
export interface Operation {
  /** Upper-case HTTP method. */
  readonly method: string
  /** The path template as the file writes it (`/test_framework/v1/results/{id}/`). */
  readonly path: string
  readonly operationId: string | undefined
  /** The documented response statuses (`"200"`, `"4XX"`, `"default"`...). */
  readonly statuses: ReadonlyArray<string>
}

/** One problem found: where in the body (a JSON pointer, `""` for the body itself) and what. */
export interface Issue {
  readonly path: string
  readonly message: string
}

/** The outcome of one check. */
export interface Check {
  /** `METHOD template` (plus the status for a response), or the concrete path when no operation matched. */
  readonly operation: string
  readonly operationId: string | undefined
  readonly valid: boolean
  readonly issues: ReadonlyArray<Issue>
}

export interface Options {
  /** Rewrites applied to every response schema node (see `Relaxation`); none by default. */
  readonly relaxations?: ReadonlyArray<Relaxation> | undefined
}

interface Entry extends Operation {
  readonly pattern: RegExp
  /** Path parameters in the template: fewer means a more specific match. */
  readonly params: number
  readonly raw: Json
}

type Direction = "request" | "response"

interface Compiled {
  readonly lookup: Record<string, Schema | boolean>
  readonly defs: Record<string, Schema>
}

/** A loaded OpenAPI file. */
export interface Spec {
  /** `"3.0"` or `"3.1"`. */
  readonly version: "3.0" | "3.1"
  readonly document: Json
  readonly operations: ReadonlyArray<Operation>
  readonly relaxations: ReadonlyArray<Relaxation>
  /** @internal */
  readonly entries: ReadonlyArray<Entry>
  /** @internal compiled schemas per direction, built on first use */
  readonly compiled: Map<Direction, Compiled>
}

const methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

/** Builds a contract from an OpenAPI document (3.0 or 3.1). */
export const make = (document: unknown, options: Options = {}): Spec => {
  const doc = document as Json
  const version = typeof doc?.openapi === "string" && doc.openapi.startsWith("3.0") ? "3.0" : typeof doc?.openapi === "string" && doc.openapi.startsWith("3.1") ? "3.1" : undefined
  if (version === undefined) throw new Error(`not an OpenAPI 3.0 or 3.1 document (openapi: ${JSON.stringify(doc?.openapi)})`)
  const entries: Array<Entry> = Object.entries((doc.paths ?? {}) as Record<string, Json>).flatMap(([path, item]) =>
    methods.filter((m) => item?.[m] !== undefined).map((m): Entry => {
      const raw = item[m]
      const segments = path.split("/").map((s) => (/^\{[^}]+\}$/.test(s) ? "[^/]+" : s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
      return {
        method: m.toUpperCase(),
        path,
        operationId: typeof raw.operationId === "string" ? raw.operationId : undefined,
        statuses: Object.keys(raw.responses ?? {}),
        pattern: new RegExp(`^${segments.join("/")}$`),
        params: (path.match(/\{[^}]+\}/g) ?? []).length,
        raw
      }
    })
  )
  return {
    version,
    document: doc,
    operations: entries.map(({ method, operationId, path, statuses }) => ({ method, path, operationId, statuses })),
    relaxations: options.relaxations ?? [],
    entries,
    compiled: new Map()
  }
}

/** Reads an OpenAPI JSON file. */
export const load = (file: string, options: Options = {}): Spec => make(JSON.parse(readFileSync(file, "utf8")), options)

/**
 * The path of a vendor's OpenAPI file in the `shared/` folder that lies beside the repository
 * (`../shared/vendors/specs/<file>` from the repository root), found from this module's own place
 * so that it holds in any clone.
 */
export const vendorSpecPath = (file: string): string =>
  resolve(fileURLToPath(new URL("../../../", import.meta.url)), "..", "shared", "vendors", "specs", file)

/** The spec's operations. */
export const operations = (spec: Spec): ReadonlyArray<Operation> => spec.operations

const entryFor = (spec: Spec, method: string, path: string): Entry | undefined => {
  const pathname = path.split("?")[0]!
  const m = method.toUpperCase()
  let best: Entry | undefined
  for (const e of spec.entries) {
    if (e.method === m && e.pattern.test(pathname) && (best === undefined || e.params < best.params)) best = e
  }
  return best
}

/**
 * The operation for a method and a concrete path (`/results/42/` matches `/results/{id}/`; a
 * query string is ignored; a static segment wins over a parameter, so `runs/bulk/` is not
 * `runs/{id}/`).
 */
export const findOperation = (spec: Spec, method: string, path: string): Operation | undefined => {
  const e = entryFor(spec, method, path)
  return e === undefined ? undefined : spec.operations[spec.entries.indexOf(e)]
}

// ---------------------------------------------------------------------------------------------
// schema rewriting
// ---------------------------------------------------------------------------------------------

const schemaMaps = ["properties", "patternProperties", "$defs", "definitions", "dependentSchemas"]
const schemaLists = ["allOf", "anyOf", "oneOf", "prefixItems"]
const schemaSingles = ["items", "additionalProperties", "additionalItems", "unevaluatedProperties", "unevaluatedItems", "not", "if", "then", "else", "contains", "propertyNames"]

const isObject = (x: unknown): x is JsonSchema => x !== null && typeof x === "object" && !Array.isArray(x)

/** Rewrites every schema node (the node first, then the subschemas of what it became). */
const rewrite = (node: unknown, f: (s: JsonSchema) => JsonSchema): unknown => {
  if (!isObject(node)) return node
  const s = f(node)
  const out: JsonSchema = { ...s }
  for (const k of schemaMaps) {
    if (isObject(s[k])) out[k] = Object.fromEntries(Object.entries(s[k] as JsonSchema).map(([name, sub]) => [name, rewrite(sub, f)]))
  }
  for (const k of schemaLists) {
    if (Array.isArray(s[k])) out[k] = (s[k] as Array<unknown>).map((sub) => rewrite(sub, f))
  }
  for (const k of schemaSingles) {
    if (Array.isArray(s[k])) out[k] = (s[k] as Array<unknown>).map((sub) => rewrite(sub, f))
    else if (isObject(s[k])) out[k] = rewrite(s[k], f)
  }
  return out
}

/** OpenAPI 3.0's `nullable: true` as JSON Schema: a null type (and a null member of an enum). */
const fromNullable = (s: JsonSchema): JsonSchema => {
  if (!("nullable" in s)) return s
  const { nullable, ...rest } = s
  if (nullable !== true) return rest
  const type = rest["type"]
  if (typeof type === "string" || Array.isArray(type)) {
    const types = Array.isArray(type) ? type : [type]
    return {
      ...rest,
      type: types.includes("null") ? types : [...types, "null"],
      ...(Array.isArray(rest["enum"]) && !rest["enum"].includes(null) ? { enum: [...rest["enum"], null] } : {})
    }
  }
  return { anyOf: [rest, { type: "null" }] }
}

/** `required` without the properties the other direction owns (`readOnly` in requests, `writeOnly` in responses). */
const ownRequired = (direction: Direction) => (s: JsonSchema): JsonSchema => {
  const required = s["required"]
  const properties = s["properties"]
  if (!Array.isArray(required) || !isObject(properties)) return s
  const flag = direction === "request" ? "readOnly" : "writeOnly"
  const kept = required.filter((name) => !(isObject(properties[name]) && (properties[name] as JsonSchema)[flag] === true))
  return kept.length === required.length ? s : { ...s, required: kept }
}

const base = "https://contract.simbridge.invalid/openapi.json"

const refKey = (i: number, part: string) => `op${i}-${part}`

const resolveRef = (doc: Json, node: Json): Json => {
  let n = node
  for (let hops = 0; isObject(n) && typeof n["$ref"] === "string" && n["$ref"].startsWith("#/") && hops < 10; hops++) {
    n = n["$ref"].slice(2).split("/").reduce((o: Json, k: string) => o?.[k.replace(/~1/g, "/").replace(/~0/g, "~")], doc)
  }
  return n
}

const jsonContent = (content: Json): Json => {
  if (!isObject(content)) return undefined
  const key = "application/json" in content ? "application/json" : Object.keys(content).find((k) => /[/+]json\b/.test(k))
  return key === undefined ? undefined : content[key]
}

/** The request body object of an operation (a `$ref` resolved). */
const requestBodyOf = (spec: Spec, e: Entry): Json => resolveRef(spec.document, e.raw.requestBody)

/** The response object for a status: the status, its `NXX` range, or `default`. */
const responseOf = (spec: Spec, e: Entry, status: number): { readonly key: string; readonly response: Json } | undefined => {
  const responses = e.raw.responses ?? {}
  const key = [String(status), `${String(status)[0]}XX`, `${String(status)[0]}xx`, "default"].find((k) => responses[k] !== undefined)
  return key === undefined ? undefined : { key, response: resolveRef(spec.document, responses[key]) }
}

const compile = (spec: Spec, direction: Direction): Compiled => {
  const known = spec.compiled.get(direction)
  if (known !== undefined) return known
  const steps: Array<(s: JsonSchema) => JsonSchema> = [
    ...(spec.version === "3.0" ? [fromNullable] : []),
    ownRequired(direction),
    ...(direction === "response" ? spec.relaxations.map((r) => r.relax) : [])
  ]
  const f = (s: JsonSchema) => steps.reduce((acc, step) => step(acc), s)
  const defs: Record<string, Schema> = {}
  spec.entries.forEach((e, i) => {
    if (direction === "request") {
      const schema = jsonContent(requestBodyOf(spec, e)?.content)?.schema
      if (schema !== undefined) defs[refKey(i, "request")] = rewrite(structuredClone(schema), f) as Schema
    } else {
      for (const [status, r] of Object.entries((e.raw.responses ?? {}) as Record<string, Json>)) {
        const schema = jsonContent(resolveRef(spec.document, r)?.content)?.schema
        if (schema !== undefined) defs[refKey(i, status)] = rewrite(structuredClone(schema), f) as Schema
      }
    }
  })
  const schemas = Object.fromEntries(
    Object.entries((spec.document.components?.schemas ?? {}) as Record<string, Json>).map(([name, s]) => [name, rewrite(structuredClone(s), f)])
  )
  const root = { $id: base, $defs: defs, components: { schemas } } as unknown as Schema
  const compiled: Compiled = { lookup: dereference(root), defs }
  spec.compiled.set(direction, compiled)
  return compiled
}

// ---------------------------------------------------------------------------------------------
// validation
// ---------------------------------------------------------------------------------------------

const pointer = (instanceLocation: string) => (instanceLocation === "#" ? "" : instanceLocation.replace(/^#/, ""))

/**
 * Readable issues from the validator's output: the innermost errors (a wrapper such as "A
 * subschema had errors" is left out), and one issue per failed `anyOf` / `oneOf` naming what each
 * branch wanted.
 */
export const issuesOf = (errors: ReadonlyArray<OutputUnit>): ReadonlyArray<Issue> => {
  const alternatives = errors.filter((e) => e.keyword === "anyOf" || e.keyword === "oneOf")
  const inside = (e: OutputUnit, outer: OutputUnit) => e.keywordLocation.startsWith(`${outer.keywordLocation}/`)
  const outermost = alternatives.filter((a) => !alternatives.some((b) => b !== a && inside(a, b)))
  const issues: Array<Issue> = []
  for (const e of errors) {
    if (outermost.some((a) => inside(e, a))) continue
    const isAlternative = outermost.includes(e)
    if (!isAlternative && errors.some((d) => d !== e && inside(d, e))) continue
    if (isAlternative) {
      const branches = errors.filter((d) => inside(d, e) && !errors.some((x) => x !== d && inside(x, d)) && d.instanceLocation === e.instanceLocation)
      const why = [...new Set(branches.map((b) => b.error))]
      issues.push({ path: pointer(e.instanceLocation), message: why.length === 0 ? e.error : `${e.error} (${why.join("; ")})` })
    } else {
      issues.push({ path: pointer(e.instanceLocation), message: e.error === "False boolean schema." ? "is not allowed here" : e.error })
    }
  }
  return issues
}

const run = (spec: Spec, direction: Direction, key: string, instance: unknown): ReadonlyArray<Issue> => {
  const { defs, lookup } = compile(spec, direction)
  const draft: SchemaDraft = spec.version === "3.0" ? "4" : "2020-12"
  const result = validate(instance, defs[key]!, draft, lookup, false)
  return result.valid ? [] : issuesOf(result.errors)
}

const checkOf = (operation: string, operationId: string | undefined, issues: ReadonlyArray<Issue>): Check => ({
  operation,
  operationId,
  valid: issues.length === 0,
  issues
})

/**
 * Checks a request body (parsed JSON; `undefined` for none) against the operation's
 * `application/json` request schema.
 */
export const validateRequest = (spec: Spec, method: string, path: string, body: unknown): Check => {
  const e = entryFor(spec, method, path)
  if (e === undefined) return checkOf(`${method.toUpperCase()} ${path}`, undefined, [{ path: "", message: "no such operation in the spec" }])
  const name = `${e.method} ${e.path}`
  const requestBody = requestBodyOf(spec, e)
  if (body === undefined) {
    return checkOf(name, e.operationId, requestBody?.required === true ? [{ path: "", message: "the request body is required" }] : [])
  }
  if (requestBody === undefined) return checkOf(name, e.operationId, [{ path: "", message: "the spec documents no request body" }])
  if (jsonContent(requestBody.content)?.schema === undefined) {
    return checkOf(name, e.operationId, [{ path: "", message: "the spec documents no JSON request body" }])
  }
  return checkOf(name, e.operationId, run(spec, "request", refKey(spec.entries.indexOf(e), "request"), body))
}

/**
 * Checks a response (status, parsed JSON body; `undefined` for an empty body) against the
 * operation's schema for that status (or its `NXX` range, or `default`).
 */
export const validateResponse = (spec: Spec, method: string, path: string, status: number, body: unknown): Check => {
  const e = entryFor(spec, method, path)
  if (e === undefined) return checkOf(`${method.toUpperCase()} ${path} ${status}`, undefined, [{ path: "", message: "no such operation in the spec" }])
  const found = responseOf(spec, e, status)
  if (found === undefined) {
    return checkOf(`${e.method} ${e.path} ${status}`, e.operationId, [{
      path: "",
      message: `status ${status} is not documented (documented: ${e.statuses.join(", ")})`
    }])
  }
  const name = `${e.method} ${e.path} ${found.key}`
  const schema = jsonContent(found.response?.content)?.schema
  if (schema === undefined) {
    return checkOf(name, e.operationId, body === undefined ? [] : [{ path: "", message: "the spec documents no JSON body for this status" }])
  }
  if (body === undefined) return checkOf(name, e.operationId, [{ path: "", message: "the body is empty; the spec documents one" }])
  return checkOf(name, e.operationId, run(spec, "response", refKey(spec.entries.indexOf(e), found.key), body))
}

/** Issues as lines `operation: /pointer message` (for test failure output). */
export const format = (check: Check): string =>
  check.issues.map((i) => `${check.operation}: ${i.path === "" ? "(body)" : i.path} ${i.message}`).join("\n")
