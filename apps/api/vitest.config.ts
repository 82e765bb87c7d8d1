import { defineConfig, mergeConfig } from "vitest/config"
import shared from "../../vitest.shared.js"

// These end-to-end tests mostly wait (deliveries, retries, timeouts), not
// compute: vitest's default of one worker per spare core ran them one file at a
// time on a 2-core machine (about 5 minutes); three workers overlap the waits
// (about 2 minutes alone) without starving the CPU.
export default mergeConfig(shared, defineConfig({ test: { maxWorkers: 3, minWorkers: 1 } }))
