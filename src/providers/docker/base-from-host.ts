import type Dockerode from 'dockerode'
import type { BaseImage, BaseImageOptions } from './base-image-recipe'
import type { HostTool } from './host-tools'
import { execFile } from 'node:child_process'
import { existsSync, realpathSync } from 'node:fs'
import { realpath, rm, symlink, writeFile } from 'node:fs/promises'
import { basename, dirname, join, posix } from 'node:path'
import { promisify } from 'node:util'
import { BASE_IMAGE_LAYOUT, BASE_IMAGE_REPOSITORY, baseError, baseLabels, buildFromContext, dockerfileTail, ensureTag, fingerprintOf, LAMBDA_UID, makeDir, makeParents, taskDirStep, writeReadableFile, writeRuntimeTree } from './base-image-recipe'
import { BASE_PATH_ENV, findHostTools, toolsFingerprint } from './host-tools'

// The base from this host's own Node binary, a shell and basic tools for RUN steps, and the shared
// libraries they load: no registry needed.

const execFileAsync = promisify(execFile)

/** Shared libraries `binary` loads, dynamic loader included, as absolute paths named by `ldd`. */
export async function sharedLibraries(binary: string): Promise<string[]> {
  let output: string
  try {
    output = (await execFileAsync('ldd', [binary], { timeout: 15_000, encoding: 'utf8' })).stdout
  }
  catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string, stderr?: string }
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
    // ldd's own output, one line each: not input anyone else controls.
    // eslint-disable-next-line regexp/no-super-linear-backtracking
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

/** The host files the base is made of: Node, the build tools that can run here, and their libraries. */
async function hostFiles(nodeBinary: string, tools: HostTool[], onLog?: (line: string) => void): Promise<{ tools: HostTool[], libraries: string[] }> {
  const libraries = await sharedLibraries(nodeBinary)
  const usable: HostTool[] = []
  for (const tool of tools) {
    try {
      libraries.push(...await sharedLibraries(tool.file))
      usable.push(tool)
    }
    catch (error) {
      // A tool that cannot run here cannot run in the image either; RUN steps do without it.
      onLog?.(`warning: leaving ${tool.name} out of the base image: ${(error as Error).message}`)
    }
  }
  const unique = [...new Set(libraries)]
  unique.push(...nssModules(unique))
  return { tools: usable, libraries: unique }
}

async function writeHostContext(dir: string, nodeBinary: string, tools: HostTool[], libraries: string[]): Promise<string[]> {
  const rootfs = await makeDir(dir, 'rootfs')
  // The rootfs holds symlinks to host files; tar packs the files behind them (see buildFromContext).
  const place = async (path: string, target: string) => {
    await makeParents(rootfs, path)
    await rm(join(rootfs, path), { force: true })
    await symlink(target, join(rootfs, path))
  }
  await place(BASE_IMAGE_LAYOUT.nodePath, nodeBinary)
  for (const tool of tools) await place(tool.target, tool.file)
  for (const library of libraries) {
    const real = await realpath(library)
    await place(library, real)
    // Keep the versioned name too (libstdc++.so.6 -> libstdc++.so.6.0.30) for anything that opens it by that name.
    if (basename(real) !== basename(library)) await place(posix.join(posix.dirname(library), basename(real)), real)
  }

  const etc = await makeDir(rootfs, 'etc')
  await writeReadableFile(join(etc, 'passwd'), `root:x:0:0:root:/root:/sbin/nologin\nlambda:x:${LAMBDA_UID}:${LAMBDA_UID}:Mini Lambda function:/tmp:/sbin/nologin\n`)
  await writeReadableFile(join(etc, 'group'), `root:x:0:\nlambda:x:${LAMBDA_UID}:\n`)
  await writeReadableFile(join(etc, 'nsswitch.conf'), 'passwd: files\ngroup: files\nhosts: files dns\n')
  const certificates = '/etc/ssl/certs/ca-certificates.crt'
  if (existsSync(certificates)) await place(certificates, await realpath(certificates))
  await makeDir(rootfs, 'tmp', 0o1777)
  await writeRuntimeTree(rootfs)

  const libraryDirs = [...new Set(libraries.map(path => posix.dirname(path)))]
  const extraEnv = [BASE_PATH_ENV]
  if (libraryDirs.some(d => !DEFAULT_LIBRARY_DIR.test(d))) extraEnv.push(`LD_LIBRARY_PATH=${libraryDirs.join(':')}`)
  return extraEnv
}

export async function baseFromHost(docker: Dockerode, opts: BaseImageOptions): Promise<BaseImage> {
  if (process.platform !== 'linux') {
    throw baseError(
      `Cannot assemble the base image from this host's Node: containers run Linux binaries and this host runs ${process.platform}.`,
      'Use a Node image as the base source (e.g. node:20-bookworm-slim), present locally or pullable.',
    )
  }
  const nodeBinary = realpathSync(process.execPath)
  const found = findHostTools()
  const fingerprint = fingerprintOf({ source: 'host', node: process.version, arch: process.arch, binary: nodeBinary, tools: toolsFingerprint(found.tools) })
  const tag = `${BASE_IMAGE_REPOSITORY}:${fingerprint.slice(0, 12)}`
  const created = await ensureTag(docker, tag, async () => {
    const { tools, libraries } = await hostFiles(nodeBinary, found.tools, opts.onLog)
    opts.onLog?.(`Assembling ${tag} from this host's Node ${process.version} (${nodeBinary}), ${tools.length} build tools (${tools.map(t => t.name).join(' ')}) and ${libraries.length} shared libraries`)
    if (found.missing.length > 0) opts.onLog?.(`warning: this host has no ${found.missing.join(', ')}; RUN steps in function Dockerfiles cannot use ${found.missing.length === 1 ? 'it' : 'them'}`)
    await buildFromContext(docker, tag, baseLabels(fingerprint, 'host'), opts, async (dir) => {
      const extraEnv = await writeHostContext(dir, nodeBinary, tools, libraries)
      await writeFile(join(dir, 'Dockerfile'), [
        'FROM scratch',
        'COPY rootfs/ /',
        await taskDirStep(dir),
        ...dockerfileTail(extraEnv),
        '',
      ].join('\n'))
    })
  })
  return { tag, source: 'host', created }
}
