import type { SecretRef } from './secret'

/** A cron schedule that invokes a function. */
export interface ScheduleConfig {
  /** Cron expression (5 or 6 fields), e.g. `"*\/5 * * * *"`. */
  cron: string
  /** IANA time zone, e.g. `"Europe/Berlin"`. Default: UTC. */
  timezone?: string
  /** JSON sent as the request body of each scheduled invocation. */
  payload?: unknown
  /** Set to `false` to keep the schedule defined but paused. */
  enabled?: boolean
}

/** What a user writes for one function in `lambda.config.ts`. */
export interface FunctionConfig {
  /** Entry file, relative to the project root. Default: `<functionsDir>/<name>/index.{ts,js,mjs}`. */
  entry?: string
  /** Function directory, relative to the project root. A `Dockerfile` in it makes it a container function. */
  dir?: string
  /** Seconds one invocation may take before it is answered 504 and its instance replaced. Default: 30. */
  timeout?: number
  /** Memory limit in MB. Default: 128. */
  memory?: number
  /** CPU cores the function's container may use (cgroup quota), e.g. 0.5. Default: 1. */
  cpu?: number
  /** Environment variables the function sees in `process.env`: a string, or `secret('name')` for a value kept on the agent. */
  env?: Record<string, string | SecretRef>
  /** Cron schedules that invoke the function. */
  schedule?: string | ScheduleConfig | Array<string | ScheduleConfig>
  /** Requests one instance serves at the same time. Default: 50. */
  concurrency?: number
  /** Instances kept warm even when idle. Default: 0 (scale to zero). */
  minInstances?: number
  /** Upper bound of instances. Default: 10. */
  maxInstances?: number
  /** `'key'` makes the function URL require an API key. Default: `'none'` (public). */
  auth?: 'none' | 'key'
  /** Allow outbound network from the function's container. Default: false. */
  network?: boolean
}

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
  defaults?: Omit<FunctionConfig, 'entry' | 'dir'>
  dev?: DevConfig
  build?: BuildConfig
  deploy?: DeployConfig
}

export interface ResolvedSchedule {
  cron: string
  timezone: string
  payload?: unknown
  enabled: boolean
}

/** One function after config resolution: absolute paths, every default applied. */
export interface ResolvedFunction {
  name: string
  /** Absolute function directory. */
  dir: string
  /** `node`: bundled from `entry`; `dockerfile`: built from `dir/Dockerfile`. */
  kind: 'node' | 'dockerfile'
  /** Absolute entry file (node functions). */
  entry?: string
  timeout: number
  memory: number
  cpu: number
  /** Secret refs stay refs: only the agent (or `lambda dev`, from its own environment) knows the values. */
  env: Record<string, string | SecretRef>
  schedule: ResolvedSchedule[]
  concurrency: number
  minInstances: number
  maxInstances: number
  auth: 'none' | 'key'
  network: boolean
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
