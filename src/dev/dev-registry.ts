import type { LoadOptions } from '../config/load'
import type { LambdaOptions } from '../config/types'
import type { DevFunctionContext } from './dev-function'
import { existsSync } from 'node:fs'
import { basename, dirname, relative, sep } from 'node:path'
import { isDeepStrictEqual } from 'node:util'
import { consola } from 'consola'
import { ENTRY_CANDIDATES } from '../config/defaults'
import { loadLambdaOptions } from '../config/load'
import { LambdaError } from '../errors'
import { functionPrefix } from '../log/function-log'
import { DevFunction } from './dev-function'

/** The set of functions `lambda dev` serves, kept in step with the config and the files on disk. */
export class DevRegistry {
  options: LambdaOptions
  readonly functions = new Map<string, DevFunction>()
  private readonly load: LoadOptions
  private readonly ctx: Omit<DevFunctionContext, 'options'>
  private reloading?: Promise<void>
  private reloadAgain = false

  constructor(options: LambdaOptions, load: LoadOptions, ctx: Omit<DevFunctionContext, 'options'>) {
    this.options = options
    this.load = load
    this.ctx = ctx
  }

  get(name: string) {
    return this.functions.get(name)
  }

  names() {
    return [...this.functions.keys()]
  }

  /** Makes the running functions match `options`: starts new ones, rebuilds changed ones, stops removed ones. */
  async apply(options: LambdaOptions): Promise<void> {
    this.options = options
    const builds: Promise<void>[] = []
    const wanted = new Map(options.functions.map(fn => [fn.name, fn]))
    for (const [name, current] of this.functions) {
      const next = wanted.get(name)
      if (!next || !isDeepStrictEqual(next, current.fn)) {
        this.functions.delete(name)
        void current.dispose()
        if (!next) consola.info(`${functionPrefix(name)} removed`)
      }
    }
    for (const fn of options.functions) {
      if (this.functions.has(fn.name)) continue
      const devFn = new DevFunction(fn, { ...this.ctx, options })
      this.functions.set(fn.name, devFn)
      if (fn.kind === 'dockerfile') consola.warn(`${functionPrefix(fn.name)} is built from a Dockerfile: lambda dev serves Node functions only; deploy it to an agent to run it.`)
      else builds.push(devFn.rebuild())
    }
    await Promise.all(builds)
  }

  /** Reloads lambda.config.ts; an invalid config is reported and the running set kept. */
  /** Reloads the config; a change that arrives during a reload gets one more, so no edit is missed. */
  reload(): Promise<void> {
    if (this.reloading) {
      this.reloadAgain = true
      return this.reloading
    }
    this.reloading = (async () => {
      do {
        this.reloadAgain = false
        try {
          await this.apply(await loadLambdaOptions(this.load))
          consola.info('Config reloaded')
        }
        catch (error) {
          const e = LambdaError.is(error) ? error : new LambdaError({ code: 'CONFIG_INVALID', message: String(error) })
          consola.error(`${e.message}${e.hint ? `\n${e.hint}` : ''}\nKeeping the functions that were running.`)
        }
      } while (this.reloadAgain)
    })().finally(() => {
      this.reloading = undefined
      this.ctx.onBuilt?.()
    })
    return this.reloading
  }

  /** Routes file changes: config edits and new function folders reload the set; code edits rebuild who imports them. */
  async onFilesChanged(paths: string[]): Promise<void> {
    const { rootDir, configFile, functionsDir } = this.options
    const touchesConfig = paths.some(p => p === configFile || (dirname(p) === rootDir && /^lambda\.config\.[cm]?[jt]s$|^lambda\.config\.json$/.test(basename(p))))
    const touchesLayout = functionsDir !== undefined && paths.some(p => this.changesFunctionSet(functionsDir, p))
    if (touchesConfig || touchesLayout) await this.reload()
    await Promise.all([...this.functions.values()].filter(fn => paths.some(p => fn.watches(p))).map(fn => fn.rebuild()))
  }

  /** A function folder or entry file that appeared or vanished under functionsDir. */
  private changesFunctionSet(functionsDir: string, path: string): boolean {
    const parts = relative(functionsDir, path).split(sep)
    if (parts[0] === '..' || parts.length > 2) return false
    const known = this.functions.has(parts[0]!)
    if (parts.length === 1) return known !== existsSync(path)
    const isEntry = ENTRY_CANDIDATES.includes(parts[1]!) || parts[1] === 'Dockerfile'
    return isEntry && (!known || !existsSync(path))
  }

  /** Folders whose changes matter: the root (config), functionsDir, and every folder of every import. */
  watchedDirectories(): Set<string> {
    const dirs = new Set([this.options.rootDir])
    if (this.options.functionsDir) dirs.add(this.options.functionsDir)
    for (const fn of this.functions.values()) {
      dirs.add(fn.fn.dir)
      for (const input of fn.artifact?.inputs ?? []) dirs.add(dirname(input))
    }
    return dirs
  }

  async close() {
    await Promise.all([...this.functions.values()].map(fn => fn.dispose()))
    this.functions.clear()
  }
}
