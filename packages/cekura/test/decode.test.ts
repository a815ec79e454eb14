/**
 * What the wire schemas of responses decode to: values, prototypes and error messages (the
 * request bodies are in `requestBodies.test.ts`).
 */
import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as Wire from "../src/CekuraWire.js"
import { TrackedResult } from "../src/internal/tracking.js"

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
