/**
 * What the wire schemas decode (and the run trigger's request encodes) to: values, prototypes and
 * error messages.
 */
import { describe, expect, it } from "@effect/vitest"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as CekuraClient from "../src/CekuraClient.js"
import { TrackedResult } from "../src/CekuraProvider.js"
import * as Wire from "../src/CekuraWire.js"

const decode = (schema: Schema.Schema<any, any>, u: unknown) => Schema.decodeUnknownEither(schema)(u)
const message = (e: Either.Either<unknown, ParseResult.ParseError>) => Either.isLeft(e) ? ParseResult.TreeFormatter.formatErrorSync(e.left) : "decoded"

// ---------------------------------------------------------------------------------------------
// the run trigger's 201 body
// ---------------------------------------------------------------------------------------------

const triggerSchemas: ReadonlyArray<Schema.Schema<Wire.TriggerResponse, any>> = [Wire.TriggerResponse]

describe("TriggerResponse", () => {
  const profile = { id: 9, name: "sb:a/b#1", information: { main_agent_variables: { x: 1 } } }
  const emulated = {
    id: 167,
    agent: 2142,
    status: "pending",
    success_rate: 0,
    run_as_text: false,
    runs: [
      { id: 274, status: "pending", scenario: 101, number: null, inbound_number: "+11234567890", scenario_name: "Booking", test_profile_data: profile, outbound_dial_window_opens_at: null, outbound_dial_window_seconds: null, outbound_dial_window_closes_at: null },
      { id: 275, status: "pending", scenario: 102, number: "+11234567891", inbound_number: null, scenario_name: "Cancel", test_profile_data: null, outbound_dial_window_opens_at: "2026-01-01T00:00:00Z", outbound_dial_window_seconds: 30, outbound_dial_window_closes_at: "2026-01-01T00:00:30Z", extra: "dropped" }
    ],
    created_at: "2026-01-01T00:00:00Z",
    undeclared: { dropped: true }
  }
  const good: ReadonlyArray<readonly [unknown, Wire.TriggerResponse]> = [
    [
      emulated,
      new Wire.TriggerResponse({
        id: 167,
        agent: 2142,
        status: "pending",
        success_rate: 0,
        run_as_text: false,
        runs: [
          new Wire.TriggerRun({ id: 274, status: "pending", scenario: 101, number: null, inbound_number: "+11234567890", scenario_name: "Booking", test_profile_data: profile, outbound_dial_window_opens_at: null, outbound_dial_window_seconds: null, outbound_dial_window_closes_at: null }),
          new Wire.TriggerRun({ id: 275, status: "pending", scenario: 102, number: "+11234567891", inbound_number: null, scenario_name: "Cancel", test_profile_data: null, outbound_dial_window_opens_at: "2026-01-01T00:00:00Z", outbound_dial_window_seconds: 30, outbound_dial_window_closes_at: "2026-01-01T00:00:30Z" })
        ],
        created_at: "2026-01-01T00:00:00Z"
      })
    ],
    // every optional field absent: runs default to []
    [{ id: 1, status: "pending" }, new Wire.TriggerResponse({ id: 1, status: "pending", runs: [] })],
    // every nullable field null, runs with only their id
    [
      { id: 2, agent: null, status: "running", success_rate: null, created_at: null, runs: [{ id: 3 }, { id: 4, scenario: null, scenario_name: null }] },
      new Wire.TriggerResponse({ id: 2, agent: null, status: "running", success_rate: null, created_at: null, runs: [new Wire.TriggerRun({ id: 3 }), new Wire.TriggerRun({ id: 4, scenario: null, scenario_name: null })] })
    ],
    [{ id: 5, status: "pending", runs: [], run_as_text: true }, new Wire.TriggerResponse({ id: 5, status: "pending", runs: [], run_as_text: true })]
  ]

  it("decodes to class instances with the declared fields", () => {
    for (const schema of triggerSchemas) {
      for (const [u, expected] of good) {
        const decoded = Either.getOrThrow(decode(schema, u))
        expect(decoded).toStrictEqual(expected)
        expect(decoded).toBeInstanceOf(Wire.TriggerResponse)
        for (const run of decoded.runs) expect(run).toBeInstanceOf(Wire.TriggerRun)
      }
    }
  })

  it("reports malformed bodies", () => {
    const bad = [
      { ...emulated, runs: null },
      { ...emulated, runs: { 274: emulated.runs[0] } },
      { ...emulated, runs: [{ ...emulated.runs[0], id: "274" }] },
      { ...emulated, runs: [{ ...emulated.runs[1], outbound_dial_window_seconds: "30" }] },
      { ...emulated, status: undefined },
      { ...emulated, id: 1.5 },
      { ...emulated, agent: "2142" },
      []
    ]
    const messages = triggerSchemas.map((schema) => bad.map((u) => message(decode(schema, u))))
    for (const m of messages) expect(m).toStrictEqual(messages[0])
    {
      expect(messages[0]).toMatchInlineSnapshot(`
        [
          "(CekuraTriggerResponse (Encoded side) <-> CekuraTriggerResponse)
        └─ Encoded side transformation failure
           └─ CekuraTriggerResponse (Encoded side)
              └─ Encoded side transformation failure
                 └─ Struct (Encoded side)
                    └─ ["runs"]
                       └─ ReadonlyArray<(CekuraTriggerRun (Encoded side) <-> CekuraTriggerRun)> | undefined
                          ├─ Expected ReadonlyArray<(CekuraTriggerRun (Encoded side) <-> CekuraTriggerRun)>, actual null
                          └─ Expected undefined, actual null",
          "(CekuraTriggerResponse (Encoded side) <-> CekuraTriggerResponse)
        └─ Encoded side transformation failure
           └─ CekuraTriggerResponse (Encoded side)
              └─ Encoded side transformation failure
                 └─ Struct (Encoded side)
                    └─ ["runs"]
                       └─ ReadonlyArray<(CekuraTriggerRun (Encoded side) <-> CekuraTriggerRun)> | undefined
                          ├─ Expected ReadonlyArray<(CekuraTriggerRun (Encoded side) <-> CekuraTriggerRun)>, actual {"274":{"id":274,"status":"pending","scenario":101,"number":null,"inbound_number":"+11234567890","scenario_name":"Booking","test_profile_data":{"id":9,"name":"sb:a/b#1","information":{"main_agent_variables":{"x":1}}},"outbound_dial_window_opens_at":null,"outbound_dial_window_seconds":null,"outbound_dial_window_closes_at":null}}
                          └─ Expected undefined, actual {"274":{"id":274,"status":"pending","scenario":101,"number":null,"inbound_number":"+11234567890","scenario_name":"Booking","test_profile_data":{"id":9,"name":"sb:a/b#1","information":{"main_agent_variables":{"x":1}}},"outbound_dial_window_opens_at":null,"outbound_dial_window_seconds":null,"outbound_dial_window_closes_at":null}}",
          "(CekuraTriggerResponse (Encoded side) <-> CekuraTriggerResponse)
        └─ Encoded side transformation failure
           └─ CekuraTriggerResponse (Encoded side)
              └─ Encoded side transformation failure
                 └─ Struct (Encoded side)
                    └─ ["runs"]
                       └─ ReadonlyArray<(CekuraTriggerRun (Encoded side) <-> CekuraTriggerRun)> | undefined
                          ├─ ReadonlyArray<(CekuraTriggerRun (Encoded side) <-> CekuraTriggerRun)>
                          │  └─ [0]
                          │     └─ (CekuraTriggerRun (Encoded side) <-> CekuraTriggerRun)
                          │        └─ Encoded side transformation failure
                          │           └─ CekuraTriggerRun (Encoded side)
                          │              └─ ["id"]
                          │                 └─ Int
                          │                    └─ From side refinement failure
                          │                       └─ Expected number, actual "274"
                          └─ Expected undefined, actual [{"id":"274","status":"pending","scenario":101,"number":null,"inbound_number":"+11234567890","scenario_name":"Booking","test_profile_data":{"id":9,"name":"sb:a/b#1","information":{"main_agent_variables":{"x":1}}},"outbound_dial_window_opens_at":null,"outbound_dial_window_seconds":null,"outbound_dial_window_closes_at":null}]",
          "(CekuraTriggerResponse (Encoded side) <-> CekuraTriggerResponse)
        └─ Encoded side transformation failure
           └─ CekuraTriggerResponse (Encoded side)
              └─ Encoded side transformation failure
                 └─ Struct (Encoded side)
                    └─ ["runs"]
                       └─ ReadonlyArray<(CekuraTriggerRun (Encoded side) <-> CekuraTriggerRun)> | undefined
                          ├─ ReadonlyArray<(CekuraTriggerRun (Encoded side) <-> CekuraTriggerRun)>
                          │  └─ [0]
                          │     └─ (CekuraTriggerRun (Encoded side) <-> CekuraTriggerRun)
                          │        └─ Encoded side transformation failure
                          │           └─ CekuraTriggerRun (Encoded side)
                          │              └─ ["outbound_dial_window_seconds"]
                          │                 └─ number | null | undefined
                          │                    ├─ number | null
                          │                    │  ├─ Expected number, actual "30"
                          │                    │  └─ Expected null, actual "30"
                          │                    └─ Expected undefined, actual "30"
                          └─ Expected undefined, actual [{"id":275,"status":"pending","scenario":102,"number":"+11234567891","inbound_number":null,"scenario_name":"Cancel","test_profile_data":null,"outbound_dial_window_opens_at":"2026-01-01T00:00:00Z","outbound_dial_window_seconds":"30","outbound_dial_window_closes_at":"2026-01-01T00:00:30Z","extra":"dropped"}]",
          "(CekuraTriggerResponse (Encoded side) <-> CekuraTriggerResponse)
        └─ Encoded side transformation failure
           └─ CekuraTriggerResponse (Encoded side)
              └─ Encoded side transformation failure
                 └─ Struct (Encoded side)
                    └─ ["status"]
                       └─ Expected string, actual undefined",
          "(CekuraTriggerResponse (Encoded side) <-> CekuraTriggerResponse)
        └─ Encoded side transformation failure
           └─ CekuraTriggerResponse (Encoded side)
              └─ Encoded side transformation failure
                 └─ Struct (Encoded side)
                    └─ ["id"]
                       └─ Int
                          └─ Predicate refinement failure
                             └─ Expected an integer, actual 1.5",
          "(CekuraTriggerResponse (Encoded side) <-> CekuraTriggerResponse)
        └─ Encoded side transformation failure
           └─ CekuraTriggerResponse (Encoded side)
              └─ Encoded side transformation failure
                 └─ Struct (Encoded side)
                    └─ ["agent"]
                       └─ Int | null | undefined
                          ├─ Int | null
                          │  ├─ Int
                          │  │  └─ From side refinement failure
                          │  │     └─ Expected number, actual "2142"
                          │  └─ Expected null, actual "2142"
                          └─ Expected undefined, actual "2142"",
          "(CekuraTriggerResponse (Encoded side) <-> CekuraTriggerResponse)
        └─ Encoded side transformation failure
           └─ CekuraTriggerResponse (Encoded side)
              └─ Encoded side transformation failure
                 └─ Expected Struct (Encoded side), actual []",
        ]
      `)
    }
  })
})

// ---------------------------------------------------------------------------------------------
// agents
// ---------------------------------------------------------------------------------------------

const agentSchemas: ReadonlyArray<Schema.Schema<Wire.Agent, any>> = [Wire.Agent]

describe("Agent", () => {
  const emulated = {
    id: 2142, project: 1, agent_name: "Dental", contact_number: "+15550000", inbound: true, description: "d", language: "en", assistant_id: "asst_1",
    websocket_url: null, llm_model: "gpt-4o", assistant_provider: "vapi", enabled_personalities: [1, 2], created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z", webhook_url: "https://hooks.example/x"
  }
  const good: ReadonlyArray<readonly [unknown, Wire.Agent]> = [
    [
      emulated,
      new Wire.Agent({ id: 2142, project: 1, agent_name: "Dental", contact_number: "+15550000", inbound: true, description: "d", language: "en", assistant_id: "asst_1", webhook_url: "https://hooks.example/x" })
    ],
    [{ id: 1 }, new Wire.Agent({ id: 1 })],
    [
      { id: 2, inbound: false, assistant_id: null, contact_number: null, language: null, project: null, description: null, webhook_url: null },
      new Wire.Agent({ id: 2, inbound: false, assistant_id: null, contact_number: null, language: null, project: null, description: null, webhook_url: null })
    ]
  ]

  it("decodes to class instances with the declared fields", () => {
    for (const schema of agentSchemas) {
      for (const [u, expected] of good) {
        const decoded = Either.getOrThrow(decode(schema, u))
        expect(decoded).toStrictEqual(expected)
        expect(decoded).toBeInstanceOf(Wire.Agent)
      }
    }
  })

  it("reports malformed bodies", () => {
    const bad = [{ ...emulated, id: "2142" }, { ...emulated, inbound: "yes" }, { ...emulated, agent_name: null }, { ...emulated, project: 1.5 }, null]
    const messages = agentSchemas.map((schema) => bad.map((u) => message(decode(schema, u))))
    for (const m of messages) expect(m).toStrictEqual(messages[0])
    {
      expect(messages[0]).toMatchInlineSnapshot(`
        [
          "(CekuraAgent (Encoded side) <-> CekuraAgent)
        └─ Encoded side transformation failure
           └─ CekuraAgent (Encoded side)
              └─ ["id"]
                 └─ Int
                    └─ From side refinement failure
                       └─ Expected number, actual "2142"",
          "(CekuraAgent (Encoded side) <-> CekuraAgent)
        └─ Encoded side transformation failure
           └─ CekuraAgent (Encoded side)
              └─ ["inbound"]
                 └─ boolean | undefined
                    ├─ Expected boolean, actual "yes"
                    └─ Expected undefined, actual "yes"",
          "(CekuraAgent (Encoded side) <-> CekuraAgent)
        └─ Encoded side transformation failure
           └─ CekuraAgent (Encoded side)
              └─ ["agent_name"]
                 └─ string | undefined
                    ├─ Expected string, actual null
                    └─ Expected undefined, actual null",
          "(CekuraAgent (Encoded side) <-> CekuraAgent)
        └─ Encoded side transformation failure
           └─ CekuraAgent (Encoded side)
              └─ ["project"]
                 └─ Int | null | undefined
                    ├─ Int | null
                    │  ├─ Int
                    │  │  └─ Predicate refinement failure
                    │  │     └─ Expected an integer, actual 1.5
                    │  └─ Expected null, actual 1.5
                    └─ Expected undefined, actual 1.5",
          "(CekuraAgent (Encoded side) <-> CekuraAgent)
        └─ Encoded side transformation failure
           └─ Expected CekuraAgent (Encoded side), actual null",
        ]
      `)
    }
  })
})

// ---------------------------------------------------------------------------------------------
// the results list item tracking reads
// ---------------------------------------------------------------------------------------------

describe("TrackedResult (a results page as getRuns reads it)", () => {
  const page = Wire.Page(TrackedResult)
  const item = {
    id: 167, name: "suite [sb-1]", agent: 2142, agent_name: "Dental", agent_inbound: true, status: "in_progress", success_rate: 50, run_as_text: false,
    is_cronjob: false,
    runs: [
      { id: 274, status: "completed", success: true, scenario: 101 },
      { id: 275, status: "running", success: null, scenario: 102 },
      { id: 276, status: "pending", success: false, scenario: 101 }
    ],
    met_expected_outcome_count: 1, total_expected_outcome_count: 1, total_runs_count: 3, completed_runs_count: 1, success_runs_count: 1,
    failed_runs_count: 0, scenarios: [{ id: 101, name: "Booking" }], run_type: null, created_at: "2026-01-01T00:00:00Z", updated_at: "2026-01-01T00:00:21Z"
  }
  const itemDecoded: TrackedResult = {
    id: 167, name: "suite [sb-1]", agent: 2142, status: "in_progress", success_rate: 50,
    runs: [{ id: 274, status: "completed", success: true }, { id: 275, status: "running", success: null }, { id: 276, status: "pending", success: false }],
    total_runs_count: 3, completed_runs_count: 1, success_runs_count: 1, run_type: null, created_at: "2026-01-01T00:00:00Z", updated_at: "2026-01-01T00:00:21Z"
  }
  const good: ReadonlyArray<readonly [unknown, TrackedResult]> = [
    [item, itemDecoded],
    // runs keyed by id, counts as numeric strings
    [
      { ...item, runs: { 274: item.runs[0], 275: { id: 275 } }, total_runs_count: "3", completed_runs_count: "1", success_runs_count: "0" },
      { ...itemDecoded, runs: [{ id: 274, status: "completed", success: true }, { id: 275 }], total_runs_count: 3, completed_runs_count: 1, success_runs_count: 0 }
    ],
    // every optional field absent
    [{ id: 1, status: "pending" }, { id: 1, status: "pending" }],
    // every nullable field null, runs empty
    [
      { id: 2, name: null, agent: null, status: "completed", success_rate: null, runs: [], total_runs_count: null, completed_runs_count: null, success_runs_count: null, run_type: null, created_at: null, updated_at: null },
      { id: 2, name: null, agent: null, status: "completed", success_rate: null, runs: [], total_runs_count: null, completed_runs_count: null, success_runs_count: null, run_type: null, created_at: null, updated_at: null }
    ],
    [{ id: 3, status: "pending", runs: {}, total_runs_count: 0.5 }, { id: 3, status: "pending", runs: [], total_runs_count: 0.5 }]
  ]

  it("decodes items: declared fields only, runs as an array, counts as numbers", () => {
    for (const [u, expected] of good) {
      expect(decode(TrackedResult, u)).toStrictEqual(Either.right(expected))
    }
    const body = { count: good.length, next: "http://x/test_framework/v1/results/?page=2&page_size=100", previous: null, results: good.map(([u]) => u) }
    expect(decode(page, body)).toStrictEqual(Either.right({ ...body, results: good.map(([, e]) => e) }))
    // counts as numbers only, next and previous absent
    const numeric = good.filter(([u]) => typeof (u as { total_runs_count?: unknown }).total_runs_count !== "string")
    const numericPage = { count: 4, results: numeric.map(([u]) => u) }
    expect(numeric.length).toBe(4)
    expect(decode(page, numericPage)).toStrictEqual(Either.right({ count: 4, results: numeric.map(([, e]) => e) }))
    expect(decode(page, { count: 0, next: null, previous: "http://x/p", results: [] })).toStrictEqual(Either.right({ count: 0, next: null, previous: "http://x/p", results: [] }))
  })

  it("reports malformed items", () => {
    const bad = [
      { ...item, runs: null },
      { ...item, runs: [{ ...item.runs[0], id: "274" }] },
      { ...item, runs: { 274: { ...item.runs[0], status: 5 } } },
      { ...item, total_runs_count: "three" },
      { ...item, success_runs_count: true },
      { ...item, status: undefined },
      { ...item, id: "167" },
      "item"
    ]
    expect(bad.map((u) => message(decode(TrackedResult, u)))).toMatchInlineSnapshot(`
      [
        "{ readonly id: number; readonly name?: string | null | undefined; readonly agent?: number | null | undefined; readonly status: string; readonly success_rate?: number | null | undefined; readonly runs?: (ReadonlyArray<{ readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined }> | { readonly [x: string]: { readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined } } <-> ReadonlyArray<{ readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined }>) | undefined; readonly total_runs_count?: number | NumberFromString | null | undefined; readonly completed_runs_count?: number | NumberFromString | null | undefined; readonly success_runs_count?: number | NumberFromString | null | undefined; readonly run_type?: string | null | undefined; readonly created_at?: string | null | undefined; readonly updated_at?: string | null | undefined }
      └─ ["runs"]
         └─ (ReadonlyArray<{ readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined }> | { readonly [x: string]: { readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined } } <-> ReadonlyArray<{ readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined }>) | undefined
            ├─ (ReadonlyArray<{ readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined }> | { readonly [x: string]: { readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined } } <-> ReadonlyArray<{ readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined }>)
            │  └─ Encoded side transformation failure
            │     └─ ReadonlyArray<{ readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined }> | { readonly [x: string]: { readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined } }
            │        ├─ Expected ReadonlyArray<{ readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined }>, actual null
            │        └─ Expected { readonly [x: string]: { readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined } }, actual null
            └─ Expected undefined, actual null",
        "{ readonly id: number; readonly name?: string | null | undefined; readonly agent?: number | null | undefined; readonly status: string; readonly success_rate?: number | null | undefined; readonly runs?: (ReadonlyArray<{ readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined }> | { readonly [x: string]: { readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined } } <-> ReadonlyArray<{ readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined }>) | undefined; readonly total_runs_count?: number | NumberFromString | null | undefined; readonly completed_runs_count?: number | NumberFromString | null | undefined; readonly success_runs_count?: number | NumberFromString | null | undefined; readonly run_type?: string | null | undefined; readonly created_at?: string | null | undefined; readonly updated_at?: string | null | undefined }
      └─ ["runs"]
         └─ (ReadonlyArray<{ readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined }> | { readonly [x: string]: { readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined } } <-> ReadonlyArray<{ readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined }>) | undefined
            ├─ (ReadonlyArray<{ readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined }> | { readonly [x: string]: { readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined } } <-> ReadonlyArray<{ readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined }>)
            │  └─ Encoded side transformation failure
            │     └─ ReadonlyArray<{ readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined }> | { readonly [x: string]: { readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined } }
            │        ├─ ReadonlyArray<{ readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined }>
            │        │  └─ [0]
            │        │     └─ { readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined }
            │        │        └─ ["id"]
            │        │           └─ Expected number, actual "274"
            │        └─ Expected { readonly [x: string]: { readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined } }, actual [{"id":"274","status":"completed","success":true,"scenario":101}]
            └─ Expected undefined, actual [{"id":"274","status":"completed","success":true,"scenario":101}]",
        "{ readonly id: number; readonly name?: string | null | undefined; readonly agent?: number | null | undefined; readonly status: string; readonly success_rate?: number | null | undefined; readonly runs?: (ReadonlyArray<{ readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined }> | { readonly [x: string]: { readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined } } <-> ReadonlyArray<{ readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined }>) | undefined; readonly total_runs_count?: number | NumberFromString | null | undefined; readonly completed_runs_count?: number | NumberFromString | null | undefined; readonly success_runs_count?: number | NumberFromString | null | undefined; readonly run_type?: string | null | undefined; readonly created_at?: string | null | undefined; readonly updated_at?: string | null | undefined }
      └─ ["runs"]
         └─ (ReadonlyArray<{ readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined }> | { readonly [x: string]: { readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined } } <-> ReadonlyArray<{ readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined }>) | undefined
            ├─ (ReadonlyArray<{ readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined }> | { readonly [x: string]: { readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined } } <-> ReadonlyArray<{ readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined }>)
            │  └─ Encoded side transformation failure
            │     └─ ReadonlyArray<{ readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined }> | { readonly [x: string]: { readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined } }
            │        ├─ Expected ReadonlyArray<{ readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined }>, actual {"274":{"id":274,"status":5,"success":true,"scenario":101}}
            │        └─ { readonly [x: string]: { readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined } }
            │           └─ ["274"]
            │              └─ { readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined }
            │                 └─ ["status"]
            │                    └─ string | null | undefined
            │                       ├─ string | null
            │                       │  ├─ Expected string, actual 5
            │                       │  └─ Expected null, actual 5
            │                       └─ Expected undefined, actual 5
            └─ Expected undefined, actual {"274":{"id":274,"status":5,"success":true,"scenario":101}}",
        "{ readonly id: number; readonly name?: string | null | undefined; readonly agent?: number | null | undefined; readonly status: string; readonly success_rate?: number | null | undefined; readonly runs?: (ReadonlyArray<{ readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined }> | { readonly [x: string]: { readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined } } <-> ReadonlyArray<{ readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined }>) | undefined; readonly total_runs_count?: number | NumberFromString | null | undefined; readonly completed_runs_count?: number | NumberFromString | null | undefined; readonly success_runs_count?: number | NumberFromString | null | undefined; readonly run_type?: string | null | undefined; readonly created_at?: string | null | undefined; readonly updated_at?: string | null | undefined }
      └─ ["total_runs_count"]
         └─ number | NumberFromString | null | undefined
            ├─ number | NumberFromString | null
            │  ├─ number | NumberFromString
            │  │  ├─ Expected number, actual "three"
            │  │  └─ NumberFromString
            │  │     └─ Transformation process failure
            │  │        └─ Unable to decode "three" into a number
            │  └─ Expected null, actual "three"
            └─ Expected undefined, actual "three"",
        "{ readonly id: number; readonly name?: string | null | undefined; readonly agent?: number | null | undefined; readonly status: string; readonly success_rate?: number | null | undefined; readonly runs?: (ReadonlyArray<{ readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined }> | { readonly [x: string]: { readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined } } <-> ReadonlyArray<{ readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined }>) | undefined; readonly total_runs_count?: number | NumberFromString | null | undefined; readonly completed_runs_count?: number | NumberFromString | null | undefined; readonly success_runs_count?: number | NumberFromString | null | undefined; readonly run_type?: string | null | undefined; readonly created_at?: string | null | undefined; readonly updated_at?: string | null | undefined }
      └─ ["success_runs_count"]
         └─ number | NumberFromString | null | undefined
            ├─ number | NumberFromString | null
            │  ├─ number | NumberFromString
            │  │  ├─ Expected number, actual true
            │  │  └─ NumberFromString
            │  │     └─ Encoded side transformation failure
            │  │        └─ Expected string, actual true
            │  └─ Expected null, actual true
            └─ Expected undefined, actual true",
        "{ readonly id: number; readonly name?: string | null | undefined; readonly agent?: number | null | undefined; readonly status: string; readonly success_rate?: number | null | undefined; readonly runs?: (ReadonlyArray<{ readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined }> | { readonly [x: string]: { readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined } } <-> ReadonlyArray<{ readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined }>) | undefined; readonly total_runs_count?: number | NumberFromString | null | undefined; readonly completed_runs_count?: number | NumberFromString | null | undefined; readonly success_runs_count?: number | NumberFromString | null | undefined; readonly run_type?: string | null | undefined; readonly created_at?: string | null | undefined; readonly updated_at?: string | null | undefined }
      └─ ["status"]
         └─ Expected string, actual undefined",
        "{ readonly id: number; readonly name?: string | null | undefined; readonly agent?: number | null | undefined; readonly status: string; readonly success_rate?: number | null | undefined; readonly runs?: (ReadonlyArray<{ readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined }> | { readonly [x: string]: { readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined } } <-> ReadonlyArray<{ readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined }>) | undefined; readonly total_runs_count?: number | NumberFromString | null | undefined; readonly completed_runs_count?: number | NumberFromString | null | undefined; readonly success_runs_count?: number | NumberFromString | null | undefined; readonly run_type?: string | null | undefined; readonly created_at?: string | null | undefined; readonly updated_at?: string | null | undefined }
      └─ ["id"]
         └─ Expected number, actual "167"",
        "Expected { readonly id: number; readonly name?: string | null | undefined; readonly agent?: number | null | undefined; readonly status: string; readonly success_rate?: number | null | undefined; readonly runs?: (ReadonlyArray<{ readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined }> | { readonly [x: string]: { readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined } } <-> ReadonlyArray<{ readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined }>) | undefined; readonly total_runs_count?: number | NumberFromString | null | undefined; readonly completed_runs_count?: number | NumberFromString | null | undefined; readonly success_runs_count?: number | NumberFromString | null | undefined; readonly run_type?: string | null | undefined; readonly created_at?: string | null | undefined; readonly updated_at?: string | null | undefined }, actual "item"",
      ]
    `)
    expect(message(decode(page, { count: 1, results: [bad[3]] }))).toMatchInlineSnapshot(`
      "{ readonly count: number; readonly next?: string | null | undefined; readonly previous?: string | null | undefined; readonly results: ReadonlyArray<{ readonly id: number; readonly name?: string | null | undefined; readonly agent?: number | null | undefined; readonly status: string; readonly success_rate?: number | null | undefined; readonly runs?: (ReadonlyArray<{ readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined }> | { readonly [x: string]: { readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined } } <-> ReadonlyArray<{ readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined }>) | undefined; readonly total_runs_count?: number | NumberFromString | null | undefined; readonly completed_runs_count?: number | NumberFromString | null | undefined; readonly success_runs_count?: number | NumberFromString | null | undefined; readonly run_type?: string | null | undefined; readonly created_at?: string | null | undefined; readonly updated_at?: string | null | undefined }> }
      └─ ["results"]
         └─ ReadonlyArray<{ readonly id: number; readonly name?: string | null | undefined; readonly agent?: number | null | undefined; readonly status: string; readonly success_rate?: number | null | undefined; readonly runs?: (ReadonlyArray<{ readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined }> | { readonly [x: string]: { readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined } } <-> ReadonlyArray<{ readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined }>) | undefined; readonly total_runs_count?: number | NumberFromString | null | undefined; readonly completed_runs_count?: number | NumberFromString | null | undefined; readonly success_runs_count?: number | NumberFromString | null | undefined; readonly run_type?: string | null | undefined; readonly created_at?: string | null | undefined; readonly updated_at?: string | null | undefined }>
            └─ [0]
               └─ { readonly id: number; readonly name?: string | null | undefined; readonly agent?: number | null | undefined; readonly status: string; readonly success_rate?: number | null | undefined; readonly runs?: (ReadonlyArray<{ readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined }> | { readonly [x: string]: { readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined } } <-> ReadonlyArray<{ readonly id: number; readonly status?: string | null | undefined; readonly success?: boolean | null | undefined }>) | undefined; readonly total_runs_count?: number | NumberFromString | null | undefined; readonly completed_runs_count?: number | NumberFromString | null | undefined; readonly success_runs_count?: number | NumberFromString | null | undefined; readonly run_type?: string | null | undefined; readonly created_at?: string | null | undefined; readonly updated_at?: string | null | undefined }
                  └─ ["total_runs_count"]
                     └─ number | NumberFromString | null | undefined
                        ├─ number | NumberFromString | null
                        │  ├─ number | NumberFromString
                        │  │  ├─ Expected number, actual "three"
                        │  │  └─ NumberFromString
                        │  │     └─ Transformation process failure
                        │  │        └─ Unable to decode "three" into a number
                        │  └─ Expected null, actual "three"
                        └─ Expected undefined, actual "three""
    `)
  })
})

// ---------------------------------------------------------------------------------------------
// the run trigger's request body, as sent
// ---------------------------------------------------------------------------------------------

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
