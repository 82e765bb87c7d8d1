/**
 * What Linux says about a process: CPU time and resident memory, read from
 * /proc. Cheap enough to sample every few hundred milliseconds, and it costs the
 * measured process nothing.
 */
import { readFileSync } from "node:fs"

/** USER_HZ: 100 on every Linux this runs on (x86-64 and arm64). */
const TICKS_PER_SECOND = 100

/** User + system CPU seconds the process has used so far; NaN once it is gone. */
export const cpuSeconds = (pid: number): number => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    // The command name may contain spaces and parentheses: fields start after the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND
  } catch {
    return Number.NaN
  }
}

/** Resident set size in bytes; NaN once the process is gone. */
export const rssBytes = (pid: number): number => {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8")
    const match = /^VmRSS:\s+(\d+) kB/m.exec(status)
    return match === null ? Number.NaN : Number(match[1]) * 1024
  } catch {
    return Number.NaN
  }
}

/**
 * CPU used by each named process over a window: `start()`, run the load, then
 * `stop()` gives seconds of CPU per process and the window's length, so a
 * scenario can say which process was busy (one core = 1.0 per second).
 */
export const cpuMeter = (pids: Readonly<Record<string, number>>) => {
  const started = performance.now()
  const before = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuSeconds(pid)]))
  return (): CpuWindow => {
    const seconds = (performance.now() - started) / 1000
    const cores: Record<string, number> = {}
    const used: Record<string, number> = {}
    for (const [name, pid] of Object.entries(pids)) {
      used[name] = cpuSeconds(pid) - (before[name] ?? Number.NaN)
      cores[name] = round(used[name] / seconds, 2)
    }
    return { seconds, cores, cpuSeconds: used }
  }
}

export interface CpuWindow {
  readonly seconds: number
  /** Cores busy on average, rounded to hundredths: for reports. */
  readonly cores: Readonly<Record<string, number>>
  /** CPU seconds used over the window, unrounded: for figures per operation. */
  readonly cpuSeconds: Readonly<Record<string, number>>
}

/**
 * CPU milliseconds per operation for one process of a `cpuMeter` window: less
 * sensitive to other load on the machine than rates and latencies are, since a
 * process waiting for a core uses none.
 */
export const cpuMsPer = (window: CpuWindow, name: string, operations: number): number =>
  ((window.cpuSeconds[name] ?? Number.NaN) * 1000) / operations

/** Samples a process's RSS every `intervalMs` until stopped; returns the samples (bytes). */
export const rssSampler = (pid: number, intervalMs = 200) => {
  const samples: Array<number> = []
  const take = () => {
    const rss = rssBytes(pid)
    if (!Number.isNaN(rss)) samples.push(rss)
  }
  take()
  const timer = setInterval(take, intervalMs)
  return (): ReadonlyArray<number> => {
    clearInterval(timer)
    take()
    return samples
  }
}

export const round = (value: number, digits = 0): number => {
  const scale = 10 ** digits
  return Math.round(value * scale) / scale
}
