/**
 * Whether spans go anywhere. Every fiber has Effect's native tracer unless
 * another is installed (`Layer.setTracer`, `Effect.withTracer`, an OpenTelemetry
 * layer), and the native one keeps its spans nowhere; a span still costs its
 * Effect operations and its attributes. Herald opens its per-request and
 * per-delivery spans only when another tracer is installed.
 */
import { Effect, Option, Tracer } from "effect"

/** The tracer a fiber has when none is installed. */
const native = Effect.runSync(Effect.tracer)

/** Whether `tracer` is one that was installed, not Effect's native one. */
export const isInstalled = (tracer: Tracer.Tracer): boolean => tracer !== native

/**
 * The W3C `traceparent` of the current span, when a tracer is installed and the span is sampled:
 * what a job carries so that the work it stands for joins the trace that made it (`parentOf`).
 * An unsampled span's is not carried: it would cost the job's room for nothing exported.
 */
export const currentTraceparent: Effect.Effect<string | undefined> = Effect.tracerWith((tracer) =>
  isInstalled(tracer)
    ? Effect.map(Effect.option(Effect.currentSpan), (span) =>
      Option.match(span, {
        onNone: () => undefined,
        onSome: (span) => span.sampled ? `00-${span.traceId}-${span.spanId}-01` : undefined
      }))
    : Effect.succeed(undefined)
)

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/

/** The span a `traceparent` names, as the parent of work done elsewhere; none for a malformed one. */
export const parentOf = (traceparent: string | undefined): Option.Option<Tracer.ExternalSpan> => {
  const match = traceparent === undefined ? null : TRACEPARENT.exec(traceparent)
  if (match === null) return Option.none()
  return Option.some(Tracer.externalSpan({
    traceId: match[1]!,
    spanId: match[2]!,
    sampled: (Number.parseInt(match[3]!, 16) & 1) === 1
  }))
}
