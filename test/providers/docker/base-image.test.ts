import type { BaseImage } from '../../../src/providers/docker/base-image'
import { randomBytes } from 'node:crypto'
import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import Dockerode from 'dockerode'
import { create as createTar } from 'tar'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { LambdaError } from '../../../src/errors'
import { RuntimeLink } from '../../../src/instances/runtime-link'
import { BASE_IMAGE_LABELS, BASE_IMAGE_LAYOUT, ensureBaseImage, sharedLibraries } from '../../../src/providers/docker/base-image'
import { buildImage } from '../../../src/providers/docker/build-image'
import { describeDocker } from '../../helpers/docker'
import { requestOverLink } from '../../helpers/link-request'

const TEST_LABEL = 'mini-lambda-test.run'

describeDocker('base image: functions run on this host\'s Node without any registry', () => {
  const docker = new Dockerode()
  const run = randomBytes(4).toString('hex')
  const labels = { [TEST_LABEL]: run }
  const imagesToRemove: string[] = []
  const dirsToRemove: string[] = []
  const timings: Record<string, number> = {}
  let base: BaseImage

  const tempDir = (prefix: string) => {
    const dir = mkdtempSync(join(tmpdir(), prefix))
    dirsToRemove.push(dir)
    return dir
  }

  /** A build context (tar stream) holding `files`, as the agent sends one. */
  const contextOf = (files: Record<string, string>) => {
    const dir = tempDir('ml-ctx-')
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content)
    return createTar({ cwd: dir }, Object.keys(files)) as unknown as NodeJS.ReadableStream
  }

  const buildTestImage = async (name: string, files: Record<string, string>) => {
    const tag = `mini-lambda-test/${name}-${run}:1`
    imagesToRemove.push(tag)
    return { tag, ...(await buildImage(docker, contextOf(files), { tag, labels, subject: `test image ${name}` })) }
  }

  const demux = (buffer: Buffer) => {
    const out = { stdout: '', stderr: '' }
    for (let offset = 0; offset + 8 <= buffer.length;) {
      const size = buffer.readUInt32BE(offset + 4)
      out[buffer[offset] === 2 ? 'stderr' : 'stdout'] += buffer.subarray(offset + 8, offset + 8 + size).toString('utf8')
      offset += 8 + size
    }
    return out
  }

  /** Runs a command to its end in a locked-down container (no network, read-only root) and removes it. */
  const runToEnd = async (image: string, entrypoint: string[], cmd: string[]) => {
    const container = await docker.createContainer({
      Image: image,
      Entrypoint: entrypoint,
      Cmd: cmd,
      Labels: labels,
      HostConfig: { NetworkMode: 'none', ReadonlyRootfs: true, Tmpfs: { '/tmp': 'rw,nosuid,nodev,size=16m' } },
    })
    try {
      await container.start()
      const { StatusCode } = await container.wait()
      const logs = await container.logs({ stdout: true, stderr: true, follow: false }) as unknown as Buffer
      return { code: StatusCode as number, ...demux(logs) }
    }
    finally {
      await container.remove({ force: true })
    }
  }

  beforeAll(async () => {
    // Nothing of a previous, interrupted run of this suite should linger.
    const leftovers = await docker.listContainers({ all: true, filters: { label: [TEST_LABEL] } })
    await Promise.all(leftovers.map(c => docker.getContainer(c.Id).remove({ force: true }).catch(() => {})))
  })

  afterAll(async () => {
    const containers = await docker.listContainers({ all: true, filters: { label: [`${TEST_LABEL}=${run}`] } })
    await Promise.all(containers.map(c => docker.getContainer(c.Id).remove({ force: true }).catch(() => {})))
    // Newest first: a base built FROM a test image must go before that image.
    for (const tag of imagesToRemove.reverse()) {
      await docker.getImage(tag).remove({ force: true }).catch((error: { statusCode?: number }) => {
        if (error.statusCode !== 404) throw error
      })
    }
    for (const dir of dirsToRemove) rmSync(dir, { recursive: true, force: true })
    console.info(`[base-image timings] ${Object.entries(timings).map(([k, v]) => `${k}: ${v} ms`).join(', ')}`)
  })

  it('assembles the base from this host\'s Node, offline, and reuses it while Node and the runtime stay the same', async () => {
    const lines: string[] = []
    let started = Date.now()
    base = await ensureBaseImage(docker, { onLog: line => lines.push(line) })
    timings[base.created ? 'base build' : 'base lookup (already built)'] = Date.now() - started

    expect(base.tag).toMatch(/^mini-lambda\/runtime:[0-9a-f]{12}$/)
    expect(base.source).toBe('host')
    if (base.created) expect(lines.join('\n')).toContain('FROM scratch')
    const info = await docker.getImage(base.tag).inspect()
    expect(info.Config.Labels).toMatchObject({ [BASE_IMAGE_LABELS.base]: '1', [BASE_IMAGE_LABELS.source]: 'host' })
    expect(info.Config.Labels[BASE_IMAGE_LABELS.fingerprint]!.startsWith(base.tag.split(':')[1]!)).toBe(true)
    expect(info.Config.User).toBe(BASE_IMAGE_LAYOUT.user)
    expect(info.Config.WorkingDir).toBe(BASE_IMAGE_LAYOUT.taskDir)
    expect(info.Config.Entrypoint).toEqual([BASE_IMAGE_LAYOUT.nodePath, '--enable-source-maps', `${BASE_IMAGE_LAYOUT.runtimeDir}/bootstrap.mjs`])
    expect(info.Config.Env).toEqual(expect.arrayContaining(['NODE_ENV=production', 'LAMBDA_HANDLER=/var/task/index.mjs']))

    started = Date.now()
    const again = await ensureBaseImage(docker)
    timings['base reuse'] = Date.now() - started
    expect(again).toEqual({ tag: base.tag, source: 'host', created: false })
    expect((await docker.getImage(base.tag).inspect()).Id).toBe(info.Id)
  }, 300_000)

  it('runs the host\'s exact Node as the unprivileged lambda user, with no network and a read-only root', async () => {
    const script = 'const os = require("os"); console.log(JSON.stringify({ version: process.version, uid: process.getuid(), gid: process.getgid(), user: os.userInfo().username, runtime: require("fs").readdirSync("/opt/mini-lambda/runtime") }))'
    const result = await runToEnd(base.tag, [BASE_IMAGE_LAYOUT.nodePath], ['-e', script])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const seen = JSON.parse(result.stdout)
    expect(seen).toMatchObject({ version: process.version, uid: 10001, gid: 10001, user: 'lambda' })
    expect(seen.runtime).toContain('bootstrap.mjs')

    const readOnly = await runToEnd(base.tag, [BASE_IMAGE_LAYOUT.nodePath], ['-e', 'require("fs").writeFileSync("/var/task/x", "")'])
    expect(readOnly.code).not.toBe(0)
    expect(readOnly.stderr).toMatch(/EROFS|read-only/i)
  }, 60_000)

  it('serves a function built FROM the base over the agent\'s link, mounted read-only', async () => {
    let started = Date.now()
    const fn = await buildTestImage('hello', {
      'Dockerfile': `FROM ${base.tag}\nCOPY index.mjs /var/task/index.mjs\n`,
      'index.mjs': 'export default () => ({ ok: true })\n',
    })
    timings['function image build'] = Date.now() - started
    expect(fn.imageId).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect((await docker.getImage(fn.tag).inspect()).Id).toBe(fn.imageId)
    expect(fn.log.join('\n')).toContain('COPY index.mjs /var/task/index.mjs')

    // The agent's side of the link: a socket it listens on, in a folder mounted read-only.
    const linkDir = tempDir('ml-link-')
    chmodSync(linkDir, 0o755)
    const link = RuntimeLink.open({ socketPath: join(linkDir, 'agent.sock'), concurrency: 4, socketMode: 0o666 })
    const container = await docker.createContainer({
      Image: fn.tag,
      Env: ['LAMBDA_FUNCTION_NAME=hello', `LAMBDA_AGENT_SOCKET=${BASE_IMAGE_LAYOUT.socketDir}/agent.sock`],
      Labels: labels,
      HostConfig: {
        Mounts: [{ Type: 'bind', Source: linkDir, Target: BASE_IMAGE_LAYOUT.socketDir, ReadOnly: true }],
        NetworkMode: 'none',
        ReadonlyRootfs: true,
        Tmpfs: { '/tmp': 'rw,nosuid,nodev,noexec,size=16m' },
        CapDrop: ['ALL'],
      },
    })
    try {
      started = Date.now()
      await container.start()
      const exited = container.wait().then(async (result: { StatusCode: number }) => {
        const logs = demux(await container.logs({ stdout: true, stderr: true, follow: false }) as unknown as Buffer)
        throw new Error(`the function exited (${result.StatusCode}) before it connected:\n${logs.stdout}${logs.stderr}`)
      })
      await Promise.race([link.ready, exited])
      timings['container start to connected'] = Date.now() - started

      const response = await requestOverLink(link, '/')
      expect(response.status).toBe(200)
      const headers = new Map<string, string>()
      for (let i = 0; i < response.headers.length; i += 2) headers.set(response.headers[i]!.toLowerCase(), response.headers[i + 1]!)
      expect(headers.get('content-type')).toContain('application/json')
      expect(response.body).toBe('{"ok":true}')
    }
    finally {
      await container.remove({ force: true })
      await link.close()
    }
  }, 120_000)

  it('runs a Dockerfile\'s RUN steps: a POSIX shell and the basic tools, as the function user, who owns /var/task', async () => {
    const started = Date.now()
    const fn = await buildTestImage('run-steps', {
      'Dockerfile': [
        `FROM ${base.tag}`,
        // The shell form: the classic builder runs `/bin/sh -c '…'`.
        'RUN mkdir -p /var/task/data && echo ok > /var/task/data/ready',
        'COPY words.txt /var/task/data/',
        `RUN sh -c 'set -e; cd /var/task/data; sort words.txt | uniq > sorted; cp sorted copy; mv copy moved; ln -s moved link; test -L link; chmod 600 moved; sed -i s/apple/APPLE/ sorted; grep -q APPLE sorted; tr a-z A-Z < words.txt | head -n 1 > first; cut -c1-3 first > cut; wc -l < sorted | tr -d " " > count; ls > listing; find . -name "*.txt" | xargs basename > found; env | grep -c "^PATH=" > path; id -u > uid; printf "%s" "$(dirname /var/task/data/x)" > dir; rm words.txt; tar -czf ../archive.tgz moved && tar -tzf ../archive.tgz > archived'`,
        '',
      ].join('\n'),
      'words.txt': 'pear\napple\npear\nfig\n',
    })
    timings['function image with RUN steps'] = Date.now() - started
    const script = 'const fs = require("fs"); const d = "/var/task/data"; const read = f => fs.readFileSync(`${d}/${f}`, "utf8").trim(); console.log(JSON.stringify({ ready: read("ready"), sorted: read("sorted"), moved: fs.statSync(`${d}/moved`).mode & 0o777, link: fs.readlinkSync(`${d}/link`), first: read("first"), cut: read("cut"), count: read("count"), listing: read("listing").split("\\n"), found: read("found"), path: read("path"), uid: read("uid"), dir: read("dir"), archived: read("archived"), owner: fs.statSync("/var/task").uid }))'
    const result = await runToEnd(fn.tag, [BASE_IMAGE_LAYOUT.nodePath], ['-e', script])
    expect(result.stderr).toBe('')
    expect(JSON.parse(result.stdout)).toEqual({
      ready: 'ok',
      sorted: 'APPLE\nfig\npear',
      moved: 0o600,
      link: 'moved',
      first: 'PEAR',
      cut: 'PEA',
      count: '3',
      listing: ['count', 'cut', 'first', 'link', 'listing', 'moved', 'ready', 'sorted', 'words.txt'],
      found: 'words.txt',
      path: '1',
      uid: '10001',
      dir: '/var/task/data',
      archived: 'moved',
      owner: 10001,
    })
  }, 120_000)

  it('hands every line of the build output on as text, whatever a RUN step prints (the agent logs them to the journal)', async () => {
    const lines: string[] = []
    const tag = `mini-lambda-test/noisy-${run}:1`
    imagesToRemove.push(tag)
    // Colours, a terminal title, a progress bar redrawn with carriage returns, a NUL and a bell.
    const noisy = String.raw`printf '\033[1mbold\033[0m \033]0;title\007\033[?25lstep\n10%%\r55%%\r100%%\nnul\000bell\007\n'`
    await buildImage(docker, contextOf({ Dockerfile: `FROM ${base.tag}\nRUN ${noisy}\n` }), { tag, labels, subject: 'test image noisy', onLog: line => lines.push(line) })

    expect(lines.filter(line => /[\x00-\x08\x0A-\x1F\x7F-\x9F]/.test(line))).toEqual([])
    expect(lines).toEqual(expect.arrayContaining(['bold step', '100%', 'nul\\x00bell\\x07']))
  }, 60_000)

  it('stays small: the tools add a few MB to the host\'s Node', async () => {
    const { Size } = await docker.getImage(base.tag).inspect()
    const node = statSync(realpathSync(process.execPath)).size
    console.info(`[base-image size] ${(Size / 1e6).toFixed(1)} MB, of which Node ${(node / 1e6).toFixed(1)} MB`)
    expect(Size - node).toBeLessThan(30e6)
  })

  it('names the failing step and its output when a Dockerfile does not build', async () => {
    const failing = buildTestImage('broken-run', {
      Dockerfile: `FROM ${base.tag}\nRUN ["/usr/local/bin/node", "-e", "console.error('cannot find the config on purpose'); process.exit(3)"]\n`,
    })
    const error = await failing.then(() => undefined, (e: unknown) => e)
    expect(LambdaError.is(error)).toBe(true)
    expect(error).toMatchObject({ code: 'IMAGE_BUILD_FAILED', status: 422 })
    const { message, hint } = error as LambdaError
    expect(message).toMatch(/^Building the image for test image broken-run failed: .*returned a non-zero code: 3/)
    expect(message).toContain('cannot find the config on purpose')
    expect(message).not.toMatch(/---> |Removing intermediate container/)
    expect(hint).toBeTruthy()

    const missing = await buildTestImage('broken-copy', { Dockerfile: `FROM ${base.tag}\nCOPY missing.mjs /var/task/index.mjs\n` }).then(() => undefined, (e: unknown) => e)
    expect(missing).toMatchObject({ code: 'IMAGE_BUILD_FAILED', status: 422 })
    expect((missing as LambdaError).message).toMatch(/failed: COPY failed: .*missing\.mjs/)
    expect((missing as LambdaError).hint).toMatch(/build context/)
  }, 120_000)

  it('tells how to reproduce a failed build by hand, with the real base tag', async () => {
    // What the agent passes: the base as a build arg, the function's folder for the hint.
    const error = await buildImage(docker, contextOf({ Dockerfile: 'ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nRUN echo "checking the config" && test -f /var/task/config.json\n' }), {
      tag: `mini-lambda-test/broken-shell-${run}:1`,
      labels,
      subject: 'function "broken"',
      buildArgs: { BASE_IMAGE: base.tag },
      folder: 'functions/broken',
    }).then(() => undefined, (e: unknown) => e)
    imagesToRemove.push(`mini-lambda-test/broken-shell-${run}:1`)
    expect(error).toMatchObject({ code: 'IMAGE_BUILD_FAILED', status: 422 })
    const { message, hint } = error as LambdaError
    // It is the step that failed, not a missing shell.
    expect(message).not.toMatch(/no such file/)
    expect(message).toContain('checking the config')
    expect(message).toMatch(/returned a non-zero code: 1/)
    expect(hint).toContain(`\`docker build --build-arg BASE_IMAGE=${base.tag} functions/broken\``)

    const missingTool = await buildImage(docker, contextOf({ Dockerfile: 'ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nRUN npm ci\n' }), {
      tag: `mini-lambda-test/npm-${run}:1`,
      labels,
      subject: 'function "npm"',
      buildArgs: { BASE_IMAGE: base.tag },
      folder: 'functions/npm',
    }).then(() => undefined, (e: unknown) => e)
    imagesToRemove.push(`mini-lambda-test/npm-${run}:1`)
    expect((missingTool as LambdaError).message).toMatch(/npm: not found|returned a non-zero code: 127/)
    expect((missingTool as LambdaError).hint).toContain('no npm')
    expect((missingTool as LambdaError).hint).toContain(`--build-arg BASE_IMAGE=${base.tag} functions/npm`)
  }, 120_000)

  it('says Docker is not running, and where it looked, when no engine answers', async () => {
    const socketPath = join(tempDir('ml-nodocker-'), 'docker.sock')
    const absent = new Dockerode({ socketPath })
    const error = await buildImage(absent, contextOf({ Dockerfile: 'FROM scratch\n' }), { tag: `mini-lambda-test/never-${run}:1`, subject: 'hello' }).then(() => undefined, (e: unknown) => e)
    expect(error).toMatchObject({ code: 'DOCKER_UNAVAILABLE', status: 503 })
    expect((error as LambdaError).message).toContain(socketPath)
    expect((error as LambdaError).hint).toContain('sudo systemctl start docker')
    await expect(ensureBaseImage(absent)).rejects.toMatchObject({ code: 'DOCKER_UNAVAILABLE' })
  })

  it('falls back to this host\'s Node, with a warning, when the Node image is neither here nor pullable', async () => {
    // A registry on 127.0.0.1:1 refuses at once: the pull fails as it would offline, and the test sends
    // nothing beyond this machine (a real registry name would make the daemon ask the DNS server).
    const source = `127.0.0.1:1/mini-lambda-test/node-${run}:20`
    await expect(docker.getImage(source).inspect(), 'precondition: the image must be absent locally').rejects.toMatchObject({ statusCode: 404 })
    const lines: string[] = []
    const started = Date.now()
    const result = await ensureBaseImage(docker, { source, pullTimeoutMs: 5_000, onLog: line => lines.push(line) })
    timings['registry fallback'] = Date.now() - started
    expect(result).toEqual({ tag: base.tag, source: 'host', created: false })
    expect(lines.join('\n')).toContain('registry unreachable, assembling the base from this host\'s Node')
  }, 60_000)

  it('builds FROM a Node image that is already here, with the runtime and user added, sharing one build between concurrent callers', async () => {
    // A stand-in for a `docker load`ed node:* image: the host's Node plus a POSIX shell.
    const dash = tempDir('ml-dash-')
    const nodeLike = `mini-lambda-test/node-like-${run}:1`
    imagesToRemove.push(nodeLike)
    writeFileSync(join(dash, 'Dockerfile'), `FROM ${base.tag}\nUSER 0:0\nCOPY rootfs/ /\n`)
    // The host's /bin/sh and whatever libraries it loads; tar packs the files behind the symlinks.
    const shell = realpathSync('/bin/sh')
    for (const path of ['/bin/sh', ...await sharedLibraries(shell)]) {
      mkdirSync(join(dash, 'rootfs', dirname(path)), { recursive: true })
      symlinkSync(path === '/bin/sh' ? shell : realpathSync(path), join(dash, 'rootfs', path))
    }
    await buildImage(docker, createTar({ cwd: dash, follow: true }, ['Dockerfile', 'rootfs']) as unknown as NodeJS.ReadableStream, { tag: nodeLike, labels, subject: 'node-like test image' })

    const lines: string[] = []
    const [first, second] = await Promise.all([
      ensureBaseImage(docker, { source: nodeLike, onLog: line => lines.push(line) }),
      ensureBaseImage(docker, { source: nodeLike, onLog: line => lines.push(line) }),
    ])
    imagesToRemove.push(first.tag)
    expect(first).toEqual(second)
    expect(first).toMatchObject({ source: nodeLike, created: true })
    expect(first.tag).not.toBe(base.tag)
    expect(lines.filter(line => line.startsWith('Step 1/')).length).toBe(1)
    expect(await ensureBaseImage(docker, { source: nodeLike })).toEqual({ ...first, created: false })

    const result = await runToEnd(first.tag, [BASE_IMAGE_LAYOUT.nodePath], ['-e', 'console.log(JSON.stringify({ v: process.version, uid: process.getuid(), user: require("os").userInfo().username, rt: require("fs").existsSync("/opt/mini-lambda/runtime/bootstrap.mjs") }))'])
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout)).toEqual({ v: process.version, uid: 10001, user: 'lambda', rt: true })
  }, 120_000)
})
