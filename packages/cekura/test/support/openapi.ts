/**
 * Validates emulator responses against Cekura's own OpenAPI file
 * (/work/shared/vendors/specs/cekura-simulation.openapi.json, copied to test/fixtures), with ajv
 * (JSON Schema 2020-12, as OpenAPI 3.1 uses). Where the spec is demonstrably wrong (its own
 * examples and every client disagree with it), `corrections` patches it; each correction is listed
 * in docs/providers/cekura.md.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import { Ajv2020 } from "ajv/dist/2020.js"
import addFormatsModule from "ajv-formats"
import * as Effect from "effect/Effect"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { unknownStatus } from "@simbridge/emulators/CekuraEmulator"

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void

type Json = any

const spec: Json = JSON.parse(readFileSync(fileURLToPath(new URL("../fixtures/cekura-simulation.openapi.json", import.meta.url)), "utf8"))

const any = {}
const nullableString = { type: ["string", "null"] }

/** Spec corrections: [schema, property, replacement, why]. */
export const corrections: ReadonlyArray<readonly [string, string, Json, string]> = [
  ...["met_expected_outcome_count", "total_expected_outcome_count", "total_runs_count", "completed_runs_count", "success_runs_count", "failed_runs_count"]
    .flatMap((p) => [
      ["ResultDetailV2", p, { type: ["integer", "string"] }, "counts typed string; integers in every example and client"] as const,
      ["Result", p, { type: ["integer", "string"] }, "counts typed string; integers in every example and client"] as const
    ]),
  ["ResultDetailV2", "is_cronjob", { type: ["boolean", "string"] }, "typed string; boolean in the examples"],
  ["Result", "is_cronjob", { type: ["boolean", "string"] }, "typed string; boolean in the examples"],
  ...["connected_runs", "not_connected_runs", "failed_infrastructure_runs", "failed_workflow_runs", "successful_calls", "scenarios", "critical_categories", "metrics", "runs_by_tags", "latency_data", "performance_metrics"]
    .map((p) => ["ResultDetailV2", p, any, "untyped serializer method field rendered as string; lists/objects in the examples"] as const),
  ["Result", "scenarios", any, "typed object; a list of {id, name} in the detail example"],
  ["Result", "runs", any, "typed object; the list returns run summaries"],
  ["Run", "expected_outcome", any, "typed string; an object {score, explanation, outcome_alignments} in every example"],
  ["Run", "agent_version", any, "typed as ExpectedOutcome (a copy-paste slip); a version string or null"],
  ...["outbound_dial_window_opens_at", "outbound_dial_window_closes_at"].flatMap((p) => [
    ["Run", p, nullableString, "non-null string, but null for inbound runs (the trigger schema says nullable)"] as const,
    ["RunList", p, nullableString, "non-null string, but null for inbound runs (the trigger schema says nullable)"] as const
  ]),
  ["Run", "outbound_dial_window_seconds", { type: ["integer", "string", "null"] }, "typed string; an integer or null in the trigger schema"],
  ["RunList", "outbound_dial_window_seconds", { type: ["integer", "string", "null"] }, "typed string; an integer or null in the trigger schema"],
  ["RunList", "critical_categories", any, "untyped serializer method field rendered as string; a list"],
  ["RunList", "metrics", any, "untyped serializer method field rendered as string; a list of metrics"],
  ["ScenarioList", "metrics", any, "typed string; a list of metric ids"],
  ["ScenarioList", "metric_names", any, "typed string; a list of names"],
  ["ScenarioList", "inbound_phone_number_data", any, "typed string; an object or null"],
  ["AIAgentTestProfileList", "scenarios", any, "typed string; a list of {id, name}"]
]

const triggerPaths = ["/test_framework/v1/scenarios/run_scenarios/", "/test_framework/v1/scenarios/run_scenarios_text/"]

/** Corrections of inline (path-level) schemas: [path, why]. */
export const pathCorrections: ReadonlyArray<readonly [string, string]> = [
  ["POST run_scenarios(_text)/ 201 runs[].number", "typed non-null string; null for inbound runs in the spec's own examples"],
  ["POST run_scenarios(_text)/ 201 success_rate", "missing from the schema; present in the spec's own examples (allowed as extra)"],
  ["POST run_scenarios(_text)/ 400", "typed {field_name: [...]}; the descriptions document bare lists such as [\"Invalid personalities provided.\"]"]
]

const patched: Json = structuredClone(spec)
for (const path of triggerPaths) {
  const responses = patched.paths[path].post.responses
  responses["201"].content["application/json"].schema.properties.runs.items.properties.number.type = ["string", "null"]
  const bad = responses["400"].content["application/json"]
  bad.schema = { anyOf: [bad.schema, { type: "array", items: { type: "string" } }] }
}
for (const [schema, prop, replacement] of corrections) {
  const target = patched.components.schemas[schema]
  if (target?.properties?.[prop] === undefined) throw new Error(`no ${schema}.${prop} in the spec`)
  target.properties[prop] = replacement
}
/** drf-spectacular's `oneOf: [{}, {type: null}]` rejects null (it matches both); it means "anything or null". */
const fixOneOf = (node: Json): void => {
  if (Array.isArray(node)) return node.forEach(fixOneOf)
  if (node === null || typeof node !== "object") return
  if (Array.isArray(node.oneOf) && node.oneOf.some((s: Json) => s && Object.keys(s).length === 0)) {
    node.anyOf = node.oneOf
    delete node.oneOf
  }
  /** OpenAPI 3.0's `nullable` (left in a 3.1 file) means the value may be null. */
  if (node.nullable === true && typeof node.type === "string") node.type = [node.type, "null"]
  Object.values(node).forEach(fixOneOf)
}
fixOneOf(patched)

const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true })
addFormats(ajv)
ajv.addSchema({ $id: "cekura", components: patched.components }, "cekura")

interface Operation {
  readonly method: string
  readonly template: string
  readonly pattern: RegExp
  readonly responses: Record<string, Json>
}

const operations: ReadonlyArray<Operation> = Object.entries(patched.paths as Record<string, Record<string, Json>>).flatMap(([template, ops]) =>
  Object.entries(ops)
    .filter(([m]) => ["get", "post", "put", "patch", "delete"].includes(m))
    .map(([method, op]) => ({
      method: method.toUpperCase(),
      template,
      pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, "\\d+")}$`),
      responses: op.responses
    }))
)

const rewriteRefs = (node: Json): Json => {
  if (Array.isArray(node)) return node.map(rewriteRefs)
  if (node === null || typeof node !== "object") return node
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, k === "$ref" && typeof v === "string" ? `cekura${v}` : rewriteRefs(v)]))
}

const validators = new Map<string, ReturnType<typeof ajv.compile>>()

export interface Outcome {
  readonly operation: string
  readonly status: number
  readonly errors?: string
}

/** Validates one response; undefined when the spec documents no schema for it. */
export const validate = (method: string, path: string, status: number, body: unknown): Outcome | undefined => {
  // Static routes win over templated ones (runs/bulk/ before runs/{id}/).
  const candidates = operations.filter((o) => o.method === method && o.pattern.test(path))
  const op = candidates.find((o) => !o.template.includes("{")) ?? candidates[0]
  // A 404 for a path the spec does not have is the right answer (for example a missing slash).
  if (op === undefined && status === 404) return undefined
  if (op === undefined) return { operation: `${method} ${path}`, status, errors: "no such operation in the spec" }
  const response = op.responses[String(status)]
  const operation = `${method} ${op.template} ${status}`
  if (response === undefined) return undefined
  const schema = response.content?.["application/json"]?.schema
  if (schema === undefined) return body === undefined ? { operation, status } : { operation, status, errors: "the spec documents no body" }
  let validator = validators.get(operation)
  if (validator === undefined) {
    validator = ajv.compile(rewriteRefs(schema))
    validators.set(operation, validator)
  }
  return validator(body) ? { operation, status } : { operation, status, errors: ajv.errorsText(validator.errors, { separator: "; " }) }
}

/** Every validated exchange of a test run, and the failures. */
export class Recorder {
  readonly outcomes: Array<Outcome> = []
  get failures(): ReadonlyArray<Outcome> {
    return this.outcomes.filter((o) => o.errors !== undefined)
  }
  get operations(): ReadonlySet<string> {
    return new Set(this.outcomes.map((o) => o.operation))
  }
}

/**
 * An HttpClient that validates each response of the emulator against the spec. Responses from
 * injected faults (429 / 5xx / malformed) are outside the spec and skipped.
 */
export const validating = (recorder: Recorder) => (client: HttpClient.HttpClient): HttpClient.HttpClient =>
  HttpClient.tap(client, (response) =>
    response.text.pipe(
      Effect.map((text) => {
        if (response.status === 429 || response.status >= 500) return
        // the emulator kit marks every response it altered on purpose
        if (response.headers["x-simbridge-fault"] !== undefined) return
        // an injected unknown enum value is outside the spec on purpose
        if (text.includes(`"${unknownStatus}"`)) return
        let body: unknown
        if (text.trim() !== "") {
          try {
            body = JSON.parse(text)
          } catch {
            return
          }
        }
        const url = new URL(response.request.url)
        const outcome = validate(response.request.method, url.pathname, response.status, body)
        if (outcome !== undefined) recorder.outcomes.push(outcome)
      }),
      Effect.ignore
    ))
