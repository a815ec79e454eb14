/**
 * Pins what the run-tracking reads decode to (`GET /eval/simulation/run/:id`, the run list in its
 * three wrappers), the canonical runs made of them, and the errors of malformed bodies.
 */
import { describe, expect, it } from "@effect/vitest"
import { Issues } from "@simbridge/core"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { VapiWire } from "@simbridge/vapi"
import { toRun } from "../src/internal/results.js"

// Bodies as the emulator sends them (a queued and an ended run of the bench's plan).
const queued = {
  id: "5713529d-c26b-4053-9a49-e3392f129327",
  orgId: "0b5e3c1d-7a2f-4e6b-9c8d-1f2a3b4c5d6e",
  status: "queued",
  queuedAt: "2026-11-23T12:09:52.010Z",
  createdAt: "2026-11-23T12:09:52.010Z",
  updatedAt: "2026-11-23T12:09:52.010Z",
  itemCounts: { total: 2, passed: 0, failed: 0, running: 0, queued: 2, canceled: 0, distinctSimulationTotal: 1, distinctSimulationFailed: 0 },
  simulations: [{ type: "simulationSuite", simulationSuiteId: "3ba9d3a9-2795-495e-87ee-339294718d2d", name: "sb-mwt843gl-474f9fa0 bench x" }],
  target: { type: "assistant", assistantId: "7b0c2a9e-1d2f-4c1a-9e55-0a4f3f6b8d21" },
  iterations: 2,
  transport: { provider: "vapi.websocket" }
}
const ended = {
  ...queued,
  status: "ended",
  startedAt: "2026-11-23T12:09:52.040Z",
  endedAt: "2026-11-23T12:09:52.120Z",
  endedReason: "completed",
  updatedAt: "2026-11-23T12:09:52.120Z",
  itemCounts: { total: 2, passed: 1, failed: 1, running: 0, queued: 0, canceled: 0, distinctSimulationTotal: 1, distinctSimulationFailed: 1 }
}
/** Counts partly absent, no simulations, undeclared fields at every level. */
const sparse = {
  id: "r-sparse",
  status: "running",
  startedAt: "2026-01-02T03:04:05.000Z",
  itemCounts: { total: 3, passed: 1, brandNew: "x" },
  brandNew: { x: 1 },
  target: { squadId: "s1", type: "squad", extra: [1] }
}
/** Every nullable field null; the marker in the second entry; an entry with undeclared fields. */
const nulls = {
  id: "r-nulls",
  status: "ended",
  startedAt: null,
  endedAt: null,
  endedReason: "canceled-by-user",
  itemCounts: null,
  transport: null,
  simulations: [{ type: "simulation", name: null, simulationId: "sim", extra: true }, { type: "simulationSuite", name: "x sb-abc123-0123abcd y" }]
}
/** Ended with canceled items: canceled. */
const canceled = { ...ended, id: "r-canceled", itemCounts: { total: 4, passed: 1, failed: 0, running: 0, queued: 0, canceled: 3 } }

/**
 * What the schema declares of a body as the emulator sends it: not the org, the queue time, the
 * distinct-simulation counts nor the entries' type (the driver reads none of them).
 */
const declared = ({ orgId: _o, queuedAt: _q, ...run }: typeof queued) => {
  const { distinctSimulationTotal: _t, distinctSimulationFailed: _f, ...itemCounts } = run.itemCounts as typeof queued.itemCounts
  return { ...run, itemCounts, simulations: run.simulations.map(({ type: _, ...entry }) => entry) }
}
const decodedSparse = {
  id: "r-sparse",
  status: "running",
  startedAt: "2026-01-02T03:04:05.000Z",
  itemCounts: { total: 3, passed: 1 },
  target: { type: "squad", squadId: "s1", extra: [1] }
}
const decodedNulls = { ...nulls, simulations: [{ simulationId: "sim", name: null }, { name: "x sb-abc123-0123abcd y" }] }

const bodies = [queued, ended, sparse, nulls, canceled] as const
/** What each body decodes to. */
const decoded = [declared(queued), declared(ended), decodedSparse, decodedNulls, { ...declared(ended), id: "r-canceled", itemCounts: canceled.itemCounts }] as const

const target = { type: "assistant", assistantId: "7b0c2a9e-1d2f-4c1a-9e55-0a4f3f6b8d21" }
const canonical = [
  {
    ref: { provider: "vapi", kind: "run", id: queued.id },
    provider: "vapi",
    status: { unified: "queued", raw: "queued" },
    counts: { total: 2, queued: 2, running: 0, passed: 0, failed: 0, errored: 0, skipped: 0 },
    createdAt: "2026-11-23T12:09:52.010Z",
    marker: "sb-mwt843gl-474f9fa0",
    providerMetadata: { iterations: 2, transport: "vapi.websocket", target }
  },
  {
    ref: { provider: "vapi", kind: "run", id: queued.id },
    provider: "vapi",
    status: { unified: "completed", raw: "ended" },
    counts: { total: 2, queued: 0, running: 0, passed: 1, failed: 1, errored: 0, skipped: 0 },
    createdAt: "2026-11-23T12:09:52.010Z",
    startedAt: "2026-11-23T12:09:52.040Z",
    endedAt: "2026-11-23T12:09:52.120Z",
    marker: "sb-mwt843gl-474f9fa0",
    providerMetadata: { endedReason: "completed", iterations: 2, transport: "vapi.websocket", target }
  },
  {
    ref: { provider: "vapi", kind: "run", id: "r-sparse" },
    provider: "vapi",
    status: { unified: "running", raw: "running" },
    counts: { total: 3, queued: 0, running: 0, passed: 1, failed: 0, errored: 0, skipped: 0 },
    startedAt: "2026-01-02T03:04:05.000Z",
    providerMetadata: { target: { type: "squad", squadId: "s1", extra: [1] } }
  },
  {
    ref: { provider: "vapi", kind: "run", id: "r-nulls" },
    provider: "vapi",
    status: { unified: "canceled", raw: "ended" },
    counts: { total: 0, queued: 0, running: 0, passed: 0, failed: 0, errored: 0, skipped: 0 },
    marker: "sb-abc123-0123abcd",
    providerMetadata: { endedReason: "canceled-by-user" }
  },
  {
    ref: { provider: "vapi", kind: "run", id: "r-canceled" },
    provider: "vapi",
    status: { unified: "canceled", raw: "ended" },
    counts: { total: 4, queued: 0, running: 0, passed: 1, failed: 0, errored: 0, skipped: 3 },
    createdAt: "2026-11-23T12:09:52.010Z",
    startedAt: "2026-11-23T12:09:52.040Z",
    endedAt: "2026-11-23T12:09:52.120Z",
    marker: "sb-mwt843gl-474f9fa0",
    providerMetadata: { endedReason: "completed", iterations: 2, transport: "vapi.websocket", target }
  }
]

/** As the client decodes a body (`ProviderHttp.json`). */
const decodeRun = Schema.decodeUnknownEither(VapiWire.Run, { onExcessProperty: "ignore" })
const decodeRuns = Schema.decodeUnknownEither(VapiWire.List(VapiWire.Run), { onExcessProperty: "ignore" })
const decodeItems = Schema.decodeUnknownEither(VapiWire.List(VapiWire.RunItem), { onExcessProperty: "ignore" })

/** A failure as `ProviderHttp` reports it, with the paths and messages of every issue and Schema's own message. */
const failure = (result: Either.Either<unknown, ParseResult.ParseError>) => {
  if (Either.isRight(result)) throw new Error("expected a failure")
  return {
    summary: Issues.summarize(Issues.fromParseError(result.left)),
    issues: ParseResult.ArrayFormatter.formatErrorSync(result.left).map((i) => `${JSON.stringify(i.path)} ${i.message}`),
    message: result.left.message
  }
}

describe("VapiWire.Run", () => {
  it.each(bodies.map((body, i) => [body.id + ` (${i})`, i] as const))("%s decodes to what the schema gives, and to its canonical run", (_, i) => {
    const run = Either.getOrThrow(decodeRun(structuredClone(bodies[i])))
    expect(run).toStrictEqual(decoded[i])
    expect(toRun(run)).toStrictEqual(canonical[i])
  })

  it("does not change the body it decodes (the page keeps it as raw)", () => {
    const body = structuredClone(sparse)
    Either.getOrThrow(decodeRun(body))
    expect(body).toStrictEqual(sparse)
  })

  it("a malformed body is reported with the same paths and messages", () => {
    expect(failure(decodeRun({ id: "r", status: 3 })).issues).toStrictEqual(['["status"] Expected string, actual 3'])
    expect(failure(decodeRun({ id: "r", status: 3 })).summary).toBe("status: Expected string, actual 3")
    expect(failure(decodeRun({ status: "running" })).summary).toBe("id: is missing")
    const counts = failure(decodeRun({ id: "r", status: "running", itemCounts: { total: 2, passed: "1" } }))
    expect(counts.summary).toBe("itemCounts.passed: Expected number, actual \"1\"")
    expect(counts.issues).toStrictEqual([
      '["itemCounts","passed"] Expected number, actual "1"',
      '["itemCounts","passed"] Expected undefined, actual "1"',
      '["itemCounts"] Expected null, actual {"total":2,"passed":"1"}',
      '["itemCounts"] Expected undefined, actual {"total":2,"passed":"1"}'
    ])
    expect(failure(decodeRun({ id: "r", status: "running", simulations: [{ type: "simulationSuite", name: 5 }] })).summary).toBe(
      "simulations[0].name: Expected string, actual 5"
    )
    expect(failure(decodeRun({ id: "r", status: "running", transport: { provider: 1 } })).summary).toBe("transport.provider: Expected string, actual 1")
    expect(failure(decodeRun(null)).summary).toBe("Expected Run, actual null")
    expect(failure(decodeRun({ id: "r", status: 3 })).message).toBe(
      "Run\n└─ [\"status\"]\n   └─ Expected string, actual 3"
    )
  })
})

describe("VapiWire.CreateRunResponse", () => {
  const decodeCreated = Schema.decodeUnknownEither(VapiWire.CreateRunResponse, { onExcessProperty: "ignore" })
  const created = { ...queued, simulationRunItemIds: ["i1", "i2"], url: "https://dashboard.vapi.ai/simulations/runs/x", brandNew: 1 }

  it("decodes to what the schema declares", () => {
    const { brandNew: _, ...rest } = created
    expect(Either.getOrThrow(decodeCreated(structuredClone(created)))).toStrictEqual({ ...declared(queued), simulationRunItemIds: rest.simulationRunItemIds, url: rest.url })
    expect(Either.getOrThrow(decodeCreated(structuredClone(sparse)))).toStrictEqual(decodedSparse)
    expect(Either.getOrThrow(decodeCreated({ ...structuredClone(nulls), message: "ok" }))).toStrictEqual({ ...decodedNulls, message: "ok" })
    const body = structuredClone(sparse)
    Either.getOrThrow(decodeCreated(body))
    expect(body).toStrictEqual(sparse)
  })

  it("a malformed body is reported with the same paths and messages", () => {
    const bad = failure(decodeCreated({ ...created, simulationRunItemIds: ["i1", 2] }))
    expect(bad.summary).toBe("simulationRunItemIds[1]: Expected string, actual 2")
    expect(bad.message).toBe(
      "CreateRunResponse\n└─ [\"simulationRunItemIds\"]\n   └─ ReadonlyArray<string> | undefined\n      ├─ ReadonlyArray<string>\n      │  └─ [1]\n      │     └─ Expected string, actual 2\n      └─ Expected undefined, actual [\"i1\",2]"
    )
    expect(failure(decodeCreated({ ...created, itemCounts: { passed: 1 } })).summary).toBe("itemCounts.total: is missing")
  })
})

describe("VapiWire.List(Run)", () => {
  const items = () => structuredClone([queued, sparse, nulls])
  const expected = [declared(queued), decodedSparse, decodedNulls]

  it("a bare array", () => {
    const body = items()
    const page = Either.getOrThrow(decodeRuns(body))
    expect(page).toStrictEqual({ items: expected, raw: body })
    expect(page.raw).toBe(body)
    expect(page.items.map((r) => toRun(r))).toStrictEqual([canonical[0], canonical[2], canonical[3]])
  })

  it("{ results, metadata }, with and without metadata", () => {
    const body = { results: items(), metadata: { itemsPerPage: 3, totalItems: 7, currentPage: 1, hasNextPage: true, nextCursor: null, brandNew: 1 }, brandNew: 2 }
    const page = Either.getOrThrow(decodeRuns(body))
    expect(page).toStrictEqual({ items: expected, meta: { itemsPerPage: 3, totalItems: 7, currentPage: 1, hasNextPage: true, nextCursor: null, brandNew: 1 }, raw: body.results })
    expect(page.raw).toBe(body.results)
    const bare = { results: items() }
    expect(Either.getOrThrow(decodeRuns(bare))).toStrictEqual({ items: expected, meta: undefined, raw: bare.results })
    expect(Either.getOrThrow(decodeRuns({ results: [] }))).toStrictEqual({ items: [], meta: undefined, raw: [] })
  })

  it("{ data, total, limit, page }, with and without the counts", () => {
    const body = { data: items(), total: 7, limit: 3, page: 2 }
    const page = Either.getOrThrow(decodeRuns(body))
    expect(page).toStrictEqual({ items: expected, raw: body.data, meta: { totalItems: 7, itemsPerPage: 3, currentPage: 2 } })
    expect(page.raw).toBe(body.data)
    const bare = { data: items() }
    expect(Either.getOrThrow(decodeRuns(bare))).toStrictEqual({ items: expected, raw: bare.data, meta: {} })
  })

  it("a malformed list is reported with the same paths and messages", () => {
    expect(failure(decodeRuns([{ id: "a", status: "x" }, { id: 1, status: "x" }])).summary).toBe("[1].id: Expected string, actual 1")
    expect(failure(decodeRuns({ results: [queued, { id: "a", status: 1 }] })).summary).toBe("results[1].status: Expected string, actual 1")
    expect(failure(decodeRuns({ results: [sparse, { ...sparse, itemCounts: { total: "3" } }] })).summary).toBe(
      "results[1].itemCounts.total: Expected number, actual \"3\""
    )
    expect(failure(decodeRuns({ results: [], metadata: { hasNextPage: "yes" } })).summary).toBe("metadata.hasNextPage: Expected boolean, actual \"yes\"")
    expect(failure(decodeRuns({ data: [{ id: "a" }], total: 1 })).summary).toBe("data[0].status: is missing")
    expect(failure(decodeRuns({ data: [], total: "3" })).summary).toBe("total: Expected number, actual \"3\"")
    expect(failure(decodeRuns({ items: [] })).summary).toBe("data: is missing")
    const description =
      "{ readonly data: ReadonlyArray<Run>; readonly total?: number | undefined; readonly limit?: number | undefined; readonly page?: number | undefined }"
    expect(failure(decodeRuns(null)).summary).toBe(`Expected ${description}, actual null`)
    expect(failure(decodeRuns({ results: [{ id: "a", status: 1 }] })).message).toBe([
      "(unknown <-> any)",
      "└─ Transformation process failure",
      "   └─ { readonly results: ReadonlyArray<Run>; readonly metadata?: { readonly itemsPerPage?: number | undefined; readonly totalItems?: number | undefined; readonly currentPage?: number | undefined; readonly totalPages?: number | undefined; readonly hasNextPage?: boolean | undefined; readonly nextCursor?: string | null | undefined; readonly [x: string]: unknown } | undefined }",
      "      └─ [\"results\"]",
      "         └─ ReadonlyArray<Run>",
      "            └─ [0]",
      "               └─ Run",
      "                  └─ [\"status\"]",
      "                     └─ Expected string, actual 1"
    ].join("\n"))
  })
})

describe("VapiWire.List(RunItem)", () => {
  const item = {
    id: "i1",
    status: "passed",
    iterationNumber: 2,
    brandNew: { x: 1 },
    metadata: { scenario: { name: "sb:s", id: "x" }, call: { transcript: "hi", messages: [{ role: "bot", message: "Hello", secondsFromStart: 0.5 }] } },
    results: { passed: true, evaluations: [{ name: "booked", passed: true, extractedValue: true, expectedValue: true, comparator: "=" }], latencyMetrics: { avgTurn: 800 } },
    improvementSuggestions: null
  }

  it("each wrapper gives the items' declared fields, and the items as received as raw", () => {
    for (const wrap of [(a: Array<unknown>) => a, (a: Array<unknown>) => ({ results: a }), (a: Array<unknown>) => ({ data: a, total: 2 })]) {
      const list = [structuredClone(item), { id: "i2", status: "queued" }]
      const page = Either.getOrThrow(decodeItems(wrap(list)))
      const { brandNew: _, ...rest } = item
      // Of the scenario snapshot only the name is declared, of an evaluation not its comparator.
      const evaluations = rest.results.evaluations.map(({ comparator: _, ...e }) => e)
      const declared = { ...rest, metadata: { ...rest.metadata, scenario: { name: "sb:s" } }, results: { ...rest.results, evaluations } }
      expect(page.items).toStrictEqual([declared, { id: "i2", status: "queued" }])
      expect(page.raw).toBe(list)
    }
  })

  it("a malformed item is reported with the same path", () => {
    expect(failure(decodeItems({ results: [item, { ...item, results: { evaluations: [{ name: "b", passed: "yes" }] } }] })).summary).toBe(
      "results[1].results.evaluations[0].passed: Expected boolean, actual \"yes\""
    )
  })
})
