/**
 * @simbridge/cli: the `simbridge` command, usable as a library too.
 *
 * @since 0.1.0
 */
export * as Cli from "./Cli.js"
export * as ExitCode from "./ExitCode.js"
export * as Plugins from "./Plugins.js"
export * as Overrides from "./Overrides.js"
export * as Progress from "./Progress.js"
export * as ProjectConfig from "./ProjectConfig.js"
export * as Render from "./Render.js"
export * as SuiteFile from "./SuiteFile.js"
export * as Signals from "./Signals.js"
export * as SuiteSchema from "./SuiteSchema.js"
