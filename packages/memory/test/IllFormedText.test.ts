// The core services refuse text that is not well-formed Unicode on their own,
// for callers that embed them without the API's door (see core WellFormedText):
// nothing is stored, and the error names the field.
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { EventType, EventTypes, FanOut, Publisher, RetrySchedule, Sequencer, UrlPolicy, Webhooks } from "@herald/core"
import { MemoryLayer } from "@herald/memory"
import { Fixtures } from "@herald/testkit"

const layer = Layer.mergeAll(
  Webhooks.Webhooks.Default,
  Publisher.Publisher.Default.pipe(Layer.provideMerge(FanOut.FanOut.Default))
).pipe(
  Layer.provideMerge(Layer.merge(Sequencer.Sequencer.Default, EventTypes.EventTypes.Default)),
  Layer.provideMerge(Layer.mergeAll(
    MemoryLayer.layer,
    EventType.layerDefault.pipe(Layer.provideMerge(Fixtures.profilesLayer)),
    UrlPolicy.layer({ allowPrivate: true }),
    RetrySchedule.layer([0])
  ))
)

describe("core services refuse ill-formed text", () => {
  it.effect("webhook metadata values and keys, at create and update", () =>
    Effect.gen(function*() {
      const webhooks = yield* Webhooks.Webhooks
      const teamspace = Fixtures.teamspace()
      const input = { url: "https://receiver.test/hook", events: [Fixtures.typeA] }
      const created = yield* Effect.flip(webhooks.create(teamspace, { ...input, metadata: { k: "a\ud800" } }))
      expect(created._tag).toBe("InvalidInput")
      expect(created.issues.map((issue) => issue.path)).toEqual([["metadata", "k"]])
      const key = yield* Effect.flip(webhooks.create(teamspace, { ...input, metadata: { "\udfff": "v" } }))
      expect(key.issues.map((issue) => issue.path)).toEqual([["metadata"]])
      expect(yield* webhooks.count(teamspace)).toBe(0)

      const { webhook } = yield* webhooks.create(teamspace, { ...input, metadata: { k: "\ud83d\udca5" } })
      const updated = yield* Effect.flip(webhooks.update(teamspace, webhook.id, { metadata: { k: "\udc00\ud800" } }))
      expect(updated).toMatchObject({ _tag: "InvalidInput", issues: [{ path: ["metadata", "k"] }] })
      expect((yield* webhooks.get(teamspace, webhook.id)).metadata).toEqual({ k: "\ud83d\udca5" })
    }).pipe(Effect.provide(layer)))

  it.effect("a URL", () =>
    Effect.gen(function*() {
      const webhooks = yield* Webhooks.Webhooks
      const error = yield* Effect.flip(
        webhooks.create(Fixtures.teamspace(), { url: "https://receiver.test/\ud800", events: [Fixtures.typeA] })
      )
      expect(error._tag).toBe("InvalidInput")
      expect(error.issues.map((issue) => issue.path)).toEqual([["url"]])
    }).pipe(Effect.provide(layer)))

  it.effect("event data, anywhere in it", () =>
    Effect.gen(function*() {
      const publisher = yield* Publisher.Publisher
      const teamspace = Fixtures.teamspace()
      const error = yield* Effect.flip(publisher.publish(teamspace, {
        type: Fixtures.typeA,
        id: "evt-1",
        data: { fine: "\ud83d\udca5 \\ud800", a: [1, { b: "x\udc00" }] }
      }))
      expect(error._tag).toBe("InvalidInput")
      if (error._tag !== "InvalidInput") return
      expect(error.issues.map((issue) => issue.path)).toEqual([["data", "a", 1, "b"]])
      expect(error.message).toBe(
        "data.a[1].b must be well-formed Unicode text: a \\uD800 to \\uDFFF escape is accepted only as half of a surrogate pair"
      )
      // Nothing was stored under that id: publishing it well-formed is a first publish, not a conflict.
      const published = yield* publisher.publish(teamspace, { type: Fixtures.typeA, id: "evt-1", data: { fine: "\ud83d\udca5 \\ud800" } })
      expect(published.duplicate).toBe(false)
    }).pipe(Effect.provide(layer)))
})
