import type { LambdaConfig } from './types'

// A function's defaults are declared with its options, in schema/function-options.ts.
export const CONFIG_DEFAULTS = {
  functionsDir: 'functions',
  dev: { port: 3000, host: 'localhost' },
  build: { outDir: '.lambda/build', minify: false, external: [] as string[] },
  deploy: { keepVersions: 5 },
} satisfies LambdaConfig

/** Entry file names tried, in order, inside a function directory. */
export const ENTRY_CANDIDATES = ['index.ts', 'index.mts', 'index.cts', 'index.js', 'index.mjs', 'index.cjs']
