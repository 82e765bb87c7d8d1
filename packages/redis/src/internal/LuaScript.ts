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

type Command = (...keysAndArgs: Array<string | number>) => Promise<unknown>

/** Registers `lua` under `name` (which says what it does) taking `numberOfKeys` keys. */
export const define = (redis: Connection, name: string, numberOfKeys: number, lua: string): Run => {
  redis.defineCommand(name, { numberOfKeys, lua })
  const command = (redis as unknown as Record<string, Command>)[name]!.bind(redis)
  return (keys, args) =>
    keys.length === numberOfKeys
      ? execute(name, () => command(...keys, ...args))
      : Effect.dieMessage(`${name} takes ${numberOfKeys} keys, got ${keys.length}`)
}
