/**
 * The docs page at /docs must work offline: everything it loads (scripts,
 * stylesheets, fonts, source maps, the OpenAPI document) comes from Herald
 * itself and answers 200 (`checkDocsPage`).
 */
import { afterAll, beforeAll, describe, it } from "vitest"
import { checkDocsPage } from "./support/DocsPageCheck.js"
import { type RunningApp, start } from "./support/Harness.js"

let app: RunningApp
beforeAll(async () => {
  app = await start()
})
afterAll(() => app.close())

describe("the docs page", () => {
  it("loads only Herald's own assets, each answering 200", async () => {
    await checkDocsPage(`${app.baseUrl}/docs`)
  })
})
