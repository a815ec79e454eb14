/**
 * Vapi's OpenAPI file (`../shared/vendors/specs/vapi-simulation.openapi.json` beside the
 * repository) as the judge of the exchanges the tests record: every request body against the
 * file's request schema, every answer against its response schema, every refusal against what
 * Vapi documents.
 *
 * The file is repaired where it is wrong (two defects, both in docs/providers/vapi.md), and read
 * twice, because `@simbridge/contract` checks one document both ways:
 * - `requests`: a property the file marks `readOnly` may not be sent, and an object may not carry
 *   a property its schema does not declare (Vapi's validator whitelists: "assistant.property tools
 *   should not exist" is one of its 400s). `@simbridge/contract` checks neither.
 * - `responses`: the file as written (undeclared fields allowed: lenient in).
 *
 * The file documents no error status but the run start's 402. The refusals Vapi documents
 * elsewhere (its SDK's error mapping, its gitops notes, the bearer scheme) are `refusals`, each
 * with its source; a refusal outside them fails, and every refusal's body must be Vapi's
 * `{ message, error, statusCode }`.
 */
import { readFileSync } from "node:fs"
import { Exchanges, OpenApi } from "@simbridge/contract"
import type { Emulator } from "@simbridge/emulator"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { VapiWire } from "@simbridge/vapi"

type Json = Record<string, unknown>
const isObject = (x: unknown): x is Json => x !== null && typeof x === "object" && !Array.isArray(x)

/**
 * The file's two defects, repaired as it is parsed: every `path` property's `pattern` is written as
 * a JavaScript regex literal (`"/^...$/"`), which no value matches (the slashes are dropped); and
 * `NeuphonicVoice.voiceId` / `FallbackNeuphonicVoice.voiceId` declare `enum: []`, which JSON Schema
 * forbids (the empty enum is dropped).
 */
export const repair = (key: string, value: unknown): unknown => {
  if (key === "pattern" && typeof value === "string" && /^\/\^.*\$\/$/.test(value)) return value.slice(1, -1)
  if (isObject(value) && Array.isArray(value.enum) && value.enum.length === 0) {
    const { enum: _, ...rest } = value
    return rest
  }
  return value
}

/** The repaired file. */
export const document: Json = JSON.parse(readFileSync(OpenApi.vendorSpecPath("vapi-simulation.openapi.json"), "utf8"), repair)

/** Rewrites every schema node under `node` (properties, items, allOf/oneOf/anyOf, not). */
const eachSchema = (node: unknown, f: (s: Json) => Json): unknown => {
  if (!isObject(node)) return node
  const s = f(node)
  const out: Json = { ...s }
  if (isObject(s.properties)) out.properties = Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, eachSchema(v, f)]))
  for (const k of ["allOf", "oneOf", "anyOf"]) if (Array.isArray(s[k])) out[k] = (s[k] as Array<unknown>).map((v) => eachSchema(v, f))
  for (const k of ["items", "not", "additionalProperties"]) if (isObject(s[k])) out[k] = eachSchema(s[k], f)
  return out
}

/** A request may not send a `readOnly` property, nor one its object does not declare. */
const forRequests = (s: Json): Json => {
  if (!isObject(s.properties)) return s
  const properties = Object.fromEntries(
    Object.entries(s.properties).map(([k, v]) => [k, isObject(v) && v.readOnly === true ? { readOnly: true, not: {}, description: "read-only: not sent" } : v])
  )
  return { ...s, properties, ...("additionalProperties" in s ? {} : { additionalProperties: false }) }
}

const withSchemas = (doc: Json, f: (s: Json) => Json): Json => {
  const components = doc.components as Json
  const schemas = components.schemas as Record<string, unknown>
  return { ...doc, components: { ...components, schemas: Object.fromEntries(Object.entries(schemas).map(([k, v]) => [k, eachSchema(v, f)])) } }
}

/** Request bodies are checked against this reading (strict). */
export const requests = OpenApi.make(withSchemas(document, forRequests))
/** Responses are checked against this one (the file as written, repaired). */
export const responses = OpenApi.make(document)

// ---------------------------------------------------------------------------------------------
// Refusals
// ---------------------------------------------------------------------------------------------

/** Why an operation may answer with an error status the file does not document, or undefined. */
export const refusal = (operation: OpenApi.Operation, status: number): string | undefined => {
  const raw = ((document.paths as Json)[operation.path] as Json)[operation.method.toLowerCase()] as Json
  const parameters = (raw.parameters ?? []) as ReadonlyArray<Json>
  const uuidPath = parameters.some((p) => p.in === "path" && isObject(p.schema) && p.schema.format === "uuid")
  const hasPath = parameters.some((p) => p.in === "path")
  const listed = parameters.some((p) => p.name === "limit")
  const id = operation.operationId
  switch (status) {
    case 401:
      return Array.isArray(raw.security) && raw.security.length > 0 ? "bearer security on every operation; Vapi's 401 body is observed" : undefined
    case 400:
      if (raw.requestBody !== undefined) return "gitops: 400 on validation (missing fields, non-primitive evaluation schemas...)"
      if (id === "SimulationRunController_cancelGroup") return "gitops: 400 `Run has already ended` for an ended run"
      if (id === "SimulationRunController_generateSuggestions") return "spec: `force` is a required query parameter"
      if (uuidPath) return "spec: the path id is a uuid"
      if (listed) return "spec: `page` >= 1, `limit` 0..1000"
      return undefined
    case 404:
      if (hasPath) return "gitops: 404 for a missing id (or another org's)"
      if (id === "SimulationController_create" || id === "SimulationSuiteController_create" || id === "SimulationRunController_create") {
        return "gitops: 404 for a missing id the body references"
      }
      return undefined
    case 409:
      return id === "PersonalityController_remove" || id === "ScenarioController_remove" ? "SDK 2.0.1 maps 409 (ConflictError) on this delete" : undefined
    default:
      return undefined
  }
}

const errorBody = Schema.decodeUnknownEither(Schema.parseJson(VapiWire.ErrorBody))

/** Operations Vapi's SDK 2.0.1 has and its spec does not (`POST /eval/simulation/suite/{id}/duplicate`). */
const sdkOnly = (e: Exchanges.Exchange) => e.method === "POST" && /^\/eval\/simulation\/suite\/[^/]+\/duplicate$/.test(e.path.split("?")[0]!)

export interface Report {
  /** One line per problem; empty when every exchange fits. */
  readonly problems: ReadonlyArray<string>
  /** `METHOD template status` of every answer checked. */
  readonly answered: ReadonlySet<string>
  /** `METHOD template` of every request body checked. */
  readonly sent: ReadonlySet<string>
}

/**
 * Checks recorded exchanges: request bodies (`"all"`, the default; `"accepted"` for probes that
 * send wrong bodies on purpose, whose refusals the emulator judged), answers and refusals. Faults
 * the emulator injected are left out.
 */
export const check = (exchanges: ReadonlyArray<Emulator.Exchange>, options: { readonly requests?: "all" | "accepted" } = {}): Report => {
  const kept = exchanges.filter((e) => e.fault === undefined && !sdkOnly(e))
  const problems: Array<string> = []
  const answered = new Set<string>()
  const sent = new Set<string>()
  const ok = kept.filter((e) => e.status < 400 || e.status === 402)
  const report = Exchanges.check(responses, ok, { requests: false })
  problems.push(...report.failures.map((f) => Exchanges.format([f])))
  report.operations.forEach((o) => answered.add(o))
  {
    const bodies = Exchanges.check(requests, options.requests === "accepted" ? ok : kept, { responses: false })
    problems.push(...bodies.failures.map((f) => Exchanges.format([f])))
    bodies.operations.forEach((o) => sent.add(o))
  }
  for (const e of kept.filter((e) => e.status >= 400 && e.status !== 402)) {
    const operation = OpenApi.findOperation(responses, e.method, e.path)
    const at = `${e.method} ${e.path} -> ${e.status}`
    if (operation === undefined) {
      problems.push(`${at}: no such operation in the spec`)
      continue
    }
    answered.add(`${operation.method} ${operation.path} ${e.status}`)
    if (refusal(operation, e.status) === undefined) problems.push(`${at}: a refusal Vapi does not document`)
    const body = errorBody(e.responseBody ?? "")
    if (Either.isLeft(body)) problems.push(`${at}: not Vapi's error body: ${e.responseBody}`)
    else if (body.right.statusCode !== e.status) problems.push(`${at}: statusCode ${body.right.statusCode} in the body`)
  }
  return { problems, answered, sent }
}

/** Every URL in a body, for the `.invalid` check. */
export const urlsIn = (text: string | undefined): ReadonlyArray<URL> =>
  (text ?? "").match(/\b(?:https?|wss?):\/\/[^"\s\\]+/g)?.map((u) => new URL(u)) ?? []
