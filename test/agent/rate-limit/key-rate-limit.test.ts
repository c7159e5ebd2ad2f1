import { describe, expect, it } from 'vitest'
import { useAgent } from '../../helpers/agent'
import { runCli } from '../../helpers/cli'
import { createProject } from '../../helpers/project'

describe('a rate limit per API key: admin API and auth: key functions', () => {
  const suite = useAgent({ provider: 'process' }, () => createProject({
    'lambda.config.ts': 'export default { functions: { private: { auth: \'key\' } } }\n',
    'functions/private/index.ts': 'export default () => ({ secret: true })\n',
  }), async ({ agent, project }) => {
    expect((await agent.cli(['deploy'], { cwd: project.dir })).code).toBe(0)
  })

  it('stops a leaked deploy key from hammering the admin API: its burst, then 429 RATE_LIMITED with Retry-After', async () => {
    const { agent } = suite
    const created = await agent.admin('/keys', { method: 'POST', body: JSON.stringify({ name: 'leaked', scope: 'deploy', rateLimit: { perSecond: 0.05, burst: 2 } }) })
    expect(created.status).toBe(200)
    const { key, rateLimit } = JSON.parse(String(created.body))
    expect(rateLimit).toEqual({ perSecond: 0.05, burst: 2 })
    for (const left of [1, 0]) {
      const res = await agent.admin('/functions', { key })
      expect(res.status).toBe(200)
      expect(res.headers.ratelimit).toMatch(new RegExp(`^"key";r=${left};t=\\d+$`))
    }
    const limited = await agent.admin('/functions', { key })
    expect(limited.status).toBe(429)
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0)
    expect(limited.headers['ratelimit-policy']).toBe('"key";q=2;w=40')
    expect(JSON.parse(String(limited.body)).error).toMatchObject({ code: 'RATE_LIMITED', hint: expect.stringContaining('lambda agent keys rate') })
    // The admin key has no limit and is not slowed by another key's.
    expect((await agent.admin('/functions')).status).toBe(200)
  })

  it('limits an invoke key on an auth: key function, and `lambda agent keys rate` changes it on the running agent', async () => {
    const { agent } = suite
    const created = await runCli(['agent', 'keys', 'create', '--scope', 'invoke', '--rate', '0.05/1', '--json', '--data-dir', agent.dataDir])
    expect(created.code).toBe(0)
    const { id, key, rateLimit } = JSON.parse(created.stdout)
    expect(rateLimit).toEqual({ perSecond: 0.05, burst: 1 })
    const auth = { authorization: `Bearer ${key}` }
    expect((await agent.call('private', '/', { headers: auth })).status).toBe(200)
    expect((await agent.call('private', '/', { headers: auth })).status).toBe(429)
    const changed = await runCli(['agent', 'keys', 'rate', id, 'off', '--data-dir', agent.dataDir])
    expect(changed.code).toBe(0)
    expect((await agent.call('private', '/', { headers: auth })).status).toBe(200)
  })

  it.each([
    ['a negative rate', { perSecond: -1 }],
    ['a string', '5/10'],
    ['an unknown field', { perSecond: 1, brust: 2 }],
  ])('refuses %s over the admin API with 400 INVALID_RATE_LIMIT and a hint', async (_, rateLimit) => {
    const res = await suite.agent.admin('/keys', { method: 'POST', body: JSON.stringify({ name: 'bad', scope: 'invoke', rateLimit }) })
    expect(res.status).toBe(400)
    expect(JSON.parse(String(res.body)).error).toMatchObject({ code: 'INVALID_RATE_LIMIT', hint: expect.stringContaining('--rate 5/10') })
    const keys = JSON.parse(String((await suite.agent.admin('/keys')).body)).keys
    expect(keys.some((k: { name: string }) => k.name === 'bad')).toBe(false)
  })

  it('refuses a bad --rate on the CLI, naming the fix, and creates no key', async () => {
    const res = await runCli(['agent', 'keys', 'create', '--rate', 'fast', '--data-dir', suite.agent.dataDir])
    expect(res.code).not.toBe(0)
    expect(res.stderr).toContain('--rate 5/10')
  })
})
