import { createFunctionStore } from '../store/function-store'
import { createKeyStore } from '../store/key-store'
import { createAgentStorage } from '../store/storage'

/** The agent's stored state, opened directly (for `lambda agent keys …` on the agent's machine). */
export async function openAgentState(dataDir: string) {
  const storage = await createAgentStorage({ dataDir })
  return {
    storage,
    keys: createKeyStore(storage),
    functions: createFunctionStore(storage),
    close: () => storage.dispose(),
  }
}
