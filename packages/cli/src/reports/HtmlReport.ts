/**
 * One self-contained HTML file for people: header (suite, times, emulated / partial banners), the
 * pass rate per provider, the scenario x persona x iteration matrix with one column per provider,
 * and for each result a collapsible `<details>` with the transcript (role-labelled turns), the
 * evaluations (evaluator, required, expected, actual, passed, reasoning), latency, failure reason
 * and recording link. Inline CSS and a few lines of inline JS; no external resource at all, so it
 * works offline. A Content-Security-Policy allows only the page's own style and script (by hash),
 * so even text that slipped through unescaped could not load or run anything.
 *
 * @since 0.1.0
 */
import { createHash } from "node:crypto"
import type { Result, SuiteReport } from "@simbridge/core"
import {
  type Cell,
  cellOf,
  durationOf,
  formatPassRate,
  formatValue,
  resultIndex,
  type Slot,
  slotLabel,
  slots as slotsOf,
  totalsOf
} from "./internal/slots.js"

/** Escapes text for HTML element content and double- or single-quoted attribute values. */
export const escape = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;")

const labels: Record<Cell, string> = { pass: "pass", fail: "FAIL", error: "ERROR", skipped: "skipped", pending: "pending", missing: "-" }

/** The element id of a result's `<details>`: provider and slot ids are slugs, safe in an id. */
export const resultId = (provider: string, slot: Slot): string =>
  `r-${provider}--${slot.scenario}--${slot.persona}--${slot.iteration}`.replace(/[^A-Za-z0-9._-]/g, "_")

/** Only absolute http(s) URLs become links; anything else (javascript:, data:) stays text. */
const safeUrl = (url: string): string | undefined => {
  try {
    const u = new URL(url)
    return u.protocol === "https:" || u.protocol === "http:" ? u.href : undefined
  } catch {
    return undefined
  }
}

const css = `
:root { color-scheme: light; --pass: #1a7f37; --fail: #cf222e; --error: #bc4c00; --muted: #57606a; --line: #d0d7de; --bg: #f6f8fa; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; padding: 24px; color: #1f2328; background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 10px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 18px 0 8px; }
h4 { font-size: 13px; margin: 14px 0 6px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
.meta { color: var(--muted); margin: 0; }
.banner { margin: 12px 0 0; padding: 8px 12px; border-radius: 6px; font-weight: 600; }
.banner.emulated { background: #ddf4ff; border: 1px solid #54aeff; }
.banner.partial { background: #fff8c5; border: 1px solid #d4a72c; }
table { border-collapse: collapse; }
th, td { border: 1px solid var(--line); padding: 4px 10px; text-align: left; vertical-align: top; }
thead th { background: var(--bg); }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.v-pass { color: var(--pass); }
.v-fail { color: var(--fail); font-weight: 700; }
.v-error { color: var(--error); font-weight: 700; }
.v-skipped, .v-pending, .v-missing { color: var(--muted); }
.matrix td.cell a { color: inherit; text-decoration: none; display: block; }
.matrix td.cell a:hover { text-decoration: underline; }
meter { width: 80px; vertical-align: middle; }
.toolbar { margin: 0 0 10px; }
button { font: inherit; padding: 3px 10px; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); cursor: pointer; }
details.result { border: 1px solid var(--line); border-radius: 6px; margin: 6px 0; }
details.result > summary { padding: 6px 10px; cursor: pointer; background: var(--bg); border-radius: 6px; }
details.result[open] > summary { border-bottom: 1px solid var(--line); border-radius: 6px 6px 0 0; }
details.result > .body { padding: 4px 14px 12px; }
.badge { display: inline-block; min-width: 64px; font-weight: 700; }
.dur { color: var(--muted); margin-left: 8px; }
ol.transcript { list-style: none; padding: 0; margin: 0; }
.turn { display: grid; grid-template-columns: 70px 50px 1fr; gap: 8px; padding: 3px 0; border-bottom: 1px dashed #eaeef2; }
.turn .role { font-weight: 700; }
.turn.role-agent .role { color: #0969da; }
.turn.role-caller .role { color: #8250df; }
.turn .t { color: var(--muted); font-variant-numeric: tabular-nums; }
.turn .text { white-space: pre-wrap; margin: 0; }
.failure { border-left: 3px solid var(--fail); padding: 4px 10px; background: #ffebe9; }
.provider-error { border-left: 3px solid var(--error); padding: 6px 10px; background: #fff1e5; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; background: var(--bg); padding: 1px 4px; border-radius: 4px; }
dl.latency { display: grid; grid-template-columns: max-content max-content; gap: 2px 14px; margin: 0; }
dl.latency dt { color: var(--muted); }
dl.latency dd { margin: 0; font-variant-numeric: tabular-nums; }
.empty { color: var(--muted); font-style: italic; }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
`

const js = `
(function () {
  function openHash() {
    var id = decodeURIComponent(location.hash.slice(1));
    var el = id ? document.getElementById(id) : null;
    if (el && el.tagName === "DETAILS") { el.open = true; el.scrollIntoView({ block: "start" }); }
  }
  window.addEventListener("hashchange", openHash);
  openHash();
  function setAll(open) {
    var all = document.querySelectorAll("details.result");
    for (var i = 0; i < all.length; i++) all[i].open = open;
  }
  document.getElementById("expand-all").addEventListener("click", function () { setAll(true); });
  document.getElementById("collapse-all").addEventListener("click", function () { setAll(false); });
})();
`

const sha256 = (text: string) => `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`

/** Allows only this page's own inline style and script (a constant without quotes to escape). */
const csp = `default-src 'none'; style-src ${sha256(css)}; script-src ${sha256(js)}; img-src data:; base-uri 'none'; form-action 'none'`

const seconds = (s: number | undefined) => (s === undefined ? "" : s < 10 ? `${s.toFixed(1)} s` : `${Math.round(s)} s`)

const transcriptHtml = (r: Result.Result): string =>
  r.transcript.length === 0
    ? `<p class="empty">No transcript.</p>`
    : `<ol class="transcript">${
      r.transcript
        .map((t) =>
          `<li class="turn role-${escape(t.role)}"><span class="role">${escape(t.role)}</span><span class="t">${
            t.startSeconds === undefined ? "" : `${t.startSeconds.toFixed(1)}s`
          }</span><p class="text">${escape(t.text)}</p></li>`
        )
        .join("\n")
    }</ol>`

const passedCell = (p: boolean | null) =>
  p === true ? `<td class="v-pass">yes</td>` : p === false ? `<td class="v-fail">no</td>` : `<td class="v-missing">not evaluated</td>`

const evaluationsHtml = (r: Result.Result): string =>
  r.evaluations.length === 0
    ? `<p class="empty">No evaluations.</p>`
    : `<table class="evals"><thead><tr><th>evaluator</th><th>required</th><th>expected</th><th>actual</th><th>passed</th><th>reasoning</th></tr></thead><tbody>${
      r.evaluations
        .map((e) =>
          `<tr><td>${escape(e.evaluator)}${e.name && e.name !== e.evaluator ? `<br><span class="meta">${escape(e.name)}</span>` : ""}</td><td>${
            e.required ? "required" : "optional"
          }</td><td><code>${escape(formatValue(e.expected))}</code></td><td><code>${escape(formatValue(e.actual))}</code></td>${passedCell(e.passed)}<td>${
            escape(e.reasoning ?? "")
          }</td></tr>`
        )
        .join("\n")
    }</tbody></table>`

const latencyHtml = (r: Result.Result): string => {
  const l = r.latency
  if (l === undefined) return ""
  const entries: Array<[string, number | undefined]> = [
    ["first response", l.firstResponseMs],
    ["average", l.averageMs],
    ["p50", l.p50Ms],
    ["p90", l.p90Ms],
    ["p95", l.p95Ms],
    ["min", l.minMs],
    ["max", l.maxMs]
  ]
  const shown = entries.filter((e): e is [string, number] => e[1] !== undefined)
  if (shown.length === 0) return ""
  return `<h4>Latency</h4><dl class="latency">${shown.map(([k, v]) => `<dt>${k}</dt><dd>${Math.round(v)} ms</dd>`).join("")}</dl>`
}

const resultHtml = (provider: string, slot: Slot, r: Result.Result): string => {
  const parts: Array<string> = []
  if (r.failureReason) {
    parts.push(`<p class="failure">Failure reason: <code>${escape(r.failureReason.code)}</code> ${escape(r.failureReason.message)}</p>`)
  }
  parts.push(`<h4>Transcript</h4>`, transcriptHtml(r))
  parts.push(`<h4>Evaluations</h4>`, evaluationsHtml(r))
  parts.push(latencyHtml(r))
  if (r.recordingUrl) {
    const href = safeUrl(r.recordingUrl)
    parts.push(
      `<h4>Recording</h4><p>${
        href ? `<a class="recording" href="${escape(href)}" rel="noopener noreferrer">${escape(r.recordingUrl)}</a>` : escape(r.recordingUrl)
      }</p>`
    )
  }
  if (r.improvementSuggestions && r.improvementSuggestions.length > 0) {
    parts.push(`<h4>Suggestions</h4><ul>${r.improvementSuggestions.map((s) => `<li>${escape(s)}</li>`).join("")}</ul>`)
  }
  parts.push(`<p class="meta">status ${escape(r.status.unified)} (${escape(r.status.raw)}) &middot; <code>${escape(r.ref.toString())}</code></p>`)
  return `<details class="result verdict-${r.verdict}" id="${escape(resultId(provider, slot))}" data-provider="${escape(provider)}" data-verdict="${r.verdict}">
<summary><span class="badge v-${r.verdict}">${labels[r.verdict]}</span> ${escape(slotLabel(slot))}<span class="dur">${escape(seconds(durationOf(r)))}</span></summary>
<div class="body">
${parts.filter((p) => p !== "").join("\n")}
</div>
</details>`
}

/** Renders the report as one self-contained HTML document. */
export const render = (report: SuiteReport.SuiteReport): string => {
  const providers = report.runs.map((r) => r.provider)
  const all = slotsOf(report)
  const cell = cellOf(report)
  const lookup = resultIndex(report)
  const body: Array<string> = []

  body.push(`<header>
<h1>simbridge: ${escape(report.suite)}</h1>
<p class="meta">${all.length} conversation${all.length === 1 ? "" : "s"} on ${providers.length} provider${providers.length === 1 ? "" : "s"} &middot; started <time datetime="${
    escape(report.startedAt)
  }">${escape(report.startedAt)}</time> &middot; finished <time datetime="${escape(report.finishedAt)}">${escape(report.finishedAt)}</time> &middot; plan <code>${
    escape(report.planHash)
  }</code></p>
${report.emulated ? `<p class="banner emulated" id="emulated">EMULATED: these results come from local emulators; no vendor was called and nothing was billed.</p>` : ""}
${report.partial ? `<p class="banner partial" id="partial">PARTIAL: the run was interrupted; this report holds what was known at that moment.</p>` : ""}
</header>`)

  body.push(`<section id="totals"><h2>Pass rate per provider</h2>
<table class="totals"><thead><tr><th>provider</th><th>status</th><th>pass rate</th><th>passed</th><th>failed</th><th>errors</th><th>skipped</th><th>pending</th></tr></thead><tbody>
${
    report.runs
      .map((run) => {
        const t = totalsOf(run.results)
        const status = run.error
          ? `<span class="v-error">could not run</span>: ${escape(run.error.reason)} during ${escape(run.error.step)}`
          : `${escape(run.status.unified)} (${escape(run.status.raw)})${run.ref ? `<br><code>${escape(run.ref)}</code>` : ""}`
        const bar = t.passRate === undefined ? "" : `<meter min="0" max="100" low="80" optimum="100" value="${Math.round(t.passRate * 100)}"></meter> `
        return `<tr data-provider="${escape(run.provider)}"><th>${escape(run.provider)}</th><td>${status}</td><td class="rate">${bar}${escape(formatPassRate(t))}</td><td class="num">${t.passed}</td><td class="num">${t.failed}</td><td class="num">${t.errored}</td><td class="num">${t.skipped}</td><td class="num">${t.pending}</td></tr>`
      })
      .join("\n")
  }
</tbody></table></section>`)

  body.push(`<section id="matrix"><h2>Results</h2>
${
    all.length === 0
      ? `<p class="empty">No conversations.</p>`
      : `<table class="matrix"><thead><tr><th>scenario</th><th>persona</th><th>#</th>${providers.map((p) => `<th>${escape(p)}</th>`).join("")}</tr></thead><tbody>
${
        all
          .map((s) =>
            `<tr><td>${escape(s.scenario)}</td><td>${escape(s.persona)}</td><td class="num">${s.iteration}</td>${
              providers
                .map((p) => {
                  const c = cell(p, s)
                  const label = labels[c]
                  return `<td class="cell v-${c}" data-provider="${escape(p)}">${
                    lookup(p, s) ? `<a href="#${escape(resultId(p, s))}">${label}</a>` : label
                  }</td>`
                })
                .join("")
            }</tr>`
          )
          .join("\n")
      }
</tbody></table>`
  }
</section>`)

  const sections: Array<string> = []
  for (const run of report.runs) {
    const items: Array<string> = [`<h3>${escape(run.provider)}</h3>`]
    if (run.error) {
      items.push(
        `<p class="provider-error">${escape(run.provider)} could not run: <code>${escape(run.error.reason)}</code> during ${escape(run.error.step)}: ${
          escape(run.error.message)
        }</p>`
      )
    }
    const own = all.flatMap((s) => {
      const r = lookup(run.provider, s)
      return r ? [resultHtml(run.provider, s, r)] : []
    })
    if (own.length === 0 && !run.error) items.push(`<p class="empty">No results.</p>`)
    items.push(...own)
    sections.push(`<div class="provider" data-provider="${escape(run.provider)}">\n${items.join("\n")}\n</div>`)
  }
  body.push(`<section id="results"><h2>Conversations</h2>
<div class="toolbar"><button type="button" id="expand-all">Expand all</button> <button type="button" id="collapse-all">Collapse all</button></div>
${sections.join("\n")}
</section>`)

  const warnings = report.runs.flatMap((run) => run.warnings.map((w) => ({ provider: run.provider, w })))
  if (warnings.length > 0) {
    body.push(`<section id="warnings"><h2>Warnings</h2><ul>
${
      warnings
        .map(({ provider, w }) =>
          `<li>${escape(provider)} <code>${escape(w.code)}</code>${w.field ? ` <code>${escape(w.field)}</code>` : ""}: ${escape(w.message)}</li>`
        )
        .join("\n")
    }
</ul></section>`)
  }
  body.push(`<footer>Written by simbridge from report format version ${report.version}.</footer>`)

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<title>simbridge: ${escape(report.suite)}</title>
<style>${css}</style>
</head>
<body>
${body.join("\n")}
<script>${js}</script>
</body>
</html>
`
}
