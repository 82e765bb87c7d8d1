/**
 * SSRF: the transport checks the address it actually connects to, resolving a
 * host name once per connection (an injected resolver plays the attacker's DNS).
 */
import { describe, expect, it } from "@effect/vitest"
import { Transport, UrlPolicy } from "@herald/core"
import { TestReceiver } from "@herald/testkit"
import { UndiciTransport } from "@herald/undici"
import { Effect, Layer } from "effect"

const send = (url: string) =>
  Effect.flatMap(Transport.Transport, (transport) =>
    transport.send({ url, headers: { "Content-Type": "application/json" }, body: "{}", timeoutMs: 5_000 }))

const transport = (policy: UrlPolicy.UrlPolicyShape, options: UndiciTransport.Options = {}) =>
  UndiciTransport.layer(options).pipe(Layer.provide(Layer.succeed(UrlPolicy.UrlPolicy, policy)))

const strict = UrlPolicy.make({ allowPrivate: false })
const permissive = UrlPolicy.make({ allowPrivate: true })
/** Treats 127.0.0.1 as if it were a public address, so a local receiver can stand in for one. */
const onlyLoopbackOne: UrlPolicy.UrlPolicyShape = { ...strict, allowsAddress: (address) => address === "127.0.0.1" }

/** A scripted resolver that records the names it was asked for. */
const resolver = (answer: (hostname: string, call: number) => ReadonlyArray<string>) => {
  const calls: Array<string> = []
  const lookup: UndiciTransport.Resolver = (hostname) => {
    calls.push(hostname)
    return Promise.resolve(answer(hostname, calls.length).map((address) => ({ address, family: address.includes(":") ? 6 : 4 })))
  }
  return { lookup, calls }
}

const withHost = (url: string, host: string) => {
  const parsed = new URL(url)
  parsed.hostname = host
  return parsed.toString()
}

describe("UndiciTransport pinning", () => {
  it.scopedLive("refuses a loopback IP literal under the strict policy without connecting", () =>
    Effect.gen(function*() {
      const receiver = yield* TestReceiver.make()
      const error = yield* Effect.flip(send(receiver.url)).pipe(Effect.provide(transport(strict)))
      expect(error.kind).toBe("blocked")
      expect(yield* receiver.requests).toHaveLength(0)
      expect(yield* receiver.connections).toBe(0)
    }))

  it.scopedLive("refuses IPv4-mapped IPv6 literals of loopback", () =>
    Effect.gen(function*() {
      const receiver = yield* TestReceiver.make()
      const error = yield* Effect.flip(send(`http://[::ffff:127.0.0.1]:${receiver.port}/`)).pipe(
        Effect.provide(transport(strict))
      )
      expect(error.kind).toBe("blocked")
      expect(yield* receiver.connections).toBe(0)
    }))

  it.scopedLive("IP literals never reach the resolver, so they are checked before sending", () =>
    Effect.gen(function*() {
      const receiver = yield* TestReceiver.make()
      const { calls, lookup } = resolver(() => ["127.0.0.1"])
      const response = yield* send(receiver.url).pipe(Effect.provide(transport(permissive, { lookup })))
      expect(response.status).toBe(200)
      expect(calls).toEqual([])
      const refused = yield* Effect.flip(send(receiver.url)).pipe(Effect.provide(transport(strict, { lookup })))
      expect(refused.kind).toBe("blocked")
      expect(calls).toEqual([])
    }))

  it.scopedLive("refuses a name resolving to loopback (DNS rebinding) without connecting", () =>
    Effect.gen(function*() {
      const receiver = yield* TestReceiver.make()
      const { calls, lookup } = resolver(() => ["127.0.0.1"])
      const error = yield* Effect.flip(send(withHost(receiver.url, "rebind.test"))).pipe(
        Effect.provide(transport(strict, { lookup }))
      )
      expect(error.kind).toBe("blocked")
      expect(error.message).toContain("127.0.0.1")
      expect(calls).toEqual(["rebind.test"])
      expect(yield* receiver.connections).toBe(0)
    }))

  it.scopedLive("the system resolver is checked too (localhost)", () =>
    Effect.gen(function*() {
      const receiver = yield* TestReceiver.make()
      const error = yield* Effect.flip(send(withHost(receiver.url, "localhost"))).pipe(Effect.provide(transport(strict)))
      expect(error.kind).toBe("blocked")
      expect(yield* receiver.connections).toBe(0)
    }))

  it.scopedLive("connects to the resolved address: a name no real DNS knows reaches the receiver", () =>
    Effect.gen(function*() {
      const receiver = yield* TestReceiver.make()
      const { calls, lookup } = resolver(() => ["127.0.0.1"])
      const url = withHost(`${receiver.url}/hook`, "public.test")
      const response = yield* send(url).pipe(Effect.provide(transport(permissive, { lookup })))
      expect(response.status).toBe(200)
      const [received] = yield* receiver.requests
      expect(received?.headers["host"]).toBe(`public.test:${receiver.port}`)
      expect(received?.path).toBe("/hook")
      expect(calls).toEqual(["public.test"])
    }))

  it.scopedLive("resolves once per connection and connects to exactly the address it checked", () =>
    Effect.gen(function*() {
      // First answer "public" (allowed), then an internal address: the attacker's rebinding.
      // A check-then-connect transport would check the first answer and connect to the second,
      // where nothing listens; a pinned one connects to the first.
      const receiver = yield* TestReceiver.make({
        respond: TestReceiver.always(TestReceiver.reply(200, { headers: { connection: "close" }, body: "ok" }))
      })
      const { calls, lookup } = resolver((_, call) => (call === 1 ? ["127.0.0.1"] : ["127.0.0.2"]))
      const url = withHost(receiver.url, "rebind.test")
      yield* Effect.gen(function*() {
        const response = yield* send(url)
        expect(response.status).toBe(200)
        expect(calls).toHaveLength(1)
        expect(yield* receiver.requests).toHaveLength(1)
        // The receiver closed that connection: the next one resolves again, and is checked again.
        const error = yield* Effect.flip(send(url))
        expect(error.kind).toBe("blocked")
        expect(error.message).toContain("127.0.0.2")
        expect(calls).toHaveLength(2)
      }).pipe(Effect.provide(transport(onlyLoopbackOne, { lookup })))
      expect(yield* receiver.requests).toHaveLength(1)
    }))

  // The connect-time check is UrlPolicy's rule, so every IPv6 form of a private address is refused here too.
  const embedded = [
    "::ffff:0:7f00:1", // IPv4-translated loopback
    "64:ff9b::7f00:1", // well-known NAT64 of loopback
    "64:ff9b:1::7f00:1", // local-use NAT64
    "2002:7f00:1::1", // 6to4 of loopback
    "2001:0:4136:e378:8000:63bf:3fff:fdd2", // Teredo
    "::127.0.0.1", // IPv4-compatible loopback
    "fd00::1" // unique local
  ]

  it.scopedLive.each(embedded)("refuses a name resolving to %s without connecting", (address) =>
    Effect.gen(function*() {
      const receiver = yield* TestReceiver.make()
      const { calls, lookup } = resolver(() => [address])
      const error = yield* Effect.flip(send(withHost(receiver.url, "embedded.test"))).pipe(
        Effect.provide(transport(strict, { lookup }))
      )
      expect(error.kind).toBe("blocked")
      expect(error.message).toContain(address)
      expect(calls).toEqual(["embedded.test"])
      expect(yield* receiver.connections).toBe(0)
    }))

  it.scopedLive.each(embedded)("refuses the IP literal [%s] without resolving", (address) =>
    Effect.gen(function*() {
      const { calls, lookup } = resolver(() => ["127.0.0.1"])
      const error = yield* Effect.flip(send(`http://[${address}]:8080/`)).pipe(
        Effect.provide(transport(strict, { lookup }))
      )
      expect(error.kind).toBe("blocked")
      expect(calls).toEqual([])
    }))

  it.scopedLive("refuses a name whose answer mixes allowed and forbidden addresses", () =>
    Effect.gen(function*() {
      const receiver = yield* TestReceiver.make()
      const { lookup } = resolver(() => ["127.0.0.1", "10.0.0.1"])
      const error = yield* Effect.flip(send(withHost(receiver.url, "mixed.test"))).pipe(
        Effect.provide(transport(onlyLoopbackOne, { lookup }))
      )
      expect(error.kind).toBe("blocked")
      expect(yield* receiver.connections).toBe(0)
    }))

  it.live("a resolver failure is a dns failure", () =>
    Effect.gen(function*() {
      const lookup: UndiciTransport.Resolver = (hostname) =>
        Promise.reject(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" }))
      const error = yield* Effect.flip(send("http://nowhere.test/")).pipe(Effect.provide(transport(permissive, { lookup })))
      expect(error.kind).toBe("dns")
      expect(error.message).toContain("nowhere.test")
    }))

  it.live("an empty answer is a dns failure", () =>
    Effect.gen(function*() {
      const { lookup } = resolver(() => [])
      const error = yield* Effect.flip(send("http://empty.test/")).pipe(Effect.provide(transport(permissive, { lookup })))
      expect(error.kind).toBe("dns")
    }))
})
