/**
 * Whether spans go anywhere. Every fiber has Effect's native tracer unless
 * another is installed (`Layer.setTracer`, `Effect.withTracer`, an OpenTelemetry
 * layer), and the native one keeps its spans nowhere; a span still costs its
 * Effect operations and its attributes. Herald opens its per-request and
 * per-delivery spans only when another tracer is installed.
 */
import { Effect, type Tracer } from "effect"

/** The tracer a fiber has when none is installed. */
const native = Effect.runSync(Effect.tracer)

/** Whether `tracer` is one that was installed, not Effect's native one. */
export const isInstalled = (tracer: Tracer.Tracer): boolean => tracer !== native
