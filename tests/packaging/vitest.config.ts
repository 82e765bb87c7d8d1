// The shared settings, with room for an npm install on a cold cache (the registry
// answers in seconds when warm; a first CI run fetches typescript and the peers).
import { mergeConfig } from "vitest/config"
import shared from "../../vitest.shared.js"

export default mergeConfig(shared, {
  test: {
    hookTimeout: 300_000
  }
})
