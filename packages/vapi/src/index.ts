/**
 * @simbridge/vapi: Vapi's simulation API as a simbridge provider (its emulator lives in `@simbridge/emulators`).
 *
 * @since 0.1.0
 */
export * as VapiClient from "./VapiClient.js"
export * as VapiWire from "./VapiWire.js"
export * as VapiSuite from "./VapiSuite.js"
export * as VapiProvider from "./VapiProvider.js"
