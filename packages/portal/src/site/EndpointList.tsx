/**
 * The customer's endpoints: URL, state (with Herald's reason when it disabled
 * one), event types, and the success rate of its last 50 attempts, fetched
 * a few endpoints at a time once the list is shown.
 */
import { useEffect, useState } from "preact/hooks"
import type { Webhook } from "./Api.js"
import type { Ctx } from "./Context.js"
import { successRate } from "./Format.js"
import { attempt, ErrorMessage, Heading } from "./Ui.js"

/** How many endpoints' attempts are fetched at once for their success rates. */
const RATE_CONCURRENCY = 3
const RATE_SAMPLE = 50

type Rate = number | "none" | "unknown"

/** The endpoint's state in words. */
export const StateBadge = (props: { readonly webhook: Webhook }) =>
  props.webhook.enabled
    ? <span class="badge ok">Enabled</span>
    : <span class="badge off">{props.webhook.disabled_reason === undefined ? "Disabled" : "Disabled automatically"}</span>

const RateText = (props: { readonly rate: Rate | undefined }) => {
  const { rate } = props
  if (rate === undefined) return <span class="muted">Success rate: loading…</span>
  if (rate === "unknown") return <span class="muted">Success rate: not available</span>
  if (rate === "none") return <span class="muted">No deliveries yet</span>
  return <span class={rate < 90 ? "rate low" : "rate"}>{rate}% of recent deliveries succeeded</span>
}

/** The list view. */
export const EndpointList = (props: { readonly ctx: Ctx; readonly onOpen: (id: string) => void; readonly onCreate: () => void }) => {
  const { ctx } = props
  const [webhooks, setWebhooks] = useState<ReadonlyArray<Webhook> | undefined>(undefined)
  const [cursor, setCursor] = useState<string | null>(null)
  const [error, setError] = useState<string | undefined>(undefined)
  const [rates, setRates] = useState<Readonly<Record<string, Rate>>>({})

  const load = async (from?: string) => {
    const report = await attempt(ctx.announce, async () => {
      const page = await ctx.api.webhooks(from)
      setWebhooks((before) => [...(from === undefined ? [] : before ?? []), ...page.data])
      setCursor(page.next_cursor)
    })
    setError(report?.message)
  }
  useEffect(() => void load(), [])

  // Success rates, a few endpoints at a time.
  useEffect(() => {
    if (webhooks === undefined) return
    const waiting = webhooks.filter((w) => rates[w.id] === undefined).map((w) => w.id)
    let cancelled = false
    const worker = async () => {
      for (let id = waiting.shift(); id !== undefined && !cancelled; id = waiting.shift()) {
        let rate: Rate
        try {
          const page = await ctx.api.attempts(id, { limit: RATE_SAMPLE })
          rate = successRate(page.data) ?? "none"
        } catch {
          rate = "unknown"
        }
        const done = id
        if (!cancelled) setRates((before) => ({ ...before, [done]: rate }))
      }
    }
    for (let n = 0; n < RATE_CONCURRENCY; n++) void worker()
    return () => {
      cancelled = true
    }
  }, [webhooks])

  const canCreate = !ctx.readOnly && ctx.profile !== undefined
  return (
    <section aria-labelledby="endpoints-title">
      <div class="heading-row">
        <Heading id="endpoints-title">Endpoints</Heading>
        {canCreate ? <button type="button" onClick={props.onCreate}>Add endpoint</button> : null}
      </div>
      <ErrorMessage message={error} />
      {webhooks === undefined && error === undefined ? <p aria-busy="true">Loading endpoints…</p> : null}
      {webhooks !== undefined && webhooks.length === 0
        ? <p class="empty">No endpoints yet.{canCreate ? " Add one to start receiving webhooks." : ""}</p>
        : null}
      {webhooks !== undefined && webhooks.length > 0
        ? (
          <ul class="cards">
            {webhooks.map((webhook) => (
              <li key={webhook.id} class="card">
                <button type="button" class="link url" onClick={() => props.onOpen(webhook.id)}>{webhook.url}</button>
                <p class="meta">
                  <StateBadge webhook={webhook} />
                  <span>{webhook.events.length === 1 ? "1 event type" : `${webhook.events.length} event types`}</span>
                  <RateText rate={rates[webhook.id]} />
                </p>
                {webhook.disabled_reason === undefined ? null : <p class="warning">{webhook.disabled_reason}</p>}
              </li>
            ))}
          </ul>
        )
        : null}
      {cursor === null ? null : <button type="button" class="secondary" onClick={() => load(cursor)}>Load more endpoints</button>}
    </section>
  )
}
