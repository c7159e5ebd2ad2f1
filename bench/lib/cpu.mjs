import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

const TICK_MS = 10

/** CPU time (user + system) a process has used so far, in ms; 0 once it is gone. */
function cpuMsOf(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS
  }
  catch {
    return 0
  }
}

/** CPU time used so far by all of `pids`, in ms. Linux only (0 elsewhere). */
export function cpuMs(pids) {
  return pids.reduce((sum, pid) => sum + cpuMsOf(pid), 0)
}

/** Direct children of `pid` (a runtime under `lambda dev` or the process provider). */
export function childrenOf(pid) {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).split('\n').map(line => Number(line.trim())).filter(Boolean)
  }
  catch {
    return []
  }
}
