import type { AgentProcess } from '../helpers/agent'
import { execFileSync } from 'node:child_process'
import { readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { useAgent } from '../helpers/agent'
import { containersOf, describeDocker } from '../helpers/docker'
import { createProject } from '../helpers/project'
import { until } from './paused-story'

// Module state lives as long as the instance: a count that goes on proves the same process answered.
const COUNTER = `import { hostname } from 'node:os'
const instance = Math.random().toString(36).slice(2)
let count = 0
export default () => ({ count: ++count, instance, hostname: hostname() })
`

// What a hostile function can do to the paths a restarting agent uses: its own /tmp is all it may write.
const PLOTTER = `import { createServer } from 'node:net'
import { readdirSync, symlinkSync, writeFileSync } from 'node:fs'
let stolen = 0
createServer((socket) => {
  stolen++
  socket.destroy()
}).listen('/tmp/agent.sock')
for (const [target, path] of [['/tmp/agent.sock', '/tmp/lambda'], ['/tmp', '/tmp/run']]) {
  try { symlinkSync(target, path) } catch {}
}
let wroteLinkFolder = true
try { writeFileSync('/run/lambda/agent.sock.new', 'x') } catch { wroteLinkFolder = false }
let count = 0
export default () => ({ count: ++count, stolen, wroteLinkFolder, linkFolder: readdirSync('/run/lambda') })
`

const project = () => createProject({
  'functions/counter/index.ts': COUNTER,
  'functions/frozen/index.ts': COUNTER,
  'functions/gone/index.ts': COUNTER,
  'functions/plotter/index.ts': PLOTTER,
  'lambda.config.ts': `export default {
  functions: {
    counter: { concurrency: 1, idle: { pauseAfter: false } },
    frozen: { idle: { pauseAfter: '300ms' } },
    gone: { idle: { pauseAfter: false } },
    plotter: { idle: { pauseAfter: false } },
  },
}
`,
})

interface CounterBody { count: number, instance: string, hostname: string }

async function call<T = CounterBody>(agent: AgentProcess, fn: string): Promise<T> {
  const res = await agent.call(fn)
  expect(res.status, res.text).toBe(200)
  return res.json<T>()
}

const inspectState = (id: string): { Running: boolean, Paused: boolean } | undefined => {
  try {
    return JSON.parse(execFileSync('docker', ['inspect', '--format', '{{json .State}}', id], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }))
  }
  catch {
    return undefined
  }
}

const coldStarts = async (agent: AgentProcess, fn: string) => {
  const res = await agent.cli(['metrics', fn, '--json'])
  expect(res.code, res.output).toBe(0)
  return JSON.parse(res.stdout).functions[0].total.coldStarts as number
}

/** The link folders in the agent's run folder (one per container it made). */
const linkFolders = (agent: AgentProcess) => readdirSync(join(agent.dataDir, 'run')).sort()

describeDocker('adopting the instances an earlier run left (docker provider)', () => {
  describe('with --keep-instances', () => {
    const suite = useAgent({ provider: 'docker', extraArgs: ['--keep-instances'] }, project, async (suite) => {
      const deploy = await suite.agent.cli(['deploy'], { cwd: suite.project.dir })
      expect(deploy.code, deploy.output).toBe(0)
    })
    // Before useAgent's own (after hooks run last-registered first): its agent leaves the containers running.
    afterAll(async () => {
      await suite.agent?.stop()
      const left = containersOf(suite.agent, undefined, true)
      if (left.length > 0) execFileSync('docker', ['rm', '-f', ...left], { stdio: 'ignore' })
    })

    it('after a graceful stop, the next start adopts the running container: same instance, no cold start', async () => {
      const first = await call(suite.agent, 'counter')
      const [container] = containersOf(suite.agent, 'counter')
      expect(container).toBeDefined()
      const coldBefore = await coldStarts(suite.agent, 'counter')
      await suite.agent.stop()
      expect(suite.agent.process.output()).toContain('instances keep running for the next start to adopt')
      // The container outlives the agent, waiting for it.
      expect(inspectState(container!)?.Running).toBe(true)

      suite.agent = await suite.agent.restart()
      expect(suite.agent.process.output()).toMatch(/Adopted \d+ running instance\(s\) of an earlier run/)
      const again = await call(suite.agent, 'counter')
      expect(again).toEqual({ ...first, count: first.count + 1 })
      expect(containersOf(suite.agent, 'counter')).toEqual([container])
      expect(await coldStarts(suite.agent, 'counter')).toBe(coldBefore)
    })

    it('after kill -9, the next start adopts the running containers too', async () => {
      const first = await call(suite.agent, 'counter')
      await suite.agent.process.stop('SIGKILL')
      suite.agent = await suite.agent.restart()
      expect(suite.agent.process.output()).toMatch(/Adopted \d+ running instance\(s\) of an earlier run/)
      expect(await call(suite.agent, 'counter')).toEqual({ ...first, count: first.count + 1 })
    })

    it('a paused container is adopted: thawed, it goes on counting', async () => {
      const first = await call(suite.agent, 'frozen')
      const [container] = containersOf(suite.agent, 'frozen')
      await until('the idle instance to be paused', () => inspectState(container!)?.Paused, paused => paused === true)
      await suite.agent.stop()
      expect(inspectState(container!)?.Paused).toBe(true)
      suite.agent = await suite.agent.restart()
      expect(await call(suite.agent, 'frozen')).toEqual({ ...first, count: first.count + 1 })
      expect(containersOf(suite.agent, 'frozen')).toEqual([container])
    })

    it('the container of a function deleted while the agent was down is removed, with its link folder', async () => {
      await call(suite.agent, 'gone')
      const [container] = containersOf(suite.agent, 'gone')
      await suite.agent.stop()
      const foldersBefore = linkFolders(suite.agent)
      // What `lambda rm` would leave in the store, done behind the stopped agent's back.
      for (const kind of ['functions', 'versions']) rmSync(join(suite.agent.dataDir, 'state', kind, 'gone'), { recursive: true, force: true })
      suite.agent = await suite.agent.restart()
      expect(suite.agent.process.output()).toMatch(/Removed \d+ container\(s\) left by an earlier run/)
      expect(inspectState(container!)).toBeUndefined()
      // Its link folder went with it; the others stayed for their adopted containers.
      expect(linkFolders(suite.agent).filter(folder => foldersBefore.includes(folder)).length).toBe(foldersBefore.length - 1)
      expect((await suite.agent.call('gone')).status).toBe(404)
    })

    it('a function cannot steer the restarting agent: sockets and links in its /tmp are never dialed, its link folder is read-only', async () => {
      const first = await call<{ count: number, stolen: number, wroteLinkFolder: boolean, linkFolder: string[] }>(suite.agent, 'plotter')
      expect(first).toMatchObject({ stolen: 0, wroteLinkFolder: false, linkFolder: ['agent.sock'] })
      const [container] = containersOf(suite.agent, 'plotter')
      await suite.agent.process.stop('SIGKILL')
      suite.agent = await suite.agent.restart()
      const again = await call<typeof first>(suite.agent, 'plotter')
      // The same container came back, on its own folder's socket, and nothing ever reached the trap.
      expect(again).toMatchObject({ count: first.count + 1, stolen: 0, linkFolder: ['agent.sock'] })
      expect(containersOf(suite.agent, 'plotter')).toEqual([container])
    })

    it('each adopted container is known by the link folder the agent made for it, never by what it says', async () => {
      // Two instances of one function at once, so two link folders of one version.
      const bodies = await Promise.all([suite.agent.call('counter', '/', { headers: { 'x-n': '1' } }), suite.agent.call('counter', '/', { headers: { 'x-n': '2' } })])
      expect(bodies.map(b => b.status)).toEqual([200, 200])
      await suite.agent.process.stop('SIGKILL')
      suite.agent = await suite.agent.restart()
      for (const id of containersOf(suite.agent)) {
        const info = JSON.parse(execFileSync('docker', ['inspect', id], { encoding: 'utf8' }))[0]
        const binds = info.Mounts.filter((m: { Type: string }) => m.Type === 'bind')
        // Mounted: only its own folder, named by the label the agent set at creation.
        expect(binds).toHaveLength(1)
        expect(binds[0].Source).toBe(join(suite.agent.dataDir, 'run', info.Config.Labels['mini-lambda.link']))
      }
      const folders = linkFolders(suite.agent)
      const mounted = containersOf(suite.agent).map(id => JSON.parse(execFileSync('docker', ['inspect', id], { encoding: 'utf8' }))[0].Config.Labels['mini-lambda.link'])
      expect(new Set(mounted).size).toBe(mounted.length)
      for (const folder of mounted) expect(folders).toContain(folder)
    })
  })

  describe('without --keep-instances, and an agent that does not come back', () => {
    const suite = useAgent({ provider: 'docker', extraArgs: ['--adopt-grace', '2'] }, project, async (suite) => {
      const deploy = await suite.agent.cli(['deploy', '--only', 'counter'], { cwd: suite.project.dir })
      expect(deploy.code, deploy.output).toBe(0)
    })

    it('a graceful stop removes the containers and their link folders', async () => {
      await call(suite.agent, 'counter')
      await suite.agent.stop()
      expect(containersOf(suite.agent, undefined, true)).toEqual([])
      expect(linkFolders(suite.agent)).toEqual([])
      suite.agent = await suite.agent.restart()
    })

    it('after kill -9, a runtime whose agent stays away exits after its grace, and the next start removes what is left', async () => {
      const first = await call(suite.agent, 'counter')
      const [container] = containersOf(suite.agent, 'counter')
      const folder = JSON.parse(execFileSync('docker', ['inspect', container!], { encoding: 'utf8' }))[0].Config.Labels['mini-lambda.link']
      expect(linkFolders(suite.agent)).toContain(folder)
      await suite.agent.process.stop('SIGKILL')
      await until('the orphaned runtime to give up', () => inspectState(container!)?.Running, running => running === false, 60_000)
      suite.agent = await suite.agent.restart()
      expect(suite.agent.process.output()).toMatch(/Removed \d+ container\(s\) left by an earlier run/)
      expect(suite.agent.process.output()).not.toMatch(/Adopted/)
      expect(inspectState(container!)).toBeUndefined()
      const fresh = await call(suite.agent, 'counter')
      expect(fresh.instance).not.toBe(first.instance)
      // Its link folder went with it.
      expect(linkFolders(suite.agent)).not.toContain(folder)
    })
  })
})
