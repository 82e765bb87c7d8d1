/** Herald's version, for the User-Agent of deliveries. A test keeps it equal to package.json. */
export const version = "0.1.0"

export const userAgent = `Herald-Webhooks/${version} (+https://github.com/herald-webhooks/herald)`
