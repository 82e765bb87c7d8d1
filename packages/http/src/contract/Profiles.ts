/**
 * The profiles the contract serves, as clients know them (routes, schemas,
 * error bodies: no server code), one line each, the default first. The server's
 * registry (`src/Profiles.ts`) lists the same profiles whole, in the same order
 * (a test checks that the two agree).
 */
import { contract as datagrid } from "../profiles/datagrid/Api.js"
import { contract as diga } from "../profiles/diga/Api.js"
import { contract as exa } from "../profiles/exa/Api.js"

/**
 * Each profile's contract (its groups, error bodies and authentication), the default first; what
 * `HeraldApi` is built from.
 */
export const all = [
  datagrid,
  exa,
  diga
] as const
