import type { FunctionOptions, FunctionSourceOptions, ResolvedFunctionOptions } from './schema/function-options'

export type { FunctionOptions, ResolvedFunctionOptions } from './schema/function-options'
export type { ResolvedSchedule, ScheduleConfig } from './schema/schedule'

/**
 * What a user writes for one function in `lambda.config.ts`. Its options are declared, with their
 * checks and defaults, in `schema/function-options.ts`: hover an option to see what it does.
 */
export interface FunctionConfig extends FunctionSourceOptions, FunctionOptions {}

export interface DevConfig {
  /** Port of `lambda dev`. Default: 3000. */
  port?: number
  /** Interface `lambda dev` listens on. Default: `localhost`. */
  host?: string
}

export interface BuildConfig {
  /** Where `lambda build` writes artifacts. Default: `.lambda/build`. */
  outDir?: string
  /** Minify bundles. Default: false. */
  minify?: boolean
  /** Packages left out of the bundle (they must then exist at run time). */
  external?: string[]
}

export interface DeployConfig {
  /** Versions kept per function for rollback. Default: 5. */
  keepVersions?: number
}

/** What users write in `lambda.config.ts`. */
export interface LambdaConfig {
  /** Folder scanned for `<name>/index.{ts,js,mjs}` functions; `false` turns discovery off. Default: `functions`. */
  functionsDir?: string | false
  /** Functions by name. Merged over discovered ones. */
  functions?: Record<string, FunctionConfig>
  /** Options every function starts from. */
  defaults?: FunctionOptions
  dev?: DevConfig
  build?: BuildConfig
  deploy?: DeployConfig
}

/** One function after config resolution: absolute paths, every default applied. */
export interface ResolvedFunction extends ResolvedFunctionOptions {
  name: string
  /** Absolute function directory. */
  dir: string
  /** `node`: bundled from `entry`; `dockerfile`: built from `dir/Dockerfile`. */
  kind: 'node' | 'dockerfile'
  /** Absolute entry file (node functions). */
  entry?: string
}

/** The resolved form of `LambdaConfig`. */
export interface LambdaOptions {
  rootDir: string
  /** Absolute path of the loaded config file, when there is one. */
  configFile?: string
  functionsDir?: string
  functions: ResolvedFunction[]
  dev: Required<DevConfig>
  build: { outDir: string, minify: boolean, external: string[] }
  deploy: Required<DeployConfig>
}

/** The settings of a function that are part of its content hash and travel with a deploy. */
export type FunctionRuntimeConfig = Omit<ResolvedFunction, 'dir' | 'entry'>
