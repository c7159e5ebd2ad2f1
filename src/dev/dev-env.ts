import type { ResolvedFunction } from '../config/types'
import { consola } from 'consola'
import { isSecretRef } from '../config/secret'
import { functionPrefix } from '../log/function-log'

const warned = new Set<string>()

/**
 * `lambda dev` has no agent to hold secrets: `env: { TOKEN: secret('stripe-token') }` takes TOKEN from
 * the environment `lambda dev` runs in (`TOKEN=… lambda dev`). Without it the variable stays unset,
 * with one warning per variable for the whole session.
 */
export function devFunctionEnv(fn: ResolvedFunction): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [variable, value] of Object.entries(fn.env)) {
    if (!isSecretRef(value)) {
      env[variable] = value
      continue
    }
    const fromShell = process.env[variable]
    if (fromShell !== undefined) {
      env[variable] = fromShell
      continue
    }
    if (warned.has(`${fn.name}\0${variable}`)) continue
    warned.add(`${fn.name}\0${variable}`)
    consola.warn(`${functionPrefix(fn.name)} ${variable} refers to secret "${value.secret}", which lambda dev takes from its own environment, where ${variable} is not set: the function sees it unset. Run \`${variable}=… lambda dev\` to give it a value (on the agent: \`lambda secrets set ${value.secret}\`).`)
  }
  return env
}
