#!/usr/bin/env node
// The bundle (built by `pnpm build`) starts several times faster; dist/bin.js is the plain tsc output.
import { existsSync } from "node:fs"

const bundle = new URL("../dist/bundle/simbridge.js", import.meta.url)
await import(existsSync(bundle) && !process.env.SIMBRIDGE_NO_BUNDLE ? bundle.href : "../dist/bin.js")
