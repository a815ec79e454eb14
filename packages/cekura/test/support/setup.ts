import * as HttpClient from "@effect/platform/HttpClient"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as CekuraClient from "../../src/CekuraClient.js"
import * as CekuraEmulator from "@simbridge/emulators/CekuraEmulator"
import { Recorder, validating } from "./openapi.js"

/** One recorder per test file: every emulator response seen through `httpLayer` is validated. */
export const recorder = new Recorder()

/** undici, with every response validated against Cekura's OpenAPI file. */
export const httpLayer = Layer.effect(HttpClient.HttpClient, Effect.map(HttpClient.HttpClient, validating(recorder))).pipe(
  Layer.provide(NodeHttpClient.layerUndici)
)

export const apiKey = "ck_test_key"

/** Starts an emulator (fast by default) and a client for it. */
export const setup = (options: CekuraEmulator.Options = {}) =>
  Effect.gen(function*() {
    const handle = yield* CekuraEmulator.start({ speed: 200, apiKey, ...options })
    const client = yield* CekuraClient.make({ baseUrl: handle.url, apiKey: Redacted.make(apiKey) })
    return { handle, client }
  })
