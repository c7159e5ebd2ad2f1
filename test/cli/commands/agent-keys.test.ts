import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { tempDir } from '../../helpers/cleanups'
import { runCli } from '../../helpers/cli'

describe('lambda agent keys: what each key may do, in words that fit its scope', () => {
  it('an invoke key is not said to give secrets to functions it deploys: it deploys nothing', async () => {
    const dataDir = tempDir('lambda-keys-')
    const invoke = await runCli(['agent', 'keys', 'create', '--scope', 'invoke', '--data-dir', dataDir])
    expect(invoke.code, invoke.output).toBe(0)
    expect(invoke.stdout).toMatch(/Created invoke key \w{8} \("invoke"\) in \S+: it may call functions; it cannot deploy, so it gives no secret to any\. It is shown only now:/)
    expect(invoke.output).not.toContain('to the functions it deploys')
    expect(invoke.stdout).toContain(dataDir)
    const deploy = await runCli(['agent', 'keys', 'create', '--secret', 'db', '--data-dir', dataDir])
    expect(deploy.stdout).toContain('it may give db to the functions it deploys.')
  })

  it('--secret on an invoke or admin key is a usage error, and no key is made', async () => {
    const dataDir = tempDir('lambda-keys-')
    for (const [scope, why] of [['invoke', 'an invoke key cannot deploy, so it gives no secret to any function'], ['admin', 'an admin key may give every secret already']]) {
      const result = await runCli(['agent', 'keys', 'create', '--scope', scope!, '--secret', 'db', '--data-dir', dataDir])
      expect(result.code).toBe(2)
      expect(result.stderr).toContain(`--secret is for deploy keys: ${why}.`)
      expect(result.stderr).toContain('lambda agent keys create --scope deploy --secret db')
    }
    expect(readdirSync(dataDir)).toEqual([])
  })

  it('granting a secret to an invoke key is refused, naming what to do instead', async () => {
    const dataDir = tempDir('lambda-keys-')
    const { id } = JSON.parse((await runCli(['agent', 'keys', 'create', '--scope', 'invoke', '--data-dir', dataDir, '--json'])).stdout)
    const grant = await runCli(['agent', 'keys', 'grant', id, 'db', '--data-dir', dataDir])
    expect(grant.code).toBe(1)
    expect(grant.stderr).toContain(`Key ${id} ("invoke") is an invoke key: it cannot deploy, so it gives no secret to any function.`)
    const list = JSON.parse((await runCli(['agent', 'keys', 'list', '--data-dir', dataDir, '--json'])).stdout)
    expect(list.find((key: { id: string }) => key.id === id).secrets).toEqual([])
  })

  it('a mistyped choice asks "Did you mean …?" once, without a second full stop', async () => {
    const result = await runCli(['agent', 'keys', 'create', '--scope', 'admn', '--data-dir', tempDir('lambda-keys-')])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('Invalid value for --scope: "admn" is not one of admin, deploy, invoke. Did you mean admin?\n')
    expect(result.stderr).not.toContain('?.')
  })
})

describe('lambda agent keys on a data dir no agent has used: which one it read, and how to read another', () => {
  it('list says so and writes nothing there; revoke and grant fail the same way', async () => {
    const dataDir = join(tempDir('lambda-keys-'), 'unused')
    const list = await runCli(['agent', 'keys', 'list', '--data-dir', dataDir])
    expect(list.code).toBe(0)
    expect(list.stderr).toContain(`No agent state in ${dataDir}: no agent has run with this data dir, so it has no API keys.`)
    expect(list.stderr).toContain('Run `lambda agent keys list --data-dir <dir>`')
    expect(JSON.parse((await runCli(['agent', 'keys', 'list', '--data-dir', dataDir, '--json'])).stdout)).toEqual([])
    for (const args of [['revoke', 'abcd1234'], ['grant', 'abcd1234', 'db']]) {
      const result = await runCli(['agent', 'keys', ...args, '--data-dir', dataDir])
      expect(result.code).toBe(1)
      expect(result.stderr).toContain(`No agent state in ${dataDir}: no agent has run with this data dir.`)
      expect(result.stderr).toContain(`\`lambda agent keys ${args[0]} --data-dir <dir>\``)
    }
    expect(existsSync(dataDir)).toBe(false)
  })

  it('without --data-dir, it names the default it read and where that came from', async () => {
    const home = tempDir('lambda-home-')
    const result = await runCli(['agent', 'keys', 'list'], { env: { LAMBDA_DATA_DIR: join(home, 'agent') } })
    expect(result.code).toBe(0)
    expect(result.stderr).toContain(`No agent state in ${join(home, 'agent')}`)
    expect(result.stderr).toContain('That data dir is from LAMBDA_DATA_DIR.')
  })

  it('agent status that finds no agent says which data dir it looked at and how to look at another', async () => {
    const dataDir = tempDir('lambda-status-')
    const result = await runCli(['agent', 'status', '--data-dir', dataDir, '--port', '1'])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(`No agent is running on the data dir ${dataDir}.`)
    expect(result.stderr).toContain('That data dir is the one given with --data-dir. Was your agent started with --data-dir <dir>? Run `lambda agent status --data-dir <dir>`.')
  })
})
