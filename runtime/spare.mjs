/**
 * A spare runtime is started before anyone needs it (by lambda dev and the process provider):
 * Node and this runtime are already loaded when it is told, over IPC, which function to run
 * and with what environment. That takes Node's own start (~50 ms) off a cold start or a reload.
 */
/** @returns {Promise<Record<string, string>>} */
export function waitForAssignment() {
  return new Promise((resolve) => {
    if (!process.send) {
      console.error('[runtime] LAMBDA_SPARE=1 needs an IPC channel to receive its function.')
      process.exit(64)
    }
    const onDisconnect = () => process.exit(0)
    process.once('disconnect', onDisconnect)
    process.on('message', /** @param {any} message */ function onMessage(message) {
      if (message?.type !== 'assign') return
      process.off('message', onMessage)
      process.off('disconnect', onDisconnect)
      resolve(message.env)
    })
  })
}
