/**
 * The words of emulated conversations: scenario text turned into what the caller says, the
 * persona's manner (emotion, language, speech pace), and the agent's replies. Small templates over
 * the scenario's own text; `Conversation` arranges and times them.
 *
 * @internal
 */

/** The persona emotions the templates know (the canonical vocabulary; vendors' enums lowercased). */
export const emotions = [
  "neutral", "cheerful", "confused", "frustrated", "skeptical", "rushed", "distracted", "angry", "anxious", "sad"
] as const
export type Emotion = (typeof emotions)[number]

interface Manner {
  /** The caller's first words: `{hi}` is the greeting in the persona's language, `{me}` who is calling. */
  readonly open: string
  /** An exchange only this mood brings: the caller's line and the agent's answer. */
  readonly aside: readonly [string, string] | undefined
  /** The caller's last words when the agent did what was asked, and when it did not. */
  readonly thanks: string
  readonly letdown: string
}

const manners: Record<Emotion, Manner> = {
  neutral: { open: "{hi}, {me}.", aside: undefined, thanks: "Great, thank you. Goodbye.", letdown: "I see. That's a shame. Goodbye." },
  cheerful: {
    open: "{hi}! {me}, I hope your day is going well.",
    aside: ["That sounds lovely, thank you!", "My pleasure!"],
    thanks: "Wonderful, thank you so much! Have a lovely day.",
    letdown: "Oh well, thanks for trying anyway! Bye."
  },
  confused: {
    open: "Um, {hi}? Sorry, {me}. I hope I have the right number.",
    aside: ["Sorry, I'm a bit lost. Could you explain that again?", "No problem, let me go over it more simply."],
    thanks: "Oh, okay... I think I understand now. Thank you.",
    letdown: "Oh... so what do I do now? Okay, goodbye."
  },
  frustrated: {
    open: "{hi}, {me}. I've been trying to sort this out for a while.",
    aside: ["This is taking longer than it should.", "I'm sorry for the wait, we're nearly there."],
    thanks: "Finally. Thanks. Bye.",
    letdown: "That's really frustrating. Goodbye."
  },
  skeptical: {
    open: "{hi}, {me}. I'm not sure you can help, but here goes.",
    aside: ["Are you sure about that?", "Yes, I've double-checked it."],
    thanks: "Alright, I'll hold you to that. Goodbye.",
    letdown: "I thought as much. Goodbye."
  },
  rushed: {
    open: "{hi}, {me}, I'm in a hurry.",
    aside: ["Can we speed this up? I don't have much time.", "Of course, I'll be quick."],
    thanks: "Perfect, thanks, bye.",
    letdown: "I don't have time for this. Bye."
  },
  distracted: {
    open: "Oh, {hi}, sorry, {me}. Hold on... okay.",
    aside: ["Sorry, what was that? Someone was talking to me.", "No problem, I'll repeat it."],
    thanks: "Hm? Oh, great, thanks. Bye.",
    letdown: "Hm? Oh. Okay, bye then."
  },
  angry: {
    open: "{me}, and I'm not happy.",
    aside: ["I've already explained this. Can you just fix it?", "I understand, and I'm doing my best to fix it."],
    thanks: "Fine. Thanks. Goodbye.",
    letdown: "This is unacceptable. Goodbye."
  },
  anxious: {
    open: "{hi}, um, {me}. I'm a bit worried.",
    aside: ["Is that going to be okay?", "Yes, don't worry, we'll sort it out."],
    thanks: "Oh, thank goodness. Thank you so much.",
    letdown: "Oh no... okay. I'll try somewhere else."
  },
  sad: {
    open: "{hi}... {me}.",
    aside: ["It's been a hard week.", "I'm sorry to hear that. Let's see what we can do."],
    thanks: "Thank you. That helps a little. Goodbye.",
    letdown: "Oh. Okay. Goodbye."
  }
}

/** The emotion a text names (a vendor enum, a persona's prose, a personality's name), if any. */
export const emotionIn = (text: string | null | undefined): Emotion | undefined => {
  if (text === null || text === undefined) return undefined
  const lower = text.toLowerCase()
  const exact = emotions.find((e) => e === lower.trim())
  if (exact !== undefined) return exact
  const named = emotions.find((e) => e !== "neutral" && new RegExp(`\\b${e}\\b`).test(lower))
  return named ?? (/\b(neutral|calm|normal)\b/.test(lower) ? "neutral" : undefined)
}

export const mannerOf = (emotion: string | undefined): Manner => manners[emotionIn(emotion) ?? "neutral"]

/** Hello in the persona's language: the one word a caller says in it before the call goes on in English. */
const greetings: Record<string, string> = {
  en: "Hi", es: "Hola", de: "Hallo", fr: "Bonjour", it: "Ciao", pt: "Olá", nl: "Hallo", hi: "Namaste", ja: "Moshi moshi",
  zh: "Ni hao", tr: "Merhaba", ar: "Marhaba", el: "Geia sas", he: "Shalom", id: "Halo", ms: "Helo", th: "Sawasdee", tl: "Kumusta"
}

export const greetingOf = (language: string | undefined): string => greetings[(language ?? "en").toLowerCase().slice(0, 2)] ?? "Hi"

/** Words per second: the agent's, and the caller's at each speech pace. */
export const agentRate = 2.7
const paces: Record<string, number> = { super_slow: 1.7, slow: 2.1, normal: 2.6, fast: 3.1, super_fast: 3.6 }
export const callerRate = (pace: string | undefined): number => paces[(pace ?? "normal").toLowerCase().replace(/[\s-]+/g, "_")] ?? paces.normal!

export const words = (text: string): number => text.split(/\s+/).filter((w) => w !== "").length

const capitalize = (s: string) => (s === "" ? s : s[0]!.toUpperCase() + s.slice(1))
/** The first letter in lower case, unless it starts "I" or an acronym. */
const lowerFirst = (s: string) => (/^(?!I\b)[A-Z](?![A-Z])/.test(s) ? s[0]!.toLowerCase() + s.slice(1) : s)
const sentenceEnd = (s: string) => (/[.!?…]$/.test(s) ? s : `${s}.`)

/** A name or description without bracketed markers and parenthesised asides (`[simbridge:...]`, `(optional)`). */
export const clean = (text: string): string => text.replace(/\[[^\]]*\]|\([^)]*\)/g, " ").replace(/\s+/g, " ").trim()

/** `{{ key }}` placeholders filled from the scenario's variables (unknown ones are left as written). */
export const fill = (text: string, variables: Readonly<Record<string, unknown>>): string =>
  text.replace(/\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}/g, (m, k: string) => (variables[k] === undefined ? m : String(variables[k])))

/** The sentences of instructions or steps: list numbering and headings (`Steps:`) dropped. */
export const sentences = (text: string): Array<string> =>
  text.split(/\n+|(?<=[.!?])\s+/)
    .map((s) => s.trim().replace(/^(\d+[.)]|[-*•])\s+/, ""))
    .filter((s) => s !== "" && !s.endsWith(":"))

/** Verbs a scenario's imperative sentences and names start with ("Order a pizza", "Book a table"). */
const verbs = new Set([
  "ask", "book", "buy", "call", "cancel", "change", "check", "complain", "confirm", "dispute", "find", "get", "inquire",
  "make", "order", "pay", "request", "reschedule", "schedule", "reserve", "report", "return", "update", "upgrade",
  "downgrade", "renew", "sign", "arrange", "rent", "apply", "open", "close", "transfer", "send", "track", "refund",
  "reset", "activate", "register", "file", "try", "see", "set", "add", "remove", "move", "claim", "collect", "follow"
])

const isVerbPhrase = (s: string) => verbs.has(s.split(/\s/)[0]!.toLowerCase())

/** Second-person instructions in the caller's own voice: "your" -> "my", "you are" -> "I am", the agent addressed. */
const ownVoice = (s: string): string =>
  s
    .replace(/\byou are\b/gi, "I am")
    .replace(/\byou were\b/gi, "I was")
    .replace(/\byou're\b/gi, "I'm")
    .replace(/\byou've\b/gi, "I've")
    .replace(/\byou'll\b/gi, "I'll")
    .replace(/\byou'd\b/gi, "I'd")
    .replace(/\byourself\b/gi, "myself")
    .replace(/\byours\b/gi, "mine")
    .replace(/\byour\b/gi, "my")
    .replace(/(^|[,;]\s*|\b(?:and|but|or|so|because|if|when|that|since|while|then|until)\s+)you\b/gi, (_, before: string) => `${before}I`)
    .replace(/\byou\b/gi, "me")
    .replace(/\b(?:the|an?) (?:agent|assistant|receptionist|representative)\b/gi, "you")

const questionWords = new Set(["how", "when", "what", "where", "which", "who", "why", "whether", "if"])

/**
 * One sentence of a scenario as the caller says it, or undefined for a sentence about how to
 * behave ("Be polite but firm") rather than what to say.
 */
export const callerLine = (sentence: string): string | undefined => {
  let s = sentence.trim().replace(/^(?:answer|take|pick up) (?:the |a )?(?:[\w-]+ )?call(?:,|\s+and|\s+then)*\s+/i, "")
  if (/^(pretend|act|play|behave|remain|stay|keep|sound|speak|be)\b/i.test(s)) return undefined
  s = s
    .replace(/^(?:tell|inform|remind) (?:the )?(?:agent|assistant|them|him|her)(?: that)? /i, "")
    .replace(/^(?:say|mention|explain|state)(?: to the (?:agent|assistant))?(?: that)? /i, "")
  const ask = /^ask (?:the (?:agent|assistant) )?(to|for|about|\w+) (.+?)[.!?]?$/i.exec(s)
  if (ask !== null) {
    const kind = ask[1]!.toLowerCase()
    const rest = ownVoice(ask[2]!)
    if (kind === "to") return `Could you ${rest}?`
    if (kind === "for") return `Could I get ${rest}?`
    if (kind === "about") return `Could you tell me about ${rest}?`
    if (questionWords.has(kind)) return `Could you tell me ${kind} ${rest}?`
  }
  if (/^you\b/i.test(s)) return capitalize(sentenceEnd(ownVoice(s)))
  if (isVerbPhrase(s)) return sentenceEnd(`I'd like to ${ownVoice(lowerFirst(s))}`)
  return capitalize(sentenceEnd(ownVoice(s)))
}

/** A backstory in the caller's voice ("A busy professional..." -> "I'm a busy professional..."), when it reads as one. */
export const backstoryLine = (backstory: string | undefined): string | undefined => {
  const s = backstory?.trim().split(/\n/)[0]?.trim()
  if (s === undefined || s === "") return undefined
  if (/^(a|an)\s/i.test(s)) return sentenceEnd(`I'm ${lowerFirst(s)}`)
  if (/^(you|I)\s/i.test(s)) return capitalize(sentenceEnd(ownVoice(s)))
  return undefined
}

/** What the call is about, from the scenario's name: a verb phrase ("book a table") or a noun phrase ("urgent dental appointment"). */
export interface Subject {
  readonly text: string
  readonly verb: boolean
}

export const subjectOf = (name: string): Subject | undefined => {
  const text = clean(name).replace(/[.!?]+$/, "")
  if (text === "") return undefined
  // Title case is lowered word by word; acronyms stay.
  const lowered = text.split(" ").map((w) => (/^[A-Z][a-z'-]*$/.test(w) ? w.toLowerCase() : w)).join(" ")
  return { text: lowered, verb: isVerbPhrase(lowered) }
}

/** The subject with a determiner, as the agent speaks of it ("your urgent dental appointment"). */
const yours = (np: string) => (/^(a|an|the|your|this|that)\s/i.test(np) ? np : /^my\s/i.test(np) ? np.replace(/^my/i, "your") : `your ${np}`)

/** The caller's request when the scenario gives no instructions. */
export const requestFromSubject = (subject: Subject | undefined): string =>
  subject === undefined ? "I have a question." : subject.verb ? `I'd like to ${subject.text}.` : `I'm calling about my ${subject.text.replace(/^(a|an|the|my|your)\s/i, "")}.`

/** The agent's greeting: a role ("Dental clinic receptionist") introduces itself, a business is thanked for. */
export const agentGreeting = (agent: string | undefined): string => {
  const name = agent === undefined ? "" : clean(agent)
  if (name === "") return "Thank you for calling. How can I help you today?"
  return /\b(agent|assistant|receptionist|bot|representative|support|desk|line)\b/i.test(name)
    ? `Hello, this is the ${lowerFirst(name)}. How can I help you today?`
    : `Thank you for calling ${name}. How can I help you today?`
}

/** The agent introducing an outbound call. */
export const agentCalling = (agent: string | undefined, first: string | undefined, subject: Subject | undefined): string => {
  const name = agent === undefined ? "" : clean(agent)
  const who = name === "" ? "a representative" : /\b(agent|assistant|receptionist|bot|representative|support)\b/i.test(name) ? `the ${lowerFirst(name)}` : name
  const about = subject === undefined ? "" : subject.verb ? ` to help you ${subject.text}` : ` about ${yours(subject.text)}`
  return `Hi${first === undefined ? "" : ` ${first}`}, this is ${who} calling${about}. Is now a good time?`
}

/** The persona picking up an outbound call. */
export const callerAnswers = (first: string | undefined, hi: string): string => (first === undefined ? `${hi}?` : `${hi}, ${first} speaking.`)

/** The caller's opening words in their manner. */
export const opening = (manner: Manner, hi: string, name: string | undefined): string => {
  const me = name === undefined ? "I'm calling for some help" : `this is ${name}`
  return capitalize(manner.open.replace("{hi}", manner.open.startsWith("{hi}") ? hi : lowerFirst(hi)).replace("{me}", me))
}

/** The agent taking the request on. */
export const acknowledge = (subject: Subject | undefined, first: string | undefined, details: boolean): string => {
  const what = subject === undefined ? "with that" : subject.verb ? subject.text : `with ${yours(subject.text)}`
  return `I can help you ${what}${first === undefined ? "" : `, ${first}`}.${details ? " Could I get a few details first?" : ""}`
}

export const acknowledgements = ["Got it.", "Okay, noted.", "Thanks, I have that.", "Understood.", "Alright."] as const

/** Exchanges any caller may add to a call (caller's line, agent's answer): none says how it ends. */
export const fillers: ReadonlyArray<readonly [string, string]> = [
  ["Could you double-check that for me?", "Of course, I'm checking now."],
  ["How long will this take?", "Not long at all, just a moment."],
  ["Just to be sure, you have my details right?", "Yes, I have everything noted."],
  ["Is there anything else you need from me?", "No, I think I have what I need."],
  ["Sorry, could you repeat that?", "Sure, let me go over it again."],
  ["Okay. And what happens next?", "I'm looking into that for you right now."]
]

export const hold = "Let me check that for you, one moment."
export const stillThere = "Hello? Are you still there?"

/** The scenario's variables the caller gives as details ("patient name Sarah, zip code 94105"). */
export const detailsLine = (variables: ReadonlyArray<readonly [string, unknown]>): string =>
  `For your records: ${variables.map(([k, v]) => `${k.replace(/([a-z0-9])([A-Z])/g, "$1 $2").replace(/[_-]+/g, " ").toLowerCase()} ${String(v)}`).join(", ")}.`

/** Past-tense verbs that say how the agent behaved rather than what it did ("stayed polite"). */
const mannerVerbs = new Set(["stayed", "remained", "seemed", "sounded", "appeared", "behaved", "acted"])

/**
 * What the agent says when an evaluator's check held, when its description names an agent action
 * ("The agent booked an appointment for the caller" -> "I have booked an appointment for you."; a
 * criterion named by its verb, "booked" -> "I have booked that for you."). Undefined for anything
 * else (scores, negations, manner), which the agent does not announce.
 */
export const confirmation = (description: string): string | undefined => {
  const text = clean(description).replace(/[.!?]+$/, "")
  const single = /^([A-Za-z]+ed)$/.exec(text)
  if (single !== null) return mannerVerbs.has(single[1]!.toLowerCase()) ? undefined : `I have ${single[1]!.toLowerCase()} that for you.`
  const action = /^(?:the )?(?:agent|assistant)\s+([a-z]+ed)\b\s*(.*)$/i.exec(text)
  if (action === null) return undefined
  const [, verb, rest] = action
  if (mannerVerbs.has(verb!.toLowerCase()) || /\b(not|never|no)\b|n't|\d|\bscale\b|\bscore\b/i.test(rest!)) return undefined
  const object = rest!
    .replace(/\bthe (?:caller|customer|user|patient)'s\b/gi, "your")
    .replace(/\bthe (?:caller|customer|user|patient)\b/gi, "you")
    .replace(/\b(?:his|her|their)\b/gi, "your")
  return sentenceEnd(`I have ${verb!.toLowerCase()}${object === "" ? "" : ` ${object}`}`)
}

/** The agent closing a request it fulfilled. */
export const fulfilled = (confirmations: ReadonlyArray<string>, subject: Subject | undefined): string =>
  `${confirmations.length > 0
    ? confirmations.join(" ")
    : subject === undefined || subject.verb
    ? "That's all taken care of for you."
    : `You're all set: ${yours(subject.text)} is taken care of.`} Is there anything else I can help you with?`

/** The agent closing a request it could not fulfil. */
export const declined = (confirmations: ReadonlyArray<string>, subject: Subject | undefined): string =>
  confirmations.length > 0
    ? `${confirmations.join(" ")} But I'm sorry, I couldn't do everything you asked today.`
    : subject === undefined
    ? "I'm sorry, I'm not able to help with that today."
    : `I'm sorry, I wasn't able to ${subject.verb ? subject.text : `sort out ${yours(subject.text)}`} today.`

export const farewell = (achieved: boolean, first: string | undefined): string =>
  achieved ? `You're welcome${first === undefined ? "" : `, ${first}`}. Have a great day!` : "I understand. I'm sorry again. Goodbye."

/** A turn cut off by the end of the call: the first part of its words and a dash. */
export const cutOff = (text: string): string => {
  const w = text.split(/\s+/).filter((x) => x !== "")
  return `${w.slice(0, Math.max(1, Math.ceil(w.length * 0.6))).join(" ").replace(/[.,!?;:]+$/, "")}—`
}
