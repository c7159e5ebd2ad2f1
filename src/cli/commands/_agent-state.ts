import type { LambdaArgsDef } from '../args/lambda-args'
import { resolveAgentOptions } from '../../agent/options'
import { jsonObject } from '../args/value-types'

/** Flags of commands that work on the agent's stored state directly, on the agent's machine. */
export const agentStateArgs = {
  'data-dir': { type: 'string', description: 'Where the agent keeps its state (default: /var/lib/mini-lambda as root, else ~/.local/share/mini-lambda)', valueHint: 'dir' },
  'store': { type: 'string', description: 'unstorage driver for the state instead of the crash-safe files in the data dir, e.g. redis', valueHint: 'driver' },
  'store-options': { type: 'string', value: jsonObject, description: 'JSON options for --store, e.g. \'{"url":"redis://127.0.0.1:6379"}\'', valueHint: 'json' },
} satisfies LambdaArgsDef

/** `--store` with its options (already checked to be a JSON object). */
export function storeFromArgs(args: { 'store'?: string, 'store-options'?: string }) {
  if (!args.store) return undefined
  return { name: args.store, options: args['store-options'] ? JSON.parse(args['store-options']) as Record<string, unknown> : undefined }
}

/** Opens the agent's state for `task`, and closes it after. */
export async function withAgentState<T>(args: { 'data-dir'?: string, 'store'?: string, 'store-options'?: string }, task: (state: Awaited<ReturnType<typeof import('../../agent/state').openAgentState>>) => Promise<T>): Promise<T> {
  const { openAgentState } = await import('../../agent/state')
  const options = resolveAgentOptions({ dataDir: args['data-dir'], store: storeFromArgs(args) })
  const state = await openAgentState(options)
  try {
    return await task(state)
  }
  finally {
    await state.close()
    if (!options.store) await (await import('../../agent/data-dir-owner')).restoreDataDirOwner(options.dataDir)
  }
}
