#!/usr/bin/env node
// The soak test on its own: `pnpm --filter @simbridge/reliability soak [--long]`.
// --long scales it up for local use (150 suite runs per vendor at concurrency 24); without it, the
// CI variant runs. Exits with vitest's code.
import { spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"

const args = process.argv.slice(2).filter((a) => a !== "--")
const unknown = args.filter((a) => a !== "--long")
if (unknown.length > 0) {
  console.error(`soak: unknown argument(s) ${unknown.join(" ")}; usage: soak [--long]`)
  process.exit(2)
}
const root = fileURLToPath(new URL("../../..", import.meta.url))
const result = spawnSync("pnpm", ["exec", "vitest", "run", "--project", "reliability", "test/soak.test.ts"], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, SIMBRIDGE_SOAK_LONG: args.includes("--long") ? "1" : "0" }
})
process.exit(result.status ?? 1)
