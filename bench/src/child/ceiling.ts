/**
 * The publish ceiling: a bare node:http server that reads the request body and
 * answers 202 with a small JSON body, doing nothing else. No publish API on this
 * machine can answer faster; the publish scenario loads it exactly as it loads
 * Herald's API.
 */
import { createServer } from "node:http"
import type { FromCeiling } from "../Protocol.js"

const answer = Buffer.from(JSON.stringify({ object: "event", id: "evt_ceiling", duplicate: false, deliveries: 1 }))

const server = createServer((request, response) => {
  request.resume()
  request.on("end", () => {
    response.writeHead(202, { "content-type": "application/json", "content-length": answer.length }).end(answer)
  })
})
server.keepAliveTimeout = 65_000

process.on("disconnect", () => process.exit(0))
server.listen(0, "127.0.0.1", () => {
  const address = server.address()
  const message: FromCeiling = { type: "ready", port: typeof address === "object" && address !== null ? address.port : 0 }
  process.send?.(message)
})
