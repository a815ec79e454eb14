/**
 * Fuzz (fast-check through `effect/FastCheck`):
 *
 * (a) bad vendor bodies: each vendor's provider reads a finished run through a proxy in front of
 *     its emulator that mutates the JSON bodies of GET responses (fields removed, types changed,
 *     unknown enum strings, deep garbage, non-JSON). No defect: every failure is a `ProviderError`,
 *     a bad body is a `MalformedResponse` whose message names the request and, for a body that is
 *     JSON, the path; an unknown status string decodes as `unknown` with the raw value kept.
 * (b) bad suite files: the example suite mutated (keys deleted, wrong types, bad enums, random
 *     text) through `SuiteFile.decode`: never throws; every problem has file:line:col, and a path
 *     when it is about a field.
 */
import { createServer, request as httpRequest, type Server } from "node:http"
import { readFileSync } from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import { SuiteFile } from "@simbridge/cli"
import { Plan, ProviderError, Retry, type SimulationProvider } from "@simbridge/core"
import type { ProviderRef } from "@simbridge/core/ProviderRef"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as fc from "effect/FastCheck"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as Cli from "./support/cli.js"
import { provider, vendorNames, vendors } from "./support/vendors.js"

const exampleText = readFileSync(Cli.example, "utf8")
const decodedExample = SuiteFile.decode(Cli.example, exampleText)
if (Either.isLeft(decodedExample)) throw new Error(decodedExample.left.message)
const plan = decodedExample.right.plan
const numRuns = Number(process.env["SIMBRIDGE_FUZZ_RUNS"] ?? 60)

// ---------------------------------------------------------------------------------------------
// JSON mutations

type Json = null | boolean | number | string | Array<Json> | { [k: string]: Json }
type Path = ReadonlyArray<string | number>

const paths = (value: Json, prefix: Path = []): Array<Path> => {
  const out: Array<Path> = [prefix]
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])))
  else if (value !== null && typeof value === "object") for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]))
  return out
}

const update = (value: Json, path: Path, f: (v: Json) => Json | undefined): Json => {
  if (path.length === 0) return f(value) ?? null
  const [head, ...rest] = path
  if (Array.isArray(value)) {
    const copy = [...value]
    const next = update(copy[head as number]!, rest, f)
    if (rest.length === 0 && f(copy[head as number]!) === undefined) copy.splice(head as number, 1)
    else copy[head as number] = next
    return copy
  }
  if (value !== null && typeof value === "object") {
    const copy = { ...value }
    if (rest.length === 0 && f(copy[head as string]!) === undefined) delete copy[head as string]
    else copy[head as string] = update(copy[head as string]!, rest, f)
    return copy
  }
  return value
}

type Mutation =
  | { readonly _tag: "Remove"; readonly at: number }
  | { readonly _tag: "Replace"; readonly at: number; readonly value: Json }
  | { readonly _tag: "UnknownEnum"; readonly at: number; readonly word: string }
  | { readonly _tag: "Garbage"; readonly value: Json }
  | { readonly _tag: "NotJson"; readonly text: string }

const word = fc.stringMatching(/^[a-z][a-z_]{2,14}$/).map((w) => `zz_${w}`)
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ _tag: fc.constant("Remove" as const), at: fc.nat() }) },
  { weight: 4, arbitrary: fc.record({ _tag: fc.constant("Replace" as const), at: fc.nat(), value: fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json> }) },
  { weight: 2, arbitrary: fc.record({ _tag: fc.constant("UnknownEnum" as const), at: fc.nat(), word }) },
  { weight: 1, arbitrary: fc.record({ _tag: fc.constant("Garbage" as const), value: fc.jsonValue({ maxDepth: 6 }) as fc.Arbitrary<Json> }) },
  { weight: 1, arbitrary: fc.record({ _tag: fc.constant("NotJson" as const), text: fc.string({ maxLength: 40 }).map((s) => `{${s}`) }) }
)

/** Applies a mutation to a body; the result is the response text. */
const apply = (m: Mutation, body: Json): string => {
  if (m._tag === "Garbage") return JSON.stringify(m.value)
  if (m._tag === "NotJson") return m.text
  const all = paths(body).filter((p) => p.length > 0)
  if (all.length === 0) return JSON.stringify(body)
  const at = all[m.at % all.length]!
  if (m._tag === "Remove") return JSON.stringify(update(body, at, () => undefined))
  if (m._tag === "Replace") return JSON.stringify(update(body, at, () => m.value))
  // Unknown enum: only where a string is.
  const strings = all.filter((p) => typeof p[p.length - 1] === "string" && p[p.length - 1] !== undefined)
  const target = strings[m.at % Math.max(1, strings.length)] ?? at
  return JSON.stringify(update(body, target, (v) => (typeof v === "string" ? m.word : v)))
}

// ---------------------------------------------------------------------------------------------
// A mutating proxy in front of an emulator

interface Proxy {
  readonly url: string
  mutate: ((method: string, path: string, body: Json) => string | undefined) | undefined
  mutated: number
  readonly close: () => Promise<void>
}

const startProxy = (target: string): Promise<Proxy> =>
  new Promise((resolve) => {
    const upstream = new URL(target)
    const proxy: Proxy = { url: "", mutate: undefined, mutated: 0, close: () => Promise.resolve() }
    const server: Server = createServer((req, res) => {
      const chunks: Array<Buffer> = []
      req.on("data", (c: Buffer) => chunks.push(c))
      req.on("end", () => {
        const out = httpRequest({ host: "127.0.0.1", port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } }, (up) => {
          const body: Array<Buffer> = []
          up.on("data", (c: Buffer) => body.push(c))
          up.on("end", () => {
            let text = Buffer.concat(body).toString("utf8")
            const status = up.statusCode ?? 500
            if (proxy.mutate && req.method === "GET" && status < 300) {
              try {
                const mutated = proxy.mutate(req.method, req.url ?? "", JSON.parse(text) as Json)
                if (mutated !== undefined) {
                  text = mutated
                  proxy.mutated++
                }
              } catch {
                // Not JSON: passed through.
              }
            }
            res.writeHead(status, { "content-type": "application/json" })
            res.end(text)
          })
        })
        out.on("error", () => {
          res.writeHead(502)
          res.end()
        })
        out.end(Buffer.concat(chunks))
      })
    })
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port
      Object.assign(proxy, {
        url: `http://127.0.0.1:${port}${upstream.pathname.replace(/\/$/, "")}`,
        close: () => new Promise<void>((r) => server.close(() => r()))
      })
      server.closeAllConnections?.()
      resolve(proxy)
    })
  })

const noRetry = new Retry.RetryPolicy({ ...Retry.defaultPolicy, maxAttempts: 1 })

/** Reads the run and its results; the outcome as an Exit. */
const readRun = (service: SimulationProvider.Service, ref: ProviderRef) =>
  Effect.exit(Effect.zip(service.getRun(ref), Stream.runCollect(service.results(ref))))

describe("fuzz: bad vendor bodies", () => {
  for (const name of vendorNames) {
    it.live(`${name}: mutated GET bodies never cause a defect; bad bodies are MalformedResponse naming the request and path`, () =>
      Effect.gen(function*() {
        const vendor = vendors[name]
        const handle = yield* vendor.emulator.start({ seed: 4, speed: 200 })
        // A finished run to read.
        const direct = yield* provider(vendor, handle.url, "sk-fuzz", { retry: noRetry })
        const started = yield* direct.startRun(plan)
        yield* Stream.runDrain(direct.watch(started.ref, { interval: "20 millis", maxInterval: "50 millis" }))
        const proxy = yield* Effect.promise(() => startProxy(handle.url))
        yield* Effect.addFinalizer(() => Effect.promise(() => proxy.close()))
        const service = yield* provider(vendor, proxy.url, "sk-fuzz", { retry: noRetry })
        // Control: through the proxy, unmutated, the run reads fine.
        const control = yield* readRun(service, started.ref)
        expect(Exit.isSuccess(control)).toBe(true)

        const outcomes = { ok: 0, malformed: 0, other: 0, unknownStatus: 0 }
        const problems: Array<string> = []
        yield* Effect.promise(() =>
          fc.assert(
            fc.asyncProperty(mutation, fc.nat({ max: 7 }), async (m, which) => {
              // Mutate the `which`-th GET response of the read (0 = the run itself).
              let seen = 0
              proxy.mutate = (_method, _path, body) => (seen++ === which ? apply(m, body) : undefined)
              const exit = await Effect.runPromise(readRun(service, started.ref))
              proxy.mutate = undefined
              if (Exit.isSuccess(exit)) {
                outcomes.ok++
                if (exit.value[0].status.unified === "unknown") outcomes.unknownStatus++
                return true
              }
              const failure = Cause.failureOption(exit.cause)
              if (Cause.isDie(exit.cause) || failure._tag === "None" || !ProviderError.isProviderError(failure.value)) {
                problems.push(`${m._tag} #${which}: ${Cause.pretty(exit.cause).slice(0, 500)}`)
                return false
              }
              const error = failure.value
              if (error.reason === "MalformedResponse") {
                outcomes.malformed++
                // Names the request (HTTP details with the URL, or the operation) and, for JSON bodies, a path.
                const namesRequest = error.http?.url !== undefined || error.message.startsWith(`${name} `)
                const namesPath = m._tag === "NotJson" || /invalid JSON|\w+(\[\d+\])?(\.\w+|\[\d+\])*: |expected|is missing|unexpected body/.test(error.description)
                if (!namesRequest || !namesPath) problems.push(`${m._tag} #${which}: unhelpful message: ${error.message}`)
                return namesRequest && namesPath
              }
              // A mutated id can legitimately lead to a NotFound/InvalidRequest from the emulator.
              outcomes.other++
              return true
            }),
            { numRuns, seed: 42, endOnFailure: true }
          ).catch((e: unknown) => {
            problems.push(String(e).slice(0, 2000))
          })
        )
        console.log(`fuzz ${name}: ${numRuns} mutated reads: ${outcomes.ok} ok (${outcomes.unknownStatus} with unknown status), ${outcomes.malformed} MalformedResponse, ${outcomes.other} other ProviderError; ${proxy.mutated} bodies mutated`)
        expect(problems).toEqual([])
        expect(proxy.mutated).toBeGreaterThan(0)
        expect(outcomes.malformed).toBeGreaterThan(0)
      }).pipe(Effect.scoped), 60_000)

    it.live(`${name}: an unknown run status string decodes as unknown with the raw value kept`, () =>
      Effect.gen(function*() {
        const vendor = vendors[name]
        const handle = yield* vendor.emulator.start({ seed: 4, speed: 200 })
        const direct = yield* provider(vendor, handle.url, "sk-fuzz", { retry: noRetry })
        const started = yield* direct.startRun(plan)
        const proxy = yield* Effect.promise(() => startProxy(handle.url))
        yield* Effect.addFinalizer(() => Effect.promise(() => proxy.close()))
        const service = yield* provider(vendor, proxy.url, "sk-fuzz", { retry: noRetry })
        const failures: Array<string> = []
        yield* Effect.promise(() =>
          fc.assert(
            fc.asyncProperty(word, async (w) => {
              // Every `status` string in every body of the read becomes the unknown word.
              proxy.mutate = (_m, _p, body) => JSON.stringify(body, (k, v) => (k === "status" && typeof v === "string" ? w : v))
              const exit = await Effect.runPromise(Effect.exit(service.getRun(started.ref)))
              proxy.mutate = undefined
              if (Exit.isFailure(exit)) {
                failures.push(`${w}: ${Cause.pretty(exit.cause).slice(0, 400)}`)
                return false
              }
              const ok = exit.value.status.unified === "unknown" && exit.value.status.raw.includes(w)
              if (!ok) failures.push(`${w}: decoded as ${JSON.stringify(exit.value.status)}`)
              return ok
            }),
            { numRuns: 15, seed: 7, endOnFailure: true }
          ).catch(() => undefined)
        )
        expect(failures).toEqual([])
      }).pipe(Effect.scoped), 30_000)
  }
})

// ---------------------------------------------------------------------------------------------
// Suite files

const wrongType = fc.oneof(
  fc.constant(null),
  fc.integer(),
  fc.boolean(),
  fc.constant([]),
  fc.constant({}),
  fc.string({ maxLength: 10 }),
  word
) as fc.Arbitrary<Json>

type SuiteMutation =
  | { readonly _tag: "Delete"; readonly at: number }
  | { readonly _tag: "WrongType"; readonly at: number; readonly value: Json }
  | { readonly _tag: "BadEnum"; readonly at: number; readonly word: string }

const suiteMutation: fc.Arbitrary<SuiteMutation> = fc.oneof(
  fc.record({ _tag: fc.constant("Delete" as const), at: fc.nat() }),
  fc.record({ _tag: fc.constant("WrongType" as const), at: fc.nat(), value: wrongType }),
  fc.record({ _tag: fc.constant("BadEnum" as const), at: fc.nat(), word })
)

const checkProblems = (file: string, result: Either.Either<SuiteFile.Decoded, SuiteFile.SuiteFileError>, fieldMutation: boolean): string | undefined => {
  if (Either.isRight(result)) return undefined
  const problems = result.left.problems
  if (problems.length === 0) return "no problems listed"
  for (const p of problems) {
    if (p.file !== file) return `problem without the file: ${JSON.stringify(p)}`
    if (!(p.line >= 1 && p.column >= 1)) return `problem without line:col: ${SuiteFile.formatProblem(p)}`
  }
  if (fieldMutation && !problems.some((p) => p.path !== "")) return `no problem names a path: ${problems.map(SuiteFile.formatProblem).join(" | ")}`
  return undefined
}

describe("fuzz: bad suite files", () => {
  const file = "fuzz/suite.yaml"
  // The suite as data: the encoded plan is what a suite file decodes from (JSON is YAML).
  const base = JSON.parse(JSON.stringify(Schema.encodeSync(Plan.Plan)(plan))) as Json
  expect(Either.isRight(SuiteFile.decode(file, JSON.stringify(base, null, 2)))).toBe(true)

  it("structural mutations (deleted keys, wrong types, bad enums): never throws, every problem has file:line:col and a path", () => {
    const all = paths(base).filter((p) => p.length > 0)
    let invalid = 0
    fc.assert(
      fc.property(fc.array(suiteMutation, { minLength: 1, maxLength: 3 }), (ms) => {
        let doc = base
        for (const m of ms) {
          const at = all[m.at % all.length]!
          doc = m._tag === "Delete"
            ? update(doc, at, () => undefined)
            : m._tag === "WrongType"
            ? update(doc, at, () => m.value)
            : update(doc, at, (v) => (typeof v === "string" ? m.word : v))
        }
        const result = SuiteFile.decode(file, JSON.stringify(doc, null, 2))
        if (Either.isLeft(result)) invalid++
        const problem = checkProblems(file, result, true)
        if (problem !== undefined) throw new Error(problem)
      }),
      { numRuns: numRuns * 5, seed: 3 }
    )
    console.log(`fuzz suite files: ${numRuns * 5} structural mutations, ${invalid} rejected with located problems`)
    expect(invalid).toBeGreaterThan(0)
  })

  it("text mutations and random text: never throws, every problem has file:line:col", () => {
    const lines = exampleText.split("\n")
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.record({ drop: fc.nat(), dup: fc.nat(), insert: fc.string({ maxLength: 20 }), at: fc.nat() }).map(({ at, drop, dup, insert }) => {
            const copy = [...lines]
            copy.splice(drop % copy.length, 1)
            copy.splice(dup % copy.length, 0, copy[dup % copy.length] ?? "")
            const i = at % copy.length
            copy[i] = `${copy[i]!.slice(0, at % 7)}${insert}${copy[i]!.slice(at % 7)}`
            return copy.join("\n")
          })
        ),
        (text) => {
          const result = SuiteFile.decode(file, text)
          const problem = checkProblems(file, result, false)
          if (problem !== undefined) throw new Error(problem)
        }
      ),
      { numRuns: numRuns * 5, seed: 5 }
    )
  })
})

// Regression (found by the text fuzzer, counterexample `*!`): `doc.toJS()` throws for unresolved
// aliases and alias bombs, which `doc.errors` does not list; SuiteFile.decode reports them.
describe("fuzz: bad suite files (YAML aliases)", () => {
  it("an unresolved or runaway alias is a located problem, not an exception", () => {
    for (const text of ["*!", "name: *missing\n", "a: &a [1]\nb: [*a, *a, *a, *a]\nc: [*b]\n"]) {
      const result = SuiteFile.decode("fuzz/alias.yaml", text)
      expect(Either.isLeft(result)).toBe(true)
    }
  })
})
