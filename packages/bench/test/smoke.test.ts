import { describe, expect, it } from "vitest"
import * as Harness from "../src/Harness.js"

const finite = (x: unknown) => typeof x === "number" && Number.isFinite(x)

describe("bench harness", () => {
  it("the quick harness fills every section with numeric figures (not the targets)", async () => {
    const lines: Array<string> = []
    const r = await Harness.run({ quick: true, log: (l) => lines.push(l) })
    const context = lines.join("\n")
    expect(r.machine.cpus, context).toBeGreaterThan(0)
    expect(r.overhead.length, context).toBeGreaterThan(0)
    for (const o of r.overhead) expect([o.ratio, o.adapterMs.median, o.rawMs.median].every(finite), context).toBe(true)
    expect(r.sdk.length, context).toBeGreaterThan(0)
    for (const s of r.sdk) expect([s.ratio, s.adapterMs.median, s.sdkMs.median, s.streamsRatio, s.streamsMs.median, s.byRef.ratio, s.byRef.adapterMs.median, s.byRef.sdkMs.median].every(finite), context).toBe(true)
    expect(r.throughput.length, context).toBeGreaterThan(0)
    for (const t of r.throughput) expect(finite(t.itemsPerSecond) && t.itemsPerSecond > 0, context).toBe(true)
    // Every vendor's results were read over its recorded responses.
    const replays = r.throughput.filter((t) => t.method === "replay").map((t) => t.vendor)
    expect(replays.sort(), context).toEqual(["cekura", "interactly", "roark", "vapi"])
    expect(r.tracking, context).not.toBeNull()
    expect([r.tracking!.peakRssMb, r.tracking!.requestsPerChange, r.tracking!.wallMs].every(finite), context).toBe(true)
    expect(r.tracking!.vendors.every((v) => v.finished === v.runs), context).toBe(true)
    expect(r.coldStart.length, context).toBeGreaterThanOrEqual(2)
    for (const c of r.coldStart) expect(finite(c.ms.median) && c.exitCodes.every((code) => code === 0), context).toBe(true)
    expect(r.demo, context).not.toBeNull()
    expect(finite(r.demo!.ms.median), context).toBe(true)
  }, 180_000)
})
