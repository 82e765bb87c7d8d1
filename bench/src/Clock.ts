/**
 * The bench's clock: CLOCK_MONOTONIC in milliseconds (libuv's `uv_hrtime`). It
 * is system-wide, so the bench process and the receiver process read the same
 * clock: a send time stamped by one and a receipt time stamped by the other
 * subtract to a latency, immune to wall-clock steps. About 1e7 ms since boot, so
 * a double keeps sub-microsecond precision.
 */
export const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6
