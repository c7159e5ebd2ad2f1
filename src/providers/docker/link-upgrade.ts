import type Dockerode from 'dockerode'
import type { ImageRef } from '../../store/records'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { create as createTar } from 'tar'
import { runtimeFiles } from '../../build/runtime-files'
import { withDockerDeadline } from './api-deadline'
import { BASE_IMAGE_LABELS, BASE_IMAGE_LAYOUT, makeDir, writeReadableFile } from './base-image-recipe'
import { buildImage } from './build-image'

const LINK_LABEL = BASE_IMAGE_LABELS.link
const BASE_ENTRYPOINT = JSON.stringify([BASE_IMAGE_LAYOUT.nodePath, '--enable-source-maps', `${BASE_IMAGE_LAYOUT.runtimeDir}/bootstrap.mjs`])

/**
 * How a custom image runs: built on the base image (it carries the base's label, so Node and the
 * connector are there) with a command of its own, under the connector; otherwise as it is.
 */
export function connectorFor(info: Dockerode.ImageInspectInfo): string[] | undefined {
  if (info.Config.Labels?.[BASE_IMAGE_LABELS.base] !== '1') return undefined
  if (JSON.stringify(info.Config.Entrypoint) === BASE_ENTRYPOINT) return undefined
  const command = [...(info.Config.Entrypoint ?? []), ...(info.Config.Cmd ?? [])]
  return command.length > 0 ? command : undefined
}

/**
 * A version built by an agent from before the runtime link has a runtime that listens instead of
 * dialing: rebuilt in place with today's runtime on top (one small layer), so it serves again without a
 * redeploy. Images that are not built on the base image cannot be helped (undefined: left as they are).
 */
export async function upgradeToLink(docker: Dockerode, image: ImageRef, kind: 'node' | 'dockerfile', tmpDir: string): Promise<ImageRef | undefined> {
  const info = await withDockerDeadline('inspecting an image', () => docker.getImage(image.id ?? image.ref).inspect()).catch(() => undefined)
  if (!info || info.Config.Labels?.[LINK_LABEL] === '1' || info.Config.Labels?.[BASE_IMAGE_LABELS.base] !== '1') return undefined
  const dir = await mkdtemp(join(tmpDir, 'link-upgrade-'))
  try {
    const runtimeDir = await makeDir(dir, 'runtime')
    for (const file of runtimeFiles()) await writeReadableFile(join(runtimeDir, file.name), file.content)
    await writeFile(join(dir, 'Dockerfile'), `FROM ${info.Id}\nCOPY runtime/ ${BASE_IMAGE_LAYOUT.runtimeDir}/\n`)
    const context = createTar({ cwd: dir, portable: true, noMtime: true }, ['Dockerfile', 'runtime'])
    const { imageId } = await buildImage(docker, context as unknown as NodeJS.ReadableStream, { tag: image.ref, labels: { [LINK_LABEL]: '1' }, subject: `the upgrade of ${image.ref}` })
    const connector = kind === 'dockerfile' ? connectorFor(info) : undefined
    return connector ? { ref: image.ref, id: imageId, connector } : { ref: image.ref, id: imageId }
  }
  finally {
    await rm(dir, { recursive: true, force: true })
  }
}
