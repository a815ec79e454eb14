// Bundles the compiled CLI (dist/) into dist/bundle/ with esbuild: one ESM entry plus chunks for the
// lazily loaded vendor modules. Loading a few large files is several times faster than resolving
// hundreds of small ESM modules, which is most of `simbridge`'s cold start (see docs/performance.md).
import { build } from "esbuild"
import { rmSync } from "node:fs"

const outdir = new URL("./dist/bundle/", import.meta.url).pathname
// Chunk names carry content hashes: start clean so old chunks do not pile up.
rmSync(outdir, { recursive: true, force: true })

await build({
  entryPoints: { simbridge: new URL("./dist/bin.js", import.meta.url).pathname },
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  minifySyntax: true,
  minifyWhitespace: true,
  legalComments: "none",
  logLevel: "warning",
  // Native or browser-driving packages stay outside the bundle (the ledger pulls in better-sqlite3).
  external: ["@simbridge/ledger", "better-sqlite3", "playwright-core", "pg-native"],
  banner: { js: "import { createRequire as __simbridgeRequire } from 'node:module'; const require = __simbridgeRequire(import.meta.url);" }
})
