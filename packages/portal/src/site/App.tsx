/**
 * The portal: checks the session, then shows the customer's endpoints, one
 * endpoint, the creation form or the event catalog (the view is in memory, not
 * in the address). A 401 at any time replaces everything with the expired-link
 * page.
 */
import { useCallback, useEffect, useMemo, useState } from "preact/hooks"
import { all, api as makeApi, caller, type EventType, type Session } from "./Api.js"
import { Catalog } from "./Catalog.js"
import type { Announce, Ctx } from "./Context.js"
import { EndpointDetail } from "./EndpointDetail.js"
import { CreateEndpoint } from "./EndpointForm.js"
import { EndpointList } from "./EndpointList.js"
import { profileNamed } from "./Profiles.js"
import { focusHeadingOnNextView, reportOf } from "./Ui.js"

type View =
  | { readonly kind: "list" }
  | { readonly kind: "endpoint"; readonly id: string; readonly secret?: string; readonly warning?: string | undefined }
  | { readonly kind: "create" }
  | { readonly kind: "catalog" }

type Phase =
  | { readonly kind: "loading" }
  | { readonly kind: "expired" }
  | { readonly kind: "failed"; readonly message: string }
  | { readonly kind: "ready"; readonly session: Session }

/** The page. `token` is undefined when the address carried none and none was kept. */
export const App = (props: {
  readonly root: string
  readonly token: string | undefined
  readonly logo: string | undefined
  readonly onExpired: () => void
}) => {
  const [phase, setPhase] = useState<Phase>(props.token === undefined ? { kind: "expired" } : { kind: "loading" })
  const [view, setView] = useState<View>({ kind: "list" })
  const [catalog, setCatalog] = useState<ReadonlyArray<EventType> | null | undefined>(undefined)
  const [live, setLive] = useState({ status: "", error: "" })
  const [logoFailed, setLogoFailed] = useState(false)

  const expire = useCallback(() => {
    props.onExpired()
    setPhase({ kind: "expired" })
  }, [])
  const api = useMemo(() => makeApi(caller(props.root, props.token ?? "", expire)), [props.root, props.token])

  const announce: Announce = useCallback((message, kind = "status") => {
    // Cleared first so that the same message twice is announced twice.
    setLive({ status: "", error: "" })
    setTimeout(() => setLive(kind === "error" ? { status: "", error: message } : { status: message, error: "" }), 50)
  }, [])

  useEffect(() => {
    if (props.token === undefined) return
    api.session().then(
      (session) => {
        setPhase({ kind: "ready", session })
        all((cursor) => api.eventTypes(session.profile, cursor)).then(setCatalog, () => setCatalog(null))
      },
      (error: unknown) => {
        const report = reportOf(error)
        if (report !== undefined) setPhase({ kind: "failed", message: report.message })
      }
    )
  }, [api])

  useEffect(() => {
    document.title = phase.kind === "ready" ? `Webhooks · ${phase.session.teamspace}` : "Webhooks"
  }, [phase])

  const liveRegions = (
    <>
      <div class="visually-hidden" role="status" aria-live="polite">{live.status}</div>
      <div class="visually-hidden" role="alert">{live.error}</div>
    </>
  )

  if (phase.kind === "expired") {
    return (
      <main class="notice-page">
        <h1>This portal link has expired or is not valid</h1>
        <p>Ask for a new one from the service that gave it to you.</p>
      </main>
    )
  }
  if (phase.kind === "loading") {
    return <main class="notice-page" aria-busy="true"><p>Loading…</p></main>
  }
  if (phase.kind === "failed") {
    return (
      <main class="notice-page">
        <h1>The portal could not load</h1>
        <p>{phase.message}</p>
        <button type="button" onClick={() => location.reload()}>Try again</button>
      </main>
    )
  }

  const { session } = phase
  const ctx: Ctx = { api, session, profile: profileNamed(session.profile), readOnly: session.read_only, catalog, announce }
  const go = (next: View) => {
    focusHeadingOnNextView()
    setView(next)
    window.scrollTo(0, 0)
  }
  const nav = (kind: "list" | "catalog", label: string) => (
    <button
      type="button"
      class="tab"
      aria-current={view.kind === kind || (kind === "list" && view.kind !== "catalog") ? "page" : undefined}
      onClick={() => go({ kind })}
    >
      {label}
    </button>
  )

  return (
    <>
      <header class="top">
        {props.logo === undefined || logoFailed
          ? null
          : <img class="logo" src={props.logo} alt="" referrerpolicy="no-referrer" onError={() => setLogoFailed(true)} />}
        <div class="title">
          <p class="teamspace">{session.teamspace}</p>
          <p class="product">Webhooks</p>
        </div>
        <nav aria-label="Portal">
          {nav("list", "Endpoints")}
          {nav("catalog", "Event catalog")}
        </nav>
      </header>
      <main>
        {session.read_only ? <p class="note">Read-only access: you can look, but not change anything.</p> : null}
        {view.kind === "list"
          ? <EndpointList ctx={ctx} onOpen={(id) => go({ kind: "endpoint", id })} onCreate={() => go({ kind: "create" })} />
          : view.kind === "create"
          ? (
            <CreateEndpoint
              ctx={ctx}
              onCreated={(id, secret, warning) => go({ kind: "endpoint", id, secret, warning })}
              onCancel={() => go({ kind: "list" })}
            />
          )
          : view.kind === "endpoint"
          ? (
            <EndpointDetail
              ctx={ctx}
              id={view.id}
              createdSecret={view.secret}
              createdWarning={view.warning}
              onBack={() => go({ kind: "list" })}
            />
          )
          : <Catalog ctx={ctx} />}
      </main>
      {liveRegions}
    </>
  )
}
