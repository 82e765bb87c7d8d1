// A fourth profile is one descriptor in the registry: the profile-neutral edge
// (error shapes, idempotency scope, the OpenAPI tag groups) reads it from the
// registry it is given, so a profile it has never heard of is served like the
// three it ships with. And no neutral module names a profile, nor a profile's
// path: what is a profile's, like its create endpoint's rate limit, is declared
// in its folder.
import { readdirSync, readFileSync } from "node:fs"
import { HttpApi, HttpApiBuilder, HttpApiEndpoint, HttpApiGroup, HttpServer, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { ApiKeys, IdempotencyStore, type Ids, SecretCipher } from "@herald/core"
import { MemoryApiKeyStore, MemoryIdempotencyStore } from "@herald/memory"
import { Effect, Either, Layer, Option, Redacted, Schema } from "effect"
import * as ErrorMapping from "../src/edge/ErrorMapping.js"
import * as Idempotency from "../src/edge/Idempotency.js"
import * as Protection from "../src/edge/Protection.js"
import * as RateLimiting from "../src/edge/RateLimiting.js"
import * as Routes from "../src/edge/Routes.js"
import * as OpenApiCleanup from "../src/docs/OpenApiCleanup.js"
import * as HttpProfile from "../src/profiles/HttpProfile.js"
import * as ContractProfiles from "../src/contract/Profiles.js"
import * as Profiles from "../src/Profiles.js"

const fourth: HttpProfile.Neutral = {
  name: "fourth",
  title: "Fourth",
  wireFormat: { render: (event) => event.dataJson, signatureHeaders: () => ({}) },
  eventTypes: ["thing.done"],
  paths: ["/fourth"],
  errors: {
    framework: (failure) => ({ status: 418, body: { fourth: failure._tag } }),
    internal: () => ({ status: 500, body: { fourth: "internal" } })
  },
  apiKeyOf: (request) => request.headers["x-fourth-key"] ?? "",
  teamspaceAsked: () => undefined
}

const registry = [...Profiles.all, fourth] satisfies HttpProfile.Registry

describe("a fourth profile", () => {
  it("owns its paths, as the router reads them; the rest keep theirs", () => {
    expect(HttpProfile.ofPath(registry, "/fourth/things?x=1").name).toBe("fourth")
    expect(HttpProfile.ofPath(registry, "//FOURTH").name).toBe("fourth")
    expect(HttpProfile.ofPath(registry, "/fourthx").name).toBe(Profiles.all[0].name)
    expect(HttpProfile.ofPath(registry, "/websets/v0/webhooks").name).toBe("exa")
  })

  it("answers an unknown route under its paths in its own error shape", async () => {
    const api = HttpApi.make("herald").add(
      HttpApiGroup.make("things").add(HttpApiEndpoint.get("list", "/fourth/things").addSuccess(Schema.String))
    )
    const things = HttpApiBuilder.group(api, "things", (handlers) => handlers.handle("list", () => Effect.succeed("ok")))
    const { dispose, handler } = HttpApiBuilder.toWebHandler(
      Layer.unwrapEffect(Effect.map(Routes.fromApi(api), (routes) => ErrorMapping.layer(routes, registry, ""))).pipe(
        Layer.provideMerge(HttpApiBuilder.api(api).pipe(Layer.provide(things))),
        Layer.merge(HttpServer.layerContext)
      )
    )
    try {
      const served = await handler(new Request("http://herald.test/fourth/things"))
      expect(served.status).toBe(200)
      const unknown = await handler(new Request("http://herald.test/fourth/nothing"))
      expect(unknown.status).toBe(418)
      expect(await unknown.json()).toEqual({ fourth: "RouteNotFound" })
      const elsewhere = await handler(new Request("http://herald.test/nothing"))
      expect(elsewhere.status).toBe(404)
      expect(await elsewhere.json()).toMatchObject({ status_code: 404, error: "not_found" })
    } finally {
      await dispose()
    }
  })

  it.scoped("has its API key read its own way for the idempotency scope", () =>
    Effect.gen(function*() {
      const context = yield* Layer.build(Layer.mergeAll(
        Layer.effect(IdempotencyStore.IdempotencyStore, MemoryIdempotencyStore.make),
        ApiKeys.ApiKeys.Default.pipe(Layer.provide(MemoryApiKeyStore.layer)),
        SecretCipher.layer(Option.none())
      ))
      const apiKeys = yield* ApiKeys.ApiKeys.pipe(Effect.provide(context))
      yield* apiKeys.register(Redacted.make("hk_unit_fourth_0123456789abcdef"), "acme" as Ids.TeamspaceId)
      const middleware = yield* Idempotency.make(registry).pipe(Effect.provide(context))
      let runs = 0
      const app = Effect.sync(() => HttpServerResponse.unsafeJson({ run: ++runs }, { status: 201 }))
      const post = (headers: Record<string, string>) =>
        middleware(app).pipe(Effect.provideService(
          HttpServerRequest.HttpServerRequest,
          HttpServerRequest.fromWeb(
            new Request("http://herald.test/fourth/things", { method: "POST", headers: { "idempotency-key": "k1", ...headers }, body: "{}" })
          )
        ))
      // Its key in its own header: kept and replayed.
      yield* post({ "x-fourth-key": "hk_unit_fourth_0123456789abcdef" })
      const replay = yield* post({ "x-fourth-key": "hk_unit_fourth_0123456789abcdef" })
      expect(replay.headers[Idempotency.REPLAYED_HEADER]).toBe("true")
      expect(runs).toBe(1)
      // A bearer token is not how it presents keys: not authenticated here, so passed on untouched.
      const bearer = yield* post({ authorization: "Bearer hk_unit_fourth_0123456789abcdef" })
      expect(bearer.headers[Idempotency.REPLAYED_HEADER]).toBeUndefined()
      expect(runs).toBe(2)
    }))

  it("gets its own tag group in the OpenAPI document", () => {
    const spec = {
      openapi: "3.1.0",
      paths: {},
      components: { schemas: {}, securitySchemes: {} },
      tags: [{ name: "Things (Fourth)" }, { name: "Webhooks (Datagrid)" }, { name: "Health" }]
    }
    expect(OpenApiCleanup.transform(registry)(spec)["x-tagGroups"]).toEqual([
      { name: "Datagrid", tags: ["Webhooks (Datagrid)"] },
      { name: "Fourth", tags: ["Things (Fourth)"] },
      { name: "Herald (every profile)", tags: ["Health"] }
    ])
  })
})

describe("the registries", () => {
  it("of the contract and of the server list the same profiles, in the same order, with the same API", () => {
    expect(Profiles.all.map((profile) => profile.name)).toEqual(ContractProfiles.all.map((profile) => profile.name))
    Profiles.all.forEach((profile, index) => expect(profile.api).toBe(ContractProfiles.all[index]!.api))
  })

  it("puts Datagrid first: the default's error shape is the one Herald's own routes declare", () => {
    // The native routes (publishing, the delivery log) declare Datagrid's error
    // bodies and authentication; the first profile answers their framework
    // failures (ErrorMapping) and is a webhook's profile when none is given.
    expect(Profiles.all[0].name).toBe("datagrid")
  })
})

describe("rate limits", () => {
  const routes = Protection.routesOf(HttpApi.make("herald").add(HttpApiGroup.make("things").add(
    HttpApiEndpoint.get("list", "/fourth/things")
  ).add(
    HttpApiEndpoint.post("create", "/fourth/things").annotate(RateLimiting.RouteLimit, 7)
  )))

  it("of a profile's routes are those its endpoints declare; the others get the default", () => {
    const settings = RateLimiting.defaultsFor(routes)
    expect(Object.fromEntries(settings.routes)).toEqual({ "POST /fourth/things": 7 })
    expect(settings.defaultLimit).toBe(RateLimiting.DEFAULT_LIMIT)
  })

  it("are overridden by name, and default=N changes only the routes declaring none", () => {
    const settings = Either.getOrThrow(RateLimiting.parse("default=5,GET /fourth/things=9", 1_000, routes))
    expect(Object.fromEntries(settings.routes)).toEqual({ "POST /fourth/things": 7, "GET /fourth/things": 9 })
    expect(settings.defaultLimit).toBe(5)
  })

  it.each(Profiles.all.map((profile) => [profile.name, profile] as const))(
    "of %s's create endpoint is declared on it",
    (_name, profile) => {
      const creates = Protection.routesOf(profile.api).filter((route) => route.method === "POST" && !route.path.includes(":"))
      expect(creates.length).toBeGreaterThan(0)
      for (const create of creates) expect(create.limit, create.path).toBe(RateLimiting.creatingWebhooks)
    }
  )
})

describe("the profile-neutral modules", () => {
  const src = new URL("../src/", import.meta.url)
  const neutral = [
    ...["edge", "docs", "native"].flatMap((folder) =>
      readdirSync(new URL(`${folder}/`, src)).map((file) => `${folder}/${file}`)
    ),
    "HttpApp.ts",
    "Contract.ts",
    "profiles/HttpProfile.ts"
  ]
  const names = Profiles.all.map((profile) => profile.name)
  /**
   * Known exceptions, each with its reason. Herald's native routes answer in
   * Datagrid's shape by design (they import its errors, authentication and
   * codec), and so does the contract for them.
   */
  const allowed: Record<string, ReadonlyArray<string>> = {
    "Contract.ts": ["./profiles/datagrid/Errors.js"],
    "native/DeliveriesApi.ts": ["../profiles/datagrid/Authentication.js", "../profiles/datagrid/Errors.js"],
    "native/DeliveriesHandlers.ts": ["../profiles/datagrid/Codec.js", "../profiles/datagrid/Errors.js"],
    "native/EventsApi.ts": ["../profiles/datagrid/Authentication.js", "../profiles/datagrid/Errors.js"],
    "native/EventsHandlers.ts": ["../profiles/datagrid/Codec.js", "../profiles/datagrid/Errors.js"],
    "native/EventTypesApi.ts": ["../profiles/datagrid/Authentication.js", "../profiles/datagrid/Errors.js"],
    "native/EventTypesHandlers.ts": ["../profiles/datagrid/Codec.js", "../profiles/datagrid/Errors.js"],
    "native/ListenersApi.ts": ["../profiles/datagrid/Authentication.js", "../profiles/datagrid/Errors.js"],
    "native/ListenersHandlers.ts": ["../profiles/datagrid/Errors.js"],
    "native/PortalApi.ts": ["../profiles/datagrid/Authentication.js", "../profiles/datagrid/Errors.js"],
    "native/PortalHandlers.ts": ["../profiles/datagrid/Errors.js"]
  }

  it.each(neutral)("%s names no profile, in code or imports", (file) => {
    const text = readFileSync(new URL(file, src), "utf8")
    const quoted = names.filter((name) => new RegExp(`["'\`]${name}["'\`]`).test(text))
    expect(quoted, "a profile's name as a literal").toEqual([])
    const imports = [...text.matchAll(/from "([^"]*\/profiles\/(?!HttpProfile)[^"]*)"/g)].map((match) => match[1])
    expect(imports, "imports of a profile's folder").toEqual(allowed[file] ?? [])
  })

  /** A profile's path as a string in code (not in comments), e.g. `"/websets/v0/webhooks"`. */
  const namesProfilePath = (text: string) => {
    const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "")
    return Profiles.all.flatMap((profile) => profile.paths).filter((path) =>
      new RegExp(`["'\`](?:[A-Z]+ )?${path}(?:[/"'\`]|\\$\\{)`).test(code)
    )
  }

  // Herald's native routes live under Datagrid's paths by design: the edge and docs do not.
  it.each(neutral.filter((file) => !file.startsWith("native/")))("%s names no profile's path in code", (file) => {
    expect(namesProfilePath(readFileSync(new URL(file, src), "utf8"))).toEqual([])
  })

  it("core names no profile", () => {
    const core = new URL("../../core/src/", import.meta.url)
    const files = readdirSync(core, { recursive: true }).map(String).filter((file) => file.endsWith(".ts"))
    const named = files.filter((file) =>
      names.some((name) => new RegExp(`["'\`]${name}["'\`]`).test(readFileSync(new URL(file, core), "utf8")))
    )
    expect(named).toEqual([])
  })
})
