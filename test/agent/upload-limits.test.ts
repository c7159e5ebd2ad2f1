import type { TarEntrySpec } from '../helpers/tar'
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { useAgent } from '../helpers/agent'
import { createProject } from '../helpers/project'
import { buildTar } from '../helpers/tar'

const manifest = JSON.stringify({
  name: 'hello',
  kind: 'node',
  hash: 'b'.repeat(64),
  config: { name: 'hello', kind: 'node', timeout: 30, memory: 128, env: {}, schedule: [], concurrency: 50, minInstances: 0, maxInstances: 10, auth: 'none', network: false },
})
const upload = (...entries: TarEntrySpec[]) => buildTar([{ path: '.mini-lambda.json', body: manifest }, { path: 'index.mjs', body: 'export default () => "evil"\n' }, ...entries])
const deepPath = (segments: number) => Array.from({ length: segments }, () => 'a').join('/')

describe('an upload of an absurd shape is refused quickly, and the agent keeps serving meanwhile', () => {
  const suite = useAgent({ provider: 'process' }, () => createProject({ 'functions/hello/index.ts': 'export default () => ({ message: \'still here\' })\n' }), async ({ agent, project }) => {
    expect((await agent.cli(['deploy'], { cwd: project.dir })).code).toBe(0)
  })
  const put = (body: Buffer, headers: Record<string, string> = {}) => suite.agent.admin('/functions/hello', { method: 'PUT', body, headers: { 'content-type': 'application/x-tar', ...headers } })

  it('answers a 40,000-segment path with 400 and the reason, while a function call still answers', async () => {
    const attack = upload({ path: `${deepPath(40_000)}/x`, body: 'x' })
    console.log(`attack upload: ${attack.length} bytes`)
    const timed = async <T>(run: () => Promise<T>) => {
      const started = performance.now()
      const result = await run()
      return { result, ms: Math.round(performance.now() - started) }
    }
    // The function call starts while the agent receives and checks the upload.
    const [uploaded, called] = await Promise.all([
      timed(() => put(attack)),
      timed(async () => {
        await new Promise(resolve => setImmediate(resolve))
        return suite.agent.call('hello')
      }),
    ])
    console.log(`deep-path upload answered ${uploaded.result.status} in ${uploaded.ms} ms; concurrent gateway call answered ${called.result.status} in ${called.ms} ms`)
    expect(uploaded.result.status).toBe(400)
    const { error } = uploaded.result.json()
    expect(error).toMatchObject({ code: 'BAD_UPLOAD', reason: 'path-too-long' })
    expect(error.message).toContain('the limit is 1024')
    expect(error.message.length).toBeLessThan(500)
    expect(error.hint).toBeTruthy()
    expect(called.result.status).toBe(200)
    expect(called.result.json()).toEqual({ message: 'still here' })
  })

  it('refuses an archive with too many entries, even when it is compressed small', async () => {
    const entries = Array.from({ length: 50_001 }, (_, i): TarEntrySpec => ({ path: `f/${i}`, body: '' }))
    const body = gzipSync(upload(...entries))
    console.log(`50,001 entries: ${body.length} bytes gzipped`)
    const res = await put(body, { 'content-type': 'application/gzip' })
    expect(res.status).toBe(400)
    expect(res.json().error).toMatchObject({ code: 'BAD_UPLOAD', reason: 'too-many-entries' })
  })

  it('refuses a name longer than 255 bytes', async () => {
    const res = await put(upload({ path: `lib/${'n'.repeat(256)}.mjs`, body: 'x' }))
    expect(res.status).toBe(400)
    expect(res.json().error).toMatchObject({ code: 'BAD_UPLOAD', reason: 'name-too-long' })
    expect(res.json().error.message).toContain('the limit is 255')
  })

  it('refuses a path more than 128 folders deep', async () => {
    const res = await put(upload({ path: `${deepPath(129)}.mjs`, body: 'x' }))
    expect(res.status).toBe(400)
    expect(res.json().error).toMatchObject({ code: 'BAD_UPLOAD', reason: 'too-deep' })
  })

  it('refuses a file that the archive also uses as a folder with 400, not 500', async () => {
    const res = await put(upload({ path: 'lib', body: 'a file' }, { path: 'lib/x.mjs', body: 'x' }))
    expect(res.status).toBe(400)
    expect(res.json().error).toMatchObject({ code: 'BAD_UPLOAD', reason: 'inside-file' })
  })

  it('kept serving the deployed version through all of it', async () => {
    expect((await suite.agent.call('hello')).json()).toEqual({ message: 'still here' })
    const versions = (await suite.agent.admin('/functions/hello/versions')).json()
    expect(versions.versions).toHaveLength(1)
  })
})
