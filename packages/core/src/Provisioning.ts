/**
 * What provisioning a plan created or found on a vendor: the vendor ref of every canonical object,
 * keyed `persona:<id>`, `scenario:<id>`, `evaluator:<id>`, `plan`, plus vendor-specific keys
 * (`simulation:<scenario>/<persona>` on Vapi...), and the warnings it raised.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { ProviderRef } from "./ProviderRef.js"
import { Warning } from "./Warning.js"

export class Provisioning extends Schema.Class<Provisioning>("Provisioning")({
  provider: Schema.String,
  refs: Schema.Record({ key: Schema.String, value: ProviderRef }),
  /** How many vendor objects were created, updated, or reused unchanged. */
  created: Schema.optionalWith(Schema.Int, { default: () => 0 }),
  updated: Schema.optionalWith(Schema.Int, { default: () => 0 }),
  reused: Schema.optionalWith(Schema.Int, { default: () => 0 }),
  warnings: Schema.optionalWith(Schema.Array(Warning), { default: () => [] })
}) {}

export const key = {
  persona: (id: string) => `persona:${id}`,
  scenario: (id: string) => `scenario:${id}`,
  evaluator: (id: string) => `evaluator:${id}`,
  plan: "plan"
} as const
