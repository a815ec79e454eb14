/**
 * What the client sends for the run triggers: the request classes encoded in declaration order,
 * and invalid bodies refused before anything is sent, naming the field.
 */
import { describe, expect, it } from "@effect/vitest"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as CekuraClient from "../src/CekuraClient.js"
import * as Wire from "../src/CekuraWire.js"

describe("runScenarios request body", () => {
  /** The client over an HttpClient that records request bodies and answers a trigger body. */
  const sent: Array<string> = []
  const client = CekuraClient.make({ baseUrl: "http://cekura.test", apiKey: Redacted.make("k") }).pipe(
    Effect.provideService(
      HttpClient.HttpClient,
      HttpClient.make((request) => {
        const body = request.body
        sent.push(body._tag === "Uint8Array" ? new TextDecoder().decode(body.body) : body._tag)
        return Effect.succeed(HttpClientResponse.fromWeb(request, new Response(JSON.stringify({ id: 1, status: "pending", runs: [] }), { status: 201, headers: { "content-type": "application/json" } })))
      })
    )
  )

  it.effect("sends the declared fields in declaration order", () =>
    Effect.gen(function*() {
      const c = yield* client
      sent.length = 0
      const requests = [
        // what startRun sends
        new Wire.RunScenariosRequest({ agent_id: 2142, scenarios: [101, 102], frequency: 2, name: "suite [sb-1]", concurrency_limit: 3 }),
        new Wire.RunScenariosRequest({ mode: "different_numbers", name: "n", frequency: 1, scenarios: [7], agent_id: 1, outbound_phone_number: "+1555", agent_number: "+1666", mock_tool_names: ["a", "b"] }),
        new Wire.RunScenariosRequest({ assistant_id: "asst_1", tags: ["x"], personality_id: null, test_profile_id: 4, personality_ids: [1], test_profile_ids: [2, 3] }),
        new Wire.RunScenariosRequest({ agent_id: 1, folder_path: "Sales.Inbound", project_id: 9 }),
        // a plain object, as typed callers may pass
        { scenarios: [1], agent_id: 1 } as Wire.RunScenariosRequest
      ]
      for (const r of requests) {
        const response = yield* c.runScenarios(r)
        expect(response).toBeInstanceOf(Wire.TriggerResponse)
      }
      expect(sent).toMatchInlineSnapshot(`
        [
          "{"agent_id":2142,"scenarios":[101,102],"frequency":2,"name":"suite [sb-1]","concurrency_limit":3}",
          "{"agent_id":1,"scenarios":[7],"frequency":1,"name":"n","outbound_phone_number":"+1555","agent_number":"+1666","mock_tool_names":["a","b"],"mode":"different_numbers"}",
          "{"assistant_id":"asst_1","tags":["x"],"personality_ids":[1],"test_profile_ids":[2,3],"personality_id":null,"test_profile_id":4}",
          "{"agent_id":1,"folder_path":"Sales.Inbound","project_id":9}",
          "{"agent_id":1,"scenarios":[1]}",
        ]
      `)
    }))

  it.effect("sends a text trigger's body as the class encodes it", () =>
    Effect.gen(function*() {
      const c = yield* client
      sent.length = 0
      const requests = [
        new Wire.RunScenariosTextRequest({ websocket_headers: { b: "2", a: "1" }, websocket_url: "wss://x", agent_id: 3, scenarios: [1, 2], frequency: 2, name: "n [m]" }),
        new Wire.RunScenariosTextRequest({ assistant_id: "a", tags: ["t"], concurrency_limit: 1 }, true)
      ]
      for (const r of requests) yield* c.runScenariosText(r)
      expect(sent).toStrictEqual(requests.map((r) => JSON.stringify(Schema.encodeSync(Wire.RunScenariosTextRequest)(r))))
      const invalid = yield* Effect.flip(c.runScenariosText(new Wire.RunScenariosTextRequest({ agent_id: 3, tags: ["t"], folder_path: "F" }, true)))
      expect(invalid.description).toContain("folder_path is mutually exclusive with scenarios and tags")
      expect(sent.length).toBe(2)
    }))

  it.effect("refuses invalid bodies before sending, naming the field", () =>
    Effect.gen(function*() {
      const c = yield* client
      sent.length = 0
      const invalid = [
        { agent_id: 1 },
        { scenarios: [1] },
        { agent_id: 1, folder_path: "Sales", scenarios: [1] },
        { agent_id: 0, scenarios: [1] },
        { agent_id: 1, scenarios: [1.5] },
        { agent_id: 1, scenarios: [1], mode: "other" },
        { agent_id: 1, scenarios: [1], personality_id: 0 },
        { agent_id: 1, scenarios: [1], frequency: "2" }
      ]
      const descriptions: Array<string | undefined> = []
      for (const r of invalid) {
        const error = yield* Effect.flip(c.runScenarios(r as unknown as Wire.RunScenariosRequest))
        expect(error.reason).toBe("InvalidRequest")
        descriptions.push(error.description)
        // an instance built without the constructor's validation is refused too (by the class's
        // encoded side: the same issue, under another title)
        const unchecked = yield* Effect.flip(c.runScenarios(new Wire.RunScenariosRequest(r as any, true)))
        expect(unchecked.reason).toBe("InvalidRequest")
        expect(unchecked.description?.split("\n").at(-1)).toBe(error.description?.split("\n").at(-1))
      }
      expect(sent).toStrictEqual([])
      expect(descriptions).toMatchInlineSnapshot(`
        [
          "invalid request body: (CekuraRunScenariosRequest (Encoded side) <-> CekuraRunScenariosRequest)
        └─ Type side transformation failure
           └─ CekuraRunScenariosRequest (Type side)
              └─ Predicate refinement failure
                 └─ ["scenarios"]
                    └─ either scenarios, tags, or folder_path must be provided",
          "invalid request body: (CekuraRunScenariosRequest (Encoded side) <-> CekuraRunScenariosRequest)
        └─ Type side transformation failure
           └─ CekuraRunScenariosRequest (Type side)
              └─ Predicate refinement failure
                 └─ ["agent_id"]
                    └─ either agent_id or assistant_id must be provided",
          "invalid request body: (CekuraRunScenariosRequest (Encoded side) <-> CekuraRunScenariosRequest)
        └─ Type side transformation failure
           └─ CekuraRunScenariosRequest (Type side)
              └─ Predicate refinement failure
                 └─ CekuraRunScenariosRequest (Type side)
                    ├─ ["folder_path"]
                    │  └─ folder_path is mutually exclusive with scenarios and tags
                    └─ ["project_id"]
                       └─ project_id is required with folder_path",
          "invalid request body: (CekuraRunScenariosRequest (Encoded side) <-> CekuraRunScenariosRequest)
        └─ Type side transformation failure
           └─ CekuraRunScenariosRequest (Type side)
              └─ From side refinement failure
                 └─ { readonly agent_id?: Int & greaterThanOrEqualTo(1) | undefined; readonly assistant_id?: minLength(1) | undefined; readonly scenarios?: ReadonlyArray<Int & greaterThanOrEqualTo(1)> | undefined; readonly tags?: ReadonlyArray<string> | undefined; readonly folder_path?: minLength(1) | undefined; readonly project_id?: Int & greaterThanOrEqualTo(1) | undefined; readonly frequency?: Int & greaterThanOrEqualTo(1) | undefined; readonly name?: string | undefined; readonly outbound_phone_number?: string | undefined; readonly personality_ids?: ReadonlyArray<Int & greaterThanOrEqualTo(1)> | undefined; readonly test_profile_ids?: ReadonlyArray<Int & greaterThanOrEqualTo(1)> | undefined; readonly agent_number?: string | undefined; readonly concurrency_limit?: Int & greaterThanOrEqualTo(1) | undefined; readonly mock_tool_names?: ReadonlyArray<string> | undefined; readonly personality_id?: Int & greaterThanOrEqualTo(1) | null | undefined; readonly test_profile_id?: Int & greaterThanOrEqualTo(1) | null | undefined; readonly mode?: "same_number" | "different_numbers" | undefined }
                    └─ ["agent_id"]
                       └─ Int & greaterThanOrEqualTo(1) | undefined
                          ├─ Int & greaterThanOrEqualTo(1)
                          │  └─ Predicate refinement failure
                          │     └─ Expected a number greater than or equal to 1, actual 0
                          └─ Expected undefined, actual 0",
          "invalid request body: (CekuraRunScenariosRequest (Encoded side) <-> CekuraRunScenariosRequest)
        └─ Type side transformation failure
           └─ CekuraRunScenariosRequest (Type side)
              └─ From side refinement failure
                 └─ { readonly agent_id?: Int & greaterThanOrEqualTo(1) | undefined; readonly assistant_id?: minLength(1) | undefined; readonly scenarios?: ReadonlyArray<Int & greaterThanOrEqualTo(1)> | undefined; readonly tags?: ReadonlyArray<string> | undefined; readonly folder_path?: minLength(1) | undefined; readonly project_id?: Int & greaterThanOrEqualTo(1) | undefined; readonly frequency?: Int & greaterThanOrEqualTo(1) | undefined; readonly name?: string | undefined; readonly outbound_phone_number?: string | undefined; readonly personality_ids?: ReadonlyArray<Int & greaterThanOrEqualTo(1)> | undefined; readonly test_profile_ids?: ReadonlyArray<Int & greaterThanOrEqualTo(1)> | undefined; readonly agent_number?: string | undefined; readonly concurrency_limit?: Int & greaterThanOrEqualTo(1) | undefined; readonly mock_tool_names?: ReadonlyArray<string> | undefined; readonly personality_id?: Int & greaterThanOrEqualTo(1) | null | undefined; readonly test_profile_id?: Int & greaterThanOrEqualTo(1) | null | undefined; readonly mode?: "same_number" | "different_numbers" | undefined }
                    └─ ["scenarios"]
                       └─ ReadonlyArray<Int & greaterThanOrEqualTo(1)> | undefined
                          ├─ ReadonlyArray<Int & greaterThanOrEqualTo(1)>
                          │  └─ [0]
                          │     └─ Int & greaterThanOrEqualTo(1)
                          │        └─ From side refinement failure
                          │           └─ Int
                          │              └─ Predicate refinement failure
                          │                 └─ Expected an integer, actual 1.5
                          └─ Expected undefined, actual [1.5]",
          "invalid request body: (CekuraRunScenariosRequest (Encoded side) <-> CekuraRunScenariosRequest)
        └─ Type side transformation failure
           └─ CekuraRunScenariosRequest (Type side)
              └─ From side refinement failure
                 └─ { readonly agent_id?: Int & greaterThanOrEqualTo(1) | undefined; readonly assistant_id?: minLength(1) | undefined; readonly scenarios?: ReadonlyArray<Int & greaterThanOrEqualTo(1)> | undefined; readonly tags?: ReadonlyArray<string> | undefined; readonly folder_path?: minLength(1) | undefined; readonly project_id?: Int & greaterThanOrEqualTo(1) | undefined; readonly frequency?: Int & greaterThanOrEqualTo(1) | undefined; readonly name?: string | undefined; readonly outbound_phone_number?: string | undefined; readonly personality_ids?: ReadonlyArray<Int & greaterThanOrEqualTo(1)> | undefined; readonly test_profile_ids?: ReadonlyArray<Int & greaterThanOrEqualTo(1)> | undefined; readonly agent_number?: string | undefined; readonly concurrency_limit?: Int & greaterThanOrEqualTo(1) | undefined; readonly mock_tool_names?: ReadonlyArray<string> | undefined; readonly personality_id?: Int & greaterThanOrEqualTo(1) | null | undefined; readonly test_profile_id?: Int & greaterThanOrEqualTo(1) | null | undefined; readonly mode?: "same_number" | "different_numbers" | undefined }
                    └─ ["mode"]
                       └─ "same_number" | "different_numbers" | undefined
                          ├─ "same_number" | "different_numbers"
                          │  ├─ Expected "same_number", actual "other"
                          │  └─ Expected "different_numbers", actual "other"
                          └─ Expected undefined, actual "other"",
          "invalid request body: (CekuraRunScenariosRequest (Encoded side) <-> CekuraRunScenariosRequest)
        └─ Type side transformation failure
           └─ CekuraRunScenariosRequest (Type side)
              └─ From side refinement failure
                 └─ { readonly agent_id?: Int & greaterThanOrEqualTo(1) | undefined; readonly assistant_id?: minLength(1) | undefined; readonly scenarios?: ReadonlyArray<Int & greaterThanOrEqualTo(1)> | undefined; readonly tags?: ReadonlyArray<string> | undefined; readonly folder_path?: minLength(1) | undefined; readonly project_id?: Int & greaterThanOrEqualTo(1) | undefined; readonly frequency?: Int & greaterThanOrEqualTo(1) | undefined; readonly name?: string | undefined; readonly outbound_phone_number?: string | undefined; readonly personality_ids?: ReadonlyArray<Int & greaterThanOrEqualTo(1)> | undefined; readonly test_profile_ids?: ReadonlyArray<Int & greaterThanOrEqualTo(1)> | undefined; readonly agent_number?: string | undefined; readonly concurrency_limit?: Int & greaterThanOrEqualTo(1) | undefined; readonly mock_tool_names?: ReadonlyArray<string> | undefined; readonly personality_id?: Int & greaterThanOrEqualTo(1) | null | undefined; readonly test_profile_id?: Int & greaterThanOrEqualTo(1) | null | undefined; readonly mode?: "same_number" | "different_numbers" | undefined }
                    └─ ["personality_id"]
                       └─ Int & greaterThanOrEqualTo(1) | null | undefined
                          ├─ Int & greaterThanOrEqualTo(1) | null
                          │  ├─ Int & greaterThanOrEqualTo(1)
                          │  │  └─ Predicate refinement failure
                          │  │     └─ Expected a number greater than or equal to 1, actual 0
                          │  └─ Expected null, actual 0
                          └─ Expected undefined, actual 0",
          "invalid request body: (CekuraRunScenariosRequest (Encoded side) <-> CekuraRunScenariosRequest)
        └─ Type side transformation failure
           └─ CekuraRunScenariosRequest (Type side)
              └─ From side refinement failure
                 └─ { readonly agent_id?: Int & greaterThanOrEqualTo(1) | undefined; readonly assistant_id?: minLength(1) | undefined; readonly scenarios?: ReadonlyArray<Int & greaterThanOrEqualTo(1)> | undefined; readonly tags?: ReadonlyArray<string> | undefined; readonly folder_path?: minLength(1) | undefined; readonly project_id?: Int & greaterThanOrEqualTo(1) | undefined; readonly frequency?: Int & greaterThanOrEqualTo(1) | undefined; readonly name?: string | undefined; readonly outbound_phone_number?: string | undefined; readonly personality_ids?: ReadonlyArray<Int & greaterThanOrEqualTo(1)> | undefined; readonly test_profile_ids?: ReadonlyArray<Int & greaterThanOrEqualTo(1)> | undefined; readonly agent_number?: string | undefined; readonly concurrency_limit?: Int & greaterThanOrEqualTo(1) | undefined; readonly mock_tool_names?: ReadonlyArray<string> | undefined; readonly personality_id?: Int & greaterThanOrEqualTo(1) | null | undefined; readonly test_profile_id?: Int & greaterThanOrEqualTo(1) | null | undefined; readonly mode?: "same_number" | "different_numbers" | undefined }
                    └─ ["frequency"]
                       └─ Int & greaterThanOrEqualTo(1) | undefined
                          ├─ Int & greaterThanOrEqualTo(1)
                          │  └─ From side refinement failure
                          │     └─ Int
                          │        └─ From side refinement failure
                          │           └─ Expected number, actual "2"
                          └─ Expected undefined, actual "2"",
        ]
      `)
    }))
})
