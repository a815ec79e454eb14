/**
 * Section 3, decode + map throughput: run items per second on one core, from vendor payloads
 * recorded once from the emulator; the timed part never touches the network.
 *
 * - `pure` (every vendor): the recorded bodies are parsed once; timed: what the driver does to
 *   them, with no request and no Effect. Vapi here: the wire decode
 *   (`VapiWire.List(RunItem)`), `VapiProvider.toResult` and the canonical construction
 *   (`Result.unsafeFromEncoded`), as `SimulationProvider.results` does by default, each also timed
 *   alone; plus, outside the chain, `JSON.parse` of the same pages (the floor of any consumer) and
 *   the full canonical decode that `SIMBRIDGE_CHECK_RESULTS=true` adds. The other vendors' chains
 *   are `CekuraPure`, `InteractlyPure` and `RoarkPure` ({@link PureChain}).
 * - `replay` (every vendor): the provider's whole `results` stream over an `HttpClient` that answers
 *   the recorded responses from memory: wire decode, the driver's mapping and follow-up lookups,
 *   core's decode, Effect and Stream overhead; no sockets.
 *
 * @since 0.1.0
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { Result } from "@simbridge/core"
import { VapiProvider, VapiWire } from "@simbridge/vapi"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as CekuraPure from "./CekuraPure.js"
import * as InteractlyPure from "./InteractlyPure.js"
import * as RoarkPure from "./RoarkPure.js"
import { measure, round, type Spread } from "./Stats.js"
import * as Vendors from "./Vendors.js"

export interface Row {
  readonly vendor: string
  readonly method: "pure" | "replay"
  /** What was timed (pure: the whole chain or one stage of it). */
  readonly stage: string
  readonly items: number
  readonly msPerBatch: Spread
  /** items / median seconds. */
  readonly itemsPerSecond: number
}

export interface Options {
  readonly vendors: ReadonlyArray<Vendors.Vendor>
  readonly items: number
  readonly time: number
  readonly iterations: number
  readonly log: (line: string) => void
}

/** Every request of one cold read of a finished run, and each response body. */
export interface Recording {
  readonly requests: ReadonlyArray<Vendors.Recorded>
  readonly bodies: ReadonlyMap<string, { readonly status: number; readonly text: string }>
}

/** The key of a recorded body: `GET http://127.0.0.1:4321/...`. */
export const key = (method: string, url: string) => `${method} ${url}`

/** The parsed bodies of the recorded GETs whose path matches `path`, in request order. */
export const bodiesOf = (recording: Recording, path: RegExp): Array<{ readonly url: URL; readonly body: unknown }> =>
  recording.requests.filter((r) => r.method === "GET" && path.test(new URL(r.url).pathname)).map((r) => ({
    url: new URL(r.url),
    body: JSON.parse(recording.bodies.get(key(r.method, r.url))!.text) as unknown
  }))

/** Fetches every recorded request once more and keeps the bodies. */
const recordBodies = async (requests: ReadonlyArray<Vendors.Recorded>): Promise<Recording> => {
  const bodies = new Map<string, { status: number; text: string }>()
  for (const r of requests) {
    const response = await fetch(r.url, { method: r.method, headers: r.headers })
    bodies.set(key(r.method, r.url), { status: response.status, text: await response.text() })
  }
  return { requests, bodies }
}

/** An HttpClient answering recorded responses from memory (a miss is a transport error). */
export const replayClient = (recording: Recording): Layer.Layer<HttpClient.HttpClient> =>
  Layer.succeed(
    HttpClient.HttpClient,
    HttpClient.make((request, url) => {
      const hit = recording.bodies.get(key(request.method, url.toString()))
      return hit === undefined
        ? Effect.fail(new HttpClientError.RequestError({ request, reason: "Transport", description: `not recorded: ${request.method} ${url.toString()}` }))
        : Effect.succeed(HttpClientResponse.fromWeb(request, new Response(hit.text, { status: hit.status, headers: { "content-type": "application/json" } })))
    })
  )

/**
 * One vendor's decode + map chain over the recorded payloads of a run, with no request and no
 * Effect: what its driver does to the bodies it reads, from wire decode to canonical result.
 */
export interface PureChain {
  /** Results one pass builds (every item of the run). */
  readonly items: number
  /** The whole chain: every payload's wire decode, the mapping, `Result.unsafeFromEncoded`; returns the results built. */
  readonly all: () => number
  /** Stages of it timed alone, by name. */
  readonly stages: Readonly<Record<string, () => void>>
}

const decodeItems = Schema.decodeUnknownSync(VapiWire.List(VapiWire.RunItem), { onExcessProperty: "ignore" })
const decodeResult = Schema.decodeUnknownSync(Result.Result)

/** Vapi's stages, alone and chained, on parsed item pages. */
const pureVapi = async (runId: string, pages: ReadonlyArray<unknown>, options: Options): Promise<ReadonlyArray<Row>> => {
  const decodedPages = pages.map((p) => decodeItems(p))
  const items = decodedPages.reduce((n, p) => n + p.items.length, 0)
  const slotOf = (item: VapiWire.RunItem): VapiProvider.Slot => {
    const name = (v: unknown) => VapiProvider.parseLabel(typeof v === "string" ? v : undefined)?.id ?? "unknown"
    return { scenario: name(item.metadata?.scenario?.name), persona: name(item.metadata?.personality?.name) }
  }
  const evaluatorOf = (name: string) => name
  const mapped = decodedPages.flatMap((p) => p.items.map((item) => VapiProvider.toResult(runId, item, slotOf(item), evaluatorOf)))
  const texts = pages.map((p) => JSON.stringify(p))
  const stats = await measure({
    "all (wire decode + toResult + canonical construction), as SimulationProvider.results": () => {
      let n = 0
      for (const page of pages) {
        for (const item of decodeItems(page).items) {
          Result.unsafeFromEncoded(VapiProvider.toResult(runId, item, slotOf(item), evaluatorOf), false)
          n++
        }
      }
      return n
    },
    "floor, not in the chain: JSON.parse of the pages": () => {
      for (const text of texts) JSON.parse(text)
    },
    "wire decode (VapiWire.List(RunItem))": () => {
      for (const page of pages) decodeItems(page)
    },
    "VapiProvider.toResult": () => {
      for (const page of decodedPages) for (const item of page.items) VapiProvider.toResult(runId, item, slotOf(item), evaluatorOf)
    },
    "canonical construction (Result.unsafeFromEncoded)": () => {
      for (const r of mapped) Result.unsafeFromEncoded(r, false)
    },
    "not in the chain: full canonical decode (SIMBRIDGE_CHECK_RESULTS=true)": () => {
      for (const r of mapped) decodeResult(r)
    }
  }, { time: options.time, iterations: options.iterations })
  return Object.entries(stats).map(([stage, s]) => ({
    vendor: "vapi",
    method: "pure" as const,
    stage,
    items,
    msPerBatch: s,
    itemsPerSecond: Math.round(items / (s.median / 1000))
  }))
}

/** The pure chains of the vendors other than Vapi (whose stages are timed by `pureVapi`). */
const pureChains: Readonly<Record<string, (runId: string, recording: Recording) => PureChain>> = {
  interactly: InteractlyPure.chain,
  roark: RoarkPure.chain,
  cekura: CekuraPure.chain
}

/** A chain's whole pass (checked to build every result) and its stages, each timed alone. */
const measureChain = async (vendor: string, chain: PureChain, options: Options): Promise<ReadonlyArray<Row>> => {
  const built = chain.all()
  if (built !== chain.items || built !== options.items) throw new Error(`${vendor} pure chain built ${built} results of ${options.items}`)
  const whole = "all (wire decode + mapping + canonical construction), as the driver's listResults"
  const stats = await measure({ [whole]: chain.all, ...chain.stages }, { time: options.time, iterations: options.iterations })
  return Object.entries(stats).map(([stage, s]) => ({
    vendor,
    method: "pure" as const,
    stage,
    items: chain.items,
    msPerBatch: s,
    itemsPerSecond: Math.round(chain.items / (s.median / 1000))
  }))
}

export const run = async (options: Options): Promise<ReadonlyArray<Row>> => {
  const rows: Array<Row> = []
  for (const vendor of options.vendors) {
    let live: Vendors.Live | undefined
    try {
      live = await Vendors.start(vendor, { speed: 1e6 })
      const plan = Vendors.planFor(vendor, Vendors.shapeFor(vendor, options.items), `throughput ${options.items}`)
      const finished = await Vendors.finishedRun(live, plan)
      // A provider with empty caches records every request a cold read makes.
      const fresh = await Vendors.providerOn(vendor, live.handle.url, { recorder: live.recorder })
      const recorded = await live.recorder.record(() => Vendors.run(Stream.runCount(fresh.provider.results(finished.ref))))
      await fresh.dispose()
      if (recorded.value !== options.items) throw new Error(`expected ${options.items} results, read ${recorded.value}`)
      const recording = await recordBodies(recorded.requests)
      if (vendor.name === "vapi") {
        const pages = recorded.requests.filter((r) => /\/item(\?|$)/.test(r.url)).map((r) => JSON.parse(recording.bodies.get(key(r.method, r.url))!.text) as unknown)
        const pure = await pureVapi(finished.ref.id, pages, options)
        for (const row of pure) options.log(`  throughput vapi pure ${row.stage}: ${row.itemsPerSecond} items/s`)
        rows.push(...pure)
      }
      const pure = pureChains[vendor.name]
      if (pure !== undefined) {
        const chainRows = await measureChain(vendor.name, pure(finished.ref.id, recording), options)
        for (const row of chainRows) options.log(`  throughput ${vendor.name} pure ${row.stage}: ${row.itemsPerSecond} items/s`)
        rows.push(...chainRows)
      }
      const replay = await Vendors.providerOn(vendor, live.handle.url, { client: replayClient(recording) })
      const stats = await measure({
        replay: () => Vendors.run(Stream.runCount(replay.provider.results(finished.ref)))
      }, { time: options.time, iterations: options.iterations })
      await replay.dispose()
      const s = stats.replay!
      const row: Row = {
        vendor: vendor.name,
        method: "replay",
        stage: `provider.results over recorded responses (${recorded.requests.length} requests)`,
        items: options.items,
        msPerBatch: s,
        itemsPerSecond: Math.round(options.items / (s.median / 1000))
      }
      options.log(`  throughput ${vendor.name} replay: ${row.itemsPerSecond} items/s (${round(s.median)} ms per ${options.items} items)`)
      rows.push(row)
    } catch (e) {
      options.log(`  throughput ${vendor.name}: skipped: ${e instanceof Error ? e.message : String(e)}`)
    } finally {
      await live?.close()
    }
  }
  return rows
}
