export * from './types'
export { defineConfig } from './define'
export { loadLambdaOptions, type LoadOptions } from './load'
export { FUNCTION_DEFAULTS, CONFIG_DEFAULTS } from './defaults'
