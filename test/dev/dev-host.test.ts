import { get } from 'node:http'
import { text } from 'node:stream/consumers'
import { afterAll, describe, expect, it } from 'vitest'
import { afterThisTest } from '../helpers/cleanups'
import { runCli, startCli } from '../helpers/cli'
import { freePort } from '../helpers/ports'
import { createProject } from '../helpers/project'

const project = createProject({ 'functions/hello/index.ts': 'export default () => \'hi\'\n' })
afterAll(() => project.remove())

/** GET `url` with another Host header (fetch does not let one set it). */
function getWithHost(url: string, host: string): Promise<string> {
  return new Promise((resolve, reject) => get(url, { headers: { host } }, res => resolve(text(res))).on('error', reject))
}

describe('lambda dev --host', () => {
  // 127.0.0.2 is loopback too (all of 127/8 is), but `localhost` resolves to 127.0.0.1 only.
  it('on an interface localhost does not reach, prints URLs of that interface, and each one answers', async () => {
    const dev = startCli(['dev', '--host', '127.0.0.2', '--port', '0'], { cwd: project.dir })
    afterThisTest(() => dev.stop())
    const [, base] = await dev.waitFor(/dev server on (http:\/\/\S+\/)/, 60_000)
    expect(base).toMatch(/^http:\/\/127\.0\.0\.2:\d+\/$/)
    await dev.waitFor(/^\s*hello\s+\S+/m)
    const urls = [...dev.output().matchAll(/http:\/\/[^\s'│]+/g)].map(match => match[0])
    expect(urls).toContain(`${base}hello/`)
    expect(urls.filter(url => url.includes('localhost'))).toEqual([])
    for (const url of urls) expect((await fetch(url)).status, url).toBe(200)
    expect(await (await fetch(`${base}hello/`)).text()).toBe('hi')
    // The listing at / gives the same URLs.
    expect((await (await fetch(base!)).json()).functions).toEqual([{ name: 'hello', urls: { path: `${base}hello/` } }])
    // Host routing is there too, for whoever sends the name.
    expect(dev.output()).toContain(`curl -H 'Host: hello.localhost' ${base}`)
    expect(await getWithHost(base!, 'hello.localhost')).toBe('hi')
  })

  it('an interface this machine does not have is a message naming it, whatever the port', async () => {
    for (const port of ['0', String(await freePort())]) {
      const result = await runCli(['dev', '--host', '0.0.0.0.0', '--port', port], { cwd: project.dir, timeoutMs: 60_000 })
      expect(result.code, result.output).toBe(1)
      expect(result.stderr).toContain('lambda dev cannot listen on "0.0.0.0.0": it is not an address or a name of this machine')
      expect(result.stderr).toContain('--host (or dev.host in lambda.config.ts)')
      expect(result.output).not.toContain('GetPortError')
      expect(result.output).not.toMatch(/^\s+at /m)
    }
  })
})
