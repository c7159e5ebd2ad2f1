import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { parseAttributedLine } from '../../src/log/attributed-line'
import { startRuntime } from '../helpers/runtime'

const dir = mkdtempSync(join(tmpdir(), 'attribution-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const bundle = (code: string) => {
  const file = join(dir, `${Math.random().toString(36).slice(2)}.mjs`)
  writeFileSync(file, code)
  return file
}
const linesOf = (output: string) => output.split('\n').filter(Boolean).map(parseAttributedLine)

describe('the runtime marks each line with the request that printed it', () => {
  it('concurrent requests on one instance: every line, in timers and after awaits too, carries its own request', async () => {
    const rt = await startRuntime(bundle(`
      console.log('loaded')
      export default async (request) => {
        const id = new URL(request.url).searchParams.get('n')
        console.log('start', id)
        await new Promise(r => setTimeout(r, Math.random() * 30))
        console.log('middle', id, '\\nsecond line of', id)
        await new Promise(r => setTimeout(r, Math.random() * 30))
        process.stdout.write(Buffer.from('bytes ' + id + '\\n'))
        setTimeout(() => console.log('timer', id), 1)
        return id
      }
    `))
    try {
      const answers = await Promise.all(Array.from({ length: 20 }, (_, n) => rt.request(`/?n=${n}`, { headers: { 'x-lambda-request-id': `req-${n}` } })))
      expect(answers.map(a => a.text)).toEqual(Array.from({ length: 20 }, (_, n) => String(n)))
      await new Promise(r => setTimeout(r, 100))
      const lines = linesOf(rt.output())
      expect(lines[0]).toEqual({ text: 'loaded' })
      const attributed = lines.filter(line => line.requestId)
      for (const line of attributed) {
        const n = /(\d+)\s*$/.exec(line.text)![1]
        expect(line.requestId, line.text).toBe(`req-${n}`)
      }
      for (let n = 0; n < 20; n++) {
        const mine = attributed.filter(l => l.requestId === `req-${n}`).map(l => l.text)
        expect(mine.sort()).toEqual([`bytes ${n}`, `middle ${n} `, `second line of ${n}`, `start ${n}`, `timer ${n}`])
      }
    }
    finally {
      await rt.stop()
    }
  })

  it('a line written in pieces is marked once, at its start', async () => {
    const rt = await startRuntime(bundle(`
      export default async () => {
        process.stdout.write('first ')
        await new Promise(r => setTimeout(r, 10))
        process.stdout.write('half\\nsecond line\\nthird ')
        process.stdout.write('line\\n')
        return 'ok'
      }
    `))
    try {
      await rt.request('/', { headers: { 'x-lambda-request-id': 'req-1' } })
      expect(linesOf(rt.output())).toEqual(['first half', 'second line', 'third line'].map(text => ({ requestId: 'req-1', text })))
    }
    finally {
      await rt.stop()
    }
  })

  it('an uncaught exception thrown later by a request is reported under that request, and the process exits 1 as Node would', async () => {
    const rt = await startRuntime(bundle(`
      export default (request) => {
        setTimeout(() => { throw new Error('exploded later') }, 5)
        return 'ok'
      }
    `))
    try {
      expect((await rt.request('/', { headers: { 'x-lambda-request-id': 'req-boom' } })).text).toBe('ok')
      expect(await rt.exited).toBe(1)
      const report = linesOf(rt.output()).filter(line => line.requestId === 'req-boom').map(line => line.text)
      expect(report[0]).toBe('Uncaught exception: Error: exploded later')
      expect(report.length).toBeGreaterThan(1)
    }
    finally {
      await rt.stop()
    }
  })

  it('a function with its own uncaughtException handler keeps running', async () => {
    const rt = await startRuntime(bundle(`
      process.on('uncaughtException', () => console.log('handled by the function'))
      export default (request) => {
        setTimeout(() => { throw new Error('caught by the function') }, 1)
        return 'ok'
      }
    `))
    try {
      await rt.request('/', { headers: { 'x-lambda-request-id': 'req-1' } })
      await new Promise(r => setTimeout(r, 50))
      expect((await rt.request('/')).text).toBe('ok')
      expect(linesOf(rt.output())).toEqual(expect.arrayContaining([{ requestId: 'req-1', text: 'handled by the function' }]))
    }
    finally {
      await rt.stop()
    }
  })
})
