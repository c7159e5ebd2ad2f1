import { describe, expect, it } from 'vitest'
import { useAgent } from '../../helpers/agent'
import { createProject } from '../../helpers/project'

const config = (options: string) => `export default { functions: { hello: ${options} } }\n`
// Untrusted code answering with the agent's own headers, as if it could set the request id or the limit's state.
const SPOOFING = `export default () => new Response('hi', { headers: { 'x-request-id': 'spoof', 'ratelimit': '"function";r=99;t=0', 'ratelimit-policy': '"function";q=99;w=1' } })\n`

describe('an old version\'s URL (v<N>.<fn>) answers under the function\'s policy now', () => {
  let invokeKey = ''
  const suite = useAgent({ provider: 'process' }, () => createProject({
    'lambda.config.ts': config('{}'),
    'functions/hello/index.ts': SPOOFING,
  }), async ({ agent, project }) => {
    // v1: public and unlimited; v2 adds a key and a limit.
    expect((await agent.cli(['deploy'], { cwd: project.dir })).code).toBe(0)
    project.write('lambda.config.ts', config('{ auth: \'key\', rateLimit: { perSecond: 0.01, burst: 4 } }'))
    expect((await agent.cli(['deploy'], { cwd: project.dir })).code).toBe(0)
    const created = await agent.admin('/keys', { method: 'POST', body: JSON.stringify({ name: 'caller', scope: 'invoke' }), headers: { 'content-type': 'application/json' } })
    invokeKey = created.json().key
  })

  it('a key added since is needed at v1 too', async () => {
    const open = await suite.agent.call('v1.hello')
    expect(open.status, open.text).toBe(401)
    expect(open.json().error.code).toBe('API_KEY_REQUIRED')
    expect((await suite.agent.call('v1.hello', '/', { headers: { authorization: `Bearer ${invokeKey}` } })).status).toBe(200)
  })

  it('a function cannot replace the agent\'s X-Request-Id or RateLimit headers', async () => {
    const res = await suite.agent.call('v1.hello', '/', { headers: { authorization: `Bearer ${invokeKey}` } })
    expect(res.status).toBe(200)
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/)
    // The limit's state is the agent's (2 of 4 left after two calls), never the function's claim of 99.
    expect(res.headers.ratelimit).toMatch(/^"function";r=2;t=\d+$/)
    expect(res.headers['ratelimit-policy']).toBe('"function";q=4;w=400')
    // What it set is not lost: remapped, as API Gateway's x-amzn-Remapped- headers.
    expect(res.headers['x-lambda-remapped-x-request-id']).toBe('spoof')
  })

  it('one bucket, today\'s limit, whichever version the URL names: alternating hosts gets no fresh tokens', async () => {
    const statuses: number[] = []
    for (let i = 0; i < 8; i++) {
      const res = await suite.agent.call(i % 2 === 0 ? 'v1.hello' : 'hello', '/', { headers: { authorization: `Bearer ${invokeKey}` } })
      statuses.push(res.status)
    }
    // The tests above took two of the 4 tokens.
    expect(statuses).toEqual([200, 200, 429, 429, 429, 429, 429, 429])
  })
})
