/**
 * One vendor's emulator in a process of its own, for section 4 (tracking), so the benchmark's
 * memory figure is the adapter's alone:
 *
 * ```
 * node packages/bench/dist/EmulatorProcess.js <vendor> <speed> <seed>
 * ```
 *
 * prints one line `{"url":"http://127.0.0.1:<port>..."}` once it listens on 127.0.0.1, and serves
 * until its stdin closes (the parent ended) or it gets SIGTERM. The request log is read over HTTP
 * (`GET /__simbridge/requests`).
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import * as Vendors from "./Vendors.js"

const [name = "", speed = "1", seed = "1"] = process.argv.slice(2)
const vendor = Vendors.byName(name)

Effect.runFork(Effect.scoped(Effect.gen(function*() {
  const handle = yield* vendor.emulator.start({ speed: Number(speed), seed: Number(seed) })
  process.stdout.write(`${JSON.stringify({ url: handle.url })}\n`)
  return yield* Effect.never
})).pipe(Effect.catchAllCause((cause) =>
  Effect.sync(() => {
    process.stderr.write(`emulator ${name} failed: ${String(cause)}\n`)
    process.exit(1)
  })
)))

process.stdin.on("end", () => process.exit(0))
process.stdin.on("close", () => process.exit(0))
process.stdin.resume()
process.on("SIGTERM", () => process.exit(0))
