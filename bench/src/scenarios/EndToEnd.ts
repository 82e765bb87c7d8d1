/**
 * One end-to-end measurement, shared by the scenarios that need CPU per publish
 * and per delivery: events published through the API as fast as it takes them
 * (closed loop, one subscription each), delivered by the worker to the receiver,
 * with every process's CPU read from /proc over the window.
 */
import type { ClosedLoopResult, Publisher } from "../Publisher.js"
import { cpuMeter, cpuMsPer, type CpuWindow } from "../Proc.js"
import type { ReceiverStats } from "../Protocol.js"
import { type Context, type Stack, stackPids } from "./Context.js"

export const WARMUP_EVENTS = 500

/** JIT, connection pools and Lua scripts warmed up, then forgotten: the receiver counts from nothing after it. */
export const warmUp = async (context: Context, stack: Stack, load: Publisher): Promise<void> => {
  await load.closedLoop(WARMUP_EVENTS, context.config.publishConnections)
  await context.receiver.waitFor(WARMUP_EVENTS, 60_000)
  context.receiver.reset(stack.webhook.secret)
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
export const measure = async (context: Context, stack: Stack, load: Publisher, events: number): Promise<Measured> => {
  const meter = cpuMeter({ ...stackPids(context, stack), bench: process.pid })
  const published = await load.closedLoop(events, context.config.publishConnections, WARMUP_EVENTS)
  const lastAt = await context.receiver.waitFor(events - published.errors, 600_000)
  const cpu = meter()
  const stats = await context.receiver.stats()
  return { published, lastAt, cpu, stats, cpuMs: (name) => cpuMsPer(cpu, name, stats.count) }
}
