import type { Server } from 'node:net'
import { createHash } from 'node:crypto'
import { readFileSync, realpathSync } from 'node:fs'
import { open, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { LambdaError } from '../errors'
import { writeFileAtomic } from '../fs/atomic-write'
import { isDiskFull } from '../fs/disk-full'

export const OWNER_FILE = 'agent.pid'

export interface Owner {
  pid: number
  port?: number
  /** How the agent serves on that port, for `lambda agent status`. */
  scheme?: 'http' | 'https'
  startedAt: string
}

export interface DataDirLock {
  release: () => Promise<void>
}

function describeOwner(dataDir: string): string {
  try {
    const owner = JSON.parse(readFileSync(join(dataDir, OWNER_FILE), 'utf8')) as Owner
    return `pid ${owner.pid}${owner.port ? `, port ${owner.port}` : ''}, started ${owner.startedAt}`
  }
  catch {
    return 'pid unknown'
  }
}

function inUse(dataDir: string, owner: string): LambdaError {
  return new LambdaError({
    code: 'DATA_DIR_IN_USE',
    status: 409,
    message: `Another agent (${owner}) is already running on the data dir ${dataDir}; two agents on one data dir would remove each other's instances.`,
    hint: 'Stop that agent first (`systemctl stop mini-lambda`, or end its process), or give this one its own --data-dir.',
  })
}

/**
 * Linux: an abstract unix socket named after the data dir. Binding is atomic and the kernel frees the
 * name when the process dies, even by kill -9, so a crash never leaves a stale lock behind.
 */
async function lockWithAbstractSocket(dataDir: string): Promise<Server> {
  const name = `\0mini-lambda-agent-${createHash('sha256').update(realpathSync(dataDir)).digest('hex').slice(0, 40)}`
  const server = createServer(socket => socket.destroy())
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'EADDRINUSE' ? inUse(dataDir, describeOwner(dataDir)) : error))
    server.listen(name, () => resolve())
  })
  server.unref()
  return server
}

/** Elsewhere: a pid file created exclusively, taken over only when its process is gone. */
async function lockWithPidFile(dataDir: string): Promise<void> {
  const file = join(dataDir, `${OWNER_FILE}.lock`)
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await (await open(file, 'wx', 0o600)).close()
      return
    }
    catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    let pid = Number.NaN
    try {
      pid = (JSON.parse(readFileSync(join(dataDir, OWNER_FILE), 'utf8')) as Owner).pid
      process.kill(pid, 0)
      throw inUse(dataDir, describeOwner(dataDir))
    }
    catch (error) {
      if (LambdaError.is(error)) throw error
      await rm(file, { force: true })
    }
  }
  throw inUse(dataDir, describeOwner(dataDir))
}

/** One agent per data dir: a second one stops with an error naming the first. */
export async function lockDataDir(dataDir: string, port: number, scheme: 'http' | 'https' = 'http'): Promise<DataDirLock> {
  const server = process.platform === 'linux' ? await lockWithAbstractSocket(dataDir) : (await lockWithPidFile(dataDir), undefined)
  const owner: Owner = { pid: process.pid, port, scheme, startedAt: new Date().toISOString() }
  // On Linux the socket is the lock and the file only tells who holds it: a full disk must not stop the start.
  await writeFileAtomic(join(dataDir, OWNER_FILE), `${JSON.stringify(owner)}\n`, { mode: 0o600 }).catch((error) => {
    if (!server || !isDiskFull(error)) throw error
  })
  return {
    async release() {
      await rm(join(dataDir, OWNER_FILE), { force: true })
      if (server) await new Promise<void>(resolve => server.close(() => resolve()))
      else await rm(join(dataDir, `${OWNER_FILE}.lock`), { force: true })
    },
  }
}
