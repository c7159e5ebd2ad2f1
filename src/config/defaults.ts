import type { LambdaConfig } from './types'

export const FUNCTION_DEFAULTS = {
  timeout: 30,
  memory: 128,
  cpu: 1,
  concurrency: 50,
  minInstances: 0,
  maxInstances: 10,
  auth: 'none',
  network: false,
} as const

export const CONFIG_DEFAULTS = {
  functionsDir: 'functions',
  dev: { port: 3000, host: 'localhost' },
  build: { outDir: '.lambda/build', minify: false, external: [] as string[] },
  deploy: { keepVersions: 5 },
} satisfies LambdaConfig

/** Entry file names tried, in order, inside a function directory. */
export const ENTRY_CANDIDATES = ['index.ts', 'index.mts', 'index.cts', 'index.js', 'index.mjs', 'index.cjs']

/** Names that would collide with routes of the agent or the dev server. */
export const RESERVED_FUNCTION_NAMES = new Set(['api', 'admin', 'agent', 'lambda', 'www', 'localhost', 'health', 'status'])
export const FUNCTION_NAME_RE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/
/** `v<N>` labels address versions (`v3.hello.example.com`), so no function may be called that. */
export const VERSION_LABEL_RE = /^v\d+$/
