/**
 * The four vendors as the reliability tests see them: how to start the in-process emulator, how
 * to build the real provider against it, and how to list every run the emulator holds, keyed by
 * the simbridge marker as that vendor carries it (so duplicates can be counted from the vendor's
 * own records, not from what simbridge believes).
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import type { ProviderRegistry } from "@simbridge/core"
import { SimulationProvider } from "@simbridge/core"
import type { Emulator } from "@simbridge/emulator"
import { CekuraClient, CekuraSuite, CekuraProvider } from "@simbridge/cekura"
import { CekuraEmulator, InteractlyEmulator, RoarkEmulator, VapiEmulator } from "@simbridge/emulators"
import { InteractlyClient, InteractlySuite } from "@simbridge/interactly"
import { RoarkClient, RoarkSuite, RoarkProvider } from "@simbridge/roark"
import { VapiClient, VapiSuite } from "@simbridge/vapi"
import * as Chunk from "effect/Chunk"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { ProviderError } from "@simbridge/core/ProviderError"

export const vendorNames = ["vapi", "roark", "cekura", "interactly"] as const
export type VendorName = (typeof vendorNames)[number]

/** One run as the emulator records it. `key` is what must be unique (the marker, or marker/simulation). */
export interface VendorRun {
  readonly id: string
  readonly marker: string | undefined
  readonly key: string | undefined
}

export interface Vendor {
  readonly name: VendorName
  readonly emulator: Emulator.EmulatorPlugin
  readonly plugin: ProviderRegistry.ProviderPlugin
  /** Every run the emulator at `baseUrl` holds (call with faults switched off). */
  readonly listRuns: (baseUrl: string, apiKey: string) => Effect.Effect<ReadonlyArray<VendorRun>, ProviderError>
}

const withClient = <S, I>(tag: Context.Tag<I, S>, layer: Layer.Layer<I, never, HttpClient.HttpClient>) =>
<A, E>(f: (client: S) => Effect.Effect<A, E>): Effect.Effect<A, E> =>
  Effect.flatMap(Effect.map(Layer.build(layer.pipe(Layer.provide(NodeHttpClient.layerUndici))), (ctx) => Context.get(ctx, tag)), f).pipe(Effect.scoped)

const vapiMarker = /sb-[0-9a-z]+-[0-9a-f]{8}/

export const vendors: Record<VendorName, Vendor> = {
  vapi: {
    name: "vapi",
    emulator: VapiEmulator.plugin,
    plugin: VapiSuite.plugin,
    listRuns: (baseUrl, apiKey) =>
      withClient(VapiClient.VapiClient, VapiClient.layer({ baseUrl, apiKey: Redacted.make(apiKey) }))((client) =>
        Effect.map(VapiClient.pageAll(client.runs.list, { limit: 100 }), (runs) =>
          runs.map((r) => {
            // The marker is the first word of the simulation entry's name (`<marker> <plan name>`).
            const marker = (r.simulations ?? []).map((e) => vapiMarker.exec(e.name ?? "")?.[0]).find((m) => m !== undefined)
            return { id: r.id, marker, key: marker }
          }))
      )
  },
  roark: {
    name: "roark",
    emulator: RoarkEmulator.plugin,
    plugin: RoarkSuite.plugin,
    listRuns: (baseUrl, apiKey) =>
      withClient(RoarkClient.RoarkClient, RoarkClient.layer({ baseUrl, apiKey: Redacted.make(apiKey) }))((client) =>
        Effect.gen(function*() {
          const jobs = Chunk.toReadonlyArray(yield* Stream.runCollect(RoarkClient.paginate((p) => client.runPlanJobs.list(p), { limit: 50 })))
          return yield* Effect.forEach(jobs, (job) =>
            Effect.map(client.runPlanJobs.get(job.simulationRunPlanJobId), (detail) => {
              // The marker is the job variable `simbridgeRunMarker` on every simulation job of the run plan job.
              const marker = detail.simulationJobs.map((s) => s.runPlan?.variables?.[RoarkProvider.markerVariable]).find((m) => typeof m === "string")
              return { id: job.simulationRunPlanJobId, marker, key: marker }
            }), { concurrency: 8 })
        })
      )
  },
  cekura: {
    name: "cekura",
    emulator: CekuraEmulator.plugin,
    plugin: CekuraSuite.plugin,
    listRuns: (baseUrl, apiKey) =>
      withClient(CekuraClient.CekuraClient, CekuraClient.layer({ baseUrl, apiKey: Redacted.make(apiKey) }))((client) =>
        Effect.gen(function*() {
          const out: Array<VendorRun> = []
          for (let page = 1; page <= 200; page++) {
            const p = yield* client.listResults({ page, pageSize: 100 })
            // The marker is kept in the result name: `<plan name> [<marker>]`.
            for (const r of p.results) {
              const marker = CekuraProvider.markerOf(r.name)
              out.push({ id: String(r.id), marker, key: marker })
            }
            if (p.next === undefined || p.next === null || p.results.length === 0) break
          }
          return out
        })
      )
  },
  interactly: {
    name: "interactly",
    emulator: InteractlyEmulator.plugin,
    plugin: InteractlySuite.plugin,
    listRuns: (baseUrl, apiKey) =>
      withClient(InteractlyClient.InteractlyClient, InteractlyClient.layer({ baseUrl, apiKey: Redacted.make(apiKey) }))((client) =>
        Effect.gen(function*() {
          const simulations: Array<string> = []
          for (let page = 1; page <= 100; page++) {
            const p = yield* client.listSimulations({ page, size: 100 })
            simulations.push(...p.simulations.map((s) => InteractlyClient_id(s)))
            if (p.simulations.length < 100) break
          }
          const out: Array<VendorRun> = []
          for (const sim of simulations) {
            for (let page = 1; page <= 100; page++) {
              const p = yield* client.listSimulationRuns(sim, { page, size: 100 })
              // A simbridge run is one simulation group per simulation, each with `runner_name` = marker:
              // unique per (marker, simulation).
              for (const g of p.simulation_groups) {
                const marker = g.runner_name ?? undefined
                out.push({ id: g._id ?? g.id ?? "", marker, key: marker === undefined ? undefined : `${marker}/${sim}` })
              }
              if (p.simulation_groups.length < 100) break
            }
          }
          return out
        })
      )
  }
}

const InteractlyClient_id = (o: { readonly _id?: string | undefined; readonly id?: string | undefined }) => o._id ?? o.id ?? ""

/** Keys seen more than once: the duplicates. */
export const duplicates = (runs: ReadonlyArray<VendorRun>): ReadonlyArray<{ readonly key: string; readonly ids: ReadonlyArray<string> }> => {
  const byKey = new Map<string, Array<string>>()
  for (const r of runs) if (r.key !== undefined) byKey.set(r.key, [...(byKey.get(r.key) ?? []), r.id])
  return [...byKey].filter(([, ids]) => ids.length > 1).map(([key, ids]) => ({ key, ids }))
}

/** The provider service against an emulator URL, under `retry` and `watch`. */
export const provider = (
  vendor: Vendor,
  baseUrl: string,
  apiKey: string,
  options: SimulationProvider.MakeOptions = {}
): Effect.Effect<SimulationProvider.Service, never, Scope.Scope> =>
  Effect.map(
    Layer.build(vendor.plugin.layer({ baseUrl, apiKey: Redacted.make(apiKey) }).pipe(Layer.provide(NodeHttpClient.layerUndici))),
    (ctx) => {
      const service = Context.get(ctx, SimulationProvider.SimulationProvider)
      return options.retry === undefined ? service : SimulationProvider.withRetryPolicy(service, options.retry)
    }
  )

/** Renders rows as an aligned text table. */
export const table = (rows: ReadonlyArray<ReadonlyArray<string | number>>): string => {
  const cells = rows.map((r) => r.map(String))
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)))
  const line = (r: ReadonlyArray<string>) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ")
  return [line(cells[0]!), widths.map((w) => "-".repeat(w)).join("  "), ...cells.slice(1).map(line)].join("\n")
}
