import { defineConfig } from 'mini-lambda'

// Functions are discovered from functions/*/; entries here override their defaults.
export default defineConfig({
  functions: {
    calculator: { timeout: 5 },
    echo: { memory: 256 },
  },
})
