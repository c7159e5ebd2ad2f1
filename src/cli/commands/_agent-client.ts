import { createAgentClient } from '../../client/agent-client'
import { resolveConnection } from '../../client/settings'

/** The admin API client for commands that talk to the agent (LAMBDA_HOST / settings). */
export function agentClientFromSettings() {
  return createAgentClient(resolveConnection())
}
