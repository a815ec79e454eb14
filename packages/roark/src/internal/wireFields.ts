/**
 * Field schemas shared by Roark's wire modules (`RoarkWire.ts` and `internal/provisioningWire.ts`).
 *
 * @internal
 */
import * as Schema from "effect/Schema"

export const Str = Schema.String
export const OptStr = Schema.optional(Schema.NullOr(Schema.String))
export const Ref = Schema.Struct({ id: Str })
export const Unknowns = Schema.Record({ key: Schema.String, value: Schema.Unknown })
export const StringMap = Schema.Record({ key: Schema.String, value: Schema.String })
