/**
 * Suite files: YAML decoded into a canonical `Plan`. Every problem is reported at once with the
 * file, line and column, the field path, and what was expected:
 *
 *     suite.yaml:14:5 personas[0].accent: expected one of us, us_south, gb, ... got "usa"
 *
 * @since 0.1.0
 */
import * as FileSystem from "@effect/platform/FileSystem"
import { Issues, Plan } from "@simbridge/core"
import type { ProviderRegistry } from "@simbridge/core"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as YAML from "yaml"
import * as Plugins from "./Plugins.js"

export interface Problem {
  readonly file: string
  readonly line: number
  readonly column: number
  /** The field path, `personas[0].accent`; empty for the whole document. */
  readonly path: string
  readonly message: string
}

export const formatProblem = (p: Problem): string =>
  `${p.file}${p.line > 0 ? `:${p.line}:${p.column}` : ""}${p.path === "" ? "" : ` ${p.path}`}: ${p.message}`

const byPosition = (a: Problem, b: Problem) => a.line - b.line || a.column - b.column

export class SuiteFileError extends Data.TaggedError("SuiteFileError")<{
  readonly file: string
  readonly problems: ReadonlyArray<Problem>
}> {
  override get message(): string {
    const n = this.problems.length
    return `${this.file}: ${n} problem${n === 1 ? "" : "s"}\n${this.problems.map((p) => `  ${formatProblem(p)}`).join("\n")}`
  }
}

/** Rewrites Schema's messages into the plainer form users read. */
export const humanize = (message: string): string => {
  const literals = /^Expected ((?:"[^"]*"(?: \| )?)+), actual (.*)$/s.exec(message)
  if (literals) {
    const options = literals[1]!.split(" | ").map((o) => o.replace(/^"|"$/g, ""))
    return `expected one of ${options.join(", ")}, got ${literals[2]}`
  }
  const simple = /^Expected (.*), actual (.*)$/s.exec(message)
  if (simple) return `expected ${simple[1]}, got ${simple[2]}`
  if (message === "is missing") return "is required but missing"
  const unexpected = /^is unexpected, expected: (.*)$/s.exec(message)
  if (unexpected) return `is not a known field; known fields: ${unexpected[1]!.split(" | ").map((o) => o.replace(/^"|"$/g, "")).join(", ")}`
  return message
}

/** See `Issues.merge` in core: `Issues.fromParseError` already applies it. */
export const mergeIssues: (issues: ReadonlyArray<Issues.Issue>) => ReadonlyArray<Issues.Issue> = Issues.merge

const lineCol = (counter: YAML.LineCounter, offset: number | undefined) => {
  const pos = counter.linePos(offset ?? 0)
  return { line: pos.line, column: pos.col }
}

/** The YAML node closest to a path: the node itself, or its nearest ancestor when missing. */
const nodeAt = (doc: YAML.Document, path: ReadonlyArray<PropertyKey>): { node: YAML.Node | null | undefined; exact: boolean } => {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : (doc.getIn(path.slice(0, n) as Array<unknown>, true) as YAML.Node | undefined)
    if (node !== undefined && node !== null) return { node, exact: n === path.length }
  }
  return { node: doc.contents, exact: false }
}

const durationUnits: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

/** `90s`, `30m`, `2h`, `1.5h`, `500ms`: a positive number and a unit; anything else is `None`. */
export const parseDuration = (text: string): Option.Option<Duration.Duration> => {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*$/.exec(text)
  const millis = match ? Number(match[1]) * durationUnits[match[2]!]! : 0
  return millis > 0 ? Option.some(Duration.millis(millis)) : Option.none()
}

/** A duration the way people write it in a suite file: `90s`, `30m`, `2h`. */
export const DurationString = Schema.transformOrFail(Schema.String, Schema.DurationFromSelf, {
  strict: true,
  decode: (text, _, ast) =>
    Option.match(parseDuration(text), {
      onNone: () => ParseResult.fail(new ParseResult.Type(ast, text)),
      onSome: ParseResult.succeed
    }),
  encode: (duration) => ParseResult.succeed(`${Duration.toSeconds(duration)}s`)
}).annotations({
  message: (issue) => ({ message: `Expected a duration such as 90s, 30m or 2h, actual ${JSON.stringify(issue.actual)}`, override: true }),
  jsonSchema: { type: "string", pattern: "^\\d+(\\.\\d+)?(ms|s|m|h)$" }
})

/**
 * The top-level fields of a suite file that are not part of the `Plan`: how a run is executed, not
 * what it runs, so they stay out of the plan and its hash (a longer deadline is the same suite).
 */
export const RunFields = Schema.Struct({
  /**
   * The run's deadline, counted from its start: at the deadline the vendor runs still going are
   * canceled and reported `timed_out`. `--timeout` overrides it.
   */
  timeout: Schema.optional(DurationString)
})
export type RunFields = typeof RunFields.Type

const isRunField = (key: string): boolean => Object.hasOwn(RunFields.fields, key)

export interface Decoded {
  readonly plan: Plan.Plan
  /** The suite's run settings (`timeout`). */
  readonly run: RunFields
  /** The parsed document, to locate problems found later (per-provider checks). */
  readonly locate: (path: ReadonlyArray<PropertyKey>, message: string) => Problem
}

/** Parses YAML and decodes it with `schema`; every problem carries file, line, column and path. */
export const decodeWith = <A, I>(
  schema: Schema.Schema<A, I>,
  file: string,
  text: string,
  shape: string
): Either.Either<A, SuiteFileError> =>
  Either.flatMap(parseDocument(file, text, shape), ({ locate, value }) =>
    Either.mapLeft(decodeValue(schema, value, locate), (problems) => new SuiteFileError({ file, problems })))

/** Parses YAML into a mapping, with a `locate` for the problems found in it later. */
const parseDocument = (
  file: string,
  text: string,
  shape: string
): Either.Either<{ readonly value: object; readonly locate: Decoded["locate"] }, SuiteFileError> => {
  const lineCounter = new YAML.LineCounter()
  const doc = YAML.parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true })
  if (doc.errors.length > 0) {
    return Either.left(new SuiteFileError({
      file,
      problems: doc.errors.map((e) => ({
        file,
        ...lineCol(lineCounter, e.pos[0]),
        path: "",
        message: `invalid YAML: ${e.message.split("\n")[0]}`
      }))
    }))
  }
  const locate = (path: ReadonlyArray<PropertyKey>, message: string): Problem => {
    const { node } = nodeAt(doc, path)
    return { file, ...lineCol(lineCounter, node?.range?.[0]), path: Issues.formatPath(path), message: humanize(message) }
  }
  let value: unknown
  try {
    value = doc.toJS({ maxAliasCount: 100 })
  } catch (e) {
    // Unresolved aliases and alias bombs only surface when the document is converted.
    const alias = (() => {
      let found: YAML.Node | undefined
      YAML.visit(doc, { Alias: (_, node) => void (found ??= node) })
      return found
    })()
    return Either.left(new SuiteFileError({
      file,
      problems: [{ file, ...lineCol(lineCounter, alias?.range?.[0]), path: "", message: `invalid YAML: ${(e as Error).message}` }]
    }))
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return Either.left(new SuiteFileError({ file, problems: [locate([], shape)] }))
  }
  return Either.right({ value, locate })
}

/** Decodes a parsed mapping with `schema`; every problem located in the document, in order. */
const decodeValue = <A, I>(
  schema: Schema.Schema<A, I>,
  value: unknown,
  locate: Decoded["locate"]
): Either.Either<A, ReadonlyArray<Problem>> =>
  Schema.decodeUnknownEither(schema, { errors: "all", onExcessProperty: "error" })(value).pipe(
    Either.mapLeft((error: ParseResult.ParseError) => Issues.fromParseError(error).map((i) => locate(i.path, i.message)).sort(byPosition))
  )

/** A top-level unknown field lists the plan's fields; the run fields are known too. */
const withRunFields = (problem: Problem): Problem =>
  /^[^.[]+$/.test(problem.path) && problem.message.startsWith("is not a known field; known fields: ")
    ? { ...problem, message: `${problem.message}, ${Object.keys(RunFields.fields).join(", ")}` }
    : problem

/** Parses and decodes suite text; `file` is used in messages only. */
export const decode = (file: string, text: string): Either.Either<Decoded, SuiteFileError> =>
  Either.flatMap(
    parseDocument(file, text, "a suite file is a YAML mapping with name, target, personas, scenarios and evaluators"),
    ({ locate, value }) => {
      // The run fields are split off the plan's, each decoded by its own schema; the problems of
      // both are reported together.
      const entries = Object.entries(value)
      const plan = Either.mapLeft(decodeValue(Plan.Plan, Object.fromEntries(entries.filter(([k]) => !isRunField(k))), locate), (ps) => ps.map(withRunFields))
      const run = decodeValue(RunFields, Object.fromEntries(entries.filter(([k]) => isRunField(k))), locate)
      if (Either.isRight(plan) && Either.isRight(run)) return Either.right({ plan: plan.right, run: run.right, locate })
      const problems = [...Either.isLeft(plan) ? plan.left : [], ...Either.isLeft(run) ? run.left : []].sort(byPosition)
      return Either.left(new SuiteFileError({ file, problems }))
    }
  )

/** Reads and decodes a suite file. */
export const load = (file: string): Effect.Effect<Decoded, SuiteFileError, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const text = yield* fs.readFileString(file).pipe(
      Effect.mapError((e) =>
        new SuiteFileError({
          file,
          problems: [{ file, line: 0, column: 0, path: "", message: e._tag === "SystemError" && e.reason === "NotFound" ? "no such file" : e.message }]
        })
      )
    )
    return yield* decode(file, text)
  })

/**
 * Checks the suite's `target.<provider>` and `vendors.<provider>` entries with each selected
 * provider's own schemas, before anything is sent; a `vendors` key that names no known provider
 * (`knownProviders`) is a problem too.
 */
export const checkVendorSections = (
  decoded: Decoded,
  plugins: ReadonlyArray<ProviderRegistry.ProviderPlugin>,
  file: string,
  knownProviders: ReadonlyArray<string> = Plugins.providerNames
): Either.Either<void, SuiteFileError> => {
  const problems: Array<Problem> = []
  const known = [...new Set([...knownProviders, ...plugins.map((p) => p.name)])]
  for (const section of ["target", "vendors"] as const) {
    for (const name of Object.keys(decoded.plan[section])) {
      if (!known.includes(name)) {
        problems.push(decoded.locate([section, name], `unknown provider "${name}"; known providers: ${known.join(", ")}`))
      }
    }
  }
  for (const plugin of plugins) {
    const target = decoded.plan.target[plugin.name]
    if (plugin.targetSchema) {
      if (target === undefined) {
        problems.push(decoded.locate(["target"], `no entry for provider "${plugin.name}" (selected with --provider)`))
      } else {
        const result = Schema.decodeUnknownEither(plugin.targetSchema, { errors: "all", onExcessProperty: "error" })(target)
        if (Either.isLeft(result)) {
          for (const i of Issues.fromParseError(result.left)) problems.push(decoded.locate(["target", plugin.name, ...i.path], i.message))
        }
      }
    }
    const options = decoded.plan.vendors[plugin.name]
    if (options !== undefined && plugin.optionsSchema) {
      const result = Schema.decodeUnknownEither(plugin.optionsSchema, { errors: "all", onExcessProperty: "error" })(options)
      if (Either.isLeft(result)) {
        for (const i of Issues.fromParseError(result.left)) problems.push(decoded.locate(["vendors", plugin.name, ...i.path], i.message))
      }
    }
  }
  return problems.length === 0 ? Either.void : Either.left(new SuiteFileError({ file, problems: problems.sort(byPosition) }))
}
