import { get } from 'node:http'
import { text } from 'node:stream/consumers'
import { afterAll, describe, expect, it } from 'vitest'
import { devBaseURL, functionURLs } from '../../src/dev/dev-address'
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
  it('on an interface the name localhost does not reach, the URLs name that interface', () => {
    // Worked out without traffic: tests send requests to 127.0.0.1 only.
    const address = { hostname: '127.0.0.2', port: 3921 }
    expect(devBaseURL(address)).toBe('http://127.0.0.2:3921/')
    expect(functionURLs('hello', address)).toEqual({ path: 'http://127.0.0.2:3921/hello/' })
    expect(devBaseURL({ hostname: '::2', port: 3921 })).toBe('http://[::2]:3921/')
  })

  it('every URL it prints answers, by path and by host name', async () => {
    const dev = startCli(['dev', '--host', '127.0.0.1', '--port', '0'], { cwd: project.dir })
    afterThisTest(() => dev.stop())
    const [, base] = await dev.waitFor(/dev server on (http:\/\/\S+\/)/, 60_000)
    await dev.waitFor(/^\s*hello\s+\S+/m)
    const direct = (url: string) => url.replace(/^http:\/\/(?:[\w-]+\.)*localhost:/, 'http://127.0.0.1:')
    const urls = [...dev.output().matchAll(/http:\/\/[^\s'│]+/g)].map(match => match[0])
    expect(urls).toContain(`${base}hello/`)
    for (const url of urls.filter(url => !/\/\/[\w-]+\.localhost/.test(url))) expect((await fetch(direct(url))).status, url).toBe(200)
    expect(await (await fetch(direct(`${base}hello/`))).text()).toBe('hi')
    expect(await getWithHost(direct(base!), 'hello.localhost')).toBe('hi')
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
