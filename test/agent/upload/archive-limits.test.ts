import type { TarEntrySpec } from '../../helpers/tar'
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ARCHIVE_LIMITS } from '../../../src/agent/upload/archive-limits'
import { receiveUpload } from '../../../src/agent/upload/receive-upload'
import { unpackError } from '../../../src/agent/upload/upload-errors'
import { LambdaError } from '../../../src/errors'
import { buildTar } from '../../helpers/tar'

let root: string
let dest: string
const originalTmpdir = process.env.TMPDIR

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'archive-limits-'))
  // The spool goes to the temp dir: a private one keeps other suites' temp-file checks undisturbed.
  process.env.TMPDIR = root
  dest = join(root, 'dest')
  await mkdir(dest)
})
afterEach(async () => {
  if (originalTmpdir === undefined) delete process.env.TMPDIR
  else process.env.TMPDIR = originalTmpdir
  await rm(root, { recursive: true, force: true })
})

const index: TarEntrySpec = { path: 'index.mjs', body: 'export default () => "hi"' }
const deepPath = (depth: number, name = 'a') => Array.from({ length: depth }, () => name).join('/')
/** What a broken header followed by: tar would call this damaged if it ever got this far. */
const garbage = Buffer.alloc(4096, 0x41)

async function rejectionOf(archive: Buffer): Promise<LambdaError> {
  const error = await receiveUpload(Readable.from([archive]), dest).then(() => undefined, (e: unknown) => e)
  expect(LambdaError.is(error), `expected a LambdaError, got ${String(error)}`).toBe(true)
  expect(await readdir(dest)).toEqual([])
  return error as LambdaError
}

async function expectRejected(archive: Buffer, reason: string) {
  const error = await rejectionOf(archive)
  expect(error).toMatchObject({ code: 'BAD_UPLOAD', status: 400, data: { reason } })
  expect(error.hint).toBeTruthy()
  return error
}

/** The files unpacked; the folder is emptied again for the next upload. */
async function accepted(entries: TarEntrySpec[]): Promise<string[]> {
  const { files } = await receiveUpload(Readable.from([buildTar(entries)]), dest)
  await rm(dest, { recursive: true, force: true })
  await mkdir(dest)
  return files
}

describe('the agent bounds the shape of an upload', () => {
  it('publishes its limits in one constant', () => {
    expect(ARCHIVE_LIMITS).toEqual({ maxPathBytes: 1024, maxSegmentBytes: 255, maxDepth: 128, maxEntries: 50_000, maxHeaderBytes: 1024 * 1024 })
    expect(Object.isFrozen(ARCHIVE_LIMITS)).toBe(true)
  })

  it('rejects a path longer than the limit, quoting only its start', async () => {
    const path = `${'x/'.repeat(ARCHIVE_LIMITS.maxPathBytes / 2)}index.mjs`
    const error = await expectRejected(buildTar([index, { path, body: 'x' }]), 'path-too-long')
    expect(error.message).toContain(`${Buffer.byteLength(path)} bytes; the limit is 1024`)
    expect(error.message.length).toBeLessThan(500)
  })

  it('counts the limit in bytes, not characters', async () => {
    // 300 characters, 900 bytes of UTF-8: under the byte limit; 400 of them (1200 bytes) are over it.
    expect(await accepted([index, { path: `${'€'.repeat(60)}/${'€'.repeat(60)}/${'€'.repeat(60)}/${'€'.repeat(60)}/${'€'.repeat(60)}`, body: 'x' }])).toHaveLength(2)
    await expectRejected(buildTar([index, { path: `${'€'.repeat(80)}/`.repeat(5), body: 'x' }]), 'path-too-long')
  })

  it('rejects a link whose target is longer than the limit', async () => {
    await expectRejected(buildTar([index, { path: 'far', type: 'SymbolicLink', linkpath: 'a/'.repeat(600) }]), 'path-too-long')
  })

  it('accepts a name of 255 bytes and rejects one of 256', async () => {
    expect(await accepted([index, { path: `lib/${'n'.repeat(255)}`, body: 'x' }])).toContain(`lib/${'n'.repeat(255)}`)
    const error = await expectRejected(buildTar([index, { path: `lib/${'n'.repeat(256)}`, body: 'x' }]), 'name-too-long')
    expect(error.message).toContain('256 bytes; the limit is 255')
  })

  it('accepts a path 128 folders deep and rejects one of 129', async () => {
    expect(await accepted([index, { path: deepPath(128), body: 'x' }])).toContain(deepPath(128))
    const error = await expectRejected(buildTar([index, { path: deepPath(129), body: 'x' }]), 'too-deep')
    expect(error.message).toContain('129 folders deep; the limit is 128')
  })

  it('rejects an archive with more entries than the limit, without reading past the first one too many', async () => {
    const entries: TarEntrySpec[] = Array.from({ length: ARCHIVE_LIMITS.maxEntries + 1 }, (_, i) => ({ path: `f${i}`, body: '' }))
    // The damage after the last entry is never reached: the count stops the reading first.
    const error = await expectRejected(Buffer.concat([buildTar(entries, { endBlocks: false }), garbage]), 'too-many-entries')
    expect(error.message).toContain('more than 50000 entries')
  })

  it('stops reading at the first broken header, so the rest of a huge archive is never parsed', async () => {
    await expectRejected(Buffer.concat([buildTar([index, { path: deepPath(40_000), body: 'x' }], { endBlocks: false }), garbage]), 'path-too-long')
    await expectRejected(Buffer.concat([buildTar([index, { path: deepPath(200), body: 'x' }], { endBlocks: false }), garbage]), 'too-deep')
  })

  it('rejects an extended header larger than the limit instead of silently dropping it', async () => {
    // tar would skip the oversized pax header and use the short, truncated name of the ustar header behind it.
    const error = await expectRejected(buildTar([index, { path: deepPath(600_000), body: 'x' }]), 'header-too-large')
    expect(error.message).toContain('the limit is 1048576')
  })
})

describe('a failure while unpacking is the client\'s mistake only when the archive caused it', () => {
  it('answers 400 for what tar refused, 507 for the agent\'s full disk, 500 for a bug of ours', () => {
    const refused = Object.assign(new Error('ENOTDIR: not a directory'), { code: 'ENOTDIR', tarCode: 'TAR_ENTRY_ERROR' })
    expect(unpackError('/x', refused)).toMatchObject({ code: 'BAD_UPLOAD', status: 400, data: { reason: 'unpack-refused' } })
    const tooDeep = Object.assign(new Error('TAR_ENTRY_ERROR: path excessively deep'), { code: 'TAR_ENTRY_ERROR', tarCode: 'TAR_ENTRY_ERROR' })
    expect(unpackError('/x', tooDeep).status).toBe(400)
    const full = Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC', tarCode: 'TAR_ENTRY_ERROR' })
    expect(unpackError('/x', full)).toMatchObject({ code: 'DISK_FULL', status: 507 })
    expect(unpackError('/x', new TypeError('a bug of ours'))).toMatchObject({ code: 'UPLOAD_FAILED', status: 500 })
  })
})
