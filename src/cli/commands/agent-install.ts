import { resolve } from 'node:path'
import { consola } from 'consola'
import { agentAddress, defaultAgentPort } from '../../agent/options'
import { SERVICE_DATA_DIR, SERVICE_NAME, SERVICE_USER } from '../../agent/service/service-paths'
import { port } from '../args/value-types'
import { defineLambdaCommand } from '../define-command'
import { printJson } from '../output/json-output'
import { progressNotes } from '../output/notes'
import { usageError } from '../usage-error'
import { jsonArgs } from './_shared'

/**
 * Docker when it answers now: at boot a slow or failed dockerd must make the service fail and retry,
 * not quietly run functions unisolated under `auto`.
 */
async function defaultProvider(): Promise<'docker' | 'auto'> {
  const { dockerAnswers } = await import('../../providers/docker')
  return await dockerAnswers() ? 'docker' : 'auto'
}

export default defineLambdaCommand({
  meta: { name: 'install', description: 'Install the agent as a systemd service on this machine (needs root); --dry-run prints the unit and environment file' },
  args: {
    'port': { type: 'string', alias: 'p', value: { ...port, example: '80' }, description: 'Port (default: 80, or 443 with --tls-cert, as `lambda agent`)', valueHint: 'port' },
    'host': { type: 'string', description: 'Interface the agent listens on, e.g. 127.0.0.1 behind a proxy (default: 0.0.0.0)', valueHint: 'host' },
    'domain': { type: 'string', description: 'Functions answer at <name>.<domain>, e.g. 203.0.113.7.nip.io (default: localhost)', valueHint: 'domain' },
    'data-dir': { type: 'string', description: `Where the agent keeps its state (default: ${SERVICE_DATA_DIR})`, valueHint: 'dir' },
    'user': { type: 'string', description: `User the service runs as (default: ${SERVICE_USER}, a system user created if missing)`, valueHint: 'user' },
    'provider': { type: 'enum', options: ['docker', 'process', 'auto'], description: 'Where functions run (default: docker when a daemon answers now, else auto)' },
    'tls-cert': { type: 'string', description: 'Serve HTTPS with this certificate chain (PEM); reload with `systemctl reload mini-lambda`', valueHint: 'file' },
    'tls-key': { type: 'string', description: 'The private key (PEM) of --tls-cert', valueHint: 'file' },
    'dry-run': { type: 'boolean', description: 'Print the unit and the environment file; change nothing', default: false },
    ...jsonArgs,
  },
  async run({ args, values, json }) {
    const { planService, installService, hiddenByPrivateTmp, installFromTmp } = await import('../../agent/service/install-service')
    if ((args['tls-cert'] === undefined) !== (args['tls-key'] === undefined)) {
      throw usageError({ code: 'TLS_INCOMPLETE', message: 'HTTPS needs both --tls-cert and --tls-key.', hint: 'Give both, e.g. --tls-cert /etc/mini-lambda/tls/fullchain.pem --tls-key /etc/mini-lambda/tls/privkey.pem.' })
    }
    const tlsArgs = args['tls-cert'] && args['tls-key'] ? ['--tls-cert', resolve(args['tls-cert']), '--tls-key', resolve(args['tls-key'])] : []
    const hostArgs = args.host ? ['--host', args.host] : []
    const plan = await planService({
      port: values.port ?? defaultAgentPort(tlsArgs.length > 0),
      domain: (args.domain ?? 'localhost').toLowerCase(),
      dataDir: resolve(args['data-dir'] ?? SERVICE_DATA_DIR),
      provider: (args.provider as 'docker' | 'process' | 'auto' | undefined) ?? await defaultProvider(),
      agentArgs: [...hostArgs, ...tlsArgs],
    }, args.user)
    if (args['dry-run']) {
      // The files are still worth seeing; installing them as they are would make a service that never starts.
      const hidden = hiddenByPrivateTmp(plan)
      if (hidden.length > 0) consola.warn(`${installFromTmp(hidden).message} \`lambda agent install\` refuses it; install from elsewhere (see docs/install.md).`)
      if (json) return printJson({ dryRun: true, unitPath: plan.unitPath, unit: plan.unit, envPath: plan.envPath, env: plan.env, user: plan.user, createUser: plan.createUser })
      process.stdout.write(`# ${plan.unitPath}\n${plan.unit}\n# ${plan.envPath}\n${plan.env}`)
      if (plan.createUser) process.stderr.write(`Install would also create the system user ${plan.user}.\n`)
      return
    }
    if (plan.settings.domain === 'localhost') consola.warn('No --domain: functions answer only at <name>.localhost. On a VM use e.g. --domain <public-ip>.nip.io (edit LAMBDA_DOMAIN later in the environment file).')
    const { adminKey, answered, problem } = await installService(plan, line => progressNotes().info(line))
    if (json) {
      // The key is in the data dir now, and shown nowhere else: with the error too.
      printJson({ dryRun: false, unitPath: plan.unitPath, envPath: plan.envPath, user: plan.user, createdUser: plan.createUser, dataDir: plan.settings.dataDir, adminKey: adminKey ?? null, serving: !problem, ...(problem ? { error: problem.toJSON() } : {}) })
      if (problem) process.exitCode = 1
      return
    }
    const scheme = tlsArgs.length > 0 ? 'https' : 'http'
    if (answered) consola.success(`${SERVICE_NAME}.service is enabled and the agent answers (version ${answered.version}, pid ${answered.pid}): port ${plan.settings.port}, functions at ${agentAddress(scheme, `<name>.${plan.settings.domain}`, plan.settings.port)}/. Check it with \`lambda agent status\`.`)
    if (adminKey) consola.box(`Admin API key (shown once; only its hash is stored):\n\n${adminKey}\n\nOn your machine: lambda config set-host ${agentAddress(scheme, '<this-host>', plan.settings.port)}\n                 lambda config set-key <the key>`)
    else consola.info('The data dir already has API keys: they stay valid (`sudo lambda agent keys list`).')
    if (problem) throw problem
  },
})
