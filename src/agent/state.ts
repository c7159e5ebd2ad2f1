import type { AgentOptions } from './options'
import { createFunctionStore } from '../store/function-store'
import { createKeyStore } from '../store/key-store'
import { createScheduleStore } from '../store/schedule-store'
import { createAgentStorage } from '../store/storage'

/** The agent's stored state: opened by the agent, and directly by `lambda agent keys …` on its machine. */
export async function openAgentState(options: Pick<AgentOptions, 'dataDir' | 'store'>) {
  const storage = await createAgentStorage({ dataDir: options.dataDir, driver: options.store })
  return {
    storage,
    keys: createKeyStore(storage),
    functions: createFunctionStore(storage),
    schedules: createScheduleStore(storage),
    close: () => storage.dispose(),
  }
}
