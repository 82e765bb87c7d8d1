/**
 * One end-to-end measurement, shared by the scenarios that need CPU per publish
 * and per delivery: events published as fast as the endpoint takes them (closed
 * loop, one subscription each; single publishes, or batches with `batchSize`),
 * delivered by a worker to the receiver, with every process's CPU read from
 * /proc over the window. Herald's stack and the naive pipeline are measured by
 * the same code (`measureWith`, given the processes by name).
 */
import type { ClosedLoopResult, Publisher } from "../Publisher.js"
import { cpuMeter, cpuMsPer, type CpuWindow } from "../Proc.js"
import type { ReceiverStats } from "../Protocol.js"
import { type Context, type Stack, stackPids } from "./Context.js"

export const WARMUP_EVENTS = 500

/**
 * JIT, connection pools and Lua scripts warmed up, then forgotten: the receiver counts from nothing after it
 * (checking signatures with `secret`, by default the stack's webhook's).
 */
export const warmUp = async (
  context: Context,
  stack: Stack | { readonly secret: string },
  load: Publisher,
  batchSize = 1
): Promise<void> => {
  await load.closedLoop(WARMUP_EVENTS, context.config.publishConnections, 0, batchSize)
  await context.receiver.waitFor(WARMUP_EVENTS, 60_000)
  context.receiver.reset("secret" in stack ? stack.secret : stack.webhook.secret)
}

export interface Measured {
  readonly published: ClosedLoopResult
  /** The receiver's clock at the last expected receipt. */
  readonly lastAt: number
  readonly cpu: CpuWindow
  readonly stats: ReceiverStats
  /** CPU ms per delivered event of one process of `stackPids` (or `bench`). */
  readonly cpuMs: (name: string) => number
}

/**
 * Publishes `events` (after the warm-up's sequence numbers) and waits for their
 * deliveries; the CPU window spans both. Call after `warmUp`.
 */
export const measure = (context: Context, stack: Stack, load: Publisher, events: number, batchSize = 1): Promise<Measured> =>
  measureWith(context, stackPids(context, stack), load, events, batchSize)

/** `measure` for any set of processes, by the names the CPU figures use (the bench's own is added). */
export const measureWith = async (
  context: Context,
  pids: Readonly<Record<string, number>>,
  load: Publisher,
  events: number,
  batchSize = 1
): Promise<Measured> => {
  const meter = cpuMeter({ ...pids, bench: process.pid })
  const published = await load.closedLoop(events, context.config.publishConnections, WARMUP_EVENTS, batchSize)
  const lastAt = await context.receiver.waitFor(events - published.errors, 600_000)
  const cpu = meter()
  const stats = await context.receiver.stats()
  return { published, lastAt, cpu, stats, cpuMs: (name) => cpuMsPer(cpu, name, stats.count) }
}
