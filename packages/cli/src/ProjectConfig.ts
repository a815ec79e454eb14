/**
 * The project config file, `simbridge.config.yaml` in the working directory (or `--config`):
 * default providers, emulator use, output paths. Secrets are never read from it (or written
 * anywhere): credentials come only from the environment, and a key that looks like one is refused.
 *
 * ```yaml
 * providers: [vapi, roark]
 * emulate: false
 * seed: 1
 * speed: 40
 * reports:
 *   json: reports/results.json
 *   junit: reports/junit.xml
 *   markdown: reports/summary.md
 *   html: reports/report.html
 * retry:                     # the one retry loop (also SIMBRIDGE_RETRY_MAX_ATTEMPTS / _MAX_ELAPSED)
 *   maxAttempts: 6
 *   maxElapsedSeconds: 180
 *   providers: { cekura: { maxAttempts: 10 } }
 * ```
 *
 * @since 0.1.0
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as SuiteFile from "./SuiteFile.js"
import * as YAML from "yaml"

export class Reports extends Schema.Class<Reports>("Reports")({
  json: Schema.optional(Schema.String),
  junit: Schema.optional(Schema.String),
  markdown: Schema.optional(Schema.String),
  html: Schema.optional(Schema.String)
}) {}

export class RetrySettings extends Schema.Class<RetrySettings>("RetrySettings")({
  maxAttempts: Schema.optional(Schema.Int.pipe(Schema.positive())),
  maxElapsedSeconds: Schema.optional(Schema.Number.pipe(Schema.positive()))
}) {}

export class Retry extends Schema.Class<Retry>("Retry")({
  maxAttempts: Schema.optional(Schema.Int.pipe(Schema.positive())),
  maxElapsedSeconds: Schema.optional(Schema.Number.pipe(Schema.positive())),
  /** Per provider name, overriding the above. */
  providers: Schema.optional(Schema.Record({ key: Schema.String, value: RetrySettings }))
}) {}

export class ProjectConfig extends Schema.Class<ProjectConfig>("ProjectConfig")({
  providers: Schema.optional(Schema.Array(Schema.String)),
  emulate: Schema.optional(Schema.Boolean),
  seed: Schema.optional(Schema.Int),
  speed: Schema.optional(Schema.Number.pipe(Schema.positive())),
  strict: Schema.optional(Schema.Boolean),
  reports: Schema.optional(Reports),
  retry: Schema.optional(Retry)
}) {}

export const empty = new ProjectConfig({})

export const defaultFile = "simbridge.config.yaml"

const secretLike = /(api[-_]?key|token|secret|password)/i

/** Decodes config text; problems carry file, line and column like suite files. */
export const decode = (file: string, text: string): Either.Either<ProjectConfig, SuiteFile.SuiteFileError> => {
  const lineCounter = new YAML.LineCounter()
  const doc = YAML.parseDocument(text, { lineCounter })
  const secrets: Array<SuiteFile.Problem> = []
  YAML.visit(doc, {
    Pair: (_, pair) => {
      const key = YAML.isScalar(pair.key) ? String(pair.key.value) : ""
      if (secretLike.test(key)) {
        const pos = lineCounter.linePos((pair.key as YAML.Scalar).range?.[0] ?? 0)
        secrets.push({ file, line: pos.line, column: pos.col, path: key, message: "secrets are never read from files; set the provider's environment variable instead (see simbridge providers)" })
      }
    }
  })
  if (secrets.length > 0) return Either.left(new SuiteFile.SuiteFileError({ file, problems: secrets }))
  return SuiteFile.decodeWith(ProjectConfig, file, text, "a config file is a YAML mapping (providers, emulate, seed, speed, strict, reports)")
}

/** Loads the config from `file`, or `simbridge.config.yaml` when it exists; otherwise empty. */
export const load = (file: string | undefined): Effect.Effect<ProjectConfig, SuiteFile.SuiteFileError, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = file ?? defaultFile
    const exists = yield* fs.exists(path).pipe(Effect.orElseSucceed(() => false))
    if (!exists) {
      if (file === undefined) return empty
      return yield* new SuiteFile.SuiteFileError({ file, problems: [{ file, line: 0, column: 0, path: "", message: "no such file" }] })
    }
    const text = yield* fs.readFileString(path).pipe(
      Effect.mapError((e) => new SuiteFile.SuiteFileError({ file: path, problems: [{ file: path, line: 0, column: 0, path: "", message: e.message }] }))
    )
    return yield* decode(path, text)
  })
