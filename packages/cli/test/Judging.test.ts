/**
 * Core decides verdicts, end to end: the built `simbridge` binary runs a suite whose scenarios
 * each require an evaluator the vendor cannot judge, or a number evaluator the vendor answers
 * yes/no, on all four emulators and the TestProvider. No conversation passes, and the run exits 1.
 * The emulators are asked for that behaviour by words in the evaluators' descriptions
 * (`emulator:unjudged`, `emulator:boolean`), or, where the description does not reach the vendor's
 * judge, by what stands in for it (docs/providers/<vendor>.md, "Emulator").
 */
import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { SuiteReport } from "@simbridge/core"
import * as Schema from "effect/Schema"

const bin = fileURLToPath(new URL("../bin/simbridge.js", import.meta.url))
const dir = mkdtempSync(join(tmpdir(), "simbridge-judging-"))

const providers = ["vapi", "roark", "cekura", "interactly", "test"] as const

/**
 * Cekura: `warmth` goes to metric 1, a binary metric (answered pass/fail); `tier` stays an
 * expected-outcome line, which carries its description. Interactly: `warmth` is the yes/no
 * criterion `confirmed` of the emulator's second receptionist; `tier` is no criterion of it.
 */
const suite = `
name: Judging by core
target:
  vapi: { assistantId: 7b0c2a9e-1d2f-4c1a-9e55-0a4f3f6b8d21 }
  roark: { agentEndpointId: 3c2b1a09-8f7e-6d5c-4b3a-291807060504 }
  cekura: { agentId: 2142 }
  interactly: { workflowId: 5eb7cf5a86d9755df3a6c594 }
  test: { agent: receptionist }
vendors:
  roark: { analysisPackageId: 182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e }
  cekura: { metrics: { warmth: 1 } }
  interactly: { metrics: { warmth: { name: confirmed } } }
iterations: 2
personas:
  - { id: sarah, name: Sarah Johnson }
scenarios:
  - id: unjudged
    name: A required evaluator the vendor does not judge
    instructions: You want the earliest appointment this week.
    evaluators: [booked, tier]
  - id: yes-no-rating
    name: A number evaluator answered yes/no
    instructions: You want the earliest appointment this week.
    evaluators: [booked, warmth]
evaluators:
  - id: booked
    description: The agent booked an appointment for the caller
  - id: tier
    description: "The agent confirmed the caller's loyalty tier (emulator:unjudged)"
  - id: warmth
    description: "How warmly the agent spoke, on a 1-5 scale (emulator:boolean)"
    type: number
    comparator: ">="
    expect: 1
    scale: [1, 5]
`

describe("simbridge run: core decides verdicts", () => {
  it("a required evaluator left unjudged, or a number answered yes/no, never passes on any emulator; exit 1", () => {
    const file = join(dir, "judging.yaml")
    const json = join(dir, "judging.json")
    writeFileSync(file, suite)
    const r = spawnSync(
      process.execPath,
      [bin, "run", file, ...providers.flatMap((p) => ["--provider", p]), "--emulate", "--speed", "200", "--no-ledger", "--json", json],
      { encoding: "utf8", env: { ...process.env, CI: "true" }, timeout: 60_000 }
    )
    expect(r.stderr).not.toContain("failed during")
    expect(r.status).toBe(1)
    const report = Schema.decodeUnknownSync(SuiteReport.SuiteReport)(JSON.parse(readFileSync(json, "utf8")))
    expect(report.runs.map((run) => run.provider).sort()).toEqual([...providers].sort())
    for (const run of report.runs) {
      expect(run.status.unified, run.provider).toBe("completed")
      expect(run.results, run.provider).toHaveLength(4)
      expect(run.counts?.passed, run.provider).toBe(0)
      for (const result of run.results) {
        const where = `${run.provider} ${result.scenario} #${result.iteration}`
        expect(result.verdict, where).not.toBe("pass")
        if (result.status.unified !== "completed") continue
        if (result.scenario === "unjudged") {
          expect(result.evaluations.find((e) => e.evaluator === "tier")?.passed, where).toBeNull()
          const failed = result.evaluations.some((e) => e.required && e.passed === false)
          expect(result.verdict, where).toBe(failed ? "fail" : "error")
          if (!failed) expect(result.failureReason?.code, where).toBe("unjudged")
        } else {
          const warmth = result.evaluations.find((e) => e.evaluator === "warmth")
          expect(typeof warmth?.actual, where).toBe("boolean")
          expect(warmth?.passed, where).toBe(false)
          expect(warmth?.reasoning, where).toMatch(/not a number/)
          expect(result.verdict, where).toBe("fail")
        }
      }
    }
  }, 90_000)
})
