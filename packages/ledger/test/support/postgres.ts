/**
 * A throwaway PostgreSQL cluster for tests: `initdb` in a temporary directory (trust auth),
 * `pg_ctl start` on 127.0.0.1 and a random free port, stopped and deleted when the scope closes.
 * As root, the server binaries run as the `postgres` user (initdb refuses root).
 * Binaries: `SIMBRIDGE_PG_BIN`, else `initdb` on PATH, else the newest `/usr/lib/postgresql/<ver>/bin`
 * (run `packages/ledger/scripts/ensure-postgres.sh` to install them).
 */
import { execFile } from "node:child_process"
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { delimiter, dirname, join } from "node:path"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"

export class PostgresUnavailable extends Error {
  override readonly name = "PostgresUnavailable"
}

const findBinDir = (): string => {
  const fromEnv = process.env["SIMBRIDGE_PG_BIN"]
  if (fromEnv && existsSync(join(fromEnv, "initdb"))) return fromEnv
  for (const dir of (process.env["PATH"] ?? "").split(delimiter)) {
    const candidate = join(dir, "initdb")
    if (dir && existsSync(candidate) && existsSync(join(dir, "pg_ctl"))) return dirname(realpathSync(candidate))
  }
  const root = "/usr/lib/postgresql"
  const versions = existsSync(root)
    ? readdirSync(root).filter((v) => existsSync(join(root, v, "bin", "initdb"))).sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a))
    : []
  if (versions[0] !== undefined) return join(root, versions[0], "bin")
  throw new PostgresUnavailable(
    "PostgreSQL server binaries (initdb, pg_ctl) not found: run packages/ledger/scripts/ensure-postgres.sh, set SIMBRIDGE_PG_BIN, or SIMBRIDGE_SKIP_PG=1 to skip the PostgreSQL tests"
  )
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

const isRoot = () => typeof process.getuid === "function" && process.getuid() === 0

const run = (bin: string, args: ReadonlyArray<string>) =>
  new Promise<string>((resolve, reject) => {
    const [file, argv] = isRoot() ? ["runuser", ["-u", "postgres", "--", bin, ...args]] : [bin, [...args]]
    execFile(file, argv, { timeout: 60_000 }, (error, stdout, stderr) =>
      error ? reject(new PostgresUnavailable(`${bin} ${args.join(" ")} failed: ${error.message}\n${stderr}`)) : resolve(stdout))
  })

const postgresUid = (): { uid: number; gid: number } => {
  const line = readFileSync("/etc/passwd", "utf8").split("\n").find((l) => l.startsWith("postgres:"))
  if (line === undefined) throw new PostgresUnavailable("running as root, but there is no postgres user to run the server as")
  const [, , uid, gid] = line.split(":")
  return { uid: Number(uid), gid: Number(gid) }
}

export interface Cluster {
  readonly url: Redacted.Redacted<string>
  readonly port: number
  readonly dir: string
}

const start = async (): Promise<Cluster> => {
  const bin = findBinDir()
  const dir = mkdtempSync(join(tmpdir(), "simbridge-pg-"))
  if (isRoot()) {
    const { gid, uid } = postgresUid()
    chownSync(dir, uid, gid)
  }
  chmodSync(dir, 0o700)
  const data = join(dir, "data")
  try {
    await run(join(bin, "initdb"), ["-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync", "--no-instructions"])
    let lastError: unknown
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = await freePort()
      const options = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`
      try {
        await run(join(bin, "pg_ctl"), ["-D", data, "-l", join(dir, "server.log"), "-o", options, "-w", "-t", "30", "start"])
        return { url: Redacted.make(`postgres://postgres@127.0.0.1:${port}/postgres`), port, dir }
      } catch (e) {
        lastError = e // most likely the port was taken in between: try another
      }
    }
    const log = existsSync(join(dir, "server.log")) ? readFileSync(join(dir, "server.log"), "utf8").slice(-2000) : ""
    throw new PostgresUnavailable(`pg_ctl could not start the server: ${String(lastError)}\n${log}`)
  } catch (e) {
    rmSync(dir, { recursive: true, force: true })
    throw e
  }
}

const stop = async (cluster: Cluster): Promise<void> => {
  try {
    await run(join(findBinDir(), "pg_ctl"), ["-D", join(cluster.dir, "data"), "-m", "immediate", "-w", "-t", "20", "stop"])
  } finally {
    rmSync(cluster.dir, { recursive: true, force: true })
  }
}

/** Starts a cluster for the life of the scope. Fails loudly when PostgreSQL cannot be started. */
export const cluster = Effect.acquireRelease(
  Effect.tryPromise({ try: start, catch: (e) => (e instanceof Error ? e : new PostgresUnavailable(String(e))) }),
  (c) => Effect.promise(() => stop(c).catch(() => undefined))
)

export const skipPg = process.env["SIMBRIDGE_SKIP_PG"] === "1"
