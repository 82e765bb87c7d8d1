/**
 * Creating and editing an endpoint: its URL, the event types it subscribes to
 * (from the catalog; a type no longer listed stays, checked and marked
 * archived), ordered delivery and a rate limit. The server's refusals are shown
 * under the field they name (`aria-describedby`), the rest above the buttons.
 */
import { useEffect, useState } from "preact/hooks"
import type { Webhook } from "./Api.js"
import type { Ctx } from "./Context.js"
import type { ErrorReport } from "./Errors.js"
import { changesOf, checkValues, rateLimitOf, type Values } from "./EndpointValues.js"
import { attempt, ErrorMessage, Heading } from "./Ui.js"

const EventPicker = (props: {
  readonly ctx: Ctx
  readonly selected: ReadonlyArray<string>
  readonly onChange: (events: ReadonlyArray<string>) => void
  readonly error: string | undefined
}) => {
  const { catalog } = props.ctx
  const errorId = props.error === undefined ? undefined : "events-error"
  if (catalog === undefined || catalog === null || catalog.length === 0) {
    return (
      <div class="field">
        <label for="events-text">Event types</label>
        <p id="events-hint" class="hint">Separate event types with commas.</p>
        <input
          id="events-text"
          type="text"
          value={props.selected.join(", ")}
          aria-invalid={props.error === undefined ? undefined : "true"}
          aria-describedby={["events-hint", errorId].filter(Boolean).join(" ")}
          onChange={(e) =>
            props.onChange(e.currentTarget.value.split(",").map((s) => s.trim()).filter((s) => s !== ""))}
        />
        <ErrorMessage id={errorId} message={props.error} />
      </div>
    )
  }
  const listed = new Set(catalog.map((type) => type.name))
  const archived = props.selected.filter((name) => !listed.has(name))
  const toggle = (name: string, on: boolean) =>
    props.onChange(on ? [...props.selected.filter((n) => n !== name), name] : props.selected.filter((n) => n !== name))
  const allOn = catalog.every((type) => props.selected.includes(type.name))
  return (
    <fieldset class="field events" aria-describedby={errorId} aria-invalid={props.error === undefined ? undefined : "true"}>
      <legend>Event types</legend>
      <button
        type="button"
        class="link small"
        onClick={() => props.onChange(allOn ? archived : [...archived, ...catalog.map((type) => type.name)])}
      >
        {allOn ? "Clear all" : "Select all"}
      </button>
      <ul class="checks">
        {catalog.map((type, n) => (
          <li key={type.name}>
            <input
              id={`event-${n}`}
              type="checkbox"
              checked={props.selected.includes(type.name)}
              aria-describedby={type.description === "" ? undefined : `event-${n}-description`}
              onChange={(e) => toggle(type.name, e.currentTarget.checked)}
            />
            <label for={`event-${n}`} class="mono">{type.name}</label>
            {type.description === "" ? null : <p id={`event-${n}-description`} class="hint">{type.description}</p>}
          </li>
        ))}
        {archived.map((name, n) => (
          <li key={name}>
            <input
              id={`archived-${n}`}
              type="checkbox"
              checked
              aria-describedby={`archived-${n}-note`}
              onChange={(e) => toggle(name, e.currentTarget.checked)}
            />
            <label for={`archived-${n}`} class="mono">{name}</label>
            <p id={`archived-${n}-note`} class="hint">Archived: no longer in the catalog. Uncheck to stop receiving it.</p>
          </li>
        ))}
      </ul>
      <ErrorMessage id={errorId} message={props.error} />
    </fieldset>
  )
}

const EndpointFields = (props: {
  readonly ctx: Ctx
  readonly initial: Values
  readonly submitLabel: string
  readonly onSubmit: (values: Values) => Promise<ErrorReport | undefined>
  readonly onCancel: () => void
}) => {
  const [values, setValues] = useState<Values>(props.initial)
  const [problems, setProblems] = useState<Readonly<Record<string, string>>>({})
  const [general, setGeneral] = useState<string | undefined>(undefined)
  const [busy, setBusy] = useState(false)
  const set = (changes: Partial<Values>) => setValues((before) => ({ ...before, ...changes }))

  const submit = async (e: Event) => {
    e.preventDefault()
    const local = checkValues(values)
    setProblems(local)
    setGeneral(undefined)
    if (Object.keys(local).length > 0) {
      props.ctx.announce("Check the form: " + Object.values(local).join(" "), "error")
      const first = Object.keys(local)[0]
      const target = first === "events"
        ? document.getElementById("event-0") ?? document.getElementById("events-text")
        : document.getElementById(`field-${first}`)
      target?.focus()
      return
    }
    setBusy(true)
    const report = await props.onSubmit(values)
    setBusy(false)
    if (report !== undefined) {
      setProblems(report.fields)
      const known = ["url", "events", "rate_limit", "ordered"]
      if (!Object.keys(report.fields).some((field) => known.includes(field))) setGeneral(report.message)
    }
  }

  const urlError = problems["url"]
  const limitError = problems["rate_limit"]
  return (
    <form onSubmit={submit} noValidate>
      <div class="field">
        <label for="field-url">Endpoint URL</label>
        <p id="url-hint" class="hint">An https:// URL on the public internet that answers 2xx quickly.</p>
        <input
          id="field-url"
          type="url"
          inputMode="url"
          autoComplete="url"
          placeholder="https://example.com/webhooks"
          value={values.url}
          required
          aria-invalid={urlError === undefined ? undefined : "true"}
          aria-describedby={urlError === undefined ? "url-hint" : "url-hint url-error"}
          onInput={(e) => set({ url: e.currentTarget.value })}
        />
        <ErrorMessage id="url-error" message={urlError} />
      </div>
      <EventPicker ctx={props.ctx} selected={values.events} onChange={(events) => set({ events })} error={problems["events"]} />
      <div class="field check">
        <input id="field-ordered" type="checkbox" checked={values.ordered} aria-describedby="ordered-hint" onChange={(e) => set({ ordered: e.currentTarget.checked })} />
        <label for="field-ordered">Deliver in order</label>
        <p id="ordered-hint" class="hint">One event at a time, oldest first: the next waits until the one before succeeded or was given up.</p>
        <ErrorMessage message={problems["ordered"]} />
      </div>
      <div class="field">
        <label for="field-rate_limit">Rate limit (deliveries per second)</label>
        <p id="rate-hint" class="hint">Leave empty for no limit. Deliveries beyond it wait their turn; none is dropped.</p>
        <input
          id="field-rate_limit"
          type="text"
          inputMode="numeric"
          value={values.rateLimit}
          aria-invalid={limitError === undefined ? undefined : "true"}
          aria-describedby={limitError === undefined ? "rate-hint" : "rate-hint rate-error"}
          onInput={(e) => set({ rateLimit: e.currentTarget.value })}
        />
        <ErrorMessage id="rate-error" message={limitError} />
      </div>
      <ErrorMessage message={general} />
      <div class="actions">
        <button type="button" class="secondary" onClick={props.onCancel}>Cancel</button>
        <button type="submit" disabled={busy}>{busy ? "Saving…" : props.submitLabel}</button>
      </div>
    </form>
  )
}

/** The creation view; `onCreated` gets the native id and the secret, shown once. */
export const CreateEndpoint = (props: {
  readonly ctx: Ctx
  readonly onCreated: (id: string, secret: string, warning: string | undefined) => void
  readonly onCancel: () => void
}) => {
  const { ctx } = props
  const profile = ctx.profile
  return (
    <section aria-labelledby="create-title">
      <Heading id="create-title">Add an endpoint</Heading>
      {profile === undefined || ctx.readOnly
        ? <p>Endpoints cannot be added from this portal link.</p>
        : (
          <EndpointFields
            ctx={ctx}
            initial={{ url: "", events: [], ordered: false, rateLimit: "" }}
            submitLabel="Create endpoint"
            onCancel={props.onCancel}
            onSubmit={(values) =>
              attempt(ctx.announce, async () => {
                const created = await profile.create(ctx.api, {
                  url: values.url.trim(),
                  events: values.events,
                  ordered: values.ordered,
                  rateLimit: rateLimitOf(values.rateLimit)
                })
                ctx.announce(
                  created.optionsFailed === undefined
                    ? "Endpoint created"
                    : `Endpoint created, but its delivery options were not set: ${created.optionsFailed} Edit it to try again.`,
                  created.optionsFailed === undefined ? "status" : "error"
                )
                props.onCreated(
                  created.id,
                  created.secret,
                  created.optionsFailed === undefined
                    ? undefined
                    : `Its delivery options (ordered, rate limit) were not set: ${created.optionsFailed} Edit it to try again.`
                )
              })}
          />
        )}
    </section>
  )
}

/** The edit form for one webhook. */
export const EditEndpoint = (props: {
  readonly ctx: Ctx
  readonly webhook: Webhook
  readonly onSaved: (webhook: Webhook) => void
  readonly onCancel: () => void
}) => {
  const { ctx, webhook } = props
  useEffect(() => document.getElementById("field-url")?.focus(), [])
  return (
    <section aria-labelledby="edit-title">
      <h2 id="edit-title">Edit endpoint</h2>
      <EndpointFields
        ctx={ctx}
        initial={{
          url: webhook.url,
          events: webhook.events,
          ordered: webhook.ordered === true,
          rateLimit: webhook.rate_limit === undefined ? "" : String(webhook.rate_limit)
        }}
        submitLabel="Save changes"
        onCancel={props.onCancel}
        onSubmit={(values) =>
          attempt(ctx.announce, async () => {
            const changes = changesOf(webhook, values)
            const saved = Object.keys(changes).length === 0 ? webhook : await ctx.api.update(webhook.id, changes)
            ctx.announce("Endpoint saved")
            props.onSaved(saved)
          })}
      />
    </section>
  )
}
