import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { sendsKeyInClear } from '../../src/client/cleartext-key'
import { runCli } from '../helpers/cli'

const KEY = `mlk_abcd1234_${'x'.repeat(43)}`
const settingsDir = mkdtempSync(join(tmpdir(), 'lambda-cli-'))
afterAll(() => rmSync(settingsDir, { recursive: true, force: true }))

describe('an API key over plain http to another machine', () => {
  it('is decided from the URL alone: http to anything but loopback', () => {
    for (const host of ['http://203.0.113.7:7070', 'http://agent.example.com', 'http://10.0.0.5:7070', 'http://[2001:db8::1]:7070', 'http://0.0.0.0:7070', 'http://127.0.0.1.nip.io:7070']) { expect(sendsKeyInClear(host, KEY), host).toBe(true) }
    for (const host of ['https://203.0.113.7:7070', 'http://127.0.0.1:7070', 'http://127.8.9.10:7070', 'http://localhost:7070', 'http://hello.localhost:7070', 'http://[::1]:7070', 'http://[::ffff:127.0.0.1]:7070']) { expect(sendsKeyInClear(host, KEY), host).toBe(false) }
    // No key, nothing to leak.
    expect(sendsKeyInClear('http://203.0.113.7:7070', undefined)).toBe(false)
  })

  // `config show` never connects: the warning is decided before any traffic, and none leaves this machine.
  const show = (host: string, key?: string) => runCli(['config', 'show'], { env: { XDG_CONFIG_HOME: settingsDir, LAMBDA_HOST: host, LAMBDA_API_KEY: key } })

  it('warns once, on stderr, naming the host and the fix', async () => {
    const result = await show('http://203.0.113.7:7070', KEY)
    expect(result.code, result.output).toBe(0)
    const warnings = result.stderr.match(/over plain http/g) ?? []
    expect(warnings).toHaveLength(1)
    expect(result.stderr).toContain('http://203.0.113.7:7070')
    expect(result.stderr).toContain('https://')
    expect(result.stdout).not.toContain('plain http')
  })

  it('stays quiet over https, to loopback, and without a key', async () => {
    for (const [host, key] of [['https://203.0.113.7:7070', KEY], ['http://127.0.0.1:7070', KEY], ['http://203.0.113.7:7070', undefined]] as const) {
      const result = await show(host, key)
      expect(result.code, result.output).toBe(0)
      expect(result.stderr, host).not.toContain('plain http')
    }
  })
})
