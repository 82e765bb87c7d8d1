/**
 * The signal that the server is stopping, for responses that would otherwise
 * never end (`herald listen`'s event streams): Node's `server.close` waits for
 * every response in progress, so a stream open when the process is told to
 * stop would hold the stop up for as long as its client stays. The server
 * completes it as it starts closing; such a response ends itself on it.
 */
import { Context, Deferred, Exit, FiberId } from "effect"

/**
 * Completed when the server serving this request starts to stop. A server that never signals (an
 * embedder's, through `nodeHandler`) leaves the default, which never completes.
 */
export class Stopping extends Context.Reference<Stopping>()("@herald/http/Stopping", {
  defaultValue: () => Deferred.unsafeMake<void>(FiberId.none)
}) {}

/** A new signal, and the function that raises it (idempotent, callable from Node's callbacks). */
export const make = (): { readonly signal: Deferred.Deferred<void>; readonly raise: () => void } => {
  const signal = Deferred.unsafeMake<void>(FiberId.none)
  return { signal, raise: () => Deferred.unsafeDone(signal, Exit.void) }
}
