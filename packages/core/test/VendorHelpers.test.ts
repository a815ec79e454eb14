import { describe, expect, it } from "@effect/vitest"
import { Plan, Provisioning, RunSnapshots, VendorSettings } from "@simbridge/core"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { encodedPlan } from "./fixtures.js"

const settingsOf = VendorSettings.make({
  provider: "acme",
  target: Schema.Struct({ agentId: Schema.NonEmptyTrimmedString }),
  options: Schema.Struct({ mode: Schema.optional(Schema.Literal("fast", "slow")) }),
  targetExample: "{ agentId: <id> }"
})
const planWith = (target: unknown, vendors?: unknown) =>
  Schema.decodeUnknownSync(Plan.Plan)({ ...encodedPlan, target: { acme: target }, ...(vendors === undefined ? {} : { vendors: { acme: vendors } }) })

describe("VendorSettings", () => {
  it.effect("decodes target.<vendor> and vendors.<vendor>; a missing vendors entry means the defaults", () =>
    Effect.gen(function*() {
      expect(yield* settingsOf(planWith({ agentId: "a1" }, { mode: "fast" }), "provision")).toEqual({ target: { agentId: "a1" }, options: { mode: "fast" } })
      expect(yield* settingsOf(planWith({ agentId: "a1" }), "provision")).toEqual({ target: { agentId: "a1" }, options: {} })
    }))

  it.effect("is strict: an unknown field or a bad value is InvalidRequest naming the field", () =>
    Effect.gen(function*() {
      const typo = yield* Effect.flip(settingsOf(planWith({ agentId: "a1" }, { mdoe: "fast" }), "startRun"))
      expect(typo.reason).toBe("InvalidRequest")
      expect(typo.operation).toBe("startRun")
      expect(typo.description).toContain("vendors.acme.mdoe")
      const target = yield* Effect.flip(settingsOf(planWith({ agentId: "a1", extra: 1 }), "provision"))
      expect(target.description).toContain("target.acme.extra")
      const value = yield* Effect.flip(settingsOf(planWith({ agentId: "a1" }, { mode: "medium" }), "provision"))
      expect(value.description).toContain("vendors.acme.mode")
    }))

  it.effect("names the missing target entry with an example", () =>
    Effect.gen(function*() {
      const plan = Schema.decodeUnknownSync(Plan.Plan)({ ...encodedPlan, target: { other: { x: "y" } } })
      const error = yield* Effect.flip(settingsOf(plan, "provision"))
      expect(error.description).toBe("target.acme: missing; expected { agentId: <id> }")
    }))
})

describe("Provisioning.findOrCreate", () => {
  interface Thing { readonly id: string; readonly hash: string }
  const rule = (found: Thing | undefined, update: boolean) => {
    const calls: Array<string> = []
    const effect = Provisioning.findOrCreate<Thing, never, never>({
      found,
      isCurrent: (t) => t.hash === "h2",
      create: Effect.sync(() => (calls.push("create"), { id: "new", hash: "h2" })),
      update: update ? (t) => Effect.sync(() => (calls.push(`update ${t.id}`), { ...t, hash: "h2" })) : undefined
    })
    return Effect.map(effect, (found) => ({ ...found, calls }))
  }

  it.effect("reuses a current object, updates a changed one, creates a missing one, replaces where nothing updates", () =>
    Effect.gen(function*() {
      expect(yield* rule(undefined, true)).toEqual({ object: { id: "new", hash: "h2" }, outcome: "created", calls: ["create"] })
      expect(yield* rule({ id: "old", hash: "h2" }, true)).toEqual({ object: { id: "old", hash: "h2" }, outcome: "reused", calls: [] })
      expect(yield* rule({ id: "old", hash: "h1" }, true)).toEqual({ object: { id: "old", hash: "h2" }, outcome: "updated", calls: ["update old"] })
      expect(yield* rule({ id: "old", hash: "h1" }, false)).toEqual({ object: { id: "new", hash: "h2" }, outcome: "updated", calls: ["create"] })
      expect(Provisioning.count(["created", "reused", "reused", "updated"])).toEqual({ created: 1, updated: 1, reused: 2 })
    }))
})

describe("RunSnapshots", () => {
  const snapshot = (id: string, unified: "running" | "completed") => ({
    run: { ref: `test:run:${id}`, status: { unified, raw: unified }, createdAt: "2026-01-01T00:00:00Z" } as never,
    signature: `${id}/${unified}`
  })

  it("keeps tracked runs, forgets a run once its terminal snapshot is remembered, and holds at most `capacity`", () => {
    const snapshots = new RunSnapshots.RunSnapshots<ReturnType<typeof snapshot>>(2)
    snapshots.remember("a", snapshot("a", "running"))
    snapshots.remember("b", snapshot("b", "running"))
    expect(snapshots.get("a")?.signature).toBe("a/running") // "a" polled: "b" is now the oldest
    snapshots.remember("c", snapshot("c", "running"))
    expect([snapshots.peek("a")?.signature, snapshots.peek("b"), snapshots.peek("c")?.signature]).toEqual(["a/running", undefined, "c/running"])
    const done = snapshots.remember("a", snapshot("a", "completed"))
    expect(done.signature).toBe("a/completed") // handed out this once
    expect(snapshots.peek("a")).toBeUndefined()
    expect(snapshots.size).toBe(1)
    expect(RunSnapshots.defaultCapacity).toBeGreaterThan(10_000)
  })
})
