/**
 * Fault injection for the emulators: a share of responses as 429 with `Retry-After`, 500/502/503,
 * added latency, connections cut mid-response, malformed JSON bodies, and unknown enum values in
 * status fields (the vendor emulator asks `draw("unknownEnum")` where it renders a status).
 *
 * Shares are drawn from a seeded generator, so the same seed and the same request sequence give
 * the same faults. One-shot faults (`injectNext`) make tests exact.
 *
 * Spec string (CLI `--faults`): `429=0.1,5xx=0.05,latency=20,cut=0.01,lost-response=0.01,malformed=0.01,garbled=0.01,unknown-enum=0.05,retry-after=1`
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"

const Share = Schema.Number.pipe(Schema.between(0, 1))

export class FaultSpec extends Schema.Class<FaultSpec>("FaultSpec")({
  /** Share of requests answered 429 with `Retry-After: retryAfterSeconds`. */
  rateLimit: Schema.optionalWith(Share, { default: () => 0 }),
  retryAfterSeconds: Schema.optionalWith(Schema.Number.pipe(Schema.nonNegative()), { default: () => 1 }),
  /** Share of requests answered 500, 502 or 503. */
  serverError: Schema.optionalWith(Share, { default: () => 0 }),
  /** Added latency per request, in milliseconds. */
  latencyMs: Schema.optionalWith(Schema.Number.pipe(Schema.nonNegative()), { default: () => 0 }),
  /** Share of responses cut off mid-body (the socket is destroyed). */
  cut: Schema.optionalWith(Share, { default: () => 0 }),
  /**
   * Share of non-GET requests whose response is lost AFTER the emulator acted on them (the
   * connection is cut once the handler ran): the client cannot know whether a run was created.
   */
  lostResponse: Schema.optionalWith(Share, { default: () => 0 }),
  /**
   * Share of responses whose JSON has the wrong shape: the real answer with every scalar replaced
   * by a value of another type (a vendor that changed its API). Clients fail with
   * `MalformedResponse` naming the path, and do not retry.
   */
  malformed: Schema.optionalWith(Share, { default: () => 0 }),
  /** Share of responses with a truncated, invalid JSON body (garbled in transit; clients retry). */
  garbled: Schema.optionalWith(Share, { default: () => 0 }),
  /** Share of rendered statuses replaced by a value the vendor does not document. */
  unknownEnum: Schema.optionalWith(Share, { default: () => 0 })
}) {}

export const none = new FaultSpec({})

const keys: Record<string, keyof FaultSpec> = {
  "429": "rateLimit",
  "rate-limit": "rateLimit",
  "5xx": "serverError",
  "500": "serverError",
  "server-error": "serverError",
  latency: "latencyMs",
  cut: "cut",
  malformed: "malformed",
  garbled: "garbled",
  "unknown-enum": "unknownEnum",
  "lost-response": "lostResponse",
  "retry-after": "retryAfterSeconds"
}

/** Parses `429=0.1,5xx=0.05,latency=20`; the error names the bad part. */
export const parse = (spec: string): Either.Either<FaultSpec, string> => {
  const fields: Record<string, number> = {}
  for (const part of spec.split(",").map((p) => p.trim()).filter((p) => p !== "")) {
    const [k, v] = part.split("=", 2).map((x) => x.trim())
    const key = keys[k ?? ""]
    if (key === undefined) return Either.left(`unknown fault "${k}" in "${part}"; known: ${Object.keys(keys).join(", ")}`)
    const n = Number(v)
    if (v === undefined || v === "" || Number.isNaN(n)) return Either.left(`fault "${k}" needs a number, got "${v ?? ""}"`)
    fields[key] = n
  }
  return Schema.decodeUnknownEither(FaultSpec)(fields).pipe(
    Either.mapLeft((e) => `invalid faults "${spec}": ${e.message}`)
  )
}

/** A fault for exactly the next matching request(s). */
export type OneShot =
  | { readonly _tag: "Status"; readonly status: number; readonly retryAfterSeconds?: number }
  | { readonly _tag: "Cut" }
  /** The request is handled, then the connection is cut before the response. */
  | { readonly _tag: "LostResponse" }
  /** The real answer with every scalar of another type. */
  | { readonly _tag: "Malformed" }
  /** A truncated, invalid JSON body. */
  | { readonly _tag: "Garbled" }
  | { readonly _tag: "UnknownEnum" }
  | { readonly _tag: "Latency"; readonly ms: number }

export interface Match {
  readonly method?: string
  /** Matches when the request path starts with this. */
  readonly path?: string
}

export type Kind = "rateLimit" | "serverError" | "cut" | "malformed" | "garbled" | "unknownEnum" | "lostResponse"

/** Mutable fault state of one emulator. */
export class FaultControl {
  private spec: FaultSpec
  private state: number
  private oneShots: Array<{ fault: OneShot; match: Match; left: number }> = []

  constructor(spec: FaultSpec = none, readonly seed: number = 1) {
    this.spec = spec
    this.state = seed >>> 0 || 1
  }

  get current(): FaultSpec {
    return this.spec
  }

  set(spec: FaultSpec): void {
    this.spec = spec
  }

  /** Clears the background shares and the pending one-shot faults. */
  clear(): void {
    this.spec = none
    this.oneShots = []
  }

  /** Clears only the pending one-shot faults, keeping the background shares. */
  clearOneShots(): void {
    this.oneShots = []
  }

  /** The next `times` requests matching `match` suffer `fault`. */
  injectNext(fault: OneShot, times = 1, match: Match = {}): void {
    this.oneShots.push({ fault, match, left: times })
  }

  /** mulberry32: a small seeded generator. */
  private next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0
    let t = this.state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** Draws whether a fault of this kind happens now. */
  draw(kind: Kind): boolean {
    const share = this.spec[kind]
    return share > 0 && this.next() < share
  }

  /** The status of a background server error: 500, 502 or 503, drawn evenly. */
  serverErrorStatus(): 500 | 502 | 503 {
    const r = this.next()
    return r < 1 / 3 ? 500 : r < 2 / 3 ? 502 : 503
  }

  /** Takes a matching one-shot fault, if any. */
  take(method: string, path: string, accept: (fault: OneShot) => boolean = () => true): OneShot | undefined {
    const i = this.oneShots.findIndex((o) =>
      o.left > 0 && accept(o.fault) && (o.match.method === undefined || o.match.method.toUpperCase() === method.toUpperCase()) &&
      (o.match.path === undefined || path.startsWith(o.match.path))
    )
    if (i < 0) return undefined
    const o = this.oneShots[i]!
    o.left--
    if (o.left === 0) this.oneShots.splice(i, 1)
    return o.fault
  }

  /**
   * Whether a status being rendered now should be replaced by an undocumented value. Pass the
   * request's method and path so one-shot faults with a match apply.
   */
  unknownEnum(method = "*", path = ""): boolean {
    const oneShot = this.oneShots.findIndex((o) =>
      o.left > 0 && o.fault._tag === "UnknownEnum" &&
      (o.match.method === undefined || method === "*" || o.match.method.toUpperCase() === method.toUpperCase()) &&
      (o.match.path === undefined || path === "" || path.startsWith(o.match.path))
    )
    if (oneShot >= 0) {
      const o = this.oneShots[oneShot]!
      o.left--
      if (o.left === 0) this.oneShots.splice(oneShot, 1)
      return true
    }
    return this.draw("unknownEnum")
  }
}

/** Every scalar replaced by a value of another type; structure kept (used by the `malformed` fault). */
export const corrupt = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(corrupt)
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, corrupt(v)]))
  if (typeof value === "string") return 12345
  if (typeof value === "number") return "not-a-number"
  if (typeof value === "boolean") return "not-a-boolean"
  return value
}
