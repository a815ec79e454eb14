import { describe, expect, it } from "@effect/vitest"
import { Compare, HtmlReport, JUnitReport, MarkdownReport } from "../../src/reports/index.js"
import { sample } from "./fixtures.js"

describe("reports index", () => {
  it("exports the four writers as namespaces", () => {
    expect(JUnitReport.render(sample)).toContain("<testsuites")
    expect(MarkdownReport.render(sample)).toContain("# simbridge: dental-clinic")
    expect(HtmlReport.render(sample)).toContain("<!doctype html>")
    const c = Compare.compare(sample, sample)
    expect(c.hasRegressions).toBe(false)
    expect(c.groups.every((g) => g.change !== "new-failure" && g.change !== "fixed")).toBe(true)
    expect(Compare.render(c)).toContain("no regressions")
  })
})
