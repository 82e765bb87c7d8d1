/**
 * The `NotReplayed` annotation: an endpoint whose responses the edge's
 * idempotency (`edge/Idempotency`) never stores for replay, because they hold a
 * credential that must not outlive its use in the store (a portal session's
 * token). A contract module, so that declaring it loads no server code.
 */
import { Context } from "effect"

/** An endpoint whose responses are never stored for replay (an annotation, like `Scopes.Required`): each retry runs afresh. */
export class NotReplayed extends Context.Tag("@herald/http/NotReplayed")<NotReplayed, boolean>() {}
