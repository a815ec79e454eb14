/**
 * Spans only where somebody sees them. Effect's own tracer is in use when the application
 * installed none (no OpenTelemetry, no test recorder): its spans reach no exporter, yet making one
 * (a span object, two `hrtime.bigint` reads, its attributes, the finalizer that ends it) costs CPU
 * on every vendor request, which makes two (the provider's operation and the request).
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as Tracer from "effect/Tracer"

/** Effect's own tracer, in use when the application installed none: its spans reach nobody. */
export const builtInTracer: Tracer.Tracer = Effect.runSync(Effect.tracer)

/**
 * `Effect.withSpan(name, { attributes })` when the application installed a tracer; otherwise the
 * effect alone. The attributes are computed only when the span is made.
 */
export const withSpan = (name: string, attributes: () => Record<string, unknown>) =>
<A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.tracerWith((tracer) =>
    tracer === builtInTracer ? effect : Effect.withSpan(effect, name, { attributes: attributes(), captureStackTrace: false })
  )
