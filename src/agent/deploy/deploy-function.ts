import type { DeployResult } from '../../api/admin-api'
import type { FunctionRecord, VersionRecord } from '../../store/records'
import type { AgentContext } from '../context'
import { randomBytes } from 'node:crypto'
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { assertFunctionName } from '../../config/function-name'
import { functionURL } from '../options'
import { assertSecretsSet } from '../secrets/function-env'
import { receiveUpload } from '../upload/receive-upload'
import { warmVersion, withSwitch } from '../versions/activate-version'
import { pruneFunction } from '../versions/prune'
import { readDeployManifest } from './deploy-manifest'

const DEFAULT_KEEP_VERSIONS = 5

/**
 * Receives one function's build context, builds it into a new version, proves a fresh instance
 * answers, and only then switches the gateway to it. Any failure leaves the serving version alone.
 */
export async function deployFunction(ctx: AgentContext, name: string, body: NodeJS.ReadableStream): Promise<DeployResult> {
  const started = performance.now()
  assertFunctionName(name)
  const uploadDir = join(ctx.uploadsDir, `${name}-${randomBytes(4).toString('hex')}`)
  await mkdir(uploadDir, { recursive: true })
  try {
    // Checked and unpacked before taking the lock, so queued deploys of one function upload in parallel.
    await receiveUpload(body, uploadDir, { maxBytes: ctx.options.maxUploadBytes, tmpDir: ctx.tmpDir })
    const manifest = await readDeployManifest(uploadDir, name)
    // Before the lock and the build: a missing secret is the user's to fix, not a failed build.
    assertSecretsSet(name, manifest.config, ctx.secrets)
    return await ctx.locks.run(name, async () => {
      const now = new Date().toISOString()
      const existing = await ctx.functions.get(name)
      // A function deleted earlier left its counter: numbers continue, so v<N> never names two builds.
      const tombstone = await ctx.functions.getTombstone(name)
      const lastVersion = Math.max(existing?.lastVersion ?? 0, tombstone?.lastVersion ?? 0)
      const record: FunctionRecord = { ...(existing ?? { name, currentVersion: null, history: [], createdAt: now }), lastVersion, keepVersions: manifest.keepVersions ?? existing?.keepVersions ?? DEFAULT_KEEP_VERSIONS, updatedAt: now }
      const current = record.currentVersion ? await ctx.functions.getVersion(name, record.currentVersion) : null
      const result = (status: DeployResult['status'], version: number): DeployResult => ({
        name,
        status,
        version,
        hash: manifest.hash,
        url: functionURL(ctx.options, name),
        durationMs: Math.round(performance.now() - started),
      })
      if (current?.hash === manifest.hash) {
        // Same code, a new keepVersions: the bound holds from this deploy on.
        if (existing && existing.keepVersions !== record.keepVersions) {
          await ctx.functions.put({ ...existing, keepVersions: record.keepVersions, updatedAt: now })
          await pruneFunction(ctx, name)
        }
        return result('unchanged', current.number)
      }

      // The number is taken before the build, so numbers only grow even if this deploy fails.
      const numbered = { ...record, lastVersion: record.lastVersion + 1 }
      const number = numbered.lastVersion
      await ctx.functions.put(numbered)
      if (tombstone) await ctx.functions.removeTombstone(name)
      const image = await ctx.provider.buildImage({ name, version: number, hash: manifest.hash, kind: manifest.kind, contextDir: uploadDir, config: manifest.config })
      const version: VersionRecord = { function: name, number, hash: manifest.hash, kind: manifest.kind, image, config: manifest.config, createdAt: new Date().toISOString() }
      try {
        // Proof that it works: a fresh instance must answer before any traffic moves.
        await warmVersion(ctx, version)
      }
      catch (error) {
        await ctx.provider.removeImage(image).catch(() => {})
        throw error
      }
      await ctx.functions.putVersion(version)
      await ctx.functions.put(withSwitch(numbered, number, 'deploy'))
      ctx.serving.switchTo(version)
      await pruneFunction(ctx, name)
      return result('built', number)
    })
  }
  finally {
    await rm(uploadDir, { recursive: true, force: true })
  }
}
