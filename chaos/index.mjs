// npm run chaos -- --minutes N [--rate R] [--seed S] [--ci] [--no-own-dockerd] [--keep]
// A fault campaign against a real agent with the docker provider: steady load, deploys, rollbacks,
// schedules and async calls, while random faults hit it. Prints a table per fault; exits 1 on a loss
// (an async call accepted and never finished, a state record that does not parse, a request that hung).
import { execFile, execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs, promisify } from 'node:util'
import { startAgentService, waitFor } from './agent-service.mjs'
import { startAsyncTracker } from './async-calls.mjs'
import { FAULTS, mountTmpfs } from './faults.mjs'
import { docker, leftovers, processUsage, unparsableState } from './inspect.mjs'
import { call, classify, startLoad } from './load.mjs'
import { ownDockerd } from './own-dockerd.mjs'
import { createProject, FUNCTIONS, LOADED } from './project.mjs'
import { faultTable, usageTable } from './report.mjs'
import { checkSchedule } from './schedules.mjs'

const { values: opts } = parseArgs({ options: {
  'minutes': { type: 'string', default: '2' },
  'rate': { type: 'string', default: '10' },
  'seed': { type: 'string' },
  'ci': { type: 'boolean', default: false },
  'no-own-dockerd': { type: 'boolean', default: false },
  'keep': { type: 'boolean', default: false },
} })
const minutes = Number(opts.minutes)
if (!(minutes > 0 && minutes <= 24 * 60)) throw new Error(`--minutes ${opts.minutes}: give a number of minutes between 0 and 1440, e.g. --minutes 1`)
const seed = Number(opts.seed ?? Date.now() % 100000)
const random = mulberry32(seed)
const sleep = ms => new Promise(r => setTimeout(r, ms))
const execFileAsync = promisify(execFile)
const cli = new URL('../bin/lambda.mjs', import.meta.url).pathname
const LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1'
const isRoot = process.getuid?.() === 0
const log = (...args) => console.log(`[chaos ${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s]`, ...args)
const t0 = performance.now()

const workDir = mkdtempSync(join(tmpdir(), 'chaos-'))
const dataDir = join(workDir, 'data')
mkdirSync(dataDir)
const cleanups = []
let exitCode = 0
try {
  exitCode = await campaign()
}
catch (error) {
  console.error(error)
  exitCode = 2
}
finally {
  for (const cleanup of cleanups.reverse()) {
    try {
      await cleanup()
    }
    catch (error) {
      console.error(`chaos: cleanup failed: ${error.message}`)
    }
  }
  if (!opts.keep) rmSync(workDir, { recursive: true, force: true })
  else console.log(`work dir kept: ${workDir}`)
}
process.exit(exitCode)

async function campaign() {
  log(`seed ${seed}, ${minutes} min, ${opts.rate} req/s, work dir ${workDir}`)
  const unmount = isRoot ? mountTmpfs(dataDir, 256) : undefined
  if (unmount) cleanups.push(unmount)

  let engine
  let dockerEnv = {}
  if (isRoot && !opts['no-own-dockerd']) {
    engine = ownDockerd(workDir)
    cleanups.push(() => engine.stop())
    await engine.start()
    dockerEnv = engine.env
    // The base image built once on the machine's engine: a fresh engine loads it instead of building it.
    const bases = docker(['images', '--format', '{{.Repository}}:{{.Tag}}', 'mini-lambda/runtime'], {}).split('\n').filter(Boolean)
    if (bases.length > 0) execFileSync('sh', ['-c', `docker save ${bases.join(' ')} | DOCKER_HOST=${dockerEnv.DOCKER_HOST} docker load -q`], { stdio: 'ignore' })
    log(`own dockerd up (${dockerEnv.DOCKER_HOST}), ${bases.length} base image(s) loaded`)
  }

  let clockFile
  const agentEnv = { ...dockerEnv }
  if (existsSync(LIBFAKETIME)) {
    clockFile = join(workDir, 'clock-offset')
    writeFileSync(clockFile, '+0\n')
    Object.assign(agentEnv, { LD_PRELOAD: LIBFAKETIME, FAKETIME_TIMESTAMP_FILE: clockFile, FAKETIME_CACHE_DURATION: '1', FAKETIME_DONT_FAKE_MONOTONIC: '1' })
  }

  const port = await freePort()
  const domain = 'localhost'
  const service = await startAgentService({ port, dataDir, logFile: join(workDir, 'agent.log'), env: agentEnv, extraArgs: ['--callback-allow', '127.0.0.1'] })
  cleanups.push(() => service.stop())
  const agentId = JSON.parse(execFileSync('cat', [join(dataDir, 'state/meta/agent')], { encoding: 'utf8' })).id
  cleanups.push(() => removeAgentDocker(agentId, dockerEnv))
  log(`agent ${agentId} on port ${port}`)

  const cliEnv = { ...process.env, LAMBDA_HOST: `http://127.0.0.1:${port}`, LAMBDA_API_KEY: service.key, XDG_CONFIG_HOME: join(workDir, 'cli'), NO_COLOR: '1' }
  const admin = async (path, method = 'GET', body = undefined) => {
    const headers = { authorization: `Bearer ${service.key}`, ...(body ? { 'content-type': 'application/json' } : {}) }
    const outcome = await call({ port, host: `127.0.0.1:${port}`, path: `/_lambda${path}`, method, headers, body: body && JSON.stringify(body), timeoutMs: 30_000 })
    let json
    try {
      json = JSON.parse(outcome.body ?? '')
    }
    catch {}
    return { ...outcome, json }
  }
  const project = createProject()
  cleanups.push(() => rmSync(project.dir, { recursive: true, force: true }))
  await execFileAsync(process.execPath, [cli, 'deploy'], { cwd: project.dir, env: cliEnv, timeout: 600_000 })
  log(`deployed ${FUNCTIONS.join(', ')}`)
  const serving = async (fn = 'hello') => (await call({ port, host: `${fn}.${domain}`, timeoutMs: 10_000 })).status === 200
  await waitFor(serving, 120_000, 'hello to answer')

  // Who counts what: stats[fault] per phase; `now` is where a request sent at this moment counts.
  const stats = {}
  const statsOf = fault => stats[fault] ??= { count: 0, requests: {}, async: {}, deploys: { ok: 0, failed: 0 }, backToServing: [], leftovers: [], unparsable: 0, notes: [], unclear: 0 }
  statsOf('steady')
  let now = { fault: 'steady', phase: 'steady' }
  const phase = () => now
  const record = (at, fn, outcome) => {
    const r = statsOf(at.fault).requests[at.phase] ??= { sent: 0 }
    r.sent++
    const kind = classify(outcome)
    r[kind] = (r[kind] ?? 0) + 1
    if (kind !== 'ok') r.slowestFailMs = Math.max(r.slowestFailMs ?? 0, outcome.ms)
    // The unclear failures are the ones to fix: keep a few of each fault's as they were.
    const s = statsOf(at.fault)
    if (['unclear-5xx', 'conn-error', 'hang'].includes(kind) && s.unclear++ < 3) { s.notes.push(`${at.phase}: ${fn} ${kind}: ${outcome.status ?? outcome.error ?? 'no answer'} after ${Math.round(outcome.ms)} ms${outcome.body ? ` ${outcome.body.slice(0, 120)}` : ''}`) }
  }
  const down = []
  const campaignStart = Date.now()

  const load = startLoad({ port, domain, functions: LOADED, rate: Number(opts.rate), phase, record })
  const tracker = await startAsyncTracker({ port, domain, phase: () => `${now.fault} ${now.phase}` })
  cleanups.push(() => tracker.close())
  const asyncTimer = setInterval(() => tracker.send(`${now.fault}\u0000${now.phase}`), 500)

  // Deploys and rollbacks of hello every 15 s, one at a time.
  let churnStop = false
  const churn = (async () => {
    for (let n = 1; !churnStop; n++) {
      await sleep(15_000)
      if (churnStop) break
      const at = now
      const args = n % 3 === 0 ? ['rollback', 'hello'] : ['deploy', '--only', 'hello']
      if (args[0] === 'deploy') project.writeHello(n)
      try {
        await execFileAsync(process.execPath, [cli, ...args], { cwd: project.dir, env: cliEnv, timeout: 300_000 })
        statsOf(at.fault).deploys.ok++
      }
      catch (error) {
        statsOf(at.fault).deploys.failed++
        statsOf(at.fault).notes.push(`lambda ${args.join(' ')} failed (${at.phase}): ${lastLine(error.stderr || error.stdout || error.message)}`)
      }
    }
  })()

  // The agent keeps the last 100 runs of a schedule: read the history as it goes, merged by run.
  const runs = new Map()
  const readHistory = async () => {
    const tick = ((await admin('/schedules?function=tick')).json?.schedules ?? [])[0]
    if (!tick) return
    for (const run of (await admin(`/schedules/${tick.id}/history?limit=100`)).json?.runs ?? []) runs.set(`${run.scheduledAt}|${run.startedAt}|${run.trigger}`, run)
  }
  const historyTimer = setInterval(() => readHistory().catch(() => {}), 20_000)

  const usage = []
  const usageTimer = setInterval(() => {
    const u = processUsage(service.pid)
    if (u) usage.push({ atS: (performance.now() - t0) / 1000, ...u, starts: service.starts })
  }, 5000)

  // The fault loop.
  const ctx = { admin, port, domain, agentId, dataDir, dockerEnv, service, random, ownDockerd: engine, tmpfsDataDir: Boolean(unmount), clockFile, pausedByUs: new Set() }
  const available = Object.entries(FAULTS).filter(([name, f]) => {
    const missing = f.needs?.(ctx)
    if (missing) statsOf(name).notes.push(`not injected: ${missing}`)
    return !missing
  })
  const endAt = campaignStart + minutes * 60_000
  // Each fault once before any repeats, in a random order: a short run still covers them all.
  let bag = []
  // CI's minute covers more faults with shorter quiet spells.
  const gapMs = opts.ci ? 4000 : 8000
  while (Date.now() < endAt - 20_000) {
    await sleep(gapMs)
    if (bag.length === 0) bag = shuffle(available.map(([name]) => name))
    const name = bag.pop()
    const fault = FAULTS[name]
    const s = statsOf(name)
    s.count++
    now = { fault: name, phase: 'fault' }
    const injectedAt = Date.now()
    log(`inject: ${name}`)
    const note = await fault.inject(ctx)
    if (note) s.notes.push(note)
    if (fault.heal) await fault.heal(ctx)
    const endedAt = Date.now()
    const back = await waitFor(serving, 180_000, `hello to serve again after ${name}`).then(() => Date.now(), () => undefined)
    if (back === undefined) s.notes.push('hello did not serve again within 180 s')
    else s.backToServing.push(back - endedAt)
    if (fault.restartsAgent || name === 'dockerd restart' || name === 'clock jump' || name === 'data dir full') down.push([injectedAt, back ?? Date.now()])
    now = { fault: name, phase: 'after' }
    await sleep(gapMs)
    if (fault.restartsAgent) {
      s.leftovers.push(await leftoversNow())
      s.unparsable += unparsableState(dataDir).bad.length
    }
    now = { fault: 'steady', phase: 'steady' }
  }

  async function leftoversNow() {
    const fns = (await admin('/functions')).json?.functions ?? []
    let versions = 0
    for (const f of fns) versions += ((await admin(`/functions/${f.name}/versions`)).json?.versions ?? []).length
    return leftovers({ agentId, dataDir, dockerEnv, versions })
  }

  log('stopping the load; waiting for async calls to finish')
  const scheduleEnd = Date.now()
  churnStop = true
  clearInterval(asyncTimer)
  clearInterval(usageTimer)
  clearInterval(historyTimer)
  await load.stop()
  await churn
  const { byPhase: asyncByPhase, details: asyncDetails } = await tracker.verify(opts.ci ? 90_000 : 180_000, admin)
  statsOf('steady').notes.push(...asyncDetails.slice(0, 10))
  for (const [key, counts] of Object.entries(asyncByPhase)) {
    const [fault, ph] = key.split('\u0000')
    statsOf(fault).async[ph] = counts
  }

  await readHistory()
  const schedule = checkSchedule({ runs: [...runs.values()], down, from: campaignStart + 5000, to: scheduleEnd })
  const finalState = unparsableState(dataDir)
  const finalLeftovers = await leftoversNow()

  console.log(`\n## Chaos campaign: ${minutes} min, seed ${seed}, ${opts.rate} req/s open loop on ${LOADED.join(', ')}, async 2/s on worker, schedule every 3 s on tick, a deploy or rollback of hello every 15 s\n`)
  console.log(faultTable(stats))
  console.log(`\nSchedule (tick): ${schedule.runs} runs recorded, fired twice ${schedule.twice}, missed while the agent was up ${schedule.missed}${schedule.missedAt.length ? ` (${schedule.missedAt.slice(0, 5).join(', ')}${schedule.missedAt.length > 5 ? ', …' : ''})` : ''}`)
  console.log(`State records: ${finalState.files} files, ${finalState.bad.length} unparsable${finalState.bad.length ? `: ${finalState.bad.join(', ')}` : ''}`)
  console.log(`Leftovers at the end: ${JSON.stringify(finalLeftovers)}; containers we paused: ${ctx.pausedByUs.size}`)
  console.log(`Agent starts: ${service.starts} (exits: ${service.exits.map(e => e.signal ?? e.code).join(', ') || 'none'})\n`)
  console.log(usageTable(usage.filter((_, i) => i % Math.max(1, Math.round(usage.length / 12)) === 0 || i === usage.length - 1)))
  const notes = Object.entries(stats).flatMap(([fault, s]) => s.notes.map(n => `- ${fault}: ${n}`))
  if (notes.length) console.log(`\nNotes:\n${notes.join('\n')}`)

  const totals = Object.values(stats).reduce((t, s) => {
    for (const r of Object.values(s.requests)) t.hang += r.hang ?? 0
    for (const a of Object.values(s.async)) {
      t.lost += a.lost ?? 0
      t.twice += a.twice ?? 0
    }
    t.unparsable += s.unparsable
    return t
  }, { hang: 0, lost: 0, twice: 0, unparsable: finalState.bad.length })
  const losses = Object.entries(totals).filter(([, n]) => n > 0)
  console.log(losses.length ? `\nFAIL: ${losses.map(([k, n]) => `${k} ${n}`).join(', ')}` : '\nPASS: no async call lost or run twice, no unparsable state, no hang')
  return losses.length ? 1 : 0
}

function removeAgentDocker(agentId, env) {
  const containers = docker(['ps', '-aq', '--filter', `label=mini-lambda.agent=${agentId}`], env).split('\n').filter(Boolean)
  if (containers.length) docker(['rm', '-f', ...containers], env)
  const images = docker(['images', '-q', '--filter', `label=mini-lambda.agent=${agentId}`], env).split('\n').filter(Boolean)
  if (images.length) docker(['rmi', '-f', ...new Set(images)], env)
}

function freePort() {
  return import('node:net').then(({ createServer }) => new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  }))
}

function lastLine(text) {
  return String(text).trim().split('\n').filter(Boolean).slice(-5).join(' / ').slice(0, 400)
}

function shuffle(list) {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [list[i], list[j]] = [list[j], list[i]]
  }
  return list
}

/** A small seeded generator: `--seed` replays the same order of faults. */
function mulberry32(a) {
  return () => {
    a |= 0
    a = a + 0x6D2B79F5 | 0
    let t = Math.imul(a ^ a >>> 15, 1 | a)
    t = t + Math.imul(t ^ t >>> 7, 61 | t) ^ t
    return ((t ^ t >>> 14) >>> 0) / 4294967296
  }
}
