/**
 * Cekura's OpenAPI file (`../shared/vendors/specs/cekura-simulation.openapi.json` beside the
 * repository) as the judge of the exchanges the tests see: every request body the adapter sends
 * against the file as written, every response with the three drf-spectacular relaxations of
 * `vendors/cekura.md` 11.1 and no others. What the emulator answers outside the file on purpose is
 * listed in `deviations`, each with its reason (docs/providers/cekura.md lists them too).
 */
import { Exchanges, OpenApi, Relaxation } from "@simbridge/contract"
import { unknownStatus } from "@simbridge/emulators/CekuraEmulator"

export const spec = OpenApi.load(OpenApi.vendorSpecPath("cekura-simulation.openapi.json"), { relaxations: Relaxation.drfSpectacular })

/** A response the emulator gives outside the file on purpose. */
export interface Deviation {
  /** `METHOD template status`, as `OpenApi.Check.operation` names it. */
  readonly operation: string
  readonly why: string
  /** The JSON pointers of the issues it covers; every issue by default. */
  readonly at?: RegExp | undefined
  /** Which bodies it covers; any by default. */
  readonly body?: ((body: unknown) => boolean) | undefined
}

const v1 = "/test_framework/v1"
const triggers = [`${v1}/scenarios/run_scenarios/`, `${v1}/scenarios/run_scenarios_text/`]
/** Operations that declare no 401 / 403 although every one is behind `X-CEKURA-API-KEY`. */
const authenticated = (operation: string) => [401, 403].map((status) => `${operation} ${status}`)

export const deviations: ReadonlyArray<Deviation> = [
  ...triggers.map((path) => ({
    operation: `POST ${path} 400`,
    why: "the file types 400 as {field_name: [...]} while the operation's description documents bare lists such as [\"Invalid personalities provided.\"]",
    body: (body: unknown) => Array.isArray(body) && body.every((x) => typeof x === "string")
  })),
  ...[[`GET ${v1}/results/ 200`, /^\/results\/\d+\/scenarios$/], [`POST ${v1}/results/{id}/rerun/ 200`, /^\/scenarios$/]].map(([operation, at]) => ({
    operation: operation as string,
    at: at as RegExp,
    why: "`Result.scenarios` is typed object, while the field's own description gives a list of {id, name} as its example (and the result detail's same field is a list)"
  })),
  {
    operation: `POST ${v1}/personalities/ 400`,
    why: "the file documents only 201; an invalid body gets DRF's 400 field errors, as on every other create"
  },
  ...spec.operations.flatMap((o) => authenticated(`${o.method} ${o.path}`)).map((operation) => ({
    operation,
    why: "the file documents no 401/403; a missing key gets DRF's 401 {detail}, a wrong one 403 {detail}"
  })),
  {
    operation: `GET ${v1}/results/ 404`,
    why: "a page past the last one is DRF's 404 {\"detail\": \"Invalid page.\"}; the file documents only 200"
  },
  {
    operation: `GET ${v1}/runs/ 404`,
    why: "a page past the last one is DRF's 404 {\"detail\": \"Invalid page.\"}; the file documents only 200"
  },
  {
    operation: `GET ${v1}/test-profiles/ 400`,
    why: "the list needs agent_id or project_id (its description); the file documents only 200"
  },
  {
    operation: `GET ${v1}/runs/bulk/ 400`,
    why: "run_ids must be a comma-separated string (its description says a JSON array is a 400); the file documents only 200"
  },
  ...[`GET ${v1}/runs/{id}/ 404`, `DELETE ${v1}/results/{id}/ 404`].map((operation) => ({
    operation,
    why: "an unknown id is DRF's 404 {detail}; the file documents only the success status"
  }))
]

const parsed = (text: string | undefined): unknown => {
  try {
    return text === undefined ? undefined : JSON.parse(text)
  } catch {
    return undefined
  }
}

const covers = (f: Exchanges.Failure, issue: OpenApi.Issue) =>
  f.side === "response" &&
  deviations.some((d) =>
    d.operation === f.check.operation && (d.at === undefined || d.at.test(issue.path)) && (d.body === undefined || d.body(parsed(f.exchange.responseBody)))
  )

/** A failure without the issues the deviations cover (undefined when they cover them all). */
const beyond = (f: Exchanges.Failure): Exchanges.Failure | undefined => {
  const issues = f.check.issues.filter((i) => !covers(f, i))
  return issues.length === 0 ? undefined : { ...f, check: { ...f.check, issues } }
}

/** A path the file does not have, answered 404: the right answer (a missing trailing slash...). */
const unknownPath = (e: Exchanges.Exchange) => e.status === 404 && OpenApi.findOperation(spec, e.method, e.path) === undefined

/**
 * Checks exchanges: `failures` are what breaks the contract, `kept` what `deviations` allows.
 * Left out: responses carrying an injected unknown status (outside the file on purpose), 404s of
 * paths the file does not have, and the bodies of requests a test marked `deliberate`.
 */
export const check = (exchanges: Iterable<Exchanges.Exchange & { readonly deliberate?: boolean }>) => {
  const all = [...exchanges].filter((e) => !(e.responseBody ?? "").includes(`"${unknownStatus}"`) && !unknownPath(e))
  const responses = Exchanges.check(spec, all, { requests: false })
  const requests = Exchanges.check(spec, all.filter((e) => e.deliberate !== true), { responses: false })
  const failures = [...requests.failures, ...responses.failures]
  return {
    checked: responses.checked,
    operations: new Set([...requests.operations, ...responses.operations]),
    failures: failures.flatMap((f) => beyond(f) ?? []),
    kept: failures.filter((f) => f.check.issues.some((i) => covers(f, i)))
  }
}

/** The failures as text, empty when there are none (for `expect(...).toBe("")`). */
export const describe = (failures: ReadonlyArray<Exchanges.Failure>) => Exchanges.format(failures)
