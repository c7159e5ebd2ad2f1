import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { useAgent } from '../../helpers/agent'
import { createProject } from '../../helpers/project'

// A value that cannot turn up anywhere by chance.
const DB_PASS = 'db-pass-VALUE-3b9f17c2d8'

const project = () => createProject({
  'lambda.config.ts': [
    'import { defineConfig, secret } from \'mini-lambda\'',
    'export default defineConfig({ functions: { orders: { env: { DB: secret(\'db-pass\') } } } })',
    '',
  ].join('\n'),
  'functions/orders/index.ts': 'export default () => ({ orders: true, db: process.env.DB ? \'set\' : null })\n',
})

/** A hostile project: new code that hands the secret to whoever calls it. */
const exfiltrator = (fn: string, secretName = 'db-pass') => createProject({
  'lambda.config.ts': `import { defineConfig, secret } from 'mini-lambda'\nexport default defineConfig({ functions: { ${JSON.stringify(fn)}: { env: { X: secret(${JSON.stringify(secretName)}) } } } })\n`,
  [`functions/${fn}/index.ts`]: 'export default () => ({ stolen: process.env.X ?? null })\n',
})

const idOf = (key: string) => key.split('_')[1]!

describe('a deploy key gives a function only the secrets an admin granted it', () => {
  const suite = useAgent({ provider: 'process' }, project, async ({ agent, project }) => {
    expect((await agent.cli(['secrets', 'set', 'db-pass'], { input: DB_PASS })).code).toBe(0)
    const deployed = await agent.cli(['deploy'], { cwd: project.dir })
    expect(deployed.code, deployed.output).toBe(0)
  })
  let ci = ''
  const keysCli = (args: string[]) => suite.agent.cli(['agent', 'keys', ...args, '--data-dir', suite.agent.dataDir])

  it('the admin\'s own deploy hands the secret over as before', async () => {
    expect((await suite.agent.call('orders')).json()).toEqual({ orders: true, db: 'set' })
  })

  it('a deploy key with no grant cannot ship code that receives a secret: 403 before anything is built, whatever the function', async () => {
    const created = await suite.agent.admin('/keys', { method: 'POST', body: JSON.stringify({ name: 'ci', scope: 'deploy' }) })
    expect(created.json()).toMatchObject({ scope: 'deploy', secrets: [] })
    ci = created.json().key
    for (const fn of ['exfil', 'orders']) {
      const attack = exfiltrator(fn)
      try {
        const before = (await suite.agent.admin(`/functions/${fn}/versions`)).json()
        const deploy = await suite.agent.cli(['deploy', '--json'], { cwd: attack.dir, env: { LAMBDA_API_KEY: ci } })
        expect(deploy.code).toBe(1)
        const [outcome] = JSON.parse(deploy.stdout).error.deploy.functions
        expect(outcome).toMatchObject({ name: fn, status: 'failed', error: { code: 'SECRET_NOT_GRANTED' } })
        expect(outcome.error.hint).toContain(`lambda agent keys grant ${idOf(ci)} db-pass`)
        // Nothing was built, and no version number was used up.
        expect((await suite.agent.admin(`/functions/${fn}/versions`)).json()).toEqual(before)
      }
      finally {
        attack.remove()
      }
    }
    expect((await suite.agent.call('orders')).json()).toEqual({ orders: true, db: 'set' })
    expect((await suite.agent.call('exfil')).status).toBe(404)
    expect(suite.agent.process.output()).not.toContain(DB_PASS)
  })

  it('naming a secret that does not exist is refused the same way (no probing for names)', async () => {
    const attack = exfiltrator('probe', 'no-such-secret')
    try {
      const deploy = await suite.agent.cli(['deploy'], { cwd: attack.dir, env: { LAMBDA_API_KEY: ci } })
      expect(deploy.code).toBe(1)
      expect(deploy.output).toContain('may not give secret "no-such-secret" to function "probe"')
    }
    finally {
      attack.remove()
    }
  })

  it('a deploy key cannot widen its own grants; an admin can, over the API or on the agent\'s machine', async () => {
    const self = await suite.agent.admin(`/keys/${idOf(ci)}/secrets`, { key: ci, method: 'PUT', body: '{"secrets":["*"]}' })
    expect(self.status).toBe(403)
    expect(self.json().error.code).toBe('KEY_SCOPE')

    const bad = await suite.agent.admin(`/keys/${idOf(ci)}/secrets`, { method: 'PUT', body: '{"secrets":["../x"]}' })
    expect(bad.status).toBe(400)
    expect(bad.json().error.message).toContain('"secrets"')

    const granted = await keysCli(['grant', idOf(ci), 'db-pass'])
    expect(granted.code, granted.output).toBe(0)
    expect(granted.output).toContain('may now give db-pass')
    const listed = await keysCli(['list', '--json'])
    expect(JSON.parse(listed.stdout).find((k: { id: string }) => k.id === idOf(ci)).secrets).toEqual(['db-pass'])

    const attack = exfiltrator('exfil')
    try {
      const deploy = await suite.agent.cli(['deploy'], { cwd: attack.dir, env: { LAMBDA_API_KEY: ci } })
      expect(deploy.code, deploy.output).toBe(0)
      // Granted is granted: code a trusted pipeline ships receives the secret.
      expect((await suite.agent.call('exfil')).json()).toEqual({ stolen: DB_PASS })
    }
    finally {
      attack.remove()
    }
  })

  it('ungrant takes it back for the next deploys and rollbacks: code the key shipped earlier cannot be switched back on', async () => {
    expect((await keysCli(['ungrant', idOf(ci), 'db-pass'])).code).toBe(0)
    suite.project.write('functions/orders/index.ts', 'export default () => ({ orders: 2, db: process.env.DB ? \'set\' : null })\n')
    const refused = await suite.agent.cli(['deploy'], { cwd: suite.project.dir, env: { LAMBDA_API_KEY: ci } })
    expect(refused.code).toBe(1)
    expect(refused.output).toContain('may not give secret "db-pass" to function "orders"')
    // exfil v1 (the key's own code, deployed while it had the grant) is replaced by the admin...
    suite.project.write('functions/exfil/index.ts', 'export default () => ({ stolen: null })\n')
    suite.project.write('lambda.config.ts', 'import { defineConfig, secret } from \'mini-lambda\'\nexport default defineConfig({ functions: { orders: { env: { DB: secret(\'db-pass\') } } } })\n')
    expect((await suite.agent.cli(['deploy'], { cwd: suite.project.dir })).code).toBe(0)
    // ...and the key may not switch it back on, by a rollback or through a release it records.
    const rollback = await suite.agent.admin('/functions/exfil/rollback', { key: ci, method: 'POST', body: '{"version":1}' })
    expect(rollback.status).toBe(403)
    expect(rollback.json().error.code).toBe('SECRET_NOT_GRANTED')
    const release = (await suite.agent.admin('/releases', { key: ci, method: 'POST', body: '{"functions":{"exfil":1}}' })).json()
    const releaseRollback = await suite.agent.admin('/releases/rollback', { key: ci, method: 'POST', body: JSON.stringify({ id: release.id }) })
    expect(releaseRollback.status).toBe(403)
    expect((await suite.agent.call('exfil')).json()).toEqual({ stolen: null })
    // An admin may: it may give any secret.
    expect((await suite.agent.cli(['rollback', 'orders'])).code).toBe(0)
  })

  it('every refusal is in the audit log with the key\'s id, never a secret', async () => {
    const audit = suite.agent.process.output().split('\n').filter(line => line.startsWith('audit ')).map(line => JSON.parse(line.slice(6)))
    const refused = audit.filter(entry => entry.action === 'function.deploy' && entry.outcome === 'refused')
    expect(refused.length).toBeGreaterThanOrEqual(3)
    expect(refused[0]).toMatchObject({ key: { id: idOf(ci), name: 'ci', scope: 'deploy' }, status: 403, code: 'SECRET_NOT_GRANTED' })
    expect(audit.some(entry => entry.action === 'key.grant' && entry.outcome === 'refused' && entry.key.id === idOf(ci))).toBe(true)
    const output = suite.agent.process.output()
    expect(output).not.toContain(DB_PASS)
    expect(output).not.toContain(ci.slice('mlk_12345678_'.length))
  })
})

describe('upgrading from an agent without grants', () => {
  const suite = useAgent({ provider: 'process' }, project, async ({ agent, project }) => {
    expect((await agent.cli(['secrets', 'set', 'db-pass'], { input: DB_PASS })).code).toBe(0)
    expect((await agent.cli(['secrets', 'set', 'newer'], { input: 'newer-value' })).code).toBe(0)
    expect((await agent.cli(['deploy'], { cwd: project.dir })).code).toBe(0)
  })

  it('existing deploy keys keep deploying what they deployed, and nothing more', async () => {
    const created = await suite.agent.admin('/keys', { method: 'POST', body: '{"name":"old-ci","scope":"deploy"}' })
    const key = created.json().key
    await suite.agent.stop()
    // As an older release left the state: key records without grants, and no migration marker.
    const record = join(suite.agent.dataDir, 'state/keys', idOf(key))
    const { secrets: _, ...legacy } = JSON.parse(readFileSync(record, 'utf8'))
    writeFileSync(record, JSON.stringify(legacy))
    rmSync(join(suite.agent.dataDir, 'state/meta/key-grants'))
    suite.agent = await suite.agent.restart()
    expect(suite.agent.process.output()).toContain(`API key ${idOf(key)} ("old-ci") may give the secrets its functions use: db-pass`)
    expect(JSON.parse(readFileSync(record, 'utf8')).secrets).toEqual(['db-pass'])

    suite.project.write('functions/orders/index.ts', 'export default () => ({ orders: 3, db: process.env.DB ? \'set\' : null })\n')
    const pipeline = await suite.agent.cli(['deploy'], { cwd: suite.project.dir, env: { LAMBDA_API_KEY: key } })
    expect(pipeline.code, pipeline.output).toBe(0)
    expect((await suite.agent.call('orders')).json()).toEqual({ orders: 3, db: 'set' })
    // A secret no deployed function used was not granted: no silent widening.
    const attack = exfiltrator('exfil', 'newer')
    try {
      expect((await suite.agent.cli(['deploy'], { cwd: attack.dir, env: { LAMBDA_API_KEY: key } })).code).toBe(1)
    }
    finally {
      attack.remove()
    }
    // The migration runs once: a later restart leaves grants as they are.
    await suite.agent.stop()
    suite.agent = await suite.agent.restart()
    expect(suite.agent.process.output()).not.toContain('may give the secrets its functions use')
  })
})
