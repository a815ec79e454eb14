import { describe, expect, it } from "@effect/vitest"
import { Lru } from "@simbridge/core"

describe("Lru", () => {
  it("keeps at most `capacity` entries, forgetting the least recently used; get refreshes, peek does not", () => {
    const lru = new Lru.Lru<string, number>(2)
    lru.set("a", 1).set("b", 2)
    expect(lru.peek("a")).toBe(1) // not a use
    lru.set("c", 3)
    expect([lru.has("a"), lru.has("b"), lru.has("c")]).toEqual([false, true, true])
    expect(lru.get("b")).toBe(2) // a use: "c" is now the oldest
    lru.set("d", 4)
    expect([...lru.values()]).toEqual([2, 4])
    expect(lru.size).toBe(2)
    expect(lru.delete("b")).toBe(true)
    expect(lru.get("b")).toBeUndefined()
    expect(new Lru.Lru<string, number>(0).set("x", 1).size).toBe(1) // capacity at least 1
  })
})
