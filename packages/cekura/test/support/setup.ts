import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import type { Exchanges } from "@simbridge/contract"
import { Emulator } from "@simbridge/emulator"
import * as CekuraEmulator from "@simbridge/emulators/CekuraEmulator"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as CekuraClient from "../../src/CekuraClient.js"

/**
 * Every exchange the tests' HTTP client saw (one log per test file), for `contract.check`: the
 * request bodies simbridge sent and the responses the emulator gave.
 */
export const seen: Array<Exchanges.Exchange & { readonly deliberate: boolean }> = []

const deliberateHeader = "x-simbridge-test-deliberate"

/** Marks a request a test sends invalid on purpose: its body is not held to the contract (its response is). */
export const deliberate = HttpClientRequest.setHeader(deliberateHeader, "invalid")

const text = (body: { readonly _tag: string; readonly body?: unknown }): string | undefined =>
  body._tag === "Uint8Array" && body.body instanceof Uint8Array && body.body.length > 0 ? new TextDecoder().decode(body.body) : undefined

/** undici, with every exchange kept in `seen`. */
export const httpLayer = Layer.effect(
  HttpClient.HttpClient,
  Effect.map(HttpClient.HttpClient, (client) =>
    HttpClient.tap(client, (response) =>
      response.text.pipe(
        Effect.map((body) => {
          const url = new URL(response.request.url)
          seen.push({
            method: response.request.method,
            path: `${url.pathname}${url.search}`,
            requestBody: text(response.request.body),
            status: response.status,
            responseBody: body === "" ? undefined : body,
            fault: response.headers[Emulator.faultHeader],
            deliberate: response.request.headers[deliberateHeader] !== undefined
          })
        }),
        Effect.ignore
      )))
).pipe(Layer.provide(NodeHttpClient.layerUndici))

export const apiKey = "ck_test_key"

/** Starts an emulator (fast by default) and a client for it. */
export const setup = (options: CekuraEmulator.Options = {}) =>
  Effect.gen(function*() {
    const handle = yield* CekuraEmulator.start({ speed: 200, apiKey, ...options })
    const client = yield* CekuraClient.make({ baseUrl: handle.url, apiKey: Redacted.make(apiKey) })
    return { handle, client }
  })
