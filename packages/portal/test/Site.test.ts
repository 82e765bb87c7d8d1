/**
 * The built page as the server gets it (needs `npm run build`, which turbo runs
 * before this package's tests): the files list, and an index.html that a strict
 * CSP allows, with relative URLs and the theme placeholder.
 */
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { contentTypeOf, files, siteDirectory, THEME_PLACEHOLDER } from "../src/index.js"

const html = readFileSync(join(siteDirectory, "index.html"), "utf8")

describe("the built site", () => {
  it("lists index.html and hashed, immutable assets, each of which exists", () => {
    expect(files.find((f) => f.path === "index.html")).toEqual({ path: "index.html", contentType: "text/html; charset=utf-8", immutable: false })
    const assets = files.filter((f) => f.path.startsWith("assets/"))
    expect(assets.map((f) => f.contentType).sort()).toEqual(["text/css; charset=utf-8", "text/javascript; charset=utf-8"])
    for (const file of files) expect(existsSync(join(siteDirectory, file.path)), file.path).toBe(true)
    for (const asset of assets) expect(asset.immutable, asset.path).toBe(true)
    expect(files.some((f) => f.path.endsWith(".map"))).toBe(false)
  })

  it("has the theme placeholder exactly once", () => {
    expect(html.split(THEME_PLACEHOLDER).length).toBe(2)
  })

  it("has no inline script or style, and loads only its own files by relative URLs", () => {
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)]
    expect(scripts.length).toBe(1)
    for (const [, attributes, body] of scripts) {
      expect(body!.trim()).toBe("")
      expect(attributes).toMatch(/src="\.\/assets\//)
    }
    expect(html).not.toMatch(/<style\b/)
    expect(html).not.toMatch(/\sstyle=/)
    expect(html).not.toMatch(/\son[a-z]+=/)
    const urls = [...html.matchAll(/(?:src|href)="([^"]*)"/g)].map((m) => m[1]!)
    expect(urls.filter((url) => !url.startsWith("./assets/") && url !== "data:,")).toEqual([])
  })

  it("loads nothing from elsewhere: no absolute URL in its code but Herald's API paths", () => {
    for (const file of files.filter((f) => f.path.startsWith("assets/"))) {
      const text = readFileSync(join(siteDirectory, file.path), "utf8")
      expect(text, file.path).not.toMatch(/@import|url\(\s*["']?(?:https?:)?\/\//)
      expect(text, file.path).not.toMatch(/fetch\(\s*["'`]https?:/)
    }
  })
})

describe("contentTypeOf", () => {
  it("knows the site's kinds of file", () => {
    expect(contentTypeOf("a/b.JS")).toBe("text/javascript; charset=utf-8")
    expect(contentTypeOf("x.css")).toBe("text/css; charset=utf-8")
    expect(contentTypeOf("x.bin")).toBe("application/octet-stream")
  })
})
