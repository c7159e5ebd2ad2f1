import type { AgentProcess } from '../helpers/agent'
import type { CliResult } from '../helpers/cli'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startAgentProcess } from '../helpers/agent'
import { runCli } from '../helpers/cli'
import { startDev } from '../helpers/dev'
import { request } from '../helpers/http'
import { repoRoot } from '../helpers/paths'
import { until } from '../helpers/until'

/** A command line of the page's code blocks, with the output its comment lines show under it. */
interface DocLine { text: string, shows: string[] }

function codeLines(markdown: string): DocLine[] {
  const lines: DocLine[] = []
  let fenced = false
  for (const raw of markdown.split('\n')) {
    if (raw.startsWith('```')) {
      fenced = !fenced
      continue
    }
    if (!fenced) continue
    const shown = /^#\s{3}(.*)$/.exec(raw)
    if (shown && lines.length > 0) lines.at(-1)!.shows.push(shown[1]!)
    else if (raw.trim()) lines.push({ text: raw.replace(/\s+#\s.*$/, '').trim(), shows: [] })
  }
  return lines
}

/** What the docs show, as a pattern: the test agent's port after the docs' VM (on port 80, so none shown), any value for timings and "…". */
function shownPattern(shown: string, port: number): RegExp {
  const escaped = shown.trim().replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/203\\\.0\\\.113\\\.7\\\.nip\\\.io(?!:)/g, `$&:${port}`).replace(/\d+(?:\\\.\d+)? ?(?:ms|s|kB|B)\b/g, 'TIMING').replace(/…/g, '[^"]+').replace(/\s+/g, '\\s+').replace(/TIMING/g, '[\\d.]+ ?(?:ms|s|kB|B)')
  return new RegExp(escaped)
}

const page = readFileSync(join(repoRoot, 'docs/quick-start.md'), 'utf8')

/**
 * Lines that cannot run here, and why. Everything else in docs/quick-start.md's code blocks runs below,
 * in order, against a real agent on a free port (process provider; the docs' VM, 203.0.113.7, is it).
 */
const SKIPPED: Record<string, string> = {
  'npm install && npm link': 'puts the CLI on the PATH of the machine; the test runs this checkout\'s bin/lambda.mjs',
  'npm install': 'installs the project\'s dependencies (TypeScript, the vendored toolkit\'s own) from the npm registry, which tests do not reach; test/scaffold/init-install.test.ts installs a project offline',
  'npx lambda dev': 'needs the project-local install above; `lambda dev` itself runs in step 1',
}

describe('docs/quick-start.md, end to end', () => {
  const work = mkdtempSync(join(tmpdir(), 'lambda-quick-start-'))
  const settings = mkdtempSync(join(tmpdir(), 'lambda-quick-start-settings-'))
  let agent: AgentProcess
  let cwd = work
  const lines = codeLines(page)
  // The user's own settings, as `lambda config` writes them: no LAMBDA_HOST or key from the environment.
  const cli = (args: string[]) => runCli(args, { cwd, env: { XDG_CONFIG_HOME: settings, LAMBDA_HOST: '', LAMBDA_API_KEY: '' } })
  beforeAll(async () => {
    agent = await startAgentProcess({ provider: 'process', domain: '203.0.113.7.nip.io' })
  })
  afterAll(async () => {
    await agent?.stop()
    agent?.cleanup()
    rmSync(work, { recursive: true, force: true })
    rmSync(settings, { recursive: true, force: true })
  })

  it('has the command lines this test runs, and no others', () => {
    expect(lines.map(line => line.text)).toEqual([
      'npm install && npm link',
      'npm install',
      'npx lambda dev',
      'lambda init my-app',
      'cd my-app',
      'lambda dev',
      'lambda config set-host http://203.0.113.7',
      'lambda config set-key mlk_…',
      'lambda deploy',
      'curl \'http://hello.203.0.113.7.nip.io/?name=Ada\'',
      'lambda logs hello',
      '# edit functions/hello/index.ts, then',
      'lambda deploy',
      'lambda versions hello',
      'lambda rollback hello',
      'lambda rollback --release',
      'lambda schedule hello --cron "*/5 * * * *"',
      'lambda schedules',
      'lambda schedule history cli-…',
      'lambda invoke hello --async',
    ])
    for (const skipped of Object.keys(SKIPPED)) expect(lines.map(line => line.text)).toContain(skipped)
  })

  it('runs every other line, in order, and each shows what the page says', async () => {
    const ok = (result: CliResult, what: string) => {
      expect(result.code, `${what}\n${result.output}`).toBe(0)
      return result
    }
    const call = (path: string) => request(agent.port, path, { host: `hello.203.0.113.7.nip.io:${agent.port}` })
    const helloFile = () => join(cwd, 'functions/hello/index.ts')
    let scheduleId = ''
    const steps: Record<string, (line: DocLine) => Promise<unknown>> = {
      'lambda init my-app': async () => ok(await cli(['init', 'my-app']), 'init'),
      'cd my-app': async () => {
        cwd = join(work, 'my-app')
      },
      // On a free port rather than 3000, which another program may hold.
      'lambda dev': async () => {
        const dev = await startDev(cwd)
        try {
          expect((await dev.call('hello')).json()).toMatchObject({ message: 'Hello, World!' })
          // "edit functions/hello/index.ts, reload, see it change"
          const original = readFileSync(helloFile(), 'utf8')
          writeFileSync(helloFile(), original.replace('Hello,', 'Hi there,'))
          await until(async () => (await dev.call('hello')).text.includes('Hi there, World!'), 'lambda dev to serve the edit')
          writeFileSync(helloFile(), original)
        }
        finally {
          await dev.stop()
        }
      },
      'lambda config set-host http://203.0.113.7': async () => {
        expect(ok(await cli(['config', 'set-host', `http://127.0.0.1:${agent.port}`]), 'set-host').stdout).toContain('A Mini Lambda agent answers there')
      },
      'lambda config set-key mlk_…': async () => {
        expect(ok(await cli(['config', 'set-key', agent.key]), 'set-key').output).toContain('accepts it (admin scope)')
      },
      'lambda deploy': async (line) => {
        const deploy = ok(await cli(['deploy']), 'deploy')
        for (const shown of line.shows) expect(deploy.stdout).toMatch(shownPattern(shown, agent.port))
        return deploy
      },
      'curl \'http://hello.203.0.113.7.nip.io/?name=Ada\'': async (line) => {
        const answer = await call('/?name=Ada')
        expect(answer.status).toBe(200)
        for (const shown of line.shows) expect(answer.text).toMatch(shownPattern(shown, agent.port))
      },
      'lambda logs hello': async () => {
        expect(ok(await cli(['logs', 'hello']), 'logs').stdout).toMatch(/GET \/\?name=Ada\s+200/)
      },
      '# edit functions/hello/index.ts, then': async () => {
        writeFileSync(helloFile(), readFileSync(helloFile(), 'utf8').replace('Hello,', 'Hi,'))
      },
      'lambda versions hello': async () => {
        const versions = JSON.parse(ok(await cli(['versions', 'hello', '--json']), 'versions --json').stdout)
        expect(versions).toMatchObject({ current: 2 })
        expect(versions.versions.map((v: { number: number }) => v.number)).toEqual([1, 2])
        ok(await cli(['versions', 'hello']), 'versions')
      },
      'lambda rollback hello': async () => {
        ok(await cli(['rollback', 'hello']), 'rollback')
        expect((await call('/?name=Ada')).json()).toMatchObject({ message: 'Hello, Ada!' })
      },
      'lambda rollback --release': async () => {
        ok(await cli(['rollback', '--release']), 'rollback --release')
        expect((await call('/?name=Ada')).json()).toMatchObject({ message: 'Hello, Ada!' })
        expect(JSON.parse((await cli(['releases', '--json'])).stdout).at(-1)).toMatchObject({ kind: 'rollback', rollbackOf: 1 })
      },
      'lambda schedule hello --cron "*/5 * * * *"': async () => {
        const added = ok(await cli(['schedule', 'hello', '--cron', '*/5 * * * *']), 'schedule')
        scheduleId = /Added schedule (cli-\w+)/.exec(added.output)?.[1] ?? ''
        expect(scheduleId, added.output).toMatch(/^cli-/)
      },
      'lambda schedules': async () => {
        expect(ok(await cli(['schedules']), 'schedules').stdout).toContain(scheduleId)
      },
      'lambda schedule history cli-…': async () => ok(await cli(['schedule', 'history', scheduleId]), 'schedule history'),
      'lambda invoke hello --async': async () => {
        const id = ok(await cli(['invoke', 'hello', '--async']), 'invoke --async').stdout.trim()
        await until(async () => JSON.parse((await cli(['invocation', id, '--json'])).stdout).status === 'succeeded', 'the asynchronous call to succeed')
      },
    }
    let deploys = 0
    for (const line of lines) {
      if (SKIPPED[line.text]) continue
      const step = steps[line.text]
      expect(step, `no step for "${line.text}"`).toBeDefined()
      await step!(line)
      if (line.text === 'lambda deploy' && ++deploys === 2) expect((await call('/?name=Ada')).json()).toMatchObject({ message: 'Hi, Ada!' })
    }
    expect(deploys).toBe(2)
  }, 180_000)
})
