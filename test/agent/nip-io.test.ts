import { describe, expect, it } from 'vitest'
import { useAgent } from '../helpers/agent'
import { request } from '../helpers/http'
import { createProject } from '../helpers/project'

const DOMAIN = '203.0.113.7.nip.io'
const greeter = (text: string) => `export default (request) => ({ text: ${JSON.stringify(text)}, host: request.headers.get('host') })\n`

// nip.io resolves <anything>.203.0.113.7.nip.io to 203.0.113.7: the agent only has to route by the
// Host header. The requests here go to 127.0.0.1 with that Host: nothing leaves this machine.
describe('lambda agent --domain <ip>.nip.io: zero-DNS routing by host name', () => {
  const suite = useAgent({ provider: 'process', domain: DOMAIN }, () => createProject({
    'functions/hello/index.ts': greeter('hello v1'),
    'functions/other/index.ts': greeter('other'),
  }))
  const get = (host: string) => request(suite.agent.port, '/', { host: `${host}:${suite.agent.port}` })

  it('hello.203.0.113.7.nip.io reaches hello, other.… reaches other, and the URLs printed use the domain', async () => {
    const deploy = await suite.agent.cli(['deploy'], { cwd: suite.project.dir })
    expect(deploy.code, deploy.output).toBe(0)
    expect(deploy.output).toContain(`http://hello.${DOMAIN}:${suite.agent.port}/`)

    const hello = await get(`hello.${DOMAIN}`)
    expect(hello.status).toBe(200)
    expect(hello.json()).toEqual({ text: 'hello v1', host: `hello.${DOMAIN}:${suite.agent.port}` })
    expect((await get(`other.${DOMAIN}`)).json().text).toBe('other')
    // Host names are case-insensitive.
    expect((await get(`HELLO.203.0.113.7.NIP.IO`)).json().text).toBe('hello v1')
  })

  it('v1.hello.… pins a version while hello.… follows the newest deploy', async () => {
    suite.project.write('functions/hello/index.ts', greeter('hello v2'))
    expect((await suite.agent.cli(['deploy', '--only', 'hello'], { cwd: suite.project.dir })).code).toBe(0)
    expect((await get(`hello.${DOMAIN}`)).json().text).toBe('hello v2')
    expect((await get(`v2.hello.${DOMAIN}`)).json().text).toBe('hello v2')
    expect((await get(`v1.hello.${DOMAIN}`)).json().text).toBe('hello v1')
  })

  it('a function that does not exist, or another domain, gets a 404 that names no function', async () => {
    for (const host of [`nope.${DOMAIN}`, 'hello.198.51.100.1.nip.io', `hello.${DOMAIN}.evil.example`]) {
      const answer = await get(host)
      expect(answer.status, host).toBe(404)
      expect(answer.text, host).not.toContain('other')
    }
  })

  it('the admin API answers on the bare IP host name, not through a function\'s', async () => {
    const health = await request(suite.agent.port, '/_lambda/health', { host: `${DOMAIN}:${suite.agent.port}` })
    expect(health.status).toBe(200)
    expect(health.json().domain).toBe(DOMAIN)
    const throughFunction = await request(suite.agent.port, '/_lambda/health', { host: `hello.${DOMAIN}:${suite.agent.port}` })
    expect(throughFunction.text).not.toContain('"agent":"mini-lambda"')
  })

  it('answers Caddy\'s on-demand TLS question for exactly the host names it serves', async () => {
    const ask = (domain: string) => request(suite.agent.port, `/_lambda/tls/ask?domain=${encodeURIComponent(domain)}`, { host: `127.0.0.1:${suite.agent.port}` })
    for (const domain of [DOMAIN, `hello.${DOMAIN}`, `other.${DOMAIN}`, `v1.hello.${DOMAIN}`, `v2.hello.${DOMAIN}`, `Hello.${DOMAIN}.`]) { expect((await ask(domain)).status, domain).toBe(200) }
    for (const domain of [`nope.${DOMAIN}`, `v9.hello.${DOMAIN}`, `a.b.${DOMAIN}`, 'hello.example.com', 'example.com']) { expect((await ask(domain)).status, domain).toBe(404) }
    expect((await ask('')).status).toBe(400)
    expect((await ask('127.0.0.1')).status).toBe(400)
  })
})
