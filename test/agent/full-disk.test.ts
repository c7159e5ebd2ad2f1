import type { AgentProcess } from '../helpers/agent'
import type { HttpResult } from '../helpers/http'
import type { TempProject } from '../helpers/project'
import { execFileSync } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startAgentProcess } from '../helpers/agent'
import { createProject } from '../helpers/project'
import { startRecordingServer } from '../helpers/recording-server'
import { until } from '../helpers/until'

/** A small tmpfs of our own: only root may mount one, so elsewhere the suite is skipped. */
function mountSmallDisk(): string | undefined {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return undefined
  const dir = mkdtempSync(join(tmpdir(), 'lambda-full-disk-'))
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m,mode=0700', 'tmpfs', dir], { stdio: 'ignore' })
    return dir
  }
  catch {
    rmSync(dir, { recursive: true, force: true })
    return undefined
  }
}

/** Writes until the disk refuses: every byte left is taken. */
function fillDisk(file: string): void {
  const fd = openSync(file, 'w')
  const chunk = Buffer.alloc(64 * 1024)
  try {
    for (;;) writeSync(fd, chunk)
  }
  catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error
    // The last bytes: smaller writes fill what a whole chunk did not fit in.
    try {
      for (;;) writeSync(fd, Buffer.alloc(512))
    }
    catch {}
  }
  finally {
    closeSync(fd)
  }
}

const disk = mountSmallDisk()
const json = { 'content-type': 'application/json' }

function expectDiskFull(res: HttpResult, what: string) {
  expect(res.status, `${what}: ${res.text}`).toBe(507)
  const { error } = res.json()
  expect(error.code, what).toMatch(/^(STORE_FULL|DISK_FULL|ASYNC_STORE_FULL)$/)
  expect(error.message, what).toMatch(/is full\. Nothing was changed\./)
  expect(error.hint, what).toMatch(/Free space .*df -h/)
}

describe.skipIf(!disk)('a full data dir: clear 507s, the agent starts and serves, and writes again once space is freed', () => {
  let agent: AgentProcess
  let project: TempProject
  const ballast = join(disk ?? '', 'ballast')
  // Outside the small disk: the test's own side of the gated function.
  const outside = mkdtempSync(join(tmpdir(), 'lambda-full-disk-out-'))
  const gate = join(outside, 'gate')
  const calls = join(outside, 'calls.log')
  const runsOf = (id: string) => (existsSync(calls) ? readFileSync(calls, 'utf8') : '').split('\n').filter(line => line === id).length

  beforeAll(async () => {
    mkdirSync(join(disk!, 'data'), { mode: 0o700 })
    project = createProject({
      'lambda.config.ts': `export default { functions: {
  hello: { schedule: '0 0 1 1 *' },
  chatty: {},
  gated: { env: { GATE: ${JSON.stringify(gate)}, CALLS: ${JSON.stringify(calls)} } },
} }\n`,
      // Holds each call until the test opens its gate, then notes that it ran.
      'functions/gated/index.mjs': `import { appendFileSync, existsSync } from 'node:fs'
export default async (req) => {
  while (!existsSync(process.env.GATE)) await new Promise(resolve => setTimeout(resolve, 20))
  appendFileSync(process.env.CALLS, req.headers.get('x-lambda-invocation-id') + '\\n')
  return new Response('done')
}\n`,
      'functions/hello/index.mjs': `export default () => new Response('v1')\n`,
      // Prints on every call: its log lines are writes the full disk refuses too.
      'functions/chatty/index.mjs': `export default () => { console.log('a line for the logs') ; return new Response('said it') }\n`,
    })
    agent = await startAgentProcess({ provider: 'process', dataDir: join(disk!, 'data'), extraArgs: ['--metrics-save-interval', '1', '--callback-allow', '127.0.0.1'] })
    expect((await agent.cli(['deploy'], { cwd: project.dir })).code).toBe(0)
    project.write('functions/hello/index.mjs', `export default () => new Response('v2')\n`)
    expect((await agent.cli(['deploy'], { cwd: project.dir })).code).toBe(0)
  }, 120_000)

  afterAll(async () => {
    await agent?.stop()
    rmSync(ballast, { force: true })
    agent?.cleanup()
    project?.remove()
    try {
      execFileSync('umount', [disk!], { stdio: 'ignore' })
    }
    catch {}
    rmSync(disk!, { recursive: true, force: true })
    rmSync(outside, { recursive: true, force: true })
  })

  it('every admin action that writes answers 507 with the fix, and changes nothing', async () => {
    fillDisk(ballast)
    project.write('functions/hello/index.mjs', `export default () => new Response('v3 ${'x'.repeat(4096)}')\n`)
    const deploy = await agent.cli(['deploy'], { cwd: project.dir })
    expect(deploy.code, deploy.output).not.toBe(0)
    expect(deploy.output).toMatch(/is full\. Nothing was changed\./)
    expect(deploy.output).toMatch(/Free space on the agent's machine/)

    expectDiskFull(await agent.admin('/keys', { method: 'POST', body: JSON.stringify({ name: 'ci', scope: 'deploy' }), headers: json }), 'create a key')
    expectDiskFull(await agent.admin('/secrets/token', { method: 'PUT', body: JSON.stringify({ value: 's3cret' }), headers: json }), 'set a secret')
    expectDiskFull(await agent.admin('/schedules', { method: 'POST', body: JSON.stringify({ function: 'hello', cron: '0 * * * *' }), headers: json }), 'add a schedule')
    const schedule = (await agent.admin('/schedules?function=hello')).json().schedules[0]
    expectDiskFull(await agent.admin(`/schedules/${schedule.id}/pause`, { method: 'POST' }), 'pause a schedule')
    expect((await agent.admin(`/schedules/${schedule.id}`)).json().state).toBe('active')
    expectDiskFull(await agent.admin('/functions/hello/rollback', { method: 'POST', body: JSON.stringify({ version: 1 }), headers: json }), 'roll back')
    expectDiskFull(await agent.admin('/functions/hello', { method: 'DELETE' }), 'delete the function')
    expectDiskFull(await agent.call('hello', '/', { method: 'POST', headers: { 'x-lambda-invocation-type': 'Event' } }), 'an async call')

    // Logs, metrics (saved every second here) and invocation records that no longer fit do not take the agent down.
    for (let i = 0; i < 50; i++) expect((await agent.call('chatty')).status).toBe(200)
    await new Promise(resolve => setTimeout(resolve, 1500))
    expect((await agent.admin('/functions/chatty/logs?tail=10')).status).toBe(200)
    expect((await agent.admin('/metrics')).status).toBe(200)

    // Nothing changed: v2 still serves, no key was added.
    expect((await agent.call('hello')).text).toBe('v2')
    expect((await agent.admin('/keys')).json().keys).toHaveLength(1)
  })

  it('a kill -9 and a restart while the disk is full: the agent starts, says so loudly, and serves what it has', async () => {
    await agent.process.stop('SIGKILL')
    agent = await agent.restart()
    expect(agent.process.output()).toMatch(/The disk holding .* is full: the agent serves what it has/)
    expect((await agent.call('hello')).text).toBe('v2')
    expect((await agent.admin('/functions')).status).toBe(200)
    expectDiskFull(await agent.admin('/keys', { method: 'POST', body: JSON.stringify({ name: 'ci', scope: 'deploy' }), headers: json }), 'create a key after the restart')
  })

  it('once space is freed it writes again, without a restart', async () => {
    rmSync(ballast)
    const created = await agent.admin('/keys', { method: 'POST', body: JSON.stringify({ name: 'ci', scope: 'deploy' }), headers: json })
    expect(created.status, created.text).toBe(200)
    const deploy = await agent.cli(['deploy'], { cwd: project.dir })
    expect(deploy.code, deploy.output).toBe(0)
    expect((await agent.call('hello')).text).toMatch(/^v3 /)
    // The logs take lines again too.
    const since = new Date().toISOString()
    expect((await agent.call('chatty')).status).toBe(200)
    await until(async () => (await agent.admin('/functions/chatty/logs?tail=50')).text.split('\n').filter(Boolean).map(line => JSON.parse(line)).some(entry => entry.type === 'output' && entry.time >= since), 'a log line written after the space was freed', 10_000)
  })

  it('an async outcome the full disk refuses shows as running, is written once there is room, and then never runs again', async () => {
    const callbacks = await startRecordingServer()
    const ids: string[] = []
    for (let i = 0; i < 3; i++) {
      const accepted = await agent.call('gated', '/', { method: 'POST', headers: { 'x-lambda-invocation-type': 'Event', 'x-callback-url': `${callbacks.url}/done` } })
      expect(accepted.status, accepted.text).toBe(202)
      ids.push(accepted.json().id)
    }
    await until(async () => (await agent.admin(`/invocations/${ids[0]}`)).json().status === 'running', 'the first call to run')
    fillDisk(ballast)
    writeFileSync(gate, '')
    await until(() => ids.every(id => runsOf(id) === 1), 'every call to have run')
    await until(() => /Could not store the outcome of invocation/.test(agent.process.output()), 'the warning that an outcome was not stored')
    // Ran, but its outcome is not on disk: not shown as finished, since a restart now would run it again.
    for (const id of ids) expect((await agent.admin(`/invocations/${id}`)).json().status, id).toBe('running')
    // Nor reported done to its callback: a crash now runs it again, and a callback must not have said otherwise.
    expect(callbacks.requests).toEqual([])

    rmSync(ballast)
    for (const id of ids) await until(async () => (await agent.admin(`/invocations/${id}`)).json().status === 'succeeded', `${id} to be recorded once there is room`, 15_000)
    await until(() => callbacks.requests.length === ids.length, 'a callback for each call once its outcome is on disk')
    await callbacks.close()
    await agent.process.stop('SIGKILL')
    agent = await agent.restart()
    expect(agent.process.output()).not.toMatch(/Resuming \d+ asynchronous call/)
    for (const id of ids) {
      expect((await agent.admin(`/invocations/${id}`)).json().status, id).toBe('succeeded')
      expect(runsOf(id), `${id} ran again after its outcome was recorded`).toBe(1)
    }
  })
})
