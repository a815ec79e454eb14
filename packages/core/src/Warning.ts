/**
 * A warning carried by a run: a plan option the provider could not honour, a capability gap, a
 * substitution it made. Nothing is dropped silently.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

export class Warning extends Schema.Class<Warning>("Warning")({
  code: Schema.String,
  message: Schema.String,
  /** The plan field the warning is about, as a path (`personas[0].accent`). */
  field: Schema.optional(Schema.String)
}) {}

export const make = (code: string, message: string, field?: string): Warning =>
  new Warning(field === undefined ? { code, message } : { code, message, field })
