/**
 * A profile is the wire dialect a subscription was created through (paths, field
 * names, envelope and signature header). The domain is neutral and names no
 * profile: a profile is an open name, and the deployment registers the ones it
 * serves (`Profiles`). A subscription remembers its profile's name so its
 * deliveries use that profile's envelope.
 */
import { Schema } from "effect"

/** The schema of a profile's name: lowercase letters, digits and underscores. */
export const Profile = Schema.String.pipe(
  Schema.pattern(/^[a-z][a-z0-9_]*$/),
  Schema.maxLength(64),
  Schema.annotations({ description: "A profile's name: lowercase letters, digits and underscores, starting with a letter." })
)
/** A profile's name (see the `Profile` schema). */
export type Profile = typeof Profile.Type
