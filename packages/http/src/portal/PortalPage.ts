/**
 * The portal page, served beside the API at `/portal` (under the prefix when
 * mounted). The page itself (`@herald/portal`) comes next; for now the path,
 * which session links point at.
 */

/** Where the portal page is served (under the prefix when mounted). */
export const PATH = "/portal"
