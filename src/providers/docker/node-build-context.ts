import { lstat, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { BUNDLE_FILES, uploadedBundle } from '../../build/module-format'
import { nodeDockerfile } from '../../build/node-dockerfile'

const isFile = (path: string) => lstat(path).then(info => info.isFile(), () => false)

/**
 * The build context of a node function, in its checked upload folder: the bundle (a CommonJS one when
 * present, as the runtime picks it), its source map when there is one, and the agent's own Dockerfile
 * in place of any the upload carried. Returns the files to send; nothing else of the upload is.
 */
export async function nodeBuildContext(name: string, contextDir: string): Promise<string[]> {
  const bundle = await uploadedBundle(contextDir) ?? BUNDLE_FILES.esm
  const withSourceMap = await isFile(join(contextDir, `${bundle}.map`))
  await rm(join(contextDir, 'Dockerfile'), { recursive: true, force: true })
  await writeFile(join(contextDir, 'Dockerfile'), nodeDockerfile(name, bundle, withSourceMap), { flag: 'wx' })
  return ['Dockerfile', bundle, ...(withSourceMap ? [`${bundle}.map`] : [])]
}
