import type { RuntimeLink } from '../../src/instances/runtime-link'
import type { Instance, InstanceExit } from '../../src/instances/types'
import type { LaunchRequest, Provider } from '../../src/providers/types'
import type { VersionRecord } from '../../src/store/records'
import { Agent } from 'node:http'
import { describe, expect, it } from 'vitest'
import { ServingTable } from '../../src/agent/serving-table'

/** A provider whose instances are ready at once and remember how they ended. */
function fakeProvider() {
  const started: Array<LaunchRequest & { stopped: boolean }> = []
  const discarded: string[] = []
  const provider = {
    name: 'process',
    isolated: false,
    init: async () => ({ orphansRemoved: 0 }),
    buildImage: async () => ({ ref: 'x' }),
    removeImage: async () => {},
    close: async () => {},
    discard: async (name: string, version: number) => void discarded.push(`${name}@${version}`),
    startInstance(request: LaunchRequest): Instance {
      const record = { ...request, stopped: false }
      started.push(record)
      let end!: (exit: InstanceExit) => void
      const exited = new Promise<InstanceExit>(resolve => (end = resolve))
      return {
        id: `${request.name}-${started.length}`,
        link: { agent: new Agent() } as unknown as RuntimeLink,
        ready: Promise.resolve(),
        exited,
        stop: async () => { record.stopped = true; end({ code: 0, signal: 'SIGTERM' }) },
        kill: async () => { record.stopped = true; end({ code: null, signal: 'SIGKILL' }) },
      }
    },
  } satisfies Provider
  return { provider, started, discarded }
}

const version = (number: number, env: Record<string, string> = {}): VersionRecord => ({
  function: 'hello',
  number,
  hash: String(number).repeat(64).slice(0, 64),
  kind: 'node',
  image: { ref: `img-${number}` },
  config: { name: 'hello', kind: 'node', timeout: 30, memory: 128, cpu: 1, env, schedule: [], concurrency: 10, minInstances: 0, maxInstances: 2, auth: 'none', network: false, rateLimit: false, async: { retries: 2, maxAgeSeconds: 21600 }, idle: { pauseAfter: 10 }, queue: {} },
  createdAt: new Date(0).toISOString(),
})

describe('servingTable: which version each function serves', () => {
  it('a switch is immediate for new requests; the old version\'s instances drain and stop', async () => {
    const { provider, started, discarded } = fakeProvider()
    const table = new ServingTable({ provider, idleTimeoutMs: 0 })
    table.switchTo(version(1))
    const v1 = await table.get('hello')!.pool.acquire()
    v1.release()
    table.switchTo(version(2))
    expect(table.get('hello')!.version.number).toBe(2)
    await new Promise(r => setTimeout(r, 50))
    expect(started[0]).toMatchObject({ version: 1, stopped: true })
    expect(discarded).toContain('hello@1')
    await table.close()
  })

  it('every kept version stays reachable by number; a forgotten one is not', async () => {
    const { provider } = fakeProvider()
    const table = new ServingTable({ provider, idleTimeoutMs: 0 })
    table.switchTo(version(1))
    table.switchTo(version(2))
    expect(table.version('hello', 1)?.number).toBe(1)
    await table.forget(version(1))
    expect(table.version('hello', 1)).toBeUndefined()
    expect(table.names()).toEqual(['hello'])
    await table.remove('hello')
    expect(table.get('hello')).toBeUndefined()
    expect(table.names()).toEqual([])
  })

  it('instances start with the environment resolved at each start (secrets included)', async () => {
    const { provider, started } = fakeProvider()
    let token = 'one'
    const table = new ServingTable({ provider, idleTimeoutMs: 0, resolveEnv: v => ({ ...v.config.env as Record<string, string>, TOKEN: token }) })
    table.switchTo(version(1, { PLAIN: 'p' }))
    ;(await table.get('hello')!.pool.acquire()).release()
    expect(started[0]!.env).toEqual({ PLAIN: 'p', TOKEN: 'one' })
    token = 'two'
    await table.recycle('hello', () => true)
    ;(await table.get('hello')!.pool.acquire()).release()
    expect(started.at(-1)!.env).toEqual({ PLAIN: 'p', TOKEN: 'two' })
    await table.close()
  })
})
