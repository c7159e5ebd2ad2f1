/** What the service's environment file holds: the agent's settings an operator may edit, then `systemctl restart`. */
export interface ServiceSettings {
  port: number
  domain: string
  dataDir: string
  provider: 'docker' | 'process' | 'auto'
  /** Further `lambda agent` flags, split on whitespace by systemd (`$LAMBDA_AGENT_ARGS`). */
  agentArgs: string[]
}

const quote = (value: string) => /^[\w./:@,+-]*$/.test(value) ? value : `"${value.replace(/(["\\$`])/g, '\\$1')}"`

export function renderEnvFile(settings: ServiceSettings): string {
  return [
    '# Mini Lambda agent settings, read by mini-lambda.service.',
    '# Edit, then `sudo systemctl restart mini-lambda`. Changing LAMBDA_DATA_DIR needs `lambda agent install`',
    '# again: the unit lets the agent write only there (ReadWritePaths).',
    `LAMBDA_PORT=${settings.port}`,
    `LAMBDA_DOMAIN=${quote(settings.domain)}`,
    `LAMBDA_DATA_DIR=${quote(settings.dataDir)}`,
    `LAMBDA_PROVIDER=${settings.provider}`,
    '# More `lambda agent` flags, e.g. --tls-cert /etc/mini-lambda/tls/cert.pem --tls-key /etc/mini-lambda/tls/key.pem',
    `LAMBDA_AGENT_ARGS=${quote(settings.agentArgs.join(' '))}`,
    '',
  ].join('\n')
}

/** Reads `KEY=value` lines as systemd does for the simple cases written above (quotes, comments). */
export function parseEnvFile(text: string): Record<string, string> {
  const values: Record<string, string> = {}
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (!line || line.startsWith('#') || line.startsWith(';')) continue
    const eq = line.indexOf('=')
    if (eq <= 0) continue
    let value = line.slice(eq + 1).trim()
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1).replace(/\\(["\\$`])/g, '$1')
    else if (value.length >= 2 && value.startsWith('\'') && value.endsWith('\'')) value = value.slice(1, -1)
    values[line.slice(0, eq).trim()] = value
  }
  return values
}
