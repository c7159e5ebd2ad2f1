import { describe, expect, it } from 'vitest'
import { KeyedLock } from '../../../src/agent/deploy/keyed-lock'

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms))

describe('keyedLock: one operation at a time per function', () => {
  it('runs tasks on one key one after another, in order', async () => {
    const lock = new KeyedLock()
    const events: string[] = []
    const task = (name: string) => lock.run('hello', async () => {
      events.push(`${name} start`)
      await sleep(10)
      events.push(`${name} end`)
    })
    await Promise.all([task('a'), task('b'), task('c')])
    expect(events).toEqual(['a start', 'a end', 'b start', 'b end', 'c start', 'c end'])
  })

  it('runs different keys side by side', async () => {
    const lock = new KeyedLock()
    let running = 0
    let peak = 0
    const task = (key: string) => lock.run(key, async () => {
      peak = Math.max(peak, ++running)
      await sleep(10)
      running--
    })
    await Promise.all([task('a'), task('b'), task('c')])
    expect(peak).toBe(3)
  })

  it('a failing task releases the key for the next one', async () => {
    const lock = new KeyedLock()
    await expect(lock.run('hello', async () => { throw new Error('boom') })).rejects.toThrow('boom')
    expect(await lock.run('hello', async () => 'next')).toBe('next')
    expect(lock.held()).toEqual([])
  })

  it('runAll takes keys in one order, so two callers with crossed keys never wait on each other', async () => {
    const lock = new KeyedLock()
    const results = await Promise.all([
      lock.runAll(['a', 'b'], async () => { await sleep(5); return 1 }),
      lock.runAll(['b', 'a'], async () => { await sleep(5); return 2 }),
      lock.run('a', async () => 3),
    ])
    expect(results).toEqual([1, 2, 3])
  })
})
