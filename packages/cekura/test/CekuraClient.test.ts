import { describe, expect, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as CekuraClient from "../src/CekuraClient.js"
import * as Wire from "../src/CekuraWire.js"
import { httpLayer, setup } from "./support/setup.js"

describe("CekuraClient error bodies", () => {
  it.each([
    [{ detail: "Not found." }, "Not found."],
    [["Invalid personalities provided."], "Invalid personalities provided."],
    [{ agent_id: ["This field is required."], frequency: ["Ensure this value is greater than or equal to 1."] }, "agent_id: This field is required.; frequency: Ensure this value is greater than or equal to 1."],
    [{ non_field_errors: ["Either scenarios, tags, or folder_path must be provided"] }, "Either scenarios, tags, or folder_path must be provided"],
    ["upstream exploded", "upstream exploded"]
  ] as const)("%j -> %s", (body, message) => {
    expect(CekuraClient.errorMessage(body)).toBe(message)
  })

  it("a 403 about the key is Unauthorized, another 403 stays Forbidden", () => {
    expect(CekuraClient.refineReason(403, { detail: "Invalid API key." })).toBe("Unauthorized")
    expect(CekuraClient.refineReason(403, { detail: "Project-scoped API keys are not allowed" })).toBe("Unauthorized")
    expect(CekuraClient.refineReason(403, { detail: "You do not have permission to perform this action." })).toBeUndefined()
    expect(CekuraClient.refineReason(401, { detail: "Invalid API key." })).toBeUndefined()
  })

  it("relativizes next links against the base URL", () => {
    expect(CekuraClient.relativize("https://api.cekura.ai", "https://api.cekura.ai/test_framework/v1/runs/?page=2")).toBe("/test_framework/v1/runs/?page=2")
    expect(CekuraClient.relativize("http://127.0.0.1:9/", "http://127.0.0.1:9/test_framework/v1/runs/?page=3")).toBe("/test_framework/v1/runs/?page=3")
    expect(CekuraClient.relativize("https://proxy.example/cekura", "http://internal:8000/cekura/test_framework/v1/runs/?page=2")).toBe("/test_framework/v1/runs/?page=2")
  })
})

describe("CekuraClient over HTTP", () => {
  it.scopedLive("maps statuses, Retry-After and redacts the key", () =>
    Effect.gen(function*() {
      const { client, handle } = yield* setup()
      handle.faults.injectNext({ _tag: "Status", status: 429, retryAfterSeconds: 3 })
      const limited = yield* Effect.flip(client.getResult(167))
      expect(limited.reason).toBe("RateLimited")
      expect(limited.retryAfter && Duration.toSeconds(limited.retryAfter)).toBe(3)
      expect(limited.description).toBe("Request was throttled.")
      expect(limited.http?.requestHeaders?.["x-cekura-api-key"]).toBe("<redacted>")
      handle.faults.injectNext({ _tag: "Status", status: 503 })
      const down = yield* Effect.flip(client.runScenarios(new Wire.RunScenariosRequest({ agent_id: 1, scenarios: [1] })))
      expect(down.reason).toBe("ProviderInternal")
      expect(down.outcomeUnknown).toBe(true)
    }).pipe(Effect.provide(httpLayer)))

  it.effect("validates request bodies before sending", () =>
    Effect.gen(function*() {
      const client = yield* CekuraClient.make({ baseUrl: "http://127.0.0.1:1", apiKey: Redacted.make("k") })
      const noSelection = yield* Effect.flip(client.runScenarios({ agent_id: 1 } as Wire.RunScenariosRequest))
      expect(noSelection.reason).toBe("InvalidRequest")
      expect(noSelection.description).toContain("either scenarios, tags, or folder_path must be provided")
      const folder = yield* Effect.flip(client.runScenarios({ agent_id: 1, folder_path: "Sales" } as Wire.RunScenariosRequest))
      expect(folder.description).toContain("project_id is required with folder_path")
    }).pipe(Effect.provide(httpLayer)))

  it.effect("reads CEKURA_API_KEY and defaults CEKURA_BASE_URL", () =>
    Effect.gen(function*() {
      const settings = yield* CekuraClient.settingsConfig.pipe(
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["CEKURA_API_KEY", "ck_live"]])))
      )
      expect(settings.baseUrl).toBe("https://api.cekura.ai")
      expect(Redacted.value(settings.apiKey)).toBe("ck_live")
      const missing = yield* Effect.flip(CekuraClient.settingsConfig.pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map()))))
      expect(String(missing)).toContain("CEKURA_API_KEY")
    }))
})
