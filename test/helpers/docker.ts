import type { AgentProcess } from './agent'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { describe } from 'vitest'

function dockerAnswers(): boolean {
  try {
    execFileSync('docker', ['info', '--format', '{{.ServerVersion}}'], { stdio: 'pipe', timeout: 10_000 })
    return true
  }
  catch {
    return false
  }
}

export const hasDocker = dockerAnswers()

/**
 * `describe` for suites that need a Docker engine. In CI a missing engine fails the suite
 * (the tests must run there); elsewhere the suite is skipped with a printed notice.
 */
export const describeDocker: typeof describe = ((name: string, fn: () => void) => {
  if (hasDocker) return describe(name, fn)
  if (process.env.CI) {
    return describe(name, () => {
      throw new Error('Docker is required in CI: `docker info` failed. .ci/run installs docker.io and starts dockerd; check its output.')
    })
  }
  console.warn(`[skip] "${name}": no Docker engine answers here (start dockerd to run it).`)
  return describe.skip(name, fn)
}) as typeof describe

const agentIdOf = (agent: AgentProcess) => JSON.parse(readFileSync(`${agent.dataDir}/state/meta/agent`, 'utf8')).id as string

/** Ids of this agent's containers (of one function), from Docker itself. */
export function containersOf(agent: AgentProcess, fn?: string, all = false): string[] {
  const filters = ['--filter', `label=mini-lambda.agent=${agentIdOf(agent)}`, ...(fn ? ['--filter', `label=mini-lambda.function=${fn}`] : [])]
  return execFileSync('docker', ['ps', ...(all ? ['-a'] : []), '-q', ...filters], { encoding: 'utf8' }).split('\n').filter(Boolean)
}
