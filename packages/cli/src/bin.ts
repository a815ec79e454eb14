/**
 * The `simbridge` executable: runs the CLI and maps failures to the documented exit codes.
 *
 * @since 0.1.0
 */
import * as ValidationError from "@effect/cli/ValidationError"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as Cause from "effect/Cause"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { cli } from "./Cli.js"
import * as ExitCode from "./ExitCode.js"
import * as Signals from "./Signals.js"

const main = cli(process.argv).pipe(
  Effect.catchAll((error) => {
    if (ValidationError.isValidationError(error)) return Effect.sync(() => void (process.exitCode = ExitCode.Usage))
    const message = (error as { message?: string }).message ?? String(error)
    return Console.error(`simbridge: ${message}`).pipe(Effect.zipRight(Effect.sync(() => void (process.exitCode = ExitCode.Usage))))
  }),
  Effect.provide(NodeContext.layer)
)

/** What the first Ctrl-C does, for the commands where it takes a moment. */
const notices: Record<string, string> = {
  run: "interrupting: canceling the vendor runs and writing the reports (Ctrl-C again to stop at once)",
  resume: "interrupting: canceling the vendor runs (Ctrl-C again to stop at once)"
}
const subcommand = process.argv.slice(2).find((arg) => !arg.startsWith("-"))

Signals.runMain({ notice: subcommand === undefined ? undefined : notices[subcommand], exitCode: ExitCode.Interrupted })(main, {
  disableErrorReporting: false,
  teardown: (exit, onExit) => {
    if (Exit.isSuccess(exit)) return onExit(typeof process.exitCode === "number" ? process.exitCode : 0)
    return onExit(Cause.isInterruptedOnly(exit.cause) ? ExitCode.Interrupted : 1)
  }
})
