/**
 * The `simbridge` executable: runs the CLI and maps failures to the documented exit codes.
 *
 * @since 0.1.0
 */
import * as ValidationError from "@effect/cli/ValidationError"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Cause from "effect/Cause"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { cli } from "./Cli.js"
import * as ExitCode from "./ExitCode.js"

const main = cli(process.argv).pipe(
  Effect.catchAll((error) => {
    if (ValidationError.isValidationError(error)) return Effect.sync(() => void (process.exitCode = ExitCode.Usage))
    const message = (error as { message?: string }).message ?? String(error)
    return Console.error(`simbridge: ${message}`).pipe(Effect.zipRight(Effect.sync(() => void (process.exitCode = ExitCode.Usage))))
  }),
  Effect.provide(NodeContext.layer)
)

NodeRuntime.runMain(main, {
  disableErrorReporting: false,
  teardown: (exit, onExit) => {
    if (Exit.isSuccess(exit)) return onExit(typeof process.exitCode === "number" ? process.exitCode : 0)
    return onExit(Cause.isInterruptedOnly(exit.cause) ? ExitCode.Interrupted : 1)
  }
})
