import type { LogEntry } from '../../../src/api/admin-api'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { readAll } from '../../../src/agent/logs/log-history'
import { LogService } from '../../../src/agent/logs/log-service'

const dirs: string[] = []
const services: LogService[] = []
afterEach(async () => {
  for (const service of services.splice(0)) await service.close()
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})
function service(options: { rate?: number, maxBytes?: number } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'log-service-'))
  dirs.push(dir)
  const logs = new LogService({ dir: join(dir, 'logs'), rate: options.rate ?? 1000, maxBytes: options.maxBytes ?? 10 * 1024 * 1024, maxAgeMs: 86_400_000 })
  services.push(logs)
  return logs
}
const output = (line: string, extra = {}) => ({ function: 'hello', version: 3, instance: 'hello-1', stream: 'stdout' as const, line, cutBytes: 0, ...extra })
async function stored(logs: LogService): Promise<LogEntry[]> {
  const files = logs.filesOf('hello')!
  await files.flush()
  const lines: string[] = []
  await readAll(files, {}, (line) => { lines.push(line) })
  return lines.map(line => JSON.parse(line))
}

describe('the agent\'s log of a function', () => {
  it('stores each line with time, function, version, instance, stream and the request the runtime marked', async () => {
    const logs = service()
    logs.collect(output('\x1Ereq-1\x1Fhello', { stream: 'stderr', time: Date.parse('2025-01-31T12:00:00.123Z') }))
    logs.collect(output('loading'))
    logs.collect(output('x'.repeat(10), { cutBytes: 500 }))
    logs.recordInvocation({ function: 'hello', version: '3', requestId: 'req-1', method: 'GET', path: '/a', status: 200, durationMs: 1.234, coldStart: true })
    const entries = await stored(logs)
    expect(entries[0]).toMatchObject({ type: 'output', time: '2025-01-31T12:00:00.123Z', function: 'hello', version: 3, instance: 'hello-1', stream: 'stderr', requestId: 'req-1', message: 'hello' })
    expect(entries[1]).toMatchObject({ requestId: null, message: 'loading' })
    expect(entries[2]!.type === 'output' && entries[2]!.message).toBe(`${'x'.repeat(10)} … [500 more bytes cut]`)
    expect(entries[3]).toMatchObject({ type: 'invocation', requestId: 'req-1', method: 'GET', path: '/a', status: 200, durationMs: 1.23, coldStart: true, version: 3 })
    expect(entries.map(e => e.seq)).toEqual([...entries.map(e => e.seq)].sort((a, b) => a - b))
  })

  it('a function printing faster than its rate loses lines, and a marker says how many', async () => {
    const logs = service({ rate: 100 })
    const startedAt = Date.now()
    for (let i = 0; i < 5000; i++) logs.collect(output(`line ${i}`))
    // The bucket refills while the loop runs: slow on a loaded machine, so the bound follows the loop's time.
    const refilled = Math.ceil(((Date.now() - startedAt + 1) / 1000) * 100)
    // The marker comes with the next second's check.
    await new Promise(resolve => setTimeout(resolve, 1200))
    const entries = await stored(logs)
    const kept = entries.filter(e => e.type === 'output')
    const marker = entries.find(e => e.type === 'dropped')
    console.log(`5000 lines at a rate of 100/s: ${kept.length} kept, marker: ${marker?.type === 'dropped' && marker.message}`)
    expect(kept.length).toBeLessThanOrEqual(100 + refilled)
    expect(kept.length).toBeLessThan(5000 / 2)
    expect(marker).toMatchObject({ type: 'dropped', reason: 'rate', count: 5000 - kept.length, function: 'hello', version: 3 })
  })

  it('a busy function that prints nothing is never said to print too much: the agent\'s invocation entries do not count', async () => {
    const logs = service({ rate: 100 })
    for (let i = 0; i < 2000; i++) logs.recordInvocation({ function: 'hello', version: '3', requestId: `req-${i}`, method: 'GET', path: '/', status: 200, durationMs: 1, coldStart: false })
    // its own lines still have the whole second's worth
    for (let i = 0; i < 50; i++) logs.collect(output(`line ${i}`))
    // A marker would come with the next second's check.
    await new Promise(resolve => setTimeout(resolve, 1200))
    const entries = await stored(logs)
    expect(entries.filter(e => e.type === 'dropped')).toEqual([])
    expect(entries.filter(e => e.type === 'invocation')).toHaveLength(2000)
    expect(entries.filter(e => e.type === 'output')).toHaveLength(50)
  })

  it('followers get new entries as they come; the agent\'s stop ends them', async () => {
    const logs = service()
    const seen: string[] = []
    let ended = false
    const unfollow = logs.follow('hello', { push: entry => void seen.push(entry.type === 'output' ? entry.message : entry.type), end: () => void (ended = true) })
    logs.collect(output('one'))
    logs.collect(output('two'))
    expect(seen).toEqual(['one', 'two'])
    unfollow()
    logs.collect(output('three'))
    expect(seen).toEqual(['one', 'two'])
    logs.follow('hello', { push: () => {}, end: () => void (ended = true) })
    await logs.close()
    expect(ended).toBe(true)
  })
})
