import type { AgentSuite } from '../../helpers/agent'
import { describe, expect, it } from 'vitest'
import { useAgent } from '../../helpers/agent'
import { request } from '../../helpers/http'
import { createProject } from '../../helpers/project'

/** Answers with the path and query it was called with. */
const project = () => createProject({
  'functions/hello/index.ts': 'export default (request: Request) => { const url = new URL(request.url); return `${request.method} ${url.pathname}${url.search}` }\n',
})

const deploy = async ({ agent, project }: AgentSuite) => {
  const result = await agent.cli(['deploy'], { cwd: project.dir })
  expect(result.code, result.output).toBe(0)
}

describe('the agent\'s bare domain: /<name>/… redirects to the function\'s own host, and serves no function content itself', () => {
  const suite = useAgent({ provider: 'process' }, project, deploy)
  /** A request to the bare address, as a browser typing http://<ip>:<port>/… sends it. */
  const bare = (path: string, init: { method?: string, body?: string } = {}) => request(suite.agent.port, path, { host: `127.0.0.1:${suite.agent.port}`, ...init })

  it('gET and HEAD /<name>/<path>?<query> answer 302 to <scheme>://<name>.<domain>:<port>/<path>?<query>', async () => {
    const origin = `http://hello.localhost:${suite.agent.port}`
    for (const [path, location] of [['/hello/', `${origin}/`], ['/hello', `${origin}/`], ['/hello/a/b?x=1&y=%20', `${origin}/a/b?x=1&y=%20`]]) {
      for (const method of ['GET', 'HEAD']) {
        const answer = await bare(path!, { method })
        expect(answer.status, `${method} ${path}`).toBe(302)
        expect(answer.headers.location, `${method} ${path}`).toBe(location)
      }
    }
    // Where it points answers as the function.
    const followed = await suite.agent.call('hello', '/a/b?x=1')
    expect(followed.text).toBe('GET /a/b?x=1')
  })

  it('the bare domain never answers with the function\'s content, and a redirect never leaves the function\'s host', async () => {
    const answer = await bare('/hello/')
    expect(answer.text).not.toContain('GET /')
    for (const path of ['/hello//evil.example/x', '/hello/\\evil.example', '/hello/..%2f..%2fevil']) {
      const location = (await bare(path)).headers.location as string
      expect(new URL(location).host, path).toBe(`hello.localhost:${suite.agent.port}`)
    }
  })

  it('other methods are not redirected (a body would go twice): 421 with the function\'s URL in the hint', async () => {
    const answer = await bare('/hello/orders', { method: 'POST', body: '{"id":1}' })
    expect(answer.status).toBe(421)
    const { error } = answer.json()
    expect(error.code).toBe('FUNCTION_NOT_BY_PATH')
    expect(error.hint).toContain(`http://hello.localhost:${suite.agent.port}/orders`)
  })

  it('an unknown name is a plain 404 that lists nothing', async () => {
    for (const method of ['GET', 'POST']) {
      const answer = await bare('/nope/', { method })
      expect(answer.status).toBe(404)
      expect(answer.text).not.toContain('hello')
      expect(answer.headers.location).toBeUndefined()
    }
  })
})

describe('behind a proxy: the redirect uses the public scheme and port', () => {
  const suite = useAgent({ provider: 'process', domain: 'fn.example.com', extraArgs: ['--public-scheme', 'https', '--public-port', '443'] }, project, deploy)

  it('gET /hello/x on the bare domain → https://hello.fn.example.com/x', async () => {
    const answer = await request(suite.agent.port, '/hello/x', { host: 'fn.example.com' })
    expect(answer.status).toBe(302)
    expect(answer.headers.location).toBe('https://hello.fn.example.com/x')
  })
})
