/**
 * A local emulator of Vapi's simulation API (`/eval/simulation/...`), served on 127.0.0.1 by
 * `Emulator.serve` (request log, fault injection, control routes under `/__simbridge/`).
 *
 * - Every path of the `/eval/simulation` family: POST answers 201, others 200, DELETE returns the
 *   deleted object; ids are UUID v4, timestamps ISO-8601; errors are `{ message, error, statusCode }`
 *   (400 names the invalid field, 404 for unknown ids, 402 `{ statusCode, message, reason }` when
 *   billing failure is switched on).
 * - A run expands into one item per simulation x iteration (suite entries into their simulations).
 *   Items move `queued -> running -> evaluating -> passed|failed` on the clock, paced by `speed`;
 *   the run moves `queued -> running -> ended` with `itemCounts` in step. Cancel works on a run and
 *   on one item. Outcomes are seeded by scenario name, personality name, iteration and evaluation
 *   name. Voice items get a `callId`, webchat items a `sessionId`.
 * - Scenario hooks (`simulation.run.started|ended`) are POSTed to their `server.url`.
 * - Seven Vapi default personalities (`orgId: null`) are pre-seeded; they cannot be changed or deleted.
 * - Any bearer token is accepted unless `apiKey` is set.
 * - Emulator-only judging (`Judging`): an evaluation whose description says `emulator:unjudged` is
 *   skipped (`isSkipped`, `extractedValue: null`) as audio evaluations are in chat mode; one that
 *   says `emulator:boolean` extracts a boolean where its value is a number.
 *
 * @since 0.1.0
 */
import { randomUUID } from "node:crypto"
import * as HttpRouter from "@effect/platform/HttpRouter"
import type * as HttpServerError from "@effect/platform/HttpServerError"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { Emulator, Judging } from "@simbridge/emulator"
import type { Faults } from "@simbridge/emulator"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FiberSet from "effect/FiberSet"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as VapiWire from "@simbridge/vapi/VapiWire"

export interface Options extends Emulator.Options {
  /** When set, `POST /eval/simulation/run` answers 402 with this reason. */
  readonly billingFailure?: VapiWire.PaymentReason | undefined
  /** Call slots of the org (`concurrencyLimit`); a voice item uses 2, a chat item 1. Default 20. */
  readonly concurrencyLimit?: number | undefined
  /** Share of evaluations that fail; default 0.2. */
  readonly failRate?: number | undefined
}

export interface Handle extends Emulator.Handle {
  /** Switches the simulated billing failure on (a reason) or off (`undefined`). */
  readonly setBillingFailure: (reason: VapiWire.PaymentReason | undefined) => void
}

/** The org every object of the emulator belongs to. */
export const orgId = "0b5e3c1d-7a2f-4e6b-9c8d-1f2a3b4c5d6e"

/** Vapi's seven default personalities (`orgId: null`). */
export const defaultPersonalities = [
  "confused-carl",
  "decisive-derek",
  "emotional-eva",
  "impatient-irene",
  "multitasking-maya",
  "rambling-roger",
  "skeptical-sam"
].map((slug, i) => ({
  id: `a0000000-0000-4000-8000-00000000000${i + 1}`,
  slug,
  name: slug.split("-").map((w) => w[0]!.toUpperCase() + w.slice(1)).join(" ")
}))

/** Simulated durations at speed 1, in milliseconds. */
export const timing = { queued: 1500, talking: 3000, evaluating: 1000 } as const

const reasonPhrases: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  402: "Payment Required",
  403: "Forbidden",
  404: "Not Found",
  409: "Conflict",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable"
}

/** Vapi's (NestJS) error body. */
export const renderError = (status: number, message: string | ReadonlyArray<string>): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.unsafeJson({ message, error: reasonPhrases[status] ?? "Error", statusCode: status }, { status })

class HttpFailure {
  constructor(readonly status: number, readonly message: string | ReadonlyArray<string>) {}
}

const fail = (status: number, message: string | ReadonlyArray<string>) => Effect.fail(new HttpFailure(status, message))

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

type Json = Record<string, unknown>

interface StoredItem {
  readonly id: string
  readonly index: number
  readonly iterationNumber: number
  readonly simulation: Json
  readonly scenario: Json
  readonly personality: Json
  readonly conversationId: string
  canceledAt?: number | undefined
  suggestionsRequested?: boolean
}

interface StoredRun {
  readonly id: string
  readonly body: Json
  readonly createdAt: number
  readonly chat: boolean
  readonly items: ReadonlyArray<StoredItem>
  canceledAt?: number | undefined
}

const iso = (ms: number) => new Date(ms).toISOString()

/** A value of the evaluation's type that does (or does not) satisfy `comparator value`. */
export const extracted = (comparator: string, value: VapiWire.Primitive, pass: boolean): VapiWire.Primitive => {
  if (typeof value === "boolean") return (comparator === "!=") === pass ? !value : value
  if (typeof value === "number") {
    const ok: Record<string, number> = { "=": value, "!=": value + 1, ">": value + 1, ">=": value, "<": value - 1, "<=": value }
    const bad: Record<string, number> = { "=": value + 1, "!=": value, ">": value, ">=": value - 1, "<": value, "<=": value + 1 }
    return (pass ? ok : bad)[comparator] ?? value
  }
  const same = comparator !== "!="
  return same === pass ? value : `not ${value}`
}

const satisfies = (comparator: string, actual: VapiWire.Primitive, expected: VapiWire.Primitive): boolean => {
  switch (comparator) {
    case "=":
      return actual === expected
    case "!=":
      return actual !== expected
    case ">":
      return Number(actual) > Number(expected)
    case ">=":
      return Number(actual) >= Number(expected)
    case "<":
      return Number(actual) < Number(expected)
    case "<=":
      return Number(actual) <= Number(expected)
    default:
      return false
  }
}

const audioOnly = /\b(audio|tone of voice|pronunciation|background noise|interrupt)/i

/** Builds the emulator's routes for one store. */
const makeApp = (context: {
  readonly faults: Faults.FaultControl
  readonly seed: number
  readonly speed: number
  readonly options: Options
  readonly billing: { reason: VapiWire.PaymentReason | undefined }
  readonly fibers: FiberSet.FiberSet
}) => {
  const { faults, seed, options, billing } = context
  const pace = Emulator.paced(context.speed)
  const failRate = options.failRate ?? 0.2
  const concurrencyLimit = options.concurrencyLimit ?? 20
  const personalities = new Map<string, Json>()
  const scenarios = new Map<string, Json>()
  const simulations = new Map<string, Json>()
  const suites = new Map<string, Json>()
  const runs = new Map<string, StoredRun>()
  const defaults = new Set(defaultPersonalities.map((p) => p.id))
  const epoch = iso(0)
  for (const p of defaultPersonalities) {
    personalities.set(p.id, {
      id: p.id,
      orgId: null,
      createdAt: epoch,
      updatedAt: epoch,
      name: p.name,
      assistant: { model: { provider: "openai", model: "gpt-4o", messages: [{ role: "system", content: `You are ${p.name}, a ${p.slug.split("-")[0]} caller.` }] } }
    })
  }

  const unknownEnum = (request: HttpServerRequest.HttpServerRequest) => {
    const path = new URL(request.url, "http://127.0.0.1").pathname
    return faults.take(request.method, path, (f) => f._tag === "UnknownEnum") !== undefined || faults.draw("unknownEnum")
  }

  // -------------------------------------------------------------------------------------------
  // Lifecycle of items and runs, computed lazily from timestamps
  // -------------------------------------------------------------------------------------------

  const slotsPerItem = (run: StoredRun) => (run.chat ? 1 : 2)
  const phases = (run: StoredRun, item: StoredItem) => {
    const parallel = Math.max(1, Math.floor(concurrencyLimit / slotsPerItem(run)))
    const each = pace(timing.talking + timing.evaluating)
    const start = run.createdAt + pace(timing.queued) + Math.floor(item.index / parallel) * each
    const talkEnd = start + pace(timing.talking)
    return { start, talkEnd, end: start + each }
  }

  const evaluationsOf = (run: StoredRun, item: StoredItem) => {
    const evaluations = (item.scenario.evaluations as ReadonlyArray<Json> | undefined) ?? []
    return evaluations.map((e, j) => {
      const output = e.structuredOutput as Json | undefined
      const name = (output?.name as string | undefined) ?? `evaluation-${j + 1}`
      const description = output?.description as string | undefined
      const value = e.value as VapiWire.Primitive
      const comparator = e.comparator as string
      const required = e.required !== false
      const key = `${String(item.scenario.name)}|${String(item.personality.name)}|${item.iterationNumber}|${name}`
      const pass = Emulator.chance(seed, key) >= failRate
      const judging = Judging.of(description)
      const audio = run.chat && audioOnly.test(`${name} ${description ?? ""}`)
      // Vapi skips what it cannot evaluate (audio in chat mode): `isSkipped`, no extracted value.
      const skipped = audio || judging === "unjudged"
      // `emulator:boolean`: a yes/no where the schema asks for a number (whether the criterion was met).
      const actual = judging === "boolean" && typeof value === "number" ? pass : extracted(comparator, value, pass)
      return {
        structuredOutputId: (e.structuredOutputId as string | undefined) ?? "inline",
        name,
        ...(e.path === undefined ? {} : { path: e.path }),
        ...(description === undefined ? {} : { description }),
        ...(output?.schema === undefined ? {} : { schema: output.schema }),
        extractedValue: skipped ? null : actual,
        expectedValue: value,
        comparator,
        passed: skipped ? false : satisfies(comparator, actual, value),
        required,
        ...(skipped ? { isSkipped: true, skipReason: audio ? "multimodal evaluation skipped in chat mode" : "evaluation skipped: nothing in the conversation to evaluate it on" } : {})
      }
    })
  }

  const conversation = (run: StoredRun, item: StoredItem, passed: boolean) => {
    const scenario = item.scenario
    const caller = String(scenario.instructions ?? "").split(/(?<=\.)\s/)[0] ?? "Hello."
    const messages = [
      { role: "assistant", content: "Thank you for calling, how can I help you today?", secondsFromStart: 0 },
      { role: "user", content: caller, secondsFromStart: 2.4 },
      { role: "assistant", content: passed ? "I can do that for you. You are all set." : "I'm sorry, I can't help with that right now.", secondsFromStart: 6.1 },
      { role: "user", content: "Thank you, goodbye.", secondsFromStart: 9.8 }
    ]
    const transcript = messages.map((m) => `${m.role === "assistant" ? "AI" : "User"}: ${m.content}`).join("\n")
    return {
      transcript,
      messages,
      ...(run.chat
        ? {}
        : {
          recordingUrl: `https://storage.vapi.ai/${item.conversationId}-mono.wav`,
          monitor: { listenUrl: `wss://phone-call-websocket.aws-us-west-2-backend-production1.vapi.ai/${item.conversationId}/listen` }
        })
    }
  }

  /** The item as Vapi renders it at `now`. */
  const renderItem = (run: StoredRun, item: StoredItem, now: number, unknown: boolean): Json => {
    const { start, talkEnd, end } = phases(run, item)
    const cancel = item.canceledAt ?? run.canceledAt
    const canceled = cancel !== undefined && cancel < end && cancel <= now
    const evaluations = canceled || now < end ? [] : evaluationsOf(run, item)
    const passed = evaluations.every((e) => !e.required || e.isSkipped === true || e.passed)
    const status = canceled ? "canceled" : now < start ? "queued" : now < talkEnd ? "running" : now < end ? "evaluating" : passed ? "passed" : "failed"
    const started = (canceled ? cancel! : now) >= start
    const finished = status === "passed" || status === "failed"
    const latency = Math.round(600 + Emulator.chance(seed, `latency|${String(item.scenario.name)}|${String(item.personality.name)}|${item.iterationNumber}`) * 700)
    return {
      id: item.id,
      orgId,
      simulationId: item.simulation.id,
      status: unknown ? "paused_for_review" : status,
      queuedAt: iso(run.createdAt),
      ...(started ? { startedAt: iso(start) } : {}),
      ...(status === "passed" || status === "failed" ? { completedAt: iso(end) } : {}),
      ...(status === "failed" ? { failedAt: iso(end) } : {}),
      ...(canceled ? { canceledAt: iso(cancel!) } : {}),
      ...(started && !run.chat ? { callId: item.conversationId } : {}),
      ...(started && run.chat ? { sessionId: item.conversationId } : {}),
      createdAt: iso(run.createdAt),
      updatedAt: iso(Math.min(now, canceled ? cancel! : finished ? end : now)),
      runId: run.id,
      ...(Array.isArray(item.scenario.hooks) ? { hooks: item.scenario.hooks } : {}),
      iterationNumber: item.iterationNumber,
      scenarioId: item.scenario.id,
      personalityId: item.personality.id,
      metadata: {
        scenario: item.scenario,
        personality: item.personality,
        simulation: item.simulation,
        ...(finished ? { call: conversation(run, item, passed) } : {})
      },
      ...(finished
        ? {
          results: {
            evaluations,
            passed,
            latencyMetrics: { turnCount: 4, avgTurn: latency, avgTranscriber: 180, avgModel: latency - 320, avgVoice: 140, avgEndpointing: 0 }
          }
        }
        : {}),
      ...(finished && (!passed || item.suggestionsRequested)
        ? {
          improvementSuggestions: {
            analysis: passed ? "The conversation met its required evaluations." : "The assistant did not complete the caller's request.",
            systemPromptSuggestions: passed ? [] : [{ issue: "The assistant gave up on the request", suggestion: "Tell the assistant to offer the next available option before declining." }],
            toolSuggestions: [],
            scenarioSuggestions: []
          }
        }
        : {}),
      configurations: { transport: { provider: run.chat ? "vapi.webchat" : "vapi.websocket" } }
    }
  }

  /**
   * What a run needs of an item at `now` (its status and times, as {@link renderItem} renders
   * them), without rendering the item, and when its status last changed in a way the run's
   * `itemCounts` see (queued -> running, -> passed / failed / canceled).
   */
  const itemState = (run: StoredRun, item: StoredItem, now: number) => {
    const { end, start } = phases(run, item)
    const cancel = item.canceledAt ?? run.canceledAt
    const canceled = cancel !== undefined && cancel < end && cancel <= now
    const status = canceled
      ? "canceled"
      : now < start
      ? "queued"
      : now < end
      ? "running"
      : evaluationsOf(run, item).every((e) => !e.required || e.isSkipped === true || e.passed)
      ? "passed"
      : "failed"
    const started = (canceled ? cancel! : now) >= start
    const finished = status === "passed" || status === "failed"
    const changedAt = canceled ? cancel! : finished ? end : started ? start : run.createdAt
    return {
      status,
      simulationId: item.simulation.id as string,
      ...(started ? { startedAt: iso(start) } : {}),
      ...(finished ? { completedAt: iso(end) } : {}),
      ...(canceled ? { canceledAt: iso(cancel!) } : {}),
      changedAt
    }
  }

  const renderRun = (run: StoredRun, now: number, unknown: boolean): Json => {
    const items: ReadonlyArray<Json> = run.items.map((i) => itemState(run, i, now))
    const count = (s: ReadonlyArray<string>) => items.filter((i) => s.includes(i.status as string)).length
    const counts = {
      total: items.length,
      passed: count(["passed"]),
      failed: count(["failed"]),
      running: count(["running", "evaluating"]),
      queued: count(["queued"]),
      canceled: count(["canceled"]),
      distinctSimulationTotal: new Set(run.items.map((i) => i.simulation.id)).size,
      distinctSimulationFailed: new Set(items.filter((i) => i.status === "failed" || i.status === "canceled").map((i) => i.simulationId)).size
    }
    const ended = counts.queued + counts.running === 0
    const starts = items.flatMap((i) => (typeof i.startedAt === "string" ? [Date.parse(i.startedAt)] : []))
    const ends = items.map((i) => Date.parse(String(i.completedAt ?? i.canceledAt ?? "")) || 0)
    const status = ended ? "ended" : counts.queued === counts.total ? "queued" : "running"
    const endedAt = ended ? Math.max(run.createdAt, ...ends) : undefined
    return {
      id: run.id,
      orgId,
      status: unknown ? "paused" : status,
      queuedAt: iso(run.createdAt),
      ...(starts.length > 0 ? { startedAt: iso(Math.min(...starts)) } : {}),
      ...(endedAt === undefined ? {} : { endedAt: iso(endedAt), endedReason: run.canceledAt !== undefined && run.canceledAt <= endedAt ? "canceled" : "completed" }),
      createdAt: iso(run.createdAt),
      // The last change of the run's status or item counts (what `updatedAt*` filters see).
      updatedAt: iso(Math.max(run.createdAt, ...items.map((i) => Number(i.changedAt)))),
      itemCounts: counts,
      simulations: run.body.simulations,
      target: run.body.target,
      iterations: run.body.iterations ?? 1,
      ...(run.body.transport === undefined ? {} : { transport: run.body.transport })
    }
  }

  // -------------------------------------------------------------------------------------------
  // Hooks
  // -------------------------------------------------------------------------------------------

  const postHooks = (run: StoredRun, item: StoredItem, on: VapiWire.HookEvent, payload: (include: Json) => Json) =>
    Effect.forEach(
      ((item.scenario.hooks as ReadonlyArray<VapiWire.Hook> | undefined) ?? []).filter((h) => h.on === on).flatMap((h) => h.do),
      (action) => {
        const url = action.server?.url
        if (url === undefined) return Effect.void
        return Effect.tryPromise(() =>
          fetch(url, {
            method: "POST",
            headers: { "content-type": "application/json", ...(action.server?.headers as Record<string, string> | undefined) },
            body: JSON.stringify(payload((action.include ?? {}) as Json)),
            signal: AbortSignal.timeout(5000)
          })
        ).pipe(Effect.ignore)
      },
      { discard: true }
    )

  const scheduleHooks = (run: StoredRun) =>
    Effect.forEach(run.items, (item) => {
      const hooks = item.scenario.hooks as ReadonlyArray<VapiWire.Hook> | undefined
      if (hooks === undefined || hooks.length === 0) return Effect.void
      const { start, end } = phases(run, item)
      const base = { simulationId: item.simulation.id, runId: run.id, simulationRunItemId: item.id, iterationNumber: item.iterationNumber, isSimulation: true }
      const at = (ms: number) => Effect.flatMap(Clock.currentTimeMillis, (now) => Effect.sleep(Duration.millis(Math.max(0, Math.ceil(ms) + 1 - now))))
      const fiber = Effect.gen(function*() {
        yield* at(start)
        const now = yield* Clock.currentTimeMillis
        const cancel = item.canceledAt ?? run.canceledAt
        if (cancel === undefined || cancel > start) {
          yield* postHooks(run, item, "simulation.run.started", () => ({
            type: "simulation.run.started",
            ...base,
            ...(run.chat ? {} : { calls: { testerCallId: randomUUID(), targetCallId: item.conversationId, listenUrl: `wss://phone-call-websocket.aws-us-west-2-backend-production1.vapi.ai/${item.conversationId}/listen` } })
          }))
        }
        yield* at(Math.max(end, now))
        const rendered = renderItem(run, item, yield* Clock.currentTimeMillis, false)
        const call = (rendered.metadata as Json).call as Json | undefined
        yield* postHooks(run, item, "simulation.run.ended", (include) => ({
          type: "simulation.run.ended",
          ...base,
          canceled: rendered.status === "canceled",
          ...(run.chat ? {} : { endedReason: rendered.status === "canceled" ? "customer-ended-call" : "assistant-ended-call" }),
          ...(rendered.failureReason === undefined ? {} : { failureReason: rendered.failureReason }),
          startedAt: rendered.startedAt,
          endedAt: rendered.completedAt ?? rendered.canceledAt,
          ...(include.transcript === true && call ? { transcript: call.transcript } : {}),
          ...(include.messages === true && call ? { messages: call.messages } : {}),
          ...(include.recordingUrl === true && call?.recordingUrl ? { recordingUrl: call.recordingUrl } : {})
        }))
      })
      return FiberSet.run(context.fibers, fiber)
    }, { discard: true })

  // -------------------------------------------------------------------------------------------
  // Request helpers
  // -------------------------------------------------------------------------------------------

  const body = <A, I>(schema: Schema.Schema<A, I>) =>
    Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const text = yield* Effect.orElseSucceed(request.text, () => "")
      let json: unknown
      try {
        json = text.trim() === "" ? {} : JSON.parse(text)
      } catch (e) {
        return yield* fail(400, `Unexpected token in JSON body: ${(e as Error).message}`)
      }
      const decoded = Schema.decodeUnknownEither(schema, { onExcessProperty: "error", errors: "all" })(json)
      if (Either.isLeft(decoded)) {
        return yield* fail(
          400,
          ParseResult.ArrayFormatter.formatErrorSync(decoded.left).map((i) => `${i.path.length === 0 ? "body" : i.path.join(".")}: ${i.message}`)
        )
      }
      return { value: decoded.right, json: json as Json }
    })

  const idParam = (name: string, kind: string) =>
    Effect.flatMap(HttpRouter.params, (params) => {
      const id = params[name] ?? ""
      return uuidPattern.test(id) ? Effect.succeed(id) : fail(400, `Validation failed (uuid is expected) for ${kind} ${name}`)
    })

  const query = Effect.map(HttpServerRequest.ParsedSearchParams, (p) => p)
  const queryValue = (p: Record<string, string | Array<string>>, key: string): string | undefined => {
    const v = p[key]
    return Array.isArray(v) ? v[0] : v
  }
  const queryList = (p: Record<string, string | Array<string>>, key: string): ReadonlyArray<string> | undefined => {
    const v = p[key] ?? p[`${key}[]`]
    if (v === undefined) return undefined
    return (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(",")).filter((s) => s !== "")
  }

  /** Common list parameters: filters on `createdAt*` and `updatedAt*`, sort, `page` (1-based) and `limit` (0..1000). */
  const paginate = (all: ReadonlyArray<Json>, p: Record<string, string | Array<string>>, sortable = true) => {
    const limit = Number(queryValue(p, "limit") ?? 100)
    const page = Number(queryValue(p, "page") ?? 1)
    if (!Number.isInteger(limit) || limit < 0 || limit > 1000) return fail(400, ["limit must not be greater than 1000", "limit must not be less than 0"])
    if (!Number.isInteger(page) || page < 1) return fail(400, ["page must not be less than 1"])
    const bound = (key: string, test: (a: number, b: number) => boolean) => {
      const v = queryValue(p, key)
      return v === undefined ? () => true : (o: Json) => test(Date.parse(String(o.createdAt)), Date.parse(v))
    }
    const boundOn = (field: string, key: string, test: (a: number, b: number) => boolean) => {
      const v = queryValue(p, key)
      return v === undefined ? () => true : (o: Json) => test(Date.parse(String(o[field])), Date.parse(v))
    }
    const filters = [
      bound("createdAtGt", (a, b) => a > b),
      bound("createdAtGe", (a, b) => a >= b),
      bound("createdAtLt", (a, b) => a < b),
      bound("createdAtLe", (a, b) => a <= b),
      boundOn("updatedAt", "updatedAtGt", (a, b) => a > b),
      boundOn("updatedAt", "updatedAtGe", (a, b) => a >= b),
      boundOn("updatedAt", "updatedAtLt", (a, b) => a < b),
      boundOn("updatedAt", "updatedAtLe", (a, b) => a <= b)
    ]
    const filtered = all.filter((o) => filters.every((f) => f(o)))
    const asc = (queryValue(p, "sortOrder") ?? "DESC").toUpperCase() === "ASC"
    const sorted = sortable
      ? filtered.map((o, i) => ({ o, i })).sort((a, b) => {
        const d = Date.parse(String(a.o.createdAt)) - Date.parse(String(b.o.createdAt)) || a.i - b.i
        return asc ? d : -d
      }).map((x) => x.o)
      : filtered
    return Effect.succeed(sorted.slice((page - 1) * limit, page * limit))
  }

  const json = (value: unknown, status = 200) => HttpServerResponse.unsafeJson(value, { status })

  const find = (store: Map<string, Json>, noun: string, id: string) => {
    const found = store.get(id)
    return found === undefined ? fail(404, `${noun} with id ${id} not found`) : Effect.succeed(found)
  }

  const now = Clock.currentTimeMillis

  const created = (fields: Json) =>
    Effect.map(now, (t) => ({ id: randomUUID(), orgId, createdAt: iso(t), updatedAt: iso(t), ...fields }))

  const updated = (current: Json, patch: Json) =>
    Effect.map(now, (t) => {
      const next: Json = { ...current, ...patch, updatedAt: iso(Math.max(t, Date.parse(String(current.updatedAt)) + 1)) }
      for (const [k, v] of Object.entries(patch)) if (v === null && k === "path") delete next[k]
      return next
    })

  /** CRUD routes of one resource kind. */
  const crud = (
    router: HttpRouter.HttpRouter<HttpFailure, never>,
    path: `/${string}`,
    noun: string,
    store: Map<string, Json>,
    create: Schema.Schema<any, any>,
    update: Schema.Schema<any, any>,
    hooks: {
      readonly validate?: (value: any) => Effect.Effect<void, HttpFailure>
      readonly filter?: (p: Record<string, string | Array<string>>) => (o: Json) => boolean
      readonly guard?: (id: string, action: "update" | "delete") => Effect.Effect<void, HttpFailure>
      /** Fields a created object has when the request omits them. */
      readonly defaults?: Json
    } = {}
  ) =>
    router.pipe(
      HttpRouter.post(path, Effect.gen(function*() {
        const { json: raw, value } = yield* body(create)
        if (hooks.validate) yield* hooks.validate(value)
        const object = yield* created({ ...hooks.defaults, ...raw })
        store.set(object.id, object)
        return json(object, 201)
      })),
      HttpRouter.get(path, Effect.gen(function*() {
        const p = yield* query
        const ids = queryList(p, "idAny")
        const filter = hooks.filter?.(p) ?? (() => true)
        const all = [...store.values()].filter((o) => (ids === undefined || ids.includes(String(o.id))) && filter(o))
        return json(yield* paginate(all, p))
      })),
      HttpRouter.get(`${path}/:id`, Effect.gen(function*() {
        const id = yield* idParam("id", noun)
        return json(yield* find(store, noun, id))
      })),
      HttpRouter.patch(`${path}/:id`, Effect.gen(function*() {
        const id = yield* idParam("id", noun)
        const current = yield* find(store, noun, id)
        if (hooks.guard) yield* hooks.guard(id, "update")
        const { json: raw, value } = yield* body(update)
        if (hooks.validate) yield* hooks.validate({ ...current, ...value })
        const next = yield* updated(current, raw)
        store.set(id, next)
        return json(next)
      })),
      HttpRouter.del(`${path}/:id`, Effect.gen(function*() {
        const id = yield* idParam("id", noun)
        if (hooks.guard) yield* hooks.guard(id, "delete")
        const current = yield* find(store, noun, id)
        store.delete(id)
        return json(current)
      }))
    )

  const requireSimulations = (ids: ReadonlyArray<string>) =>
    Effect.forEach(ids, (id) => find(simulations, "Simulation", id), { discard: true })

  // -------------------------------------------------------------------------------------------
  // Runs
  // -------------------------------------------------------------------------------------------

  const expand = (entries: ReadonlyArray<VapiWire.RunEntry>) =>
    Effect.forEach(entries, (entry) =>
      Effect.gen(function*() {
        if (entry.type === "simulationSuite") {
          const suiteId = entry.simulationSuiteId ?? entry.suiteId!
          const suite = yield* find(suites, "Simulation suite", suiteId)
          return yield* Effect.forEach(suite.simulationIds as ReadonlyArray<string>, (id) => simulationTriple(id))
        }
        if (entry.simulationId !== undefined) return [yield* simulationTriple(entry.simulationId)]
        const t = yield* now
        const scenario = entry.scenarioId !== undefined
          ? yield* find(scenarios, "Scenario", entry.scenarioId)
          : { id: randomUUID(), orgId, createdAt: iso(t), updatedAt: iso(t), ...entry.scenario }
        const personality = entry.personalityId !== undefined
          ? yield* find(personalities, "Personality", entry.personalityId)
          : { id: randomUUID(), orgId, createdAt: iso(t), updatedAt: iso(t), ...entry.personality }
        const simulation = { id: randomUUID(), orgId, createdAt: iso(t), updatedAt: iso(t), name: entry.name ?? `${String(scenario.name)} x ${String(personality.name)}`.slice(0, 80), scenarioId: scenario.id, personalityId: personality.id }
        return [{ simulation, scenario: scenario as Json, personality: personality as Json }]
      })).pipe(Effect.map((lists) => lists.flat()))

  const simulationTriple = (id: string) =>
    Effect.gen(function*() {
      const simulation = yield* find(simulations, "Simulation", id)
      const scenario = yield* find(scenarios, "Scenario", String(simulation.scenarioId))
      const personality = yield* find(personalities, "Personality", String(simulation.personalityId))
      return { simulation, scenario, personality }
    })

  const findRun = (id: string) => {
    const run = runs.get(id)
    return run === undefined ? fail(404, `Simulation run with id ${id} not found`) : Effect.succeed(run)
  }

  const findItem = (run: StoredRun, itemId: string) => {
    const item = run.items.find((i) => i.id === itemId)
    return item === undefined ? fail(404, `Simulation run item ${itemId} not found in run ${run.id}`) : Effect.succeed(item)
  }

  const isTerminal = (rendered: Json) => ["passed", "failed", "canceled"].includes(String(rendered.status))

  const router = HttpRouter.empty.pipe(
    (r) =>
      crud(r, "/eval/simulation/personality", "Personality", personalities, VapiWire.CreatePersonality, VapiWire.UpdatePersonality, {
        guard: (id, action) =>
          defaults.has(id)
            ? fail(404, `Personality ${id} not found or is a Vapi default (cannot be ${action === "delete" ? "deleted" : "modified"})`)
            : action === "delete" && [...simulations.values()].some((s) => s.personalityId === id)
            ? fail(409, `Personality ${id} is used by a simulation`)
            : Effect.void
      }),
    (r) =>
      crud(r, "/eval/simulation/scenario", "Scenario", scenarios, VapiWire.CreateScenario, VapiWire.UpdateScenario, {
        filter: (p) => {
          const name = queryValue(p, "name")
          return (o) => name === undefined || String(o.name).toLowerCase().includes(name.toLowerCase())
        },
        guard: (id, action) =>
          action === "delete" && [...simulations.values()].some((s) => s.scenarioId === id) ? fail(409, `Scenario ${id} is used by a simulation`) : Effect.void
      }),
    (r) =>
      crud(r, "/eval/simulation/suite", "Simulation suite", suites, VapiWire.CreateSuite, VapiWire.UpdateSuite, {
        validate: (value: VapiWire.CreateSuite) => requireSimulations(value.simulationIds),
        defaults: { targetAssignments: [] },
        filter: (p) => {
          const name = queryValue(p, "name")
          return (o) => name === undefined || String(o.name).toLowerCase().includes(name.toLowerCase())
        }
      }),
    (r) =>
      crud(r, "/eval/simulation", "Simulation", simulations, VapiWire.CreateSimulation, VapiWire.UpdateSimulation, {
        validate: (value: VapiWire.CreateSimulation) =>
          Effect.zipRight(find(scenarios, "Scenario", value.scenarioId), find(personalities, "Personality", value.personalityId)),
        filter: (p) => {
          const standalone = queryValue(p, "standaloneOnly") === "true"
          const inSuite = new Set([...suites.values()].flatMap((s) => s.simulationIds as ReadonlyArray<string>))
          return (o) => !standalone || !inSuite.has(String(o.id))
        },
        guard: (id, action) =>
          action === "delete" && [...suites.values()].some((s) => (s.simulationIds as ReadonlyArray<string>).includes(id))
            ? fail(409, `Simulation ${id} is part of a suite`)
            : Effect.void
      }),
    HttpRouter.post("/eval/simulation/suite/:id/duplicate", Effect.gen(function*() {
      const id = yield* idParam("id", "Simulation suite")
      const suite = yield* find(suites, "Simulation suite", id)
      const copy = yield* created({ ...suite, name: `${String(suite.name)} (copy)`.slice(0, 80) })
      const fresh = { ...copy, id: randomUUID() }
      suites.set(fresh.id, fresh)
      return json(fresh, 201)
    })),
    HttpRouter.get("/eval/simulation/concurrency", Effect.gen(function*() {
      const t = yield* now
      let active = 0
      for (const run of runs.values()) {
        for (const item of run.items) {
          const s = renderItem(run, item, t, false).status
          if (s === "running" || s === "evaluating") active += slotsPerItem(run)
        }
      }
      return json({
        orgId,
        concurrencyLimit,
        activeSimulations: active,
        availableToStart: Math.max(0, Math.floor((concurrencyLimit - active) / 2)),
        createdAt: null,
        updatedAt: null,
        isDefault: options.concurrencyLimit === undefined
      })
    })),
    HttpRouter.post("/eval/simulation/scenario/generate", Effect.gen(function*() {
      const { value } = yield* body(Schema.Struct({ assistantId: Schema.optional(Schema.String), squadId: Schema.optional(Schema.String) }))
      if ((value.assistantId === undefined) === (value.squadId === undefined)) return yield* fail(400, ["exactly one of assistantId and squadId is required"])
      const categories = ["happy_path", "edge_case", "failure_mode"] as const
      return json({
        scenarios: categories.map((category, i) => ({
          name: `Generated scenario ${i + 1}`,
          instructions: `Call the assistant and exercise a ${category.replace("_", " ")}.`,
          category,
          reasoning: `Covers the ${category.replace("_", " ")} of the assistant's main flow.`
        })),
        coverageNotes: "Generated by the simbridge emulator; not persisted."
      }, 201)
    })),
    HttpRouter.post("/eval/simulation/run", Effect.gen(function*() {
      const { value, json: raw } = yield* body(VapiWire.CreateRun)
      if (billing.reason !== undefined) {
        return HttpServerResponse.unsafeJson({ statusCode: 402, message: "Payment required to run simulations", reason: billing.reason }, { status: 402 })
      }
      const expanded = yield* expand(value.simulations)
      const iterations = value.iterations ?? 1
      const t = yield* now
      const chat = value.transport?.provider === "vapi.webchat"
      const items: Array<StoredItem> = []
      for (const triple of expanded) {
        for (let n = 1; n <= iterations; n++) {
          items.push({ id: randomUUID(), index: items.length, iterationNumber: n, ...triple, conversationId: randomUUID() })
        }
      }
      const run: StoredRun = { id: randomUUID(), body: raw, createdAt: t, chat, items }
      runs.set(run.id, run)
      yield* scheduleHooks(run)
      return json({
        ...renderRun(run, t, false),
        simulationRunItemIds: items.map((i) => i.id),
        message: `Queued ${items.length} simulation run item${items.length === 1 ? "" : "s"}`,
        url: `https://dashboard.vapi.ai/simulations/runs/${run.id}`
      }, 201)
    })),
    HttpRouter.get("/eval/simulation/run", Effect.gen(function*() {
      const p = yield* query
      const request = yield* HttpServerRequest.HttpServerRequest
      const t = yield* now
      const status = queryValue(p, "status")
      const targetId = queryValue(p, "targetId")
      const targetType = queryValue(p, "targetType")
      const filterStatus = queryValue(p, "filterStatus")
      const rendered = [...runs.values()].map((r) => renderRun(r, t, false)).filter((r) => {
        const target = r.target as Json
        const counts = r.itemCounts as Json
        return (status === undefined || r.status === status) &&
          (targetType === undefined || target.type === targetType) &&
          (targetId === undefined || target.assistantId === targetId || target.squadId === targetId) &&
          (filterStatus === undefined ||
            (filterStatus === "running" ? r.status !== "ended" : filterStatus === "failed" ? r.status === "ended" && Number(counts.failed) > 0 : r.status === "ended" && Number(counts.failed) === 0))
      })
      const page = yield* paginate(rendered, p)
      const unknown = page.length > 0 && unknownEnum(request)
      return json(unknown ? page.map((r, i) => (i === 0 ? { ...r, status: "paused" } : r)) : page)
    })),
    HttpRouter.get("/eval/simulation/run/:id", Effect.gen(function*() {
      const id = yield* idParam("id", "Simulation run")
      const run = yield* findRun(id)
      const request = yield* HttpServerRequest.HttpServerRequest
      return json(renderRun(run, yield* now, unknownEnum(request)))
    })),
    HttpRouter.patch("/eval/simulation/run/:id", Effect.gen(function*() {
      const id = yield* idParam("id", "Simulation run")
      const run = yield* findRun(id)
      const t = yield* now
      // Canceling an ended run changes nothing and answers the run (UNKNOWN upstream).
      if (renderRun(run, t, false).status !== "ended" && run.canceledAt === undefined) run.canceledAt = t
      return json(renderRun(run, t, false))
    })),
    HttpRouter.get("/eval/simulation/run/:id/item", Effect.gen(function*() {
      const id = yield* idParam("id", "Simulation run")
      const run = yield* findRun(id)
      const p = yield* query
      const request = yield* HttpServerRequest.HttpServerRequest
      const t = yield* now
      const simulationId = queryValue(p, "simulationId")
      const status = queryValue(p, "status")
      const unknown = unknownEnum(request)
      // Without filters only the requested page is rendered (reading a 1,000-item run page by page
      // rendered every item for every page).
      const filtered = simulationId !== undefined || status !== undefined || Object.keys(p).some((k) => /^(createdAt|updatedAt)/.test(k))
      const page = filtered
        ? yield* paginate(
          run.items.map((i) => renderItem(run, i, t, false)).filter((i) =>
            (simulationId === undefined || i.simulationId === simulationId) && (status === undefined || i.status === status)
          ),
          p,
          false
        )
        : (yield* paginate(run.items.map((_, index) => ({ index })), p, false)).map((slot) => renderItem(run, run.items[slot.index as number]!, t, false))
      return json(unknown ? page.map((i, n) => (n === 0 ? { ...i, status: "paused_for_review" } : i)) : page)
    })),
    HttpRouter.get("/eval/simulation/run/:id/item/:itemId", Effect.gen(function*() {
      const id = yield* idParam("id", "Simulation run")
      const run = yield* findRun(id)
      const params = yield* HttpRouter.params
      const item = yield* findItem(run, params.itemId ?? "")
      const request = yield* HttpServerRequest.HttpServerRequest
      return json(renderItem(run, item, yield* now, unknownEnum(request)))
    })),
    HttpRouter.patch("/eval/simulation/run/:id/item/:itemId", Effect.gen(function*() {
      const id = yield* idParam("id", "Simulation run")
      const run = yield* findRun(id)
      const params = yield* HttpRouter.params
      const item = yield* findItem(run, params.itemId ?? "")
      const t = yield* now
      if (!isTerminal(renderItem(run, item, t, false)) && item.canceledAt === undefined) item.canceledAt = t
      return json(renderItem(run, item, t, false))
    })),
    HttpRouter.post("/eval/simulation/run/:id/item/:itemId/generate", Effect.gen(function*() {
      const id = yield* idParam("id", "Simulation run")
      const run = yield* findRun(id)
      const params = yield* HttpRouter.params
      const item = yield* findItem(run, params.itemId ?? "")
      const p = yield* query
      if (queryValue(p, "force") === undefined) return yield* fail(400, ["force should not be empty"])
      if (!isTerminal(renderItem(run, item, yield* now, false))) return yield* fail(400, `Simulation run item ${item.id} has not finished`)
      item.suggestionsRequested = true
      return HttpServerResponse.empty({ status: 201 })
    }))
  )

  return router
}

const unauthorized = renderError(401, "Invalid Key. Hot tip, you may be using the private key instead of the public key, or vice versa.")

/** Starts the emulator on 127.0.0.1 for the lifetime of the scope. */
export const start = (options: Options = {}): Effect.Effect<Handle, HttpServerError.ServeError, Scope.Scope> =>
  Effect.gen(function*() {
    const fibers = yield* FiberSet.make()
    const billing = { reason: options.billingFailure }
    const handle = yield* Emulator.serve(
      "vapi",
      ({ faults, seed, speed }) => {
        const router = makeApp({ faults, seed, speed, options, billing, fibers })
        return Effect.gen(function*() {
          const request = yield* HttpServerRequest.HttpServerRequest
          const auth = request.headers["authorization"] ?? ""
          const token = /^Bearer\s+(.+)$/i.exec(auth)?.[1]
          if (token === undefined || (options.apiKey !== undefined && token !== options.apiKey)) return unauthorized
          return yield* router
        }).pipe(
          Effect.catchIf((e): e is HttpFailure => e instanceof HttpFailure, (e) => Effect.succeed(renderError(e.status, e.message))),
          Effect.catchTag("RouteNotFound", (e) => Effect.succeed(renderError(404, `Cannot ${e.request.method} ${new URL(e.request.url, "http://x").pathname}`)))
        )
      },
      { ...options, renderError }
    )
    return {
      ...handle,
      setBillingFailure: (reason) => {
        billing.reason = reason
      }
    }
  })

export const plugin: Emulator.EmulatorPlugin = { vendor: "vapi", start }
