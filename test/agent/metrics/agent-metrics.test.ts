import type { RuntimeLink } from '../../../src/instances/runtime-link'
import type { Instance } from '../../../src/instances/types'
import type { Provider } from '../../../src/providers/types'
import type { InvocationRecord } from '../../../src/proxy/invoke'
import type { VersionRecord } from '../../../src/store/records'
import { Agent } from 'node:http'
import { createStorage } from 'unstorage'
import { describe, expect, it } from 'vitest'
import { InvocationEvents } from '../../../src/agent/invocation-events'
import { AgentMetrics } from '../../../src/agent/metrics/agent-metrics'
import { ServingTable } from '../../../src/agent/serving-table'
import { histogramOf, parsePrometheus, sampleOf } from '../../helpers/prometheus'

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const T0 = Date.UTC(2030, 0, 1, 12, 0, 0)

/** Instances that are ready at once: the pools count leases without running anything. */
const provider = {
  name: 'process',
  isolated: false,
  init: async () => ({ orphansRemoved: 0 }),
  buildImage: async () => ({ ref: 'x' }),
  removeImage: async () => {},
  close: async () => {},
  startInstance: (): Instance => ({
    id: 'i',
    link: { agent: new Agent() } as unknown as RuntimeLink,
    ready: Promise.resolve(),
    exited: new Promise(() => {}),
    stop: async () => {},
    kill: async () => {},
  }),
} satisfies Provider

const versionOf = (fn: string, number: number): VersionRecord => ({
  function: fn,
  number,
  hash: 'a'.repeat(64),
  kind: 'node',
  image: { ref: `img-${number}` },
  config: { name: fn, kind: 'node', timeout: 30, memory: 128, cpu: 1, env: {}, schedule: [], concurrency: 10, minInstances: 0, maxInstances: 2, auth: 'none', network: false, rateLimit: false, async: { retries: 2, maxAgeSeconds: 21600 }, idle: { pauseAfter: 10 }, queue: {} },
  createdAt: new Date(0).toISOString(),
})

/** An agent's metrics over a memory store, a real serving table and invocation events, on a clock the test moves. */
async function setup(storage = createStorage()) {
  const clock = { now: T0 }
  const serving = new ServingTable({ provider, idleTimeoutMs: 0 })
  serving.switchTo(versionOf('hello', 1))
  serving.switchTo(versionOf('other', 1))
  const invocations = new InvocationEvents()
  const warnings: string[] = []
  const open = () => AgentMetrics.open({ enabled: true, storage, serving, invocations, saveIntervalMs: 3_600_000, warn: line => warnings.push(line), clock: () => clock.now })
  const metrics = await open()
  metrics.start()
  const invoke = (fn: string, record: Partial<InvocationRecord> = {}) => invocations.listener!({ function: fn, version: '1', requestId: 'r', method: 'GET', path: '/', status: 200, durationMs: 10, coldStart: false, ...record })
  return { clock, serving, invocations, metrics, storage, warnings, invoke, open }
}

const windowOf = (metrics: AgentMetrics, fn: string, since = '1h') => metrics.summarize(fn, since).functions[0]!

describe('agent metrics: counted per version, per minute, kept 24 h and across restarts', () => {
  it('classifies each invocation: 4xx, 5xx, crash, timeout, out of memory, start failed', async () => {
    const { metrics, invoke } = await setup()
    invoke('hello')
    invoke('hello', { status: 301 })
    invoke('hello', { status: 404 })
    invoke('hello', { status: 499, error: 'CLIENT_CLOSED' })
    invoke('hello', { status: 500 })
    invoke('hello', { status: 503 })
    invoke('hello', { status: 502, error: 'FUNCTION_CRASHED' })
    invoke('hello', { status: 504, error: 'FUNCTION_TIMEOUT' })
    invoke('hello', { status: 502, error: 'FUNCTION_OUT_OF_MEMORY' })
    invoke('hello', { status: 502, error: 'FUNCTION_START_FAILED', coldStart: true })
    invoke('hello', { status: 502, error: 'FUNCTION_UNAVAILABLE', coldStart: true })
    // Retried by the gateway on the version that replaced a retired one: the retry is what counts.
    invoke('hello', { status: 503, error: 'VERSION_RETIRED' })
    const { window } = windowOf(metrics, 'hello')
    expect(window).toMatchObject({
      invocations: 11,
      errors: { '4xx': 2, '5xx': 2, 'crash': 1, 'timeout': 1, 'outOfMemory': 1, 'startFailed': 2 },
      serverErrors: 7,
      errorRate: 7 / 11,
      coldStarts: 2,
    })
    expect(metrics.recentActivity('hello')).toEqual({ invocations: 11, errors: 7, clientErrors: 2, errorRate: 7 / 11 })
    await metrics.close()
  })

  it('windows are whole minutes: --since picks the minutes, the series lists each minute with activity', async () => {
    const { metrics, invoke, clock } = await setup()
    invoke('hello', { durationMs: 100 })
    clock.now += 30 * MINUTE
    invoke('hello', { durationMs: 1 })
    invoke('hello', { durationMs: 3 })
    clock.now += 61 * 1000
    invoke('hello', { durationMs: 5 })
    // A window starts at the start of the minute its `since` falls in.
    expect(windowOf(metrics, 'hello', '1m').window.invocations).toBe(3)
    expect(windowOf(metrics, 'hello', '1s').window.invocations).toBe(1)
    const hour = windowOf(metrics, 'hello', '1h')
    expect(hour.window).toMatchObject({ invocations: 4 })
    expect(hour.window.duration).toMatchObject({ avgMs: 109 / 4, maxMs: 100 })
    expect(hour.series.map(p => [p.at, p.invocations])).toEqual([
      [new Date(T0).toISOString(), 1],
      [new Date(T0 + 30 * MINUTE).toISOString(), 2],
      [new Date(T0 + 31 * MINUTE).toISOString(), 1],
    ])
    expect(() => metrics.summarize('hello', '25h')).toThrow(/24 hours/)
    expect(() => metrics.summarize('hello', new Date(clock.now + HOUR).toISOString())).toThrow(/future/)
    expect(windowOf(metrics, 'hello', new Date(T0 + 30 * MINUTE).toISOString()).window.invocations).toBe(3)
    await metrics.close()
  })

  it('percentiles come from the merged minutes, within a bin (±19%) of the true value', async () => {
    const { metrics, invoke, clock } = await setup()
    // 1..1000 ms, spread over three minutes.
    for (let ms = 1; ms <= 1000; ms++) {
      if (ms % 400 === 0) clock.now += MINUTE
      invoke('hello', { durationMs: ms })
    }
    const { duration } = windowOf(metrics, 'hello').window
    for (const [p, estimate] of [[500, duration!.p50Ms], [950, duration!.p95Ms], [990, duration!.p99Ms]] as const) {
      expect(estimate / p).toBeGreaterThan(0.81)
      expect(estimate / p).toBeLessThan(1.19)
    }
    expect(duration!.maxMs).toBe(1000)
    expect(duration!.avgMs).toBeCloseTo(500.5, 6)
    await metrics.close()
  })

  it('the concurrency peak is read from the instance pool', async () => {
    const { metrics, serving } = await setup()
    const pool = serving.get('hello')!.pool
    const leases = await Promise.all([pool.acquire(), pool.acquire(), pool.acquire()])
    for (const lease of leases) lease.release()
    expect(windowOf(metrics, 'hello').window.concurrencyPeak).toBe(3)
    // Read again with nothing in flight since: the minute keeps its peak.
    expect(windowOf(metrics, 'hello').window.concurrencyPeak).toBe(3)
    await metrics.close()
  })

  it('a restart restores totals and minutes from the store, and Prometheus continues from them', async () => {
    const first = await setup()
    for (let i = 0; i < 5; i++) first.invoke('hello', { durationMs: 20, coldStart: i === 0 })
    first.invoke('hello', { status: 500, durationMs: 3000 })
    await first.metrics.close()

    const second = await first.open()
    const restored = windowOf(second, 'hello')
    expect(restored.window).toMatchObject({ invocations: 6, coldStarts: 1, serverErrors: 1 })
    expect(restored.total).toMatchObject({ invocations: 6, coldStarts: 1, since: new Date(T0).toISOString(), durationAvgMs: 3100 / 6 })
    const metrics = await parsePrometheus(await (await second.prometheus()).text())
    expect(sampleOf(metrics, 'mini_lambda_invocations_total', { function: 'hello', status_class: '2xx' })).toBe(5)
    expect(sampleOf(metrics, 'mini_lambda_invocations_total', { function: 'hello', status_class: '5xx' })).toBe(1)
    const histogram = histogramOf(metrics, 'mini_lambda_duration_seconds', { function: 'hello', version: '1' })
    expect(histogram).toMatchObject({ count: 6, sum: 3.1 })
    expect(histogram.buckets).toMatchObject({ '0.01': 0, '0.025': 5, '2.5': 5, '5': 6, '+Inf': 6 })
    await second.close()
  })

  it('minutes older than 24 h are freed and leave the store; totals stay', async () => {
    const { metrics, invoke, clock, storage } = await setup()
    invoke('hello')
    await metrics.flush()
    const pageKeys = async () => (await storage.getKeys('metrics:hello')).filter(key => /:p\d+$/.test(key))
    expect(await pageKeys()).toHaveLength(1)
    clock.now += 25 * HOUR
    invoke('hello')
    await metrics.flush()
    expect((await pageKeys()).map(key => Number(key.split(':p')[1]))).toEqual([Math.floor((T0 + 25 * HOUR) / MINUTE / 10)])
    const day = windowOf(metrics, 'hello', '24h')
    expect(day.window.invocations).toBe(1)
    expect(day.total.invocations).toBe(2)
    await metrics.close()
  })

  it('a whole day of traffic fits in at most 146 ten-minute pages, whatever the number of calls', async () => {
    const { metrics, invoke, clock, storage } = await setup()
    for (let minute = 0; minute < 30 * 60; minute++) {
      for (let i = 0; i < 3; i++) invoke('hello')
      clock.now += MINUTE
      if (minute % 120 === 0) await metrics.flush()
    }
    await metrics.flush()
    const pages = (await storage.getKeys('metrics:hello')).filter(key => /:p\d+$/.test(key))
    expect(pages.length).toBeLessThanOrEqual(146)
    expect(pages.length).toBeGreaterThanOrEqual(144)
    expect(windowOf(metrics, 'hello', '24h').window.invocations).toBe(3 * 24 * 60)
    expect(windowOf(metrics, 'hello').total.invocations).toBe(3 * 30 * 60)
    await metrics.close()
  })

  it('a deleted function\'s metrics go; a pruned version\'s go once its minutes are 24 h old', async () => {
    const { metrics, invoke, clock, serving, storage } = await setup()
    invoke('other')
    invoke('hello')
    serving.switchTo(versionOf('hello', 2))
    invoke('hello', { version: '2' })
    await metrics.flush()
    expect(windowOf(metrics, 'hello').versions.map(v => v.version)).toEqual([2, 1])

    await serving.remove('other')
    await serving.forget(versionOf('hello', 1))
    await metrics.flush()
    expect(await storage.getKeys('metrics:other')).toEqual([])
    // Version 1 is no longer kept, but its minutes are still within the day.
    expect(windowOf(metrics, 'hello').versions.map(v => v.version)).toEqual([2, 1])
    clock.now += 25 * HOUR
    await metrics.flush()
    expect(windowOf(metrics, 'hello').versions.map(v => v.version)).toEqual([2])
    expect((await storage.getKeys('metrics:hello')).every(key => key.startsWith('metrics:hello:2:'))).toBe(true)
    await metrics.close()
  })

  it('a record it cannot read is skipped with a warning, never fatal', async () => {
    const storage = createStorage()
    await storage.setItem('metrics:hello:1:totals', { format: 99 })
    await storage.setItem('metrics:hello:1:p1', { format: 1, index: 1, layout: { minutes: 10, counters: 1, bins: 1 }, data: '' })
    const { metrics, warnings } = await setup(storage)
    expect(warnings.join('\n')).toContain('metrics:hello:1:totals')
    expect(windowOf(metrics, 'hello').total.invocations).toBe(0)
    await metrics.close()
  })
})

describe('gauges: other parts of the agent publish per-function values', () => {
  it('a registered gauge shows in lambda metrics (now and its peak) and in Prometheus, until unregistered', async () => {
    const { metrics } = await setup()
    const depth = new Map([['hello', 3]])
    const unregister = metrics.registerGauge({ name: 'async_queue_depth', help: 'Invocations waiting in the async queue.', read: () => depth })
    expect(windowOf(metrics, 'hello').gauges).toEqual({ async_queue_depth: { current: 3, peak: 3 } })
    depth.set('hello', 1)
    const hello = windowOf(metrics, 'hello')
    expect(hello.gauges).toEqual({ async_queue_depth: { current: 1, peak: 3 } })
    expect(hello.series.at(-1)!.gauges).toEqual({ async_queue_depth: 3 })
    expect(windowOf(metrics, 'other').gauges).toEqual({ async_queue_depth: { current: null, peak: null } })

    const parsed = await parsePrometheus(await (await metrics.prometheus()).text())
    expect(parsed.mini_lambda_async_queue_depth?.type).toBe('gauge')
    expect(sampleOf(parsed, 'mini_lambda_async_queue_depth', { function: 'hello' })).toBe(1)

    expect(() => metrics.registerGauge({ name: 'async_queue_depth', help: '', read: () => [] })).toThrow(/registered already/)
    expect(() => metrics.registerGauge({ name: 'Queue-Depth', help: '', read: () => [] })).toThrow(/snake case/)
    unregister()
    expect(windowOf(metrics, 'hello').gauges).toEqual({})
    expect(await (await metrics.prometheus()).text()).not.toContain('async_queue_depth')
    await metrics.close()
  })
})
