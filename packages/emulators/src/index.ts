/**
 * @simbridge/emulators: a local emulator of each vendor's API (Vapi, Roark, Cekura, Interactly),
 * served through `@simbridge/emulator`. The vendor libraries stay free of server code: an
 * emulator depends on its vendor's wire schemas, never the reverse.
 *
 * Importing this entry loads every emulator; the CLI goes through `EmulatorRegistry`, which loads
 * one vendor's emulator on first use.
 *
 * @since 0.1.0
 */
export * as CekuraEmulator from "./CekuraEmulator.js"
export * as EmulatorRegistry from "./EmulatorRegistry.js"
export * as InteractlyEmulator from "./InteractlyEmulator.js"
export * as RoarkEmulator from "./RoarkEmulator.js"
export * as VapiEmulator from "./VapiEmulator.js"
