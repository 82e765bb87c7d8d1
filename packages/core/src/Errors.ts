/**
 * The domain's errors. The API maps each to a status and a profile's error body
 * in one place (apps/api); nothing here knows about HTTP.
 */
import { Schema } from "effect"

/**
 * One problem with an input: where (`path`, as field names and array indices) and what, in a
 * sentence. `InvalidInput` carries a list of them; the API renders them in each profile's error
 * body.
 */
export class Issue extends Schema.Class<Issue>("@herald/core/Issue")({
  path: Schema.Array(Schema.Union(Schema.String, Schema.Number)),
  message: Schema.String
}) {}

/** Longer keys are cut short in a name: a message stays small whatever was sent. */
const MAX_NAMED = 40

const clip = (text: string): string => text.length > MAX_NAMED ? `${text.slice(0, MAX_NAMED)}...` : text

/**
 * A field's name as the user wrote it, from its path: `events[2]`,
 * `metadata.plan`, `metadata["a b"]`. The one naming of fields in messages, the
 * API's and the services' alike.
 */
export const fieldName = (path: ReadonlyArray<PropertyKey>): string =>
  path.reduce<string>((name, part, index) =>
    typeof part === "number"
      ? `${name}[${part}]`
      : index === 0
      ? clip(String(part))
      : /^[A-Za-z_][A-Za-z0-9_]*$/.test(String(part))
      ? `${name}.${clip(String(part))}`
      : `${name}[${JSON.stringify(clip(String(part)))}]`, "")

/**
 * The most issues an error lists: enough to fix a request, while its size and
 * the work of making it stay small however much of the input is wrong.
 */
export const MAX_REPORTED_ISSUES = 10

const ECHOED = 40

/** A value as a refusal echoes it: quoted, and cut short so that the message stays small. */
export const echo = (text: string): string => JSON.stringify(text.length > ECHOED ? `${text.slice(0, ECHOED)}...` : text)

/** The input is well-formed but not acceptable (unknown event type, bad URL...). */
export class InvalidInput extends Schema.TaggedError<InvalidInput>()("InvalidInput", {
  message: Schema.String,
  /** The first issues found, at most `MAX_REPORTED_ISSUES`. */
  issues: Schema.Array(Issue),
  /** How many issues were found in all, when more than `issues` lists. */
  count: Schema.optional(Schema.Int)
}) {
  static single(path: ReadonlyArray<string | number>, message: string): InvalidInput {
    return new InvalidInput({ message, issues: [new Issue({ path: [...path], message })] })
  }

  /** The first issues found (at most `MAX_REPORTED_ISSUES`) of `count` in all. */
  static of(issues: ReadonlyArray<Issue>, count: number = issues.length): InvalidInput {
    const listed = issues.slice(0, MAX_REPORTED_ISSUES)
    return new InvalidInput({
      message: describeIssues(listed.map((issue) => issue.message), count),
      issues: listed,
      ...(count > listed.length ? { count } : {})
    })
  }

  /** How many issues were found in all. */
  get total(): number {
    return this.count ?? this.issues.length
  }
}

/** How many issues a list of `listed` leaves out of `count`, in words (`and 3 more issues`); empty when none. */
export const moreIssues = (listed: number, count: number): string => {
  const more = count - listed
  return more > 0 ? `and ${more} more ${more === 1 ? "issue" : "issues"}` : ""
}

/** Issues' sentences as one message, and how many more there were, of `count` in all. */
export const describeIssues = (messages: ReadonlyArray<string>, count: number): string => {
  const listed = messages.join("; ") || "The input is invalid"
  const more = moreIssues(messages.length, count)
  return more === "" ? listed : `${listed}; ${more}`
}

/**
 * No webhook with this id in the caller's teamspace (a 404 at the API). Failed by `Webhooks`,
 * `DeliveryLog` and `Replay` for an unknown or foreign id.
 */
export class WebhookNotFound extends Schema.TaggedError<WebhookNotFound>()("WebhookNotFound", {
  id: Schema.String
}) {
  override get message(): string {
    return `No webhook with id ${this.id}`
  }
}

/**
 * No `herald listen` listener with this id in the caller's teamspace: never opened, closed, or its
 * lease lapsed (a 404 at the API). Failed by `Listeners`.
 */
export class ListenerNotFound extends Schema.TaggedError<ListenerNotFound>()("ListenerNotFound", {
  id: Schema.String
}) {
  override get message(): string {
    return `No listener with id ${echo(this.id)}: it was closed, or its stream has been gone longer than its lease`
  }
}

/**
 * No event with this id in the caller's teamspace (a 404 at the API). Failed by `DeliveryLog` and
 * `Replay`.
 */
export class EventNotFound extends Schema.TaggedError<EventNotFound>()("EventNotFound", {
  id: Schema.String
}) {
  override get message(): string {
    return `No event with id ${this.id}`
  }
}

/**
 * No event type of this name in the caller's teamspace's catalog for that profile (a 404 at the
 * API). Failed by `EventTypes`.
 */
export class EventTypeNotFound extends Schema.TaggedError<EventTypeNotFound>()("EventTypeNotFound", {
  name: Schema.String,
  profile: Schema.String
}) {
  override get message(): string {
    return `No event type ${echo(this.name)} in the ${this.profile} catalog`
  }
}

/** An event type registered again while it is in the catalog (a 409 at the API). Failed by `EventTypes.create`. */
export class EventTypeConflict extends Schema.TaggedError<EventTypeConflict>()("EventTypeConflict", {
  name: Schema.String,
  profile: Schema.String
}) {
  override get message(): string {
    return `The ${this.profile} catalog already has the event type ${echo(this.name)}: change it with PATCH`
  }
}

/** An event's data is larger than `EventLimits` allow. */
export class EventDataTooLarge extends Schema.TaggedError<EventDataTooLarge>()("EventDataTooLarge", {
  /** The data's size, as JSON in UTF-8 bytes. */
  sizeBytes: Schema.Number,
  limitBytes: Schema.Number
}) {
  override get message(): string {
    return `The event data is ${this.sizeBytes} bytes as JSON, more than the ${this.limitBytes} an event may carry`
  }
}

/** A publish reused an event id with a different type or payload. */
export class EventConflict extends Schema.TaggedError<EventConflict>()("EventConflict", {
  id: Schema.String
}) {
  override get message(): string {
    return `Event ${this.id} was already published with a different type or data`
  }
}

/** A missing or unknown API key (a 401 at the API). Failed by `ApiKeys.authenticate`. */
export class Unauthenticated extends Schema.TaggedError<Unauthenticated>()("Unauthenticated", {
  message: Schema.String
}) {}
