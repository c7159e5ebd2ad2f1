// Schedule firing accuracy: how late after its scheduled time each run of a `* * * * * *` schedule
// starts on the agent (its history) and reaches the function (what the function saw), over N runs,
// next to croner's own timer running in this process over the same seconds (the machine's noise).
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Cron } from 'croner'
import { containersOf, startAgent, timedCli } from './lib/agent.mjs'
import { fmt, percentile } from './lib/load.mjs'

const runs = Number(process.env.BENCH_SCHEDULE_RUNS ?? 200)
const sleep = ms => new Promise(r => setTimeout(r, ms))

function hasDocker() {
  try {
    execFileSync('docker', ['info'], { stdio: 'ignore', timeout: 10_000 })
    return true
  }
  catch {
    return false
  }
}

const FUNCTION = `export default (req: Request) => {
  const due = Date.parse(req.headers.get('x-lambda-scheduled-time') ?? '')
  if (due) console.log(\`RECEIVED \${due} \${Date.now()}\`)
  return { ok: true }
}\n`

/** `due received` pairs the function printed, from its log (the agent's for process, Docker's otherwise). */
function receivedLateness(agent, provider) {
  const text = provider === 'process'
    ? agent.output()
    : containersOf(agent.agentId, 'tick').map(c => execFileSync('docker', ['logs', c.id], { encoding: 'utf8' })).join('\n')
  return [...text.matchAll(/RECEIVED (\d+) (\d+)/g)].map(m => ({ due: Number(m[1]), lateness: Number(m[2]) - Number(m[1]) }))
}

const summary = values => `p50 ${fmt.ms(percentile(values, 50))}, p90 ${fmt.ms(percentile(values, 90))}, p99 ${fmt.ms(percentile(values, 99))}, max ${fmt.ms(Math.max(...values))}`

export async function benchSchedules() {
  const provider = process.env.BENCH_SCHEDULE_PROVIDER ?? (hasDocker() ? 'docker' : 'process')
  const project = mkdtempSync(join(tmpdir(), 'bench-schedules-'))
  mkdirSync(join(project, 'functions/tick'), { recursive: true })
  writeFileSync(join(project, 'functions/tick/index.ts'), FUNCTION)
  // One warm instance: the figure is the scheduler's, not a cold start's.
  writeFileSync(join(project, 'lambda.config.ts'), 'export default { functions: { tick: { minInstances: 1, schedule: \'* * * * * *\' } } }\n')
  const agent = await startAgent({ provider })
  const baseline = []
  try {
    timedCli(['deploy'], { cwd: project, env: agent.env })
    const startedAt = Date.now()
    const job = new Cron('* * * * * *', () => baseline.push(Date.now() % 1000))
    // Two seconds of margin at each end: the first runs after the deploy and the last are left out.
    await sleep((runs + 4) * 1000)
    job.stop()

    const logged = [...agent.output().matchAll(/\[tick\] schedule \S+ due (\S+): (\w+)(?: \d+)?(?: in [\d.]+ms)?, started (\d+)ms late/g)]
      .map(m => ({ due: Date.parse(m[1]), outcome: m[2], lateness: Number(m[3]) }))
      .filter(r => r.due > startedAt + 1000)
      .slice(0, runs)
    const received = receivedLateness(agent, provider).filter(r => logged.some(l => l.due === r.due))
    const seconds = logged.length > 0 ? (logged.at(-1).due - logged[0].due) / 1000 + 1 : 0

    console.log(`\n## schedules: firing accuracy of a '* * * * * *' schedule (${provider} provider)`)
    console.log(`runs: ${logged.length} over ${seconds} scheduled seconds (missed: ${seconds - logged.length}), not ok: ${logged.filter(r => r.outcome !== 'ok').length}`)
    console.log(`lateness, scheduled time → agent starts the call: ${summary(logged.map(r => r.lateness))} (target p99 ≤ 50 ms)`)
    console.log(`lateness, scheduled time → the function has the request: ${summary(received.map(r => r.lateness))}`)
    console.log(`baseline, croner's own timer in the benchmark process over the same seconds: ${summary(baseline)}`)
    return { logged, received, baseline }
  }
  finally {
    await agent.stop()
    rmSync(project, { recursive: true, force: true })
    rmSync(agent.dataDir, { recursive: true, force: true })
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchSchedules()
