import { describe, expect, it } from "@effect/vitest"
import { Conversation } from "@simbridge/emulator"
import { Persona } from "@simbridge/core"
import * as Schema from "effect/Schema"

const dental: Conversation.Scenario = {
  name: "Urgent dental appointment [simbridge:scenario:urgent-appointment:abc123]",
  instructions: "You have a bad toothache and want the earliest appointment this week.",
  variables: { patientName: "Sarah" }
}
const pizza: Conversation.Scenario = {
  name: "Pizza delivery order",
  instructions: "Order a large pepperoni pizza for delivery to {{address}}. Ask how long the delivery will take.",
  steps: ["Ask for extra garlic bread.", "Say you will pay by card."],
  variables: { address: "42 Elm Street" }
}
const sarah: Conversation.Persona = { name: "Sarah Johnson", emotion: "FRUSTRATED", language: "EN", backstory: "A busy professional calling during lunch break" }
const marco: Conversation.Persona = { name: "Marco Rossi", emotion: "rushed", language: "it", speechPace: "fast" }
const booked = (met: boolean): ReadonlyArray<Conversation.Check> => [
  { description: "The agent booked an appointment for the caller", met },
  { description: "The agent stayed polite throughout, on a 1-5 scale", met: true }
]

const make = (overrides: Partial<Conversation.Input> = {}) =>
  Conversation.make({ seed: 1, key: "urgent|sarah|1", scenario: dental, persona: sarah, agent: "Dental clinic receptionist", outcome: { achieved: true, checks: booked(true) }, ...overrides })

const text = (c: Conversation.Conversation) => c.turns.map((t) => t.text).join("\n")
const said = (c: Conversation.Conversation, speaker: Conversation.Speaker) => c.turns.filter((t) => t.speaker === speaker).map((t) => t.text).join("\n")

describe("Conversation", () => {
  it("is about the scenario's subject, in the persona's voice", () => {
    const c = make()
    expect(said(c, "caller")).toContain("this is Sarah Johnson")
    expect(said(c, "caller")).toContain("I have a bad toothache and want the earliest appointment this week.")
    expect(said(c, "caller")).toContain("I'm a busy professional calling during lunch break.")
    // Frustrated: how the caller opens and takes the ending.
    expect(said(c, "caller")).toContain("I've been trying to sort this out for a while.")
    expect(said(c, "agent")).toContain("your urgent dental appointment, Sarah")
    expect(text(c)).not.toContain("simbridge:")
    expect(c.turns[0]).toMatchObject({ speaker: "agent", text: "Hello, this is the dental clinic receptionist. How can I help you today?" })
  })

  it("differs between two scenarios: each call is about its own subject, steps in order, variables filled", () => {
    const d = make()
    const p = make({ scenario: pizza, persona: marco, agent: "Pizza Palace", key: "pizza|marco|1", outcome: { achieved: true } })
    expect(text(p)).not.toEqual(text(d))
    expect(text(p)).not.toMatch(/dental|tooth/i)
    expect(text(d)).not.toMatch(/pizza/i)
    const caller = said(p, "caller")
    expect(caller).toContain("Ciao, this is Marco Rossi, I'm in a hurry.")
    expect(caller).toContain("I'd like to order a large pepperoni pizza for delivery to 42 Elm Street.")
    expect(caller).toContain("Could you tell me how long the delivery will take?")
    expect(caller.indexOf("Could I get extra garlic bread?")).toBeLessThan(caller.indexOf("I will pay by card."))
    expect(said(p, "agent")).toContain("Thank you for calling Pizza Palace.")
    expect(said(p, "agent")).toContain("your pizza delivery order")
  })

  it("is deterministic for a seed and key; another seed times it otherwise", () => {
    expect(make()).toEqual(make())
    expect(make({ seed: 2 }).turns.map((t) => t.startMs)).not.toEqual(make().turns.map((t) => t.startMs))
  })

  it("alternates speakers; its duration is the last turn's end, at the length the emulator decided", () => {
    for (const c of [make(), make({ durationMs: 137_000 }), make({ durationMs: 9_000 }), make({ scenario: pizza, persona: marco, durationMs: 61_500 })]) {
      expect(c.durationMs).toBe(c.turns[c.turns.length - 1]!.endMs)
      c.turns.forEach((t, i) => {
        expect(t.endMs).toBeGreaterThan(t.startMs)
        if (i > 0) {
          expect(t.startMs).toBeGreaterThanOrEqual(c.turns[i - 1]!.endMs)
          expect(t.speaker).not.toBe(c.turns[i - 1]!.speaker)
        }
      })
    }
    expect(make({ durationMs: 137_000 }).durationMs).toBe(137_000)
    // A longer call has more to say before it is scaled.
    expect(make({ durationMs: 137_000 }).turns.length).toBeGreaterThan(make({ durationMs: 20_000 }).turns.length)
  })

  it("takes the number of turns the emulator decided, whoever speaks first", () => {
    for (const turns of [4, 5, 7, 9, 12]) {
      for (const agentFirst of [true, false]) {
        for (const ending of ["completed", "max-duration", "silence"] as const) {
          const c = make({ turns, agentFirst, durationMs: 33_000, outcome: { achieved: true, ending } })
          expect(c.turns.length).toBe(turns)
          expect(c.turns[0]!.speaker).toBe(agentFirst ? "agent" : "caller")
          expect(c.durationMs).toBe(33_000)
        }
      }
    }
  })

  it("ends as the outcome says: a booking when the booked check holds, none when it fails", () => {
    const good = make()
    expect(said(good, "agent")).toContain("I have booked an appointment for you.")
    expect(said(good, "agent")).not.toContain("stayed polite")
    expect(good.turns[good.turns.length - 2]).toMatchObject({ speaker: "caller", text: "Finally. Thanks. Bye." })
    const bad = make({ outcome: { achieved: false, checks: booked(false) } })
    expect(text(bad)).not.toMatch(/booked/i)
    expect(said(bad, "agent")).toContain("I'm sorry, I wasn't able to sort out your urgent dental appointment today.")
    expect(bad.turns[bad.turns.length - 2]!.text).toBe("That's really frustrating. Goodbye.")
    // A criterion named by its verb (Interactly's metrics) is confirmed the same way.
    expect(said(make({ outcome: { achieved: true, checks: [{ description: "booked", met: true }] } }), "agent")).toContain("I have booked that for you.")
    expect(said(make({ outcome: { achieved: false, checks: [{ description: "booked", met: false }] } }), "agent")).not.toContain("booked")
  })

  it("ends with the agent gone quiet, or cut off at the time limit", () => {
    const silent = make({ outcome: { achieved: false, ending: "silence" }, durationMs: 60_000 })
    expect(silent.turns[silent.turns.length - 1]).toMatchObject({ speaker: "caller", text: "Hello? Are you still there?", endMs: 60_000 })
    expect(text(silent)).not.toMatch(/booked|Have a great day/)
    const cut = make({ outcome: { achieved: true, checks: booked(true), ending: "max-duration" } })
    expect(cut.turns[cut.turns.length - 1]!.text).toMatch(/—$/)
    expect(text(cut)).not.toMatch(/booked|Have a great day/)
  })

  it("places an outbound call: the persona picks up, the agent introduces the call", () => {
    const c = make({ direction: "outbound", scenario: pizza, persona: marco, agent: "Pizza Palace" })
    expect(c.turns[0]).toMatchObject({ speaker: "caller", text: "Ciao, Marco speaking." })
    expect(c.turns[1]!.text).toBe("Hi Marco, this is Pizza Palace calling about your pizza delivery order. Is now a good time?")
  })

  it("shows the turns spoken so far over the emulator's window for the call, with one scale", () => {
    const c = make({ durationMs: 90_000 })
    const window = 1_620
    expect(Conversation.spoken(c, window, window)).toEqual(c.turns)
    expect(Conversation.spoken(c, 0, window)).toEqual([])
    const half = Conversation.spoken(c, window / 2, window)
    expect(half).toEqual(c.turns.filter((t) => t.startMs <= 45_000))
    expect(half.length).toBeGreaterThan(0)
    expect(half.length).toBeLessThan(c.turns.length)
  })

  it("reads a persona back from the prose Persona.describe writes", () => {
    const persona = Schema.decodeUnknownSync(Persona.Persona)({
      id: "anxious-sarah",
      name: "Sarah Johnson",
      language: "es",
      emotion: "anxious",
      speechPace: "super_slow",
      backstory: "A retired teacher"
    })
    expect(Conversation.personaOf(Persona.describe(persona))).toEqual({
      name: "Sarah Johnson",
      emotion: "anxious",
      language: "es",
      speechPace: "super_slow",
      backstory: "A retired teacher"
    })
    expect(Conversation.personaOf("A frustrated female caller in a noisy office.")).toEqual({ emotion: "frustrated" })
    expect(Conversation.emotionIn("ANGRY")).toBe("angry")
    expect(Conversation.emotionIn("Normal Male (American)")).toBe("neutral")
  })
})
