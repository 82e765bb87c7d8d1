/**
 * One delivery attempt: load the event and subscription, render and sign the
 * envelope, POST it, log the attempt, and tell the queue whether to retry. When
 * an ordered webhook's delivery settles, the next event in its sequence starts.
 * A webhook's rate limit gives each delivery a slot; one whose slot is later is
 * deferred to it, unmade and uncounted.
 *
 * Events never change once stored, so the events this worker has loaded are
 * kept in a small in-process cache: a fan-out to many subscriptions reads and
 * decodes its event once (a retry minutes later usually finds it gone, or runs
 * on another worker).
 *
 * A webhook's profile gives its envelope and signature (`Profiles`). One whose
 * profile is not registered in this process (removed from the deployment, or a
 * worker composed without it) cannot be rendered: its delivery is dropped with
 * a logged error, as a disabled webhook's is (no attempt is logged, no retry).
 *
 * A job the reconciler enqueued (`DeliveryJob.reconciled`) claims its
 * `DeliveryLedger` row just before it is sent (after the rate limit, so a
 * deferred one does not count a run): no row means the delivery settled since
 * the reconciler read it, and it is dropped unsent; more than
 * `MAX_RECONCILED_RUNS` claims of one attempt mean its job keeps dying where it
 * lands (BullMQ's stalled limit dropped it each time), and it is given up with
 * an error log, as that limit does without a ledger.
 *
 * Its few log lines carry the job's ids, annotated where they are written: a
 * log annotation around every delivery costs several microseconds of CPU,
 * for lines almost no delivery writes.
 */
import { Clock, Data, Effect, Option, Redacted } from "effect"
import { Attempt, type FailureKind } from "./Attempt.js"
import { AttemptLog, type LedgerChange } from "./AttemptLog.js"
import * as BlockedWarnings from "./BlockedWarnings.js"
import { type DeliveryJob, type DeliveryOutcome, deferFor, done, givenUp, retryAfter, sequenced } from "./DeliveryJob.js"
import { DeliveryLedger } from "./DeliveryLedger.js"
import { defaults, DeliverySettings } from "./DeliverySettings.js"
import { EndpointHealth } from "./EndpointHealth.js"
import type { Event } from "./Event.js"
import { EventStore } from "./EventStore.js"
import { makeAttemptId } from "./Ids.js"
import * as ListenerRelay from "./ListenerRelay.js"
import * as Metrics from "./Metrics.js"
import { Profiles } from "./Profiles.js"
import { TEST_EVENT_TYPE } from "./EventType.js"
import { RateLimiter } from "./RateLimiter.js"
import * as RetrySchedule from "./RetrySchedule.js"
import { Sequencer } from "./Sequencer.js"
import { SubscriptionStore } from "./SubscriptionStore.js"
import * as Tracing from "./Tracing.js"
import { type DeliveryResponse, Transport, TransportError } from "./Transport.js"
import { UrlPolicy } from "./UrlPolicy.js"
import { userAgent } from "./Version.js"

/** A wait this short is slept in the handler rather than costing a queue round trip. */
const SLEEP_RATHER_THAN_DEFER_MS = 10

/** Runs of a reconciled job's attempt (its `DeliveryLedger` claims) past which it is given up. */
export const MAX_RECONCILED_RUNS = 3

/**
 * The event cache's bounds: entries, and characters of event data held. A
 * fan-out's deliveries sit together in the queue, so a small cache serves it;
 * a worker's memory stays flat however deep the backlog.
 */
const EVENT_CACHE_MAX_ENTRIES = 1_000
const EVENT_CACHE_MAX_DATA_CHARS = 4 * 1024 * 1024

/**
 * Recently loaded events, least recently used first (a `Map` keeps insertion
 * order, and a hit is moved to the end). Only found events are kept: an event
 * not found yet may still be stored, while a stored one never changes. An event
 * that expires from the store may be delivered from here a little longer,
 * which is harmless: it was published and its delivery was due.
 */
class EventCache {
  private readonly entries = new Map<string, Event>()
  private dataChars = 0

  get(key: string): Event | undefined {
    const event = this.entries.get(key)
    if (event !== undefined) {
      this.entries.delete(key)
      this.entries.set(key, event)
    }
    return event
  }

  set(key: string, event: Event): void {
    const size = event.dataJson.length
    if (size > EVENT_CACHE_MAX_DATA_CHARS || this.entries.has(key)) return
    this.entries.set(key, event)
    this.dataChars += size
    for (const [oldest, evicted] of this.entries) {
      if (this.entries.size <= EVENT_CACHE_MAX_ENTRIES && this.dataChars <= EVENT_CACHE_MAX_DATA_CHARS) break
      this.entries.delete(oldest)
      this.dataChars -= evicted.dataJson.length
    }
  }
}

/** `outcome`, saying the attempt's record already wrote it to the ledger. */
const inLedgerOutcome = (outcome: DeliveryOutcome): DeliveryOutcome =>
  outcome._tag === "Defer" ? outcome : { ...outcome, inLedger: true }

/** A failed attempt, as the error its span ends with; its outcome is the delivery's all the same. */
class FailedAttempt extends Data.TaggedError("FailedAttempt")<{ readonly outcome: DeliveryOutcome }> {
  override get message() {
    return "the delivery attempt failed"
  }
}

const isSuccess = (status: number) => status >= 200 && status < 300
const isRedirect = (status: number) => status >= 300 && status < 400

/**
 * Makes one delivery attempt for a `DeliveryJob` (`deliver`) and answers the queue with its
 * `DeliveryOutcome`: drops it when the event, the webhook or its profile is gone or the webhook is
 * disabled, defers it to its rate limit's slot, renders and signs the profile's envelope, checks
 * the URL policy, sends it, logs the `Attempt`, feeds endpoint health, and schedules the retry.
 * Never fails: every failure is an attempt logged.
 *
 * Used by the worker loop (`Herald.workerLayer`); needs the `EventStore`, `SubscriptionStore`,
 * `AttemptLog`, `Transport` (and `ListenerRelay`, for `herald listen`'s webhooks), `RateLimiter` and `Profiles` ports (and the `DeliveryLedger`, `none`
 * unless provided), the `UrlPolicy`, `RetrySchedule` and `DeliverySettings` settings,
 * `EndpointHealth` and `Sequencer`.
 */
export class Dispatcher extends Effect.Service<Dispatcher>()("@herald/core/Dispatcher", {
  effect: Effect.gen(function*() {
    const events = yield* EventStore
    const subscriptions = yield* SubscriptionStore
    const attempts = yield* AttemptLog
    const transport = yield* Transport
    const relay = yield* ListenerRelay.ListenerRelay
    const urlPolicy = yield* UrlPolicy
    const schedule = yield* RetrySchedule.RetrySchedule
    const settings = yield* DeliverySettings
    const health = yield* EndpointHealth
    const sequencer = yield* Sequencer
    const limiter = yield* RateLimiter
    const profiles = yield* Profiles
    const ledger = yield* DeliveryLedger
    const cache = new EventCache()
    const metrics = yield* Metrics.Enabled
    if (metrics) Metrics.initializeDeliveries(profiles.all.map(({ name }) => name))
    /** Counts a delivery's end, when metrics are recorded. */
    const ended = (profile: string, outcome: Metrics.Ending) => {
      if (metrics) Metrics.ended({ profile, outcome })
    }
    const warnBlocked = BlockedWarnings.make()
    /** The attempt's record writes its outcome to the ledger (`AttemptLog.keepsLedger`): one write, not two. */
    const attemptKeepsLedger = ledger.records && attempts.keepsLedger === true

    /** `\n` appears in no teamspace or event id, so keys of different pairs never collide. */
    const loadEvent = (job: DeliveryJob): Effect.Effect<Option.Option<Event>> =>
      Effect.suspend(() => {
        const key = `${job.teamspace}\n${job.eventId}`
        const cached = cache.get(key)
        if (cached !== undefined) return Effect.succeed(Option.some(cached))
        return Effect.map(events.get(job.teamspace, job.eventId), (event) => {
          if (Option.isSome(event)) cache.set(key, event.value)
          return event
        })
      })

    /**
     * Done; for an ordered webhook, after starting the next event in its
     * sequence (`sequenced`: a redelivery that put the event back in the
     * sequence meanwhile makes the queue run it again). A delivery that failed
     * for good says so (`givenUp`): the queue starts it again if a redelivery
     * was asked for during this attempt. Not an ordered webhook's: its sequence
     * has moved on, and the event must not run beside the next one.
     */
    const settle = (
      job: DeliveryJob,
      ordered: boolean,
      startedAt: number,
      failed = false,
      inLedger = false
    ): Effect.Effect<DeliveryOutcome> =>
      ordered
        // A recording ledger settles the head before its sequence moves on (the Worker settles again
        // after, a no-op, unless the attempt's record did): the other order, cut short between the
        // two, would leave the head's row owed behind the next head, sent again out of order after a
        // queue loss.
        ? Effect.as(
          Effect.zipRight(
            ledger.records && !inLedger ? ledger.settle(job, Option.some(startedAt)) : Effect.void,
            sequencer.settled(job)
          ),
          inLedger ? inLedgerOutcome(sequenced) : sequenced
        )
        : Effect.succeed(inLedger ? inLedgerOutcome(failed ? givenUp : done) : failed ? givenUp : done)

    /**
     * A rate-limited webhook's delivery goes when its slot comes: the slot log
     * gives each delivery its own future slot (so a backlog wakes once per
     * delivery, not in a herd), and the send log checks the moment it really
     * goes (a delivery that woke late must not crowd the next window). The
     * slot's holder is this attempt, so coming back deferred it finds its slot.
     */
    const throttle = (job: DeliveryJob, perSecond: number): Effect.Effect<Option.Option<DeliveryOutcome>> =>
      Effect.gen(function*() {
        const rule = { limit: perSecond, windowMs: 1000 }
        const wait = yield* limiter.reserve(`delivery-slots:${job.teamspace}:${job.webhookId}`, rule, `${job.key}#${job.attempt}`)
        if (wait > SLEEP_RATHER_THAN_DEFER_MS) return Option.some(deferFor(wait))
        if (wait > 0) yield* Effect.sleep(wait)
        const send = yield* limiter.consume(`delivery-sends:${job.teamspace}:${job.webhookId}`, rule)
        return send.allowed ? Option.none() : Option.some(deferFor(send.retryAfterMs))
      })

    const deliver = (job: DeliveryJob, traced: boolean, failedAttempt?: { failed: boolean }): Effect.Effect<DeliveryOutcome> =>
      Effect.gen(function*() {
        const startedAt = yield* Clock.currentTimeMillis
        const event = yield* loadEvent(job)
        const webhook = yield* subscriptions.get(job.teamspace, job.webhookId)
        if (Option.isNone(event) || Option.isNone(webhook)) {
          ended(Option.match(webhook, { onNone: () => "unknown", onSome: (hook) => hook.profile }), "dropped")
          yield* Effect.logInfo("delivery dropped: event or webhook no longer exists").pipe(Effect.annotateLogs(job.logAnnotations))
          return yield* settle(job, Option.exists(webhook, (hook) => hook.ordered), startedAt)
        }
        // A test delivery was asked for explicitly: it goes whatever the webhook subscribes to.
        const isTest = event.value.type === TEST_EVENT_TYPE
        if (!isTest && (!webhook.value.enabled || !webhook.value.subscribesTo(event.value.type))) {
          ended(webhook.value.profile, "dropped")
          yield* Effect.logInfo("delivery dropped: webhook disabled or no longer subscribed").pipe(
            Effect.annotateLogs(job.logAnnotations)
          )
          return yield* settle(job, webhook.value.ordered, startedAt)
        }
        const { value: hook } = webhook
        const profile = profiles.get(hook.profile)
        if (profile === undefined) {
          ended(hook.profile, "dropped")
          yield* Effect.logError(
            `delivery dropped: the webhook's profile "${hook.profile}" is not registered in this process (registered: ${
              profiles.all.map(({ name }) => name).join(", ")
            })`
          ).pipe(Effect.annotateLogs(job.logAnnotations))
          return yield* settle(job, hook.ordered, startedAt)
        }
        if (hook.rateLimit !== null) {
          const deferred = yield* throttle(job, hook.rateLimit)
          if (Option.isSome(deferred)) return deferred.value
        }
        // Only a recording ledger reconciles: without one, the flag cannot come from it.
        if (job.reconciled === true && ledger.records) {
          const runs = yield* ledger.claim(job)
          if (Option.isNone(runs)) {
            yield* Effect.logInfo("delivery dropped: settled since the reconciler enqueued it").pipe(
              Effect.annotateLogs(job.logAnnotations)
            )
            // As a give-up, which a redelivery asked for meanwhile runs again: nothing was sent, and a
            // plain Done would let the queue drop that redelivery and the Worker settle its row.
            return yield* settle(job, hook.ordered, startedAt, true)
          }
          if (runs.value > MAX_RECONCILED_RUNS) {
            ended(hook.profile, "given_up")
            yield* Effect.logError(
              `delivery given up: its job was run ${runs.value} times without settling (a job that stops every worker it runs on)`
            ).pipe(Effect.annotateLogs(job.logAnnotations))
            return yield* settle(job, hook.ordered, startedAt, true)
          }
        }
        const now = yield* Clock.currentTimeMillis
        const t = Math.floor(now / 1000)
        const format = profile.wireFormat
        const body = format.render(event.value, t)
        const secrets = hook.currentSecrets(now).map((secret) => Redacted.value(secret.key))
        const headers = {
          "Content-Type": "application/json",
          "User-Agent": userAgent,
          ...format.signatureHeaders(secrets, event.value, t, body)
        }

        const listenerId = ListenerRelay.listenerOf(hook.url)
        const sent = yield* (listenerId !== undefined
          // A `herald listen` webhook: handed to its stream, nothing dialled, so no URL policy.
          ? relay.send(job.teamspace, listenerId, {
            webhookId: hook.id,
            eventId: event.value.id,
            eventType: event.value.type,
            attempt: job.attempt,
            headers,
            body
          }, settings.timeoutMs)
          : urlPolicy.check(hook.url).pipe(
            Effect.mapError((error) => new TransportError({ kind: "blocked", message: error.message })),
            Effect.zipRight(transport.send({
              url: hook.url,
              headers,
              body,
              timeoutMs: settings.timeoutMs,
              connectTimeoutMs: settings.connectTimeoutMs ?? defaults.connectTimeoutMs
            }))
          )).pipe(Effect.either)
        const finished = yield* Clock.currentTimeMillis
        if (sent._tag === "Left" && sent.left.kind === "blocked") yield* warnBlocked(job, hook.url, sent.left.message)

        const response: DeliveryResponse | undefined = sent._tag === "Right" ? sent.right : undefined
        const successful = response !== undefined && isSuccess(response.status)
        const failure: FailureKind | null = successful
          ? null
          : sent._tag === "Left"
          ? sent.left.kind
          : isRedirect(sent.right.status)
          // Redirects are never followed (the target was not checked by the UrlPolicy).
          ? "redirect"
          : "http_status"
        // Before logging: a webhook this attempt disabled gets no next attempt, and the log must say so.
        const observed = health.observe(job.teamspace, job.webhookId, { successful, status: response?.status ?? null, at: finished })
        // Only a failure can log there (a webhook disabled).
        const disabled = yield* successful ? observed : Effect.annotateLogs(observed, job.logAnnotations)
        // Otherwise the schedule's delay with jitter, stretched to a 429/503's Retry-After (capped).
        const nextDelay = successful || disabled
          ? Option.none<number>()
          : Option.map(
            yield* RetrySchedule.jittered(schedule, job.attempt + 1),
            (delay) =>
              RetrySchedule.withRetryAfter(
                delay,
                response === undefined ? Option.none() : RetrySchedule.retryAfterOf(response.status, response.headers, finished)
              )
          )

        if (traced) {
          yield* Effect.annotateCurrentSpan({
            "herald.profile": hook.profile,
            "herald.successful": successful,
            "herald.duration_ms": finished - now,
            ...(response === undefined ? {} : { "http.response.status_code": response.status }),
            ...(failure === null ? {} : { "herald.failure_kind": failure })
          })
        }
        // What the ledger records of this attempt, when the attempt's record writes it: the next
        // attempt owed, or the delivery settled (a give-up or an ordered head only if no redelivery
        // was asked for meanwhile, as the Worker's settle of such outcomes).
        const change: LedgerChange | undefined = !attemptKeepsLedger
          ? undefined
          : Option.isSome(nextDelay)
          ? { _tag: "Scheduled", attempt: job.attempt + 1, dueAt: finished + nextDelay.value }
          : { _tag: "Settled", startedAt: hook.ordered || !successful ? Option.some(startedAt) : Option.none() }
        yield* attempts.record(
          // Not validated again: every field comes from the decoded job, event and webhook, or is computed in range here.
          new Attempt({
            id: makeAttemptId(now),
            teamspace: job.teamspace,
            webhookId: job.webhookId,
            eventId: job.eventId,
            eventType: event.value.type,
            attempt: job.attempt,
            url: hook.url,
            attemptedAt: now,
            durationMs: Math.max(0, finished - now),
            successful,
            responseStatus: response?.status ?? null,
            responseHeaders: response?.headers ?? {},
            responseBody: response?.body ?? "",
            failure,
            failureMessage: sent._tag === "Left" ? sent.left.message : null,
            nextAttemptAt: Option.match(nextDelay, { onNone: () => null, onSome: (delay) => finished + delay })
          }, { disableValidation: true }),
          change
        )
        // Counted once recorded: an attempt whose record failed is run again, and counted then.
        if (metrics) {
          Metrics.recordAttempt(hook.profile, failure, finished - now, successful ? finished - event.value.createdAt : undefined)
          if (successful) ended(hook.profile, "delivered")
          else if (Option.isNone(nextDelay)) ended(hook.profile, "given_up")
        }
        if (!successful) {
          // A failure is a line at debug level (a failing endpoint would otherwise flood the log); a
          // give-up, rarer and final, a warning.
          const line = Option.isSome(nextDelay)
            ? Effect.whenLogLevel(Effect.logDebug(`delivery attempt failed (${failure}), next attempt in ${nextDelay.value} ms`), "Debug")
            : Effect.logWarning(`delivery given up after attempt ${job.attempt} (${failure})`)
          yield* Effect.annotateLogs(line, {
            ...job.logAnnotations,
            ...(response === undefined ? { failureMessage: sent._tag === "Left" ? sent.left.message : null } : { status: response.status })
          })
        }
        if (failedAttempt !== undefined && !successful) failedAttempt.failed = true

        if (Option.isSome(nextDelay)) {
          const retry = retryAfter(nextDelay.value)
          return change === undefined ? retry : inLedgerOutcome(retry)
        }
        return yield* settle(job, hook.ordered, startedAt, !successful, change !== undefined)
      })

    /**
     * Each delivery in a span, when a tracer is installed: a child of the span that made it (the
     * publish, through the job's `trace`), with the attempt's status and duration as attributes.
     * Without one the span goes nowhere and cost a delivery 35 of its 125 Effect operations. No
     * stack trace: it is costly and says nothing the span's name does not.
     */
    const traced = (job: DeliveryJob): Effect.Effect<DeliveryOutcome> =>
      Effect.tracerWith((tracer) => {
        if (!Tracing.isInstalled(tracer)) return deliver(job, false)
        // A failed attempt ends its span as an error (trace viewers mark it), yet is an outcome.
        const attempt = { failed: false }
        return deliver(job, true, attempt).pipe(
          Effect.flatMap((outcome) => attempt.failed ? Effect.fail(new FailedAttempt({ outcome })) : Effect.succeed(outcome)),
          Effect.withSpan("Dispatcher.deliver", {
            captureStackTrace: false,
            kind: "consumer",
            attributes: { "herald.event_id": job.eventId, "herald.webhook_id": job.webhookId, "herald.attempt": job.attempt },
            ...Option.match(Tracing.parentOf(job.trace), { onNone: () => ({}), onSome: (parent) => ({ parent }) })
          }),
          Effect.catchTag("FailedAttempt", (failed) => Effect.succeed(failed.outcome))
        )
      })

    return { deliver: traced } as const
  })
}) {}
