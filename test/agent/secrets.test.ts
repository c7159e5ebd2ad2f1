import type { AgentProcess } from '../helpers/agent'
import { spawn, spawnSync } from 'node:child_process'
import { readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { useAgent } from '../helpers/agent'
import { startCli } from '../helpers/cli'
import { cliPath } from '../helpers/paths'
import { createProject } from '../helpers/project'

// Distinctive values, so finding one anywhere (output, files) cannot be a coincidence.
const FIRST = 'sk_live_FIRST-4f1d9a7c2e'
const ROTATED = 'sk_live_ROTATED-8b3e6d0f5a'
const PLAIN = 'plain-greeting-6c2a'
const TYPED = 'typed-at-a-prompt-7e44'

const hasScript = spawnSync('script', ['--version']).status === 0

/** The environment a user's shell has: without vitest's markers, which make the CLI's output quiet. */
const userEnv = () => Object.fromEntries(Object.entries(process.env).filter(([key]) => key !== 'TEST' && key !== 'NODE_ENV' && !key.startsWith('VITEST')))

async function until(ok: () => boolean, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs
  while (!ok()) {
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

const project = () => createProject({
  'lambda.config.ts': [
    'import { defineConfig, secret } from \'mini-lambda\'',
    'export default defineConfig({',
    '  functions: {',
    `    show: { env: { TOKEN: secret('tok'), GREETING: '${PLAIN}' } },`,
    '    needs: { env: { API_KEY: secret(\'never-set\') } },',
    '  },',
    '})',
    '',
  ].join('\n'),
  'functions/show/index.ts': 'export default () => ({ token: process.env.TOKEN ?? null, greeting: process.env.GREETING ?? null })\n',
  'functions/needs/index.ts': 'export default () => ({ key: process.env.API_KEY ?? null })\n',
})

/** Every regular file under `dir` (sockets and the like are skipped). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter(entry => entry.isFile())
    .map(entry => join(entry.parentPath, entry.name))
}

const tokenSeen = async (agent: AgentProcess) => (await agent.call('show')).json().token

describe('secrets on the agent', () => {
  const suite = useAgent({ provider: 'process' }, project)

  it('set reads the value from stdin (one trailing newline dropped); list shows the name, never the value', async () => {
    const set = await suite.agent.cli(['secrets', 'set', 'tok'], { input: `${FIRST}\n` })
    expect(set.code, set.output).toBe(0)
    expect(set.output).toContain('Created secret "tok"')
    expect(set.output).not.toContain(FIRST)

    const table = await suite.agent.cli(['secrets', 'list'])
    expect(table.code, table.output).toBe(0)
    expect(table.stdout).toMatch(/NAME\s+USED BY\s+CREATED\s+UPDATED/)
    expect(table.stdout).toMatch(/tok\s+-\s+\d{4}-/)
    const json = await suite.agent.cli(['secrets', 'list', '--json'])
    expect(JSON.parse(json.stdout).secrets).toEqual([{ name: 'tok', createdAt: expect.any(String), updatedAt: expect.any(String), usedBy: [] }])

    for (const output of [table.output, json.output, (await suite.agent.admin('/secrets')).text]) expect(output).not.toContain(FIRST)
  })

  it('on a terminal, set prompts for the value without echoing it', async () => {
    if (!hasScript) return it.skip('`script` (util-linux) is needed to give the CLI a terminal')
    // `script` runs the CLI on a pseudo-terminal: stdin is a TTY, as when a person types.
    const child = spawn('script', ['-qefc', `${process.execPath} ${cliPath} secrets set typed`, '/dev/null'], { env: { ...userEnv(), ...suite.agent.env } })
    let output = ''
    child.stdout.on('data', (d) => { output += d })
    child.stderr.on('data', (d) => { output += d })
    const exited = new Promise<number | null>(resolve => child.on('exit', resolve))
    await until(() => output.includes('(input hidden)'))
    child.stdin.write(`${TYPED}\r`)
    expect(await exited, output).toBe(0)
    expect(output).toContain('Created secret "typed"')
    expect(output).not.toContain(TYPED)
    const names = JSON.parse((await suite.agent.cli(['secrets', 'list', '--json'])).stdout).secrets.map((s: { name: string }) => s.name)
    expect(names).toContain('typed')
    expect((await suite.agent.cli(['secrets', 'rm', 'typed'])).code).toBe(0)
  })

  it('a failed upload never prints the value, even with LAMBDA_DEBUG', async () => {
    const result = await suite.agent.cli(['secrets', 'set', 'tok'], { input: FIRST, env: { LAMBDA_HOST: 'http://127.0.0.1:1', LAMBDA_DEBUG: '1' } })
    expect(result.code).toBe(1)
    expect(result.output).toContain('Could not reach the agent')
    expect(result.output).not.toContain(FIRST)
  })

  it('a deployed function sees the value in process.env', async () => {
    const deploy = await suite.agent.cli(['deploy', '--only', 'show'], { cwd: suite.project.dir })
    expect(deploy.code, deploy.output).toBe(0)
    expect((await suite.agent.call('show')).json()).toEqual({ token: FIRST, greeting: PLAIN })
    const listed = JSON.parse((await suite.agent.cli(['secrets', 'list', '--json'])).stdout)
    expect(listed.secrets[0].usedBy).toEqual(['show'])
  })

  it('lambda list --json prints no env values; --show-env adds the plain ones, never a secret', async () => {
    const json = await suite.agent.cli(['list', '--json'])
    expect(json.code, json.output).toBe(0)
    const [fn] = JSON.parse(json.stdout)
    expect(fn.env).toEqual([{ name: 'GREETING', source: 'plain' }, { name: 'TOKEN', source: 'secret', secret: 'tok', set: true }])
    expect(fn.config.env).toBeUndefined()
    expect(json.stdout).not.toContain(PLAIN)
    expect(json.stdout).not.toContain(FIRST)

    const shown = await suite.agent.cli(['list', '--json', '--show-env'])
    expect(JSON.parse(shown.stdout)[0].env).toContainEqual({ name: 'GREETING', source: 'plain', value: PLAIN })
    expect(shown.stdout).not.toContain(FIRST)

    const table = await suite.agent.cli(['list', '--show-env'])
    expect(table.stdout).toContain(`GREETING=${PLAIN}`)
    expect(table.stdout).toContain('TOKEN=secret(\'tok\')')
    expect(table.stdout).not.toContain(FIRST)
    expect((await suite.agent.cli(['list'])).stdout).not.toContain(PLAIN)

    for (const path of ['/functions', '/functions?env=true', '/functions/show', '/functions/show?env=true']) {
      const res = await suite.agent.admin(path)
      expect(res.status).toBe(200)
      expect(res.text).not.toContain(FIRST)
      expect(res.text.includes(PLAIN)).toBe(path.endsWith('env=true'))
    }
  })

  it('rotating the value: the running instance is replaced and the next request sees the new value', async () => {
    expect(await tokenSeen(suite.agent)).toBe(FIRST)
    const set = await suite.agent.cli(['secrets', 'set', 'tok'], { input: ROTATED })
    expect(set.code, set.output).toBe(0)
    expect(set.output).toContain('Updated secret "tok"')
    expect(set.output).toContain('New instances of show start with it')
    expect(await tokenSeen(suite.agent)).toBe(ROTATED)
    const [listed] = JSON.parse((await suite.agent.cli(['secrets', 'list', '--json'])).stdout).secrets
    expect(listed.updatedAt > listed.createdAt).toBe(true)
  })

  it('rm refuses while a deployed function uses the secret, saying which', async () => {
    const rm = await suite.agent.cli(['secrets', 'rm', 'tok'])
    expect(rm.code).toBe(1)
    expect(rm.output).toContain('used by deployed function(s): show')
    expect(rm.output).toContain('lambda secrets rm tok --yes')
    const api = await suite.agent.admin('/secrets/tok', { method: 'DELETE' })
    expect(api.status).toBe(409)
    expect(api.json().error).toMatchObject({ code: 'SECRET_IN_USE', usedBy: ['show'] })
    expect(await tokenSeen(suite.agent)).toBe(ROTATED)
  })

  it('a deploy that refers to a secret the agent does not have fails before anything is built, naming it and the fix', async () => {
    const deploy = await suite.agent.cli(['deploy', '--only', 'needs'], { cwd: suite.project.dir })
    expect(deploy.code).toBe(1)
    expect(deploy.output).toContain('"never-set" (env API_KEY)')
    expect(deploy.output).toContain('lambda secrets set never-set')
    expect((await suite.agent.admin('/functions/needs')).status).toBe(404)
    // The process provider's "image" is a folder per version: none was made.
    expect(readdirSync(join(suite.agent.dataDir, 'images'))).not.toContain('needs')
  })

  it('bad names and bad values: 400 from the API and an error from the CLI, nothing stored, no value echoed', async () => {
    const put = (name: string, body: string, key?: string | null) => suite.agent.admin(`/secrets/${name}`, { method: 'PUT', body, headers: { 'content-type': 'application/json' }, key })
    const cases: Array<[string, string, string]> = [
      ['Upper', JSON.stringify({ value: 'v' }), 'INVALID_SECRET_NAME'],
      ['has%20space', JSON.stringify({ value: 'v' }), 'INVALID_SECRET_NAME'],
      ['a'.repeat(65), JSON.stringify({ value: 'v' }), 'INVALID_SECRET_NAME'],
      ['big', JSON.stringify({ value: `${'x'.repeat(32 * 1024)}y` }), 'INVALID_SECRET_VALUE'],
      ['empty', JSON.stringify({ value: '' }), 'INVALID_SECRET_VALUE'],
      ['number', JSON.stringify({ value: 12345 }), 'INVALID_SECRET_VALUE'],
      ['nul', JSON.stringify({ value: 'a\u0000b' }), 'INVALID_SECRET_VALUE'],
      ['extra', JSON.stringify({ value: 'v', value2: 'w' }), 'BAD_REQUEST'],
      ['array', JSON.stringify(['v']), 'BAD_REQUEST'],
      ['notjson', `{ "value": "${FIRST}"`, 'BAD_REQUEST'],
    ]
    for (const [name, body, code] of cases) {
      const res = await put(name, body)
      expect(res.status, `${name}: ${res.text}`).toBe(400)
      expect(res.json().error.code).toBe(code)
      expect(res.text).not.toContain(FIRST)
      expect(res.text).not.toContain('xxxxxxxx')
    }
    // A body far past any valid value is cut off while it is read.
    expect((await put('huge', JSON.stringify({ value: 'x'.repeat(1024 * 1024) }))).status).toBe(413)
    expect((await put('nokey', JSON.stringify({ value: 'v' }), null)).status).toBe(401)
    // The largest value allowed is stored.
    expect((await put('max.size_ok-1', JSON.stringify({ value: 'x'.repeat(32 * 1024) }))).status).toBe(200)

    for (const name of ['Bad Name', '..', 'x/y']) {
      const badName = await suite.agent.cli(['secrets', 'set', name], { input: 'v' })
      expect(badName.code, name).toBe(2)
      expect(badName.output).toContain('Invalid secret name')
    }
    const looksLikeATempFile = await suite.agent.cli(['secrets', 'set', 'a.0123456789ab.tmp'], { input: 'v' })
    expect(looksLikeATempFile.code, looksLikeATempFile.output).toBe(0)
    expect((await suite.agent.cli(['secrets', 'rm', 'a.0123456789ab.tmp'])).code).toBe(0)
    const tooBig = await suite.agent.cli(['secrets', 'set', 'big'], { input: 'x'.repeat(40 * 1024) })
    expect(tooBig.code).toBe(1)
    expect(tooBig.output).toContain('32 KB')
    const empty = await suite.agent.cli(['secrets', 'set', 'empty'], { input: '\n' })
    expect(empty.code).toBe(1)
    expect(empty.output).toContain('the value is empty')

    const names = JSON.parse((await suite.agent.cli(['secrets', 'list', '--json'])).stdout).secrets.map((s: { name: string }) => s.name)
    expect(names).toEqual(['max.size_ok-1', 'tok'])
    expect((await suite.agent.cli(['secrets', 'rm', 'max.size_ok-1'])).code).toBe(0)
  })

  it('at rest: master.key and every state file are mode 0600 (folders 0700), and no file in the data dir holds a value', async () => {
    const { dataDir } = suite.agent
    expect(statSync(dataDir).mode & 0o777).toBe(0o700)
    const key = join(dataDir, 'master.key')
    expect(statSync(key).mode & 0o777).toBe(0o600)
    expect(readFileSync(key)).toHaveLength(32)
    const stateFiles = filesUnder(join(dataDir, 'state'))
    expect(stateFiles.some(f => f.includes('secrets'))).toBe(true)
    for (const file of stateFiles) expect(statSync(file).mode & 0o777, file).toBe(0o600)
    for (const dir of readdirSync(join(dataDir, 'state'), { recursive: true, withFileTypes: true }).filter(e => e.isDirectory())) {
      expect(statSync(join(dir.parentPath, dir.name)).mode & 0o777, dir.name).toBe(0o700)
    }
    const everything = filesUnder(dataDir)
    expect(everything.length).toBeGreaterThan(stateFiles.length)
    for (const file of everything) {
      const bytes = readFileSync(file)
      for (const value of [FIRST, ROTATED, TYPED]) expect(bytes.includes(value), `${value} found in ${file}`).toBe(false)
    }
    expect(suite.agent.process.output()).not.toContain(FIRST)
    expect(suite.agent.process.output()).not.toContain(ROTATED)
  })

  it('a restart serves the secret again; a missing or wrong master key with secrets stored stops the start', async () => {
    await suite.agent.stop()
    suite.agent = await suite.agent.restart()
    expect(await tokenSeen(suite.agent)).toBe(ROTATED)
    await suite.agent.stop()

    const { dataDir, port } = suite.agent
    const key = join(dataDir, 'master.key')
    const startFails = async () => {
      const agent = startCli(['agent', '--port', String(port), '--host', '127.0.0.1', '--data-dir', dataDir, '--provider', 'process'])
      const code = await new Promise<number | null>(resolve => agent.child.on('exit', resolve))
      return { code, output: agent.output() }
    }
    renameSync(key, `${key}.bak`)
    const missing = await startFails()
    expect(missing.code).toBe(1)
    expect(missing.output).toContain(`The secrets master key ${key} is missing`)
    expect(missing.output).toContain('Restore')

    writeFileSync(key, Buffer.alloc(32, 7), { mode: 0o600 })
    const wrong = await startFails()
    expect(wrong.code).toBe(1)
    expect(wrong.output).toContain('does not decrypt')

    writeFileSync(key, 'short', { mode: 0o600 })
    const damaged = await startFails()
    expect(damaged.code).toBe(1)
    expect(damaged.output).toContain('damaged')

    renameSync(`${key}.bak`, key)
    suite.agent = await suite.agent.restart()
    expect(await tokenSeen(suite.agent)).toBe(ROTATED)
  })

  it('rm --yes removes a secret in use: new instances start without the variable, and the agent says why', async () => {
    const rm = await suite.agent.cli(['secrets', 'rm', 'tok', '--yes'])
    expect(rm.code, rm.output).toBe(0)
    expect(rm.output).toContain('show now starts without it')
    expect(await tokenSeen(suite.agent)).toBe(null)
    await suite.agent.process.waitFor(/\[show\] secret "tok" is not set on this agent: TOKEN is left unset/)
    const listed = JSON.parse((await suite.agent.cli(['secrets', 'list', '--json'])).stdout)
    expect(listed).toEqual({ secrets: [], missing: [{ name: 'tok', usedBy: ['show'] }] })
    expect((await suite.agent.cli(['secrets', 'list'])).output).toContain('Secret "tok" is used by show but not set')
  })

  it('a rollback to a version whose secret is gone is refused, naming it; the current version keeps serving', async () => {
    suite.project.write('lambda.config.ts', `import { defineConfig } from 'mini-lambda'\nexport default defineConfig({ functions: { show: { env: { GREETING: '${PLAIN}' } } } })\n`)
    const deploy = await suite.agent.cli(['deploy', '--only', 'show'], { cwd: suite.project.dir })
    expect(deploy.code, deploy.output).toBe(0)
    const rollback = await suite.agent.cli(['rollback', 'show', '1'])
    expect(rollback.code).toBe(1)
    expect(rollback.output).toContain('"tok" (env TOKEN)')
    expect(rollback.output).toContain('lambda secrets set tok')
    expect(JSON.parse((await suite.agent.cli(['versions', 'show', '--json'])).stdout).current).toBe(2)
    expect((await suite.agent.call('show')).json()).toEqual({ token: null, greeting: PLAIN })
  })
})
