import type { FunctionRuntimeConfig } from '../../config/types'
import type { SecretVault } from './secret-vault'
import { isSecretRef } from '../../config/secret'
import { LambdaError } from '../../errors'

export interface MissingSecret {
  variable: string
  secret: string
}

/** The env entries of a config whose secret the agent does not have. */
export function missingSecrets(env: FunctionRuntimeConfig['env'], vault: SecretVault): MissingSecret[] {
  const missing: MissingSecret[] = []
  for (const [variable, value] of Object.entries(env ?? {})) {
    if (isSecretRef(value) && !vault.has(value.secret)) missing.push({ variable, secret: value.secret })
  }
  return missing
}

/**
 * The environment an instance starts with: plain values as written, secret refs replaced by their
 * values. A secret removed with `lambda secrets rm --yes` leaves its variable unset (reported through
 * `onMissing`); deploys and rollbacks refuse versions whose secrets are missing.
 */
export function resolveFunctionEnv(env: FunctionRuntimeConfig['env'], vault: SecretVault, onMissing?: (missing: MissingSecret) => void): Record<string, string> {
  const resolved: Record<string, string> = {}
  for (const [variable, value] of Object.entries(env ?? {})) {
    if (!isSecretRef(value)) {
      resolved[variable] = value
      continue
    }
    const secret = vault.value(value.secret)
    if (secret === undefined) onMissing?.({ variable, secret: value.secret })
    else resolved[variable] = secret
  }
  return resolved
}

/** Refuses to deploy or switch to a function whose env names secrets this agent does not have. */
export function assertSecretsSet(name: string, config: FunctionRuntimeConfig, vault: SecretVault): void {
  const missing = missingSecrets(config.env, vault)
  if (missing.length === 0) return
  const secrets = [...new Set(missing.map(m => m.secret))]
  const listed = missing.map(m => `"${m.secret}" (env ${m.variable})`).join(', ')
  throw new LambdaError({
    code: 'SECRET_NOT_SET',
    status: 422,
    message: `Function "${name}" refers to ${missing.length === 1 ? 'a secret' : 'secrets'} this agent does not have: ${listed}.`,
    hint: `Set ${secrets.length === 1 ? 'it' : 'each'} first, then try again: ${secrets.map(s => `\`lambda secrets set ${s}\``).join(', ')} (the value is read from stdin or a hidden prompt).`,
    data: { function: name, missing },
  })
}

/** The serving table's `resolveEnv`: a missing secret is logged by name (never a value) at each start. */
export function envResolver(vault: SecretVault, warn: (message: string) => void) {
  return (version: { function: string, config: FunctionRuntimeConfig }) => resolveFunctionEnv(version.config.env, vault, ({ variable, secret }) => {
    warn(`[${version.function}] secret "${secret}" is not set on this agent: ${variable} is left unset. Set it with \`lambda secrets set ${secret}\`.`)
  })
}
