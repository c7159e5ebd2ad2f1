import { createHash, randomUUID } from 'node:crypto'
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { useAgent } from '../../helpers/agent'
import { createProject } from '../../helpers/project'
import { until } from '../../helpers/until'

// A public function that needs the caller's credentials: it answers with their digests, so the
// test can tell it got them while nothing it returns (and the agent keeps) holds them.
const project = () => createProject({
  'functions/whoami/index.ts': [
    'import { createHash } from \'node:crypto\'',
    'const digest = (v: string | null) => v && createHash(\'sha256\').update(v).digest(\'hex\')',
    'export default (req: Request) => ({ auth: digest(req.headers.get(\'authorization\')), cookie: digest(req.headers.get(\'cookie\')), vault: digest(req.headers.get(\'x-vault-token\')), other: req.headers.get(\'x-other\'), echoed: req.headers.get(\'x-echo\') })',
    '',
  ].join('\n'),
})

const COOKIE = 'session=cookie-VALUE-9d27e1f0'
const VAULT = 'hvs.vault-TOKEN-2c81f0'
const digest = (value: string) => createHash('sha256').update(value).digest('hex')

/** The invocation's detail once it has succeeded. */
async function finished(get: () => Promise<{ json: () => any }>) {
  return until(async () => {
    const detail = (await get()).json()
    return detail.status === 'succeeded' && detail
  }, 'the invocation to succeed')
}

/** Every file of the data dir that holds `needle`. */
function filesHolding(dir: string, needle: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter(entry => entry.isFile())
    .map(entry => join(entry.parentPath, entry.name))
    .filter(file => readFileSync(file).includes(needle))
}

describe('an asynchronous call\'s credentials are sealed while it is stored, and never shown', () => {
  const suite = useAgent({ provider: 'process' }, project, async ({ agent, project }) => {
    expect((await agent.cli(['deploy'], { cwd: project.dir })).code).toBe(0)
  })

  it('the function gets Authorization and Cookie on every attempt and on a replay; the data dir, the API, the CLI and the logs never hold them', async () => {
    // An admin key made after the start: the start's own output (which shows the first key once) cannot hold it.
    const admin = (await suite.agent.admin('/keys', { method: 'POST', body: '{"name":"someone","scope":"admin"}' })).json().key as string
    const deployKey = (await suite.agent.admin('/keys', { method: 'POST', body: '{"scope":"deploy"}' })).json().key as string
    // x-echo: a function may answer with what it was sent; an API key in its answer is cut out of what is kept.
    const headers = { 'authorization': `Bearer ${admin}`, 'cookie': COOKIE, 'x-vault-token': VAULT, 'x-other': 'kept', 'x-echo': admin, 'x-lambda-invocation-type': 'Event' }
    const accepted = await suite.agent.call('whoami', '/', { method: 'POST', headers, body: '{}' })
    expect(accepted.status).toBe(202)
    const id = accepted.json().id as string
    const expected = { auth: digest(`Bearer ${admin}`), cookie: digest(COOKIE), vault: digest(VAULT), other: 'kept', echoed: `${admin.slice(0, 13)}(redacted)` }

    const done = await finished(() => suite.agent.admin(`/invocations/${id}`, { key: deployKey }))
    expect(JSON.parse(done.result.body)).toEqual(expected)
    expect(done.request.headers).toMatchObject({ 'x-other': 'kept' })
    expect(done.request.headers).not.toHaveProperty('authorization')
    expect(done.request.headers).not.toHaveProperty('cookie')
    expect(done.request.sealedHeaders).toEqual(['authorization', 'cookie', 'x-vault-token', 'x-echo'])

    // Replaying hands the credentials to the function's code as it is now, which a deploy key can replace first.
    const refused = await suite.agent.admin(`/invocations/${id}/replay`, { key: deployKey, method: 'POST' })
    expect(refused.status).toBe(403)
    expect(refused.json().error).toMatchObject({ code: 'REPLAY_NEEDS_ADMIN', sealedHeaders: ['authorization', 'cookie', 'x-vault-token', 'x-echo'] })
    const replayed = await suite.agent.admin(`/invocations/${id}/replay`, { method: 'POST' })
    expect(replayed.status).toBe(202)
    const again = await finished(() => suite.agent.admin(`/invocations/${replayed.json().id}`))
    expect(JSON.parse(again.result.body)).toEqual(expected)

    const cli = await suite.agent.cli(['invocation', id, '--json'])
    expect(cli.code, cli.output).toBe(0)
    for (const secret of [admin, COOKIE, VAULT]) {
      expect(filesHolding(suite.agent.dataDir, secret)).toEqual([])
      expect(JSON.stringify(done)).not.toContain(secret)
      expect(JSON.stringify(again)).not.toContain(secret)
      expect(cli.output).not.toContain(secret)
      expect(suite.agent.process.output()).not.toContain(secret)
    }
    expect((await suite.agent.admin('/invocations?limit=1000')).text).not.toContain(admin)
  })

  it('calls an earlier version stored in the clear are sealed at the next start, and still run with their credentials', async () => {
    await suite.agent.stop()
    const id = randomUUID()
    const legacy = { id, function: 'whoami', status: 'queued', acceptedAt: new Date().toISOString(), attempts: [], request: { method: 'POST', path: '/', headers: { 'authorization': 'Bearer legacy-TOKEN-51c0', 'x-other': 'old' }, body: '' } }
    mkdirSync(join(suite.agent.dataDir, 'state/async/inbox'), { recursive: true })
    writeFileSync(join(suite.agent.dataDir, 'state/async/inbox/0000000000000-legacy'), JSON.stringify({ records: [legacy] }))
    suite.agent = await suite.agent.restart()
    const done = await finished(() => suite.agent.admin(`/invocations/${id}`))
    expect(JSON.parse(done.result.body)).toMatchObject({ auth: digest('Bearer legacy-TOKEN-51c0'), other: 'old' })
    expect(suite.agent.process.output()).toContain('Sealed the credentials of 1 stored asynchronous call(s)')
    expect(filesHolding(suite.agent.dataDir, 'legacy-TOKEN-51c0')).toEqual([])
  })
})
