import { writeFileSync } from 'node:fs'

/**
 * A function that fails at import never becomes ready. Its error goes to stderr (logs) and to a file
 * beside the socket, so whoever started the instance can report the function's own message.
 */
export function reportStartupError(socketPath, error) {
  const message = error instanceof Error ? error.message : String(error)
  const stack = error instanceof Error ? error.stack : undefined
  console.error(`[runtime] the function failed to load: ${stack || message}`)
  try {
    writeFileSync(`${socketPath}.error.json`, JSON.stringify({ message, stack }))
  }
  catch {}
}
