/**
 * @simbridge/interactly: the Interactly provider (workflow simulations); its emulator lives in `@simbridge/emulators`.
 *
 * @since 0.1.0
 */
export * as InteractlyClient from "./InteractlyClient.js"
export * as InteractlyWire from "./InteractlyWire.js"
export * as InteractlySuite from "./InteractlySuite.js"
export * as InteractlyProvider from "./InteractlyProvider.js"
