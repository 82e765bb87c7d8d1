#!/usr/bin/env node
// The `herald` executable npm links. It is committed (the build's dist/bin.js is
// not), so that `npm ci` in a fresh clone links it before anything is built:
// npm links no bin whose file is missing, and would then leave `npx herald`
// to fetch an unrelated package from the registry.
import { existsSync } from "node:fs"
import process from "node:process"
import { URL } from "node:url"

const built = new URL("../dist/bin.js", import.meta.url)
if (existsSync(built)) {
  await import(built.href)
} else {
  // In a checkout before the first build: say how to build rather than a module-not-found trace.
  process.stderr.write("herald is not built yet: run `npx turbo run build --filter=@herald/cli...` (or `npm start`, which builds it) first.\n")
  process.exitCode = 2
}
