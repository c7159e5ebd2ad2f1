import type Dockerode from 'dockerode'
import { createHash } from 'node:crypto'
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, posix } from 'node:path'
import { create as createTar } from 'tar'
import { runtimeFiles, runtimeFingerprint } from '../../build/runtime-files'
import { LambdaError } from '../../errors'
import { buildImage, dockerUnavailableError } from './build-image'

// What every base image is made of, whatever its source: the runtime, its layout and labels.

export interface BaseImageOptions {
  /**
   * 'host' (assemble from this machine's node) or an image reference such as 'node:20-bookworm-slim'
   * to start from when it is present locally or can be pulled.
   */
  source?: string
  onLog?: (line: string) => void
  /** How long to try pulling a registry `source` before falling back to the host's Node. */
  pullTimeoutMs?: number
  /** Where build contexts are written (the agent's own temp folder). Default: the system temp dir. */
  tmpDir?: string
}

export interface BaseImage {
  tag: string
  /** What the base was made from: 'host', or the image reference it was built FROM. */
  source: 'host' | string
  /** Whether it was built now (by this call or a concurrent one it joined) rather than found. */
  created: boolean
}

/** Where things live inside every base image, and so inside every function image. */
export const BASE_IMAGE_LAYOUT = {
  nodePath: '/usr/local/bin/node',
  runtimeDir: '/opt/mini-lambda/runtime',
  taskDir: '/var/task',
  socketDir: '/run/lambda',
  user: '10001:10001',
} as const

export const BASE_IMAGE_REPOSITORY = 'mini-lambda/runtime'

export const BASE_IMAGE_LABELS = {
  base: 'mini-lambda.base',
  fingerprint: 'mini-lambda.base.fingerprint',
  source: 'mini-lambda.base.source',
  /** Its runtime dials the agent (see src/instances/runtime-link.ts); inherited by images built on it. */
  link: 'mini-lambda.link',
} as const

/**
 * Bump when the way a base is put together changes, so existing bases are not reused. 4: file modes no
 * longer depend on the agent's umask (a base assembled under UMask=0077 had an unreadable runtime).
 */
const RECIPE_VERSION = 4
export const LAMBDA_UID = 10001

const building = new Map<string, Promise<void>>()

export function fingerprintOf(parts: Record<string, string | number>): string {
  return createHash('sha256').update(JSON.stringify({ recipe: RECIPE_VERSION, runtime: runtimeFingerprint(), ...parts })).digest('hex')
}

export function baseLabels(fingerprint: string, source: string): Record<string, string> {
  return { [BASE_IMAGE_LABELS.base]: '1', [BASE_IMAGE_LABELS.fingerprint]: fingerprint, [BASE_IMAGE_LABELS.source]: source, [BASE_IMAGE_LABELS.link]: '1' }
}

/** The image's id, or undefined when there is no such image on this engine. */
export async function localImageId(docker: Dockerode, ref: string): Promise<string | undefined> {
  try {
    return (await docker.getImage(ref).inspect()).Id
  }
  catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return undefined
    throw dockerUnavailableError(docker, error) ?? error
  }
}

/** Builds `tag` unless it exists; concurrent callers in this process share one build. */
export async function ensureTag(docker: Dockerode, tag: string, build: () => Promise<void>): Promise<boolean> {
  let pending = building.get(tag)
  if (!pending) {
    if (await localImageId(docker, tag)) return false
    // Another caller may have started the build while we looked.
    pending = building.get(tag)
    if (!pending) {
      pending = build().finally(() => building.delete(tag))
      building.set(tag, pending)
    }
  }
  await pending
  return true
}

/** Writes a build context into a fresh folder, streams it to the engine as tar, and removes the folder. */
export async function buildFromContext(docker: Dockerode, tag: string, labels: Record<string, string>, opts: BaseImageOptions, write: (dir: string) => Promise<void>): Promise<void> {
  const { onLog } = opts
  const dir = await mkdtemp(join(opts.tmpDir ?? tmpdir(), 'mini-lambda-base-'))
  try {
    await write(dir)
    // `follow` packs what the rootfs symlinks point at, so host files go in without being copied first.
    const context = createTar({ cwd: dir, follow: true }, (await readdir(dir)).sort())
    await buildImage(docker, context as unknown as NodeJS.ReadableStream, { tag, labels, subject: `the base image ${tag}`, onLog })
  }
  finally {
    await rm(dir, { recursive: true, force: true })
  }
}

const entrypoint = JSON.stringify([BASE_IMAGE_LAYOUT.nodePath, '--enable-source-maps', `${BASE_IMAGE_LAYOUT.runtimeDir}/bootstrap.mjs`])

export function dockerfileTail(extraEnv: string[] = []): string[] {
  return [
    `ENV NODE_ENV=production LAMBDA_HANDLER=${BASE_IMAGE_LAYOUT.taskDir}/index.mjs${extraEnv.map(e => ` ${e}`).join('')}`,
    `USER ${BASE_IMAGE_LAYOUT.user}`,
    `WORKDIR ${BASE_IMAGE_LAYOUT.taskDir}`,
    `ENTRYPOINT ${entrypoint}`,
  ]
}

/**
 * A file every user of the image may read (the function runs as ${LAMBDA_UID}, which owns none of them).
 * The mode is set after writing: `writeFile`'s own is masked by the umask, 0077 under the systemd unit.
 */
export async function writeReadableFile(path: string, content: string | Uint8Array, mode = 0o644): Promise<void> {
  await writeFile(path, content)
  await chmod(path, mode)
}

export async function makeDir(root: string, path: string, mode = 0o755): Promise<string> {
  const full = join(root, path)
  await mkdir(full, { recursive: true })
  await chmod(full, mode)
  return full
}

/** Parents of `path` inside the rootfs, made 0755 whatever the umask. */
export async function makeParents(root: string, path: string): Promise<void> {
  const parts = posix.dirname(path).split('/').filter(Boolean)
  for (let i = 1; i <= parts.length; i++) await makeDir(root, parts.slice(0, i).join('/'))
}

/** The runtime, the socket folder and the task folder's parents, common to both kinds of base. */
export async function writeRuntimeTree(rootfs: string): Promise<void> {
  await makeParents(rootfs, BASE_IMAGE_LAYOUT.runtimeDir)
  const runtimeDir = await makeDir(rootfs, BASE_IMAGE_LAYOUT.runtimeDir)
  for (const file of runtimeFiles()) await writeReadableFile(join(runtimeDir, file.name), file.content)
  // The task folder itself comes from taskDirStep(), owned by the function user; its parents stay root's.
  await makeParents(rootfs, BASE_IMAGE_LAYOUT.taskDir)
  await makeParents(rootfs, BASE_IMAGE_LAYOUT.socketDir)
  // The agent mounts each instance's link folder here, read-only.
  await makeDir(rootfs, BASE_IMAGE_LAYOUT.socketDir)
}

/**
 * The task folder, made by COPY --chown from an empty folder of the build context (`task/`): it belongs
 * to the function user, so a Dockerfile's RUN steps, which run as that user, can write there
 * (`RUN mkdir -p /var/task/data`). At run time the root file system is read-only all the same.
 */
export async function taskDirStep(contextDir: string): Promise<string> {
  await makeDir(contextDir, 'task')
  return `COPY --chown=${BASE_IMAGE_LAYOUT.user} task/ ${BASE_IMAGE_LAYOUT.taskDir}/`
}

export function baseError(message: string, hint: string, cause?: unknown): LambdaError {
  return new LambdaError({ code: 'BASE_IMAGE_FAILED', status: 500, message, hint, cause })
}
