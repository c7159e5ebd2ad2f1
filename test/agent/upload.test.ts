import type { Server } from 'node:http'
import type { TarEntrySpec } from '../helpers/tar'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { Readable } from 'node:stream'
import { gzipSync } from 'node:zlib'
import { c as createTar } from 'tar'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { receiveUpload } from '../../src/agent/upload/receive-upload'
import { LambdaError } from '../../src/errors'
import { request } from '../helpers/http'
import { buildTar } from '../helpers/tar'

let root: string
let dest: string

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'upload-test-'))
  // dest sits two levels down so `..` tricks land inside `root`, where the test can look for them.
  dest = join(root, 'jail', 'dest')
  await mkdir(dest, { recursive: true })
})

afterEach(async () => {
  await rm(root, { recursive: true, force: true })
})

const bodyOf = (bytes: Buffer) => Readable.from([bytes])

/** A real build context packed by `tar.c`, as `lambda deploy` would send it. */
async function packFolder(files: Record<string, string>, gzip = false): Promise<Buffer> {
  const src = join(root, 'src')
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(src, path)), { recursive: true })
    await writeFile(join(src, path), content)
  }
  const file = join(root, gzip ? 'context.tar.gz' : 'context.tar')
  await createTar({ cwd: src, file, gzip, portable: true }, ['.'])
  return readFile(file)
}

async function rejectionOf(body: Buffer | NodeJS.ReadableStream, limits?: { maxBytes: number }): Promise<LambdaError> {
  const error = await receiveUpload(Buffer.isBuffer(body) ? bodyOf(body) : body, dest, limits).then(() => undefined, (e: unknown) => e)
  expect(LambdaError.is(error), `expected a LambdaError, got ${String(error)}`).toBe(true)
  return error as LambdaError
}

/** The heart of every rejection: not one byte landed in dest, nor next to it. */
async function expectNothingWritten() {
  expect(await readdir(dest)).toEqual([])
  expect(await readdir(join(root, 'jail'))).toEqual(['dest'])
  expect(await readdir(root)).toEqual(['jail'])
}

async function expectEntryRejected(entries: TarEntrySpec[], entry: string, reason: string) {
  const error = await rejectionOf(buildTar(entries))
  expect(error.code).toBe('BAD_UPLOAD')
  expect(error.status).toBe(400)
  expect(error.message).toContain(`Upload rejected: entry "${entry}"`)
  expect(error.data).toMatchObject({ entry, reason })
  expect(error.hint).toBeTruthy()
  await expectNothingWritten()
  return error
}

describe('the agent unpacks a valid upload', () => {
  it('extracts exactly the files of the build context, nested folders included', async () => {
    const archive = await packFolder({
      'index.mjs': 'export default () => "hi"',
      'index.mjs.map': '{}',
      'function.json': '{"name":"hello"}',
      'Dockerfile': 'FROM node:20',
      'lib/nested/util.mjs': 'export const x = 1',
    })
    const received = await receiveUpload(bodyOf(archive), dest)
    expect(received).toEqual({
      dir: dest,
      files: ['Dockerfile', 'function.json', 'index.mjs', 'index.mjs.map', 'lib/nested/util.mjs'],
      bytes: archive.length,
    })
    expect((await readdir(dest)).sort()).toEqual(['Dockerfile', 'function.json', 'index.mjs', 'index.mjs.map', 'lib'])
    expect(await readFile(join(dest, 'lib/nested/util.mjs'), 'utf8')).toBe('export const x = 1')
  })

  it('accepts a gzip-compressed archive', async () => {
    const archive = await packFolder({ 'index.mjs': 'export default () => 1', 'sub/a.txt': 'a' }, true)
    expect(archive[0]).toBe(0x1F)
    const received = await receiveUpload(bodyOf(archive), dest)
    expect(received.files).toEqual(['index.mjs', 'sub/a.txt'])
    expect(received.bytes).toBe(archive.length)
    expect(await readFile(join(dest, 'sub/a.txt'), 'utf8')).toBe('a')
  })

  it('creates the destination folder when it does not exist yet', async () => {
    const fresh = join(root, 'jail', 'fresh', 'context')
    const received = await receiveUpload(bodyOf(buildTar([{ path: 'index.mjs', body: 'x' }])), fresh)
    expect(received.dir).toBe(fresh)
    expect(await readFile(join(fresh, 'index.mjs'), 'utf8')).toBe('x')
  })

  it('keeps a relative symbolic link that stays inside the upload', async () => {
    const received = await receiveUpload(bodyOf(buildTar([
      { path: 'src/', type: 'Directory', mode: 0o755 },
      { path: 'src/handler.mjs', body: 'export default 1' },
      { path: 'lib/current', type: 'SymbolicLink', linkpath: '../src' },
      { path: 'entry.mjs', type: 'SymbolicLink', linkpath: 'src/handler.mjs' },
    ])), dest)
    expect(received.files).toEqual(['src/handler.mjs'])
    expect(await readlink(join(dest, 'lib/current'))).toBe('../src')
    expect(await readFile(join(dest, 'entry.mjs'), 'utf8')).toBe('export default 1')
  })

  it('drops setuid bits and world-writable modes from the archive', async () => {
    await receiveUpload(bodyOf(buildTar([
      { path: 'run.sh', body: '#!/bin/sh', mode: 0o4777 },
      { path: 'data.txt', body: 'd', mode: 0o666 },
    ])), dest)
    expect((await stat(join(dest, 'run.sh'))).mode & 0o7777).toBe(0o755)
    expect((await stat(join(dest, 'data.txt'))).mode & 0o7777).toBe(0o644)
  })

  it('leaves no temp files behind, whether the upload is accepted or rejected', async () => {
    const temps = async () => (await readdir(tmpdir())).filter(name => name.startsWith('lambda-upload-')).sort()
    const before = await temps()
    await receiveUpload(bodyOf(buildTar([{ path: 'index.mjs', body: 'x' }])), dest)
    await receiveUpload(bodyOf(buildTar([{ path: '/etc/x', body: 'x' }])), join(root, 'other')).catch(() => {})
    await receiveUpload(bodyOf(randomBytes(4096)), join(root, 'other'), { maxBytes: 1024 }).catch(() => {})
    expect(await temps()).toEqual(before)
  })
})

describe('the agent rejects an upload that would write outside its folder', () => {
  it('rejects an absolute path', async () => {
    await expectEntryRejected([{ path: 'index.mjs', body: 'ok' }, { path: '/etc/passwd', body: 'root::0:0::/:/bin/sh' }], '/etc/passwd', 'absolute-path')
  })

  it('rejects a path that climbs out with ".."', async () => {
    await expectEntryRejected([{ path: 'index.mjs', body: 'ok' }, { path: 'a/../../etc/x', body: 'owned' }], 'a/../../etc/x', 'parent-segment')
    expect(existsSync(join(dest, 'a/../../etc/x'))).toBe(false)
  })

  it('rejects a ".." even when the path would normalise back inside', async () => {
    await expectEntryRejected([{ path: 'a/../index.mjs', body: 'ok' }], 'a/../index.mjs', 'parent-segment')
  })

  it('rejects a symbolic link to an absolute path', async () => {
    const error = await expectEntryRejected([{ path: 'index.mjs', body: 'ok' }, { path: 'passwd', type: 'SymbolicLink', linkpath: '/etc/passwd' }], 'passwd', 'link-outside')
    expect(error.message).toContain('/etc/passwd')
    expect(error.hint).toContain('inside the function\'s folder')
  })

  it('rejects a relative symbolic link that escapes the folder', async () => {
    await expectEntryRejected([{ path: 'index.mjs', body: 'ok' }, { path: 'lib/up', type: 'SymbolicLink', linkpath: '../../x' }], 'lib/up', 'link-outside')
  })

  it('rejects a symbolic link that escapes through another link of the archive', async () => {
    // `self` is the upload root, so `self/..` is its parent, although it reads as "."
    await expectEntryRejected([
      { path: 'index.mjs', body: 'ok' },
      { path: 'escape', type: 'SymbolicLink', linkpath: 'self/..' },
      { path: 'self', type: 'SymbolicLink', linkpath: '.' },
    ], 'escape', 'link-outside')
  })

  it('rejects symbolic links that loop', async () => {
    await expectEntryRejected([
      { path: 'index.mjs', body: 'ok' },
      { path: 'a', type: 'SymbolicLink', linkpath: 'b' },
      { path: 'b', type: 'SymbolicLink', linkpath: 'a' },
    ], 'a', 'link-outside')
  })

  it('rejects an entry written through a symbolic link, even one that points inside', async () => {
    await expectEntryRejected([
      { path: 'sub/', type: 'Directory' },
      { path: 'link', type: 'SymbolicLink', linkpath: 'sub' },
      { path: 'link/index.mjs', body: 'ok' },
    ], 'link/index.mjs', 'through-link')
  })

  it.each([
    ['an absolute target', '/etc/shadow'],
    ['a ".." target', '../../etc/shadow'],
    ['a target that is not in the archive', 'missing.txt'],
    ['a target that only comes later', 'later.txt'],
  ])('rejects a hard link with %s', async (_, linkpath) => {
    await expectEntryRejected([
      { path: 'index.mjs', body: 'ok' },
      { path: 'copy', type: 'Link', linkpath },
      { path: 'later.txt', body: 'later' },
    ], 'copy', 'link-outside')
  })

  it('accepts a hard link to a file earlier in the archive', async () => {
    const received = await receiveUpload(bodyOf(buildTar([{ path: 'index.mjs', body: 'ok' }, { path: 'alias.mjs', type: 'Link', linkpath: 'index.mjs' }])), dest)
    expect(received.files).toEqual(['alias.mjs', 'index.mjs'])
    expect((await lstat(join(dest, 'alias.mjs'))).nlink).toBe(2)
  })

  it.each([
    ['CharacterDevice', 'character device'],
    ['BlockDevice', 'block device'],
    ['FIFO', 'FIFO'],
  ] as const)('rejects a %s', async (type, words) => {
    const error = await expectEntryRejected([{ path: 'index.mjs', body: 'ok' }, { path: 'dev/thing', type, devmaj: 1, devmin: 3 }], 'dev/thing', 'special-file')
    expect(error.message).toContain(words)
  })

  it('rejects an entry that appears twice', async () => {
    await expectEntryRejected([{ path: 'index.mjs', body: 'one' }, { path: './index.mjs', body: 'two' }], './index.mjs', 'duplicate')
  })
})

describe('the agent rejects an upload that is too large', () => {
  it('stops reading a body over the limit', async () => {
    const error = await rejectionOf(randomBytes(5 * 1024), { maxBytes: 1024 })
    expect(error).toMatchObject({ code: 'UPLOAD_TOO_LARGE', status: 413, message: 'The upload is larger than the limit of 1 KB.' })
    expect(error.hint).toContain('lambda agent --max-upload-mb')
    await expectNothingWritten()
  })

  it('rejects an archive whose headers declare more than the limit', async () => {
    const bomb = buildTar([{ path: 'index.mjs', body: 'x'.repeat(100), size: 50 * 1024 * 1024 }])
    expect(bomb.length).toBeLessThan(4096)
    const error = await rejectionOf(bomb, { maxBytes: 1024 * 1024 })
    expect(error).toMatchObject({ code: 'UPLOAD_TOO_LARGE', status: 413 })
    await expectNothingWritten()
  })

  it('rejects a small gzip body that decompresses past the limit', async () => {
    const bomb = gzipSync(buildTar([{ path: 'zeros.bin', body: Buffer.alloc(20 * 1024 * 1024) }]))
    expect(bomb.length).toBeLessThan(64 * 1024)
    const error = await rejectionOf(bomb, { maxBytes: 1024 * 1024 })
    expect(error).toMatchObject({ code: 'UPLOAD_TOO_LARGE', status: 413 })
    await expectNothingWritten()
  })

  it('answers 413 over real HTTP, on a connection that still delivers the answer', async () => {
    const server: Server = createServer(async (req, res) => {
      const target = join(root, 'jail', 'dest')
      try {
        await receiveUpload(req, target, { maxBytes: 64 * 1024 })
        res.writeHead(200).end()
      }
      catch (error) {
        const lambdaError = error as LambdaError
        res.writeHead(lambdaError.status, { 'content-type': 'application/json' }).end(JSON.stringify(lambdaError.toJSON()))
      }
    })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    try {
      const { port } = server.address() as { port: number }
      const response = await request(port, '/upload', { method: 'PUT', body: randomBytes(2 * 1024 * 1024) })
      expect(response.status).toBe(413)
      expect(response.json().error.code).toBe('UPLOAD_TOO_LARGE')
      await expectNothingWritten()
    }
    finally {
      await new Promise(resolve => server.close(resolve))
    }
  })
})

describe('the agent rejects a body that is not a usable tar', () => {
  it('rejects garbage', async () => {
    const error = await rejectionOf(randomBytes(4096))
    expect(error).toMatchObject({ code: 'BAD_UPLOAD', status: 400, data: { reason: 'not-a-tar' } })
    expect(error.message).toContain('must be a tar archive')
    expect(error.message).toContain('build context')
    await expectNothingWritten()
  })

  it('rejects a truncated archive', async () => {
    const whole = buildTar([{ path: 'index.mjs', body: 'ok' }, { path: 'big.bin', body: randomBytes(4000) }])
    const error = await rejectionOf(whole.subarray(0, 2048))
    expect(error).toMatchObject({ code: 'BAD_UPLOAD', status: 400, data: { reason: 'not-a-tar' } })
    await expectNothingWritten()
  })

  it('rejects a gzip body whose compressed data is damaged', async () => {
    const gz = gzipSync(buildTar([{ path: 'index.mjs', body: randomBytes(4000) }]))
    const error = await rejectionOf(gz.subarray(0, gz.length / 2))
    expect(error).toMatchObject({ code: 'BAD_UPLOAD', data: { reason: 'not-a-tar' } })
    await expectNothingWritten()
  })

  it('rejects an empty body', async () => {
    const error = await rejectionOf(Buffer.alloc(0))
    expect(error).toMatchObject({ code: 'BAD_UPLOAD', data: { reason: 'not-a-tar' } })
  })

  it.each([
    ['nothing but end blocks', buildTar([])],
    ['only folders', buildTar([{ path: 'a/', type: 'Directory' }, { path: 'a/b/', type: 'Directory' }])],
  ])('rejects an archive with %s as empty', async (_, archive) => {
    const error = await rejectionOf(archive)
    expect(error).toMatchObject({ code: 'BAD_UPLOAD', status: 400, data: { reason: 'empty' } })
    expect(error.message).toContain('no files')
    await expectNothingWritten()
  })

  it('rejects a body whose sender hangs up midway', async () => {
    const body = new Readable({ read() {} })
    body.push(buildTar([{ path: 'index.mjs', body: 'ok' }]).subarray(0, 600))
    setTimeout(() => body.destroy(new Error('socket hang up')), 10)
    const error = await rejectionOf(body)
    expect(error).toMatchObject({ code: 'BAD_UPLOAD', data: { reason: 'interrupted' } })
    await expectNothingWritten()
  })
})

describe('the agent cleans up when unpacking fails midway', () => {
  it('removes what it added and keeps what was there', async () => {
    await writeFile(join(dest, 'keep.txt'), 'mine')
    // Passes every check of the archive, but the folder already holds a file `keep.txt`, so `keep.txt/b` cannot be created.
    const error = await rejectionOf(buildTar([{ path: 'index.mjs', body: 'ok' }, { path: 'lib/a.mjs', body: 'a' }, { path: 'keep.txt/b', body: 'x' }]))
    // The archive asked for the impossible: the client's mistake, not the agent's.
    expect(error).toMatchObject({ code: 'BAD_UPLOAD', status: 400, data: { reason: 'unpack-refused' } })
    expect(await readdir(dest)).toEqual(['keep.txt'])
    expect(await readFile(join(dest, 'keep.txt'), 'utf8')).toBe('mine')
  })
})
