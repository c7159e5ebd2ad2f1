import type { ArgsDef } from 'citty'
import { resolveAgentOptions } from '../../agent/options'
import { LambdaError } from '../../errors'

/** Flags of commands that work on the agent's stored state directly, on the agent's machine. */
export const agentStateArgs = {
  'data-dir': { type: 'string', description: 'Where the agent keeps its state (default: /var/lib/mini-lambda as root, else ~/.local/share/mini-lambda)', valueHint: 'dir' },
  'store': { type: 'string', description: 'unstorage driver for the state instead of the crash-safe files in the data dir, e.g. redis', valueHint: 'driver' },
  'store-options': { type: 'string', description: 'JSON options for --store, e.g. \'{"url":"redis://127.0.0.1:6379"}\'', valueHint: 'json' },
} satisfies ArgsDef

export function storeFromArgs(args: { store?: string; 'store-options'?: string }) {
  if (!args.store) return undefined
  let options: Record<string, unknown> | undefined
  if (args['store-options']) {
    try {
      options = JSON.parse(args['store-options'])
    }
    catch (error) {
      throw new LambdaError({ code: 'INVALID_FLAG', status: 400, message: `--store-options is not JSON: ${(error as Error).message}`, hint: 'e.g. --store-options \'{"url":"redis://127.0.0.1:6379"}\'' })
    }
  }
  return { name: args.store, options }
}

/** Opens the agent's state for `task`, and closes it after. */
export async function withAgentState<T>(args: { 'data-dir'?: string; store?: string; 'store-options'?: string }, task: (state: Awaited<ReturnType<typeof import('../../agent/state').openAgentState>>) => Promise<T>): Promise<T> {
  const { openAgentState } = await import('../../agent/state')
  const state = await openAgentState(resolveAgentOptions({ dataDir: args['data-dir'], store: storeFromArgs(args) }))
  try {
    return await task(state)
  }
  finally {
    await state.close()
  }
}
