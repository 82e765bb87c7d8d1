/**
 * Conformance suite for `KeyRevocations` adapters: a subscription is live when
 * `subscribe` returns, hears every revocation published after that (its own
 * process's included, and with `acrossBuilds` another build's, as another
 * process would publish it), by every subscriber, and nothing once its scope
 * has closed.
 *
 * On the live clock: a publish travels through a real server; arrivals are
 * awaited with a generous poll, never timed.
 */
import { describe, expect, it } from "@effect/vitest"
import { KeyRevocations } from "@herald/core"
import { Context, Effect, Exit, Layer, Schedule, Scope } from "effect"

/** A listener that records what it was told. */
const recording = () => {
  const heard: Array<string> = []
  const states: Array<"live" | "lost"> = []
  const listener: KeyRevocations.RevocationListener = {
    revoked: (hash) => void heard.push(hash),
    live: () => void states.push("live"),
    lost: () => void states.push("lost")
  }
  return { heard, states, listener }
}

/** Waits, up to about five seconds, for `check` to stop throwing. */
const eventually = (check: () => void) =>
  Effect.retry(Effect.try(check), Schedule.intersect(Schedule.spaced("20 millis"), Schedule.recurs(250))).pipe(Effect.orDie)

/**
 * Registers the `KeyRevocations` conformance tests under `name`. Each build of `layer` is one
 * process's adapter; with `acrossBuilds`, two builds share the channel (as two processes on one
 * Redis), else each is on its own (memory).
 */
export const suite = (
  name: string,
  layer: Layer.Layer<KeyRevocations.KeyRevocations, unknown>,
  options: { readonly acrossBuilds: boolean }
) =>
  describe(name, () => {
    const build = Effect.flatMap(Effect.orDie(Layer.build(layer)), (context) =>
      Effect.succeed(Context.get(context, KeyRevocations.KeyRevocations)))
    const test = (title: string, body: Effect.Effect<void, never, Scope.Scope>) =>
      it.live(title, () => Effect.scoped(body), 20_000)

    test(
      "a subscription is live when subscribe returns, and hears its own process's revocations",
      Effect.gen(function*() {
        const revocations = yield* build
        const first = recording()
        const second = recording()
        yield* revocations.subscribe(first.listener)
        yield* revocations.subscribe(second.listener)
        expect(first.states).toEqual(["live"])
        yield* revocations.publish("a".repeat(64))
        yield* revocations.publish("b".repeat(64))
        yield* eventually(() => {
          expect(first.heard).toEqual(["a".repeat(64), "b".repeat(64)])
          expect(second.heard).toEqual(["a".repeat(64), "b".repeat(64)])
        })
        expect(first.states).toEqual(["live"])
      })
    )

    test(
      "a subscription whose scope closed hears nothing more",
      Effect.gen(function*() {
        const revocations = yield* build
        const gone = recording()
        const staying = recording()
        const scope = yield* Scope.make()
        yield* Scope.extend(revocations.subscribe(gone.listener), scope)
        yield* revocations.subscribe(staying.listener)
        yield* Scope.close(scope, Exit.void)
        yield* revocations.publish("c".repeat(64))
        yield* eventually(() => expect(staying.heard).toEqual(["c".repeat(64)]))
        expect(gone.heard).toEqual([])
      })
    )

    if (options.acrossBuilds) {
      test(
        "another process's revocation is heard",
        Effect.gen(function*() {
          const here = yield* build
          const there = yield* build
          const listener = recording()
          yield* here.subscribe(listener.listener)
          yield* there.publish("d".repeat(64))
          yield* eventually(() => expect(listener.heard).toEqual(["d".repeat(64)]))
        })
      )
    }
  })
