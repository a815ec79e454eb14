/**
 * How the `simbridge` process takes SIGINT and SIGTERM. One Ctrl-C often arrives as two SIGINTs
 * (the terminal signals its whole process group, and `pnpm exec` forwards the signal to its child
 * too), so the signals that arrive within a second of the first count as one: it interrupts the
 * main fiber once, and `run` cancels the vendor runs and writes its reports. A signal after that
 * second means the user does not want to wait: the process exits at once, without the reports.
 * SIGTERM is taken as a SIGINT.
 *
 * `NodeRuntime.runMain` is not used: its own handler interrupts on the first signal and leaves the
 * second to Node's default, which kills the process while the reports are being written.
 *
 * @since 0.1.0
 */
import * as Runtime from "@effect/platform/Runtime"

/** Signals within this many milliseconds of the first one count as the same Ctrl-C. */
export const windowMillis = 1000

/** What a signal does, given when the first one arrived (`undefined`: this is the first). */
export type Decision = "interrupt" | "ignore" | "exit"

export const decide = (first: number | undefined, now: number): Decision =>
  first === undefined ? "interrupt" : now - first <= windowMillis ? "ignore" : "exit"

export interface Options {
  /** Printed on stderr when the first signal interrupts the program: what happens now. */
  readonly notice?: string | undefined
  /** The exit code of a second, hard stop. */
  readonly exitCode: number
}

/**
 * `runMain` with the signal policy above; otherwise as `NodeRuntime.runMain`: the process stays
 * alive while the main fiber runs, and `teardown` gives the exit code.
 */
export const runMain = (options: Options): Runtime.RunMain =>
  Runtime.makeRunMain(({ fiber, teardown }) => {
    const keepAlive = setInterval(() => {}, 2 ** 31 - 1)
    let first: number | undefined
    const onSignal = () => {
      const now = Date.now()
      switch (decide(first, now)) {
        case "interrupt":
          first = now
          if (options.notice !== undefined) process.stderr.write(`${options.notice}\n`)
          fiber.unsafeInterruptAsFork(fiber.id())
          return
        case "ignore":
          return
        case "exit":
          process.exit(options.exitCode)
      }
    }
    process.on("SIGINT", onSignal)
    process.on("SIGTERM", onSignal)
    fiber.addObserver((exit) => {
      clearInterval(keepAlive)
      teardown(exit, (code) => {
        // Without a signal, a clean end lets Node exit by itself (stdout is flushed); otherwise
        // the process exits now, whatever handles are still open.
        if (first !== undefined || code !== 0) return process.exit(code)
        process.removeListener("SIGINT", onSignal)
        process.removeListener("SIGTERM", onSignal)
      })
    })
  })
