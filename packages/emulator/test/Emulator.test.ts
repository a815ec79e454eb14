import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { describe, expect, it } from "@effect/vitest"
import { ProviderHttp } from "@simbridge/core"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { Emulator, Faults } from "@simbridge/emulator"

const Thing = Schema.Struct({ id: Schema.String, status: Schema.String })

const start = (options: Emulator.Options = {}) =>
  Emulator.serve(
    "demo",
    ({ faults }) =>
      HttpRouter.empty.pipe(
        HttpRouter.get("/things/:id", Effect.map(HttpRouter.params, (p) => HttpServerResponse.unsafeJson({ id: p.id, status: faults.unknownEnum() ? "mystery" : "ok" }))),
        HttpRouter.post("/things", HttpServerResponse.json({ id: "new", status: "ok" }, { status: 201 }))
      ),
    { ...options, renderError: (status, message) => HttpServerResponse.unsafeJson({ message, statusCode: status }, { status }) }
  )

const http = (url: string) =>
  Effect.map(HttpClient.HttpClient, (client) => ProviderHttp.make({ provider: "demo", client: ProviderHttp.baseClient(client, url), timeout: Duration.seconds(5) }))

describe("Emulator + ProviderHttp", () => {
  it.scoped("serves on 127.0.0.1 and decodes a body", () =>
    Effect.gen(function*() {
      const handle = yield* start()
      expect(handle.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      const api = yield* http(handle.url)
      const thing = yield* api.json("getThing", HttpClientRequest.get("/things/abc"), Thing)
      expect(thing).toEqual({ id: "abc", status: "ok" })
      expect(handle.requests.count("GET /things")).toBe(1)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scoped("maps injected faults to reasons", () =>
    Effect.gen(function*() {
      const handle = yield* start()
      const api = yield* http(handle.url)
      const get = api.json("getThing", HttpClientRequest.get("/things/abc"), Thing).pipe(Effect.flip)

      handle.faults.injectNext({ _tag: "Status", status: 429, retryAfterSeconds: 2 })
      const limited = yield* get
      expect(limited.reason).toBe("RateLimited")
      expect(limited.isRetryable).toBe(true)
      expect(limited.retryAfter && Duration.toSeconds(limited.retryAfter)).toBe(2)
      expect(limited.http?.status).toBe(429)
      expect(limited.description).toBe("Too many requests")

      handle.faults.injectNext({ _tag: "Status", status: 401 })
      expect((yield* get).reason).toBe("Unauthorized")
      handle.faults.injectNext({ _tag: "Status", status: 503 })
      expect((yield* get).reason).toBe("ProviderInternal")

      handle.faults.injectNext({ _tag: "Garbled" })
      const garbled = yield* get
      expect(garbled.reason).toBe("Transport")
      expect(garbled.isRetryable).toBe(true)
      expect(garbled.description).toContain("not valid JSON")

      handle.faults.injectNext({ _tag: "Malformed" })
      const malformed = yield* get
      expect(malformed.reason).toBe("MalformedResponse")
      expect(malformed.isRetryable).toBe(false)
      expect(malformed.description).toContain("id: Expected string, actual 12345")

      handle.faults.injectNext({ _tag: "Cut" })
      const cut = yield* api.json("createThing", HttpClientRequest.post("/things"), Thing).pipe(Effect.flip)
      expect(cut.reason).toBe("Transport")
      expect(cut.outcomeUnknown).toBe(true)

      // The request log counts the faults it served, by kind (the control route shows them too).
      expect(handle.requests.toJSON().faults).toEqual({ "429": 1, "401": 1, "503": 1, garbled: 1, malformed: 1, cut: 1 })
      const control = yield* HttpClient.HttpClient
      const logged = yield* control.get(`${handle.url}/__simbridge/requests`).pipe(Effect.flatMap((r) => r.json), Effect.scoped)
      expect((logged as { faults: Record<string, number> }).faults).toEqual(handle.requests.toJSON().faults)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scoped("names the path of a body that does not fit", () =>
    Effect.gen(function*() {
      const handle = yield* start()
      const api = yield* http(handle.url)
      const error = yield* api.json("getThing", HttpClientRequest.get("/things/abc"), Schema.Struct({ id: Schema.Number })).pipe(Effect.flip)
      expect(error.reason).toBe("MalformedResponse")
      expect(error.description).toContain("id: Expected number")
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scoped("fails with Transport when nothing listens, and redacts the key", () =>
    Effect.gen(function*() {
      const client = yield* HttpClient.HttpClient
      const api = ProviderHttp.make({
        provider: "demo",
        client: ProviderHttp.baseClient(client, "http://127.0.0.1:1").pipe(HttpClient.mapRequest(HttpClientRequest.bearerToken("sk-secret")))
      })
      const error = yield* api.json("getThing", HttpClientRequest.get("/things/abc"), Thing).pipe(Effect.flip)
      expect(error.reason).toBe("Transport")
      expect(error.outcomeUnknown).toBe(false)
      expect(JSON.stringify(error.http)).not.toContain("sk-secret")
      expect(error.http?.requestHeaders?.authorization).toBe("<redacted>")
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scoped("unknown enum values and seeded share draws are deterministic", () =>
    Effect.gen(function*() {
      const a = new Faults.FaultControl(new Faults.FaultSpec({ rateLimit: 0.3 }), 7)
      const b = new Faults.FaultControl(new Faults.FaultSpec({ rateLimit: 0.3 }), 7)
      const drawsA = Array.from({ length: 200 }, () => a.draw("rateLimit"))
      const drawsB = Array.from({ length: 200 }, () => b.draw("rateLimit"))
      expect(drawsA).toEqual(drawsB)
      const share = drawsA.filter(Boolean).length / 200
      expect(share).toBeGreaterThan(0.2)
      expect(share).toBeLessThan(0.4)

      const handle = yield* start()
      const api = yield* http(handle.url)
      handle.faults.injectNext({ _tag: "UnknownEnum" })
      const thing = yield* api.json("getThing", HttpClientRequest.get("/things/abc"), Thing)
      expect(thing.status).toBe("mystery")
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it("parses fault specs and names bad parts", () => {
    const ok = Faults.parse("429=0.1,5xx=0.05,latency=20,retry-after=3")
    expect(ok._tag === "Right" && ok.right.rateLimit).toBe(0.1)
    expect(ok._tag === "Right" && ok.right.retryAfterSeconds).toBe(3)
    const bad = Faults.parse("429=0.1,teapot=1")
    expect(bad._tag === "Left" && bad.left).toContain('unknown fault "teapot"')
    const share = Faults.parse("429=2")
    expect(share._tag).toBe("Left")
  })
})

describe("lost responses", () => {
  it.scoped("the request takes effect but the client sees a cut connection with an unknown outcome", () =>
    Effect.gen(function*() {
      let created = 0
      const handle = yield* Emulator.serve(
        "demo",
        () => HttpRouter.empty.pipe(HttpRouter.post("/things", Effect.sync(() => created++).pipe(Effect.as(HttpServerResponse.unsafeJson({ id: "new", status: "ok" }, { status: 201 }))))),
        { renderError: (status, message) => HttpServerResponse.unsafeJson({ message }, { status }) }
      )
      const api = yield* http(handle.url)
      handle.faults.injectNext({ _tag: "LostResponse" })
      const error = yield* api.json("createThing", HttpClientRequest.post("/things"), Thing).pipe(Effect.flip)
      expect(error.reason).toBe("Transport")
      expect(error.outcomeUnknown).toBe(true)
      expect(created).toBe(1)
      expect(Either.getOrThrow(Faults.parse("lost-response=0.2")).lostResponse).toBe(0.2)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))
})
