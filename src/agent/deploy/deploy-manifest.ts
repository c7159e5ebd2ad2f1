import type { DeployManifest } from '../../api/deploy-manifest'
import type { ConfigIssue } from '../../config/schema/checks'
import type { FunctionOptions } from '../../config/schema/function-options'
import { readFile, rm } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { DEPLOY_MANIFEST } from '../../api/deploy-manifest'
import { BUNDLE_FILES, uploadedBundle } from '../../build/module-format'
import { resolveFunctionSettings } from '../../config/resolve/function-settings'
import { checkFunctionOptions } from '../../config/schema/function-options'
import { configError } from '../../config/validate'
import { LambdaError } from '../../errors'

const MANIFEST_FIELDS = new Set(['name', 'kind', 'hash', 'config', 'keepVersions'])

function badManifest(message: string): LambdaError {
  return new LambdaError({ code: 'BAD_UPLOAD', status: 400, message: `Upload rejected: ${message}`, hint: 'Deploy with `lambda deploy`, which writes this file for you.', data: { entry: DEPLOY_MANIFEST } })
}

/** Reads and checks the manifest of an extracted upload, then removes it from the build context. */
export async function readDeployManifest(dir: string, expectedName: string): Promise<DeployManifest> {
  let manifest: DeployManifest
  try {
    manifest = JSON.parse(await readFile(join(dir, DEPLOY_MANIFEST), 'utf8'))
  }
  catch {
    throw badManifest(`entry "${DEPLOY_MANIFEST}" is missing or not JSON.`)
  }
  if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest)) throw badManifest(`entry "${DEPLOY_MANIFEST}" must hold a JSON object, not ${String(JSON.stringify(manifest)).slice(0, 80)}.`)
  await rm(join(dir, DEPLOY_MANIFEST), { force: true })
  const unknown = Object.keys(manifest).find(key => !MANIFEST_FIELDS.has(key))
  if (unknown !== undefined) throw badManifest(`the manifest has an unknown field ${JSON.stringify(unknown.slice(0, 64))}; it holds ${[...MANIFEST_FIELDS].join(', ')}.`)
  if (manifest.name !== expectedName) throw badManifest(`the manifest names function "${String(manifest.name).slice(0, 80)}" but the upload went to "${expectedName}".`)
  if (manifest.kind !== 'node' && manifest.kind !== 'dockerfile') throw badManifest(`unknown function kind ${JSON.stringify(manifest.kind)}.`)
  if (typeof manifest.hash !== 'string' || !/^[0-9a-f]{64}$/.test(manifest.hash)) throw badManifest('the content hash is missing or malformed.')
  if (!manifest.config || typeof manifest.config !== 'object' || Array.isArray(manifest.config)) throw badManifest('the function config is missing or not an object.')
  if (manifest.keepVersions !== undefined && (!Number.isInteger(manifest.keepVersions) || manifest.keepVersions < 1 || manifest.keepVersions > 1000)) {
    throw badManifest(`keepVersions must be a whole number from 1 to 1000, not ${JSON.stringify(manifest.keepVersions)}.`)
  }
  // Never trust a client's config: it must pass the same checks as lambda.config.ts, and whatever it
  // leaves out gets the same defaults, so nothing downstream ever sees undefined.
  const { name: _name, kind: _kind, ...options } = manifest.config as Record<string, unknown>
  const issues: ConfigIssue[] = []
  checkFunctionOptions(options, `functions.${expectedName}`, issues)
  const cores = availableParallelism()
  if (typeof options.cpu === 'number' && options.cpu > cores) {
    issues.push({ path: `functions.${expectedName}.cpu`, value: options.cpu, problem: `is more than the ${cores} CPU core(s) of the agent's machine`, fix: `set it to ${cores} or less` })
  }
  if (issues.length > 0) throw configError(`the deploy of "${expectedName}"`, issues)
  return { ...manifest, config: resolveFunctionSettings(expectedName, manifest.kind, options as FunctionOptions) }
}

/** A node function's upload is its bundle: without one there is nothing to build (a 400, not a failed start). */
export async function assertNodeBundle(dir: string): Promise<void> {
  if (await uploadedBundle(dir)) return
  throw new LambdaError({
    code: 'BAD_UPLOAD',
    status: 400,
    message: `Upload rejected: a \`kind: node\` upload holds the function's bundle, ${Object.values(BUNDLE_FILES).join(' or ')} (a regular file at its top); this one has neither.`,
    hint: 'Deploy with `lambda deploy`, which bundles the function and uploads the bundle.',
    data: { entry: BUNDLE_FILES.esm },
  })
}
