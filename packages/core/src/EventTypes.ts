/**
 * Event types as data: each teamspace's catalog, per profile, is the
 * deployment's configured lists (`EventCatalog`) with the teamspace's own
 * definitions laid over them (`EventTypeStore`). Through this service a
 * teamspace registers types, describes them, gives them a JSON Schema and an
 * example, and archives them. A webhook may subscribe, and an event be
 * published, only with a type its teamspace's catalog lists; a publish whose
 * data does not match the type's schema is refused, naming the first
 * mismatches.
 *
 * Why per teamspace: a teamspace is one customer of the provider, and its API
 * keys are the customer's. A catalog shared by all would let one customer's key
 * change what every other customer may subscribe to. Types every teamspace
 * should have belong in the configured lists (`HERALD_EVENT_TYPES_<PROFILE>`).
 *
 * Publishing and subscribing read the catalog from a per-process cache, kept
 * for `CACHE_MS` and read by one request at a time; it is read again when it
 * lacks the type asked for and is older than a tenth of a second, so a type
 * registered through another process is usable there within that tenth, and an
 * archived one or a changed schema within `CACHE_MS`. The process that makes a
 * change sees it at once. A schema is compiled once per process, when its type
 * is first published (or registered through that process).
 */
import { Clock, Deferred, Effect, Either, Schema } from "effect"
import { echo, EventTypeConflict, EventTypeNotFound, InvalidInput } from "./Errors.js"
import { type Check, EventSchemas, type Mismatch, refusal } from "./EventSchemas.js"
import { describeUnknownWithAccepted, EventCatalog, type EventCatalogShape, EventType, TEST_EVENT_TYPE } from "./EventType.js"
import { EventTypeDefinition, EventTypeStore } from "./EventTypeStore.js"
import type { TeamspaceId } from "./Ids.js"
import type { Profile } from "./Profile.js"
import { Profiles, refusal as profileRefusal } from "./Profiles.js"
import * as WellFormedText from "./WellFormedText.js"
import * as BoundedMap from "./internal/BoundedMap.js"
import { isPlainObject } from "./internal/Json.js"

/** How many event types a teamspace may define (archived ones included). */
export const MAX_DEFINITIONS = 500

/** The longest description, in characters. */
export const MAX_DESCRIPTION_LENGTH = 1_000

/** The largest schema, and the largest example, as JSON in UTF-8 bytes. */
export const MAX_JSON_BYTES = 16_384

/** How long a process keeps a teamspace's catalog before reading it again. */
export const CACHE_MS = 1_000

/** A catalog lacking the type asked for is read again when older than this. */
const RECHECK_MS = 100

/** How many teamspaces' catalogs a process keeps, and how many compiled schemas. */
const CACHED_CATALOGS = 10_000
const CACHED_SCHEMAS = 2_000

/** The most entries a page lists. */
export const MAX_PAGE_SIZE = 100

/** One event type of a teamspace's catalog: configured, or defined by the teamspace (then with its times). */
export interface CatalogEntry {
  readonly profile: Profile
  readonly name: EventType
  readonly description: string
  /** Its JSON Schema, as JSON text; null for none. */
  readonly schema: string | null
  /** An example of its data, as JSON text; null for none. */
  readonly example: string | null
  readonly archived: boolean
  /** When the teamspace defined it; null for a configured type it never changed. */
  readonly createdAt: number | null
  readonly updatedAt: number | null
}

/** A teamspace's catalog: the live types per profile (`EventCatalogShape`), every entry, and the schema check. */
export interface TeamspaceCatalog extends EventCatalogShape {
  /** Every entry, archived ones included, by profile (in registry order) then name. */
  readonly entries: ReadonlyArray<CatalogEntry>
  readonly find: (profile: Profile, name: string) => CatalogEntry | undefined
  /**
   * The mismatches of `data` against the schemas `type` has in any profile (data must match each);
   * none when it matches.
   */
  readonly check: (type: string, data: unknown) => Effect.Effect<ReadonlyArray<Mismatch>>
}

/** What `create` takes: the type's name and, optionally, its profile (the default one), description, schema and example. */
export interface CreateEventType {
  readonly name: string
  readonly profile?: string | undefined
  readonly description?: string | undefined
  /** A JSON Schema, parsed. */
  readonly schema?: unknown
  /** An example of the data, parsed. */
  readonly example?: unknown
}

/** What `update` changes; absent fields stay, a null schema or example removes it, `archived: false` restores. */
export interface UpdateEventType {
  readonly description?: string | undefined
  readonly schema?: unknown
  readonly example?: unknown
  readonly archived?: boolean | undefined
}

/** What `list` takes: one profile or all, archived ones or not, and the page. */
export interface ListEventTypes {
  readonly profile?: string | undefined
  readonly includeArchived?: boolean | undefined
  readonly limit: number
  /** The cursor of the previous page (`nextCursor`). */
  readonly cursor?: string | undefined
  /** The cursor parameter's name as the request sent it, for a refusal. */
  readonly cursorParam?: string | undefined
}

/** A page of a catalog, and the cursor of the next one (null at the end). */
export interface EventTypePage {
  readonly data: ReadonlyArray<CatalogEntry>
  readonly nextCursor: string | null
}

const isEventType = Schema.is(EventType)

const byName = (a: CatalogEntry, b: CatalogEntry) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0

const cursorOf = (entry: CatalogEntry) => `${entry.profile}:${entry.name}`

/** A definition as its catalog entry. */
const entryOf = (definition: EventTypeDefinition): CatalogEntry => ({
  profile: definition.profile,
  name: definition.name,
  description: definition.description,
  schema: definition.schema,
  example: definition.example,
  archived: definition.archived,
  createdAt: definition.createdAt,
  updatedAt: definition.updatedAt
})

/** A teamspace's definitions as read, and the catalog built from them. */
interface Loaded {
  readonly catalog: TeamspaceCatalog
  readonly definitions: ReadonlyArray<EventTypeDefinition>
}

/**
 * The event types service: each teamspace's `catalog` (what `Webhooks` and `Publisher` check
 * against), and `list`, `get`, `create`, `update` and `archive` of its entries, failing with
 * `InvalidInput`, `EventTypeNotFound` or `EventTypeConflict`.
 *
 * Needs the `EventTypeStore` port, the configured lists (`EventCatalog`), `Profiles`, and
 * `EventSchemas` to accept schemas (none by default); part of `Herald.servicesLayer`.
 */
export class EventTypes extends Effect.Service<EventTypes>()("@herald/core/EventTypes", {
  effect: Effect.gen(function*() {
    const store = yield* EventTypeStore
    const configured = yield* EventCatalog
    const profiles = yield* Profiles
    const schemas = yield* EventSchemas
    const cache = BoundedMap.make<{ readonly loadedAt: number; readonly catalog: TeamspaceCatalog }>(CACHED_CATALOGS)
    /** Loads under way, by teamspace: a request that needs one waits for it rather than reading again. */
    const loading = new Map<string, Deferred.Deferred<Loaded>>()
    /**
     * When each teamspace last changed, in this process's count of changes: a load that began before
     * does not cache what it read, which may miss the change.
     */
    const changed = BoundedMap.make<number>(CACHED_CATALOGS)
    let changes = 0
    /** Compiled schemas, by definition (`compiledKey`); null when the validator no longer takes a stored one. */
    const compiled = BoundedMap.make<Check | null>(CACHED_SCHEMAS)
    const defaultProfile = configured.profiles[0] ?? profiles.all[0].name

    /** Each configured profile's examples as JSON text (as a teamspace's own are stored), written once rather than at every build. */
    const configuredExamples = new Map(
      configured.profiles.map((profile) => [
        profile,
        new Map(Object.entries(profiles.get(profile)?.eventTypeExamples ?? {}).map(([name, example]) => [name, JSON.stringify(example)]))
      ])
    )

    /** A definition's schema as it was stored: its teamspace, profile, name and the time of the change. */
    const compiledKey = (entry: Pick<CatalogEntry, "profile" | "name" | "updatedAt">, teamspace: string) =>
      `${teamspace}\u0000${entry.profile}\u0000${entry.name}\u0000${entry.updatedAt}`

    /** A stored schema's check, compiled on first use; none (and a warning) if the validator no longer takes it. */
    const checkOf = (teamspace: TeamspaceId, entry: CatalogEntry & { readonly schema: string }) =>
      Effect.suspend(() => {
        const key = compiledKey(entry, teamspace)
        const hit = compiled.get(key)
        if (hit !== undefined) return Effect.succeed(hit)
        const result = schemas.compile(JSON.parse(entry.schema))
        const check = Either.isRight(result) ? result.right : null
        compiled.set(key, check)
        return check !== null ? Effect.succeed(check) : Effect.as(
          Effect.logWarning(
            `the schema of event type ${entry.name} (${entry.profile}) is no longer accepted by the validator: its publishes are not checked until it is changed`
          ).pipe(Effect.annotateLogs({ teamspace, reason: Either.isLeft(result) ? result.left.map((m) => m.message).join("; ") : "" })),
          null
        )
      })

    const build = (teamspace: TeamspaceId, definitions: ReadonlyArray<EventTypeDefinition>): TeamspaceCatalog => {
      const perProfile = new Map<Profile, Map<string, CatalogEntry>>()
      for (const profile of configured.profiles) {
        const descriptions = profiles.get(profile)?.eventTypeDescriptions ?? {}
        const examples = configuredExamples.get(profile)
        perProfile.set(
          profile,
          new Map([...configured.forProfile(profile)].map((name) => [name, {
            profile,
            name,
            description: descriptions[name] ?? "",
            schema: null,
            example: examples?.get(name) ?? null,
            archived: false,
            createdAt: null,
            updatedAt: null
          }]))
        )
      }
      for (const definition of definitions) {
        // A profile the deployment no longer serves: its definitions wait, unused, until it does again.
        perProfile.get(definition.profile)?.set(definition.name, entryOf(definition))
      }
      const entries = [...perProfile.values()].flatMap((profileEntries) => [...profileEntries.values()].sort(byName))
      const live = new Map(
        [...perProfile].map(([profile, profileEntries]) => [
          profile,
          new Set([...profileEntries.values()].filter((entry) => !entry.archived).map((entry) => entry.name))
        ])
      )
      const withSchema = new Map<string, Array<CatalogEntry & { readonly schema: string }>>()
      for (const entry of entries) {
        if (entry.archived || entry.schema === null) continue
        const list = withSchema.get(entry.name) ?? []
        list.push(entry as CatalogEntry & { readonly schema: string })
        withSchema.set(entry.name, list)
      }
      const none: ReadonlySet<EventType> = new Set()
      return {
        profiles: configured.profiles,
        forProfile: (profile) => live.get(profile) ?? none,
        publishable: new Set([...live.values()].flatMap((names) => [...names])),
        entries,
        find: (profile, name) => perProfile.get(profile)?.get(name),
        check: (type, data) => {
          const found = withSchema.get(type)
          return found === undefined
            ? Effect.succeed([])
            : Effect.map(
              Effect.forEach(found, (entry) => checkOf(teamspace, entry)),
              (checks) => checks.flatMap((check) => check === null ? [] : check(data))
            )
        }
      }
    }

    /** The teamspace's definitions and its catalog, read now; cached unless it changed while they were read. */
    const load = (teamspace: TeamspaceId) =>
      Effect.gen(function*() {
        const began = changes
        const definitions = yield* store.list(teamspace)
        const catalog = build(teamspace, definitions)
        if ((changed.get(teamspace) ?? -1) <= began) cache.set(teamspace, { loadedAt: yield* Clock.currentTimeMillis, catalog })
        return { catalog, definitions } satisfies Loaded
      })

    /** `load`, shared by the requests that need it at the same time; uninterruptible, as others may wait on it. */
    const loadShared = (teamspace: TeamspaceId) =>
      Effect.suspend(() => {
        const pending = loading.get(teamspace)
        if (pending !== undefined) return Deferred.await(pending)
        return Effect.flatMap(Deferred.make<Loaded>(), (deferred) => {
          loading.set(teamspace, deferred)
          return load(teamspace).pipe(
            Effect.onExit((exit) => Effect.zipRight(Effect.sync(() => loading.delete(teamspace)), Deferred.done(deferred, exit))),
            Effect.uninterruptible
          )
        })
      })

    /**
     * The teamspace's catalog, from the cache when read less than `CACHE_MS` ago; read again when
     * `satisfied` says it lacks what is asked for and it was read more than `RECHECK_MS` ago.
     */
    const catalog = (teamspace: TeamspaceId, satisfied?: (catalog: TeamspaceCatalog) => boolean) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const cached = cache.get(teamspace)
        if (cached !== undefined) {
          const age = now - cached.loadedAt
          if (age < CACHE_MS && (satisfied === undefined || satisfied(cached.catalog) || age < RECHECK_MS)) {
            return cached.catalog
          }
        }
        return (yield* loadShared(teamspace)).catalog
      })

    const profileOf = (profile: string | undefined): Effect.Effect<Profile, InvalidInput> =>
      profile === undefined
        ? Effect.succeed(defaultProfile)
        : configured.profiles.includes(profile)
        ? Effect.succeed(profile)
        : Effect.fail(profileRefusal(configured.profiles, "profile", profile))

    const checkName = (name: string): Effect.Effect<EventType, InvalidInput> =>
      !isEventType(name)
        ? Effect.fail(InvalidInput.single(
          ["name"],
          `name must be lowercase words joined by dots (like invoice.paid), at most 128 characters, not ${echo(name)}`
        ))
        : name === TEST_EVENT_TYPE
        ? Effect.fail(InvalidInput.single(["name"], `name ${echo(name)} is reserved for test deliveries`))
        : Effect.succeed(name)

    const checkDescription = (description: string): Effect.Effect<string, InvalidInput> => {
      if (description.length > MAX_DESCRIPTION_LENGTH) {
        return Effect.fail(InvalidInput.single(
          ["description"],
          `description must be at most ${MAX_DESCRIPTION_LENGTH} characters; it has ${description.length}`
        ))
      }
      const illFormed = WellFormedText.check(description, ["description"])
      return illFormed === undefined ? Effect.succeed(description) : Effect.fail(illFormed)
    }

    /** A JSON object no larger than `MAX_JSON_BYTES`, as JSON text. */
    const jsonObject = (field: "schema" | "example", value: unknown): Effect.Effect<string, InvalidInput> => {
      if (!isPlainObject(value)) {
        return Effect.fail(InvalidInput.single(
          [field],
          field === "schema"
            ? "schema must be a JSON Schema: a JSON object, like {\"type\": \"object\"}, or null for none"
            : "example must be a JSON object (event data is one), or null for none"
        ))
      }
      const text = JSON.stringify(value)
      const bytes = Buffer.byteLength(text, "utf8")
      if (bytes > MAX_JSON_BYTES) {
        return Effect.fail(InvalidInput.single([field], `${field} must be at most ${MAX_JSON_BYTES} bytes as JSON; it has ${bytes}`))
      }
      const illFormed = WellFormedText.checkJson(value, text, [field])
      return illFormed === undefined ? Effect.succeed(text) : Effect.fail(illFormed)
    }

    /** The schema and example a definition will have, each checked, and the example against the schema; the schema's check. */
    const checkSchemaAndExample = (schema: string | null, example: string | null) =>
      Effect.gen(function*() {
        if (schema === null) return undefined
        const check = schemas.compile(JSON.parse(schema))
        if (Either.isLeft(check)) return yield* Effect.fail(refusal(["schema"], check.left))
        const mismatches = example === null ? [] : check.right(JSON.parse(example))
        if (mismatches.length > 0) {
          return yield* Effect.fail(refusal(["example"], mismatches, " (the example must match the schema)"))
        }
        return check.right
      })

    /**
     * Stores `definition`: an update of `previous`, the teamspace's definition as read, when it
     * defined the type (false if that changed since), else an insert (false if one was made since).
     * Stored, its schema's `check` (compiled to check it) is kept for its publishes.
     */
    const save = (definition: EventTypeDefinition, previous: EventTypeDefinition | undefined, check: Check | undefined) =>
      Effect.gen(function*() {
        const stored = previous !== undefined
          ? yield* store.update(definition, previous)
          : yield* store.insert(definition)
        changed.set(definition.teamspace, ++changes)
        cache.delete(definition.teamspace)
        if (stored && check !== undefined) compiled.set(compiledKey(definition, definition.teamspace), check)
        return stored
      })


    const create = (teamspace: TeamspaceId, input: CreateEventType) =>
      Effect.gen(function*() {
        const profile = yield* profileOf(input.profile)
        const name = yield* checkName(input.name)
        const description = yield* checkDescription(input.description ?? "")
        const schema = input.schema === undefined || input.schema === null ? null : yield* jsonObject("schema", input.schema)
        const example = input.example === undefined || input.example === null
          ? null
          : yield* jsonObject("example", input.example)
        const check = yield* checkSchemaAndExample(schema, example)
        const { catalog: current, definitions } = yield* load(teamspace)
        const existing = current.find(profile, name)
        if (existing !== undefined && !existing.archived) return yield* Effect.fail(new EventTypeConflict({ name, profile }))
        const previous = definitions.find((definition) => definition.profile === profile && definition.name === name)
        if (previous === undefined && definitions.length >= MAX_DEFINITIONS) {
          return yield* Effect.fail(InvalidInput.single(
            ["name"],
            `a teamspace may define at most ${MAX_DEFINITIONS} event types (archived ones count); this one has ${definitions.length}`
          ))
        }
        const now = yield* Clock.currentTimeMillis
        // Registering an archived type again restores it, with this registration's description, schema and example.
        const definition = new EventTypeDefinition({
          teamspace,
          profile,
          name,
          description,
          schema,
          example,
          archived: false,
          createdAt: previous?.createdAt ?? now,
          updatedAt: Math.max(now, previous?.updatedAt ?? now)
        })
        if (!(yield* save(definition, previous, check))) return yield* Effect.fail(new EventTypeConflict({ name, profile }))
        return entryOf(definition)
      })

    /** The entry, archived or not, or `EventTypeNotFound`. */
    const find = (teamspace: TeamspaceId, profile: Profile, name: string) =>
      Effect.flatMap(load(teamspace), ({ catalog: current, definitions }) => {
        const entry = current.find(profile, name)
        return entry === undefined
          ? Effect.fail(new EventTypeNotFound({ name, profile }))
          : Effect.succeed({
            entry,
            previous: definitions.find((definition) => definition.profile === profile && definition.name === name)
          })
      })

    const get = (teamspace: TeamspaceId, name: string, profileParam?: string) =>
      Effect.gen(function*() {
        const profile = yield* profileOf(profileParam)
        return (yield* find(teamspace, profile, name)).entry
      })

    const update = (teamspace: TeamspaceId, name: string, profileParam: string | undefined, patch: UpdateEventType) =>
      Effect.gen(function*() {
        const profile = yield* profileOf(profileParam)
        const { entry, previous } = yield* find(teamspace, profile, name)
        const description = patch.description === undefined ? entry.description : yield* checkDescription(patch.description)
        const schema = patch.schema === undefined
          ? entry.schema
          : patch.schema === null
          ? null
          : yield* jsonObject("schema", patch.schema)
        const example = patch.example === undefined
          ? entry.example
          : patch.example === null
          ? null
          : yield* jsonObject("example", patch.example)
        const check = patch.schema !== undefined || patch.example !== undefined
          ? yield* checkSchemaAndExample(schema, example)
          : undefined
        const now = yield* Clock.currentTimeMillis
        const definition = new EventTypeDefinition({
          teamspace,
          profile,
          name: entry.name,
          description,
          schema,
          example,
          archived: patch.archived ?? entry.archived,
          createdAt: entry.createdAt ?? now,
          updatedAt: Math.max(now, entry.updatedAt ?? now)
        })
        // The request lost to a concurrent change of the same type (an update, an archive, a create):
        // that change stands, and this one is refused rather than undoing it.
        if (!(yield* save(definition, previous, check))) return yield* Effect.fail(new EventTypeConflict({ name, profile }))
        return entryOf(definition)
      })

    /** Archives it: no new subscription or publish may use it; webhooks subscribed to it keep it. */
    const archive = (teamspace: TeamspaceId, name: string, profileParam?: string) =>
      Effect.gen(function*() {
        const profile = yield* profileOf(profileParam)
        const { entry } = yield* find(teamspace, profile, name)
        if (!entry.archived) yield* update(teamspace, name, profile, { archived: true })
      })

    const list = (teamspace: TeamspaceId, query: ListEventTypes) =>
      Effect.gen(function*() {
        if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > MAX_PAGE_SIZE) {
          return yield* Effect.fail(InvalidInput.single(["limit"], `limit must be an integer from 1 to ${MAX_PAGE_SIZE}`))
        }
        const profile = query.profile === undefined ? undefined : yield* profileOf(query.profile)
        const current = yield* catalog(teamspace)
        const shown = current.entries.filter((entry) =>
          (profile === undefined || entry.profile === profile) && (query.includeArchived === true || !entry.archived)
        )
        let start = 0
        if (query.cursor !== undefined) {
          // The page starts after the cursor's place in the order, whether or not that entry is still listed.
          const colon = query.cursor.indexOf(":")
          const order = current.profiles.indexOf(query.cursor.slice(0, colon))
          const after = query.cursor.slice(colon + 1)
          if (colon < 0 || order < 0) {
            const param = query.cursorParam ?? "cursor"
            return yield* Effect.fail(
              InvalidInput.single([param], `${param} must be a cursor from a previous page of this list, not ${echo(query.cursor)}`)
            )
          }
          const index = shown.findIndex((entry) => {
            const entryOrder = current.profiles.indexOf(entry.profile)
            return entryOrder > order || (entryOrder === order && entry.name > after)
          })
          start = index < 0 ? shown.length : index
        }
        const data = shown.slice(start, start + query.limit)
        const last = data.at(-1)
        return {
          data,
          nextCursor: start + query.limit < shown.length && last !== undefined ? cursorOf(last) : null
        } satisfies EventTypePage
      })

    return { catalog, list, get, create, update, archive } as const
  })
}) {}

/** Parsed JSON text, or null: an entry's schema or example as the API returns it. */
export const parsedOrNull = (text: string | null): unknown => text === null ? null : JSON.parse(text)

/**
 * Why `type` is refused by `catalog` (`profile`'s when subscribing through it, else every profile's
 * when publishing): archived, saying how to restore it, or unknown, with what is accepted instead.
 */
export const describeRefused = (catalog: TeamspaceCatalog, type: string, profile?: Profile): string =>
  catalog.entries.some((entry) => entry.name === type && entry.archived && (profile === undefined || entry.profile === profile))
    ? `event type ${JSON.stringify(type)} is archived: restore it (PATCH /v1/event-types/${type} with "archived": false) to use it again`
    : describeUnknownWithAccepted(catalog, type, profile)
