import type { DeployManifest } from '../api/deploy-manifest'
import type { FunctionArtifact } from '../build/artifact'
import { cp, mkdir, readdir, rm, writeFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { c as createTar } from 'tar'
import { DEPLOY_MANIFEST } from '../api/deploy-manifest'
import { nodeDockerfile } from '../build/node-dockerfile'

/**
 * Lays out the build context of a function in `stageDir` and returns it as a tar stream:
 * bundle + source map + generated Dockerfile for Node functions, the function's own folder for
 * Dockerfile functions; plus the deploy manifest (name, kind, hash, config) either way.
 */
export async function packBuildContext(artifact: FunctionArtifact, stageDir: string, keepVersions?: number): Promise<NodeJS.ReadableStream> {
  await rm(stageDir, { recursive: true, force: true })
  await mkdir(stageDir, { recursive: true })
  if (artifact.kind === 'node') {
    const bundleFile = basename(artifact.bundlePath!)
    await cp(artifact.bundlePath!, join(stageDir, bundleFile))
    await cp(`${artifact.bundlePath!}.map`, join(stageDir, `${bundleFile}.map`))
    // Agents of this release on write their own and ignore this one; older agents still build with it.
    await writeFile(join(stageDir, 'Dockerfile'), nodeDockerfile(artifact.name, bundleFile))
  }
  else {
    await cp(artifact.dir, stageDir, { recursive: true, verbatimSymlinks: true })
  }
  const manifest: DeployManifest = { name: artifact.name, kind: artifact.kind, hash: artifact.hash, config: artifact.config, keepVersions }
  await writeFile(join(stageDir, DEPLOY_MANIFEST), JSON.stringify(manifest))
  const files = await readdir(stageDir)
  return createTar({ cwd: stageDir, portable: true, follow: false }, files) as unknown as NodeJS.ReadableStream
}
