/**
 * A request's id as the API answers it (`X-Request-Id`): the header, how a new id is made, and the
 * id of the request being answered (a FiberRef the edge's `RequestId` stage sets), for the error
 * bodies that carry it (Exa's `requestId`). Loads nothing of the server.
 */
import { randomUUID } from "node:crypto"
import { FiberRef } from "effect"

/** The header, as the request carries it and the response answers it. */
export const HEADER = "x-request-id"

/** A new id: `req_` and 20 hex digits (from a UUID's random bits: cheap, and unique enough). */
export const generate = (): string => `req_${randomUUID().replaceAll("-", "").slice(12, 32)}`

/** The id of the request being answered; undefined outside a request. */
export const current: FiberRef.FiberRef<string | undefined> = FiberRef.unsafeMake<string | undefined>(undefined)
