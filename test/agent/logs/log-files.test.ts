import type { LogEntry } from '../../../src/api/admin-api'
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { FunctionLogFiles, segmentBytesFor } from '../../../src/agent/logs/log-files'
import { readAll, readTail } from '../../../src/agent/logs/log-history'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'logs-'))
  dirs.push(dir)
  return join(dir, 'logs', 'hello')
}

/** Appends an output entry the way the agent does; `at` is its time in ms. */
function add(files: FunctionLogFiles, message: string, at = Date.now(), extra: Partial<LogEntry> = {}) {
  const seq = files.nextSeq(at)
  const entry = { seq, time: new Date(at).toISOString(), type: 'output', function: 'hello', version: 1, instance: 'i', stream: 'stdout', requestId: null, message, ...extra }
  expect(files.append(seq, `${JSON.stringify(entry)}\n`)).toBe(true)
  return seq
}
const sizeOf = (dir: string) => readdirSync(dir).reduce((sum, name) => sum + statSync(join(dir, name)).size, 0)
const messages = (lines: string[]) => lines.map(line => JSON.parse(line).message)

describe('a function\'s log files', () => {
  it('are private (folders 0700, files 0600) and survive a restart, whose entries continue the numbering', async () => {
    const dir = tempDir()
    const first = new FunctionLogFiles(dir, { maxBytes: 1024 * 1024, maxAgeMs: 86_400_000 })
    const last = [add(first, 'one'), add(first, 'two')][1]!
    await first.close()
    expect(statSync(dir).mode & 0o777).toBe(0o700)
    expect(statSync(join(dir, '..')).mode & 0o777).toBe(0o700)
    for (const name of readdirSync(dir)) expect(statSync(join(dir, name)).mode & 0o777).toBe(0o600)

    const again = new FunctionLogFiles(dir, { maxBytes: 1024 * 1024, maxAgeMs: 86_400_000 })
    expect(again.lastSeq).toBe(last)
    // before anything new is appended, a reader sees what the earlier run wrote
    const upTo = await again.flush()
    expect(upTo).toBe(last)
    expect(messages(await readTail(again, {}, 10, upTo))).toEqual(['one', 'two'])
    // even with a clock that went back, numbers only grow
    expect(add(again, 'three', Date.now() - 3_600_000)).toBe(last + 1)
    await again.flush()
    const stored: string[] = []
    await readAll(again, {}, (line) => { stored.push(line) })
    expect(messages(stored)).toEqual(['one', 'two', 'three'])
    await again.close()
  })

  it('never hold more than maxBytes: full files are closed and the oldest removed', async () => {
    const dir = tempDir()
    const maxBytes = 64 * 1024
    const files = new FunctionLogFiles(dir, { maxBytes, maxAgeMs: 86_400_000 })
    const line = 'x'.repeat(200)
    for (let i = 0; i < 2000; i++) {
      add(files, `${i} ${line}`)
      if (i % 100 === 99) await files.flush()
    }
    await files.flush()
    const size = sizeOf(dir)
    console.log(`2000 entries of ~400 bytes into a ${maxBytes / 1024} KB limit: ${readdirSync(dir).length} files, ${size} bytes on disk`)
    expect(size).toBeLessThanOrEqual(maxBytes)
    expect(size).toBeGreaterThan(maxBytes - 2 * segmentBytesFor(maxBytes))
    // what is left is the newest, in order
    const kept = messages(await readTail(files, {}, 10_000))
    expect(kept.at(-1)).toMatch(/^1999 /)
    expect(kept.map(m => Number(m.split(' ')[0]))).toEqual(kept.map((_, i) => 2000 - kept.length + i))
    await files.close()
  })

  it('remove files whose entries are all older than maxAge', async () => {
    const dir = tempDir()
    const files = new FunctionLogFiles(dir, { maxBytes: 1024 * 1024, maxAgeMs: 60_000 })
    const now = Date.now()
    // The age bound closes a file every maxAge/8 (here: 7.5 s), so old entries sit in files of their own.
    add(files, 'an hour ago', now - 3_600_000)
    add(files, 'ten minutes ago', now - 600_000)
    add(files, 'just now', now)
    await files.flush()
    expect(readdirSync(dir)).toHaveLength(3)
    await files.prune(now)
    expect(messages(await readTail(files, {}, 10))).toEqual(['just now'])
    expect(readdirSync(dir)).toHaveLength(1)
    // once even the newest is old, nothing is left
    await files.prune(now + 120_000)
    expect(readdirSync(dir)).toHaveLength(0)
    add(files, 'later', now + 120_000)
    await files.flush()
    expect(messages(await readTail(files, {}, 10))).toEqual(['later'])
    await files.close()
  })

  it('a flush waits for what was appended before it, not for a flood that goes on', async () => {
    const files = new FunctionLogFiles(tempDir(), { maxBytes: 1024 * 1024, maxAgeMs: 86_400_000 })
    const marked = add(files, 'before the flush')
    let flooding = true
    const flood = (async () => {
      while (flooding) {
        add(files, 'more')
        await new Promise(resolve => setImmediate(resolve))
      }
    })()
    await new Promise(resolve => setTimeout(resolve, 20))
    const upTo = await files.flush()
    flooding = false
    await flood
    expect(upTo).toBeGreaterThanOrEqual(marked)
    expect(messages(await readTail(files, {}, 1, upTo))).toEqual(['more'])
    await files.close()
  })

  it('answer tail, since, version, request (also by its first 8 characters) and after', async () => {
    const dir = tempDir()
    const files = new FunctionLogFiles(dir, { maxBytes: 1024 * 1024, maxAgeMs: 86_400_000 })
    const t = Date.now() - 10_000
    add(files, 'a', t, { requestId: 'aaaaaaaa-1111' })
    const afterA = add(files, 'b', t + 1000, { requestId: 'bbbbbbbb-2222', version: 2 })
    add(files, 'c', t + 2000, { requestId: 'aaaaaaaa-1111', version: 2 })
    add(files, 'd', t + 3000)
    await files.flush()
    const all = async (filter: object) => {
      const lines: string[] = []
      await readAll(files, filter, (line) => { lines.push(line) })
      return messages(lines)
    }
    expect(messages(await readTail(files, {}, 2))).toEqual(['c', 'd'])
    expect(await all({ since: t + 1500 })).toEqual(['c', 'd'])
    expect(await all({ version: 2 })).toEqual(['b', 'c'])
    expect(await all({ request: 'aaaaaaaa-1111' })).toEqual(['a', 'c'])
    expect(await all({ request: 'aaaaaaaa' })).toEqual(['a', 'c'])
    // shorter than 8 characters: only the whole id matches
    expect(await all({ request: 'aaaa' })).toEqual([])
    expect(await all({ after: afterA })).toEqual(['c', 'd'])
    await files.close()
  })
})
