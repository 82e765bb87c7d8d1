/**
 * Small shared pieces of the page: a copy button, a secret shown with it, a
 * confirmation dialog (a modal `<dialog>`: it traps focus and closes on Escape),
 * and what a failed call says.
 */
import type { ComponentChildren } from "preact"
import { useEffect, useRef, useState } from "preact/hooks"
import { ApiError, SessionExpired } from "./Api.js"
import type { Announce } from "./Context.js"
import type { ErrorReport } from "./Errors.js"

/** Copies text to the clipboard; says so in the live region. */
export const CopyButton = (props: { readonly text: string; readonly label: string; readonly announce: Announce }) => {
  const [copied, setCopied] = useState(false)
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.text)
      setCopied(true)
      props.announce("Copied to the clipboard")
      setTimeout(() => setCopied(false), 2000)
    } catch {
      props.announce("Could not copy: select the text and copy it yourself", "error")
    }
  }
  return (
    <button type="button" class="secondary" aria-label={props.label} onClick={copy}>
      {copied ? "Copied" : "Copy"}
    </button>
  )
}

/** A secret in a read-only field with a copy button. */
export const SecretBox = (props: {
  readonly id: string
  readonly label: string
  readonly secret: string
  readonly announce: Announce
  readonly children?: ComponentChildren
}) => (
  <div class="secret">
    <label for={props.id}>{props.label}</label>
    <div class="row">
      <input id={props.id} class="mono" type="text" readOnly value={props.secret} onFocus={(e) => e.currentTarget.select()} />
      <CopyButton text={props.secret} label={`Copy ${props.label.toLowerCase()}`} announce={props.announce} />
    </div>
    {props.children}
  </div>
)

/** A yes-or-no question in a modal dialog. */
export const ConfirmDialog = (props: {
  readonly title: string
  readonly children: ComponentChildren
  readonly confirm: string
  readonly onConfirm: () => void
  readonly onCancel: () => void
}) => {
  const ref = useRef<HTMLDialogElement>(null)
  useEffect(() => {
    const dialog = ref.current
    if (dialog !== null && !dialog.open) dialog.showModal()
    return () => dialog?.close()
  }, [])
  return (
    <dialog ref={ref} aria-labelledby="confirm-title" onCancel={(e) => { e.preventDefault(); props.onCancel() }}>
      <h2 id="confirm-title">{props.title}</h2>
      {props.children}
      <div class="actions">
        <button type="button" class="secondary" onClick={props.onCancel}>Cancel</button>
        <button type="button" class="danger" onClick={props.onConfirm}>{props.confirm}</button>
      </div>
    </dialog>
  )
}

/** The report of a failed call; undefined for an expired session (the page shows that instead). */
export const reportOf = (error: unknown): ErrorReport | undefined => {
  if (error instanceof SessionExpired) return undefined
  if (error instanceof ApiError) return error.report
  return { status: 0, message: error instanceof Error ? error.message : String(error), fields: {} }
}

/** Runs an action, announcing its failure (and returning the report) or nothing on success. */
export const attempt = async (announce: Announce, action: () => Promise<void>): Promise<ErrorReport | undefined> => {
  try {
    await action()
    return undefined
  } catch (error) {
    const report = reportOf(error)
    if (report !== undefined) announce(report.message, "error")
    return report
  }
}

/** An error message for a form or section, as an alert. */
export const ErrorMessage = (props: { readonly id?: string | undefined; readonly message: string | undefined }) =>
  props.message === undefined ? null : <p id={props.id} class="error">{props.message}</p>

/** Set by a navigation: the next view's heading takes the focus, so screen readers announce the new view. */
let focusNextHeading = false

/** Asks the next `Heading` rendered to take the focus. */
export const focusHeadingOnNextView = () => {
  focusNextHeading = true
}

/** A view's `h1`: focusable by script, focused when it appears after a navigation. */
export const Heading = (props: { readonly id: string; readonly class?: string; readonly children: ComponentChildren }) => {
  const ref = useRef<HTMLHeadingElement>(null)
  useEffect(() => {
    if (focusNextHeading && ref.current !== null) {
      focusNextHeading = false
      ref.current.focus()
    }
  }, [])
  return <h1 id={props.id} class={props.class} tabIndex={-1} ref={ref}>{props.children}</h1>
}
