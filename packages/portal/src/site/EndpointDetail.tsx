/**
 * One endpoint: its settings and state, the actions on it (edit, enable or
 * disable, send a test event, delete), its signing secret (shown once after
 * creation; revealed or rotated on demand), how to verify deliveries, and its
 * attempt log.
 */
import { useEffect, useRef, useState } from "preact/hooks"
import type { Webhook } from "./Api.js"
import { Attempts } from "./Attempts.js"
import type { Ctx } from "./Context.js"
import { EditEndpoint } from "./EndpointForm.js"
import { StateBadge } from "./EndpointList.js"
import { dateTime } from "./Format.js"
import { SECRET_PLACEHOLDER } from "./Profiles.js"
import { attempt, ConfirmDialog, CopyButton, ErrorMessage, Heading, SecretBox } from "./Ui.js"

const OVERLAPS: ReadonlyArray<readonly [string, number]> = [
  ["None: the old secret stops at once", 0],
  ["1 hour", 3600],
  ["24 hours", 86_400]
]

const Secrets = (props: { readonly ctx: Ctx; readonly webhook: Webhook; readonly secret: string | undefined; readonly onSecret: (secret: string) => void }) => {
  const { ctx, webhook } = props
  const [overlap, setOverlap] = useState(3600)
  const [rotated, setRotated] = useState<string | null | undefined>(undefined)
  const [error, setError] = useState<string | undefined>(undefined)
  const [busy, setBusy] = useState(false)
  const reveal = async () => {
    setBusy(true)
    const report = await attempt(ctx.announce, async () => {
      const answer = await ctx.api.revealSecret(webhook.id)
      props.onSecret(answer.secret)
      ctx.announce("Secret shown")
    })
    setError(report?.message)
    setBusy(false)
  }
  const rotate = async (e: Event) => {
    e.preventDefault()
    setBusy(true)
    const report = await attempt(ctx.announce, async () => {
      const answer = await ctx.api.rotateSecret(webhook.id, overlap)
      props.onSecret(answer.secret)
      setRotated(answer.previous_secret_expires_at ?? null)
      ctx.announce("Secret rotated: the new secret is shown")
    })
    setError(report?.fields["overlap_seconds"] ?? report?.message)
    setBusy(false)
  }
  return (
    <section aria-labelledby="secret-title">
      <h2 id="secret-title">Signing secret</h2>
      {props.secret === undefined
        ? <p>The secret signs every delivery, so your endpoint can check it came from us.</p>
        : (
          <SecretBox id="secret-value" label="Signing secret" secret={props.secret} announce={ctx.announce}>
            {rotated === undefined
              ? null
              : <p class="hint">{rotated === null ? "The previous secret no longer signs deliveries." : `The previous secret also signs deliveries until ${dateTime(rotated)}.`}</p>}
          </SecretBox>
        )}
      <ErrorMessage message={error} />
      {ctx.readOnly ? null : (
        <div class="secret-actions">
          {props.secret === undefined
            ? <button type="button" class="secondary" disabled={busy} onClick={reveal}>Reveal secret</button>
            : null}
          <form class="inline-form" onSubmit={rotate}>
            <div class="field">
              <label for="rotate-overlap">Keep the old secret signing for</label>
              <select id="rotate-overlap" value={String(overlap)} onChange={(e) => setOverlap(Number(e.currentTarget.value))}>
                {OVERLAPS.map(([label, seconds]) => <option key={seconds} value={String(seconds)}>{label}</option>)}
              </select>
            </div>
            <button type="submit" class="secondary" disabled={busy}>Rotate secret</button>
          </form>
        </div>
      )}
    </section>
  )
}

const Verification = (props: { readonly ctx: Ctx; readonly secret: string | undefined }) => {
  const { profile } = props.ctx
  if (profile === undefined) return null
  const samples = profile.samples(props.secret ?? SECRET_PLACEHOLDER)
  return (
    <section aria-labelledby="verify-title">
      <h2 id="verify-title">Verify deliveries</h2>
      <p>{profile.signature} Check it on the raw request body before trusting a delivery.</p>
      {samples.map((sample, n) => (
        <details key={sample.title} open={n === 0}>
          <summary>{sample.title}</summary>
          <pre class="code" tabIndex={0} aria-label={`${sample.title} code sample`}>{sample.code}</pre>
          <CopyButton text={sample.code} label={`Copy the ${sample.title} sample`} announce={props.ctx.announce} />
        </details>
      ))}
    </section>
  )
}

/**
 * The endpoint view. `createdSecret` is the secret of a webhook just created, shown once, and
 * `createdWarning` what went wrong setting its delivery options.
 */
export const EndpointDetail = (props: {
  readonly ctx: Ctx
  readonly id: string
  readonly createdSecret: string | undefined
  readonly createdWarning: string | undefined
  readonly onBack: () => void
}) => {
  const { ctx } = props
  const [webhook, setWebhook] = useState<Webhook | undefined>(undefined)
  const [error, setError] = useState<string | undefined>(undefined)
  const [editing, setEditing] = useState(false)
  const [deleting, setDeleting] = useState(false)
  // The secret for the samples; `shown` once revealed or rotated here (a new endpoint's is in its own callout).
  const [secret, setSecret] = useState<string | undefined>(props.createdSecret)
  const [shown, setShown] = useState(false)
  // The creation callout's secret is the first one: once the secret is revealed or rotated here, it goes.
  const [created, setCreated] = useState(props.createdSecret)
  const [testEvent, setTestEvent] = useState<string | undefined>(undefined)
  const [refresh, setRefresh] = useState(0)
  const [busy, setBusy] = useState(false)
  const deleteButton = useRef<HTMLButtonElement>(null)

  useEffect(() => {
    void attempt(ctx.announce, async () => setWebhook(await ctx.api.webhook(props.id))).then((report) => setError(report?.message))
  }, [props.id])

  const act = async (action: () => Promise<void>) => {
    setBusy(true)
    const report = await attempt(ctx.announce, action)
    setError(report?.message)
    setBusy(false)
  }
  const toggle = () =>
    act(async () => {
      const saved = await ctx.api.update(props.id, { enabled: !webhook!.enabled })
      setWebhook(saved)
      ctx.announce(saved.enabled ? "Endpoint enabled" : "Endpoint disabled")
    })
  const sendTest = () =>
    act(async () => {
      const event = await ctx.api.sendTest(props.id)
      setTestEvent(event.id)
      setRefresh((r) => r + 1)
      ctx.announce("Test event sent")
    })
  const remove = () =>
    act(async () => {
      setDeleting(false)
      await ctx.api.remove(props.id)
      ctx.announce("Endpoint deleted")
      props.onBack()
    })

  const back = <button type="button" class="link back" onClick={props.onBack}>← All endpoints</button>
  if (webhook === undefined) {
    return (
      <section>
        {back}
        {error === undefined ? <p aria-busy="true">Loading endpoint…</p> : <ErrorMessage message={error} />}
      </section>
    )
  }
  return (
    <>
      <section aria-labelledby="endpoint-title">
        {back}
        <Heading id="endpoint-title" class="url">{webhook.url}</Heading>
        {created === undefined ? null : (
          <div class="callout" role="region" aria-label="New endpoint's secret">
            <p><strong>Endpoint created.</strong> Copy its signing secret now: use it to verify deliveries.</p>
            <SecretBox id="created-secret" label="New signing secret" secret={created} announce={ctx.announce} />
            {props.createdWarning === undefined ? null : <p class="warning">{props.createdWarning}</p>}
          </div>
        )}
        <p class="meta"><StateBadge webhook={webhook} /></p>
        {webhook.disabled_reason === undefined ? null : <p class="warning">Deliveries were stopped automatically: {webhook.disabled_reason}</p>}
        <dl class="facts">
          <dt>Event types</dt>
          <dd>{webhook.events.map((e) => <span key={e} class="chip mono">{e}</span>)}</dd>
          <dt>Delivery</dt>
          <dd>
            {webhook.ordered === true ? "In order, one at a time" : "In parallel"}
            {webhook.rate_limit === undefined ? ", no rate limit" : `, at most ${webhook.rate_limit} per second`}
          </dd>
          <dt>Created</dt>
          <dd>{dateTime(webhook.created_at)}</dd>
          <dt>Updated</dt>
          <dd>{dateTime(webhook.updated_at)}</dd>
          <dt>Id</dt>
          <dd class="mono">{webhook.id}</dd>
        </dl>
        <ErrorMessage message={error} />
        {ctx.readOnly || editing ? null : (
          <div class="actions wrap">
            <button type="button" disabled={busy} onClick={sendTest}>Send test event</button>
            <button type="button" class="secondary" disabled={busy} onClick={() => setEditing(true)}>Edit</button>
            <button type="button" class="secondary" disabled={busy} onClick={toggle}>{webhook.enabled ? "Disable" : "Enable"}</button>
            <button type="button" class="danger" ref={deleteButton} disabled={busy} onClick={() => setDeleting(true)}>Delete</button>
          </div>
        )}
      </section>
      {editing
        ? (
          <EditEndpoint
            ctx={ctx}
            webhook={webhook}
            onSaved={(saved) => {
              setWebhook(saved)
              setEditing(false)
            }}
            onCancel={() => setEditing(false)}
          />
        )
        : null}
      {deleting
        ? (
          <ConfirmDialog
            title="Delete this endpoint?"
            confirm="Delete endpoint"
            onConfirm={remove}
            onCancel={() => {
              setDeleting(false)
              setTimeout(() => deleteButton.current?.focus(), 0)
            }}
          >
            <p>
              <span class="url">{webhook.url}</span> stops receiving events at once; deliveries still waiting are dropped. This cannot be undone.
            </p>
          </ConfirmDialog>
        )
        : null}
      <Secrets
        ctx={ctx}
        webhook={webhook}
        secret={shown ? secret : undefined}
        onSecret={(value) => {
          setSecret(value)
          setShown(true)
          setCreated(undefined)
        }}
      />
      <Verification ctx={ctx} secret={secret} />
      <Attempts ctx={ctx} webhookId={webhook.id} refresh={refresh} waitFor={testEvent} />
    </>
  )
}
