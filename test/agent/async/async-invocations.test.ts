import type { AgentProcess } from '../../helpers/agent'
import type { AsyncFixture } from './async-project'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parsePrometheus, sampleOf } from '../../helpers/prometheus'
import { callAsync, finished, gatedLog, recorded, startAsyncAgent, stopAsyncAgent, storedFilesContaining, until } from './async-project'

const UUID_RE = /^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/

describe('asynchronous invocations on a real agent (process provider)', () => {
  let fixture: AsyncFixture
  let agent: AgentProcess
  beforeAll(async () => ({ agent, fixture } = await startAsyncAgent({ extraArgs: ['--async-queue-limit', '4'] })))
  afterAll(() => stopAsyncAgent(agent, fixture))

  it('answers 202 with an invocation id at once, then runs the call exactly as it was sent', async () => {
    const res = await callAsync(agent, 'rec', '/orders/42?expand=items', { method: 'PUT', body: '{"qty":3}', headers: { 'content-type': 'application/json', 'x-custom': 'kept', 'cookie': 'a=1' } })
    expect(res.status).toBe(202)
    const accepted = res.json()
    expect(accepted).toEqual({ id: expect.stringMatching(UUID_RE), function: 'rec', status: 'queued', acceptedAt: expect.any(String) })
    expect(res.headers['x-lambda-invocation-id']).toBe(accepted.id)

    const detail = await finished(agent, accepted.id)
    expect(detail).toMatchObject({ status: 'succeeded', attemptCount: 1, resultStatus: 200, result: { status: 200, bodyEncoding: 'utf8' } })
    expect(JSON.parse(detail.result.body)).toEqual({ ok: true, id: accepted.id, body: '{"qty":3}' })
    const [call] = recorded(fixture.out).filter(r => r.id === accepted.id)
    expect(call).toMatchObject({ method: 'PUT', path: '/orders/42?expand=items', body: '{"qty":3}', attempt: '1', requestId: accepted.id })
    expect(call!.headers).toMatchObject({ 'content-type': 'application/json', 'x-custom': 'kept', 'cookie': 'a=1', 'x-lambda-invocation-id': accepted.id, 'x-forwarded-for': '127.0.0.1' })
    // The agent's instructions are not the function's business.
    expect(call!.headers['x-lambda-invocation-type']).toBe('Event')
    expect(call!.headers['x-callback-url']).toBeUndefined()
    expect(detail.request).toMatchObject({ method: 'PUT', path: '/orders/42?expand=items', body: '{"qty":3}', bodyBytes: 9 })
  })

  it('the invocation id reaches the function from the agent only: a caller cannot forge it, asynchronously or not', async () => {
    const forged = { 'x-lambda-invocation-id': '00000000-0000-4000-8000-000000000000', 'x-lambda-attempt': '7' }
    const id = (await callAsync(agent, 'rec', '/?forged=async', { headers: forged })).json().id
    await finished(agent, id)
    expect(recorded(fixture.out).find(r => r.path === '/?forged=async')).toMatchObject({ id, attempt: '1' })
    expect((await agent.call('rec', '/?forged=sync', { headers: forged })).status).toBe(200)
    expect(recorded(fixture.out).find(r => r.path === '/?forged=sync')).toMatchObject({ id: null, attempt: null })
  })

  it('an unknown function is 404, never 202, and nothing is stored', async () => {
    const res = await callAsync(agent, 'nope', '/', { body: 'x' })
    expect(res.status).toBe(404)
    expect(res.json().error.code).toBe('FUNCTION_NOT_FOUND')
    const admin = await agent.admin('/functions/nope/invoke/', { headers: { 'x-lambda-invocation-type': 'Event' } })
    expect(admin.status).toBe(404)
    expect((await agent.admin('/invocations')).json().invocations.every((i: { function: string }) => i.function !== 'nope')).toBe(true)
  })

  it('a crash or 5xx is retried with backoff; the invocation succeeds once an attempt does, each attempt on record', async () => {
    const id = (await callAsync(agent, 'rec', '/?failTimes=2')).json().id
    const detail = await finished(agent, id)
    expect(detail.status).toBe('succeeded')
    expect(detail.attempts.map((a: { status: number }) => a.status)).toEqual([503, 503, 200])
    expect(recorded(fixture.out).filter(r => r.id === id).map(r => r.attempt)).toEqual(['1', '2', '3'])
    const gaps = detail.attempts.slice(1).map((a: { startedAt: string }, i: number) => Date.parse(a.startedAt) - Date.parse(detail.attempts[i].startedAt))
    console.log(`retry gaps: ${gaps.join(' ms, ')} ms (backoff 1 s, then 2 s)`)
  })

  it('after every retry fails it is kept as failed (the dead-letter list); replay runs it again once the function is fixed', async () => {
    const id = (await callAsync(agent, 'rec', '/?fail=until-fixed', { body: 'payload-7' })).json().id
    const failed = await finished(agent, id)
    expect(failed).toMatchObject({ status: 'failed', attemptCount: 3, resultStatus: 500, failure: { reason: 'retries-exhausted' }, result: { status: 500, body: 'still broken' } })
    expect(failed.attempts).toHaveLength(3)

    const deadLetters = (await agent.admin('/invocations?status=failed')).json()
    expect(deadLetters.invocations.map((i: { id: string }) => i.id)).toContain(id)
    expect(deadLetters.counts.failed).toBeGreaterThanOrEqual(1)

    writeFileSync(join(fixture.out, 'fixed'), '')
    const replay = await agent.admin(`/invocations/${id}/replay`, { method: 'POST' })
    expect(replay.status).toBe(202)
    expect(replay.json()).toMatchObject({ function: 'rec', status: 'queued', replayOf: id })
    const again = await finished(agent, replay.json().id)
    expect(again).toMatchObject({ status: 'succeeded', attemptCount: 1, replayOf: id, request: { body: 'payload-7' } })
    // The replay is a new invocation (its own id reaches the function); the failed one stays as it was.
    expect(recorded(fixture.out).filter(r => r.body === 'payload-7').map(r => r.id)).toEqual([id, id, id, replay.json().id])
    expect((await agent.admin(`/invocations/${id}`)).json().status).toBe('failed')
  })

  it('a 4xx answer is not retried; async.retries: 0 means one attempt only', async () => {
    const bad = await finished(agent, (await callAsync(agent, 'rec', '/?status=422')).json().id)
    expect(bad).toMatchObject({ status: 'failed', attemptCount: 1, failure: { reason: 'not-retried' } })
    const once = await finished(agent, (await callAsync(agent, 'once', '/?status=500')).json().id)
    expect(once).toMatchObject({ status: 'failed', attemptCount: 1, failure: { reason: 'retries-exhausted' } })
  })

  it('the dead-letter list of each function is a metric: in Prometheus and in lambda metrics', async () => {
    const failedOf = async (fn: string) => (await agent.admin(`/invocations?function=${fn}&status=failed`)).json().counts.failed as number
    const prometheus = await parsePrometheus((await agent.admin('/metrics')).text)
    expect(prometheus.mini_lambda_async_dead_letters?.type).toBe('gauge')
    expect(sampleOf(prometheus, 'mini_lambda_async_dead_letters', { function: 'once' })).toBe(await failedOf('once'))
    expect(sampleOf(prometheus, 'mini_lambda_async_dead_letters', { function: 'rec' })).toBe(await failedOf('rec'))
    const metrics = await agent.cli(['metrics', 'once', '--json'])
    expect(metrics.code, metrics.output).toBe(0)
    expect(JSON.parse(metrics.stdout).functions[0].gauges.async_dead_letters).toMatchObject({ current: 1 })
  })

  it('past the function\'s queue limit the agent answers 429 with Retry-After, and accepts again once there is room', async () => {
    const gate = 'gate-429'
    const ids: string[] = []
    for (let i = 0; i < 4; i++) {
      const res = await callAsync(agent, 'gated', `/?gate=${gate}`)
      expect(res.status).toBe(202)
      ids.push(res.json().id)
    }
    const full = await callAsync(agent, 'gated', `/?gate=${gate}`, { body: 'x'.repeat(1000) })
    expect(full.status).toBe(429)
    expect(Number(full.headers['retry-after'])).toBeGreaterThanOrEqual(1)
    expect(full.json().error).toMatchObject({ code: 'ASYNC_QUEUE_FULL', limit: 4 })
    // Other functions have their own queue.
    expect((await callAsync(agent, 'rec')).status).toBe(202)
    // What waits is on the dashboards: the queue depth of each function.
    const depth = async () => sampleOf(await parsePrometheus((await agent.admin('/metrics')).text), 'mini_lambda_async_queue_depth', { function: 'gated' })
    expect(await depth()).toBe(4)

    writeFileSync(join(fixture.out, gate), '')
    for (const id of ids) expect((await finished(agent, id)).status).toBe('succeeded')
    expect(await depth()).toBe(0)
    expect((await callAsync(agent, 'gated', `/?gate=${gate}`)).status).toBe(202)
    // One at a time: the function's capacity is one call, all of it the workers' (at least one).
    const log = gatedLog(fixture.out)
    for (let i = 0; i < 8; i += 2) expect([log[i]!.split(' ')[0], log[i + 1]!.split(' ')[0]]).toEqual(['start', 'end'])
  })

  it('bounds what it stores: 413 past 256 KB of body, 431 for too many headers; 400 for an unknown invocation type; DryRun runs nothing', async () => {
    const big = await callAsync(agent, 'rec', '/', { body: Buffer.alloc(256 * 1024 + 1, 'a') })
    expect(big.status).toBe(413)
    expect(big.json().error.code).toBe('ASYNC_BODY_TOO_LARGE')
    const fits = await callAsync(agent, 'rec', '/', { body: Buffer.alloc(256 * 1024, 'b') })
    expect(fits.status).toBe(202)
    expect((await finished(agent, fits.json().id)).request.bodyBytes).toBe(256 * 1024)

    const headers = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`x-h${i}`, 'v']))
    const many = await callAsync(agent, 'rec', '/', { headers })
    expect(many.status).toBe(431)
    expect(many.json().error.code).toBe('ASYNC_HEADERS_TOO_LARGE')

    const odd = await agent.call('rec', '/', { headers: { 'x-lambda-invocation-type': 'Later' } })
    expect(odd.status).toBe(400)
    expect(odd.json().error.code).toBe('BAD_INVOCATION_TYPE')
    const before = recorded(fixture.out).length
    expect((await agent.call('rec', '/', { headers: { 'x-lambda-invocation-type': 'DryRun' } })).status).toBe(204)
    expect(recorded(fixture.out).length).toBe(before)
  })

  it('an auth: \'key\' function takes async calls only with a key, and the key is never stored or passed on', async () => {
    expect((await callAsync(agent, 'secure')).status).toBe(401)
    const res = await callAsync(agent, 'secure', '/', { body: 'secret-call', headers: { authorization: `Bearer ${agent.key}` } })
    expect(res.status).toBe(202)
    const detail = await finished(agent, res.json().id)
    expect(detail.status).toBe('succeeded')
    expect(detail.request.headers.authorization).toBeUndefined()
    expect(recorded(fixture.out, 'secure.log').find(r => r.id === res.json().id)!.headers.authorization).toBeUndefined()
    // Not on disk either: the call is stored (its body is), the key is in no stored file.
    expect(storedFilesContaining(agent, Buffer.from('secret-call').toString('base64')).length).toBeGreaterThan(0)
    // The secret part of mlk_<8-char id>_<secret> (which may itself contain "_").
    const secret = agent.key.slice('mlk_12345678_'.length)
    expect(secret.length).toBe(43)
    expect(storedFilesContaining(agent, secret)).toEqual([])
  })

  it('a call to v<N>.<fn> runs that version on every attempt', async () => {
    const res = await agent.call('rec', '/', { host: `v1.rec.localhost:${agent.port}`, headers: { 'x-lambda-invocation-type': 'Event' } })
    expect(res.status).toBe(202)
    const detail = await finished(agent, res.json().id)
    expect(detail).toMatchObject({ version: 1, status: 'succeeded', attempts: [{ version: 1 }] })
    expect((await agent.call('rec', '/', { host: `v9.rec.localhost:${agent.port}`, headers: { 'x-lambda-invocation-type': 'Event' } })).status).toBe(404)
  })

  it('through the CLI: invoke --async prints the id; invocations lists them; invocation shows one; replay runs it again', async () => {
    const invoke = await agent.cli(['invoke', 'rec', '--async', '-d', '{"from":"cli"}', '--path', '/cli'])
    expect(invoke.code, invoke.output).toBe(0)
    const id = invoke.stdout.trim()
    expect(id).toMatch(UUID_RE)
    expect(invoke.stderr).toContain(`lambda invocation ${id}`)
    await finished(agent, id)
    expect(recorded(fixture.out).find(r => r.id === id)).toMatchObject({ method: 'POST', path: '/cli', body: '{"from":"cli"}' })

    const json = await agent.cli(['invoke', 'rec', '--async', '--json'])
    expect(JSON.parse(json.stdout)).toMatchObject({ id: expect.stringMatching(UUID_RE), function: 'rec', status: 'queued' })

    const list = await agent.cli(['invocations', 'rec', '--json'])
    expect(list.code, list.output).toBe(0)
    const listing = JSON.parse(list.stdout)
    expect(listing.invocations.map((i: { id: string }) => i.id)).toContain(id)
    expect(listing.invocations.every((i: { function: string }) => i.function === 'rec')).toBe(true)
    const table = await agent.cli(['invocations', '--status', 'failed'])
    expect(table.stdout).toMatch(/ID\s+FUNCTION\s+STATUS\s+ATTEMPTS\s+RESULT/)
    expect(table.stdout).toMatch(/rec\s+failed\s+3\s+500/)
    const rows = table.stdout.split('\n').filter(row => /^[\da-f]{8}-/.test(row))
    expect(rows.length).toBeGreaterThan(0)
    for (const row of rows) expect(row.split(/\s+/)[2]).toBe('failed')
    expect(table.stdout).toMatch(/Kept for any function: 0 queued, 0 running, 0 retrying, \d+ succeeded, \d+ failed\./)

    const show = await agent.cli(['invocation', id])
    expect(show.code, show.output).toBe(0)
    expect(show.stdout).toContain(`Invocation ${id} of "rec"`)
    expect(show.stdout).toMatch(/Status\s+succeeded/)
    expect(show.stdout).toMatch(/#1 .* 200 /)
    expect(show.stdout).toContain('{"ok":true')
    expect(show.stdout).toMatch(/Request\s+POST \/cli \(14 bytes\)/)
    const shown = JSON.parse((await agent.cli(['invocation', id, '--json'])).stdout)
    expect(shown).toMatchObject({ id, status: 'succeeded', attempts: [{ number: 1, status: 200 }], result: { status: 200 } })

    const replay = await agent.cli(['invocation', 'replay', id])
    expect(replay.code, replay.output).toBe(0)
    expect((await finished(agent, replay.stdout.trim())).replayOf).toBe(id)

    // Usage mistakes are caught before anything is sent.
    expect((await agent.cli(['invocation', 'not-an-id'])).code).toBe(2)
    expect((await agent.cli(['invocations', '--status', 'lost'])).code).toBe(2)
    const missing = await agent.cli(['invocation', '00000000-0000-4000-8000-000000000000'])
    expect(missing.code).toBe(1)
    expect(missing.output).toContain('No invocation 00000000-0000-4000-8000-000000000000')
    const unknown = await agent.cli(['invoke', 'nope', '--async'])
    expect(unknown.code).toBe(1)
    expect(unknown.output).toContain('No function named "nope"')
  })

  it('a call still waiting after async.maxAgeSeconds fails as expired, without running', async () => {
    const gate = 'gate-age'
    const first = (await callAsync(agent, 'aging', `/?gate=${gate}`)).json().id
    const second = (await callAsync(agent, 'aging', `/?gate=${gate}`)).json().id
    await until(() => gatedLog(fixture.out).includes(`start ${first}`), 'the first call to start')
    // The second waits behind the first, which holds the only slot until its gate opens (past a second).
    await new Promise(resolve => setTimeout(resolve, 1200))
    writeFileSync(join(fixture.out, gate), '')
    expect((await finished(agent, first)).status).toBe('succeeded')
    expect(await finished(agent, second)).toMatchObject({ status: 'failed', attemptCount: 0, failure: { reason: 'expired' } })
    expect(gatedLog(fixture.out)).not.toContain(`start ${second}`)
  })

  it('keys: an invoke key may call --async but not list invocations; the list routes check their input', async () => {
    const created = await agent.admin('/keys', { method: 'POST', body: JSON.stringify({ name: 'web', scope: 'invoke' }) })
    const invokeKey = created.json().key
    expect((await agent.admin('/functions/rec/invoke/', { key: invokeKey, headers: { 'x-lambda-invocation-type': 'Event' } })).status).toBe(202)
    expect((await agent.admin('/invocations', { key: invokeKey })).status).toBe(403)
    expect((await agent.admin('/invocations', { key: null })).status).toBe(401)
    expect((await agent.admin('/invocations?status=lost')).status).toBe(400)
    expect((await agent.admin('/invocations?limit=0')).status).toBe(400)
    expect((await agent.admin('/invocations?function=Bad_Name')).status).toBe(400)
    expect((await agent.admin('/invocations/abc')).json().error.code).toBe('INVALID_INVOCATION_ID')
    expect((await agent.admin('/invocations/00000000-0000-4000-8000-000000000000/replay', { method: 'POST' })).status).toBe(404)
  })
})
