import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli'

const home = mkdtempSync(join(tmpdir(), 'lambda-settings-'))
const env = { XDG_CONFIG_HOME: home, LAMBDA_HOST: '', LAMBDA_API_KEY: '' }
const settingsFile = join(home, 'mini-lambda', 'settings.json')
afterAll(() => rmSync(home, { recursive: true, force: true }))

describe('lambda config', () => {
  it('set-host and set-key write a per-user file only its owner can read', async () => {
    expect((await runCli(['config', 'set-host', '127.0.0.1:9/'], { env })).code).toBe(0)
    expect((await runCli(['config', 'set-key', 'mlk_abcdef12_secretsecretsecretsecretsecretsecretsecret1'], { env })).code).toBe(0)
    expect(JSON.parse(readFileSync(settingsFile, 'utf8'))).toEqual({ host: 'http://127.0.0.1:9', apiKey: 'mlk_abcdef12_secretsecretsecretsecretsecretsecretsecret1' })
    expect(statSync(settingsFile).mode & 0o777).toBe(0o600)
    expect(statSync(join(home, 'mini-lambda')).mode & 0o777).toBe(0o700)
  })

  it('show prints the host and a masked key with where each came from', async () => {
    const shown = await runCli(['config', 'show', '--json'], { env })
    expect(JSON.parse(shown.stdout)).toMatchObject({ host: 'http://127.0.0.1:9', hostSource: 'settings', keySource: 'settings', settingsFile })
    expect(shown.stdout).not.toContain('secretsecret')
  })

  it('LAMBDA_HOST and LAMBDA_API_KEY win over the file (for CI)', async () => {
    const shown = await runCli(['config', 'show', '--json'], { env: { ...env, LAMBDA_HOST: 'https://agent.example.com', LAMBDA_API_KEY: 'mlk_zzzzzzzz_fromenvfromenvfromenvfromenvfromenvfromenv12' } })
    expect(JSON.parse(shown.stdout)).toMatchObject({ host: 'https://agent.example.com', hostSource: 'LAMBDA_HOST', keySource: 'LAMBDA_API_KEY' })
  })

  it('rejects a host that is not an http(s) URL, keeping what was saved', async () => {
    const result = await runCli(['config', 'set-host', 'ftp://example.com'], { env })
    expect(result.code).toBe(2)
    expect(result.output).toContain('http or https')
    expect(JSON.parse(readFileSync(settingsFile, 'utf8')).host).toBe('http://127.0.0.1:9')
  })
})
