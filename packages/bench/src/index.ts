/**
 * @simbridge/bench: the benchmark harness (`pnpm bench`).
 *
 * @since 0.1.0
 */
export * as Cli from "./Cli.js"
export * as Harness from "./Harness.js"
export * as Machine from "./Machine.js"
export * as Overhead from "./Overhead.js"
export * as Report from "./Report.js"
export * as Sdk from "./Sdk.js"
export * as Stats from "./Stats.js"
export * as Throughput from "./Throughput.js"
export * as Tracking from "./Tracking.js"
export * as Vendors from "./Vendors.js"
