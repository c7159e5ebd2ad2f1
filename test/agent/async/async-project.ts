import type { AgentProcess } from '../../helpers/agent'
import type { TempProject } from '../../helpers/project'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'vitest'
import { startAgentProcess } from '../../helpers/agent'
import { createProject } from '../../helpers/project'
import { until } from '../../helpers/until'

/**
 * Records every attempt it gets (a JSON line in $OUT/$LOG) and answers as the query asks:
 * `?failTimes=N` answers 503 to the first N attempts of an invocation, `?fail=until-fixed` answers 500
 * until the file $OUT/fixed exists, `?status=N` answers N.
 */
const RECORDER = `import { appendFileSync, existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
const log = join(process.env.OUT, process.env.LOG)
const attemptsOf = id => existsSync(log) ? readFileSync(log, 'utf8').split('\\n').filter(line => line && JSON.parse(line).id === id).length : 0
export default async (req, ctx) => {
  const url = new URL(req.url)
  const id = req.headers.get('x-lambda-invocation-id')
  const body = await req.text()
  const before = attemptsOf(id)
  appendFileSync(log, JSON.stringify({ id, attempt: req.headers.get('x-lambda-attempt'), requestId: ctx.requestId, method: req.method, path: url.pathname + url.search, headers: Object.fromEntries(req.headers), body }) + '\\n')
  if (before < Number(url.searchParams.get('failTimes') ?? 0)) return new Response('not yet', { status: 503 })
  if (url.searchParams.get('fail') === 'until-fixed' && !existsSync(join(process.env.OUT, 'fixed'))) return new Response('still broken', { status: 500 })
  return new Response(JSON.stringify({ ok: true, id, body }), { status: Number(url.searchParams.get('status') ?? 200), headers: { 'content-type': 'application/json' } })
}
`

/** Writes "start <id>", waits until the file $OUT/<?gate> exists, then writes "end <id>". */
const GATED = `import { appendFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
export default async (req) => {
  const gate = join(process.env.OUT, new URL(req.url).searchParams.get('gate'))
  const id = req.headers.get('x-lambda-invocation-id')
  appendFileSync(join(process.env.OUT, 'gated.log'), 'start ' + id + '\\n')
  const until = Date.now() + 25000
  while (!existsSync(gate) && Date.now() < until) await new Promise(resolve => setTimeout(resolve, 20))
  appendFileSync(join(process.env.OUT, 'gated.log'), 'end ' + id + '\\n')
  return 'done ' + id
}
`

export interface AsyncFixture {
  project: TempProject
  /** A folder the test owns, where the functions write what they were called with. */
  out: string
  remove: () => void
}

/**
 * A project whose functions leave their side effects in a folder of the test (process provider: they
 * run as the agent's user): `rec`, `once` (no retries) and `secure` (auth: 'key') record each attempt,
 * `gated` holds each call until the test opens its gate (one call at a time: concurrency 1, one
 * instance), and so does `aging`, whose calls may wait one second at most (async.maxAgeSeconds).
 */
export function asyncProject(): AsyncFixture {
  const out = mkdtempSync(join(tmpdir(), 'lambda-async-out-'))
  const project = createProject({
    'lambda.config.ts': `export default {
  defaults: { env: { OUT: ${JSON.stringify(out)} } },
  functions: {
    rec: { env: { LOG: 'rec.log' } },
    secure: { auth: 'key', env: { LOG: 'secure.log' } },
    once: { env: { LOG: 'once.log' }, async: { retries: 0 } },
    gated: { concurrency: 1, maxInstances: 1 },
    aging: { concurrency: 1, maxInstances: 1, async: { maxAgeSeconds: 1 } },
  },
}
`,
    'functions/rec/index.mjs': RECORDER,
    'functions/secure/index.mjs': RECORDER,
    'functions/once/index.mjs': RECORDER,
    'functions/gated/index.mjs': GATED,
    'functions/aging/index.mjs': GATED,
  })
  const remove = () => {
    project.remove()
    rmSync(out, { recursive: true, force: true })
  }
  return { project, out, remove }
}

/** The async project, deployed (all of it, or `only` one function) on a fresh process-provider agent. */
export async function startAsyncAgent(opts: { extraArgs?: string[], only?: string } = {}): Promise<{ agent: AgentProcess, fixture: AsyncFixture }> {
  const fixture = asyncProject()
  const agent = await startAgentProcess({ provider: 'process', extraArgs: opts.extraArgs })
  const deploy = await agent.cli(['deploy', ...(opts.only ? ['--only', opts.only] : [])], { cwd: fixture.project.dir })
  expect(deploy.code, deploy.output).toBe(0)
  return { agent, fixture }
}

/** Ends what startAsyncAgent started (either may be missing when the start failed). */
export async function stopAsyncAgent(agent?: AgentProcess, fixture?: AsyncFixture): Promise<void> {
  await agent?.stop()
  agent?.cleanup()
  fixture?.remove()
}

export interface Recorded {
  id: string
  attempt: string
  requestId: string
  method: string
  path: string
  headers: Record<string, string>
  body: string
}

export function recorded(out: string, log = 'rec.log'): Recorded[] {
  const file = join(out, log)
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map(line => JSON.parse(line)) : []
}

export function gatedLog(out: string): string[] {
  const file = join(out, 'gated.log')
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []
}

export { until }

/** An async call on the gateway: `X-Lambda-Invocation-Type: Event`. */
export function callAsync(agent: AgentProcess, fn: string, path = '/', init: { method?: string, body?: string | Buffer, headers?: Record<string, string> } = {}) {
  return agent.call(fn, path, { ...init, headers: { 'x-lambda-invocation-type': 'Event', ...init.headers } })
}

/** Waits until the invocation is final; answers its detail. */
export async function finished(agent: AgentProcess, id: string) {
  return until(async () => {
    const res = await agent.admin(`/invocations/${id}`)
    const detail = res.json()
    return detail.status === 'succeeded' || detail.status === 'failed' ? detail : undefined
  }, `invocation ${id} to finish`)
}

/** The agent's stored async state files that contain `text` (files renamed away while reading are skipped). */
export function storedFilesContaining(agent: AgentProcess, text: string): string[] {
  const dir = join(agent.dataDir, 'state', 'async')
  if (!existsSync(dir)) return []
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter(entry => entry.isFile())
    .map(entry => join(entry.parentPath, entry.name))
    .filter((file) => {
      try {
        return readFileSync(file, 'utf8').includes(text)
      }
      catch {
        return false
      }
    })
}
