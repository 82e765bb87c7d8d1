/**
 * What differs between the session's profiles, in one place: how a webhook is
 * created (through the profile's own route, so its deliveries use that
 * profile's envelope and signature) and how a receiver verifies its
 * deliveries. Everything else goes through the Datagrid-shaped routes.
 */
import { ApiError, type Api } from "./Api.js"
import { nativeWebhookId } from "./Ids.js"

/**
 * What a creation gives back: the native (`wh_`) id and the secret, shown once; and what went
 * wrong setting the delivery options after it, when that failed (the webhook exists all the same).
 */
export interface Created {
  readonly id: string
  readonly secret: string
  readonly optionsFailed?: string
}

/** The options a creation may set (through the profile's route, or a Datagrid PATCH after it). */
export interface CreateOptions {
  readonly url: string
  readonly events: ReadonlyArray<string>
  readonly ordered: boolean
  readonly rateLimit: number | undefined
}

/** A code sample for the verification panel. */
export interface Sample {
  readonly title: string
  readonly code: string
}

/** One profile as the portal knows it. */
export interface PortalProfile {
  /** What a receiver checks, in words. */
  readonly signature: string
  readonly create: (api: Api, options: CreateOptions) => Promise<Created>
  readonly samples: (secret: string) => ReadonlyArray<Sample>
}

/** For exa and diga, whose creation takes only URL and events: ordered and rate limit by a PATCH after it. */
const withDeliveryOptions = async (api: Api, created: Created, options: CreateOptions): Promise<Created> => {
  if (!options.ordered && options.rateLimit === undefined) return created
  try {
    await api.update(created.id, {
      ...(options.ordered ? { ordered: true } : {}),
      ...(options.rateLimit === undefined ? {} : { rate_limit: options.rateLimit })
    })
    return created
  } catch (error) {
    if (!(error instanceof ApiError)) throw error
    return { ...created, optionsFailed: error.message }
  }
}

const stripeStyle = (header: string, headerKey: string) => (secret: string): ReadonlyArray<Sample> => [
  {
    title: "@herald/verify (Node.js)",
    code: `// npm install @herald/verify
import { verifyAndParse, WebhookVerificationError } from "@herald/verify"

// rawBody: the request body exactly as it arrived (a Buffer or string), not re-serialised JSON
try {
  const event = verifyAndParse({
    payload: rawBody,
    header: req.headers["${headerKey}"], // ${header}: t=<unix>,v1=<hex>
    secret: "${secret}",
  })
  // handle event
} catch (error) {
  if (error instanceof WebhookVerificationError) {
    // answer 400: error.reason says why
  } else throw error
}`
  },
  {
    title: "Stripe's library (the same t=,v1= scheme)",
    code: `// npm install stripe
import Stripe from "stripe"

const stripe = new Stripe("unused")
// Throws when the signature does not match or is older than 300 seconds.
const event = stripe.webhooks.constructEvent(
  rawBody,
  req.headers["${headerKey}"],
  "${secret}",
)`
  }
]

const standardWebhooks = (secret: string): ReadonlyArray<Sample> => [
  {
    title: "@herald/verify (Node.js)",
    code: `// npm install @herald/verify
import { verifyAndParseStandardWebhook, WebhookVerificationError } from "@herald/verify"

// rawBody: the request body exactly as it arrived (a Buffer or string), not re-serialised JSON
try {
  const event = verifyAndParseStandardWebhook({
    payload: rawBody,
    headers: req.headers, // webhook-id, webhook-timestamp, webhook-signature
    secret: "${secret}",
  })
  // handle event
} catch (error) {
  if (error instanceof WebhookVerificationError) {
    // answer 400: error.reason says why
  } else throw error
}`
  },
  {
    title: "standardwebhooks",
    code: `// npm install standardwebhooks
import { Webhook } from "standardwebhooks"

const wh = new Webhook("${secret}")
// Throws when the signature does not match or the timestamp is too old.
const event = wh.verify(rawBody, {
  "webhook-id": req.headers["webhook-id"],
  "webhook-timestamp": req.headers["webhook-timestamp"],
  "webhook-signature": req.headers["webhook-signature"],
})`
  }
]

const PROFILES: Readonly<Record<string, PortalProfile>> = {
  datagrid: {
    signature: "Each delivery carries a Datagrid-Signature header: t=<unix time>,v1=<HMAC-SHA256 of \"t.body\" keyed by the secret>.",
    create: async (api, options) => {
      const created = await api.call<{ readonly id: string; readonly secret: string }>("POST", "/v1/webhooks", {
        url: options.url,
        events: options.events,
        ...(options.ordered ? { ordered: true } : {}),
        ...(options.rateLimit === undefined ? {} : { rate_limit: options.rateLimit })
      })
      return { id: created.id, secret: created.secret }
    },
    samples: stripeStyle("Datagrid-Signature", "datagrid-signature")
  },
  exa: {
    signature: "Each delivery carries an Exa-Signature header: t=<unix time>,v1=<HMAC-SHA256 of \"t.body\" keyed by the secret>.",
    create: async (api, options) => {
      const created = await api.call<{ readonly id: string; readonly secret: string | null }>(
        "POST",
        "/websets/v0/webhooks",
        { url: options.url, events: options.events },
        "x-api-key"
      )
      return withDeliveryOptions(api, { id: nativeWebhookId(created.id), secret: created.secret ?? "" }, options)
    },
    samples: stripeStyle("Exa-Signature", "exa-signature")
  },
  diga: {
    signature: "Each delivery carries Standard Webhooks headers: webhook-id, webhook-timestamp and webhook-signature.",
    create: async (api, options) => {
      const created = await api.call<{ readonly id: string; readonly secret: string }>("POST", "/v1/webhook/", {
        url: options.url,
        subscribed_events: options.events
      })
      return withDeliveryOptions(api, { id: nativeWebhookId(created.id), secret: created.secret }, options)
    },
    samples: standardWebhooks
  }
}

/** The portal's knowledge of a profile; undefined for one it does not know (creating is then not offered). */
export const profileNamed = (name: string): PortalProfile | undefined =>
  Object.prototype.hasOwnProperty.call(PROFILES, name) ? PROFILES[name] : undefined

/** The placeholder the samples show instead of a secret not revealed. */
export const SECRET_PLACEHOLDER = "whsec_..."
