/** Domain webhook -> Datagrid wire object. */
import type { Webhook as Domain } from "@herald/core"
import type { Webhook } from "./DatagridApi.js"

const iso = (millis: number) => new Date(millis).toISOString()

export const webhook = (hook: Domain.Webhook): typeof Webhook.Type => ({
  object: "webhook",
  id: hook.id,
  url: hook.url,
  events: hook.events,
  enabled: hook.enabled,
  created_at: iso(hook.createdAt),
  updated_at: iso(hook.updatedAt)
})
