import type { Driver } from 'unstorage'
import { spawn, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createStorage } from 'unstorage'
import stockFsDriver from 'unstorage/drivers/fs'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import atomicFsDriverDefault, { atomicFsDriver } from '../../src/store/atomic-fs-driver'

const dirs: string[] = []
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ml-atomic-fs-'))
  dirs.push(dir)
  return dir
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

const filesUnder = (dir: string) => (existsSync(dir) ? readdirSync(dir, { recursive: true, encoding: 'utf8' }) : [])
const tempFilesUnder = (dir: string) => filesUnder(dir).filter(name => /\.[0-9a-f]{12}\.tmp$/.test(name))

describe('the crash-safe fs driver, used through unstorage', () => {
  it('stores JSON records as one file per key, nested keys as folders', async () => {
    const base = tempDir()
    const storage = createStorage({ driver: atomicFsDriver({ base }) })

    await storage.setItem('functions:hello', { name: 'hello', runtime: 'node' })
    await storage.setItem('versions:hello:3', { version: 3, image: 'hello:3' })
    await storage.setItem('versions:hello:4', { version: 4, image: 'hello:4' })
    await storage.setItem('releases:hello', { current: 4 })

    expect(await storage.getItem('versions:hello:3')).toEqual({ version: 3, image: 'hello:3' })
    expect(JSON.parse(readFileSync(join(base, 'versions/hello/3'), 'utf8'))).toEqual({ version: 3, image: 'hello:3' })
    expect(await storage.hasItem('functions:hello')).toBe(true)
    expect(await storage.hasItem('functions:bye')).toBe(false)
    expect(await storage.getItem('functions:bye')).toBeNull()
    // A folder is not a record.
    expect(await storage.hasItem('versions:hello')).toBe(false)
    expect(await storage.getItem('versions:hello')).toBeNull()

    expect((await storage.getKeys()).sort()).toEqual(['functions:hello', 'releases:hello', 'versions:hello:3', 'versions:hello:4'])
    expect(await storage.getKeys('functions')).toEqual(['functions:hello'])
    expect((await storage.getKeys('versions:hello')).sort()).toEqual(['versions:hello:3', 'versions:hello:4'])
    expect(await storage.getKeys('nothing-here')).toEqual([])
    expect((await storage.getKeys('', { maxDepth: 1 })).sort()).toEqual(['functions:hello', 'releases:hello'])

    const meta = await storage.getMeta('versions:hello:4')
    expect(meta.mtime).toBeInstanceOf(Date)
    expect(meta.size).toBe(readFileSync(join(base, 'versions/hello/4')).length)
  })

  it('overwrites, removes (a missing key is fine) and clears one prefix or everything', async () => {
    const base = tempDir()
    const storage = createStorage({ driver: atomicFsDriver({ base }) })
    await storage.setItem('functions:hello', { memory: 128 })
    await storage.setItem('functions:hello', { memory: 256 })
    expect(await storage.getItem('functions:hello')).toEqual({ memory: 256 })

    await storage.removeItem('functions:hello')
    await storage.removeItem('functions:never-existed')
    expect(await storage.hasItem('functions:hello')).toBe(false)

    await storage.setItem('versions:hello:1', { version: 1 })
    await storage.setItem('versions:bye:1', { version: 1 })
    await storage.setItem('apikeys:ci', { hash: 'abc' })
    // unstorage only hands a prefix to a driver mounted below it, so ask the driver itself.
    await atomicFsDriver({ base }).clear!('versions:', {})
    expect(await storage.getKeys()).toEqual(['apikeys:ci'])
    await storage.clear()
    expect(await storage.getKeys()).toEqual([])
    expect(existsSync(base)).toBe(true)
  })

  it('keeps raw bytes as they are', async () => {
    const storage = createStorage({ driver: atomicFsDriver({ base: tempDir() }) })
    const bytes = new Uint8Array([0, 1, 2, 250, 255])
    await storage.setItemRaw('artifacts:hello:3', bytes)
    const raw = await storage.getItemRaw<Buffer>('artifacts:hello:3')
    expect(raw && new Uint8Array(raw)).toEqual(bytes)
  })

  it('in read-only mode reads the state but leaves it exactly as it was', async () => {
    const base = tempDir()
    await createStorage({ driver: atomicFsDriver({ base }) }).setItem('functions:hello', { memory: 128 })
    const readOnly = createStorage({ driver: atomicFsDriver({ base, readOnly: true }) })
    await readOnly.setItem('functions:hello', { memory: 999 })
    await readOnly.setItem('functions:other', { memory: 1 })
    await readOnly.removeItem('functions:hello')
    await readOnly.clear()
    expect(await readOnly.getKeys()).toEqual(['functions:hello'])
    expect(await readOnly.getItem('functions:hello')).toEqual({ memory: 128 })
  })

  it('refuses keys that would escape its folder, and explains a missing base', async () => {
    const parent = tempDir()
    const base = join(parent, 'state')
    const driver = atomicFsDriver({ base })
    await expect(Promise.resolve().then(() => driver.setItem!('functions/../../escaped', 'x', {}))).rejects.toMatchObject({ code: 'STORE_KEY_INVALID' })
    await expect(Promise.resolve().then(() => driver.getItem('..:..:etc:passwd'))).rejects.toMatchObject({ code: 'STORE_KEY_INVALID' })
    expect(existsSync(join(parent, 'escaped'))).toBe(false)

    expect(() => atomicFsDriver(undefined as never)).toThrow(/needs a `base` folder/)
    expect(() => atomicFsDriver({ base: '' })).toThrow(expect.objectContaining({ code: 'STORE_BASE_REQUIRED' }))
    expect(atomicFsDriverDefault).toBe(atomicFsDriver)
  })

  it('writes records readable only by their owner (0600, folders 0700), and makes looser ones left by an older version private', async () => {
    const base = tempDir()
    mkdirSync(join(base, 'functions'), { recursive: true, mode: 0o755 })
    writeFileSync(join(base, 'functions/old'), '{"name":"old"}', { mode: 0o644 })
    const storage = createStorage({ driver: atomicFsDriver({ base }) })
    await storage.setItem('versions:hello:1', { env: { A: 'b' } })
    await storage.setItemRaw('raw:blob', new Uint8Array([1, 2, 3]))
    const mode = (path: string) => statSync(join(base, path)).mode & 0o777
    expect(mode('versions/hello/1')).toBe(0o600)
    expect(mode('raw/blob')).toBe(0o600)
    expect(mode('versions')).toBe(0o700)
    expect(mode('versions/hello')).toBe(0o700)
    expect(mode('functions/old')).toBe(0o600)
    expect(mode('functions')).toBe(0o700)
    expect(await storage.getItem('functions:old')).toEqual({ name: 'old' })
  })

  it('after a crash, deletes the temp files it left behind and never lists temp files as keys', async () => {
    const base = tempDir()
    mkdirSync(join(base, 'functions'), { recursive: true })
    mkdirSync(join(base, 'versions/hello'), { recursive: true })
    writeFileSync(join(base, 'functions/hello'), JSON.stringify({ memory: 128 }))
    // What a writer killed between "open temp" and "rename" leaves: half a record under a temp name.
    writeFileSync(join(base, 'functions/hello.0a1b2c3d4e5f.tmp'), '{"memory": 25')
    writeFileSync(join(base, 'versions/hello/3.ffffffffffff.tmp'), '')
    // Only writeFileAtomic's temp names are leftovers: a key that merely ends in .tmp is data.
    writeFileSync(join(base, 'notes.tmp'), '"keep me"')

    const storage = createStorage({ driver: atomicFsDriver({ base }) })
    expect(tempFilesUnder(base)).toEqual([])
    expect((await storage.getKeys()).sort()).toEqual(['functions:hello', 'notes.tmp'])
    expect(await storage.getItem('functions:hello')).toEqual({ memory: 128 })

    // A temp file of a write in flight (here: simulated) is not a key either.
    writeFileSync(join(base, 'functions/hello.123456abcdef.tmp'), '{"mem')
    expect(await storage.getKeys('functions')).toEqual(['functions:hello'])
  })
})

/**
 * The real thing: a child process writes big records in a tight loop and is SIGKILLed at random
 * moments; afterwards a fresh storage must find every record whole.
 */
describe('a writer killed with SIGKILL in the middle of writing', () => {
  const anchor = fileURLToPath(import.meta.url)
  const atomicDriverSource = fileURLToPath(new URL('../../src/store/atomic-fs-driver.ts', import.meta.url))
  const keys = ['functions:hello', 'versions:hello:3', 'versions:hello:4', 'releases:hello', 'apikeys:ci']

  // Loads TypeScript through jiti, resolved (like unstorage) from this test's folder, so the child runs the real source.
  const writerScript = `
import { createRequire } from 'node:module'
import { createHash } from 'node:crypto'
const { anchor, jitiCache, driverModule, base, round, keys, size } = JSON.parse(process.argv[2])
const { createJiti } = createRequire(anchor)('jiti')
const jiti = createJiti(anchor, { fsCache: jitiCache })
const { createStorage } = await jiti.import('unstorage')
const { default: driver } = await jiti.import(driverModule)
const storage = createStorage({ driver: driver({ base }) })
const filler = 'x'.repeat(size)
for (let seq = 1; ; seq++) {
  await Promise.all(keys.map((key) => {
    const body = key + ':' + round + ':' + seq + ':' + filler
    return storage.setItem(key, { key, round, seq, body, checksum: createHash('sha256').update(body).digest('hex') })
  }))
  if (seq === 1) process.stdout.write('wrote every key once\\n')
}
`

  // One script and one jiti cache for all rounds: each round then starts in a fraction of a second.
  let writerDir: string
  beforeAll(() => {
    writerDir = mkdtempSync(join(tmpdir(), 'ml-atomic-fs-writer-'))
    writeFileSync(join(writerDir, 'writer.mjs'), writerScript)
  })
  afterAll(() => rmSync(writerDir, { recursive: true, force: true }))

  /** Starts the writer, lets it write every key once, then kills it after a random 5–60 ms. */
  async function writeUntilKilled(opts: { driverModule: string, base: string, round: number }): Promise<void> {
    const config = { anchor, jitiCache: join(writerDir, 'jiti-cache'), keys, size: 300_000, ...opts }
    const child = spawn(process.execPath, [join(writerDir, 'writer.mjs'), JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'pipe'] })
    const exited = new Promise<void>(resolve => child.once('exit', () => resolve()))
    let stderr = ''
    child.stderr.on('data', (d) => { stderr += d })
    await new Promise<void>((resolve, reject) => {
      let stdout = ''
      child.stdout.on('data', (d) => {
        stdout += d
        if (stdout.includes('wrote every key once')) resolve()
      })
      void exited.then(() => reject(new Error(`writer exited before writing:\n${stderr}`)))
    })
    await new Promise(resolve => setTimeout(resolve, 5 + Math.random() * 55))
    child.kill('SIGKILL')
    await exited
  }

  /** What is wrong with a record as read back, or undefined if it is whole. */
  function damage(key: string, record: unknown, round: number): string | undefined {
    if (record === null) return 'missing, though it was written before'
    if (typeof record !== 'object') return `not a JSON record but ${JSON.stringify(String(record).slice(0, 40))} (${String(record).length} chars)`
    const r = record as { key?: string, round?: number, body?: string, checksum?: string }
    if (r.key !== key || typeof r.body !== 'string') return 'a record of the wrong shape'
    if (createHash('sha256').update(r.body).digest('hex') !== r.checksum) return 'checksum mismatch'
    if (r.round !== round) return `left over from round ${r.round}, so the writer of round ${round} never wrote it`
    return undefined
  }

  async function readBack(driver: Driver, round: number): Promise<string[]> {
    const storage = createStorage({ driver })
    const problems: string[] = []
    for (const key of keys) {
      const problem = damage(key, await storage.getItem(key), round)
      if (problem) problems.push(`round ${round}, ${key}: ${problem}`)
    }
    return problems
  }

  it('leaves every record whole: the old content or the new, never torn', async () => {
    const base = join(tempDir(), 'state')
    let roundsKilledMidWrite = 0
    for (let round = 0; round < 20; round++) {
      await writeUntilKilled({ driverModule: atomicDriverSource, base, round })
      if (tempFilesUnder(base).length > 0) roundsKilledMidWrite++
      expect(await readBack(atomicFsDriver({ base }), round)).toEqual([])
      // The fresh driver swept the dead writer's temp files away.
      expect(tempFilesUnder(base)).toEqual([])
    }
    // Proof the kills landed inside writes (a temp file was open), not only between them.
    expect(roundsKilledMidWrite).toBeGreaterThan(0)
  })

  it('whereas unstorage\'s stock fs driver, killed the same way, leaves torn records', async () => {
    const base = join(tempDir(), 'state')
    // It overwrites in place, so a kill between truncate and write leaves an empty or partial file.
    // About every second round tears a record here; 40 rounds make a miss practically impossible.
    let problems: string[] = []
    for (let round = 0; round < 40 && problems.length === 0; round++) {
      await writeUntilKilled({ driverModule: 'unstorage/drivers/fs', base, round })
      problems = await readBack(stockFsDriver({ base }), round)
    }
    expect(problems.join('\n')).toMatch(/not a JSON record|checksum mismatch/)
  })
})

/** A tiny tmpfs of our own, where mounting is allowed (root, as in CI); else the suite says why it skips. */
function tinyDisk(): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'ml-full-disk-'))
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]).status === 0
  if (!mounted) rmSync(dir, { recursive: true, force: true })
  return mounted ? dir : undefined
}

describe('a full disk under the store', () => {
  const disk = tinyDisk()
  afterAll(() => {
    if (!disk) return
    spawnSync('umount', [disk])
    rmSync(disk, { recursive: true, force: true })
  })

  it.skipIf(!disk)('a write the disk refuses is a 503 naming the disk and the fix, and the record keeps its old content', async () => {
    const storage = createStorage({ driver: atomicFsDriver({ base: join(disk!, 'state') }) })
    await storage.setItem('keys:a', { v: 1 })
    writeFileSync(join(disk!, 'filler'), Buffer.alloc(0))
    // Fill what is left, then ask for more.
    try {
      writeFileSync(join(disk!, 'filler'), Buffer.alloc(64 * 1024))
    }
    catch {}
    const error = await storage.setItem('keys:a', { v: 2, padding: 'x'.repeat(8192) }).then(() => undefined, (e: unknown) => e)
    expect(error).toMatchObject({ name: 'LambdaError', code: 'STORE_FULL', status: 507 })
    expect((error as Error).message).toContain('is full')
    expect(await storage.getItem('keys:a')).toEqual({ v: 1 })
  })
})
