// The campaign's project: five functions that cover both handler styles, a schedule, async calls with
// retries, and two hostile functions (one fills its /tmp, one eats memory).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** Every few seconds: the schedule checker counts runs against this cron. */
export const TICK_CRON = '*/3 * * * * *'
export const TICK_EVERY_MS = 3000

const sources = {
  // Web-standard; `generation` changes on each deploy so a deploy always makes a new version.
  hello: generation => `export default () => Response.json({ hello: 'world', generation: ${generation} })\n`,
  // AWS style, API Gateway 2.0 event.
  aws: () => `export const handler = async (event) => ({ statusCode: 200, body: JSON.stringify({ path: event.rawPath }) })\n`,
  tick: () => `export default (req: Request) => Response.json({ due: req.headers.get('x-lambda-scheduled-time') })\n`,
  // Fails one attempt in five so retries run; answers a nonce per run: two different nonces for one
  // invocation means it ran twice after succeeding.
  worker: () => `export default async (req: Request) => {
  const body = await req.text()
  if (Math.random() < 0.2) throw new Error('chaos: a failure to retry')
  return Response.json({ call: body, run: crypto.randomUUID() })
}\n`,
  tmpfill: () => `import { writeFileSync, rmSync } from 'node:fs'
export default () => {
  const chunk = Buffer.alloc(1 << 20, 1)
  let written = 0
  try { for (;;) { writeFileSync('/tmp/fill-' + written, chunk); written++ } }
  catch (error) { return Response.json({ filledMb: written, error: String(error) }, { status: 507 }) }
  finally { if (written > 0) { for (let i = 0; i < written; i++) rmSync('/tmp/fill-' + i, { force: true }) } }
}\n`,
  memhog: () => `const hoard: Buffer[] = []
export default () => {
  for (;;) hoard.push(Buffer.alloc(8 << 20, 1))
}\n`,
}

const config = `export default {
  functions: {
    hello: { concurrency: 20, maxInstances: 2 },
    aws: { concurrency: 20, maxInstances: 2 },
    tick: { schedule: { cron: '${TICK_CRON}', catchUp: true }, maxInstances: 1 },
    worker: { async: { retries: 5 }, maxInstances: 2 },
    tmpfill: { timeout: 20, maxInstances: 1 },
    memhog: { memory: 64, timeout: 20, maxInstances: 1 },
  },
}\n`

export const FUNCTIONS = Object.keys(sources)
/** Functions the steady load calls (the hostile ones are called by their faults). */
export const LOADED = ['hello', 'aws']

/** Writes the project to a fresh folder; `writeHello(n)` rewrites hello for the n-th deploy. */
export function createProject() {
  const dir = mkdtempSync(join(tmpdir(), 'chaos-project-'))
  for (const [name, source] of Object.entries(sources)) {
    mkdirSync(join(dir, 'functions', name), { recursive: true })
    writeFileSync(join(dir, 'functions', name, 'index.ts'), source(0))
  }
  writeFileSync(join(dir, 'lambda.config.ts'), config)
  const writeHello = generation => writeFileSync(join(dir, 'functions/hello/index.ts'), sources.hello(generation))
  return { dir, writeHello }
}
