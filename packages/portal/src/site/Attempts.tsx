/**
 * An endpoint's delivery attempts, newest first: when, which event, the
 * response status, how long it took and why it failed, with the response's
 * headers and body behind a disclosure; a "failed only" filter, redelivery of
 * one event, and recovery of every failed delivery since a date.
 */
import { useEffect, useRef, useState } from "preact/hooks"
import type { Attempt } from "./Api.js"
import type { Ctx } from "./Context.js"
import { dateTime, duration, isoToLocal, localToIso } from "./Format.js"
import { attempt as run, ErrorMessage } from "./Ui.js"

const PAGE = 20

const FAILURES: Readonly<Record<string, string>> = {
  timeout: "Timed out",
  connection: "Connection failed",
  dns: "Host not found",
  tls: "TLS error",
  blocked: "Blocked address",
  redirect: "Redirected",
  http_status: "Error status",
  other: "Failed"
}

const outcome = (a: Attempt): string =>
  a.successful ? "Succeeded" : a.failure === null ? "Failed" : FAILURES[a.failure] ?? a.failure

const AttemptRow = (props: { readonly ctx: Ctx; readonly webhookId: string; readonly attempt: Attempt }) => {
  const { ctx, attempt: a } = props
  const [busy, setBusy] = useState(false)
  const redeliver = async () => {
    setBusy(true)
    await run(ctx.announce, async () => {
      const result = await ctx.api.redeliver(a.event_id, props.webhookId)
      ctx.announce(result.deliveries === 0 ? "Nothing to redeliver" : `Event ${a.event_id} queued for redelivery`)
    })
    setBusy(false)
  }
  const headers = Object.entries(a.response_headers)
  return (
    <li class={a.successful ? "attempt" : "attempt failed"}>
      <div class="attempt-head">
        <span class={a.successful ? "badge ok" : "badge off"}>{outcome(a)}</span>
        <span class="mono">{a.response_status_code === null ? "no response" : `HTTP ${a.response_status_code}`}</span>
        <span>{duration(a.duration_ms)}</span>
        <span class="muted">{dateTime(a.attempted_at)}</span>
      </div>
      <p class="attempt-event">
        <span class="mono">{a.event_type}</span> · attempt {a.attempt} · <span class="mono">{a.event_id}</span>
      </p>
      {a.failure_message === null ? null : <p class="warning">{a.failure_message}</p>}
      {a.next_attempt_at === null ? null : <p class="muted">Next attempt {dateTime(a.next_attempt_at)}</p>}
      <details>
        <summary>Response{headers.length === 0 && a.response_body === "" ? " (empty)" : ""}</summary>
        <h3 class="minor">Headers</h3>
        {headers.length === 0
          ? <p class="muted">None</p>
          : <pre class="code">{headers.map(([name, value]) => `${name}: ${value}`).join("\n")}</pre>}
        <h3 class="minor">Body</h3>
        {a.response_body === "" ? <p class="muted">Empty</p> : <pre class="code">{a.response_body}</pre>}
      </details>
      {ctx.readOnly ? null : (
        <button type="button" class="secondary small" disabled={busy} aria-label={`Redeliver event ${a.event_id}`} onClick={redeliver}>
          Redeliver
        </button>
      )}
    </li>
  )
}

const Recover = (props: { readonly ctx: Ctx; readonly webhookId: string; readonly onDone: () => void }) => {
  const { ctx } = props
  const [since, setSince] = useState(() => isoToLocal(new Date(Date.now() - 24 * 3600_000)))
  const [error, setError] = useState<string | undefined>(undefined)
  const submit = async (e: Event) => {
    e.preventDefault()
    const iso = localToIso(since)
    if (iso === undefined) {
      setError("Enter a date and time.")
      return
    }
    const report = await run(ctx.announce, async () => {
      const result = await ctx.api.recover(props.webhookId, iso)
      ctx.announce(result.deliveries === 1 ? "1 failed delivery sent again" : `${result.deliveries} failed deliveries sent again`)
      props.onDone()
    })
    setError(report === undefined ? undefined : report.fields["since"] ?? report.message)
  }
  return (
    <form class="inline-form" onSubmit={submit} noValidate>
      <div class="field">
        <label for="recover-since">Recover failed deliveries since</label>
        <input
          id="recover-since"
          type="datetime-local"
          value={since}
          aria-invalid={error === undefined ? undefined : "true"}
          aria-describedby={error === undefined ? undefined : "recover-error"}
          onInput={(e) => setSince(e.currentTarget.value)}
        />
        <ErrorMessage id="recover-error" message={error} />
      </div>
      <button type="submit" class="secondary">Recover</button>
    </form>
  )
}

/** The attempts section of an endpoint. `refresh` changes when a test send asks for a reload. */
export const Attempts = (props: {
  readonly ctx: Ctx
  readonly webhookId: string
  readonly refresh: number
  readonly waitFor: string | undefined
}) => {
  const { ctx, webhookId } = props
  const [failedOnly, setFailedOnly] = useState(false)
  const [attempts, setAttempts] = useState<ReadonlyArray<Attempt> | undefined>(undefined)
  const [cursor, setCursor] = useState<string | null>(null)
  const [error, setError] = useState<string | undefined>(undefined)
  const [reloads, setReloads] = useState(0)
  // Only the latest load's answer is shown (the filter may change while one is under way).
  const latest = useRef(0)

  const load = async (from?: string) => {
    const mine = ++latest.current
    const report = await run(ctx.announce, async () => {
      const page = await ctx.api.attempts(webhookId, { limit: PAGE, failedOnly, ...(from === undefined ? {} : { cursor: from }) })
      if (mine !== latest.current) return
      setAttempts((before) => [...(from === undefined ? [] : before ?? []), ...page.data])
      setCursor(page.next_cursor)
    })
    if (mine === latest.current) setError(report?.message)
  }
  useEffect(() => void load(), [failedOnly, props.refresh, reloads])

  // After a test send: poll for its attempt for a few seconds.
  useEffect(() => {
    const eventId = props.waitFor
    if (eventId === undefined) return
    let stopped = false
    const poll = async () => {
      for (let n = 0; n < 10 && !stopped; n++) {
        await new Promise((resolve) => setTimeout(resolve, 1000))
        if (stopped) return
        try {
          const page = await ctx.api.attempts(webhookId, { limit: PAGE })
          const found = page.data.find((a) => a.event_id === eventId)
          if (found !== undefined) {
            if (!failedOnly) {
              setAttempts(page.data)
              setCursor(page.next_cursor)
            } else setReloads((r) => r + 1)
            ctx.announce(found.successful ? "Test event delivered" : `Test event delivery failed: ${outcome(found)}`)
            return
          }
        } catch {
          return
        }
      }
      if (!stopped) ctx.announce("The test event has not been attempted yet; refresh the attempts in a moment")
    }
    void poll()
    return () => {
      stopped = true
    }
  }, [props.waitFor])

  return (
    <section aria-labelledby="attempts-title">
      <div class="heading-row">
        <h2 id="attempts-title">Delivery attempts</h2>
        <button type="button" class="secondary small" onClick={() => setReloads((r) => r + 1)}>Refresh attempts</button>
      </div>
      <div class="field check">
        <input id="failed-only" type="checkbox" checked={failedOnly} onChange={(e) => setFailedOnly(e.currentTarget.checked)} />
        <label for="failed-only">Failed only</label>
      </div>
      <ErrorMessage message={error} />
      {attempts === undefined && error === undefined ? <p aria-busy="true">Loading attempts…</p> : null}
      {attempts !== undefined && attempts.length === 0
        ? <p class="empty">{failedOnly ? "No failed attempts." : "No attempts yet. Send a test event to try the endpoint."}</p>
        : null}
      {attempts !== undefined && attempts.length > 0
        ? <ul class="attempts">{attempts.map((a) => <AttemptRow key={a.id} ctx={ctx} webhookId={webhookId} attempt={a} />)}</ul>
        : null}
      {cursor === null ? null : <button type="button" class="secondary" onClick={() => load(cursor)}>Load more attempts</button>}
      {ctx.readOnly ? null : <Recover ctx={ctx} webhookId={webhookId} onDone={() => setReloads((r) => r + 1)} />}
    </section>
  )
}
