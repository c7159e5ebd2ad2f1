// What the campaign checks outside the request path: records that parse, leftovers after a restart,
// and the agent process's memory and descriptors.
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

function walk(dir, visit) {
  let entries
  try {
    entries = readdirSync(dir, { withFileTypes: true })
  }
  catch {
    return
  }
  for (const entry of entries) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) walk(path, visit)
    else visit(path, entry)
  }
}

/** State records (the crash-safe fs store writes JSON) that fail to parse; a leftover temp file counts apart. */
export function unparsableState(dataDir) {
  const bad = []
  let files = 0
  walk(join(dataDir, 'state'), (path, entry) => {
    if (!entry.isFile()) return
    files++
    const text = readFileSync(path, 'utf8')
    try {
      JSON.parse(text)
    }
    catch {
      bad.push(path.slice(dataDir.length + 1))
    }
  })
  return { files, bad }
}

export function docker(args, env) {
  return execFileSync('docker', args, { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] }).trim()
}

/** Containers, images, link sockets and spool files the agent left, counted after a restart settled. */
export function leftovers({ agentId, dataDir, dockerEnv, versions }) {
  const lines = docker(['ps', '-a', '--format', '{{.State}}', '--filter', `label=mini-lambda.agent=${agentId}`], dockerEnv).split('\n').filter(Boolean)
  const states = {}
  for (const state of lines) states[state] = (states[state] ?? 0) + 1
  const images = docker(['images', '-q', '--filter', `label=mini-lambda.agent=${agentId}`], dockerEnv).split('\n').filter(Boolean)
  let sockets = 0
  walk(dataDir, (path, entry) => {
    if (entry.isSocket()) sockets++
  })
  let spool = 0
  for (const dir of ['tmp', 'uploads']) walk(join(dataDir, dir), () => spool++)
  const running = states.running ?? 0
  return {
    running,
    paused: states.paused ?? 0,
    exited: (states.exited ?? 0) + (states.dead ?? 0),
    images: new Set(images).size,
    extraImages: Math.max(0, new Set(images).size - versions),
    sockets,
    spool,
  }
}

/** RSS (MB) and open descriptors of a live process, or undefined between restarts. */
export function processUsage(pid) {
  if (!pid) return undefined
  try {
    const rssKb = Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1])
    const fds = readdirSync(`/proc/${pid}/fd`).length
    return { rssMb: rssKb / 1024, fds }
  }
  catch {
    return undefined
  }
}
