// The job data's reconciled flag ("r":1 in version 2): written, read back, and cleared by the next
// attempt; jobs written before it read as not reconciled. Pure: no Redis.
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { DeliveryJob, Ids } from "@herald/core"
import { Fixtures } from "@herald/testkit"
import * as JobData from "../src/JobData.js"

const reconciledJob = (attempt = 1) => {
  const job = Fixtures.job({ teamspace: Fixtures.teamspace(), attempt })
  return new DeliveryJob.DeliveryJob({ ...job, reconciled: true })
}

const readBack = (task: DeliveryJob.QueueTask, data: JobData.Encoded) =>
  Either.getOrThrow(JobData.decode(JobData.jobId(task), task.teamspace, JSON.parse(JSON.stringify(data))))

describe("JobData's reconciled flag", () => {
  it("a reconciled delivery is stored with \"r\":1 and read back reconciled", () => {
    const job = reconciledJob(3)
    const data = JobData.encode(job)
    expect(data).toEqual({ v: 2, e: job.eventId, a: 3, r: 1 })
    const decoded = readBack(job, data)
    expect(decoded.version).toBe(2)
    expect(decoded.job).toEqual(job)
    expect((decoded.job as DeliveryJob.DeliveryJob).reconciled).toBe(true)
  })

  it("the next attempt is not reconciled; the same attempt re-queued (a defer, a defect) still is", () => {
    const job = reconciledJob()
    expect(JobData.encode(job.next(), 0, 2)).toEqual({ v: 2, e: job.eventId, a: 2 })
    expect(JobData.encode(job, 1, 2)).toEqual({ v: 2, e: job.eventId, d: 1, r: 1 })
  })

  it("jobs written before the flag read as not reconciled, in both versions", () => {
    const job = Fixtures.job({ teamspace: Fixtures.teamspace() })
    const v2 = readBack(job, { v: 2, e: job.eventId })
    expect((v2.job as DeliveryJob.DeliveryJob).reconciled).toBeUndefined()
    const v1 = readBack(job, { v: 1, teamspace: job.teamspace, eventId: job.eventId, webhookId: job.webhookId, attempt: 1 })
    expect(v1.version).toBe(1)
    expect((v1.job as DeliveryJob.DeliveryJob).reconciled).toBeUndefined()
    expect(v1.job).toEqual(job)
  })

  it("a version 1 job keeps the flag when it is re-queued in its own layout", () => {
    const job = reconciledJob(2)
    const data = JobData.encode(job, 0, 1)
    expect(data).toEqual({ v: 1, teamspace: job.teamspace, eventId: job.eventId, webhookId: job.webhookId, attempt: 2, reconciled: true })
    expect(readBack(job, data).job).toEqual(job)
  })

  it("a reconciled job of a generated event id still fits a compact hash value (64 bytes)", () => {
    const job = new DeliveryJob.DeliveryJob({ ...Fixtures.job({ teamspace: Fixtures.teamspace(), eventId: Ids.makeEventId(), attempt: 12 }), reconciled: true })
    expect(Buffer.byteLength(JSON.stringify(JobData.encode(job, 3)))).toBeLessThanOrEqual(64)
  })
})

describe("JobData's trace and fan-out count", () => {
  const TRACE = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"

  it("a traced delivery keeps its traceparent (\"t\") through every attempt, and a step its trace and count", () => {
    const job = new DeliveryJob.DeliveryJob({ ...Fixtures.job({ teamspace: Fixtures.teamspace() }), trace: TRACE })
    const data = JobData.encode(job)
    expect(data).toEqual({ v: 2, e: job.eventId, t: TRACE })
    expect(readBack(job, data).job).toEqual(job)
    const next = job.next()
    expect(readBack(next, JobData.encode(next)).job).toEqual(next)
    expect(next.trace).toBe(TRACE)
    // Version 1 too (a job re-queued in the layout it was added with).
    expect(readBack(job, JobData.encode(job, 0, 1)).job).toEqual(job)

    const step = new DeliveryJob.FanOutJob({ teamspace: job.teamspace, eventId: job.eventId, after: job.webhookId, owed: 500, trace: TRACE })
    expect(readBack(step, JobData.encode(step)).job).toEqual(step)
  })

  it("jobs written before either read without them", () => {
    const job = Fixtures.job({ teamspace: Fixtures.teamspace() })
    expect((readBack(job, { v: 2, e: job.eventId }).job as DeliveryJob.DeliveryJob).trace).toBeUndefined()
    const step = new DeliveryJob.FanOutJob({ teamspace: job.teamspace, eventId: job.eventId, after: job.webhookId })
    const read = readBack(step, { v: 1, kind: "fanout", teamspace: step.teamspace, eventId: step.eventId, after: step.after }).job
    expect(read).toEqual(step)
  })
})
