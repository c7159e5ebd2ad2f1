import { execFileSync } from 'node:child_process'
import { describeDocker } from '../helpers/docker'
import { pausedStory } from './paused-story'

/** Docker names a container's host after the start of its id, when nothing else is set. */
function containerState(hostname: string): { Paused: boolean, Running: boolean } | undefined {
  try {
    return JSON.parse(execFileSync('docker', ['inspect', '--format', '{{json .State}}', hostname], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }))
  }
  catch {
    return undefined
  }
}

describeDocker('paused instances with the docker provider (cgroup freezer)', () => {
  pausedStory('docker', {
    isFrozen: (_agent, body) => containerState(body.hostname)?.Paused === true,
    exists: (_agent, body) => containerState(body.hostname) !== undefined,
  })
})
