/**
 * A profile is the wire dialect a subscription was created through (paths, field
 * names, envelope and signature header). The domain is neutral; a subscription
 * remembers its profile so its deliveries use that profile's envelope.
 */
import { Schema } from "effect"

export const Profile = Schema.Literal("datagrid", "exa", "diga")
export type Profile = typeof Profile.Type
