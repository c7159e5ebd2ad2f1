import type { DeployResult } from '../../api/admin-api'
import type { ApiKeyRecord, FunctionRecord, VersionRecord } from '../../store/records'
import type { AgentContext } from '../context'
import { randomBytes } from 'node:crypto'
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { assertFunctionName } from '../../config/function-name'
import { LambdaError } from '../../errors'
import { assertSecretsGranted } from '../auth/secret-grants'
import { functionURL } from '../options'
import { assertSecretsSet } from '../secrets/function-env'
import { receiveUpload } from '../upload/receive-upload'
import { warmVersion, withSwitch } from '../versions/activate-version'
import { pruneFunction } from '../versions/prune'
import { assertNodeBundle, readDeployManifest } from './deploy-manifest'

const DEFAULT_KEEP_VERSIONS = 5

/**
 * Receives one function's build context, builds it into a new version, proves a fresh instance
 * answers, and only then switches the gateway to it. Any failure leaves the serving version alone.
 */
export interface DeployRequest {
  name: string
  /** The build context tar, as it arrives. */
  body: NodeJS.ReadableStream
  /** The key deploying it: what secrets it may give the function. */
  key: ApiKeyRecord
  /**
   * Aborted when the client goes away (Ctrl-C in `lambda deploy`): whatever has not gone live is
   * cancelled (a build is stopped, a warm instance retired); a switch that happened stays.
   */
  signal?: AbortSignal
}

export async function deployFunction(ctx: AgentContext, { name, body, key, signal }: DeployRequest): Promise<DeployResult> {
  const started = performance.now()
  const stillWanted = () => {
    if (signal?.aborted) throw deployCancelled(name)
  }
  assertFunctionName(name)
  const uploadDir = join(ctx.uploadsDir, `${name}-${randomBytes(4).toString('hex')}`)
  await mkdir(uploadDir, { recursive: true })
  try {
    // Checked and unpacked before taking the lock, so queued deploys of one function upload in parallel.
    await receiveUpload(body, uploadDir, { maxBytes: ctx.options.maxUploadBytes, tmpDir: ctx.tmpDir })
    const manifest = await readDeployManifest(uploadDir, name)
    // Before the lock and the build: code that receives a secret can read it (403), and a missing
    // secret is the user's to fix, not a failed build (422).
    assertSecretsGranted(key, name, manifest.config.env)
    assertSecretsSet(name, manifest.config, ctx.secrets)
    if (manifest.kind === 'node') await assertNodeBundle(uploadDir)
    await ctx.provider.checkBuild?.({ name, kind: manifest.kind, contextDir: uploadDir })
    return await ctx.locks.run(name, async () => {
      // Queued behind another deploy of the function while its client gave up.
      stillWanted()
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
      const image = await ctx.provider.buildImage({ name, version: number, hash: manifest.hash, kind: manifest.kind, contextDir: uploadDir, config: manifest.config, signal })
      const version: VersionRecord = { function: name, number, hash: manifest.hash, kind: manifest.kind, image, config: manifest.config, createdAt: new Date().toISOString() }
      try {
        stillWanted()
        // Proof that it works: a fresh instance must answer before any traffic moves.
        await warmVersion(ctx, version)
        // The last moment to cancel: after this the new version is live.
        if (signal?.aborted) {
          if (ctx.serving.get(name)?.version.number !== number) await ctx.serving.retirePool(version)
          stillWanted()
        }
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

function deployCancelled(name: string): LambdaError {
  return new LambdaError({
    code: 'DEPLOY_CANCELLED',
    // nginx's "client closed request": nobody is left to read the answer, but the audit log is.
    status: 499,
    message: `The deploy of "${name}" was cancelled: its client went away before the new version went live. The serving version is unchanged.`,
    hint: 'Deploy again when you mean it.',
  })
}
