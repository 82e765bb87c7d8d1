/**
 * Creating a webhook through a profile: in the caller's teamspace, remembering
 * the profile, so its deliveries use the profile's envelope. Every profile's
 * create handler is this, with its own fields and answer.
 */
import type { Errors, Webhook } from "@herald/core"
import { Webhooks } from "@herald/core"
import { Effect } from "effect"
import { Principal } from "../edge/Principal.js"

/**
 * Creates a webhook through `profile` in the caller's teamspace (`Principal`), with
 * `Webhooks.create`; fails with `InvalidInput`.
 */
export const create = (
  profile: string,
  input: Omit<Webhook.CreateWebhook, "profile">
): Effect.Effect<
  { readonly webhook: Webhook.Webhook; readonly secret: string },
  Errors.InvalidInput,
  Principal | Webhooks.Webhooks
> =>
  Effect.flatMap(
    Effect.all([Principal, Webhooks.Webhooks]),
    ([{ teamspace }, webhooks]) => webhooks.create(teamspace, { ...input, profile })
  )
