import type { AgentProcess } from '../helpers/agent'
import type { TempProject } from '../helpers/project'
import type { TarEntrySpec } from '../helpers/tar'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startAgentProcess } from '../helpers/agent'
import { createProject } from '../helpers/project'
import { buildTar } from '../helpers/tar'

const manifest = (overrides: Record<string, unknown> = {}) => JSON.stringify({
  name: 'hello',
  kind: 'node',
  hash: 'a'.repeat(64),
  config: { name: 'hello', kind: 'node', timeout: 30, memory: 128, env: {}, schedule: [], concurrency: 50, minInstances: 0, maxInstances: 10, auth: 'none', network: false },
  ...overrides,
})
const bundle: TarEntrySpec = { path: 'index.mjs', body: 'export default () => "evil"\n' }
const withManifest = (...entries: TarEntrySpec[]) => buildTar([{ path: '.mini-lambda.json', body: manifest() }, bundle, ...entries])

describe('the agent checks every upload before anything else', () => {
  let agent: AgentProcess
  let project: TempProject

  beforeAll(async () => {
    project = createProject({ 'functions/hello/index.ts': 'export default () => ({ message: \'the real one\' })\n' })
    agent = await startAgentProcess({ provider: 'process', extraArgs: ['--max-upload-mb', '1'] })
    expect((await agent.cli(['deploy'], { cwd: project.dir })).code).toBe(0)
  })
  afterAll(async () => {
    await agent?.stop()
    agent?.cleanup()
    project?.remove()
  })

  const upload = (body: Buffer) => agent.admin('/functions/hello', { method: 'PUT', body, headers: { 'content-type': 'application/x-tar' } })

  it.each([
    ['an absolute path', [{ path: '/etc/cron.d/evil', body: 'x' }], '/etc/cron.d/evil', 'absolute-path'],
    ['a ".." path', [{ path: 'a/../../../etc/evil', body: 'x' }], 'a/../../../etc/evil', 'parent-segment'],
    ['a symbolic link out of the upload', [{ path: 'passwd', type: 'SymbolicLink', linkpath: '/etc/passwd' }], 'passwd', 'link-outside'],
    ['a relative link that climbs out', [{ path: 'up', type: 'SymbolicLink', linkpath: '../../../root' }], 'up', 'link-outside'],
    ['a hard link to a host file', [{ path: 'shadow', type: 'Link', linkpath: '/etc/shadow' }], 'shadow', 'link-outside'],
    ['a character device', [{ path: 'mem', type: 'CharacterDevice', devmaj: 1, devmin: 1 }], 'mem', 'special-file'],
    ['a block device', [{ path: 'disk', type: 'BlockDevice', devmaj: 8, devmin: 0 }], 'disk', 'special-file'],
    ['a FIFO', [{ path: 'pipe', type: 'FIFO' }], 'pipe', 'special-file'],
  ] as Array<[string, TarEntrySpec[], string, string]>)('rejects %s with 400 naming the entry', async (_, entries, entry, reason) => {
    const res = await upload(withManifest(...entries))
    expect(res.status).toBe(400)
    const { error } = res.json()
    expect(error.code).toBe('BAD_UPLOAD')
    expect(error.message).toContain(entry)
    expect(error.reason ?? error.entry).toBeDefined()
    expect(JSON.stringify(error)).toContain(reason)
    expect(error.hint).toBeTruthy()
  })

  it('rejects an upload over the size limit with 413', async () => {
    const res = await upload(withManifest({ path: 'big.bin', body: Buffer.alloc(2 * 1024 * 1024, 1) }))
    expect(res.status).toBe(413)
    expect(res.json().error.code).toBe('UPLOAD_TOO_LARGE')
    expect(res.json().error.message).toContain('1 MB')
  })

  it('rejects a body that is not a tar archive', async () => {
    const res = await upload(Buffer.from('{"this is":"json, not a tar"}'.repeat(40)))
    expect(res.status).toBe(400)
    expect(res.json().error.message).toMatch(/tar/)
  })

  it('rejects an upload without its manifest, or one for another function', async () => {
    const bare = await upload(buildTar([bundle]))
    expect(bare.status).toBe(400)
    expect(bare.json().error.message).toContain('.mini-lambda.json')
    const other = await upload(buildTar([{ path: '.mini-lambda.json', body: manifest({ name: 'other' }) }, bundle]))
    expect(other.status).toBe(400)
    expect(other.json().error.message).toContain('"other"')
  })

  it.each(['null', '[]', '"hello"', '42'])('rejects a manifest that is JSON but not an object (%s) with 400', async (json) => {
    const res = await upload(buildTar([{ path: '.mini-lambda.json', body: json }, bundle]))
    expect(res.status).toBe(400)
    expect(res.json().error).toMatchObject({ code: 'BAD_UPLOAD', entry: '.mini-lambda.json' })
    expect(res.json().error.message).toContain('must hold a JSON object')
  })

  it('checks the uploaded config as strictly as lambda.config.ts', async () => {
    const res = await upload(buildTar([{ path: '.mini-lambda.json', body: manifest({ config: { ...JSON.parse(manifest()).config, memory: 999999999 } }) }, bundle]))
    expect(res.status).toBe(400)
    expect(res.json().error.code).toBe('CONFIG_INVALID')
    expect(res.json().error.message).toContain('memory = 999999999')
  })

  it.each([
    ['a __proto__ key in the config', `{"name":"hello","kind":"node","hash":"${'b'.repeat(64)}","config":{"__proto__":{"timeout":5}}}`, 'functions.hello.__proto__'],
    ['a constructor key in the config', `{"name":"hello","kind":"node","hash":"${'b'.repeat(64)}","config":{"constructor":{"prototype":{}}}}`, 'functions.hello.constructor'],
    ['an environment variable named __proto__', `{"name":"hello","kind":"node","hash":"${'b'.repeat(64)}","config":{"env":{"__proto__":"x"}}}`, 'functions.hello.env.__proto__'],
    ['an unknown field next to the config', `{"name":"hello","kind":"node","hash":"${'b'.repeat(64)}","config":{},"__proto__":{"polluted":true}}`, '"__proto__"'],
  ])('rejects %s with a 400 naming it, and touches no prototype', async (_, raw, named) => {
    const res = await upload(buildTar([{ path: '.mini-lambda.json', body: raw }, bundle]))
    expect(res.status, res.text).toBe(400)
    expect(res.json().error.message).toContain(named)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect((await agent.call('hello')).json()).toEqual({ message: 'the real one' })
  })

  it('rejects a node upload that holds only its manifest: there is no bundle to build', async () => {
    const res = await upload(buildTar([{ path: '.mini-lambda.json', body: manifest() }]))
    expect(res.status).toBe(400)
    expect(res.json().error).toMatchObject({ code: 'BAD_UPLOAD' })
    expect(res.json().error.message).toContain('index.mjs or index.cjs')
  })

  it('rejects an upload without a key before reading it', async () => {
    const res = await agent.admin('/functions/hello', { method: 'PUT', body: withManifest(), key: null })
    expect(res.status).toBe(401)
  })

  it('none of it touched what was deployed', async () => {
    expect((await agent.call('hello')).json()).toEqual({ message: 'the real one' })
    const list = JSON.parse((await agent.cli(['list', '--json'])).stdout)
    expect(list).toHaveLength(1)
    expect(list[0]).toMatchObject({ name: 'hello', version: 1 })
  })
})
