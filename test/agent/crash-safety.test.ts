import type { AgentProcess } from '../helpers/agent'
import type { TempProject } from '../helpers/project'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startAgentProcess } from '../helpers/agent'
import { createProject } from '../helpers/project'
import { until } from '../helpers/until'

/** The whole campaign stops starting new iterations after this; each iteration is one kill and restart. */
const BUDGET_MS = 45_000

const FUNCTIONS = ['hello', 'other'] as const

/** Answers which code it is (so the test knows what serves) and records each call it gets. */
const handler = (generation: number) => `import { appendFileSync } from 'node:fs'
export default async (req) => {
  const id = req.headers.get('x-lambda-invocation-id')
  if (id) appendFileSync(process.env.OUT + '/calls.log', id + '\\n')
  return new Response('generation ${generation}')
}
`

/** The serving version of each function, as the store says: `hello=3 other=5`. */
const servingOf = (store: Map<string, any>) => FUNCTIONS.map(fn => `${fn}=${store.get(`functions/${fn}`)?.currentVersion}`).join(' ')
const versionsOf = (store: Map<string, any>, fn: string) => [...store.keys()].filter(key => key.startsWith(`versions/${fn}/`)).map(key => Number(key.split('/').pop()))
const post = (body: unknown) => ({ method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } })

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
  const writeCode = () => {
    generation++
    for (const fn of FUNCTIONS) project.write(`functions/${fn}/index.mjs`, handler(generation))
  }

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'lambda-crash-out-'))
    project = createProject({
      'lambda.config.ts': `export default { deploy: { keepVersions: 4 }, defaults: { env: { OUT: ${JSON.stringify(out)} } }, functions: { hello: { async: { retries: 0 } }, other: {} } }\n`,
    })
    agent = await startAgentProcess({ provider: 'process' })
    for (let i = 0; i < 2; i++) {
      writeCode()
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

  it('after every restart each record parses, the serving versions are a state that existed, acknowledged changes are kept, keys are whole, and a finished async call never runs again', async () => {
    const started = Date.now()
    const done = new Set<Action>()
    let iterations = 0
    /** How long each action takes when nothing cuts it short: the kill comes at a random point of that. */
    const takes: Record<Action, number> = { 'deploy': 1000, 'rollback': 50, 'release-rollback': 100, 'key': 10, 'async': 40 }
    const killPoint = (what: Action) => random(Math.ceil(takes[what] * 1.2))
    const timed = <T>(what: Action, request: Promise<T>): Promise<T | undefined> => {
      const sent = Date.now()
      return request.then((result) => {
        // The longest seen: a deploy of unchanged code is quick, and must not shrink the window.
        takes[what] = Math.max(takes[what], Date.now() - sent)
        return result
      }, () => undefined)
    }
    /** Keys whose revocation was answered: they must never come back. */
    const revoked = new Set<string>()
    /** Async calls the agent said had succeeded: their outcome is on record, so they must never run again. */
    const succeeded = new Set<string>()
    while (Date.now() - started < BUDGET_MS || done.size < ACTIONS.length) {
      const action = ACTIONS[iterations % ACTIONS.length]!
      const before = readStore(agent.dataDir)
      const hello = before.get('functions/hello')
      const keysBefore = (await agent.admin('/keys')).json().keys.map((key: { id: string }) => key.id) as string[]
      // The serving versions the action may leave: those before it, or those it moves to (and, once it
      // answered, only those it moved to).
      const allowed = new Set<string>([servingOf(before)])
      let moved: string | undefined
      let answered: Promise<{ status: number, json: () => any } | undefined> = Promise.resolve(undefined)
      let delay: number
      if (action === 'deploy') {
        writeCode()
        void agent.cli(['deploy'], { cwd: project.dir }).catch(() => {})
        // The CLI builds first, then uploads each function, which the agent builds and warms: kill anywhere along the way.
        delay = killPoint('deploy')
        // One function after the other: each is on its old version or on a new number.
        const options = FUNCTIONS.map((fn) => {
          const record = before.get(`functions/${fn}`)
          return [record.currentVersion, record.lastVersion + 1]
        })
        for (const a of options[0]!) {
          for (const b of options[1]!) allowed.add(`hello=${a} other=${b}`)
        }
      }
      else if (action === 'rollback') {
        const target = versionsOf(before, 'hello').filter(n => n !== hello.currentVersion).sort((a, b) => b - a)[0]!
        moved = `hello=${target} other=${before.get('functions/other').currentVersion}`
        answered = timed('rollback', agent.admin('/functions/hello/rollback', post({ version: target })))
        delay = killPoint('rollback')
      }
      else if (action === 'release-rollback') {
        // A release that moves both functions: after the restart both moved, or neither did.
        const releases = [...before.entries()].filter(([key]) => key.startsWith('releases/')).map(([, record]) => record)
        const restorable = (release: any) => FUNCTIONS.every(fn => versionsOf(before, fn).includes(release.functions[fn]) && release.functions[fn] !== before.get(`functions/${fn}`).currentVersion)
        const target = releases.filter(restorable).sort((a, b) => b.id - a.id)[0]
        if (target) moved = FUNCTIONS.map(fn => `${fn}=${target.functions[fn]}`).join(' ')
        answered = timed('release-rollback', agent.admin('/releases/rollback', post({ id: target?.id ?? 1, force: true })))
        delay = killPoint('release-rollback')
      }
      else if (action === 'key') {
        answered = timed('key', agent.admin('/keys', post({ name: `crash-${iterations}`, scope: 'invoke' })))
        const victim = keysBefore.find(id => id !== agent.key.split('_')[1])
        if (victim) {
          void agent.admin(`/keys/${victim}`, { method: 'DELETE' }).then((res) => {
            if (res.status === 200) revoked.add(victim)
          }, () => {})
        }
        delay = killPoint('key')
      }
      else {
        // A few calls: some finish (their outcome is recorded) before the kill, some are cut short.
        const accepted = await Promise.all(Array.from({ length: 4 }, () => agent.call('hello', '/', { method: 'POST', headers: { 'x-lambda-invocation-type': 'Event' } })))
        const ids = accepted.filter(res => res.status === 202).map(res => res.json().id as string)
        delay = killPoint('async')
        setTimeout(() => {
          // What the agent says right before the kill: a call it reports succeeded is on record.
          void Promise.all(ids.map(async (id) => {
            const detail = await agent.admin(`/invocations/${id}`).catch(() => undefined)
            return detail?.status === 200 && detail.json().status === 'succeeded' ? id : undefined
          })).then(found => found.forEach(id => id && succeeded.add(id)))
        }, Math.max(0, delay - 5))
      }
      if (moved) allowed.add(moved)
      await new Promise(resolve => setTimeout(resolve, delay))
      await agent.process.stop('SIGKILL')
      const answer = await answered
      const callsBefore = callsOf(out)
      agent = await agent.restart()

      const after = readStore(agent.dataDir)
      const serving = servingOf(after)
      expect([...allowed], `${action} (killed after ${delay} ms): serving ${serving}`).toContain(serving)
      // A change the agent acknowledged is on disk.
      if (answer?.status === 200 && moved) expect(serving, `${action} was answered 200 before the kill`).toBe(moved)
      if (action === 'key' && answer?.status === 200) expect(after.has(`keys/${answer.json().id}`), 'an acknowledged key').toBe(true)
      // Killed before it did anything: the window was too short for this action, widen it.
      if (!answer && serving === servingOf(before) && action !== 'async') takes[action] = Math.min(takes[action] * 1.5, 5000)
      for (const id of revoked) expect(after.has(`keys/${id}`), `revoked key ${id} came back`).toBe(false)
      for (const fn of FUNCTIONS) {
        const record = after.get(`functions/${fn}`)
        expect(after.has(`versions/${fn}/${record.currentVersion}`), `${action}: the record of ${fn}'s serving version exists`).toBe(true)
      }
      for (const [key, value] of after) {
        if (key.startsWith('keys/')) expect(value, key).toMatchObject({ id: expect.any(String), name: expect.any(String), hash: expect.stringMatching(/^[0-9a-f]{64}$/) })
        if (key.startsWith('versions/')) expect(value, key).toMatchObject({ function: expect.any(String), number: expect.any(Number), hash: expect.any(String), image: { ref: expect.any(String) } })
      }
      // Each function serves at once.
      for (const fn of FUNCTIONS) {
        const served = await agent.call(fn)
        expect(served.status, `${fn}: ${served.text}`).toBe(200)
      }

      // Calls reported succeeded before the kill are not run again once the restarted agent has resumed the rest.
      await until(async () => (await agent.admin('/invocations?status=queued')).json().counts.queued === 0 && (await agent.admin('/invocations')).json().counts.running === 0, 'the resumed calls to finish')
      const callsAfter = callsOf(out)
      for (const id of succeeded) {
        expect(callsAfter.filter(line => line === id).length, `async call ${id} ran again after it was recorded as succeeded`).toBe(callsBefore.filter(line => line === id).length)
      }
      if (action === 'deploy') {
        // Whatever the kill left (a number taken, a half-built artifact, an upload spool), the next deploy goes through by itself.
        const redeploy = await timed('deploy', agent.cli(['deploy'], { cwd: project.dir }))
        expect(redeploy?.code, redeploy?.output).toBe(0)
        for (const fn of FUNCTIONS) expect((await agent.call(fn)).text).toBe(`generation ${generation}`)
      }
      done.add(action)
      iterations++
    }
    expect(iterations).toBeGreaterThanOrEqual(ACTIONS.length)
  }, 240_000)
})
