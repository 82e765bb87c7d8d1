/**
 * Lua scripts as typed functions. `defineCommand` loads a script once per
 * connection and calls it by SHA (falling back to EVAL after a SCRIPT FLUSH);
 * ioredis types know nothing of commands added at runtime, hence the one cast.
 *
 * Every key a script touches is passed in KEYS and carries the client's
 * hash-tagged prefix, so the script is valid on Redis Cluster.
 */
import { Effect } from "effect"
import { type Connection, execute } from "../RedisClient.js"

export type Run = (keys: ReadonlyArray<string>, args: ReadonlyArray<string | number>) => Effect.Effect<unknown>

/** One call of a script: its keys and arguments. */
export interface Call {
  readonly keys: ReadonlyArray<string>
  readonly args: ReadonlyArray<string | number>
}

/** A script run once per call, every call pipelined in one round trip; the replies in the calls' order. */
export type RunAll = (calls: ReadonlyArray<Call>) => Effect.Effect<ReadonlyArray<unknown>>

type Command = (...keysAndArgs: Array<string | number>) => Promise<unknown>

/**
 * Registers `lua` under `name` (which says what it does) taking `numberOfKeys` keys, or any number
 * (`"any"`: a call passes as many as it needs); `all` runs it for several calls in one pipeline (on
 * a Cluster their keys share the prefix's hash tag, so one node).
 */
export const define = (
  redis: Connection,
  name: string,
  numberOfKeys: number | "any",
  lua: string
): Run & { readonly all: RunAll } => {
  const fixed = numberOfKeys === "any" ? undefined : numberOfKeys
  redis.defineCommand(name, fixed === undefined ? { lua } : { numberOfKeys: fixed, lua })
  // Without a fixed count, ioredis takes the count as the first argument.
  const argumentsOf = (call: Call) => fixed === undefined ? [call.keys.length, ...call.keys, ...call.args] : [...call.keys, ...call.args]
  const wrongKeys = (call: Call) => fixed !== undefined && call.keys.length !== fixed
  const command = (redis as unknown as Record<string, Command>)[name]!.bind(redis)
  const run: Run = (keys, args) =>
    wrongKeys({ keys, args })
      ? Effect.dieMessage(`${name} takes ${numberOfKeys} keys, got ${keys.length}`)
      : execute(name, () => command(...argumentsOf({ keys, args })))
  const all: RunAll = (calls) => {
    if (calls.length === 0) return Effect.succeed([])
    if (calls.some(wrongKeys)) return Effect.dieMessage(`${name} takes ${numberOfKeys} keys`)
    return execute(name, async () => {
      const pipeline = redis.pipeline()
      const queued = pipeline as unknown as Record<string, (...keysAndArgs: Array<string | number>) => unknown>
      for (const call of calls) queued[name]!(...argumentsOf(call))
      const replies = (await pipeline.exec()) ?? []
      return replies.map(([error, reply]) => {
        if (error !== null) throw error
        return reply
      })
    })
  }
  return Object.assign(run, { all })
}
