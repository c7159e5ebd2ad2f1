import type { AgentProcess } from '../helpers/agent'
import type { TempProject } from '../helpers/project'
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startAgentProcess } from '../helpers/agent'
import { createProject } from '../helpers/project'
import { until } from '../helpers/until'

/** The whole campaign stops starting new iterations after this; each iteration is one kill and restart. */
const BUDGET_MS = 45_000

/** Answers which code it is (so the test knows what serves) and records each call it gets. */
const handler = (generation: number) => `import { appendFileSync } from 'node:fs'
export default async (req) => {
  const id = req.headers.get('x-lambda-invocation-id')
  if (id) appendFileSync(process.env.OUT + '/calls.log', id + '\\n')
  return new Response('generation ${generation}')
}
`

type Action = 'deploy' | 'rollback' | 'release-rollback' | 'key' | 'async'
const ACTIONS: Action[] = ['deploy', 'rollback', 'release-rollback', 'key', 'async']

/** Every file the store holds, as parsed JSON: a torn or half-written record fails here. */
function readStore(dataDir: string): Map<string, any> {
  const base = join(dataDir, 'state')
  const records = new Map<string, any>()
  for (const entry of readdirSync(base, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue
    const path = join(entry.parentPath, entry.name)
    const key = relative(base, path)
    const text = readFileSync(path, 'utf8')
    try {
      records.set(key, JSON.parse(text))
    }
    catch {
      throw new Error(`store record ${key} does not parse after the kill: ${JSON.stringify(text.slice(0, 200))}`)
    }
  }
  return records
}

/** The invocation ids the function was called with, one line per run. */
const callsOf = (out: string): string[] => existsSync(join(out, 'calls.log')) ? readFileSync(join(out, 'calls.log'), 'utf8').split('\n').filter(Boolean) : []

const random = (max: number) => Math.floor(Math.random() * max)

describe('crash safety: the agent killed (SIGKILL) at random points of its writes', () => {
  let agent: AgentProcess
  let project: TempProject
  let out: string
  let generation = 1

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'lambda-crash-out-'))
    project = createProject({
      'lambda.config.ts': `export default { deploy: { keepVersions: 4 }, functions: { hello: { env: { OUT: ${JSON.stringify(out)} }, async: { retries: 0 } } } }\n`,
      'functions/hello/index.mjs': handler(generation),
    })
    agent = await startAgentProcess({ provider: 'process' })
    for (let i = 0; i < 2; i++) {
      project.write('functions/hello/index.mjs', handler(++generation))
      const deploy = await agent.cli(['deploy'], { cwd: project.dir })
      expect(deploy.code, deploy.output).toBe(0)
    }
  }, 120_000)

  afterAll(async () => {
    await agent?.stop()
    agent?.cleanup()
    project?.remove()
    rmSync(out, { recursive: true, force: true })
  })

  it('after every restart each record parses, the serving version is one that existed, keys are whole, and a finished async call never runs again', async () => {
    const started = Date.now()
    const done = new Set<Action>()
    let iterations = 0
    /** Async calls the agent said had succeeded: their outcome is on record, so they must never run again. */
    const succeeded = new Set<string>()
    while (Date.now() - started < BUDGET_MS || done.size < ACTIONS.length) {
      const action = ACTIONS[iterations % ACTIONS.length]!
      const before = readStore(agent.dataDir)
      const hello = before.get('functions/hello')
      const versionsBefore = [...before.keys()].filter(key => key.startsWith('versions/hello/')).map(key => Number(key.split('/').pop()))
      const keysBefore = (await agent.admin('/keys')).json().keys.map((key: { id: string }) => key.id) as string[]
      // Which serving versions the action may leave: the one before it, or the one it moves to.
      const allowed = new Set<number>([hello.currentVersion])
      let inFlight: Promise<unknown>
      let delay: number
      if (action === 'deploy') {
        project.write('functions/hello/index.mjs', handler(++generation))
        inFlight = agent.cli(['deploy'], { cwd: project.dir }).catch(() => {})
        // The CLI builds first (a second or so), then uploads: kill anywhere along the way.
        delay = 300 + random(1500)
        for (let n = hello.lastVersion + 1; n <= hello.lastVersion + 2; n++) allowed.add(n)
      }
      else if (action === 'rollback') {
        const target = versionsBefore.filter(n => n !== hello.currentVersion).sort((a, b) => b - a)[0]!
        allowed.add(target)
        inFlight = agent.admin('/functions/hello/rollback', { method: 'POST', body: JSON.stringify({ version: target }), headers: { 'content-type': 'application/json' } }).catch(() => {})
        delay = random(15)
      }
      else if (action === 'release-rollback') {
        const releases = [...before.entries()].filter(([key]) => key.startsWith('releases/')).map(([, record]) => record)
        const target = releases.find(release => versionsBefore.includes(release.functions.hello) && release.functions.hello !== hello.currentVersion)
        if (target) allowed.add(target.functions.hello)
        inFlight = agent.admin('/releases/rollback', { method: 'POST', body: JSON.stringify({ id: target?.id ?? 1, force: true }), headers: { 'content-type': 'application/json' } }).catch(() => {})
        delay = random(15)
      }
      else if (action === 'key') {
        inFlight = agent.admin('/keys', { method: 'POST', body: JSON.stringify({ name: `crash-${iterations}`, scope: 'invoke' }), headers: { 'content-type': 'application/json' } }).catch(() => {})
        const victim = keysBefore.find(id => id !== agent.key.split('_')[1])
        if (victim) void agent.admin(`/keys/${victim}`, { method: 'DELETE' }).catch(() => {})
        delay = random(15)
      }
      else {
        // A few calls: some finish (their outcome is recorded) before the kill, some are cut short.
        const accepted = await Promise.all(Array.from({ length: 4 }, () => agent.call('hello', '/', { method: 'POST', headers: { 'x-lambda-invocation-type': 'Event' } })))
        const ids = accepted.filter(res => res.status === 202).map(res => res.json().id as string)
        inFlight = Promise.resolve()
        delay = random(40)
        setTimeout(() => {
          // What the agent says right before the kill: a call it reports succeeded is on record.
          void Promise.all(ids.map(async (id) => {
            const detail = await agent.admin(`/invocations/${id}`).catch(() => undefined)
            return detail?.status === 200 && detail.json().status === 'succeeded' ? id : undefined
          })).then(found => found.forEach(id => id && succeeded.add(id)))
        }, Math.max(0, delay - 5))
      }
      await new Promise(resolve => setTimeout(resolve, delay))
      await agent.process.stop('SIGKILL')
      await (inFlight as Promise<unknown>).catch(() => {})
      const callsBefore = callsOf(out)
      agent = await agent.restart()

      const after = readStore(agent.dataDir)
      const record = after.get('functions/hello')
      expect(allowed, `${action}: serving v${record.currentVersion}, allowed ${[...allowed]}`).toContain(record.currentVersion)
      expect(after.has(`versions/hello/${record.currentVersion}`), `${action}: the serving version's record exists`).toBe(true)
      for (const [key, value] of after) {
        if (key.startsWith('keys/')) expect(value, key).toMatchObject({ id: expect.any(String), name: expect.any(String), hash: expect.stringMatching(/^[0-9a-f]{64}$/) })
        if (key.startsWith('versions/')) expect(value, key).toMatchObject({ function: 'hello', number: expect.any(Number), hash: expect.any(String), image: { ref: expect.any(String) } })
      }
      // It serves the version the store says, at once.
      const served = await agent.call('hello')
      expect(served.status, served.text).toBe(200)

      // Calls reported succeeded before the kill are not run again once the restarted agent has resumed the rest.
      await until(async () => (await agent.admin('/invocations?status=queued')).json().counts.queued === 0 && (await agent.admin('/invocations')).json().counts.running === 0, 'the resumed calls to finish')
      const callsAfter = callsOf(out)
      for (const id of succeeded) {
        expect(callsAfter.filter(line => line === id).length, `async call ${id} ran again after it was recorded as succeeded`).toBe(callsBefore.filter(line => line === id).length)
      }
      if (action === 'deploy') {
        // Whatever the kill left (a number taken, a half-built artifact, an upload spool), the next deploy goes through by itself.
        const redeploy = await agent.cli(['deploy'], { cwd: project.dir })
        expect(redeploy.code, redeploy.output).toBe(0)
        expect((await agent.call('hello')).text).toBe(`generation ${generation}`)
      }
      done.add(action)
      iterations++
      appendFileSync(join(out, 'iterations.log'), `${action} delay ${delay}ms → v${record.currentVersion}\n`)
    }
    expect(iterations).toBeGreaterThanOrEqual(ACTIONS.length)
  }, 240_000)
})
