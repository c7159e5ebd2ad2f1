import { consola } from 'consola'

/**
 * A background promise nobody awaits (a log write, a metrics save, a drain) that rejects would end
 * the whole agent under Node's default, dropping every request in flight for one failed chore. As
 * nitro's node server does, the agent logs it loudly, as the bug it is, and goes on serving.
 */
export function trapUnhandledRejections(log: Pick<typeof consola, 'error'> = consola): () => void {
  const onRejection = (reason: unknown) => {
    log.error('A background task failed and nothing handled it; the agent goes on serving. This is a bug in Mini Lambda, please report it with this message:', reason)
  }
  process.on('unhandledRejection', onRejection)
  return () => void process.off('unhandledRejection', onRejection)
}
