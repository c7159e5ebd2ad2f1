import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, realpathSync } from 'node:fs'
import { chmod, mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, dirname, join, posix } from 'node:path'
import { promisify } from 'node:util'
import type Dockerode from 'dockerode'
import { create as createTar } from 'tar'
import { runtimeFiles, runtimeFingerprint } from '../../build/runtime-files'
import { LambdaError } from '../../errors'
import { buildImage, daemonMessage, dockerUnavailableError } from './build-image'

export interface BaseImageOptions {
  /**
   * 'host' (assemble from this machine's node) or an image reference such as 'node:20-bookworm-slim'
   * to start from when it is present locally or can be pulled.
   */
  source?: string
  onLog?: (line: string) => void
  /** How long to try pulling a registry `source` before falling back to the host's Node. */
  pullTimeoutMs?: number
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
} as const

/** Bump when the way a base is put together changes, so existing bases are not reused. */
const RECIPE_VERSION = 1
const DEFAULT_PULL_TIMEOUT_MS = 15_000
/** After a failed pull, use the host's Node without asking the registry again for a while. */
const PULL_RETRY_AFTER_MS = 10 * 60_000
const LAMBDA_UID = 10001

const building = new Map<string, Promise<void>>()
const unpullable = new Map<string, { at: number; reason: string }>()
const execFileAsync = promisify(execFile)

/**
 * Makes sure the base image exists and returns its tag, e.g. `mini-lambda/runtime:<12 hex>`. The tag is a
 * content fingerprint of (node version + runtime files + source), so a new runtime or Node makes a new base
 * and an unchanged one is reused without rebuilding.
 */
export async function ensureBaseImage(docker: Dockerode, opts: BaseImageOptions = {}): Promise<BaseImage> {
  const source = opts.source?.trim() || 'host'
  if (source !== 'host') {
    const image = await baseFromImage(docker, source, opts)
    if (image) return image
  }
  return baseFromHost(docker, opts)
}

function fingerprintOf(parts: Record<string, string | number>): string {
  return createHash('sha256').update(JSON.stringify({ recipe: RECIPE_VERSION, runtime: runtimeFingerprint(), ...parts })).digest('hex')
}

function baseLabels(fingerprint: string, source: string): Record<string, string> {
  return { [BASE_IMAGE_LABELS.base]: '1', [BASE_IMAGE_LABELS.fingerprint]: fingerprint, [BASE_IMAGE_LABELS.source]: source }
}

/** The image's id, or undefined when there is no such image on this engine. */
async function localImageId(docker: Dockerode, ref: string): Promise<string | undefined> {
  try {
    return (await docker.getImage(ref).inspect()).Id
  }
  catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return undefined
    throw dockerUnavailableError(docker, error) ?? error
  }
}

/** Builds `tag` unless it exists; concurrent callers in this process share one build. */
async function ensureTag(docker: Dockerode, tag: string, build: () => Promise<void>): Promise<boolean> {
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
async function buildFromContext(docker: Dockerode, tag: string, labels: Record<string, string>, onLog: ((line: string) => void) | undefined, write: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'mini-lambda-base-'))
  try {
    await write(dir)
    // `follow` packs what the rootfs symlinks point at, so host files go in without being copied first.
    const context = createTar({ cwd: dir, follow: true }, ['Dockerfile', 'rootfs'])
    await buildImage(docker, context as unknown as NodeJS.ReadableStream, { tag, labels, subject: `the base image ${tag}`, onLog })
  }
  finally {
    await rm(dir, { recursive: true, force: true })
  }
}

const entrypoint = JSON.stringify([BASE_IMAGE_LAYOUT.nodePath, '--enable-source-maps', `${BASE_IMAGE_LAYOUT.runtimeDir}/bootstrap.mjs`])

function dockerfileTail(extraEnv: string[] = []): string[] {
  return [
    `ENV NODE_ENV=production LAMBDA_HANDLER=${BASE_IMAGE_LAYOUT.taskDir}/index.mjs LAMBDA_SOCKET=${BASE_IMAGE_LAYOUT.socketDir}/fn.sock${extraEnv.map(e => ` ${e}`).join('')}`,
    `USER ${BASE_IMAGE_LAYOUT.user}`,
    `WORKDIR ${BASE_IMAGE_LAYOUT.taskDir}`,
    `ENTRYPOINT ${entrypoint}`,
  ]
}

async function makeDir(root: string, path: string, mode = 0o755): Promise<string> {
  const full = join(root, path)
  await mkdir(full, { recursive: true })
  await chmod(full, mode)
  return full
}

/** Parents of `path` inside the rootfs, made 0755 whatever the umask. */
async function makeParents(root: string, path: string): Promise<void> {
  const parts = posix.dirname(path).split('/').filter(Boolean)
  for (let i = 1; i <= parts.length; i++) await makeDir(root, parts.slice(0, i).join('/'))
}

/** The runtime, the task folder and the socket folder, common to both kinds of base. */
async function writeRuntimeTree(rootfs: string): Promise<void> {
  await makeParents(rootfs, BASE_IMAGE_LAYOUT.runtimeDir)
  const runtimeDir = await makeDir(rootfs, BASE_IMAGE_LAYOUT.runtimeDir)
  for (const file of runtimeFiles()) await writeFile(join(runtimeDir, file.name), file.content, { mode: 0o644 })
  await makeParents(rootfs, BASE_IMAGE_LAYOUT.taskDir)
  await makeDir(rootfs, BASE_IMAGE_LAYOUT.taskDir)
  await makeParents(rootfs, BASE_IMAGE_LAYOUT.socketDir)
  // The function runs unprivileged and creates its socket here (normally a bind mount over it).
  await makeDir(rootfs, BASE_IMAGE_LAYOUT.socketDir, 0o777)
}

// ---------------------------------------------------------------------------------------------
// From this host's Node: no registry needed.

function baseError(message: string, hint: string, cause?: unknown): LambdaError {
  return new LambdaError({ code: 'BASE_IMAGE_FAILED', status: 500, message, hint, cause })
}

/** Shared libraries `binary` loads, dynamic loader included, as absolute paths named by `ldd`. */
export async function sharedLibraries(binary: string): Promise<string[]> {
  let output: string
  try {
    output = (await execFileAsync('ldd', [binary], { timeout: 15_000, encoding: 'utf8' })).stdout
  }
  catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string }
    // A static binary needs nothing; ldd says so and exits 1.
    if (/not a dynamic executable|statically linked/i.test(`${stdout}${stderr}`)) return []
    throw baseError(
      `Cannot assemble the base image from this host's Node: \`ldd ${binary}\` failed (${(stderr || (error as Error).message).trim()}).`,
      'Install ldd (Debian/Ubuntu: libc-bin, Alpine: musl-utils), or load a Node image with `docker load` and use it as the base source.',
      error,
    )
  }
  const libraries: string[] = []
  const missing: string[] = []
  for (const line of output.split('\n')) {
    const trimmed = line.trim()
    if (!trimmed || /statically linked/.test(trimmed)) continue
    const arrow = trimmed.match(/^(\S+)\s+=>\s*(.*?)\s*(?:\(0x[0-9a-f]+\))?$/i)
    if (arrow) {
      if (arrow[2] === 'not found') missing.push(arrow[1]!)
      // The vDSO lives in the kernel: `linux-vdso.so.1 =>  (0x...)` has no file.
      else if (arrow[2]!.startsWith('/')) libraries.push(arrow[2]!)
      continue
    }
    const loader = trimmed.match(/^(\/\S+)\s*(?:\(0x[0-9a-f]+\))?$/i)
    if (loader) libraries.push(loader[1]!)
  }
  if (missing.length > 0) {
    throw baseError(
      `Cannot assemble the base image from this host's Node: ${binary} needs ${missing.join(', ')}, which this machine does not have.`,
      'Fix the Node installation (it cannot start as it is), or use a Node image loaded with `docker load` as the base source.',
    )
  }
  return [...new Set(libraries)]
}

/**
 * glibc before 2.34 loads users and DNS through separate NSS modules, which ldd does not list;
 * take them from next to libc when they exist there.
 */
function nssModules(libraries: string[]): string[] {
  const libc = libraries.find(path => basename(path) === 'libc.so.6')
  if (!libc) return []
  return ['libnss_files.so.2', 'libnss_dns.so.2', 'libresolv.so.2'].map(name => join(dirname(libc), name)).filter(path => existsSync(path) && !libraries.includes(path))
}

/** Folders the dynamic loader searches without a cache; libraries elsewhere need LD_LIBRARY_PATH. */
const DEFAULT_LIBRARY_DIR = /^\/(?:usr\/)?lib(?:32|64)?(?:\/[^/]+-linux-[^/]+)?$/

async function writeHostContext(dir: string, nodeBinary: string, libraries: string[]): Promise<string[]> {
  const rootfs = await makeDir(dir, 'rootfs')
  // The rootfs holds symlinks to host files; tar packs the files behind them (see buildFromContext).
  const place = async (path: string, target: string) => {
    await makeParents(rootfs, path)
    await rm(join(rootfs, path), { force: true })
    await symlink(target, join(rootfs, path))
  }
  await place(BASE_IMAGE_LAYOUT.nodePath, nodeBinary)
  for (const library of libraries) {
    const real = await realpath(library)
    await place(library, real)
    // Keep the versioned name too (libstdc++.so.6 -> libstdc++.so.6.0.30) for anything that opens it by that name.
    if (basename(real) !== basename(library)) await place(posix.join(posix.dirname(library), basename(real)), real)
  }

  const etc = await makeDir(rootfs, 'etc')
  await writeFile(join(etc, 'passwd'), `root:x:0:0:root:/root:/sbin/nologin\nlambda:x:${LAMBDA_UID}:${LAMBDA_UID}:Mini Lambda function:/tmp:/sbin/nologin\n`, { mode: 0o644 })
  await writeFile(join(etc, 'group'), `root:x:0:\nlambda:x:${LAMBDA_UID}:\n`, { mode: 0o644 })
  await writeFile(join(etc, 'nsswitch.conf'), 'passwd: files\ngroup: files\nhosts: files dns\n', { mode: 0o644 })
  const certificates = '/etc/ssl/certs/ca-certificates.crt'
  if (existsSync(certificates)) await place(certificates, await realpath(certificates))
  await makeDir(rootfs, 'tmp', 0o1777)
  await writeRuntimeTree(rootfs)

  const libraryDirs = [...new Set(libraries.map(path => posix.dirname(path)))]
  const extraEnv = libraryDirs.some(d => !DEFAULT_LIBRARY_DIR.test(d)) ? [`LD_LIBRARY_PATH=${libraryDirs.join(':')}`] : []
  return extraEnv
}

async function baseFromHost(docker: Dockerode, opts: BaseImageOptions): Promise<BaseImage> {
  if (process.platform !== 'linux') {
    throw baseError(
      `Cannot assemble the base image from this host's Node: containers run Linux binaries and this host runs ${process.platform}.`,
      'Use a Node image as the base source (e.g. node:20-bookworm-slim), present locally or pullable.',
    )
  }
  const nodeBinary = realpathSync(process.execPath)
  const fingerprint = fingerprintOf({ source: 'host', node: process.version, arch: process.arch, binary: nodeBinary })
  const tag = `${BASE_IMAGE_REPOSITORY}:${fingerprint.slice(0, 12)}`
  const created = await ensureTag(docker, tag, async () => {
    const libraries = await sharedLibraries(nodeBinary)
    libraries.push(...nssModules(libraries))
    opts.onLog?.(`Assembling ${tag} from this host's Node ${process.version} (${nodeBinary}) and ${libraries.length} shared libraries`)
    await buildFromContext(docker, tag, baseLabels(fingerprint, 'host'), opts.onLog, async (dir) => {
      const extraEnv = await writeHostContext(dir, nodeBinary, libraries)
      await writeFile(join(dir, 'Dockerfile'), [
        'FROM scratch',
        'COPY rootfs/ /',
        ...dockerfileTail(extraEnv),
        '',
      ].join('\n'))
    })
  })
  return { tag, source: 'host', created }
}

// ---------------------------------------------------------------------------------------------
// From a Node image (registry reference), when it is here or can be pulled.

async function pullImage(docker: Dockerode, ref: string, timeoutMs: number): Promise<void> {
  const signal = AbortSignal.timeout(timeoutMs)
  const timedOut = () => new Error(`no answer within ${Math.round(timeoutMs / 100) / 10} s`)
  let failure: string | undefined
  try {
    const stream = await docker.pull(ref, { abortSignal: signal })
    failure = await new Promise<string | undefined>((resolve) => {
      let error: string | undefined
      docker.modem.followProgress(stream, (streamError: Error | null) => resolve(error ?? streamError?.message), (event: { error?: string }) => {
        if (event.error) error ??= event.error
      })
    })
  }
  catch (error) {
    if (signal.aborted) throw timedOut()
    throw error
  }
  // An aborted pull just ends its stream early, which looks like success.
  if (signal.aborted) throw timedOut()
  if (failure) throw new Error(failure)
}

async function baseFromImage(docker: Dockerode, source: string, opts: BaseImageOptions): Promise<BaseImage | undefined> {
  let imageId = await localImageId(docker, source)
  if (!imageId) {
    const fallback = (reason: string) => {
      opts.onLog?.(`warning: ${source} is not on this machine and could not be pulled (${reason}): registry unreachable, assembling the base from this host's Node`)
      return undefined
    }
    const failed = unpullable.get(source)
    if (failed && Date.now() - failed.at < PULL_RETRY_AFTER_MS) return fallback(failed.reason)
    try {
      opts.onLog?.(`Pulling ${source}`)
      await pullImage(docker, source, opts.pullTimeoutMs ?? DEFAULT_PULL_TIMEOUT_MS)
      imageId = await localImageId(docker, source)
      if (!imageId) throw new Error('the engine reported success but has no such image')
      unpullable.delete(source)
    }
    catch (error) {
      const unavailable = LambdaError.is(error) ? error : dockerUnavailableError(docker, error)
      if (unavailable) throw unavailable
      const reason = daemonMessage(error)
      unpullable.set(source, { at: Date.now(), reason })
      return fallback(reason)
    }
  }

  // The source image's id stands for its Node: a re-pulled tag makes a new base.
  const fingerprint = fingerprintOf({ source, image: imageId })
  const tag = `${BASE_IMAGE_REPOSITORY}:${fingerprint.slice(0, 12)}`
  const created = await ensureTag(docker, tag, async () => {
    opts.onLog?.(`Building ${tag} from ${source}`)
    await buildFromContext(docker, tag, baseLabels(fingerprint, source), opts.onLog, async (dir) => {
      await writeRuntimeTree(await makeDir(dir, 'rootfs'))
      const user = `lambda:x:${LAMBDA_UID}:${LAMBDA_UID}:Mini Lambda function:/tmp:/sbin/nologin`
      const group = `lambda:x:${LAMBDA_UID}:`
      // Builtins only, so it works on any image with a POSIX shell; an existing uid/gid 10001 is kept.
      const addUser = [
        ...([['passwd', user], ['group', group]] as const).map(([file, line]) =>
          `if ! { [ -f /etc/${file} ] && (IFS=:; while read -r n x id rest; do [ "$id" = ${LAMBDA_UID} ] && exit 0; done; exit 1) < /etc/${file}; }; then echo '${line}' >> /etc/${file}; fi`),
        `if [ ! -e ${BASE_IMAGE_LAYOUT.nodePath} ]; then node="$(command -v node)" || { echo '${source} has no node on its PATH' >&2; exit 1; }; ln -s "$node" ${BASE_IMAGE_LAYOUT.nodePath}; fi`,
      ].join('; ')
      await writeFile(join(dir, 'Dockerfile'), [
        `FROM ${source}`,
        'USER 0:0',
        'COPY rootfs/ /',
        `RUN ${addUser}`,
        ...dockerfileTail(),
        '',
      ].join('\n'))
    })
  })
  return { tag, source, created }
}
