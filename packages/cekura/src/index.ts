/**
 * @simbridge/cekura: the Cekura provider (client, wire schemas, driver); its emulator lives in `@simbridge/emulators`.
 *
 * @since 0.1.0
 */
export * as CekuraClient from "./CekuraClient.js"
export * as CekuraWire from "./CekuraWire.js"
export * as CekuraSuite from "./CekuraSuite.js"
export * as CekuraProvider from "./CekuraProvider.js"
