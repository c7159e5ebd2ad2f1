import type Dockerode from 'dockerode'
import type { Readable } from 'node:stream'
import { createLineSplitter } from '../../log/line-splitter'
import { withDockerDeadline } from './api-deadline'

export type ContainerOutput = (line: string, stream: 'stdout' | 'stderr', cutBytes: number, time: number | undefined) => void

export interface FollowedLogs {
  /** Resolves when Docker ends the stream: the container stopped and every line it printed was read. */
  ended: Promise<void>
  stop: () => void
}

/** `2025-01-31T12:00:00.123456789Z ` before each line (the logs API's `timestamps`). */
const TIMESTAMP_RE = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z) /

/** A timestamp that sorts as text: the fraction padded to nanoseconds (Docker trims its trailing zeros). */
const sortableTime = (stamp: string) => {
  const [whole, fraction = ''] = stamp.slice(0, -1).split('.')
  return `${whole}.${fraction.padEnd(9, '0')}`
}

/**
 * Whether a line was delivered already. dockerd (20.10's json-file follower) sends lines again when the
 * file rotates under it, ~30% of them at a fast rotation; a container's lines carry increasing
 * timestamps, so one not later than the last delivered is a repeat. Lines with the very same timestamp
 * are told apart by their text, so none is lost.
 */
function replayFilter() {
  let last = ''
  let atLast = new Set<string>()
  return (stamp: string, stream: string, raw: string): boolean => {
    const time = sortableTime(stamp)
    if (time < last) return true
    const key = `${stream}\0${raw}`
    if (time === last) {
      if (atLast.has(key)) return true
      atLast.add(key)
      return false
    }
    last = time
    atLast = new Set([key])
    return false
  }
}

/**
 * Follows a started container's output through the Docker logs API from its start, demultiplexed
 * with dockerode's own demuxer and cut into bounded lines as they arrive: nothing is held beyond one
 * line per stream (Docker's own log file is size-capped, see container-spec.ts).
 */
export async function followContainerLogs(docker: Dockerode, container: Dockerode.Container, onLine: ContainerOutput, since?: number): Promise<FollowedLogs> {
  const aborter = new AbortController()
  // The deadline covers getting the stream; the stream itself lasts as long as the container.
  const stream = await withDockerDeadline('following the container\'s logs', () => container.logs({ follow: true, stdout: true, stderr: true, timestamps: true, ...(since === undefined ? {} : { since }), abortSignal: aborter.signal }) as unknown as Promise<Readable>).catch((error) => {
    aborter.abort()
    throw error
  })
  const replayed = replayFilter()
  const splitterFor = (name: 'stdout' | 'stderr') => createLineSplitter((raw, cutBytes) => {
    const stamp = TIMESTAMP_RE.exec(raw)
    if (stamp && replayed(stamp[1]!, name, raw)) return
    onLine(stamp ? raw.slice(stamp[0].length) : raw, name, cutBytes, stamp ? Date.parse(stamp[1]!) : undefined)
  })
  const stdout = splitterFor('stdout')
  const stderr = splitterFor('stderr')
  docker.modem.demuxStream(stream, { write: (chunk: Buffer) => stdout.push(chunk) } as unknown as NodeJS.WritableStream, { write: (chunk: Buffer) => stderr.push(chunk) } as unknown as NodeJS.WritableStream)
  stream.on('error', () => {})
  const ended = new Promise<void>((resolve) => {
    stream.once('end', () => {
      stdout.end()
      stderr.end()
      resolve()
    })
    stream.once('close', () => resolve())
  })
  return {
    ended,
    stop() {
      aborter.abort()
      stream.destroy()
    },
  }
}
