// The faults the campaign injects at random. Each `inject` returns once the fault is in place (or
// over, for one-shot faults); `heal` undoes a lasting one. `restartsAgent` marks the faults after which
// the leftovers and the state records are checked.
import { execFileSync } from 'node:child_process'
import { closeSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { docker } from './inspect.mjs'
import { call } from './load.mjs'

const sleep = ms => new Promise(r => setTimeout(r, ms))

/** A running container of one of the loaded functions, or undefined when none runs right now. */
function someContainer(ctx, functions = ['hello', 'aws']) {
  const fn = functions[Math.floor(ctx.random() * functions.length)]
  const ids = docker(['ps', '-q', '--filter', `label=mini-lambda.agent=${ctx.agentId}`, '--filter', `label=mini-lambda.function=${fn}`, '--filter', 'status=running'], ctx.dockerEnv).split('\n').filter(Boolean)
  return ids[Math.floor(ctx.random() * ids.length)]
}

export const FAULTS = {
  'agent kill -9': {
    restartsAgent: true,
    async inject(ctx) {
      ctx.service.killHard()
    },
  },
  'container kill -9': {
    async inject(ctx) {
      const id = someContainer(ctx)
      if (!id) return 'no running container'
      const pid = docker(['inspect', '--format', '{{.State.Pid}}', id], ctx.dockerEnv)
      try {
        process.kill(Number(pid), 'SIGKILL')
      }
      catch (error) {
        // Not root: the container's process is not ours to signal.
        return `kill -9 of the container's process failed: ${error.code}`
      }
    },
  },
  'docker kill': {
    async inject(ctx) {
      const id = someContainer(ctx)
      if (!id) return 'no running container'
      docker(['kill', id], ctx.dockerEnv)
    },
  },
  // Left paused: the agent has to notice, or the next restart has to adopt or remove it.
  'docker pause': {
    async inject(ctx) {
      const id = someContainer(ctx)
      if (!id) return 'no running container'
      docker(['pause', id], ctx.dockerEnv)
      ctx.pausedByUs.add(id)
    },
  },
  'fills its /tmp': {
    async inject(ctx) {
      const outcome = await call({ port: ctx.port, host: `tmpfill.${ctx.domain}` })
      return `tmpfill answered ${outcome.status ?? outcome.error ?? 'nothing'}: ${(outcome.body ?? '').slice(0, 80)}`
    },
  },
  'eats memory': {
    async inject(ctx) {
      const outcome = await call({ port: ctx.port, host: `memhog.${ctx.domain}` })
      return `memhog answered ${outcome.status ?? outcome.error ?? 'nothing'}${outcome.requestId ? ' with a request id' : ' WITHOUT a request id'}`
    },
  },
  'dockerd restart': {
    needs: ctx => ctx.ownDockerd ? undefined : 'runs only with the campaign\'s own dockerd (--own-dockerd)',
    async inject(ctx) {
      await ctx.ownDockerd.restart()
    },
  },
  // The data dir is a small tmpfs: filled to the last byte, a kill -9 of the agent while full (it must
  // start and serve what it has), then freed.
  'data dir full': {
    restartsAgent: true,
    needs: ctx => ctx.tmpfsDataDir ? undefined : 'needs the data dir on the campaign\'s tmpfs (root)',
    async inject(ctx) {
      fillUp(join(ctx.dataDir, 'chaos-fill'))
      await sleep(3000)
      // A write through the admin API while full: a clear 507/503 with the fix is expected, not a bare 500.
      const write = await ctx.admin('/schedules', 'POST', { function: 'hello', cron: '0 0 1 1 *' })
      const notes = [`POST /_lambda/schedules while full: ${write.status ?? write.error} ${write.json?.error?.code ?? ''}`]
      ctx.service.killHard()
      await sleep(8000)
      const started = await call({ port: ctx.port, host: `hello.${ctx.domain}`, timeoutMs: 5000 })
      notes.push(`hello 8 s after a kill -9 while full: ${started.status ?? started.error ?? 'no answer'}`)
      return notes.join('; ')
    },
    async heal(ctx) {
      rmSync(join(ctx.dataDir, 'chaos-fill'), { force: true })
    },
  },
  // libfaketime reads the offset file at most once a second; monotonic clocks stay true, so timers keep working.
  'clock jump': {
    needs: ctx => ctx.clockFile ? undefined : 'needs libfaketime (apt-get install faketime)',
    async inject(ctx) {
      writeFileSync(ctx.clockFile, ctx.random() < 0.5 ? '+3600\n' : '-600\n')
      await sleep(10_000)
    },
    async heal(ctx) {
      writeFileSync(ctx.clockFile, '+0\n')
      await sleep(1500)
    },
  },
}

/** Writes zeros until the file system says ENOSPC. */
function fillUp(path) {
  const fd = openSync(path, 'w')
  const chunk = Buffer.alloc(1 << 16)
  try {
    for (;;) writeSync(fd, chunk)
  }
  catch (error) {
    if (error.code !== 'ENOSPC') throw error
  }
  finally {
    closeSync(fd)
  }
}

/** The data dir on its own small tmpfs (root only); undefined when it cannot be mounted. */
export function mountTmpfs(dir, sizeMb) {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m,mode=0700`, 'tmpfs', dir], { stdio: 'ignore' })
    return () => execFileSync('umount', ['-l', dir], { stdio: 'ignore' })
  }
  catch {
    return undefined
  }
}
