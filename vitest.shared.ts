// Shared vitest settings: tests run on the TypeScript sources of sibling packages
// (the "@herald/source" export condition), so no build is needed to test.
import { defineConfig } from "vitest/config"

export default defineConfig({
  resolve: { conditions: ["@herald/source"] },
  ssr: { resolve: { conditions: ["@herald/source"] } },
  test: {
    include: ["test/**/*.test.ts"],
    // The JSON report feeds the one-line summary `npm test` prints at the end.
    reporters: ["default", ["json", { outputFile: ".vitest-report.json" }]],
    testTimeout: 30_000,
    hookTimeout: 30_000
  }
})
