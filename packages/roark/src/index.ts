/**
 * @simbridge/roark: Roark's simulation API as a simbridge provider, and a local emulator of it.
 *
 * @since 0.1.0
 */
export * as RoarkClient from "./RoarkClient.js"
export * as RoarkWire from "./RoarkWire.js"
export * as RoarkEmulator from "./RoarkEmulator.js"
export * as RoarkPlugin from "./RoarkPlugin.js"
export * as RoarkProvider from "./RoarkProvider.js"
