/**
 * The values Roark added after SDK v2.31 that simbridge sends or the emulator answers, each with
 * its source in `vendors/roark.md`. The contract tests widen the SDK's types by these, and by
 * nothing else: every other field is held to v2.31 as it is.
 */

/** Persona enum values and nulls added after v2.31. */
export interface LaterPersona {
  /** N-next (2026-05): language `HE`. */
  readonly language: "HE"
  /** N-next: accent `IL`. */
  readonly accent: "IL"
  /** N-next / CLI (§8): four more background noises. */
  readonly backgroundNoise: "CONSTRUCTION" | "CRYING_BABY" | "LIBRARY" | "TRAIN"
  /** N-next (§8): three more base emotions. */
  readonly baseEmotion: "ANGRY" | "ANXIOUS" | "SAD"
  /** CLI (§5.1, §8): `BARGE_IN`. */
  readonly responseTiming: "BARGE_IN"
  /** N-next (§5.1): `idleMessages` null means "Automatic". */
  readonly idleMessages: null
}

/** L-rpj (§8): a simulation job's `processingStatus` is `PENDING` until it starts connecting. */
export type LaterProcessingStatus = "PENDING"

/** `T` with each field named in `L` also taking `L`'s values (optionality kept). */
export type WithLater<T, L> = { [K in keyof T]: K extends keyof L ? T[K] | L[K] : T[K] }
