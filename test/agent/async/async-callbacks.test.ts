import type { IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { AgentProcess } from '../../helpers/agent'
import type { AsyncFixture } from './async-project'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startAgentProcess } from '../../helpers/agent'
import { runCli } from '../../helpers/cli'
import { asyncProject, callAsync, recorded, until } from './async-project'

interface Received {
  path: string
  headers: IncomingHttpHeaders
  body: any
}

/** The caller's callback server, on 127.0.0.1: it answers `/fail` with 500 and counts every connection. */
async function hookServer() {
  const received: Received[] = []
  let connections = 0
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (d) => { body += d })
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body: JSON.parse(body) })
      res.writeHead(req.url === '/fail' ? 500 : 200).end()
    })
  })
  server.on('connection', () => connections++)
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return { port: (server.address() as AddressInfo).port, received, connections: () => connections, close: () => new Promise(resolve => server.close(resolve)) }
}

/** A name this machine resolves to loopback from /etc/hosts (no DNS traffic), other than localhost. */
function hostsFileLoopbackName(): string | undefined {
  try {
    for (const line of readFileSync('/etc/hosts', 'utf8').split('\n')) {
      const [address, ...names] = line.replace(/#.*/, '').trim().split(/\s+/)
      if (!address || !(address.startsWith('127.') || address === '::1')) continue
      const name = names.find(n => n && !n.endsWith('localhost') && !n.includes('localhost') && /^[a-z][\w.-]*$/i.test(n))
      if (name) return name
    }
  }
  catch {}
  return undefined
}

describe('x-Callback-Url', () => {
  let fixture: AsyncFixture
  let hooks: Awaited<ReturnType<typeof hookServer>>
  let allowed: AgentProcess
  let strict: AgentProcess
  beforeAll(async () => {
    fixture = asyncProject()
    hooks = await hookServer()
    allowed = await startAgentProcess({ provider: 'process', extraArgs: ['--callback-allow', '127.0.0.1'] })
    strict = await startAgentProcess({ provider: 'process' })
    for (const agent of [allowed, strict]) {
      const deploy = await agent.cli(['deploy', '--only', 'rec'], { cwd: fixture.project.dir })
      expect(deploy.code, deploy.output).toBe(0)
    }
  })
  afterAll(async () => {
    for (const agent of [allowed, strict]) {
      await agent?.stop()
      agent?.cleanup()
    }
    await hooks?.close()
    fixture?.remove()
  })

  it('receives the result once the invocation is done (a host the operator allowed)', async () => {
    const res = await callAsync(allowed, 'rec', '/?n=1', { body: 'hello', headers: { 'x-callback-url': `http://127.0.0.1:${hooks.port}/done?token=t1` } })
    expect(res.status).toBe(202)
    const id = res.json().id
    const hook = await until(() => hooks.received.find(r => r.body.invocationId === id), 'the callback')
    expect(hook.path).toBe('/done?token=t1')
    expect(hook.headers).toMatchObject({ 'content-type': 'application/json', 'x-lambda-invocation-id': id, 'x-lambda-invocation-status': 'succeeded' })
    expect(hook.body).toMatchObject({ invocationId: id, function: 'rec', status: 'succeeded', attempts: 1, response: { status: 200, bodyEncoding: 'utf8', truncated: false } })
    expect(JSON.parse(hook.body.response.body)).toMatchObject({ ok: true, id, body: 'hello' })
    const detail = await until(async () => {
      const d = (await allowed.admin(`/invocations/${id}`)).json()
      return d.callback?.status === 'delivered' ? d : undefined
    }, 'the delivery to be recorded')
    expect(detail.callback).toMatchObject({ url: `http://127.0.0.1:${hooks.port}/done?token=t1`, attempts: 1, responseStatus: 200 })
  })

  it('a failed invocation is reported too; a callback server answering 5xx is tried three times, then recorded as failed', async () => {
    const id = (await callAsync(allowed, 'rec', '/?status=404', { headers: { 'x-callback-url': `http://127.0.0.1:${hooks.port}/fail` } })).json().id
    const detail = await until(async () => {
      const d = (await allowed.admin(`/invocations/${id}`)).json()
      return d.callback?.status === 'failed' ? d : undefined
    }, 'the callback to give up')
    expect(detail).toMatchObject({ status: 'failed', callback: { attempts: 3, responseStatus: 500 } })
    const tries = hooks.received.filter(r => r.body.invocationId === id)
    expect(tries).toHaveLength(3)
    expect(tries[0]!.body).toMatchObject({ status: 'failed', failure: { reason: 'not-retried' }, response: { status: 404 } })
  })

  it('without --callback-allow, loopback, link-local (cloud metadata), private hosts and names resolving to loopback are refused before anything is sent or run', async () => {
    const before = recorded(fixture.out).length
    const name = hostsFileLoopbackName()
    const targets = [
      `http://127.0.0.1:${hooks.port}/steal`,
      'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
      'http://10.0.0.1/admin',
      `http://localhost:${hooks.port}/steal`,
      `http://[::ffff:127.0.0.1]:${hooks.port}/steal`,
      `http://2130706433:${hooks.port}/steal`,
      ...(name ? [`http://${name}:${hooks.port}/steal`] : []),
    ]
    if (!name) console.warn('no /etc/hosts name resolves to loopback here besides localhost: that case is covered by the resolver tests only')
    const connections = hooks.connections()
    for (const url of targets) {
      const res = await callAsync(strict, 'rec', '/', { headers: { 'x-callback-url': url } })
      expect(res.status, url).toBe(400)
      expect(res.json().error, url).toMatchObject({ code: 'CALLBACK_URL_REFUSED', reason: 'forbidden' })
      expect(res.json().error.hint).toContain('--callback-allow')
    }
    expect(hooks.connections()).toBe(connections)
    expect((await strict.admin('/invocations')).json().invocations).toEqual([])
    expect(recorded(fixture.out).length).toBe(before)
    const scheme = await callAsync(strict, 'rec', '/', { headers: { 'x-callback-url': 'file:///etc/passwd' } })
    expect(scheme.json().error).toMatchObject({ code: 'CALLBACK_URL_REFUSED', reason: 'bad-url' })
  })

  it('the agent\'s async flags are checked before it starts', async () => {
    for (const flags of [['--callback-allow', 'not a host'], ['--callback-allow', '10.0.0.0/40'], ['--async-queue-limit', '0'], ['--async-retention', 'soon']]) {
      const run = await runCli(['agent', '--port', '0', '--data-dir', join(fixture.out, 'never'), ...flags])
      expect(run.code, flags.join(' ')).toBe(2)
      expect(run.output).toContain(flags[0])
    }
  })
})
