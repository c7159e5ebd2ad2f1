import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createAgentStorage, STORE_FORMAT_VERSION } from '../../src/store/storage'

const dirs: string[] = []
function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ml-store-'))
  dirs.push(dir)
  return dir
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** Seeds `<dataDir>/state/meta/format` as some other Mini Lambda release would have left it. */
function seedFormat(dir: string, content: string) {
  mkdirSync(join(dir, 'state/meta'), { recursive: true })
  writeFileSync(join(dir, 'state/meta/format'), content)
}

describe('the agent\'s storage', () => {
  it('keeps state as crash-safe files under <dataDir>/state and finds it again after a restart', async () => {
    const dir = dataDir()
    const storage = await createAgentStorage({ dataDir: dir })
    await storage.setItem('functions:hello', { name: 'hello', memory: 128 })
    await storage.setItem('versions:hello:3', { version: 3 })
    await storage.dispose()
    expect(JSON.parse(readFileSync(join(dir, 'state/functions/hello'), 'utf8'))).toEqual({ name: 'hello', memory: 128 })

    const restarted = await createAgentStorage({ dataDir: dir })
    expect(await restarted.getKeys('functions')).toEqual(['functions:hello'])
    expect(await restarted.getItem('versions:hello:3')).toEqual({ version: 3 })
    expect(restarted.getMount('').driver.name).toBe('atomic-fs')
  })

  it('records the store format version on first start and accepts it on the next', async () => {
    expect(STORE_FORMAT_VERSION).toBe(1)
    const dir = dataDir()
    const storage = await createAgentStorage({ dataDir: dir })
    expect(await storage.getItem('meta:format')).toEqual({ version: STORE_FORMAT_VERSION })
    expect(JSON.parse(readFileSync(join(dir, 'state/meta/format'), 'utf8'))).toEqual({ version: STORE_FORMAT_VERSION })
    await expect(createAgentStorage({ dataDir: dir })).resolves.toBeDefined()
  })

  it('refuses a data dir written by a newer Mini Lambda and leaves it untouched', async () => {
    const dir = dataDir()
    seedFormat(dir, '{"version":2}')
    mkdirSync(join(dir, 'state/functions'))
    writeFileSync(join(dir, 'state/functions/hello'), '{"shape":"from the future"}')

    const error = await createAgentStorage({ dataDir: dir }).catch(e => e)
    expect(error).toMatchObject({ name: 'LambdaError', code: 'STORE_TOO_NEW' })
    expect(error.message).toContain('written by a newer Mini Lambda')
    expect(error.message).toContain(join(dir, 'state'))
    expect(error.hint).toMatch(/Upgrade Mini Lambda/)
    expect(readFileSync(join(dir, 'state/meta/format'), 'utf8')).toBe('{"version":2}')
    expect(readFileSync(join(dir, 'state/functions/hello'), 'utf8')).toBe('{"shape":"from the future"}')
  })

  it('refuses an unreadable format record instead of overwriting it', async () => {
    const dir = dataDir()
    seedFormat(dir, 'not json at all')
    await expect(createAgentStorage({ dataDir: dir })).rejects.toMatchObject({ code: 'STORE_FORMAT_INVALID' })
    expect(readFileSync(join(dir, 'state/meta/format'), 'utf8')).toBe('not json at all')
  })

  it('names valid drivers when the configured one does not exist', async () => {
    for (const name of ['rediss', 'toString']) {
      const error = await createAgentStorage({ dataDir: dataDir(), driver: { name } }).catch(e => e)
      expect(error).toMatchObject({ name: 'LambdaError', code: 'STORE_DRIVER_UNKNOWN', status: 400 })
      expect(error.message).toContain(`"${name}"`)
      expect(error.hint).toMatch(/atomic-fs.*memory.*redis/)
    }
  })

  it('moves to another unstorage driver by configuration alone', async () => {
    const dir = dataDir()
    const storage = await createAgentStorage({ dataDir: dir, driver: { name: 'memory' } })
    await storage.setItem('functions:hello', { memory: 128 })
    expect(await storage.getItem('functions:hello')).toEqual({ memory: 128 })
    expect(await storage.getItem('meta:format')).toEqual({ version: STORE_FORMAT_VERSION })
    expect(storage.getMount('').driver.name).toBe('memory')
    expect(existsSync(join(dir, 'state'))).toBe(false)
  })

  it('hands the configured options to that driver', async () => {
    const dir = dataDir()
    const elsewhere = join(dataDir(), 'lite')
    const storage = await createAgentStorage({ dataDir: dir, driver: { name: 'fs-lite', options: { base: elsewhere } } })
    await storage.setItem('functions:hello', { memory: 128 })
    expect(JSON.parse(readFileSync(join(elsewhere, 'functions/hello'), 'utf8'))).toEqual({ memory: 128 })
    expect(existsSync(join(dir, 'state'))).toBe(false)
  })
})
