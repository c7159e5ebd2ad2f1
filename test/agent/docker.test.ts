import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Dockerode from 'dockerode'
import { describe, expect, it } from 'vitest'
import { ensureBaseImage } from '../../src/providers/docker/base-image'
import { useAgent } from '../helpers/agent'
import { containersOf, describeDocker } from '../helpers/docker'
import { agentContract, sampleProject } from './provider-contract'

const inspect = (id: string) => JSON.parse(execFileSync('docker', ['inspect', id], { encoding: 'utf8' }))[0]
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms))

async function until<T>(what: string, probe: () => T | Promise<T>, ok: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let value = await probe()
  while (!ok(value)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`)
    await sleep(100)
    value = await probe()
  }
  return value
}

describeDocker('agent with the docker provider', () => {
  describe('provider contract', () => {
    agentContract('docker', { instancesOf: async (agent, fn) => containersOf(agent, fn, true) })
  })

  describe('containers', () => {
    const suite = useAgent({ provider: 'docker', idleTimeout: 2 }, () => sampleProject(), async (suite) => {
      const deploy = await suite.agent.cli(['deploy', '--only', 'hello,hog'], { cwd: suite.project.dir })
      expect(deploy.code, deploy.output).toBe(0)
    })

    it('run with no network, their memory and CPU limits, pids and open-files limits, a read-only root, a noexec /tmp, the link folder read-only, no capabilities, a non-root user and labels', async () => {
      await suite.agent.call('hog')
      const [id] = containersOf(suite.agent, 'hog')
      const info = inspect(id!)
      expect(info.HostConfig.NetworkMode).toBe('none')
      expect(info.HostConfig.Memory).toBe(64 * 1024 * 1024)
      expect(info.HostConfig.MemorySwap).toBe(64 * 1024 * 1024)
      // cpu defaults to one core, through the cgroup's CPU quota
      expect(info.HostConfig.NanoCpus).toBe(1e9)
      expect(info.HostConfig.PidsLimit).toBe(256)
      expect(info.HostConfig.Ulimits).toEqual([{ Name: 'nofile', Soft: 8192, Hard: 8192 }])
      expect(info.HostConfig.ReadonlyRootfs).toBe(true)
      expect(info.HostConfig.Tmpfs).toEqual({ '/tmp': 'rw,nosuid,nodev,noexec,size=64m' })
      expect(info.HostConfig.CapDrop).toEqual(['ALL'])
      expect(info.HostConfig.CapAdd ?? []).toEqual([])
      expect(info.HostConfig.SecurityOpt).toContain('no-new-privileges')
      expect(info.HostConfig.Privileged).toBe(false)
      expect(info.Config.User).toBe('10001:10001')
      expect(info.Config.Labels).toMatchObject({ 'mini-lambda.function': 'hog', 'mini-lambda.version': '1' })
      // The only host path inside is the instance's link folder, read-only; no port is published anywhere.
      expect(info.HostConfig.Binds ?? []).toEqual([])
      const binds = info.Mounts.filter((m: { Type: string }) => m.Type === 'bind')
      expect(binds).toHaveLength(1)
      expect(binds[0]).toMatchObject({ Destination: '/run/lambda', RW: false })
      expect(binds[0].Source.startsWith(suite.agent.dataDir)).toBe(true)
      expect(info.Mounts.filter((m: { Type: string }) => m.Type === 'volume')).toEqual([])
      expect(info.HostConfig.PortBindings ?? {}).toEqual({})
    })

    it('concurrent requests during a cold start share one start', async () => {
      await until('hello to scale to zero', () => containersOf(suite.agent, 'hello'), ids => ids.length === 0)
      const responses = await Promise.all(Array.from({ length: 12 }, () => suite.agent.call('hello')))
      expect(responses.map(r => r.status)).toEqual(Array.from({ length: 12 }, () => 200))
      // one container ran; at most one more waits, created but not started, for the next cold start
      expect(containersOf(suite.agent, 'hello')).toHaveLength(1)
    })

    it('an idle instance is stopped and removed (scale to zero), and the next request cold-starts a new one', async () => {
      await suite.agent.call('hello')
      const [first] = containersOf(suite.agent, 'hello')
      expect(first).toBeDefined()
      await until('the idle container to go', () => containersOf(suite.agent, 'hello'), ids => ids.length === 0)
      // Stopped, then removed once its last output is read.
      await until('the idle container to be removed', () => containersOf(suite.agent, 'hello', true).filter(id => id === first), ids => ids.length === 0)
      const res = await suite.agent.call('hello')
      expect(res.json()).toEqual({ message: 'Hello, World!' })
      const [second] = containersOf(suite.agent, 'hello')
      expect(second).toBeDefined()
      expect(second).not.toBe(first)
    })

    it('after a graceful restart functions keep serving and nothing is left behind', async () => {
      await suite.agent.call('hello')
      await suite.agent.stop()
      expect(containersOf(suite.agent, undefined, true)).toEqual([])
      suite.agent = await suite.agent.restart()
      expect(suite.agent.process.output()).toMatch(/Serving 2 deployed function\(s\): hello, hog/)
      expect((await suite.agent.call('hello')).json()).toEqual({ message: 'Hello, World!' })
    })

    it('after kill -9 of the suite.agent, a restart adopts the running containers, removes the rest and serves again', async () => {
      await suite.agent.call('hello')
      await suite.agent.call('hog')
      // After a cold start the agent creates that version's next container (docker create, in flight a
      // moment after the answer): a snapshot taken before it lands counts it as an orphan afterwards.
      await until('each version\'s next container to be prepared', () => ['hello', 'hog'].map(fn => containersOf(suite.agent, fn, true).length - containersOf(suite.agent, fn).length), counts => counts.every(n => n >= 1))
      const running = containersOf(suite.agent)
      const before = containersOf(suite.agent, undefined, true)
      expect(running.length).toBeGreaterThanOrEqual(2)
      // Created and waiting for the next cold start: nobody's once the agent is gone.
      const waiting = before.filter(id => !running.includes(id))
      await suite.agent.process.stop('SIGKILL')
      // the containers outlive a killed agent…
      expect(containersOf(suite.agent, undefined, true).sort()).toEqual(before.sort())
      suite.agent = await suite.agent.restart()
      expect(suite.agent.process.output()).toMatch(new RegExp(`Adopted ${running.length} running instance\\(s\\) of an earlier run`))
      if (waiting.length > 0) expect(suite.agent.process.output()).toMatch(/Removed \d+ container\(s\) left by an earlier run/)
      // …the running ones serve again, the waiting ones are gone
      const after = containersOf(suite.agent, undefined, true)
      expect(running.filter(id => after.includes(id)).sort()).toEqual(running.sort())
      expect(after.filter(id => waiting.includes(id))).toEqual([])
      expect((await suite.agent.call('hello')).json()).toEqual({ message: 'Hello, World!' })
      expect(containersOf(suite.agent, 'hello').filter(id => running.includes(id))).toHaveLength(1)
    })
  })

  describe('upgrading the agent', () => {
    const suite = useAgent({ provider: 'docker' }, () => sampleProject(), async (suite) => {
      const deploy = await suite.agent.cli(['deploy', '--only', 'hello'], { cwd: suite.project.dir })
      expect(deploy.code, deploy.output).toBe(0)
    })

    it('a version built by an older agent (a runtime that does not dial the link) is upgraded at start and serves', async () => {
      const recordFile = join(suite.agent.dataDir, 'state/versions/hello/1')
      const record = JSON.parse(readFileSync(recordFile, 'utf8'))
      await suite.agent.stop()
      // What an older agent left: the same image, but a runtime that never connects and no link label.
      const context = mkdtempSync(join(tmpdir(), 'old-image-'))
      writeFileSync(join(context, 'bootstrap.mjs'), 'console.error("an old runtime: it listens, it never dials"); process.exit(3)\n')
      writeFileSync(join(context, 'Dockerfile'), `FROM ${record.image.id}\nCOPY bootstrap.mjs /opt/mini-lambda/runtime/bootstrap.mjs\nLABEL mini-lambda.link=""\n`)
      execFileSync('docker', ['build', '-q', '-t', record.image.ref, context], { encoding: 'utf8', env: { ...process.env, DOCKER_BUILDKIT: '0' } })
      rmSync(context, { recursive: true, force: true })
      const oldId = execFileSync('docker', ['inspect', '--format', '{{.Id}}', record.image.ref], { encoding: 'utf8' }).trim()
      writeFileSync(recordFile, JSON.stringify({ ...record, image: { ref: record.image.ref, id: oldId } }))

      suite.agent = await suite.agent.restart()
      expect(suite.agent.process.output()).toContain('Upgraded the image of hello v1')
      expect((await suite.agent.call('hello')).json()).toEqual({ message: 'Hello, World!' })
      const upgraded = JSON.parse(readFileSync(recordFile, 'utf8')).image.id
      expect(upgraded).not.toBe(oldId)
      // Once: the next start finds nothing to do.
      await suite.agent.stop()
      suite.agent = await suite.agent.restart()
      expect(suite.agent.process.output()).not.toContain('Upgraded the image')
    })
  })

  describe('functions with their own Dockerfile', () => {
    const suite = useAgent({ provider: 'docker' }, () => sampleProject())

    it('the docker template builds offline and serves on $LAMBDA_SOCKET', async () => {
      expect((await suite.agent.cli(['new', 'custom', '--template', 'docker'], { cwd: suite.project.dir })).code).toBe(0)
      const deploy = await suite.agent.cli(['deploy', '--only', 'custom'], { cwd: suite.project.dir })
      expect(deploy.code, deploy.output).toBe(0)
      expect(deploy.output).toMatch(/custom\s+built\s+v1/)
      const res = await suite.agent.call('custom', '/anything?x=1')
      // `ready` was written by the template's RUN step, in the shell of the host-assembled base.
      expect(res.json()).toMatchObject({ function: 'custom', version: '1', method: 'GET', url: '/anything?x=1', requestId: res.headers['x-request-id'], ready: 'ok' })
    })

    it('a failing RUN step names its output, and the hint gives the command that reproduces the build with the agent\'s base', async () => {
      suite.project.write('functions/broken-run/Dockerfile', 'ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nRUN mkdir -p /var/task/conf && cp /var/task/conf/app.json /var/task/ || { echo "app.json was never vendored" >&2; exit 4; }\n')
      const deploy = await suite.agent.cli(['deploy', '--only', 'broken-run'], { cwd: suite.project.dir })
      expect(deploy.code).toBe(1)
      expect(deploy.output).toContain('Building the image for function "broken-run" failed')
      expect(deploy.output).toMatch(/returned a non-zero code: 4/)
      expect(deploy.output).toContain('app.json was never vendored')
      expect(deploy.output).not.toMatch(/no such file or directory: unknown|exec: "\/bin\/sh"/)
      // The agent's base, found the way the agent finds it (it exists already: nothing is built here).
      const base = await ensureBaseImage(new Dockerode())
      expect(base.created).toBe(false)
      expect(deploy.output).toContain(`docker build --build-arg BASE_IMAGE=${base.tag} functions/broken-run`)
    })

    it('a failing Dockerfile fails the deploy with the build log lines that matter', async () => {
      suite.project.write('functions/broken/Dockerfile', 'ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nCOPY server-that-was-never-written.mjs /var/task/\n')
      const deploy = await suite.agent.cli(['deploy', '--only', 'broken'], { cwd: suite.project.dir })
      expect(deploy.code).toBe(1)
      expect(deploy.output).toContain('Building the image for function "broken" failed')
      expect(deploy.output).toContain('server-that-was-never-written.mjs')
      expect(deploy.output).toContain('COPY server-that-was-never-written.mjs')
      expect(deploy.output).toMatch(/broken\s+failed/)
      expect((await suite.agent.call('broken')).status).toBe(404)
    })

    it('deploys one folder with lambda deploy <path> --name', async () => {
      const deploy = await suite.agent.cli(['deploy', `${suite.project.dir}/functions/echo`, '--name', 'echo2'])
      expect(deploy.code, deploy.output).toBe(0)
      expect(deploy.output).toMatch(/echo2\s+built\s+v1/)
      expect((await suite.agent.call('echo2', '/', { body: 'one folder' })).text).toBe('one folder')
    })
  })
})
