import type { AgentProcess } from '../helpers/agent'
import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, readdirSync, readFileSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { useAgent } from '../helpers/agent'
import { containersOf, describeDocker } from '../helpers/docker'
import { repoRoot } from '../helpers/paths'
import { createProject } from '../helpers/project'

const inspect = (id: string) => JSON.parse(execFileSync('docker', ['inspect', id], { encoding: 'utf8' }))[0]

function securityProject() {
  const project = createProject()
  cpSync(join(repoRoot, 'test/fixtures/security'), project.dir, { recursive: true })
  return project
}

/** The host folders mounted at /run/lambda in the function's running containers. */
function linkFoldersOf(agent: AgentProcess, fn: string): string[] {
  const folders: string[] = []
  for (const id of containersOf(agent, fn)) {
    try {
      folders.push(inspect(id).Mounts.find((m: { Destination: string }) => m.Destination === '/run/lambda').Source)
    }
    catch {} // removed since it was listed
  }
  return folders
}

function agentMemoryMb(agent: AgentProcess): number {
  const status = readFileSync(`/proc/${agent.process.child.pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024
}

/** Calls until an instance answers 200: right after /exit the dying instance may still take one request. */
async function callServed(agent: AgentProcess, fn: string) {
  for (let attempt = 0; ; attempt++) {
    const res = await agent.call(fn)
    if (res.status === 200 || attempt >= 10) return res
    expect(res.json().error.code).toBe('FUNCTION_CRASHED')
  }
}

const agentOpenFiles = (agent: AgentProcess) => readdirSync(`/proc/${agent.process.child.pid}/fd`).length

describeDocker('the sandbox: what function code can and cannot do to the host', () => {
  const suite = useAgent({ provider: 'docker' }, securityProject, async ({ agent, project }) => {
    const deploy = await agent.cli(['deploy'], { cwd: project.dir })
    expect(deploy.code, deploy.output).toBe(0)
  })

  it('the symlink swap: the link folder is read-only, and the function\'s URL never reaches the Docker API', async () => {
    const swap = await suite.agent.call('attacker', '/swap')
    expect(swap.status).toBe(200)
    const results = swap.json()
    for (const attempt of ['symlink fn.sock', 'symlink agent.sock', 'remove agent.sock', 'plant fn.sock.error.json', 'plant agent.sock.error.json']) {
      expect(results[attempt], attempt).toBe('EROFS')
    }
    expect(results.listing).toBe('agent.sock')
    expect(results['docker socket visible']).toBe('false')

    // The instance ends itself; whatever its URL reaches, before or after, is the function, never Docker.
    const answers: string[] = []
    for (const path of ['/_ping', '/version', '/containers/json', '/info', '/_ping', '/_ping', '/_ping']) {
      const res = await suite.agent.call('attacker', path)
      expect(res.headers['api-version'], path).toBeUndefined()
      expect(String(res.headers.server ?? ''), path).not.toMatch(/docker/i)
      // 502 only from the instance that is ending itself, in the same words as any crash.
      if (res.status === 502) expect(res.json().error.code).toBe('FUNCTION_CRASHED')
      else expect(res.status, `${path}: ${res.text}`).toBe(200)
      answers.push(res.status === 200 ? res.text : 'crashed')
      await new Promise(r => setTimeout(r, 50))
    }
    expect(answers.at(-1)).toBe('attacker here')
  })

  it('the agent reads nothing in a link folder: /dev/zero links and FIFOs where it used to read do not wedge it', async () => {
    const before = agentMemoryMb(suite.agent)
    // Two /dev/zero links (the agent's memory), then four FIFOs (one blocked thread each: all of libuv's).
    const plants = ['zero', 'zero', 'fifo', 'fifo', 'fifo', 'fifo']
    for (const plant of plants) {
      expect((await callServed(suite.agent, 'attacker')).status).toBe(200)
      // Planted from the host side: the function itself can no longer write there (see above).
      for (const folder of linkFoldersOf(suite.agent, 'attacker')) {
        for (const name of ['fn.sock.error.json', 'agent.sock.error.json']) {
          const path = join(folder, name)
          if (existsSync(path)) continue
          try {
            if (plant === 'zero') symlinkSync('/dev/zero', path)
            else execFileSync('mkfifo', [path], { stdio: 'pipe' })
          }
          catch {} // the instance (and its folder) went away meanwhile
        }
      }
      // The instance ends: the agent notes how, reading nothing from the folder.
      await suite.agent.call('attacker', '/exit')
    }
    await new Promise(r => setTimeout(r, 500))
    const started = performance.now()
    // Reading the store needs libuv's threads: it answers only if none is stuck on a FIFO.
    const listing = await suite.agent.admin('/functions', { timeoutMs: 10_000 })
    console.log(`admin API after ${plants.length} planted exits: ${Math.round(performance.now() - started)} ms; agent RSS ${Math.round(before)} → ${Math.round(agentMemoryMb(suite.agent))} MB`)
    expect(listing.status).toBe(200)
    expect((await callServed(suite.agent, 'attacker')).text).toBe('attacker here')
    expect(agentMemoryMb(suite.agent) - before).toBeLessThan(100)
  })

  it('a flood of writes to every path is bounded by the tmpfs sizes, and nothing written can run', async () => {
    await callServed(suite.agent, 'attacker')
    const flood = (await suite.agent.call('attacker', '/flood', { timeoutMs: 60_000 })).json()
    console.log('writes accepted per path (MB):', Object.fromEntries(Object.entries(flood).map(([dir, r]) => [dir, `${(r as { mb: number }).mb} (${(r as { error: string }).error})`])))
    for (const dir of ['/tmp', '/dev/shm']) {
      expect(flood[dir].mb, dir).toBeLessThanOrEqual(64)
      expect(flood[dir].error, dir).toBe('ENOSPC')
    }
    for (const dir of ['/run/lambda', '/var/task', '/', '/opt/mini-lambda/runtime', '/etc', '/var/tmp']) {
      expect(flood[dir].mb, dir).toBe(0)
      expect(['EROFS', 'EACCES', 'ENOENT'], `${dir}: ${flood[dir].error}`).toContain(flood[dir].error)
    }
    const executed = (await suite.agent.call('attacker', '/execute')).json()
    expect(executed.tmp).toEqual({ wrote: 'ok', ran: 'EACCES' })
    expect(executed.shm).toEqual({ wrote: 'ok', ran: 'EACCES' })
    // Nothing reached the host's disk.
    for (const folder of linkFoldersOf(suite.agent, 'attacker')) expect(readdirSync(folder)).toEqual(['agent.sock'])
  })

  it('the kernel enforces the function\'s limits: its CPU share, memory, pids, no capabilities, not root', async () => {
    const limits = (await suite.agent.call('attacker', '/limits')).json()
    // cpu: 0.5 in lambda.config.ts is half of one core's time, per period.
    if (limits.cpuPeriod) expect(Number(limits.cpu) / Number(limits.cpuPeriod)).toBe(0.5)
    else expect(limits.cpu).toBe('50000 100000')
    expect(Number(limits.memory)).toBe(512 * 1024 * 1024)
    expect(limits.pids).toBe('256')
    expect(limits.uid).toBe(10001)
    expect(limits.capabilities.find((line: string) => line.startsWith('CapEff'))).toMatch(/0{16}$/)
    const [id] = containersOf(suite.agent, 'attacker')
    expect(inspect(id!).HostConfig.NanoCpus).toBe(5e8)
  })

  it('children a function spawns and abandons are reaped: no zombies hold the pids limit, and it keeps serving', async () => {
    // More orphans than the pids limit (256): without an init as PID 1 every one would stay a zombie.
    const orphans = (await suite.agent.call('attacker', '/orphans?n=300')).json()
    expect(orphans).toMatchObject({ failed: 0, spawnsAfter: true })
    expect(orphans.zombies).toBeLessThan(10)
    const [id] = containersOf(suite.agent, 'attacker')
    expect(inspect(id!).HostConfig.Init).toBe(true)
    expect((await suite.agent.call('attacker')).text).toBe('attacker here')
  })

  it('a function dialing its link hundreds of times gets a bounded number of connections, and keeps serving', async () => {
    await suite.agent.call('attacker')
    const before = agentOpenFiles(suite.agent)
    const dialed = await suite.agent.call('attacker', '/dial?n=400')
    expect(dialed.status).toBe(200)
    const during = agentOpenFiles(suite.agent)
    console.log(`agent open files: ${before} before, ${during} right after 400 dials`)
    expect(during - before).toBeLessThan(80)
    expect((await suite.agent.call('attacker')).text).toBe('attacker here')
  })
})

describeDocker('names and builds that used to hang the agent', () => {
  const longName = `f${'x'.repeat(61)}1`
  const suite = useAgent({ provider: 'docker' }, () => createProject({
    [`functions/${longName}/index.ts`]: 'export default () => "long name served"\n',
  }))
  // Its own agent: a short build timeout would also cut ordinary builds short on a busy machine.
  const impatient = useAgent({ provider: 'docker', extraArgs: ['--build-timeout', '5'] }, () => createProject({
    'functions/forever/Dockerfile': 'ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nRUN ["/usr/local/bin/node", "-e", "setInterval(() => {}, 1000)"]\n',
  }))

  it('a 63-character name deploys and serves (socket paths do not depend on names)', async () => {
    expect(longName).toHaveLength(63)
    const deploy = await suite.agent.cli(['deploy', '--only', longName], { cwd: suite.project.dir })
    expect(deploy.code, deploy.output).toBe(0)
    expect((await suite.agent.call(longName)).text).toBe('long name served')
    const removed = await suite.agent.cli(['delete', longName, '--yes'])
    expect(removed.code, removed.output).toBe(0)
  })

  it('a build step that never ends is stopped at --build-timeout, and the function\'s lock is free again', async () => {
    const deploy = await impatient.agent.cli(['deploy', '--only', 'forever'], { cwd: impatient.project.dir })
    expect(deploy.code).toBe(1)
    expect(deploy.output).toContain('did not finish within 5 s')
    expect(deploy.output).toContain('--build-timeout')
    // The per-function lock was released: another operation on it goes through.
    const del = await impatient.agent.cli(['delete', 'forever', '--yes'])
    expect(del.code, del.output).toBe(0)
  })
})
