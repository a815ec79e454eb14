import { describe, expect, it } from "@effect/vitest"
import * as HtmlReport from "../../src/reports/HtmlReport.js"
import { nastyText, report, result, sample } from "./fixtures.js"

describe("HtmlReport (structure)", () => {
  const html = HtmlReport.render(sample)

  it("is one document with inline style and script and no external resource", () => {
    expect(html.startsWith("<!doctype html>")).toBe(true)
    expect(html).toContain("<style>")
    expect(html).toContain("<script>")
    expect(html).not.toMatch(/<link\b/i)
    expect(html).not.toMatch(/<(script|img|iframe|audio|video|source)\b[^>]*\bsrc=/i)
    expect(html).not.toMatch(/@import|url\(/i)
    // the only http(s) URLs are recording links, as anchors
    const urls = [...html.matchAll(/https?:\/\/[^\s"'<>]+/g)].map((m) => m[0])
    expect(urls).toEqual(["https://recordings.example.com/vapi/call-1.wav", "https://recordings.example.com/vapi/call-1.wav"])
    expect(html).toContain(`<a class="recording" href="https://recordings.example.com/vapi/call-1.wav" rel="noopener noreferrer">`)
  })

  it("locks the page down with a Content-Security-Policy that allows only its own style and script", () => {
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1]
    expect(csp).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; script-src 'sha256-[A-Za-z0-9+/=]+';/)
  })

  it("has the header, the emulated banner and no partial banner", () => {
    expect(html).toContain("<title>simbridge: dental-clinic</title>")
    expect(html).toContain(`<p class="banner emulated" id="emulated">EMULATED:`)
    expect(html).not.toContain(`id="partial"`)
    expect(HtmlReport.render(report([{ provider: "vapi", results: [] }], { partial: true }))).toContain(`id="partial"`)
  })

  it("has the pass rate per provider and the matrix with one column per provider", () => {
    expect(html).toMatch(/<tr data-provider="vapi"><th>vapi<\/th>.*33\.3% \(1\/3\)/)
    expect(html).toMatch(/<tr data-provider="cekura"><th>cekura<\/th><td><span class="v-error">could not run<\/span>: Unauthorized during startRun<\/td><td class="rate">n\/a/)
    expect(html).toContain("<thead><tr><th>scenario</th><th>persona</th><th>#</th><th>vapi</th><th>roark</th><th>cekura</th></tr></thead>")
    expect(html).toContain(
      `<tr><td>urgent-appointment</td><td>anxious-sarah</td><td class="num">2</td><td class="cell v-fail" data-provider="vapi"><a href="#r-vapi--urgent-appointment--anxious-sarah--2">FAIL</a></td><td class="cell v-pass" data-provider="roark"><a href="#r-roark--urgent-appointment--anxious-sarah--2">pass</a></td><td class="cell v-missing" data-provider="cekura">-</td></tr>`
    )
  })

  it("has one details per result with transcript, evaluations, latency and failure reason", () => {
    expect(html.match(/<details class="result /g)).toHaveLength(8)
    const first = html.slice(html.indexOf(`id="r-vapi--urgent-appointment--anxious-sarah--1"`), html.indexOf(`id="r-vapi--urgent-appointment--anxious-sarah--2"`))
    expect(first).toContain(`<li class="turn role-caller"><span class="role">caller</span><span class="t">2.5s</span><p class="text">I need &quot;urgent&quot; care &lt;now&gt; &amp; fast</p></li>`)
    expect(first).toContain("<th>evaluator</th><th>required</th><th>expected</th><th>actual</th><th>passed</th><th>reasoning</th>")
    expect(first).toContain(`<tr><td>booked<br><span class="meta">Booked an appointment</span></td><td>required</td><td><code>true</code></td><td><code>true</code></td><td class="v-pass">yes</td><td>booked 9am</td></tr>`)
    expect(first).toContain(`<dt>average</dt><dd>820 ms</dd>`)
    const dropped = html.slice(html.indexOf(`id="r-vapi--reschedule--calm-bob--1"`))
    expect(dropped).toContain(`<p class="failure">Failure reason: <code>call-dropped</code> the call dropped after 3 seconds</p>`)
    expect(html).toContain(`cekura could not run: <code>Unauthorized</code> during startRun: invalid API key &lt;redacted&gt; &amp; expired`)
  })

  it("escapes all text and never links a non-http recording URL", () => {
    const evil = report([{
      provider: "vapi",
      warnings: [{ code: "x", message: `<img src=x onerror=alert(1)>` }],
      results: [result({
        provider: "vapi", scenario: "s", persona: "p", iteration: 1, verdict: "fail",
        transcript: [{ role: "caller", text: `</script><script>alert("x")</script>` }, { role: "agent", text: nastyText }],
        evaluations: [{ evaluator: "e", passed: false, required: true, expected: "<b>", actual: `'"&`, reasoning: "<i>why</i>" }],
        recordingUrl: "javascript:alert(1)"
      })]
    }], { suite: `<suite "x">` })
    const out = HtmlReport.render(evil)
    expect(out).not.toContain("<script>alert")
    expect(out).not.toContain("<img")
    expect(out).not.toContain("<i>why")
    expect(out).not.toContain(`href="javascript:`)
    expect(out).toContain("&lt;/script&gt;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;")
    expect(out).toContain("<title>simbridge: &lt;suite &quot;x&quot;&gt;</title>")
    expect(out).toContain("<code>&quot;&#39;\\&quot;&amp;&quot;</code>")
    expect(out).toContain("<p>javascript:alert(1)</p>")
    expect(HtmlReport.escape(`<a href='x'>"&"</a>`)).toBe("&lt;a href=&#39;x&#39;&gt;&quot;&amp;&quot;&lt;/a&gt;")
  })
})
