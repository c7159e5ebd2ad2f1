import type { FolderIssue } from './resolve/folder-error'
import type { ConfigIssue } from './schema/checks'
import type { LambdaConfig, LambdaOptions } from './types'
import { existsSync } from 'node:fs'
import { relative, resolve } from 'node:path'
import { loadConfig } from 'c12'
import { LambdaError } from '../errors'
import { packageRoot } from '../package-root'
import { splitEnvironments, unknownEnvironment } from './resolve/environments'
import { folderError } from './resolve/folder-error'
import { resolveFunctionsOptions } from './resolve/functions'
import { resolveBuildOptions, resolveDeployOptions, resolveDevOptions } from './resolve/settings'
import { configError, validateConfig } from './validate'

export interface LoadOptions {
  cwd?: string
  /** Explicit config file (otherwise `lambda.config.*` in cwd). */
  configFile?: string
  /** Selects `$env.<name>` / `$<name>` overrides; an explicit name the config does not define is an error. Default: NODE_ENV. */
  envName?: string
  overrides?: LambdaConfig
}

/**
 * `lambda.config.ts` usually imports `defineConfig` from `mini-lambda`. Aliasing the name to this
 * very package lets a project load its config before (or without) installing anything.
 */
function selfAlias(): Record<string, string> {
  const root = packageRoot()
  const built = resolve(root, 'dist/index.mjs')
  return { 'mini-lambda': existsSync(built) ? built : resolve(root, 'src/index.ts') }
}

/** Every problem at once: the config's against the config file, a bad folder name against its folder. */
function projectError(fileLabel: string, issues: ConfigIssue[], folderIssues: FolderIssue[]): LambdaError {
  if (folderIssues.length === 0) return configError(fileLabel, issues)
  if (issues.length === 0) return folderError(folderIssues)
  const [config, folders] = [configError(fileLabel, issues), folderError(folderIssues)]
  return new LambdaError({ code: config.code, status: 400, message: `${config.message}\n${folders.message}`, hint: `${config.hint} ${folders.hint}`, data: { ...config.data, ...folders.data } })
}

export async function loadLambdaOptions(opts: LoadOptions = {}): Promise<LambdaOptions> {
  const cwd = resolve(opts.cwd ?? process.cwd())
  const envName = opts.envName ?? process.env.NODE_ENV
  if (opts.configFile && !existsSync(resolve(cwd, opts.configFile))) {
    throw new LambdaError({ code: 'CONFIG_NOT_FOUND', status: 400, message: `Config file ${opts.configFile} does not exist (looked in ${cwd}).`, hint: 'Pass an existing file with --config, or run `lambda init` to create a project.' })
  }
  let loaded
  try {
    loaded = await loadConfig<LambdaConfig>({
      name: 'lambda',
      cwd,
      configFile: opts.configFile ? resolve(cwd, opts.configFile).replace(/\.[cm]?[jt]s$|\.json$/, '') : 'lambda.config',
      rcFile: false,
      globalRc: false,
      packageJson: false,
      dotenv: false,
      envName,
      // `$…` keys are checked, then dropped, by splitEnvironments: c12 would drop a typo unseen.
      omit$Keys: false,
      overrides: opts.overrides,
      jitiOptions: { alias: selfAlias(), fsCache: false },
    })
  }
  catch (error) {
    const file = opts.configFile ?? 'lambda.config.ts'
    throw new LambdaError({
      code: 'CONFIG_LOAD_FAILED',
      status: 400,
      message: `Could not load ${file}: ${(error as Error).message}`,
      hint: `Fix the syntax or the import in ${file}; it must export default defineConfig({ ... }).`,
      cause: error,
    })
  }
  const configFile = loaded.configFile && existsSync(loaded.configFile) ? loaded.configFile : undefined
  const fileLabel = configFile ? relative(process.cwd(), configFile) || configFile : 'lambda.config.ts (not found; defaults used)'

  const environments = splitEnvironments((loaded.config ?? {}) as Record<string, unknown>, envName)
  const config = environments.config as LambdaConfig
  const issues = [...environments.issues, ...validateConfig(config).filter(issue => !environments.reportedInSelected.has(issue.path))]
  if (issues.length > 0) throw configError(fileLabel, issues)
  // A config with environments and an --env that names none of them: most likely a typo. A config with
  // none applies nothing for any --env, which CI scripts that always pass one rely on.
  if (opts.envName !== undefined && environments.defined.length > 0 && !environments.defined.includes(opts.envName)) throw unknownEnvironment(opts.envName, environments.defined, fileLabel)

  const { functionsDir, functions, folderIssues } = resolveFunctionsOptions(config, cwd, issues)
  if (issues.length > 0 || folderIssues.length > 0) throw projectError(fileLabel, issues, folderIssues)

  return {
    rootDir: cwd,
    configFile,
    functionsDir,
    functions,
    dev: resolveDevOptions(config),
    build: resolveBuildOptions(config, cwd),
    deploy: resolveDeployOptions(config),
  }
}
