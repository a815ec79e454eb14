import { readdirSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { defineWorkspace } from "vitest/config"

const packagesDir = fileURLToPath(new URL("./packages/", import.meta.url))

// Workspace packages resolve to their TypeScript sources in tests (as tsc does through the
// `@simbridge/source` condition), so tests never depend on a prior build.
const alias = [
  { find: /^@simbridge\/([^/]+)$/, replacement: `${packagesDir}$1/src/index.ts` },
  { find: /^@simbridge\/([^/]+)\/(.+)$/, replacement: `${packagesDir}$1/src/$2.ts` }
]

export default defineWorkspace(
  readdirSync(packagesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => ({
      resolve: { alias },
      test: {
        name: entry.name,
        root: `${packagesDir}${entry.name}`,
        include: ["test/**/*.test.ts"],
        testTimeout: 30_000,
        hookTimeout: 60_000
      }
    }))
)
