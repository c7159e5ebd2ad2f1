import type { ConnectionFlags } from '../../client/connection'
import { createAgentClient } from '../../client/agent-client'
import { assertApiKeyFormat, normalizeHost, resolveConnection } from '../../client/connection'
import { asUsageError } from '../usage-error'

/** The agent a command's --host / --key / --context choose (see `agentArgs`); a malformed flag exits 2. */
export function connectionFromArgs(args: ConnectionFlags) {
  const flags = { host: args.host, key: args.key, context: args.context }
  asUsageError(() => {
    if (flags.host !== undefined) normalizeHost(flags.host)
    if (flags.key !== undefined) assertApiKeyFormat(flags.key, 'The value of --key')
  })
  return resolveConnection(flags)
}

/** The admin API client for commands that talk to the agent. */
export function agentClientFromArgs(args: ConnectionFlags) {
  return createAgentClient(connectionFromArgs(args))
}
