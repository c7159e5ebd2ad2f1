import { describe, expect, it } from 'vitest'
import { useAgent } from '../../helpers/agent'
import { createProject } from '../../helpers/project'

const SECRET_VALUE = 'audit-secret-VALUE-77a1c9'

const project = () => createProject({
  'lambda.config.ts': 'import { defineConfig, secret } from \'mini-lambda\'\nexport default defineConfig({ functions: { hello: { env: { TOKEN: secret(\'tok\') } }, private: { auth: \'key\' } } })\n',
  'functions/hello/index.ts': 'export default () => \'v1\'\n',
  'functions/private/index.ts': 'export default () => \'private\'\n',
})

interface AuditLine {
  at: string
  action: string
  target?: string
  key: { id: string | null, name?: string, scope?: string }
  ip?: string
  outcome: string
  status: number
  code?: string
  detail?: Record<string, unknown>
}

describe('the agent keeps an audit trail of what each key did', () => {
  const suite = useAgent({ provider: 'process' }, project)
  const auditLines = (): AuditLine[] => suite.agent.process.output().split('\n').filter(line => line.startsWith('audit ')).map(line => JSON.parse(line.slice('audit '.length)))
  const idOf = (key: string) => key.split('_')[1]!

  it('deploys, rollbacks, deletes, keys, secrets and schedules: one JSON line each, with who, what and how it ended', async () => {
    const adminId = idOf(suite.agent.key)
    expect((await suite.agent.cli(['secrets', 'set', 'tok'], { input: SECRET_VALUE })).code).toBe(0)
    expect((await suite.agent.cli(['deploy'], { cwd: suite.project.dir })).code).toBe(0)
    suite.project.write('functions/hello/index.ts', 'export default () => \'v2\'\n')
    expect((await suite.agent.cli(['deploy'], { cwd: suite.project.dir })).code).toBe(0)
    expect((await suite.agent.cli(['rollback', 'hello'])).code).toBe(0)
    const created = await suite.agent.admin('/keys', { method: 'POST', body: '{"name":"ci","scope":"deploy"}' })
    const ci = created.json().key as string
    expect((await suite.agent.cli(['schedule', 'hello', '--cron', '0 3 * * *'])).code).toBe(0)
    expect((await suite.agent.cli(['delete', 'private', '--yes'], { env: { LAMBDA_API_KEY: ci } })).code).toBe(0)
    expect((await suite.agent.admin(`/keys/${idOf(ci)}`, { method: 'DELETE' })).status).toBe(200)
    expect((await suite.agent.cli(['secrets', 'rm', 'tok', '--yes'])).code).toBe(0)

    const lines = auditLines()
    const of = (action: string) => lines.filter(line => line.action === action)
    expect(of('secret.set')[0]).toMatchObject({ target: 'tok', key: { id: adminId, name: 'admin', scope: 'admin' }, outcome: 'ok', status: 200 })
    expect(of('function.deploy').map(line => [line.target, line.detail?.version])).toEqual(expect.arrayContaining([['hello', 1], ['private', 1], ['hello', 2]]))
    expect(of('release.record').length).toBeGreaterThanOrEqual(2)
    expect(of('function.rollback')[0]).toMatchObject({ target: 'hello', outcome: 'ok', detail: { from: 2, to: 1 } })
    expect(of('key.create')[0]).toMatchObject({ outcome: 'ok', detail: { id: idOf(ci), name: 'ci', scope: 'deploy' } })
    expect(of('schedule.add')[0]).toMatchObject({ outcome: 'ok', status: 201, detail: { function: 'hello', cron: '0 3 * * *' } })
    expect(of('function.delete')[0]).toMatchObject({ target: 'private', key: { id: idOf(ci), name: 'ci', scope: 'deploy' }, outcome: 'ok' })
    expect(of('key.revoke')[0]).toMatchObject({ target: idOf(ci), outcome: 'ok' })
    expect(of('secret.remove')[0]).toMatchObject({ target: 'tok', outcome: 'ok', detail: { usedBy: ['hello'] } })
    for (const line of lines) {
      expect(Date.parse(line.at)).not.toBeNaN()
      expect(line.ip).toBe('127.0.0.1')
    }
    // Reading is not auditing: listings leave no line.
    expect(lines.some(line => line.action.startsWith('GET'))).toBe(false)
  })

  it('refused keys are logged with the id they claimed (never their secret), on the admin API and on auth: key functions', async () => {
    expect((await suite.agent.cli(['secrets', 'set', 'tok'], { input: SECRET_VALUE })).code).toBe(0)
    expect((await suite.agent.cli(['deploy'], { cwd: suite.project.dir })).code).toBe(0)
    const forged = `mlk_abcd1234_${'Q'.repeat(43)}`
    expect((await suite.agent.admin('/functions', { key: forged })).status).toBe(401)
    expect((await suite.agent.admin('/keys', { key: 'not-even-a-key' })).status).toBe(401)
    expect((await suite.agent.call('private', '/', { headers: { authorization: `Bearer ${forged}` } })).status).toBe(401)
    const invoke = (await suite.agent.admin('/keys', { method: 'POST', body: '{"scope":"invoke"}' })).json().key as string
    expect((await suite.agent.admin('/functions/hello', { key: invoke, method: 'DELETE' })).status).toBe(403)

    const refused = auditLines().filter(line => line.outcome === 'refused')
    expect(refused).toEqual(expect.arrayContaining([
      expect.objectContaining({ action: 'GET /_lambda/functions', key: { id: 'abcd1234' }, status: 401, code: 'INVALID_API_KEY' }),
      expect.objectContaining({ action: 'GET /_lambda/keys', key: { id: null }, status: 401 }),
      expect.objectContaining({ action: 'function.invoke', target: 'private', key: { id: 'abcd1234' }, status: 401 }),
      expect.objectContaining({ action: 'function.delete', target: 'hello', key: { id: idOf(invoke) }, status: 403, code: 'KEY_SCOPE' }),
    ]))
    const output = suite.agent.process.output()
    expect(output).not.toContain('Q'.repeat(43))
    expect(output).not.toContain('not-even-a-key')
    expect(output).not.toContain(invoke)
    expect(output).not.toContain(SECRET_VALUE)
  })

  it('a flood of refused keys is rate-limited, and the next logged line says how many were left out; it cannot crowd out a real key\'s refusal', async () => {
    const forged = `mlk_ffff0000_${'R'.repeat(43)}`
    const invoke = (await suite.agent.admin('/keys', { method: 'POST', body: '{"name":"flooded","scope":"invoke"}' })).json().key as string
    await Promise.all(Array.from({ length: 200 }, (_, i) => i === 150
      ? suite.agent.admin('/secrets/tok', { key: invoke, method: 'PUT', body: '{"value":"x"}' })
      : suite.agent.admin('/functions', { key: forged })))
    expect(auditLines().filter(line => line.key.id === idOf(invoke) && line.outcome === 'refused')).toHaveLength(1)
    await new Promise(resolve => setTimeout(resolve, 1100))
    await suite.agent.admin('/functions', { key: forged })
    const flood = auditLines().filter(line => line.key.id === 'ffff0000')
    expect(flood.length).toBeLessThan(100)
    expect(flood.at(-1)).toHaveProperty('refusalsNotLogged')
  })
})
