/** A tracer for tests: Effect's native one, recording the name of every span it opens. */
import { Effect, Tracer } from "effect"

/**
 * A tracer and the names of the spans it opened: install `tracer` (`Effect.withTracer`), then read
 * `names`.
 */
export interface RecordingTracer {
  readonly tracer: Tracer.Tracer
  /** The names of the spans opened so far, in order. */
  readonly names: ReadonlyArray<string>
}

/** A recording tracer over Effect's native one, for tests that check which spans a piece of code opens. */
export const make = (): RecordingTracer => {
  const native = Effect.runSync(Effect.tracer)
  const names: Array<string> = []
  const tracer = Tracer.make({
    span: (name, ...rest) => {
      names.push(name)
      return native.span(name, ...rest)
    },
    context: native.context
  })
  return { tracer, names }
}
