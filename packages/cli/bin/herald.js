#!/usr/bin/env node
// The `herald` executable npm links. It is committed (the build's dist/bin.js is
// not), so that `npm ci` in a fresh clone links it before anything is built:
// npm links no bin whose file is missing, and would then leave `npx herald`
// to fetch an unrelated package from the registry.
import "../dist/bin.js"
