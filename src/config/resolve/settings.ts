import type { LambdaConfig, LambdaOptions } from '../types'
import { resolve } from 'node:path'
import { CONFIG_DEFAULTS } from '../defaults'

export function resolveDevOptions(config: LambdaConfig): LambdaOptions['dev'] {
  return { ...CONFIG_DEFAULTS.dev, ...config.dev }
}

export function resolveBuildOptions(config: LambdaConfig, rootDir: string): LambdaOptions['build'] {
  return {
    outDir: resolve(rootDir, config.build?.outDir ?? CONFIG_DEFAULTS.build.outDir),
    minify: config.build?.minify ?? CONFIG_DEFAULTS.build.minify,
    external: config.build?.external ?? CONFIG_DEFAULTS.build.external,
  }
}

export function resolveDeployOptions(config: LambdaConfig): LambdaOptions['deploy'] {
  return { ...CONFIG_DEFAULTS.deploy, ...config.deploy }
}
