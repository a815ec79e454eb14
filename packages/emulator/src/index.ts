/**
 * @simbridge/emulator: the machinery the vendor emulators share (serving, faults, pace, seeds,
 * emulator-only judging, emulated conversations).
 *
 * @since 0.1.0
 */
export * as Conversation from "./Conversation.js"
export * as Emulator from "./Emulator.js"
export * as Faults from "./Faults.js"
export * as Judging from "./Judging.js"
