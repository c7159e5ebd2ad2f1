import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { stripVTControlCharacters } from 'node:util'
import { describe, expect, it } from 'vitest'
import { useAgent } from '../helpers/agent'
import { createProject } from '../helpers/project'
import { hasTerminal, runInTerminal } from '../helpers/terminal'
import { logsProject, logsStory } from './logs-story'

describe('logs (process provider)', () => {
  logsStory('process', { restart: true })
})

describe('lambda logs: the command line', () => {
  const suite = useAgent({ provider: 'process' }, logsProject, async ({ agent, project }) => {
    expect((await agent.cli(['deploy', '--only', 'talk'], { cwd: project.dir })).code).toBe(0)
  })

  it('prints aligned, uncoloured columns when piped: time, version, request, message; --tail, --version', async () => {
    const res = await suite.agent.call('talk', '/?say=plain&n=2')
    const id = (res.headers['x-request-id'] as string).slice(0, 8)
    const result = await suite.agent.cli(['logs', 'talk', '--tail', '3'])
    expect(result.code, result.output).toBe(0)
    expect(result.stdout).not.toContain('\x1B[')
    const lines = result.stdout.trimEnd().split('\n')
    expect(lines).toHaveLength(3)
    expect(lines[0]).toMatch(new RegExp(`^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}\\.\\d{3}  v1    ${id}  plain 0$`))
    expect(lines[1]).toMatch(new RegExp(`  v1    ${id}  plain 1$`))
    expect(lines[2]).toMatch(new RegExp(`  v1    ${id}  GET /\\?say=plain&n=2 200 [\\d.]+m?s`))
    expect((await suite.agent.cli(['logs', 'talk', '--version', '7'])).stderr).toContain('No log entries for "talk" that match')
  })

  it.skipIf(!hasTerminal)('on a terminal the same columns come in colour, each request in its own', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, ...suite.agent.env, TERM: 'xterm-256color' }
    for (const key of ['TEST', 'NODE_ENV', 'CI', 'NO_COLOR', 'FORCE_COLOR']) delete env[key]
    for (const key of Object.keys(env).filter(key => key.startsWith('VITEST'))) delete env[key]
    const res = await suite.agent.call('talk', '/?say=coloured')
    const shown = await runInTerminal(['logs', 'talk', '--tail', '2'], { env })
    expect(shown.code, shown.output).toBe(0)
    expect(shown.output).toMatch(/\x1B\[[0-9;]*m/)
    const lines = stripVTControlCharacters(shown.output).trim().split(/\r?\n/)
    expect(lines[0]).toMatch(new RegExp(`  v1    ${(res.headers['x-request-id'] as string).slice(0, 8)}  coloured 0$`))
  })

  it('a start that fails points at what the function printed while loading, kept under its version', async () => {
    suite.project.write('functions/broken/index.ts', 'console.log(\'connecting to the database\')\nthrow new Error(\'missing DATABASE_URL\')\nexport default () => 1\n')
    const deploy = await suite.agent.cli(['deploy', '--only', 'broken'], { cwd: suite.project.dir })
    expect(deploy.code).toBe(1)
    const [, version] = /`lambda logs broken --version (\d+)`/.exec(deploy.output) ?? []
    expect(version, deploy.output).toBeDefined()
    const logs = await suite.agent.cli(['logs', 'broken', '--version', version!])
    expect(logs.stdout).toContain('connecting to the database')
    expect(logs.stdout).toContain('missing DATABASE_URL')
  })

  it('refuses a bad command line with exit 2 and an unknown function with exit 1', async () => {
    for (const args of [['--since', 'yesterday'], ['--tail', '-1'], ['--tail', '20000'], ['--version', 'latest'], ['--request', 'not an id'], ['--request', 'zz'], ['--request', '1f0c2a3'], ['--folow']]) {
      const result = await suite.agent.cli(['logs', 'talk', ...args])
      expect(result.code, `${args.join(' ')}: ${result.output}`).toBe(2)
    }
    // Too short to match a request: docs/cli.md says so, and the fix is in the message.
    const short = await suite.agent.cli(['logs', 'talk', '--request', 'zz'])
    expect(short.stderr).toContain('first 8 characters or more')
    expect((await suite.agent.cli(['logs', 'talk', '--request', '1f0c2a3b'])).code).toBe(0)
    const unknown = await suite.agent.cli(['logs', 'nope', '--json'])
    expect(unknown.code).toBe(1)
    expect(JSON.parse(unknown.stdout).error.code).toBe('FUNCTION_NOT_FOUND')
    const api = await suite.agent.admin('/functions/talk/logs?tail=x')
    expect(api.status).toBe(400)
    expect(api.json().error.field).toBe('tail')
    expect((await suite.agent.admin('/functions/talk/logs?bogus=1')).status).toBe(400)
    expect((await suite.agent.admin('/functions/talk/logs', { key: null })).status).toBe(401)
  })
})

describe('a function that floods its output', () => {
  const MAX_MB = 1
  const suite = useAgent({ provider: 'process', extraArgs: ['--log-max-mb', String(MAX_MB), '--log-rate', '2000'] }, () => createProject({
    // ~1 KB lines as fast as the pipe takes them, for 2 s: hundreds of MB if nothing bounded them.
    'functions/flood/index.ts': 'export default () => { const line = \'x\'.repeat(1000); const end = Date.now() + 2000; let n = 0; while (Date.now() < end) { console.log(n++ + line) } return n }\n',
  }), async ({ agent, project }) => {
    expect((await agent.cli(['deploy'], { cwd: project.dir })).code).toBe(0)
  })
  const rssOf = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024

  it('leaves the agent\'s memory and the log on disk within bounds, and says how many lines it dropped', async () => {
    const pid = suite.agent.process.child.pid!
    await suite.agent.call('flood', '/warm-up')
    const before = rssOf(pid)
    let peak = before
    const sampler = setInterval(() => (peak = Math.max(peak, rssOf(pid))), 50)
    let printed = 0
    try {
      for (let i = 0; i < 2; i++) {
        const res = await suite.agent.call('flood', '/', { timeoutMs: 30_000 })
        expect(res.status, res.text).toBe(200)
        printed += Number(res.text)
      }
    }
    finally {
      clearInterval(sampler)
    }
    await new Promise(r => setTimeout(r, 1500))
    const dir = join(suite.agent.dataDir, 'logs', 'flood')
    const onDisk = readdirSync(dir).reduce((sum, name) => sum + statSync(join(dir, name)).size, 0)
    console.log(`flood: ${printed} lines of ~1 KB (${(printed / 1024).toFixed(0)} MB) printed; agent RSS ${(before / 1048576).toFixed(0)} MB → peak ${(peak / 1048576).toFixed(0)} MB (+${((peak - before) / 1048576).toFixed(1)} MB); logs on disk ${(onDisk / 1024).toFixed(0)} KB (limit ${MAX_MB * 1024} KB)`)
    expect(printed * 1000).toBeGreaterThan(20 * MAX_MB * 1024 * 1024)
    expect(onDisk).toBeLessThanOrEqual(MAX_MB * 1024 * 1024)
    expect(peak - before).toBeLessThan(96 * 1024 * 1024)
    const tail = await suite.agent.cli(['logs', 'flood', '--tail', '5000', '--json'])
    const markers = tail.stdout.split('\n').filter(Boolean).map(line => JSON.parse(line)).filter(e => e.type === 'dropped')
    expect(markers.length).toBeGreaterThan(0)
    expect(markers[0]).toMatchObject({ reason: 'rate', function: 'flood' })
    expect(markers[0].message).toMatch(/^\d+ lines dropped/)
  })
})

describe('lambda agent --no-logs', () => {
  const suite = useAgent({ provider: 'process', extraArgs: ['--no-logs'] }, logsProject, async ({ agent, project }) => {
    expect((await agent.cli(['deploy', '--only', 'talk'], { cwd: project.dir })).code).toBe(0)
  })

  it('keeps nothing, and lambda logs says why', async () => {
    expect((await suite.agent.call('talk', '/?say=unkept')).status).toBe(200)
    const result = await suite.agent.cli(['logs', 'talk'])
    expect(result.code).toBe(1)
    expect(result.output).toContain('--no-logs')
    expect(readdirSync(suite.agent.dataDir)).not.toContain('logs')
  })
})
