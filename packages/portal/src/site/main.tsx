/**
 * The portal page's entry: applies the theme, takes the session token out of
 * the address bar, and renders the app.
 */
import { render } from "preact"
import { App } from "./App.js"
import { apiRoot, tokenFromHash } from "./Location.js"
import { parseTheme, textOn } from "./Theme.js"

const STORAGE_KEY = "herald-portal-token"

/** The token from the fragment (then removed from the address bar and kept for reloads), or the one kept. */
const takeToken = (): string | undefined => {
  const { token, rest } = tokenFromHash(location.hash)
  if (token !== undefined) {
    history.replaceState(history.state, "", `${location.pathname}${location.search}${rest}`)
    try {
      sessionStorage.setItem(STORAGE_KEY, token)
    } catch {
      // Storage may be blocked (a third-party iframe): the token lives in memory only.
    }
    return token
  }
  try {
    return sessionStorage.getItem(STORAGE_KEY) ?? undefined
  } catch {
    return undefined
  }
}

const theme = parseTheme(
  document.querySelector<HTMLMetaElement>('meta[name="herald-portal-theme"]')?.content ?? "",
  location.search
)
if (theme.brand !== undefined) {
  document.documentElement.style.setProperty("--brand", theme.brand)
  document.documentElement.style.setProperty("--on-brand", textOn(theme.brand))
}

const forget = () => {
  try {
    sessionStorage.removeItem(STORAGE_KEY)
  } catch {
    // Nothing kept.
  }
}

const mount = (token: string | undefined) =>
  render(
    <App key={token ?? ""} root={apiRoot(location.pathname)} token={token} logo={theme.logo} onExpired={forget} />,
    document.getElementById("app")!
  )

mount(takeToken())
// A new link opened in the same page (an iframe's src given a new #token=) changes only the fragment.
addEventListener("hashchange", () => {
  if (tokenFromHash(location.hash).token !== undefined) mount(takeToken())
})
