import { existsSync, readFileSync } from 'node:fs'
import { describe } from 'vitest'
import { pausedStory } from './paused-story'

/** The state letter of a process (R running, S sleeping, T stopped, Z zombie), or undefined once it is gone. */
function processState(pid: number): string | undefined {
  if (!existsSync(`/proc/${pid}/stat`)) return undefined
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]
  }
  catch {
    return undefined
  }
}

describe('paused instances with the process provider (SIGSTOP / SIGCONT)', () => {
  pausedStory('process', {
    isFrozen: (_agent, body) => processState(body.pid) === 'T',
    exists: (_agent, body) => ![undefined, 'Z', 'X'].includes(processState(body.pid)),
  })
})
