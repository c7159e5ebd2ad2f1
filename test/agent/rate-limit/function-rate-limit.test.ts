import { describe, expect, it } from 'vitest'
import { useAgent } from '../../helpers/agent'
import { createProject } from '../../helpers/project'
import { buildTar } from '../../helpers/tar'
import { until } from '../../helpers/until'

const config = (rateLimit: string) => `export default { functions: { hello: { rateLimit: ${rateLimit} }, free: {} } }\n`

describe('functions.<name>.rateLimit: a token bucket per function on this agent', () => {
  const suite = useAgent({ provider: 'process' }, () => createProject({
    'lambda.config.ts': config('{ perSecond: 0.05, burst: 3 }'),
    'functions/hello/index.ts': 'export default () => ({ hi: true })\n',
    'functions/free/index.ts': 'export default () => ({ free: true })\n',
  }), async ({ agent, project }) => {
    expect((await agent.cli(['deploy'], { cwd: project.dir })).code).toBe(0)
  })

  it('lets the burst through with RateLimit headers, then answers 429 RATE_LIMITED with Retry-After', async () => {
    const { agent } = suite
    for (let left = 2; left >= 0; left--) {
      const res = await agent.call('hello')
      expect(res.status).toBe(200)
      expect(res.headers['ratelimit-policy']).toBe('"function";q=3;w=60')
      expect(res.headers.ratelimit).toMatch(new RegExp(`^"function";r=${left};t=\\d+$`))
    }
    const limited = await agent.call('hello')
    expect(limited.status).toBe(429)
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0)
    expect(limited.headers.ratelimit).toMatch(/^"function";r=0;t=\d+$/)
    expect(limited.headers['x-request-id']).toBeTruthy()
    const { error } = JSON.parse(String(limited.body))
    expect(error.code).toBe('RATE_LIMITED')
    expect(error.hint).toMatch(/Retry-After.*functions\.hello\.rateLimit/)
    // The other function has no limit, and no headers.
    const free = await agent.call('free')
    expect(free.status).toBe(200)
    expect(free.headers.ratelimit).toBeUndefined()
  })

  it('counts 429s per function in metrics and Prometheus', async () => {
    const prom = await suite.agent.admin('/metrics')
    expect(String(prom.body)).toMatch(/mini_lambda_rate_limited\{function="hello"\} [1-9]/)
  })

  it('applies a changed limit at the next deploy, and refills the bucket as time passes', async () => {
    const { agent, project } = suite
    project.write('lambda.config.ts', config('{ perSecond: 2, burst: 1 }'))
    expect((await agent.cli(['deploy'], { cwd: project.dir })).code).toBe(0)
    expect((await agent.call('hello')).status).toBe(200)
    // One token every 500 ms: the bucket empties, then lets a request through again.
    await until(async () => (await agent.call('hello')).status === 429, 'the bucket to empty')
    await until(async () => (await agent.call('hello')).status === 200, 'the bucket to refill')
  })

  it.each([
    ['a negative rate', '{ perSecond: -1 }', 'perSecond'],
    ['a fractional burst', '{ perSecond: 5, burst: 2.5 }', 'burst'],
    ['a missing perSecond', '{ burst: 10 }', 'perSecond'],
    ['a string', '\'5/s\'', 'rateLimit'],
  ])('refuses %s in lambda.config.ts, naming the fix', async (_, value, key) => {
    const { agent, project } = suite
    project.write('lambda.config.ts', config(value))
    const res = await agent.cli(['deploy'], { cwd: project.dir })
    expect(res.code).not.toBe(0)
    expect(res.stdout + res.stderr).toContain(key)
  })

  it.each([
    ['a negative rate', { perSecond: -1 }],
    ['Infinity smuggled as a huge number', { perSecond: 1e308, burst: 1 }],
    ['an unknown key', { perSecond: 5, burstt: 10 }],
    ['an array', [5, 10]],
  ])('refuses %s in a raw upload with 400', async (_, rateLimit) => {
    const manifest = JSON.stringify({
      name: 'hello',
      kind: 'node',
      hash: 'a'.repeat(64),
      config: { name: 'hello', kind: 'node', timeout: 30, memory: 128, env: {}, schedule: [], concurrency: 50, minInstances: 0, maxInstances: 10, auth: 'none', network: false, rateLimit },
    })
    const body = buildTar([{ path: '.mini-lambda.json', body: manifest }, { path: 'index.mjs', body: 'export default () => 1\n' }])
    const res = await suite.agent.admin('/functions/hello', { method: 'PUT', body, headers: { 'content-type': 'application/x-tar' } })
    expect(res.status).toBe(400)
    expect(String(res.body)).toContain('rateLimit')
  })
})
