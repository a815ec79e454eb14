/**
 * Summarizes a V8 `.cpuprofile` (from `node --cpu-prof`): the functions with the most self time,
 * and the packages they live in.
 *
 * Usage: `node dist/TopSelf.js <file.cpuprofile> [count]`
 *
 * @since 0.1.0
 */
import { readFileSync } from "node:fs"

interface Node {
  readonly id: number
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number }
  readonly children?: ReadonlyArray<number>
}
interface Profile {
  readonly nodes: ReadonlyArray<Node>
  readonly samples: ReadonlyArray<number>
  readonly timeDeltas: ReadonlyArray<number>
}

const where = (url: string): string => {
  const m = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(url)
  if (m) return `${m[1]}/${m[2]!.split("/").slice(-1)[0]}`
  const p = /packages\/([^/]+)\/(?:dist|src)\/(.*)$/.exec(url)
  if (p) return `@simbridge/${p[1]}/${p[2]}`
  return url === "" ? "(native)" : url.replace(/^file:\/\//, "").split("/").slice(-2).join("/")
}

const pkg = (url: string): string => {
  const m = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)\//.exec(url)
  if (m) return m[1]!
  const p = /packages\/([^/]+)\//.exec(url)
  if (p) return `@simbridge/${p[1]}`
  return url.startsWith("node:") ? "node" : url === "" ? "(native/gc)" : "other"
}

export const summarize = (profile: Profile, count = 30): string => {
  const self = new Map<number, number>()
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)))
  const total = [...self.values()].reduce((a, b) => a + b, 0)
  const byFn = new Map<string, number>()
  const byPkg = new Map<string, number>()
  for (const node of profile.nodes) {
    const t = self.get(node.id) ?? 0
    if (t === 0) continue
    const f = node.callFrame
    const k = `${f.functionName || "(anonymous)"} ${where(f.url)}:${f.lineNumber + 1}`
    byFn.set(k, (byFn.get(k) ?? 0) + t)
    byPkg.set(pkg(f.url), (byPkg.get(pkg(f.url)) ?? 0) + t)
  }
  const pct = (t: number) => `${((100 * t) / total).toFixed(1).padStart(5)}%`
  const top = [...byFn].sort((a, b) => b[1] - a[1]).slice(0, count)
  const pkgs = [...byPkg].sort((a, b) => b[1] - a[1]).slice(0, 12)
  return [
    `total ${(total / 1000).toFixed(0)} ms sampled`,
    "self time by package:",
    ...pkgs.map(([k, t]) => `  ${pct(t)}  ${k}`),
    `top ${count} functions by self time:`,
    ...top.map(([k, t]) => `  ${pct(t)}  ${k}`)
  ].join("\n")
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop()!)) {
  const file = process.argv[2]
  if (file === undefined) throw new Error("usage: TopSelf <file.cpuprofile> [count]")
  console.log(summarize(JSON.parse(readFileSync(file, "utf8")) as Profile, Number(process.argv[3] ?? 30)))
}
