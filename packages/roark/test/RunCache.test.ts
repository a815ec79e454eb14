import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { RunCache } from "../src/internal/RunCache.js"

const filled = (cache: RunCache<string, string>, runId: string, terminal: boolean) => {
  cache.entry(runId, terminal).evaluations.set(`${runId}/sim`, "evaluations")
}

describe("RunCache (the Roark driver's per-run memory)", () => {
  it.effect("keeps at most maxSettled terminal runs, least recently used out first", () =>
    Effect.sync(() => {
      const cache = new RunCache<string, string>(10, 2)
      filled(cache, "a", true)
      filled(cache, "b", true)
      expect(cache.get("a")).toBeDefined() // a is now the most recently used
      filled(cache, "c", true)
      expect(cache.get("b")).toBeUndefined()
      expect(cache.get("a")?.evaluations.get("a/sim")).toBe("evaluations")
      expect(cache.get("c")).toBeDefined()
      for (let i = 0; i < 100; i++) filled(cache, `run-${i}`, true)
      expect(cache.sizes()).toEqual({ active: 0, settled: 2, entries: 2 })
    }))

  it.effect("keeps runs not yet terminal apart (bounded by maxActive), and moves them to the settled tier when they end", () =>
    Effect.sync(() => {
      const cache = new RunCache<string, string>(3, 1)
      for (const id of ["a", "b", "c", "d"]) filled(cache, id, false)
      expect(cache.sizes().active).toBe(3)
      expect(cache.get("a")).toBeUndefined()
      // Terminal runs do not push out runs still in progress.
      filled(cache, "x", true)
      filled(cache, "y", true)
      expect(cache.sizes()).toEqual({ active: 3, settled: 1, entries: 4 })
      expect(cache.get("b")).toBeDefined()
      cache.settle("b")
      expect(cache.sizes()).toEqual({ active: 2, settled: 1, entries: 3 })
      expect(cache.get("b")?.evaluations.get("b/sim")).toBe("evaluations")
      expect(cache.get("y")).toBeUndefined()
      // An entry asked for as terminal leaves the active tier too.
      cache.entry("c", true)
      expect(cache.sizes()).toEqual({ active: 1, settled: 1, entries: 2 })
    }))

  it.effect("forget forgets a run in either tier", () =>
    Effect.sync(() => {
      const cache = new RunCache<string, string>(5, 5)
      filled(cache, "a", false)
      filled(cache, "b", true)
      cache.forget("a")
      cache.forget("b")
      cache.forget("never-seen")
      expect(cache.sizes()).toEqual({ active: 0, settled: 0, entries: 0 })
    }))
})
