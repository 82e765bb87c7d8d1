/**
 * The machine a run was taken on, recorded with its figures: benchmark numbers
 * mean little without it.
 */
import * as os from "node:os"

export interface Machine {
  readonly cpus: number
  readonly cpuModel: string
  readonly memoryGiB: number
  readonly os: string
  readonly node: string
  readonly redis: string
  readonly loadAverageAtStart: ReadonlyArray<number>
}

export const describe = (redisVersion: string): Machine => ({
  cpus: os.availableParallelism(),
  cpuModel: os.cpus()[0]?.model ?? "unknown",
  memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
  os: `${os.type()} ${os.release()} ${os.arch()}`,
  node: process.version,
  redis: redisVersion,
  loadAverageAtStart: os.loadavg().map((value) => Math.round(value * 100) / 100)
})
