/**
 * Contract checks of an emulator's recorded exchanges: every request body and every response the
 * emulator's request log kept (`Emulator.RequestLog.exchanges` of `@simbridge/emulator`, started
 * with `recordExchanges: true`), each against the operation of the OpenAPI file it belongs to.
 *
 * @since 0.1.0
 */
import * as OpenApi from "./OpenApi.js"

/** One request and its response, bodies as sent (the shape `@simbridge/emulator` records). */
export interface Exchange {
  readonly method: string
  /** The path, with its query string. */
  readonly path: string
  readonly requestBody?: string | undefined
  readonly status: number
  readonly responseBody?: string | undefined
  /** Set when fault injection altered the response; such exchanges are outside the contract. */
  readonly fault?: string | undefined
}

/** One failed check, with the exchange it came from. */
export interface Failure {
  readonly side: "request" | "response"
  readonly exchange: Exchange
  readonly check: OpenApi.Check
}

export interface Report {
  /** Exchanges checked (after `include` and without faults). */
  readonly checked: number
  /** Operations seen, as `METHOD template status` for responses and `METHOD template` for requests. */
  readonly operations: ReadonlySet<string>
  readonly failures: ReadonlyArray<Failure>
}

export interface Options {
  /** Which exchanges to check; default all but those fault injection altered. */
  readonly include?: ((exchange: Exchange) => boolean) | undefined
  /** Check request bodies; default true. */
  readonly requests?: boolean | undefined
  /** Check responses; default true. */
  readonly responses?: boolean | undefined
}

const parse = (text: string | undefined): { readonly ok: true; readonly value: unknown } | { readonly ok: false } => {
  if (text === undefined || text.trim() === "") return { ok: true, value: undefined }
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch {
    return { ok: false }
  }
}

const notJson = (operation: string): OpenApi.Check => ({
  operation,
  operationId: undefined,
  valid: false,
  issues: [{ path: "", message: "the body is not JSON" }]
})

/** Checks every exchange's request body and response against `spec`. */
export const check = (spec: OpenApi.Spec, exchanges: Iterable<Exchange>, options: Options = {}): Report => {
  const include = options.include ?? (() => true)
  const failures: Array<Failure> = []
  const operations = new Set<string>()
  let checked = 0
  for (const exchange of exchanges) {
    if (exchange.fault !== undefined || !include(exchange)) continue
    checked++
    if (options.requests !== false) {
      const body = parse(exchange.requestBody)
      const result = body.ok
        ? OpenApi.validateRequest(spec, exchange.method, exchange.path, body.value)
        : notJson(`${exchange.method} ${exchange.path}`)
      if (body.ok && body.value !== undefined) operations.add(result.operation)
      if (!result.valid) failures.push({ side: "request", exchange, check: result })
    }
    if (options.responses !== false) {
      const body = parse(exchange.responseBody)
      const result = body.ok
        ? OpenApi.validateResponse(spec, exchange.method, exchange.path, exchange.status, body.value)
        : notJson(`${exchange.method} ${exchange.path} ${exchange.status}`)
      operations.add(result.operation)
      if (!result.valid) failures.push({ side: "response", exchange, check: result })
    }
  }
  return { checked, operations, failures }
}

/** The failures as readable lines (one per issue), for an assertion message. */
export const format = (failures: ReadonlyArray<Failure>): string =>
  failures.map((f) => `${f.side} ${f.exchange.method} ${f.exchange.path} -> ${f.exchange.status}\n  ${OpenApi.format(f.check).split("\n").join("\n  ")}`).join("\n")
