import type { ArchiveEntry } from '../../../src/agent/upload/archive-entries'
import { Worker } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'

interface CheckOutcome {
  files?: number
  code?: string
  reason?: string
  message?: string
  /** Segment steps the checker counted. */
  steps: number
  ms: number
}

/** A deadline, not a measurement: a checker that is quadratic again would run for many minutes on these inputs. */
const DEADLINE_MS = 45_000

/** Runs the limit-free checker on `entries` in a worker, stopped if it does not finish by the deadline. */
function check(label: string, entries: ArchiveEntry[]): Promise<CheckOutcome> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('../../helpers/check-entries-worker.mjs', import.meta.url), { workerData: { entries } })
    const timer = setTimeout(() => {
      void worker.terminate()
      reject(new Error(`checking ${label} did not finish in ${DEADLINE_MS / 1000} s: the checker is not linear`))
    }, DEADLINE_MS)
    worker.once('message', (outcome: CheckOutcome) => {
      clearTimeout(timer)
      console.log(`${label}: ${outcome.steps} steps in ${outcome.ms} ms -> ${outcome.reason ?? `${outcome.files} files`}`)
      void worker.terminate()
      resolve(outcome)
    })
    worker.once('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
  })
}

const file = (path: string): ArchiveEntry => ({ path, type: 'File', size: 1 })
const dir = (path: string): ArchiveEntry => ({ path, type: 'Directory', size: 0 })
const symlink = (path: string, linkpath: string): ArchiveEntry => ({ path, type: 'SymbolicLink', linkpath, size: 0 })
const deepPath = (segments: number) => Array.from({ length: segments }, () => 'a').join('/')

describe('the upload checker does work linear in the size of the archive', () => {
  it('checks a 200,000-segment path in steps proportional to its length', async () => {
    const small = await check('2,000 segments', [file(deepPath(2_000))])
    const huge = await check('200,000 segments', [file(deepPath(200_000))])
    expect(small.files).toBe(1)
    expect(huge.files).toBe(1)
    // 100 times the segments: about 100 times the work, where the old prefix check did 10,000 times.
    expect(huge.steps).toBeLessThanOrEqual(2 * 200_000)
    expect(huge.steps / small.steps).toBeLessThan(110)
  })

  it('finds an entry inside a link whichever comes first, without walking the path again per segment', async () => {
    const linkFirst = await check('link, then a 200,000-segment path through it', [dir('real'), symlink('a', 'real'), file(deepPath(200_000))])
    expect(linkFirst).toMatchObject({ code: 'BAD_UPLOAD', reason: 'through-link' })
    const linkLast = await check('a 200,000-segment path, then a link over its top', [file(deepPath(200_000)), symlink('a', '.')])
    expect(linkLast).toMatchObject({ code: 'BAD_UPLOAD', reason: 'through-link' })
    expect(linkLast.message).toContain('characters)') // the entry is quoted shortened, not 400 KB of it
    expect(linkLast.steps).toBeLessThanOrEqual(3 * 200_000)
  })

  it('resolves many links with long targets in steps proportional to the targets', async () => {
    // 1,000 links, each to a 1,000-segment target that climbs down and back up: a million segments in all.
    const target = `${'a/'.repeat(500)}${'../'.repeat(500)}index.mjs`
    const entries = [file('index.mjs'), dir(deepPath(500)), ...Array.from({ length: 1_000 }, (_, i) => symlink(`link${i}`, target))]
    const outcome = await check('1,000 links to 1,000-segment targets', entries)
    expect(outcome.files).toBe(1)
    expect(outcome.steps).toBeLessThanOrEqual(2 * 1_000 * 1_001 + 2 * 500)
  })

  it('resolves each link of a long chain once, and refuses a chain the kernel would not follow', async () => {
    // link0 -> link1 -> … -> link39 -> index.mjs: fine, and linked to once each however many links use it.
    const chain = Array.from({ length: 39 }, (_, i) => symlink(`link${i}`, `link${i + 1}`))
    const ok = await check('a chain of 40 links, used by 10,000 more', [file('index.mjs'), ...chain, symlink('link39', 'index.mjs'), ...Array.from({ length: 10_000 }, (_, i) => symlink(`user${i}`, 'link0'))])
    expect(ok.files).toBe(1)
    expect(ok.steps).toBeLessThan(50_000)
    const tooLong = await check('a chain of 10,000 links', [file('index.mjs'), ...Array.from({ length: 10_000 }, (_, i) => symlink(`link${i}`, i === 9_999 ? 'index.mjs' : `link${i + 1}`))])
    expect(tooLong).toMatchObject({ code: 'BAD_UPLOAD', reason: 'link-chain' })
  })

  it('still catches every escape on the way', async () => {
    const escape = await check('a link that escapes through a deep detour', [file('index.mjs'), dir(deepPath(1_000)), symlink('out', `${'a/'.repeat(1_000)}${'../'.repeat(1_001)}`)])
    expect(escape).toMatchObject({ reason: 'link-outside' })
    const insideFile = await check('a file below a file', [file('index.mjs'), file('a'), file('a/b')])
    expect(insideFile).toMatchObject({ reason: 'inside-file' })
  })
})
