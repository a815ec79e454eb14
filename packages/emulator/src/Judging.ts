/**
 * Emulator-only judging: words in an evaluator's description that make an emulated vendor judge
 * it the way a real vendor sometimes does, so that tests can check what simbridge makes of it.
 * The description is the one part of an evaluator that reaches the vendor's own evaluation object
 * on Vapi (structured output `description`), Roark (metric definition `description`) and Cekura
 * (its line of the scenario's `expected_outcome_prompt`); each provider's docs say what its
 * emulator does with them, and what stands in for them where the description does not reach the
 * vendor (Interactly, Cekura metrics).
 *
 * - `emulator:unjudged`: the vendor leaves the evaluator unjudged, in that vendor's way (a skipped
 *   evaluation, a metric missing from the call, an expected-outcome part left out).
 * - `emulator:boolean`: the vendor answers yes/no (a boolean) where the evaluator asks for a number.
 *
 * @since 0.1.0
 */

export const markers = {
  unjudged: "emulator:unjudged",
  boolean: "emulator:boolean"
} as const

export type Judging = keyof typeof markers

/** Which emulator-only judging a description asks for, if any (case aside; `unjudged` wins). */
export const of = (description: string | null | undefined): Judging | undefined => {
  if (description === null || description === undefined) return undefined
  const text = description.toLowerCase()
  return text.includes(markers.unjudged) ? "unjudged" : text.includes(markers.boolean) ? "boolean" : undefined
}
