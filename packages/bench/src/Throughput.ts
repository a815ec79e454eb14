/**
 * Section 3, read throughput: results per second of a provider's `results` stream over an
 * `HttpClient` that answers a finished run's recorded responses from memory: the wire decode, the
 * driver's mapping and follow-up lookups, core's decode, Effect and Stream; no sockets. The drivers
 * are measured through their public surface only.
 *
 * @since 0.1.0
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import { measure, round, type Spread } from "./Stats.js"
import * as Vendors from "./Vendors.js"

export interface Row {
  readonly vendor: string
  readonly method: "replay"
  /** What was timed. */
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
