/**
 * Which delivery targets are allowed. By default only https URLs on public
 * addresses: a subscription must not turn Herald into a proxy into the private
 * network (SSRF). Checked, with DNS, when a webhook is created or updated, and
 * again by the transport against the address it actually connects to (no
 * DNS-rebinding bypass).
 * `HERALD_ALLOW_PRIVATE_URLS=true` lifts both checks, for local development.
 */
import { lookup } from "node:dns/promises"
import { BlockList, isIP } from "node:net"
import { Context, Effect, Layer } from "effect"
import { InvalidInput } from "./Errors.js"
import * as WellFormedText from "./WellFormedText.js"

/** IPv4 ranges that are not public unicast (IANA special-purpose registry). */
const privateIPv4: ReadonlyArray<readonly [string, number]> = [
  ["0.0.0.0", 8], // "this network", unspecified
  ["10.0.0.0", 8], // private
  ["100.64.0.0", 10], // carrier-grade NAT
  ["127.0.0.0", 8], // loopback
  ["169.254.0.0", 16], // link-local, cloud metadata
  ["172.16.0.0", 12], // private
  ["192.0.0.0", 24], // IETF protocol assignments
  ["192.0.2.0", 24], // documentation
  ["192.88.99.0", 24], // 6to4 relay
  ["192.168.0.0", 16], // private
  ["198.18.0.0", 15], // benchmarking
  ["198.51.100.0", 24], // documentation
  ["203.0.113.0", 24], // documentation
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4] // reserved, broadcast
]

/**
 * IPv6 is public only inside global unicast 2000::/3: everything else
 * (unspecified, loopback, IPv4-compatible and -translated, local-use NAT64,
 * discard, SRv6, unique-local, link-local, site-local, multicast, and the
 * unassigned rest) is not routed on the internet, but a private network may
 * route it, so it is refused rather than listed range by range. The two forms
 * that legitimately carry a public IPv4 address are the exceptions, judged by
 * that address: IPv4-mapped ::ffff:0:0/96 (what a dual-stack resolver may
 * answer) and the well-known NAT64 prefix 64:ff9b::/96 (what DNS64 answers on
 * an IPv6-only network).
 */
const publicIPv6: ReadonlyArray<readonly [string, number]> = [
  ["2000::", 3], // global unicast
  ["::ffff:0:0", 96], // IPv4-mapped
  ["64:ff9b::", 96] // well-known NAT64
]

/**
 * Special-purpose ranges inside 2000::/3. The ones that embed an IPv4 address
 * (6to4, Teredo) are refused outright rather than decoded: no webhook receiver
 * needs them, and decoding each (Teredo even obfuscates its client address) is
 * where a bypass would hide.
 */
const privateIPv6: ReadonlyArray<readonly [string, number]> = [
  ["2001::", 23], // IETF protocol assignments: Teredo 2001::/32, benchmarking, ORCHID
  ["2001:db8::", 32], // documentation
  ["2002::", 16], // 6to4
  ["3fff::", 20] // documentation
]

/**
 * Node's `BlockList` parses every textual form of an address (compressed or
 * not, dotted tail or hex) and matches its IPv4 rules against IPv4-mapped
 * addresses (::ffff:a.b.c.d) as well; NAT64 gets each IPv4 rule under its
 * prefix. `allowed` is only ever asked about IPv6 addresses: its ::ffff:0:0/96
 * rule would match every IPv4 address too.
 */
const allowed = new BlockList()
for (const [network, prefix] of publicIPv6) allowed.addSubnet(network, prefix, "ipv6")
const blocked = new BlockList()
for (const [network, prefix] of privateIPv4) {
  blocked.addSubnet(network, prefix, "ipv4")
  blocked.addSubnet(`64:ff9b::${network}`, 96 + prefix, "ipv6")
}
for (const [network, prefix] of privateIPv6) blocked.addSubnet(network, prefix, "ipv6")

/**
 * True when `address` (an IP literal, bracketed or not) is not a public unicast
 * address. The one rule both the URL check and the transport's connect-time
 * check apply.
 */
export const isPrivateAddress = (address: string): boolean => {
  const unbracketed = address.startsWith("[") ? address.slice(1, -1) : address
  // A zone (fe80::1%eth0) names a local interface, and BlockList ignores what it cannot parse.
  if (unbracketed.includes("%")) return true
  const family = isIP(unbracketed)
  if (family === 4) return blocked.check(unbracketed, "ipv4")
  if (family === 6) return !allowed.check(unbracketed, "ipv6") || blocked.check(unbracketed, "ipv6")
  return true // not an IP at all: refuse rather than guess
}

/** Resolves a host name to its addresses (all of them). */
export type Resolver = (hostname: string) => Promise<ReadonlyArray<string>>

/** Resolves with the operating system's resolver (`dns.lookup`, every address). */
export const systemResolver: Resolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address)

/** The resolver `accept` uses: the system's unless a layer provides another (tests have no DNS). */
export class HostResolver extends Context.Reference<HostResolver>()("@herald/core/UrlPolicy/HostResolver", {
  defaultValue: (): Resolver => systemResolver
}) {}

/**
 * Which webhook URLs and addresses are allowed: https to public hosts, unless private URLs are
 * allowed (local development and tests).
 */
export interface UrlPolicyShape {
  readonly allowPrivate: boolean
  /**
   * Parses and checks a URL without DNS: scheme, credentials, IP literals and
   * local names. Cheap enough for every delivery of a stored URL (which
   * `accept` let in); the transport then checks the address it actually
   * connects to.
   */
  readonly check: (url: string, path?: ReadonlyArray<string | number>) => Effect.Effect<URL, InvalidInput>
  /**
   * Refuse text that is not well-formed Unicode, `check`, then resolve the
   * host and refuse it when any address is private: for creating or changing a
   * subscription, so a bad target is refused at once.
   */
  readonly accept: (url: string, path?: ReadonlyArray<string | number>) => Effect.Effect<URL, InvalidInput>
  /** Whether the transport may connect to this resolved address. */
  readonly allowsAddress: (address: string) => boolean
}

/**
 * The URL policy service: `Webhooks` accepts a URL with it (failing with `InvalidInput`), the
 * `Dispatcher` checks it before each delivery, and the transport checks each address it connects
 * to. Provide it with `layer`, or through `Herald.settingsLayer` (`allowPrivateUrls`).
 */
export class UrlPolicy extends Context.Tag("@herald/core/UrlPolicy")<UrlPolicy, UrlPolicyShape>() {}

const MAX_URL_LENGTH = 2048

/** Said with every refusal that the setting lifts, so that whoever runs Herald locally finds it. */
const PRIVATE_URLS_HINT = "(http and private hosts only where Herald runs with HERALD_ALLOW_PRIVATE_URLS=true, or the allowPrivateUrls setting)"

/** A URL policy, resolving host names with `resolver` (the system's by default). */
export const make = (options: { readonly allowPrivate: boolean; readonly resolver?: Resolver }): UrlPolicyShape => {
  const { allowPrivate } = options
  const resolver = options.resolver ?? systemResolver
  const check = (raw: string, path: ReadonlyArray<string | number> = ["url"]) => {
    const fail = (message: string) => Effect.fail(InvalidInput.single(path, message))
    if (raw.length > MAX_URL_LENGTH) return fail(`url must be at most ${MAX_URL_LENGTH} characters`)
    if (!URL.canParse(raw)) return fail("url must be an absolute URL")
    // WHATWG parsing also normalises decimal, octal and hex IPv4 hosts to dotted form.
    const url = new URL(raw)
    if (url.protocol !== "https:" && !(allowPrivate && url.protocol === "http:")) {
      return fail(allowPrivate ? "url must use http or https" : `url must use https ${PRIVATE_URLS_HINT}`)
    }
    if (url.username !== "" || url.password !== "") return fail("url must not contain credentials")
    if (url.hostname === "") return fail("url must have a host")
    if (!allowPrivate) {
      const host = url.hostname
      const literal = isIP(host.startsWith("[") ? host.slice(1, -1) : host) !== 0
      if (literal ? isPrivateAddress(host) : /(^|\.)(localhost|local|internal)$/i.test(host) || !host.includes(".")) {
        return fail(`url must point to a public host ${PRIVATE_URLS_HINT}`)
      }
    }
    return Effect.succeed(url)
  }
  const accept = (raw: string, path: ReadonlyArray<string | number> = ["url"]) => {
    // The URL parser would turn a lone surrogate into %EF%BF%BD: a target the user never wrote.
    // Checked here only: what is stored is url.href, which never holds one.
    if (!WellFormedText.isWellFormed(raw)) return Effect.fail(InvalidInput.single(path, `url ${WellFormedText.message}`))
    return Effect.flatMap(check(raw, path), (url) => {
      const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname
      if (allowPrivate || isIP(host) !== 0) return Effect.succeed(url)
      return Effect.tryPromise({
        try: () => resolver(host),
        catch: () => InvalidInput.single(path, `url host ${host} does not resolve`)
      }).pipe(
        Effect.flatMap((addresses) =>
          addresses.length === 0
            ? Effect.fail(InvalidInput.single(path, `url host ${host} does not resolve`))
            : addresses.some(isPrivateAddress)
            ? Effect.fail(InvalidInput.single(path, `url must point to a public host ${PRIVATE_URLS_HINT}`))
            : Effect.succeed(url)
        )
      )
    })
  }
  return {
    allowPrivate,
    check,
    accept,
    allowsAddress: (address) => allowPrivate || !isPrivateAddress(address)
  }
}

/**
 * Provides `UrlPolicy`, resolving with the `HostResolver` reference (the system's unless a test
 * provides one).
 */
export const layer = (options: { readonly allowPrivate: boolean }): Layer.Layer<UrlPolicy> =>
  Layer.effect(UrlPolicy, Effect.map(HostResolver, (resolver) => make({ ...options, resolver })))
