import { sendStartupError } from './link.mjs'

/**
 * A function that fails at import never becomes ready. Its error goes to stderr (logs) and, over the
 * link, to whoever started the instance, so the deploy or request can report the function's own message.
 */
/**
 * @param {import('./types').RuntimeSettings} settings
 * @param {unknown} error
 */
export async function reportStartupError(settings, error) {
  const message = error instanceof Error ? error.message : String(error)
  const stack = error instanceof Error ? error.stack : undefined
  console.error(`[runtime] the function failed to load: ${stack || message}`)
  if (settings.agentSocket) await sendStartupError(settings.agentSocket, { message, stack })
}
