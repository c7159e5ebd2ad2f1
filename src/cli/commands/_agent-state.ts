import type { LambdaArgsDef } from '../args/lambda-args'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { resolveAgentOptions } from '../../agent/options'
import { LambdaError } from '../../errors'
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

interface StateArgs { 'data-dir'?: string, 'store'?: string, 'store-options'?: string }

/** The data dir these flags name: --data-dir, else LAMBDA_DATA_DIR, else the default for this user. */
export const dataDirOf = (args: StateArgs) => resolveAgentOptions({ dataDir: args['data-dir'] }).dataDir

/** Where the state is, in words: `/var/lib/mini-lambda`, or `the redis store`. */
export const stateLocation = (args: StateArgs) => args.store ? `the ${args.store} store` : dataDirOf(args)

/** An agent has run with this data dir (its state is there); unknown for another store, taken as yes. */
export const hasAgentState = (args: StateArgs) => Boolean(args.store) || existsSync(join(dataDirOf(args), 'state'))

/**
 * How the data dir was chosen, and how to choose another: these commands read the state where they are
 * told, which need not be where an agent runs (one started with --data-dir elsewhere).
 */
export function otherDataDirHint(args: StateArgs, command: string): string {
  const chosen = args['data-dir'] !== undefined ? 'given with --data-dir' : process.env.LAMBDA_DATA_DIR ? 'from LAMBDA_DATA_DIR' : `the default for ${process.getuid?.() === 0 ? 'root' : 'this user'}`
  return `That data dir is ${chosen}. Does your agent keep its state elsewhere (it was started with --data-dir <dir>)? Run \`${command} --data-dir <dir>\` (or set LAMBDA_DATA_DIR).`
}

/** For commands that change keys an agent already has: a data dir no agent has used is a mistake, named. */
export function requireAgentState(args: StateArgs, command: string): void {
  if (hasAgentState(args)) return
  throw new LambdaError({ code: 'AGENT_STATE_NOT_FOUND', status: 404, message: `No agent state in ${dataDirOf(args)}: no agent has run with this data dir.`, hint: otherDataDirHint(args, command) })
}

/** Opens the agent's state for `task`, and closes it after. */
export async function withAgentState<T>(args: StateArgs, task: (state: Awaited<ReturnType<typeof import('../../agent/state').openAgentState>>) => Promise<T>): Promise<T> {
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
