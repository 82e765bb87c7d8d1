/**
 * Where the page is and what its address carries: the API root it talks to
 * (the page is served at `<root>/portal`, so the root is what comes before the
 * last `/portal` segment) and the session token in the fragment
 * (`#token=hps_...`, kept out of server logs), which the page then removes from
 * the address bar.
 */

/**
 * The API root for a page at this path, without a trailing slash: `""` for
 * `/portal`, `/portal/` or `/portal/index.html`, `/herald` for `/herald/portal/`.
 * A path without a `/portal` segment is taken as a file in the portal's
 * directory: the root is that directory's parent.
 */
export const apiRoot = (pathname: string): string => {
  const mounted = /^(.*)\/portal(?:\/.*)?$/.exec(pathname)
  if (mounted !== null) return mounted[1]!
  const directory = pathname.slice(0, pathname.lastIndexOf("/"))
  return directory.slice(0, Math.max(0, directory.lastIndexOf("/")))
}

/** The token a fragment carries and the fragment without it (`""` when nothing else was in it). */
export interface FragmentToken {
  readonly token: string | undefined
  readonly rest: string
}

/**
 * Reads `token=` from a fragment (`#token=hps_...&other=1`); the rest keeps its
 * other parameters, and is the fragment as it was when it has no token.
 */
export const tokenFromHash = (hash: string): FragmentToken => {
  const params = new URLSearchParams(hash.startsWith("#") ? hash.slice(1) : hash)
  if (!params.has("token")) return { token: undefined, rest: hash }
  const token = params.get("token")?.trim()
  params.delete("token")
  const rest = params.toString()
  return { token: token === undefined || token === "" ? undefined : token, rest: rest === "" ? "" : `#${rest}` }
}
