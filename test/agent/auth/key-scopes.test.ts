import type { HttpResult } from '../../helpers/http'
import { createHash, randomBytes } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { useAgent } from '../../helpers/agent'
import { createProject } from '../../helpers/project'

const project = () => createProject({
  'lambda.config.ts': 'export default { functions: { private: { auth: \'key\' } } }\n',
  'functions/hello/index.ts': 'export default () => ({ message: \'hello v1\' })\n',
  'functions/private/index.ts': 'export default (r: Request) => ({ secret: 42, auth: r.headers.get(\'authorization\') })\n',
})

/** Writes a key record straight into the agent's state, as an older release (or a hand edit) left it. */
function storeKeyRecord(dataDir: string, record: Record<string, unknown>): string {
  const id = randomBytes(4).toString('hex')
  const secret = randomBytes(32).toString('base64url')
  mkdirSync(join(dataDir, 'state/keys'), { recursive: true })
  writeFileSync(join(dataDir, 'state/keys', id), JSON.stringify({ id, hash: createHash('sha256').update(secret).digest('hex'), createdAt: new Date().toISOString(), ...record }))
  return `mlk_${id}_${secret}`
}

const idOf = (key: string) => key.split('_')[1]!

function expectScopeRefused(res: HttpResult, has: string, needs: string) {
  expect(res.status).toBe(403)
  const { error } = res.json()
  expect(error).toMatchObject({ code: 'KEY_SCOPE', scope: has, needed: needs })
  expect(error.message).toContain(`"${has}" scope; this needs "${needs}"`)
  expect(error.hint).toContain(`lambda agent keys create --scope ${needs}`)
}

describe('aPI keys have scopes: admin ⊃ deploy ⊃ invoke', () => {
  const suite = useAgent({ provider: 'process' }, project, async ({ agent, project }) => {
    const deployed = await agent.cli(['deploy'], { cwd: project.dir })
    expect(deployed.code, deployed.output).toBe(0)
  })
  const keys: { deploy: string, invoke: string } = { deploy: '', invoke: '' }

  it('an admin key creates keys of each scope; a new key is a deploy key unless told otherwise', async () => {
    const deploy = await suite.agent.admin('/keys', { method: 'POST', body: '' })
    expect(deploy.status).toBe(200)
    expect(deploy.json()).toMatchObject({ name: 'deploy', scope: 'deploy' })
    keys.deploy = deploy.json().key
    const invoke = await suite.agent.admin('/keys', { method: 'POST', body: JSON.stringify({ name: 'caller.1', scope: 'invoke' }), headers: { 'content-type': 'application/json' } })
    expect(invoke.json()).toMatchObject({ name: 'caller.1', scope: 'invoke' })
    keys.invoke = invoke.json().key
    const listed = (await suite.agent.admin('/keys')).json().keys
    expect(listed.map((k: { scope: string }) => k.scope)).toEqual(['admin', 'deploy', 'invoke'])
    expect(JSON.stringify(listed)).not.toContain('hash')
  })

  it('a deploy key deploys, lists and rolls back, but cannot see, create or revoke keys', async () => {
    const key = keys.deploy
    suite.project.write('functions/hello/index.ts', 'export default () => ({ message: \'hello v2\' })\n')
    const deployed = await suite.agent.cli(['deploy', '--only', 'hello'], { cwd: suite.project.dir, env: { LAMBDA_API_KEY: key } })
    expect(deployed.code, deployed.output).toBe(0)
    expect((await suite.agent.call('hello')).json()).toEqual({ message: 'hello v2' })
    expect((await suite.agent.admin('/functions', { key })).status).toBe(200)
    expect((await suite.agent.admin('/functions/hello/versions', { key })).status).toBe(200)
    const rolledBack = await suite.agent.admin('/functions/hello/rollback', { key, method: 'POST' })
    expect(rolledBack.status).toBe(200)
    expect((await suite.agent.call('hello')).json()).toEqual({ message: 'hello v1' })
    // deploy includes invoke
    expect((await suite.agent.call('private', '/', { headers: { authorization: `Bearer ${key}` } })).status).toBe(200)

    expectScopeRefused(await suite.agent.admin('/keys', { key }), 'deploy', 'admin')
    expectScopeRefused(await suite.agent.admin('/keys', { key, method: 'POST', body: '{"scope":"admin"}' }), 'deploy', 'admin')
    expectScopeRefused(await suite.agent.admin(`/keys/${idOf(suite.agent.key)}`, { key, method: 'DELETE' }), 'deploy', 'admin')
    expect((await suite.agent.admin('/keys')).json().keys).toHaveLength(3)
  })

  it('an invoke key calls auth: key functions and the admin invoke route, and nothing else', async () => {
    const key = keys.invoke
    const called = await suite.agent.call('private', '/', { headers: { authorization: `Bearer ${key}` } })
    expect(called.status).toBe(200)
    expect(called.json()).toEqual({ secret: 42, auth: null })
    const viaAdmin = await suite.agent.admin('/functions/private/invoke/', { key })
    expect(viaAdmin.status).toBe(200)
    expect(viaAdmin.json()).toMatchObject({ secret: 42 })
    const cliInvoke = await suite.agent.cli(['invoke', 'private'], { env: { LAMBDA_API_KEY: key } })
    expect(cliInvoke.code, cliInvoke.output).toBe(0)
    expect(cliInvoke.stdout).toContain('42')

    expectScopeRefused(await suite.agent.admin('/functions', { key }), 'invoke', 'deploy')
    expectScopeRefused(await suite.agent.admin('/functions/hello', { key, method: 'PUT', body: 'not even a tar' }), 'invoke', 'deploy')
    expectScopeRefused(await suite.agent.admin('/functions/hello', { key, method: 'DELETE' }), 'invoke', 'deploy')
    expectScopeRefused(await suite.agent.admin('/functions/hello/rollback', { key, method: 'POST' }), 'invoke', 'deploy')
    expectScopeRefused(await suite.agent.admin('/keys', { key }), 'invoke', 'admin')
    const deploy = await suite.agent.cli(['deploy', '--only', 'hello'], { cwd: suite.project.dir, env: { LAMBDA_API_KEY: key } })
    expect(deploy.code).toBe(1)
    expect(deploy.output).toContain('"invoke" scope; this needs "deploy"')
    const list = await suite.agent.cli(['list'], { env: { LAMBDA_API_KEY: key } })
    expect(list.code).toBe(1)
    expect(list.output).toContain('lambda agent keys create --scope deploy')
    expect((await suite.agent.call('hello')).json()).toEqual({ message: 'hello v1' })
  })

  it('an admin key does everything the others do, and manages keys', async () => {
    const key = suite.agent.key
    expect((await suite.agent.admin('/functions', { key })).status).toBe(200)
    expect((await suite.agent.admin('/releases', { key })).status).toBe(200)
    expect((await suite.agent.admin('/functions/hello/rollback', { key, method: 'POST', body: '{"version":2}' })).status).toBe(200)
    expect((await suite.agent.call('hello')).json()).toEqual({ message: 'hello v2' })
    expect((await suite.agent.call('private', '/', { headers: { authorization: `Bearer ${key}` } })).status).toBe(200)
    expect((await suite.agent.admin('/functions/private/invoke/', { key })).json()).toMatchObject({ secret: 42 })
    const made = await suite.agent.admin('/keys', { key, method: 'POST', body: '{"name":"short-lived","scope":"admin"}' })
    expect(made.json()).toMatchObject({ name: 'short-lived', scope: 'admin' })
    const revoked = await suite.agent.admin(`/keys/${made.json().id}`, { key, method: 'DELETE' })
    expect(revoked.json()).toMatchObject({ id: made.json().id, scope: 'admin', revoked: true })
    expect((await suite.agent.admin('/keys', { key: made.json().key })).status).toBe(401)
  })

  it('a key stored before scopes existed is an admin key', async () => {
    const legacy = storeKeyRecord(suite.agent.dataDir, { name: 'old-admin' })
    const listed = await suite.agent.admin('/keys', { key: legacy })
    expect(listed.status).toBe(200)
    expect(listed.json().keys.find((k: { id: string }) => k.id === idOf(legacy))).toMatchObject({ name: 'old-admin', scope: 'admin' })
    expect((await suite.agent.admin('/functions', { key: legacy })).status).toBe(200)
  })

  it('a key with a scope this agent does not know opens nothing, and a damaged record is just an invalid key', async () => {
    const odd = storeKeyRecord(suite.agent.dataDir, { name: { not: 'a string' }, scope: 'superuser', createdAt: 12 })
    const refused = await suite.agent.admin('/functions', { key: odd })
    expect(refused.status).toBe(403)
    expect(refused.json().error.message).toContain('unknown scope "superuser"')
    expect((await suite.agent.call('private', '/', { headers: { authorization: `Bearer ${odd}` } })).status).toBe(403)
    const damaged = storeKeyRecord(suite.agent.dataDir, { name: 'x', hash: { not: 'hex' } })
    expect((await suite.agent.admin('/functions', { key: damaged })).status).toBe(401)
    // The admin key still lists them all, odd ones included.
    const listed = await suite.agent.admin('/keys')
    expect(listed.status).toBe(200)
    expect(listed.json().keys).toHaveLength(6)
  })

  it('key names are checked: objects, huge strings, empty names and spaces are refused with 400', async () => {
    const before = (await suite.agent.admin('/keys')).json().keys.length
    for (const name of [{ a: 1 }, 'x'.repeat(100 * 1024), '', 'my key', 'ci\u001B[2J', 42]) {
      const res = await suite.agent.admin('/keys', { method: 'POST', body: JSON.stringify({ name, scope: 'invoke' }), headers: { 'content-type': 'application/json' } })
      expect(res.status, JSON.stringify(name).slice(0, 40)).toBe(400)
      expect(res.json().error).toMatchObject({ code: 'BAD_REQUEST', field: 'name' })
      expect(res.json().error.message.length).toBeLessThan(400)
    }
    const huge = await suite.agent.admin('/keys', { method: 'POST', body: JSON.stringify({ name: 'x'.repeat(1024 * 1024) }) })
    expect(huge.status).toBe(413)
    expect(huge.json().error.code).toBe('BODY_TOO_LARGE')
    const justUnder = await suite.agent.admin('/keys', { method: 'POST', body: JSON.stringify({ name: 'x'.repeat(65), scope: 'invoke' }) })
    expect(justUnder.status).toBe(400)
    expect(justUnder.json().error.message).toContain('at most 64 characters')
    const badScope = await suite.agent.admin('/keys', { method: 'POST', body: JSON.stringify({ name: 'ci', scope: 'root' }) })
    expect(badScope.status).toBe(400)
    expect(badScope.json().error.message).toContain('must be one of "admin", "deploy", "invoke"')
    expect((await suite.agent.admin('/keys')).json().keys).toHaveLength(before)
  })

  it('refuses to revoke the last admin key, but revokes any other', async () => {
    const all = (await suite.agent.admin('/keys')).json().keys as Array<{ id: string, name: string, scope: string }>
    // The first key, the legacy one, and the damaged record (no scope, so "admin", but no key can match it).
    expect(all.filter(k => k.scope === 'admin').map(k => k.name)).toEqual(['admin', 'old-admin', 'x'])
    const legacy = all.find(k => k.name === 'old-admin')!.id
    // The legacy admin key can go: the first one is still there.
    expect((await suite.agent.admin(`/keys/${legacy}`, { method: 'DELETE' })).json()).toMatchObject({ id: legacy, scope: 'admin', revoked: true })
    const last = await suite.agent.admin(`/keys/${idOf(suite.agent.key)}`, { method: 'DELETE' })
    expect(last.status).toBe(409)
    expect(last.json().error.code).toBe('LAST_KEY')
    expect(last.json().error.hint).toContain('--scope admin')
    // Deploy and invoke keys do not count, and can be revoked.
    expect((await suite.agent.admin(`/keys/${idOf(keys.invoke)}`, { method: 'DELETE' })).status).toBe(200)
    expect((await suite.agent.call('private', '/', { headers: { authorization: `Bearer ${keys.invoke}` } })).status).toBe(401)
    expect((await suite.agent.admin('/functions')).status).toBe(200)
  })

  it('an unknown key id is 404, and something that is not an id is 400', async () => {
    expect((await suite.agent.admin('/keys/00000000', { method: 'DELETE' })).json().error.code).toBe('KEY_NOT_FOUND')
    for (const id of ['..%2F..', 'ABCDEFGH', '%ZZ', suite.agent.key]) {
      const res = await suite.agent.admin(`/keys/${id}`, { method: 'DELETE' })
      expect(res.status, id).toBe(400)
      expect(res.json().error.code).toBe('INVALID_KEY_ID')
    }
  })
})

describe('lambda agent keys on the agent\'s machine', () => {
  const suite = useAgent({ provider: 'process' }, () => createProject({}))
  const keysCli = (args: string[]) => suite.agent.cli(['agent', 'keys', ...args, '--data-dir', suite.agent.dataDir])

  it('creates a deploy key by default and a key of the scope asked for', async () => {
    const made = await keysCli(['create', '--name', 'ci'])
    expect(made.code, made.output).toBe(0)
    expect(made.output).toContain('Created deploy key')
    const key = made.stdout.match(/mlk_[a-z0-9]{8}_[\w-]{43}/)![0]
    expect((await suite.agent.admin('/functions', { key })).status).toBe(200)
    expectScopeRefused(await suite.agent.admin('/keys', { key }), 'deploy', 'admin')
    const invoke = await keysCli(['create', '--scope', 'invoke'])
    expect(invoke.code).toBe(0)
    expect(invoke.output).toContain('Created invoke key')
  })

  it('refuses a bad scope, listing the valid ones, and a bad name, saying what names may hold', async () => {
    const scope = await keysCli(['create', '--scope', 'root'])
    expect(scope.code).toBe(2)
    expect(scope.output).toContain('"root" is not one of admin, deploy, invoke')
    for (const name of ['my key', '', 'x'.repeat(65), 'a/b']) {
      const bad = await keysCli(['create', '--name', name])
      expect(bad.code, name).toBe(2)
      expect(bad.output).toContain('Name keys with 1 to 64 letters, digits')
    }
    expect((await keysCli(['list', '--json'])).stdout).not.toContain('my key')
  })

  it('lists the scope of every key, legacy and odd records included, as a table and as JSON', async () => {
    storeKeyRecord(suite.agent.dataDir, { name: 'from-an-old-release' })
    storeKeyRecord(suite.agent.dataDir, { name: { an: 'object' }, scope: 'superuser', createdAt: 7 })
    storeKeyRecord(suite.agent.dataDir, { name: `evil\u001B]0;pwned\u0007${'y'.repeat(200)}` })
    const table = await keysCli(['list'])
    expect(table.code, table.output).toBe(0)
    expect(table.stdout).toMatch(/^ID\s+NAME\s+SCOPE\s+SECRETS\s+CREATED/)
    expect(table.stdout).toMatch(/from-an-old-release\s+admin/)
    expect(table.stdout).toContain('unknown (superuser)')
    expect(table.stdout).not.toContain('\u001B')
    const json = JSON.parse((await keysCli(['list', '--json'])).stdout) as Array<{ name: string, scope: string }>
    expect(json.map(k => k.scope).sort()).toEqual(['admin', 'admin', 'admin', 'deploy', 'invoke', 'unknown (superuser)'])
    expect(json.find(k => k.name === '{"an":"object"}')).toBeDefined()
  })

  it('refuses to revoke the last admin key from the command line too', async () => {
    const listed = JSON.parse((await keysCli(['list', '--json'])).stdout) as Array<{ id: string, scope: string }>
    const admins = listed.filter(k => k.scope === 'admin')
    for (const admin of admins.slice(1)) expect((await keysCli(['revoke', admin.id])).code).toBe(0)
    const last = await keysCli(['revoke', admins[0]!.id])
    expect(last.code).toBe(1)
    expect(last.output).toContain('last admin key')
  })
})
