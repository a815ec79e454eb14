/**
 * A tracer and a logger that keep everything in memory, so tests can count retries (the retry
 * loop annotates the current span with `simbridge.retry` = attempt before each retry), look for
 * defects in span exits, and search every span attribute, event and log line for secrets.
 */
import * as Cause from "effect/Cause"
import type * as Context from "effect/Context"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Option from "effect/Option"
import * as Tracer from "effect/Tracer"

export interface RecordedSpan {
  readonly name: string
  readonly attributes: Map<string, unknown>
  readonly events: Array<{ readonly name: string; readonly attributes?: Record<string, unknown> | undefined }>
  exit?: Exit.Exit<unknown, unknown> | undefined
}

export class Recorder {
  readonly spans: Array<RecordedSpan> = []
  readonly logs: Array<string> = []
  private nextId = 0

  readonly tracer: Tracer.Tracer = Tracer.make({
    span: (name, parent, context, links, startTime, kind) => {
      const recorded: RecordedSpan = { name, attributes: new Map(), events: [] }
      this.spans.push(recorded)
      const id = (++this.nextId).toString(16).padStart(16, "0")
      const traceId = Option.isSome(parent) ? parent.value.traceId : id.padStart(32, "0")
      const mutableLinks = [...links]
      const span: Tracer.Span = {
        _tag: "Span",
        name,
        spanId: id,
        traceId,
        parent,
        context: context as Context.Context<never>,
        get status(): Tracer.SpanStatus {
          return recorded.exit === undefined
            ? { _tag: "Started", startTime }
            : { _tag: "Ended", startTime, endTime: startTime, exit: recorded.exit as Exit.Exit<unknown, unknown> }
        },
        attributes: recorded.attributes,
        links: mutableLinks,
        sampled: true,
        kind,
        end: (_endTime, exit) => {
          recorded.exit = exit
        },
        attribute: (key, value) => {
          recorded.attributes.set(key, value)
        },
        event: (eventName, _startTime, attributes) => {
          recorded.events.push({ name: eventName, attributes })
        },
        addLinks: (more) => {
          mutableLinks.push(...more)
        }
      }
      return span
    },
    context: (f) => f()
  })

  readonly logger = Logger.make<unknown, void>(({ message, logLevel, cause, annotations }) => {
    const parts = Array.isArray(message) ? message : [message]
    this.logs.push(`${logLevel.label} ${parts.map((m) => (typeof m === "string" ? m : safeJson(m))).join(" ")}${Cause.isEmpty(cause) ? "" : ` ${Cause.pretty(cause)}`} ${safeJson(Object.fromEntries(annotations))}`)
  })

  /** Tracer and logger (in addition to the default logger being replaced). */
  get layer(): Layer.Layer<never> {
    return Layer.mergeAll(Layer.setTracer(this.tracer), Logger.replace(Logger.defaultLogger, this.logger))
  }

  /** Retries the retry loop performed: per span, the last `simbridge.retry` attempt it recorded. */
  get retries(): number {
    let n = 0
    for (const s of this.spans) {
      const v = s.attributes.get("simbridge.retry")
      if (typeof v === "number") n += v
    }
    return n
  }

  /** Spans that ended with a defect (a `Die` in their cause). */
  get defects(): ReadonlyArray<RecordedSpan> {
    return this.spans.filter((s) => s.exit !== undefined && Exit.isFailure(s.exit) && Cause.isDie(s.exit.cause))
  }

  /** Everything recorded, as text: span names, attributes, events, exits, log lines. */
  text(options: { readonly omitAttributes?: ReadonlyArray<string> } = {}): string {
    const out: Array<string> = [...this.logs]
    const omit = new Set(options.omitAttributes ?? [])
    for (const s of this.spans) {
      out.push(s.name, safeJson(Object.fromEntries([...s.attributes].filter(([k]) => !omit.has(k)))), safeJson(s.events))
      if (s.exit !== undefined && Exit.isFailure(s.exit)) {
        // What an exporter records for a failed span: the pretty cause and the error's message; for
        // simbridge's own ProviderError, every field (its HTTP details are meant to be redacted).
        const error = Cause.squash(s.exit.cause)
        out.push(Cause.pretty(s.exit.cause), String((error as { message?: unknown })?.message ?? error))
        if ((error as { _tag?: unknown })?._tag === "ProviderError") out.push(safeJson(error))
      }
    }
    return out.join("\n")
  }
}

export const safeJson = (u: unknown): string => {
  try {
    return JSON.stringify(u, (_k, v) => (typeof v === "bigint" ? v.toString() : v instanceof Error ? { name: v.name, message: v.message, stack: v.stack, cause: (v as { cause?: unknown }).cause } : v)) ?? String(u)
  } catch {
    return String(u)
  }
}
