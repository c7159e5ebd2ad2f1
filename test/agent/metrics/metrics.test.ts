import type { AgentProcess } from '../../helpers/agent'
import type { TempProject } from '../../helpers/project'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startAgentProcess, useAgent } from '../../helpers/agent'
import { request } from '../../helpers/http'
import { freePort } from '../../helpers/ports'
import { createProject } from '../../helpers/project'
import { histogramOf, parsePrometheus, sampleOf } from '../../helpers/prometheus'

const meteredProject = () => createProject({
  'lambda.config.ts': 'export default { functions: { metered: { timeout: 2, memory: 64, concurrency: 4 } } }\n',
  'functions/metered/index.ts': `const kept: unknown[] = []
export default async (request: Request) => {
  const path = new URL(request.url).pathname
  if (path === '/bad') return new Response('no such thing', { status: 404 })
  if (path === '/throw') throw new Error('boom')
  if (path === '/exit') process.exit(3)
  if (path === '/spin') for (;;) {}
  if (path === '/hog') for (;;) kept.push(Buffer.alloc(8 * 1024 * 1024, 1))
  if (path === '/slow') await new Promise(resolve => setTimeout(resolve, 400))
  return { ok: true }
}
`,
  'functions/quiet/index.ts': 'export default () => \'never called\'\n',
})

/** What the sequence below must count, wherever it is read. */
const EXPECTED = {
  invocations: 14,
  errors: { '4xx': 1, '5xx': 1, 'crash': 1, 'timeout': 1, 'outOfMemory': 1, 'startFailed': 0 },
  serverErrors: 4,
  coldStarts: 3,
  concurrencyPeak: 3,
}

async function keyWithScope(agent: AgentProcess, scope: string): Promise<string> {
  const res = await agent.admin('/keys', { method: 'POST', body: JSON.stringify({ name: `metrics-${scope}`, scope }) })
  expect(res.status, res.text).toBe(200)
  return res.json().key
}

async function metricsJson(agent: AgentProcess, args: string[] = []) {
  const result = await agent.cli(['metrics', ...args, '--json'])
  expect(result.code, result.output).toBe(0)
  return JSON.parse(result.stdout)
}

const savedTotals = (agent: AgentProcess) => {
  const file = join(agent.dataDir, 'state/metrics/metered/1/totals')
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined
}

describe('metrics: a known sequence of calls gives exact counts, in lambda metrics and in Prometheus', () => {
  let agent: AgentProcess
  let project: TempProject
  let metricsPort: number
  let keys: { deploy: string, invoke: string }

  beforeAll(async () => {
    project = meteredProject()
    metricsPort = await freePort()
    agent = await startAgentProcess({ provider: 'process', extraArgs: ['--metrics-port', String(metricsPort), '--metrics-save-interval', '1'] })
    const deployed = await agent.cli(['deploy'], { cwd: project.dir })
    expect(deployed.code, deployed.output).toBe(0)
    keys = { deploy: await keyWithScope(agent, 'deploy'), invoke: await keyWithScope(agent, 'invoke') }
  })
  afterAll(async () => {
    await agent?.stop()
    agent?.cleanup()
    project?.remove()
  })

  it('the calls: successes, a 404, a thrown error, a crash, a timeout, an out-of-memory, cold starts, three at once', async () => {
    // The deploy warmed one instance: the first calls are warm. Each death makes the next call a cold start.
    const statuses: number[] = []
    for (const path of ['/', '/', '/', '/bad', '/throw', '/exit', '/', '/spin', '/', '/hog', '/']) {
      const res = await agent.call('metered', path, { timeoutMs: 60_000 })
      statuses.push(res.status)
      if (res.status >= 502) expect(res.json().error.code).toBe({ '/exit': 'FUNCTION_CRASHED', '/spin': 'FUNCTION_TIMEOUT', '/hog': 'FUNCTION_OUT_OF_MEMORY' }[path])
    }
    expect(statuses).toEqual([200, 200, 200, 404, 500, 502, 200, 504, 200, 502, 200])
    const concurrent = await Promise.all([1, 2, 3].map(() => agent.call('metered', '/slow')))
    expect(concurrent.map(r => r.status)).toEqual([200, 200, 200])
  })

  it('lambda metrics --json counts each of them, per function and per version', async () => {
    const all = await metricsJson(agent)
    expect(all.functions.map((f: { name: string }) => f.name)).toEqual(['metered', 'quiet'])
    const metered = all.functions[0]
    expect(metered.window).toMatchObject({ ...EXPECTED, errorRate: 4 / 14 })
    expect(metered.total).toMatchObject({ invocations: 14, errors: EXPECTED.errors, serverErrors: 4, coldStarts: 3 })
    expect(metered.versions).toHaveLength(1)
    expect(metered.versions[0]).toMatchObject({ version: 1, window: { invocations: 14, coldStarts: 3 } })
    // The timed-out call took its whole 2 s timeout; three calls slept 400 ms.
    const { duration } = metered.window
    expect(duration.maxMs).toBeGreaterThanOrEqual(1990)
    expect(duration.p50Ms).toBeLessThanOrEqual(duration.p95Ms)
    expect(duration.p95Ms).toBeLessThanOrEqual(duration.p99Ms)
    expect(duration.p99Ms).toBeLessThanOrEqual(duration.maxMs)
    expect(duration.avgMs * 14).toBeGreaterThanOrEqual(1990 + 3 * 400)
    expect(metered.series.reduce((sum: number, point: { invocations: number }) => sum + point.invocations, 0)).toBe(14)
    expect(all.functions[1].window).toMatchObject({ invocations: 0, duration: null, concurrencyPeak: 0 })
    expect(all.functions[1].total).toMatchObject({ invocations: 0, since: null })

    const one = await metricsJson(agent, ['metered', '--since', '15m'])
    expect(one.functions).toHaveLength(1)
    expect(one.functions[0].window).toMatchObject(EXPECTED)
    expect(Date.parse(one.until) - Date.parse(one.since)).toBeLessThanOrEqual(16 * 60_000)
  })

  it('/_lambda/metrics gives the same counts, in the Prometheus text format, with histograms', async () => {
    const res = await agent.admin('/metrics', { key: keys.deploy })
    expect(res.status, res.text).toBe(200)
    expect(res.headers['content-type']).toContain('text/plain; version=0.0.4')
    const metrics = await parsePrometheus(res.text)
    const fn = { function: 'metered', version: '1' }
    expect(metrics.mini_lambda_invocations_total!.type).toBe('counter')
    expect({
      '2xx': sampleOf(metrics, 'mini_lambda_invocations_total', { ...fn, status_class: '2xx' }),
      '4xx': sampleOf(metrics, 'mini_lambda_invocations_total', { ...fn, status_class: '4xx' }),
      '5xx': sampleOf(metrics, 'mini_lambda_invocations_total', { ...fn, status_class: '5xx' }),
    }).toEqual({ '2xx': 9, '4xx': 1, '5xx': 4 })
    const errors = Object.fromEntries(['4xx', '5xx', 'crash', 'timeout', 'out_of_memory', 'start_failed'].map(c => [c, sampleOf(metrics, 'mini_lambda_errors_total', { ...fn, class: c })]))
    expect(errors).toEqual({ '4xx': 1, '5xx': 1, 'crash': 1, 'timeout': 1, 'out_of_memory': 1, 'start_failed': 0 })
    expect(sampleOf(metrics, 'mini_lambda_cold_starts_total', fn)).toBe(3)
    expect(sampleOf(metrics, 'mini_lambda_concurrency_peak', fn)).toBe(3)

    expect(metrics.mini_lambda_duration_seconds!.type).toBe('histogram')
    const histogram = histogramOf(metrics, 'mini_lambda_duration_seconds', fn)
    expect(histogram.count).toBe(14)
    expect(histogram.buckets['+Inf']).toBe(14)
    expect(histogram.sum).toBeGreaterThanOrEqual(1.99 + 3 * 0.4)
    // Four calls took 400 ms or more: at most ten fit under 250 ms, and all fit under 5 s.
    expect(histogram.buckets['0.25']).toBeLessThanOrEqual(10)
    expect(histogram.buckets['5']).toBe(14)
    // The agent's own process, from prom-client's standard set.
    expect(metrics.process_resident_memory_bytes?.type).toBe('gauge')
  })

  it('/_lambda/metrics needs a deploy key: 401 without one, 403 for an invoke key', async () => {
    const none = await agent.admin('/metrics', { key: null })
    expect(none.status).toBe(401)
    expect(none.json().error.code).toBe('API_KEY_REQUIRED')
    const invoke = await agent.admin('/metrics', { key: keys.invoke })
    expect(invoke.status).toBe(403)
    expect(invoke.json().error).toMatchObject({ code: 'KEY_SCOPE', scope: 'invoke', needed: 'deploy' })
    expect((await agent.admin('/metrics/functions', { key: keys.invoke })).status).toBe(403)
    // Not through a function's host either: that is the function's own path.
    expect((await agent.call('metered', '/_lambda/metrics')).json()).toEqual({ ok: true })
  })

  it('--metrics-port serves the same text without a key, on 127.0.0.1', async () => {
    const res = await request(metricsPort, '/metrics')
    expect(res.status).toBe(200)
    const metrics = await parsePrometheus(res.text)
    // The call through the function's host just above is one more success.
    expect(sampleOf(metrics, 'mini_lambda_invocations_total', { function: 'metered', status_class: '2xx' })).toBe(10)
    expect((await request(metricsPort, '/')).status).toBe(404)
    expect(agent.process.output()).toContain(`http://127.0.0.1:${metricsPort}/metrics`)
  })

  it('lambda list shows the calls and the error rate of the last hour', async () => {
    const table = await agent.cli(['list'])
    expect(table.code, table.output).toBe(0)
    expect(table.stdout).toMatch(/NAME\s+VERSION\s+STATE\s+URL\s+LAST DEPLOY\s+CALLS 1H\s+ERRORS 1H/)
    expect(table.stdout).toMatch(/metered\s+v1\s+\w+\s+\S+\s+\S+\s+15\s+4 \(26\.7%\)/)
    expect(table.stdout).toMatch(/quiet\s+v1\s+\w+\s+\S+\s+\S+\s+0\s+0 \(0\.0%\)/)
    const json = JSON.parse((await agent.cli(['list', '--json'])).stdout)
    expect(json.find((f: { name: string }) => f.name === 'metered').lastHour).toEqual({ invocations: 15, errors: 4, clientErrors: 1, errorRate: 4 / 15 })
  })

  it('lambda metrics prints a table; a bad window or name is refused', async () => {
    const table = await agent.cli(['metrics'])
    expect(table.code, table.output).toBe(0)
    expect(table.stdout).toMatch(/FUNCTION\s+CALLS\s+4XX\s+ERRORS\s+ERROR RATE\s+COLD\s+AVG\s+P50\s+P95\s+P99\s+PEAK\s+FAILURES/)
    expect(table.stdout).toMatch(/metered\s+15\s+1\s+4\s+26\.7%\s+3\s.*5xx 1 · crash 1 · timeout 1 · oom 1/)
    const one = await agent.cli(['metrics', 'metered'])
    expect(one.stdout).toMatch(/VERSION\s+CALLS/)
    expect(one.stdout).toMatch(/v1\s+15\s+1\s+4/)

    const tooFar = await agent.cli(['metrics', '--since', '2d'])
    expect(tooFar.code).toBe(2)
    expect(tooFar.output).toContain('at most 24h')
    const unknown = await agent.cli(['metrics', 'nope', '--json'])
    expect(unknown.code).toBe(1)
    expect(JSON.parse(unknown.stdout).error.code).toBe('FUNCTION_NOT_FOUND')
    const api = await agent.admin('/metrics/functions?since=2020-01-01T00:00:00Z', { key: keys.deploy })
    expect(api.status).toBe(400)
    expect(api.json().error).toMatchObject({ code: 'INVALID_SINCE', field: 'since' })
  })

  it('a clean restart keeps the totals and the minutes', async () => {
    await agent.stop()
    agent = await agent.restart()
    const [metered] = (await metricsJson(agent, ['metered'])).functions
    expect(metered.total).toMatchObject({ invocations: 15, errors: EXPECTED.errors, coldStarts: 3 })
    expect(metered.window).toMatchObject({ invocations: 15, coldStarts: 3, serverErrors: 4 })
    const metrics = await parsePrometheus((await agent.admin('/metrics')).text)
    expect(sampleOf(metrics, 'mini_lambda_invocations_total', { function: 'metered', status_class: '2xx' })).toBe(10)
    expect(histogramOf(metrics, 'mini_lambda_duration_seconds', { function: 'metered' }).count).toBe(15)
  })

  it('after a kill -9, the totals saved at the last interval are there', async () => {
    // The restarted agent has no instance yet: the first of these is a cold start.
    for (let i = 0; i < 2; i++) expect((await agent.call('metered')).status).toBe(200)
    // Saved every second (--metrics-save-interval 1): wait until the store has them, then kill.
    while (savedTotals(agent)?.invocations !== 17) await new Promise(resolve => setTimeout(resolve, 100))
    await agent.process.stop('SIGKILL')
    agent = await agent.restart()
    const [metered] = (await metricsJson(agent, ['metered'])).functions
    expect(metered.total).toMatchObject({ invocations: 17, serverErrors: 4, coldStarts: 4 })
    expect((await agent.call('metered')).status).toBe(200)
    expect((await metricsJson(agent, ['metered'])).functions[0].total).toMatchObject({ invocations: 18, coldStarts: 5 })
  })
})

describe('lambda agent --no-metrics', () => {
  const suite = useAgent({ provider: 'process', extraArgs: ['--no-metrics'] }, () => createProject({ 'functions/hello/index.ts': 'export default () => \'hi\'\n' }), async ({ agent, project }) => {
    expect((await agent.cli(['deploy'], { cwd: project.dir })).code).toBe(0)
  })

  it('counts nothing: the metrics routes answer 404 METRICS_DISABLED and lambda list shows dashes', async () => {
    expect((await suite.agent.call('hello')).status).toBe(200)
    const res = await suite.agent.admin('/metrics')
    expect(res.status).toBe(404)
    expect(res.json().error.code).toBe('METRICS_DISABLED')
    const cli = await suite.agent.cli(['metrics'])
    expect(cli.code).toBe(1)
    expect(cli.output).toContain('--no-metrics')
    const list = await suite.agent.cli(['list'])
    // CALLS 1H and ERRORS 1H are dashes; INSTANCES and MEMORY follow them.
    expect(list.stdout).toMatch(/hello\s+v1\s.*\s-\s+-\s+\d+\s+(?:[\d.]+ MB|-)\n/)
    expect(JSON.parse((await suite.agent.cli(['list', '--json'])).stdout)[0].lastHour).toBeUndefined()
    expect(existsSync(join(suite.agent.dataDir, 'state/metrics'))).toBe(false)
  })
})
