// Builds the portal page (src/site) into dist/site: relative URLs (it is served
// under any mount prefix), content-hashed assets, no inline script or style
// (the server's CSP allows only 'self'), no source maps (dist is published).
import { fileURLToPath } from "node:url"
import { defineConfig } from "vite"

export default defineConfig({
  root: fileURLToPath(new URL("./src/site", import.meta.url)),
  base: "./",
  publicDir: false,
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: {
    outDir: fileURLToPath(new URL("./dist/site", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: true
  }
})
