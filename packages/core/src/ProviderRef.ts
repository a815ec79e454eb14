/**
 * A reference to one object on one vendor: `{ provider, kind, id }`, written `provider:kind:id`
 * (for example `vapi:run:5f0c9b1e-...`). The vendor id keeps its own format (UUID, 24-hex ObjectId,
 * integer) and may itself contain `:`; only the first two separators split.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"

export const Kind = Schema.String.pipe(
  Schema.pattern(/^[a-z][a-z0-9_-]{0,31}$/, { message: () => "expected a lowercase kind such as run or result" })
)

export class ProviderRef extends Schema.Class<ProviderRef>("ProviderRef")({
  provider: Schema.String.pipe(Schema.pattern(/^[a-z][a-z0-9-]{0,31}$/)),
  kind: Kind,
  id: Schema.String.pipe(Schema.minLength(1))
}) {
  override toString(): string {
    return `${this.provider}:${this.kind}:${this.id}`
  }
}

const refPattern = /^([a-z][a-z0-9-]{0,31}):([a-z][a-z0-9_-]{0,31}):(.+)$/s

/** `provider:kind:id` <-> `ProviderRef`. */
export const ProviderRefFromString: Schema.Schema<ProviderRef, string> = Schema.transformOrFail(
  Schema.String,
  Schema.typeSchema(ProviderRef),
  {
    strict: true,
    decode: (s, _, ast) => {
      const m = refPattern.exec(s)
      return m === null
        ? ParseResult.fail(new ParseResult.Type(ast, s, `expected "provider:kind:id" (for example vapi:run:<id>), got ${JSON.stringify(s)}`))
        : ParseResult.succeed(new ProviderRef({ provider: m[1]!, kind: m[2]!, id: m[3]! }))
    },
    encode: (ref) => ParseResult.succeed(`${ref.provider}:${ref.kind}:${ref.id}`)
  }
)

/** Parses the string form; the error says what was expected. */
export const parse = (s: string): Either.Either<ProviderRef, string> =>
  Schema.decodeEither(ProviderRefFromString)(s).pipe(
    Either.mapLeft((e) => ParseResult.TreeFormatter.formatErrorSync(e))
  )

export const make = (provider: string, kind: string, id: string | number): ProviderRef =>
  new ProviderRef({ provider, kind, id: String(id) })
