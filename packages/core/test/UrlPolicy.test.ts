import { Effect, Either } from "effect"
import { describe, expect, it } from "vitest"
import { UrlPolicy } from "@herald/core"

const strict = UrlPolicy.make({ allowPrivate: false })
const relaxed = UrlPolicy.make({ allowPrivate: true })
const accepts = (policy: UrlPolicy.UrlPolicyShape, url: string) => Either.isRight(Effect.runSync(Effect.either(policy.check(url))))

describe("UrlPolicy", () => {
  it.each([
    "https://example.com/webhooks/datagrid",
    "https://hooks.example.co.uk:8443/a?b=c",
    "https://8.8.8.8/hook",
    "https://[2606:4700:4700::1111]/hook"
  ])("accepts the public https URL %s", (url) => {
    expect(accepts(strict, url)).toBe(true)
  })

  it.each([
    ["http://example.com/hook", "plain http"],
    ["ftp://example.com/hook", "another scheme"],
    ["https://user:pass@example.com/hook", "credentials"],
    ["not a url", "garbage"],
    ["https://localhost/hook", "localhost"],
    ["https://intranet/hook", "a single-label name"],
    ["https://127.0.0.1/hook", "loopback"],
    ["https://2130706433/hook", "decimal loopback"],
    ["https://0x7f.1/hook", "hex loopback"],
    ["https://0177.0.0.1/hook", "octal loopback"],
    ["https://10.1.2.3/hook", "private 10/8"],
    ["https://172.16.0.1/hook", "private 172.16/12"],
    ["https://192.168.1.1/hook", "private 192.168/16"],
    ["https://169.254.169.254/latest/meta-data", "cloud metadata"],
    ["https://100.64.0.1/hook", "CGNAT"],
    ["https://0.0.0.0/hook", "unspecified"],
    ["https://224.0.0.1/hook", "multicast"],
    ["https://[::1]/hook", "IPv6 loopback"],
    ["https://[::ffff:127.0.0.1]/hook", "IPv4-mapped loopback"],
    ["https://[::ffff:a9fe:a9fe]/hook", "IPv4-mapped metadata"],
    ["https://[fd00::1]/hook", "unique local"],
    ["https://[fe80::1]/hook", "link-local"],
    ["https://example.com/" + "a".repeat(2048), "too long"]
  ])("refuses %s (%s)", (url) => {
    expect(accepts(strict, url)).toBe(false)
  })

  it("allows http and private targets only when configured", () => {
    expect(accepts(relaxed, "http://127.0.0.1:3000/hook")).toBe(true)
    expect(accepts(relaxed, "ftp://127.0.0.1/hook")).toBe(false)
    expect(relaxed.allowsAddress("127.0.0.1")).toBe(true)
    expect(strict.allowsAddress("127.0.0.1")).toBe(false)
    expect(strict.allowsAddress("93.184.216.34")).toBe(true)
  })

  it("refuses a lone surrogate when a URL is accepted, not at each delivery's check", async () => {
    // The URL parser would turn it into %EF%BF%BD, a target the user never wrote; what is stored is
    // url.href, which never holds one, so the per-delivery check does not scan for it again.
    const raw = "https://example.com/\ud800"
    const refused = await Effect.runPromise(Effect.flip(strict.accept(raw, ["url"])))
    expect(refused.issues[0]?.path).toEqual(["url"])
    expect(refused.message).toContain("must be well-formed Unicode text")
    const checked = Effect.runSync(strict.check(raw))
    expect(checked.href).toBe("https://example.com/%EF%BF%BD")
  })

  it("names the field and the reason", () => {
    const error = Effect.runSync(Effect.flip(strict.check("http://example.com", ["url"])))
    expect(error.issues[0]?.path).toEqual(["url"])
    expect(error.message).toBe("url must use https (http and private hosts only where Herald runs with HERALD_ALLOW_PRIVATE_URLS=true, or the allowPrivateUrls setting)")
  })
})

describe("UrlPolicy: IPv6 forms of private addresses", () => {
  it.each([
    // IPv4-mapped ::ffff:0:0/96, in every spelling
    ["::ffff:10.0.0.1", "IPv4-mapped private"],
    ["::ffff:a00:1", "IPv4-mapped private, hex"],
    ["0:0:0:0:0:ffff:7f00:1", "IPv4-mapped loopback, uncompressed"],
    ["0000:0000:0000:0000:0000:FFFF:A9FE:A9FE", "IPv4-mapped metadata, zero-padded upper case"],
    // IPv4-translated ::ffff:0:0:0/96, refused outright
    ["::ffff:0:7f00:1", "IPv4-translated loopback"],
    ["::ffff:0:10.1.2.3", "IPv4-translated private, dotted"],
    ["::ffff:0:808:808", "IPv4-translated public"],
    // well-known NAT64 64:ff9b::/96 with a private IPv4
    ["64:ff9b::7f00:1", "NAT64 loopback"],
    ["64:ff9b::192.168.1.1", "NAT64 private, dotted"],
    ["64:ff9b:0:0:0:0:a9fe:a9fe", "NAT64 metadata, uncompressed"],
    ["64:ff9b::6440:1", "NAT64 carrier-grade NAT"],
    // local-use NAT64 64:ff9b:1::/48, 6to4 2002::/16, Teredo 2001::/32: refused outright
    ["64:ff9b:1::a00:1", "local-use NAT64"],
    ["64:ff9b:1:ffff::808:808", "local-use NAT64 of a public address"],
    ["2002:7f00:1::", "6to4 of loopback"],
    ["2002:a00:1::1", "6to4 of 10.0.0.1"],
    ["2002:808:808::1", "6to4 of a public address"],
    ["2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo"],
    ["2001::1", "Teredo, short"],
    ["2001:2::1", "benchmarking"],
    // IPv4-compatible ::/96 (deprecated), unspecified, loopback
    ["::7f00:1", "IPv4-compatible loopback"],
    ["::10.0.0.1", "IPv4-compatible private"],
    ["::8.8.8.8", "IPv4-compatible public"],
    ["::", "unspecified"],
    ["::1", "loopback"],
    ["0:0:0:0:0:0:0:1", "loopback, uncompressed"],
    // other special ranges
    ["fc00::1", "unique local"],
    ["fdff:ffff::1", "unique local, upper end"],
    ["fe80::1", "link-local"],
    ["febf::1", "link-local, upper end"],
    ["fe80::1%eth0", "link-local with a zone"],
    ["fec0::1", "site-local"],
    ["ff02::1", "multicast"],
    ["100::1", "discard"],
    ["2001:db8::1", "documentation"],
    ["3fff::1", "documentation (RFC 9637)"],
    ["5f00::1", "SRv6"],
    // outside global unicast 2000::/3: not routed publicly, but a private network may route them
    ["1::", "outside 2000::/3, low"],
    ["4000::1", "outside 2000::/3, unassigned"],
    ["8000::1", "outside 2000::/3, unassigned"],
    ["100:0:0:1::1", "next to the discard prefix 100::/64"],
    ["::ffff:1:7f00:1", "next to IPv4-mapped, holding 127.0.0.1"],
    ["64:ff9b::1:0:7f00:1", "next to NAT64 64:ff9b::/96, holding 127.0.0.1"]
  ])("refuses %s (%s) as a literal, as a resolved address and at connect time", async (address) => {
    expect(UrlPolicy.isPrivateAddress(address)).toBe(true)
    expect(strict.allowsAddress(address)).toBe(false)
    if (!address.includes("%")) expect(accepts(strict, `https://[${address}]/hook`)).toBe(false)
    const resolving = UrlPolicy.make({ allowPrivate: false, resolver: async () => [address] })
    expect(Either.isLeft(await Effect.runPromise(Effect.either(resolving.accept("https://hooks.example.com/h"))))).toBe(true)
  })

  it.each([
    ["2606:4700:4700::1111", "public unicast"],
    ["2a00:1450:4001:80b::200e", "public unicast"],
    ["2a00:1450::1", "public unicast"],
    ["2001:4860::8888", "public unicast"],
    ["::ffff:8.8.8.8", "IPv4-mapped public"],
    ["::ffff:808:808", "IPv4-mapped public, hex"],
    ["64:ff9b::808:808", "NAT64 of a public address (DNS64)"],
    ["64:ff9b::93.184.216.34", "NAT64 of a public address, dotted"],
    ["2001:200::1", "first RIR allocation after 2001::/23"],
    ["2001:2ff::1", "within that allocation, far from 2001::/23's end"]
  ])("accepts %s (%s)", async (address) => {
    expect(UrlPolicy.isPrivateAddress(address)).toBe(false)
    expect(accepts(strict, `https://[${address}]/hook`)).toBe(true)
    const resolving = UrlPolicy.make({ allowPrivate: false, resolver: async () => [address] })
    expect(Either.isRight(await Effect.runPromise(Effect.either(resolving.accept("https://hooks.example.com/h"))))).toBe(true)
  })
})

describe("UrlPolicy.accept (with DNS)", () => {
  const answers: Record<string, ReadonlyArray<string>> = {
    "hooks.example.com": ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"],
    "rebind.example.com": ["127.0.0.1"],
    "mixed.example.com": ["93.184.216.34", "10.0.0.7"],
    "metadata.example.com": ["169.254.169.254"],
    "nat64.example.com": ["64:ff9b::7f00:1"]
  }
  const looked: Array<string> = []
  const resolver: UrlPolicy.Resolver = async (host) => {
    looked.push(host)
    const found = answers[host]
    if (found === undefined) throw Object.assign(new Error("getaddrinfo ENOTFOUND"), { code: "ENOTFOUND" })
    return found
  }
  const policy = UrlPolicy.make({ allowPrivate: false, resolver })
  const accept = (url: string) => Effect.runPromise(Effect.either(policy.accept(url)))

  it("accepts a host whose every address is public", async () => {
    expect(Either.isRight(await accept("https://hooks.example.com/h"))).toBe(true)
  })

  it.each(["rebind", "mixed", "metadata", "nat64"])("refuses %s.example.com: an address is private", async (name) => {
    const result = await accept(`https://${name}.example.com/h`)
    expect(Either.isLeft(result) && result.left.message).toBe("url must point to a public host (http and private hosts only where Herald runs with HERALD_ALLOW_PRIVATE_URLS=true, or the allowPrivateUrls setting)")
  })

  it("refuses a host that does not resolve, naming it", async () => {
    const result = await accept("https://nowhere.example.com/h")
    expect(Either.isLeft(result) && result.left.message).toBe("url host nowhere.example.com does not resolve")
  })

  it("does not look up IP literals, nor anything when private targets are allowed", async () => {
    looked.length = 0
    expect(Either.isRight(await accept("https://8.8.8.8/h"))).toBe(true)
    expect(Either.isLeft(await accept("https://10.0.0.1/h"))).toBe(true)
    const relaxed = UrlPolicy.make({ allowPrivate: true, resolver })
    expect(Either.isRight(await Effect.runPromise(Effect.either(relaxed.accept("http://rebind.example.com/h"))))).toBe(true)
    expect(looked).toEqual([])
  })
})
