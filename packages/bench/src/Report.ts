/**
 * The printed table (Markdown, so it can be pasted into docs/performance.md).
 *
 * @since 0.1.0
 */
import type { Results } from "./Harness.js"
import type { Spread } from "./Stats.js"

const n = (x: number, digits = 2) => (Number.isFinite(x) ? (Math.abs(x) >= 100 ? Math.round(x).toLocaleString("en-US") : x.toFixed(digits)) : "n/a")
const spread = (s: Spread, unit = "ms") => `${n(s.median)} ${unit} (p10 ${n(s.p10)}, p90 ${n(s.p90)}, min ${n(s.min)}, max ${n(s.max)}, n=${s.samples})`
const met = (ok: boolean | undefined) => (ok === undefined ? "" : ok ? "yes" : "**no**")

export const table = (r: Results): string => {
  const rows: Array<[string, string, string, string, string]> = []
  const t = r.targets
  for (const o of r.overhead) {
    const target = o.items >= 1000 ? `<= ${t.overheadRatioAt1000}x` : ""
    rows.push([
      "1 overhead vs raw HTTP",
      `${o.vendor}, ${o.items} items, ${o.requests} requests`,
      `**${n(o.ratio)}x**`,
      `adapter ${spread(o.adapterMs)}; raw ${spread(o.rawMs)}`,
      target === "" ? "" : `${target} ${met(o.ratio <= t.overheadRatioAt1000)}`
    ])
  }
  for (const s of r.sdk) {
    rows.push(["2 Vapi adapter vs SDK", `${s.items} items, follow + readResults, both polling from the created run`, `**${n(s.ratio)}x**`, `adapter ${spread(s.adapterMs)}; SDK ${spread(s.sdkMs)}`, `<= ${t.sdkRatio}x ${met(s.ratio <= t.sdkRatio)}`])
    rows.push(["2 Vapi adapter vs SDK", `${s.items} items, both from a first read of the run (follow(ref), findOne at once)`, `**${n(s.byRef.ratio)}x**`, `adapter ${spread(s.byRef.adapterMs)}; SDK ${spread(s.byRef.sdkMs)}`, `<= ${t.sdkRatio}x ${met(s.byRef.ratio <= t.sdkRatio)}`])
    rows.push(["2 Vapi adapter vs SDK", `${s.items} items, watch + results (streams)`, `${n(s.streamsRatio)}x`, `adapter ${spread(s.streamsMs)}`, ""])
  }
  for (const x of r.throughput) {
    rows.push([
      "3 read throughput",
      `${x.vendor} ${x.method}: ${x.stage}`,
      `**${x.itemsPerSecond.toLocaleString("en-US")} items/s**`,
      `${spread(x.msPerBatch)} per ${x.items} items`,
      "(no target)"
    ])
  }
  if (r.tracking !== null) {
    const k = r.tracking
    const detail = `${k.runs} runs x ${k.itemsPerRun} items over ${k.vendors.map((v) => v.vendor).join(", ")}, speed ${k.speed}, watch ${k.watch.interval}..${k.watch.maxInterval}${k.watch.verdicts === false ? " without verdicts" : k.watch.verdicts === true ? " with verdicts" : ""}${k.follow === undefined ? "" : k.follow === "all" ? ", followAll per batch" : ", follow per run"}${k.createConcurrency === undefined ? "" : `, ${k.createConcurrency} creations in flight`}`
    const children = k.vendors.filter((v) => v.emulatorPeakRssMb !== undefined).map((v) => `${v.vendor} ${n(v.emulatorPeakRssMb!)}`).join(", ")
    rows.push([
      "4 tracking: peak RSS",
      `${detail}, emulators ${k.emulators === "process" ? "in child processes (RSS is the adapter's)" : "in this process"}, ${k.process === "own" ? "adapter in a fresh process of its own (Node's defaults)" : "adapter in the harness's process"}`,
      `**${n(k.peakRssMb)} MB**`,
      `baseline ${n(k.baselineRssMb)} MB, peak heap ${n(k.peakHeapUsedMb)} MB${children === "" ? "" : `; emulator processes (MB): ${children}`}`,
      `<= ${t.trackingPeakRssMb} MB ${met(k.peakRssMb <= t.trackingPeakRssMb)}`
    ])
    rows.push([
      "4 tracking: requests per change",
      "all vendors",
      `**${n(k.requestsPerChange, 3)}**`,
      k.vendors.map((v) => `${v.vendor} ${n(v.requestsPerChange, 3)} (${v.watchRequests}/${v.snapshots}, ${v.finished}/${v.runs} done${v.errors ? `, ${v.errors} errors` : ""})`).join("; "),
      `<= ${t.trackingRequestsPerChange} ${met(k.requestsPerChange <= t.trackingRequestsPerChange)}`
    ])
    rows.push(["4 tracking: wall time", detail, `**${n(k.wallMs / 1000)} s**`, `creations done after ${n(k.createMs / 1000)} s`, ""])
  }
  for (const c of r.coldStart) {
    const floor = c.command.startsWith("node ")
    rows.push(["5 CLI cold start", c.command, `**${n(c.ms.median)} ms**`, `${spread(c.ms)}, exit ${c.exitCodes.join("/")}`, floor ? "" : `<= ${t.coldStartMs} ms ${met(c.ms.median <= t.coldStartMs)}`])
  }
  if (r.demo !== null) {
    const d = r.demo
    rows.push(["6 demo", `${d.command} (${d.providers})`, `**${n(d.ms.median / 1000)} s**`, `${spread(d.ms)}, exit ${d.exitCodes.join("/")}`, `<= ${t.demoMs / 1000} s ${met(d.ms.median <= t.demoMs)}`])
  }
  const m = r.machine
  const head = `Machine: ${m.cpus} x ${m.cpuModel}, ${m.totalMemoryMb} MB, Node ${m.node}, ${m.platform}, load ${m.loadAverage.join(" ")}${r.quick ? " (QUICK run: sizes are tiny, figures are not comparable to targets)" : ""}`
  const lines = [
    "| section | case | median | spread | target |",
    "|---|---|---|---|---|",
    ...rows.map((cells) => `| ${cells.map((c) => c.replace(/\|/g, "\\|")).join(" | ")} |`)
  ]
  return `${head}\n\n${lines.join("\n")}`
}
