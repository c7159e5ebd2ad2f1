import { createFunctionStore } from '../store/function-store'
import { createKeyStore } from '../store/key-store'
import { createAgentStorage } from '../store/storage'
import type { AgentOptions } from './options'

/** The agent's stored state, opened directly (for `lambda agent keys …` on the agent's machine). */
export async function openAgentState(options: Pick<AgentOptions, 'dataDir' | 'store'>) {
  const storage = await createAgentStorage({ dataDir: options.dataDir, driver: options.store })
  return {
    storage,
    keys: createKeyStore(storage),
    functions: createFunctionStore(storage),
    close: () => storage.dispose(),
  }
}
