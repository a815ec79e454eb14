/**
 * The HTML report in a real headless Chromium (Debian's `chromium` at /usr/bin/chromium, installed by
 * scripts/ensure-chromium.sh), driven by playwright-core, opened from a file:// URL with no network.
 * Without Chromium this test fails; set SIMBRIDGE_SKIP_BROWSER=1 to skip it on purpose.
 */
import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { type Browser, chromium, type Page } from "playwright-core"
import * as HtmlReport from "../../src/reports/HtmlReport.js"
import { nastyText, sample } from "./fixtures.js"

const executablePath = "/usr/bin/chromium"
const ensureScript = fileURLToPath(new URL("../../scripts/ensure-chromium.sh", import.meta.url))
const skip = process.env["SIMBRIDGE_SKIP_BROWSER"] === "1"

describe.skipIf(skip)("HtmlReport in headless Chromium", { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "simbridge-html-"))
  const file = join(dir, "report.html")
  let browser: Browser
  let page: Page
  const requests: Array<string> = []
  const problems: Array<string> = []

  beforeAll(async () => {
    if (!existsSync(executablePath)) {
      const r = spawnSync("sh", [ensureScript], { encoding: "utf8", timeout: 600_000 })
      if (!existsSync(executablePath)) {
        throw new Error(`Chromium is missing at ${executablePath} and ${ensureScript} could not install it:\n${r.stderr ?? ""}${r.stdout ?? ""}`)
      }
    }
    writeFileSync(file, HtmlReport.render(sample))
    browser = await chromium.launch({
      executablePath,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
    })
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } })
    page = await context.newPage()
    page.on("request", (req) => requests.push(req.url()))
    page.on("console", (msg) => {
      if (msg.type() === "error" || msg.type() === "warning") problems.push(`${msg.type()}: ${msg.text()}`)
    })
    page.on("pageerror", (err) => problems.push(`pageerror: ${err.message}`))
    await page.goto(pathToFileURL(file).href, { waitUntil: "load" })
  }, 660_000)

  afterAll(async () => {
    await browser?.close()
  })

  it("loads from file:// without any other request, with its style and script allowed by its own CSP", async () => {
    expect(requests).toEqual([pathToFileURL(file).href])
    expect(problems).toEqual([])
    expect(await page.title()).toBe("simbridge: dental-clinic")
    // the inline style applied (a failing cell is red) ...
    expect(await page.locator("table.matrix td.v-fail").first().evaluate((el) => getComputedStyle(el).color)).toBe("rgb(207, 34, 46)")
    expect(await page.locator("#emulated").isVisible()).toBe(true)
  })

  it("shows the scenario x persona matrix with one column per provider", async () => {
    const header = await page.locator("table.matrix thead th").allInnerTexts()
    expect(header).toEqual(["scenario", "persona", "#", "vapi", "roark", "cekura"])
    const rows = await page.locator("table.matrix tbody tr").evaluateAll((trs) =>
      trs.map((tr) => Array.from(tr.querySelectorAll("td")).map((td) => (td.textContent ?? "").trim()))
    )
    expect(rows).toEqual([
      ["urgent-appointment", "anxious-sarah", "1", "pass", "pass", "-"],
      ["urgent-appointment", "anxious-sarah", "2", "FAIL", "pass", "-"],
      ["reschedule", "calm-bob", "1", "ERROR", "FAIL", "-"],
      ["reschedule", "calm-bob", "2", "skipped", "pending", "-"]
    ])
    const rates = await page.locator("table.totals tbody td.rate").allInnerTexts()
    expect(rates.map((r) => r.trim())).toEqual(["33.3% (1/3)", "66.7% (2/3)", "n/a"])
  })

  it("clicking a result's summary reveals its transcript", async () => {
    const details = page.locator("#r-vapi--urgent-appointment--anxious-sarah--1")
    const transcript = details.locator("ol.transcript")
    expect(await details.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(false)
    expect(await transcript.isVisible()).toBe(false)
    await details.locator("summary").click()
    expect(await transcript.isVisible()).toBe(true)
    const turns = await transcript.locator("li").allInnerTexts()
    expect(turns).toHaveLength(3)
    expect(turns[1]).toContain("caller")
    expect(turns[1]).toContain(nastyText)
    expect(await details.locator("table.evals tbody tr").count()).toBe(2)
    expect(await details.locator("a.recording").getAttribute("href")).toBe("https://recordings.example.com/vapi/call-1.wav")
  })

  it("a matrix cell links to its result and opens it (inline script)", async () => {
    const target = page.locator("#r-vapi--urgent-appointment--anxious-sarah--2")
    expect(await target.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(false)
    await page.locator(`table.matrix a[href="#r-vapi--urgent-appointment--anxious-sarah--2"]`).click()
    await page.waitForFunction(() => (document.getElementById("r-vapi--urgent-appointment--anxious-sarah--2") as HTMLDetailsElement).open)
    expect(await target.locator("table.evals").isVisible()).toBe(true)
    expect(await target.locator("p.failure").innerText()).toContain("evaluation-failed")
    expect(requests).toHaveLength(1)
  })

  it("takes a screenshot", async () => {
    await page.locator("#expand-all").click()
    expect(await page.locator("details.result:not([open])").count()).toBe(0)
    await page.evaluate(() => window.scrollTo(0, 0))
    const png = join(dir, "report.png")
    await page.screenshot({ path: png, fullPage: true })
    const bytes = readFileSync(png)
    expect(bytes.length).toBeGreaterThan(10_000)
    expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
    expect(bytes.readUInt32BE(16)).toBe(1200) // IHDR width
    expect(bytes.readUInt32BE(20)).toBeGreaterThan(900) // full page, taller than the viewport
    console.log(`screenshot: ${png}`)
    await page.locator("#collapse-all").click()
    expect(await page.locator("details.result[open]").count()).toBe(0)
    await page.screenshot({ path: join(dir, "report-collapsed.png"), fullPage: true })
  })
})
