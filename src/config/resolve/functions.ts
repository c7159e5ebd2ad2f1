import type { ConfigIssue } from '../schema/checks'
import type { FunctionConfig, LambdaConfig, ResolvedFunction } from '../types'
import type { FolderIssue } from './folder-error'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { ENTRY_CANDIDATES } from '../defaults'
import { validateFunctionName } from '../function-name'
import { mergeFunctionOptions } from '../schema/function-options'
import { checkIdleOrder } from '../schema/idle'
import { resolveFunctionSettings } from './function-settings'

interface FunctionSource {
  name: string
  dir: string
  config: FunctionConfig
  /** Where the function came from, for error messages. */
  origin: 'discovered' | 'config'
}

export function findEntry(dir: string): string | undefined {
  for (const candidate of ENTRY_CANDIDATES) {
    const file = join(dir, candidate)
    if (existsSync(file)) return file
  }
}

function discoverFunctions(functionsDir: string): FunctionSource[] {
  if (!existsSync(functionsDir) || !statSync(functionsDir).isDirectory()) return []
  const found: FunctionSource[] = []
  for (const entry of readdirSync(functionsDir, { withFileTypes: true })) {
    // `_shared/` or `.cache/` hold code for functions, not functions
    if (!entry.isDirectory() || entry.name.startsWith('_') || entry.name.startsWith('.')) continue
    const dir = join(functionsDir, entry.name)
    if (findEntry(dir) || existsSync(join(dir, 'Dockerfile'))) found.push({ name: entry.name, dir, config: {}, origin: 'discovered' })
  }
  return found
}

/**
 * Discovers `functionsDir/*` and merges `functions` over it, applying `defaults`. Problems of the config
 * go to `issues`; a discovered folder whose name cannot be a function name goes to `folderIssues`.
 */
export function resolveFunctionsOptions(config: LambdaConfig, rootDir: string, issues: ConfigIssue[]): { functionsDir?: string, functions: ResolvedFunction[], folderIssues: FolderIssue[] } {
  const functionsDir = config.functionsDir === false ? undefined : resolve(rootDir, config.functionsDir ?? 'functions')
  const sources = new Map<string, FunctionSource>()
  for (const source of functionsDir ? discoverFunctions(functionsDir) : []) sources.set(source.name, source)
  for (const [name, fnConfig] of Object.entries(config.functions ?? {})) {
    const fn = (typeof fnConfig === 'object' && fnConfig) ? fnConfig : {}
    const discovered = sources.get(name)
    const dir = fn.dir ? resolve(rootDir, fn.dir) : fn.entry ? resolve(rootDir, fn.entry, '..') : discovered?.dir ?? join(functionsDir ?? resolve(rootDir, 'functions'), name)
    sources.set(name, { name, dir, config: fn, origin: 'config' })
  }

  const functions: ResolvedFunction[] = []
  const folderIssues: FolderIssue[] = []
  for (const { name, dir, config: fn, origin } of sources.values()) {
    if (origin === 'discovered') {
      const nameIssues: ConfigIssue[] = []
      validateFunctionName(name, name, nameIssues)
      folderIssues.push(...nameIssues.map(({ problem, fix }) => ({ dir, name, problem, fix })))
      if (nameIssues.length > 0) continue
    }
    const keyPath = `functions.${name}`
    let entry: string | undefined
    let kind: ResolvedFunction['kind'] = 'node'
    if (fn.entry) {
      entry = resolve(rootDir, fn.entry)
      if (!existsSync(entry)) {
        issues.push({ path: `${keyPath}.entry`, value: fn.entry, problem: `points to a file that does not exist (${entry})`, fix: `create ${relative(rootDir, entry)} or point ${keyPath}.entry at the function's file` })
        continue
      }
    }
    else {
      entry = findEntry(dir)
      if (!entry) {
        if (existsSync(join(dir, 'Dockerfile'))) {
          kind = 'dockerfile'
        }
        else {
          issues.push({ path: `${keyPath}.entry`, value: fn.entry, problem: `is missing and ${relative(rootDir, dir) || dir} holds none of ${ENTRY_CANDIDATES.join(', ')} nor a Dockerfile`, fix: `create ${relative(rootDir, join(dir, 'index.ts'))} (lambda new ${name}) or set ${keyPath}.entry` })
          continue
        }
      }
    }
    const { entry: _entry, dir: _dir, ...options } = fn
    const merged = mergeFunctionOptions(config.defaults, options)
    // Each half passed its checks alone; together they may still ask for a pause after the stop.
    if (merged.idle) checkIdleOrder(merged.idle, `${keyPath}.idle`, issues)
    const settings = resolveFunctionSettings(name, kind, merged)
    functions.push({ ...settings, dir, entry })
  }
  functions.sort((a, b) => a.name.localeCompare(b.name))
  return { functionsDir, functions, folderIssues }
}
