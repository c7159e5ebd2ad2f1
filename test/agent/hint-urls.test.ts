import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { useAgent } from '../helpers/agent'
import { startDev } from '../helpers/dev'
import { createProject } from '../helpers/project'

// A URL in a hint is one to copy: on a port other than 80 it must carry the port.
describe('the URLs in hints keep the port', () => {
  const suite = useAgent({ provider: 'process' }, () => createProject())

  it('the agent: a host it does not serve is answered with a URL on its own port', async () => {
    const { agent } = suite
    const answer = await agent.call('x', '/', { host: `hello.example.com:${agent.port}` })
    expect(answer.status).toBe(404)
    expect(answer.json().error).toMatchObject({ code: 'UNKNOWN_HOST', hint: expect.stringContaining(`http://<name>.localhost:${agent.port}/`) })
  })
})

describe('lambda dev: an unknown function\'s hint names a function URL that works', () => {
  const project = createProject({ 'functions/hello/index.ts': 'export default () => \'hi\'\n' })
  let dev: Awaited<ReturnType<typeof startDev>>
  beforeAll(async () => {
    dev = await startDev(project.dir)
  })
  afterAll(async () => {
    await dev?.stop()
    project.remove()
  })

  it('by host and by path, both with the port', async () => {
    for (const answer of [await dev.call('nope'), await dev.call(undefined, '/nope/')]) {
      expect(answer.status).toBe(404)
      const { hint } = answer.json().error
      expect(hint).toContain(`http://hello.localhost:${dev.port}/`)
      expect(hint).toContain(`http://localhost:${dev.port}/hello/`)
      // And the URL it gives answers.
      expect((await dev.call('hello')).text).toBe('hi')
    }
  })
})
