/**
 * @simbridge/roark: Roark's simulation API as a simbridge provider (its emulator lives in `@simbridge/emulators`).
 *
 * @since 0.1.0
 */
export * as RoarkClient from "./RoarkClient.js"
export * as RoarkWire from "./RoarkWire.js"
export * as RoarkSuite from "./RoarkSuite.js"
export * as RoarkProvider from "./RoarkProvider.js"
