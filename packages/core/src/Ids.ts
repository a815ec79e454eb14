/**
 * Canonical identifiers. Canonical ids are the ids a suite file gives its personas, scenarios and
 * evaluators: short slugs, branded so that a persona id cannot be passed where a scenario id is
 * expected. Vendor ids are never canonical ids: they live in a {@link ProviderRef}.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

const slug = (brand: string) =>
  Schema.String.pipe(
    Schema.pattern(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, {
      message: () => `expected a slug of letters, digits, ".", "_" or "-" (at most 128 characters)`
    }),
    Schema.brand(brand)
  )

export const PersonaId = slug("PersonaId")
export type PersonaId = typeof PersonaId.Type

export const ScenarioId = slug("ScenarioId")
export type ScenarioId = typeof ScenarioId.Type

export const EvaluatorId = slug("EvaluatorId")
export type EvaluatorId = typeof EvaluatorId.Type

/** The name a provider is registered under: `vapi`, `roark`, `cekura`, `interactly`, `test`. */
export const ProviderName = Schema.String.pipe(
  Schema.pattern(/^[a-z][a-z0-9-]{0,31}$/, { message: () => "expected a lowercase provider name such as vapi" }),
  Schema.brand("ProviderName")
)
export type ProviderName = typeof ProviderName.Type
