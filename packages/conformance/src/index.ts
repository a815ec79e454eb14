/**
 * @simbridge/conformance: the shared provider test suite.
 *
 * @since 0.1.0
 */
export * as Conformance from "./Conformance.js"
export * as Fixtures from "./Fixtures.js"
export * as Judging from "./Judging.js"
