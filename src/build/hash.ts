import type { FunctionRuntimeConfig, ResolvedFunction } from '../config/types'
import { createHash } from 'node:crypto'
import { runtimeFingerprint } from './runtime-files'

/** The config that shapes how a function runs: part of its identity, shipped with each deploy. */
export function runtimeConfigOf(fn: ResolvedFunction): FunctionRuntimeConfig {
  const { dir: _dir, entry: _entry, ...config } = fn
  return config
}

/** JSON with keys sorted (and undefined left out), so equal values always give equal text. */
export function stableJSON(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJSON).join(',')}]`
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().filter(k => (value as any)[k] !== undefined).map(k => `${JSON.stringify(k)}:${stableJSON((value as any)[k])}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}

/**
 * Content hash of a build: the artifact bytes, the config it runs with (its schedules included: a
 * version carries them, so a rollback brings them back) and the runtime that serves it.
 */
export function contentHash(artifact: Uint8Array | string, fn: ResolvedFunction): string {
  return createHash('sha256')
    .update(artifact)
    .update('\0')
    .update(stableJSON(runtimeConfigOf(fn)))
    .update('\0')
    .update(runtimeFingerprint())
    .digest('hex')
}
