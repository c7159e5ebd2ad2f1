import type { Server, Socket } from 'node:net'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli'
import { createProject } from '../helpers/project'

/** A host that takes every connection and never says a word: a wrong port, a stuck proxy. */
let silent: Server
let host: string
const sockets: Socket[] = []
const settings = mkdtempSync(join(tmpdir(), 'lambda-timeouts-'))
const project = createProject({}, { samples: true })

beforeAll(async () => {
  silent = createServer(socket => void sockets.push(socket))
  await new Promise<void>(resolve => silent.listen(0, '127.0.0.1', resolve))
  host = `http://127.0.0.1:${(silent.address() as { port: number }).port}`
})
afterAll(async () => {
  for (const socket of sockets) socket.destroy()
  await new Promise(resolve => silent.close(resolve))
  rmSync(settings, { recursive: true, force: true })
  project.remove()
})

describe('a host that accepts and never answers', () => {
  it('fails every command in seconds, naming the host, instead of hanging', async () => {
    const env = { LAMBDA_HOST: host, LAMBDA_API_KEY: 'mlk_abcdef12_secretsecretsecretsecretsecretsecretsecret1', XDG_CONFIG_HOME: settings }
    const commands = [['list'], ['invoke', 'hello'], ['deploy'], ['delete', 'hello', '--yes'], ['rollback', '--release'], ['versions', 'hello'], ['logs', 'hello'], ['logs', 'hello', '--follow']]
    const started = performance.now()
    // A hang would be cut at 60 s and end with no exit code.
    const results = await Promise.all(commands.map(args => runCli(args, { cwd: project.dir, env, timeoutMs: 60_000 })))
    console.log(`${commands.length} commands against a silent host ended after ${Math.round(performance.now() - started)}ms`)
    results.forEach((result, i) => {
      const name = commands[i]!.join(' ')
      expect(result.code, name).toBe(1)
      expect(result.stderr, name).toContain(`The agent at ${host} did not answer within 10 s.`)
      expect(result.stderr, name).toContain(`curl ${host}/_lambda/health`)
    })
  })

  it('`config set-host` checks the host: saved, with a clear warning that no agent answers there', async () => {
    const env = { LAMBDA_HOST: '', LAMBDA_API_KEY: '', XDG_CONFIG_HOME: settings }
    const result = await runCli(['config', 'set-host', host], { env, timeoutMs: 60_000 })
    expect(result.code).toBe(0)
    expect(result.stderr).toContain(`Saved anyway, but no agent answers at ${host}: The agent at ${host} did not answer within 10 s.`)
    expect(JSON.parse(readFileSync(join(settings, 'mini-lambda', 'settings.json'), 'utf8')).host).toBe(host)
    // The key cannot be checked there either: saved, saying so.
    const key = await runCli(['config', 'set-key', 'mlk_abcdef12_secretsecretsecretsecretsecretsecretsecret1'], { env, timeoutMs: 60_000 })
    expect(key.code).toBe(0)
    expect(key.stderr).toContain('but not checked: The agent at')
  })
})
