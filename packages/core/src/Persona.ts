/**
 * The simulated caller. The attribute vocabularies are the union of what the vendors model
 * natively (Roark's persona enums are the richest and set the names); a provider that cannot honour
 * an attribute says so in its capabilities and the run carries a warning.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { PersonaId } from "./Ids.js"
import { JsonRecord } from "./Json.js"

export const Language = Schema.Literal(
  "en", "es", "de", "hi", "fr", "nl", "ar", "el", "it", "id", "th", "ja", "tl", "ms", "zh", "tr", "pt", "he"
)
export type Language = typeof Language.Type

export const Accent = Schema.Literal(
  "us", "us_south", "gb", "es", "de", "in", "fr", "nl", "sa", "gr", "au", "it", "id", "th", "jp", "nz", "ph", "sg",
  "my", "hk", "tr", "pt", "il"
)
export type Accent = typeof Accent.Type

export const Gender = Schema.Literal("male", "female", "neutral")
export type Gender = typeof Gender.Type

export const Emotion = Schema.Literal(
  "neutral", "cheerful", "confused", "frustrated", "skeptical", "rushed", "distracted", "angry", "anxious", "sad"
)
export type Emotion = typeof Emotion.Type

export const BackgroundNoise = Schema.Literal(
  "none", "airport", "children_playing", "city", "coffee_shop", "driving", "office", "thunderstorm", "construction",
  "crying_baby", "library", "train"
)
export type BackgroundNoise = typeof BackgroundNoise.Type

export const SpeechPace = Schema.Literal("super_slow", "slow", "normal", "fast", "super_fast")
export type SpeechPace = typeof SpeechPace.Type

export const SpeechClarity = Schema.Literal("clear", "vague", "rambling")
export type SpeechClarity = typeof SpeechClarity.Type

export const IntentClarity = Schema.Literal("clear", "indirect", "vague")
export type IntentClarity = typeof IntentClarity.Type

export const ConfirmationStyle = Schema.Literal("explicit", "vague")
export type ConfirmationStyle = typeof ConfirmationStyle.Type

export const MemoryReliability = Schema.Literal("high", "low")
export type MemoryReliability = typeof MemoryReliability.Type

/** The persona attributes a provider may or may not honour natively (see `Capabilities`). */
export const Attribute = Schema.Literal(
  "language", "accent", "gender", "emotion", "backgroundNoise", "speechPace", "speechClarity", "intentClarity",
  "confirmationStyle", "memoryReliability"
)
export type Attribute = typeof Attribute.Type

export class Persona extends Schema.Class<Persona>("Persona")({
  id: PersonaId,
  name: Schema.NonEmptyTrimmedString,
  language: Schema.optionalWith(Language, { default: () => "en" as const }),
  accent: Schema.optional(Accent),
  gender: Schema.optional(Gender),
  emotion: Schema.optional(Emotion),
  backgroundNoise: Schema.optional(BackgroundNoise),
  speechPace: Schema.optional(SpeechPace),
  speechClarity: Schema.optional(SpeechClarity),
  intentClarity: Schema.optional(IntentClarity),
  confirmationStyle: Schema.optional(ConfirmationStyle),
  memoryReliability: Schema.optional(MemoryReliability),
  backstory: Schema.optional(Schema.String),
  properties: Schema.optional(JsonRecord)
}) {}

/** The attributes a persona sets explicitly (used to warn about attributes a vendor ignores). */
export const attributesSet = (persona: Persona): ReadonlyArray<Attribute> =>
  Attribute.literals.filter((a) => a !== "language" && persona[a] !== undefined)

/**
 * The persona rendered as plain prose, for vendors whose caller is an LLM prompt (Vapi's tester
 * assistant, Interactly's caller workflow).
 */
export const describe = (persona: Persona): string => {
  const lines: Array<string> = [`You are ${persona.name}, the caller.`]
  const traits: Array<string> = []
  traits.push(`speak ${persona.language}`)
  if (persona.accent) traits.push(`with a ${persona.accent.replace("_", " ").toUpperCase()} accent`)
  if (persona.gender && persona.gender !== "neutral") traits.push(`as a ${persona.gender}`)
  lines.push(`You ${traits.join(" ")}.`)
  if (persona.emotion) lines.push(`Your mood is ${persona.emotion}.`)
  if (persona.speechPace) lines.push(`You speak at a ${persona.speechPace.replace("_", " ")} pace.`)
  if (persona.speechClarity) lines.push(`Your speech is ${persona.speechClarity}.`)
  if (persona.intentClarity) lines.push(`You state what you want in a ${persona.intentClarity} way.`)
  if (persona.confirmationStyle) lines.push(`You confirm things in a ${persona.confirmationStyle} way.`)
  if (persona.memoryReliability) lines.push(`Your memory of details is ${persona.memoryReliability === "low" ? "unreliable" : "reliable"}.`)
  if (persona.backgroundNoise && persona.backgroundNoise !== "none") {
    lines.push(`You are calling from a place with ${persona.backgroundNoise.replace("_", " ")} noise around you.`)
  }
  if (persona.backstory) lines.push(`Backstory: ${persona.backstory}`)
  if (persona.properties && Object.keys(persona.properties).length > 0) {
    lines.push(`Facts about you: ${Object.entries(persona.properties).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(", ")}.`)
  }
  return lines.join("\n")
}
