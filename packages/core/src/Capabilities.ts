/**
 * What a provider can do. Core checks a plan against these before anything is sent and turns
 * every gap into a warning on the run (or an `Unsupported` error in strict mode).
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import * as Persona from "./Persona.js"
import { Direction, Transport } from "./Plan.js"

export const PersonaSupport = Schema.Literal(
  /** personas are created on the vendor */
  "native",
  /** the closest persona of a fixed catalogue is chosen */
  "catalogue",
  /** the caller is a vendor workflow chosen by the suite */
  "workflow",
  /** the persona is rendered into the caller's prompt */
  "prompt"
)

export class Capabilities extends Schema.Class<Capabilities>("Capabilities")({
  personas: PersonaSupport,
  /** Persona attributes the vendor honours natively; others are only rendered as text or dropped. */
  personaAttributes: Schema.Array(Persona.Attribute),
  directions: Schema.Array(Direction),
  transports: Schema.Array(Transport),
  maxIterations: Schema.optional(Schema.Int),
  concurrency: Schema.Boolean,
  maxDuration: Schema.Boolean,
  silenceTimeout: Schema.Boolean,
  endCallPhrases: Schema.Boolean,
  executionMode: Schema.Boolean,
  scriptedSteps: Schema.Boolean,
  toolMocks: Schema.Boolean,
  cancelRun: Schema.Boolean,
  cancelResult: Schema.Boolean,
  recordings: Schema.Boolean,
  /** Free-text notes on what the vendor cannot do, shown by `simbridge providers`. */
  gaps: Schema.Array(Schema.String)
}) {}
