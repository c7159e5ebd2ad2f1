import { defineConfig } from 'mini-lambda'

// Every folder in functions/ with an index.ts is a function; options per function go here.
export default defineConfig({
  functions: {
    hello: { timeout: 10 },
  },
})
