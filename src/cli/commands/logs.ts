import type { LogEntry, LogsQuery } from '../../api/admin-api'
import type { ValueType } from '../args/value-types'
import { once } from 'node:events'
import { colors } from 'consola/utils'
import { followLogs } from '../../client/follow-logs'
import { readLogStream } from '../../client/log-stream'
import { parseDuration, parseSince } from '../../log/since'
import { sinceValue, versionNumber, wholeNumber } from '../args/value-types'
import { defineLambdaCommand } from '../define-command'
import { requestOrder } from '../logs-order'
import { formatLogEntry } from '../logs-view'
import { connectionFromArgs } from './_agent-client'
import { agentArgs } from './_shared'

const requestId: ValueType<string> = {
  expected: 'a request id (the X-Request-Id of the call, or its first 8 characters or more)',
  example: '1f0c2a3b',
  // The agent's ids are UUIDs, and a start of one matches from 8 characters on: anything shorter matches nothing.
  parse: raw => /^[\w.:-]{8,128}$/.test(raw) ? raw : undefined,
}

/** In a follow, how long an invocation line waits for late lines of its request when nothing else comes. */
const FOLLOW_QUIET_MS = 250

/** Prints entries, waiting when stdout is full (a slow pipe) rather than holding them in memory. */
function printer(json: boolean) {
  const terminal = process.stdout.isTTY === true
  return async (entry: LogEntry) => {
    const line = json ? JSON.stringify(entry) : formatLogEntry(entry, terminal)
    if (!process.stdout.write(`${line}\n`)) await once(process.stdout, 'drain')
  }
}

export default defineLambdaCommand({
  meta: { name: 'logs', description: 'Show a function\'s output and invocations; --follow streams them live' },
  args: {
    name: { type: 'positional', required: true, description: 'Function name', completeWith: 'functions' },
    follow: { type: 'boolean', alias: 'f', default: false, description: 'Keep streaming new entries (across restarts, deploys and rollbacks) until Ctrl-C' },
    since: { type: 'string', value: sinceValue, description: 'Entries since a time or for a duration back: 10m, 2h, 7d, 2025-01-31T12:00:00Z', valueHint: 'when' },
    tail: { type: 'string', alias: 'n', value: wholeNumber({ min: 0, max: 10_000, unit: 'entries', example: 100 }), description: 'Only the last N entries (default: 100, or all with --since)', valueHint: 'count' },
    version: { type: 'string', value: versionNumber, description: 'Only entries of this version', valueHint: 'version' },
    request: { type: 'string', value: requestId, description: 'Only the lines of one invocation: its X-Request-Id (or its first 8 characters)', valueHint: 'id' },
    ...agentArgs,
    json: { type: 'boolean', default: false, description: 'One JSON object per entry and line (shape: docs/cli.md)' },
  },
  async run({ args, values, json }) {
    const conn = connectionFromArgs(args)
    const query: LogsQuery = {
      // A moment is sent as UTC; a duration is measured back from the agent's clock.
      since: args.since === undefined || parseDuration(args.since) !== undefined ? args.since : new Date(parseSince(args.since)!).toISOString(),
      tail: values.tail,
      version: values.version,
      request: values.request,
    }
    // --json is the agent's stream as it is; people get each request's lines before its invocation line.
    const order = json ? undefined : requestOrder(printer(false), { quietMs: args.follow ? FOLLOW_QUIET_MS : undefined })
    const print = order?.push ?? printer(true)
    if (!args.follow) {
      let count = 0
      for await (const item of readLogStream(conn, args.name, query)) {
        if (item.type === 'heartbeat') continue
        count++
        await print(item)
      }
      await order?.flush()
      if (count === 0 && !json) process.stderr.write(`No log entries for "${args.name}"${query.since || query.version || query.request ? ' that match' : ''}.\n`)
      return
    }

    // Ctrl-C ends a follow: that is how it is meant to stop, so it exits 0.
    const stop = new AbortController()
    const onSignal = () => stop.abort()
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
    try {
      await followLogs(conn, args.name, query, {
        signal: stop.signal,
        onEntry: print,
        onConnection: (state, error) => {
          const note = state === 'lost' ? `Lost the connection to ${conn.host}${error ? `: ${error.message.replace(/\.$/, '')}` : ''}. Reconnecting…` : 'Reconnected; following again.'
          process.stderr.write(`${colors.yellow(note)}\n`)
        },
      })
    }
    finally {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      await order?.flush()
    }
  },
})
