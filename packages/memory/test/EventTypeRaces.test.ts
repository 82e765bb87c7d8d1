// EventTypes changes race: a change that lost to a concurrent one (read the
// same definition, wrote after it) is refused with EventTypeConflict, and the
// one that won stands. The concurrent write is made by a store that runs it
// just before the first write of the change under test.
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { EventType, EventTypes, EventTypeStore } from "@herald/core"
import { MemoryEventTypeStore } from "@herald/memory"
import { Fixtures } from "@herald/testkit"

/** A memory store that, when `between` is set, runs it once before the next write. */
const racingStore = Effect.gen(function*() {
  const inner = yield* MemoryEventTypeStore.make
  const race = { between: undefined as Effect.Effect<void> | undefined }
  const first = Effect.suspend(() => {
    const between = race.between
    race.between = undefined
    return between ?? Effect.void
  })
  const store: EventTypeStore.EventTypeStoreShape = {
    list: inner.list,
    insert: (definition) => Effect.zipRight(first, inner.insert(definition)),
    update: (definition, previous) => Effect.zipRight(first, inner.update(definition, previous))
  }
  return { inner, race, store }
})

const run = <A, E>(
  body: (
    eventTypes: EventTypes.EventTypes,
    race: { between: Effect.Effect<void> | undefined },
    inner: EventTypeStore.EventTypeStoreShape
  ) => Effect.Effect<A, E>
) =>
  Effect.gen(function*() {
    const { inner, race, store } = yield* racingStore
    const layer = EventTypes.EventTypes.Default.pipe(
      Layer.provide(Layer.succeed(EventTypeStore.EventTypeStore, store)),
      Layer.provide(EventType.layerDefault.pipe(Layer.provideMerge(Fixtures.profilesLayer)))
    )
    return yield* Effect.provide(Effect.flatMap(EventTypes.EventTypes, (eventTypes) => body(eventTypes, race, inner)), layer)
  })

describe("EventTypes refuses a change that lost to a concurrent one", () => {
  it.effect("a PATCH that read the type before a concurrent archive does not undo it", () =>
    run((eventTypes, race) =>
      Effect.gen(function*() {
        const teamspace = Fixtures.teamspace()
        yield* eventTypes.create(teamspace, { name: "order.placed", description: "first" })
        // The archive lands between the PATCH's read (archived: false) and its write.
        race.between = Effect.asVoid(Effect.orDie(eventTypes.archive(teamspace, "order.placed")))
        const error = yield* Effect.flip(eventTypes.update(teamspace, "order.placed", undefined, { description: "second" }))
        expect(error._tag).toBe("EventTypeConflict")
        const entry = yield* eventTypes.get(teamspace, "order.placed")
        expect(entry).toMatchObject({ archived: true, description: "first" })
      })))

  it.effect("of two concurrent PATCHes, the later write is refused and the earlier stands", () =>
    run((eventTypes, race) =>
      Effect.gen(function*() {
        const teamspace = Fixtures.teamspace()
        yield* eventTypes.create(teamspace, { name: "order.placed", description: "first" })
        race.between = Effect.asVoid(
          Effect.orDie(eventTypes.update(teamspace, "order.placed", undefined, { description: "won" }))
        )
        const error = yield* Effect.flip(eventTypes.update(teamspace, "order.placed", undefined, { description: "lost" }))
        expect(error._tag).toBe("EventTypeConflict")
        expect((yield* eventTypes.get(teamspace, "order.placed")).description).toBe("won")
        // Read again, the next PATCH goes through.
        yield* eventTypes.update(teamspace, "order.placed", undefined, { description: "later" })
        expect((yield* eventTypes.get(teamspace, "order.placed")).description).toBe("later")
      })))

  it.effect("registering an archived type again loses to a concurrent change of it", () =>
    run((eventTypes, race) =>
      Effect.gen(function*() {
        const teamspace = Fixtures.teamspace()
        yield* eventTypes.create(teamspace, { name: "order.placed", description: "first" })
        yield* eventTypes.archive(teamspace, "order.placed")
        race.between = Effect.asVoid(
          Effect.orDie(eventTypes.update(teamspace, "order.placed", undefined, { description: "changed, still archived" }))
        )
        const error = yield* Effect.flip(eventTypes.create(teamspace, { name: "order.placed", description: "restored" }))
        expect(error._tag).toBe("EventTypeConflict")
        expect(yield* eventTypes.get(teamspace, "order.placed")).toMatchObject({
          archived: true,
          description: "changed, still archived"
        })
        // Without a race, registering it again restores it.
        yield* eventTypes.create(teamspace, { name: "order.placed", description: "restored" })
        expect(yield* eventTypes.get(teamspace, "order.placed")).toMatchObject({ archived: false, description: "restored" })
      })))
})
