/**
 * OpenTelemetry traces, exported over OTLP when the environment names a collector
 * (`Environment.tracing`: `OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`).
 * The tracer is `@effect/opentelemetry`'s over OpenTelemetry's Node SDK, with a batching span
 * processor and the OTLP/HTTP exporter, which read the rest of OpenTelemetry's standard variables
 * themselves: `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_TRACES_SAMPLER` and `OTEL_TRACES_SAMPLER_ARG`,
 * `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_BSP_*`. The protocol is OTLP/HTTP with JSON bodies (port 4318
 * of a collector); gRPC is not spoken.
 *
 * Without a collector no tracer is installed, and Herald opens no span (`Tracing.isInstalled`):
 * tracing costs nothing unless asked for. With one, a publish request's span (the platform's
 * HTTP server span) has `Publisher.publish` as its child, and each delivery's `Dispatcher.deliver`
 * span is a child of that, in whichever process runs it: the trace context travels in the job
 * (`DeliveryJob.trace`).
 */
import * as NodeSdk from "@effect/opentelemetry/NodeSdk"
import { Version } from "@herald/core"
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http"
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { diag, DiagLogLevel } from "@opentelemetry/api"
import { Effect, Layer, Runtime } from "effect"

/** What the process's traces are exported as, and where. */
export interface Settings {
  /** `service.name` of every span. */
  readonly serviceName: string
  /** The collector, as the environment names it (for the line saying where spans go). */
  readonly endpoint: string
}

/**
 * OpenTelemetry's own warnings and errors (an export the collector refused or never answered) as
 * Herald's log lines, so that a wrong endpoint is seen, not silent.
 */
const diagnostics = Effect.gen(function*() {
  const runtime = yield* Effect.runtime<never>()
  const warn = (message: string, ...args: ReadonlyArray<unknown>) =>
    Runtime.runFork(runtime)(Effect.logWarning(`OpenTelemetry: ${[message, ...args.map(String)].join(" ")}`))
  const ignore = () => {}
  diag.setLogger({ error: warn, warn, info: ignore, debug: ignore, verbose: ignore }, {
    logLevel: DiagLogLevel.WARN,
    suppressOverrideMessage: true
  })
  yield* Effect.addFinalizer(() => Effect.sync(() => diag.disable()))
})

/** Installs the OTLP tracer for the layers it is provided to; spans still buffered are flushed when it closes. */
export const layer = (settings: Settings): Layer.Layer<never> =>
  Layer.mergeAll(
    Layer.scopedDiscard(diagnostics),
    Layer.discard(NodeSdk.layer(() => ({
      spanProcessor: new BatchSpanProcessor(new OTLPTraceExporter()),
      resource: { serviceName: settings.serviceName, serviceVersion: Version.version }
    }))),
    Layer.effectDiscard(Effect.logInfo(`traces exported over OTLP to ${settings.endpoint} as ${settings.serviceName}`))
  )
