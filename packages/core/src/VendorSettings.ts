/**
 * A plan's settings for one vendor: its `target.<vendor>` and `vendors.<vendor>` entries, decoded
 * the way `simbridge validate` decodes them. Every driver reads them through this module, so a
 * typo in a suite used as a library fails as it fails on the command line.
 *
 * @since 0.3.0
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as Issues from "./Issues.js"
import type { Plan } from "./Plan.js"
import * as ProviderError from "./ProviderError.js"

/** A plan's decoded `target.<vendor>` and `vendors.<vendor>`. */
export interface Settings<Target, Options> {
  readonly target: Target
  readonly options: Options
}

export interface Spec<Target, TargetI, Options, OptionsI> {
  /** The vendor's registry name: the key of its entries in the suite. */
  readonly provider: string
  readonly target: Schema.Schema<Target, TargetI>
  readonly options: Schema.Schema<Options, OptionsI>
  /** What a `target.<vendor>` entry looks like, for the error when the suite has none. */
  readonly targetExample: string
}

/**
 * Reads a plan's settings for the vendor, or fails with `InvalidRequest` naming the field
 * (`vendors.cekura.mdoe: is unexpected`). Decoding is strict: an unknown field is an error, not
 * something silently ignored. A missing `vendors.<vendor>` entry means every option's default.
 * Plans are immutable, so each plan is decoded once however many runs start from it.
 */
export const make = <Target, TargetI, Options, OptionsI>(
  spec: Spec<Target, TargetI, Options, OptionsI>
): (plan: Plan, operation: string) => Effect.Effect<Settings<Target, Options>, ProviderError.ProviderError> => {
  const decodeTarget = Schema.decodeUnknownEither(spec.target, { errors: "all", onExcessProperty: "error" })
  const decodeOptions = Schema.decodeUnknownEither(spec.options, { errors: "all", onExcessProperty: "error" })
  const decoded = new WeakMap<Plan, Settings<Target, Options>>()
  const invalid = (operation: string, description: string) =>
    ProviderError.make({ provider: spec.provider, operation, reason: "InvalidRequest", description })
  const issues = (error: ParseResult.ParseError, path: ReadonlyArray<string>) => Issues.summarize(Issues.fromParseError(error), path)

  return (plan, operation) =>
    Effect.suspend(() => {
      const known = decoded.get(plan)
      if (known !== undefined) return Effect.succeed(known)
      const entry = plan.target[spec.provider]
      if (entry === undefined) {
        return Effect.fail(invalid(operation, `target.${spec.provider}: missing; expected ${spec.targetExample}`))
      }
      const target = decodeTarget(entry)
      if (Either.isLeft(target)) return Effect.fail(invalid(operation, issues(target.left, ["target", spec.provider])))
      const options = decodeOptions(plan.vendors[spec.provider] ?? {})
      if (Either.isLeft(options)) return Effect.fail(invalid(operation, issues(options.left, ["vendors", spec.provider])))
      const settings = { target: target.right, options: options.right }
      decoded.set(plan, settings)
      return Effect.succeed(settings)
    })
}
