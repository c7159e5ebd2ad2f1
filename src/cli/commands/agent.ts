import type { AgentHandle } from '../../agent/server'
import type { ValueType } from '../args/value-types'
import { consola } from 'consola'
import { colors } from 'consola/utils'
import { parseCallbackAllow } from '../../agent/async/callback-policy'
import { agentAddress } from '../../agent/options'
import { startAgent } from '../../agent/server'
import { trapUnhandledRejections } from '../../agent/unhandled-rejections'
import { decimalNumber, duration, listenPort, port, wholeNumber } from '../args/value-types'
import { defineLambdaCommand } from '../define-command'
import { usageError } from '../usage-error'
import { agentStateArgs, storeFromArgs } from './_agent-state'

const callbackAllow: ValueType<string> = { expected: 'a host name, an IP address or a CIDR range', example: '10.0.0.0/8', parse: raw => parseCallbackAllow(raw) ? raw : undefined }

/** However stuck Docker or an instance is, SIGTERM ends the agent within this. */
const STOP_TIMEOUT_MS = 20_000

export default defineLambdaCommand({
  meta: { name: 'agent', description: 'Run the agent: the gateway and admin API that run your functions on this machine' },
  args: {
    'port': { type: 'string', alias: 'p', value: { ...listenPort, example: '80' }, description: 'Port (default: 80, or 443 with --tls-cert; below 1024 needs root or CAP_NET_BIND_SERVICE)', valueHint: 'port' },
    'host': { type: 'string', description: 'Interface (default: 0.0.0.0)' },
    'domain': { type: 'string', description: 'Functions answer at <name>.<domain> (default: localhost), e.g. 203.0.113.7.nip.io' },
    ...agentStateArgs,
    'provider': { type: 'enum', options: ['docker', 'process', 'auto'], description: 'Where functions run (default: docker when a daemon answers)' },
    'idle-timeout': { type: 'string', value: decimalNumber({ min: 0.1, max: 604800, unit: 'seconds', example: 300 }), description: 'Seconds before an idle instance is stopped (default: 300)', valueHint: 'seconds' },
    'max-upload-mb': { type: 'string', value: decimalNumber({ min: 0.001, max: 102400, unit: 'MB', example: 100 }), description: 'Largest accepted deploy upload in MB (default: 100)', valueHint: 'mb' },
    'base-image': { type: 'string', description: 'Base of function images: host (offline, from this Node) or an image such as node:20-bookworm-slim' },
    'public-port': { type: 'string', value: port, description: 'Port shown in function URLs (when a proxy fronts the agent)', valueHint: 'port' },
    'public-scheme': { type: 'enum', options: ['http', 'https'], description: 'Scheme shown in function URLs' },
    'keep-releases': { type: 'string', value: wholeNumber({ min: 1, max: 10000, unit: 'releases', example: 20 }), description: 'Releases kept for `lambda rollback --release` (default: 20)', valueHint: 'count' },
    'build-timeout': { type: 'string', value: decimalNumber({ min: 1, max: 86400, unit: 'seconds', example: 600 }), description: 'Seconds a function\'s image build may take (default: 600)', valueHint: 'seconds' },
    'build-network': { type: 'enum', options: ['none', 'bridge'], description: 'Network of RUN steps in function image builds: none (default; uploaded code builds with no way out) or bridge (lets Dockerfiles download; the deploying key then reaches what the bridge reaches)', valueHint: 'mode' },
    'access-log': { type: 'boolean', description: 'Print one line per invocation (method, path, status, duration)', default: false },
    'async-queue-limit': { type: 'string', value: wholeNumber({ min: 1, max: 1_000_000, unit: 'calls', example: 1000 }), description: 'Asynchronous calls one function may have waiting or running; more are answered 429 (default: 1000)', valueHint: 'count' },
    'async-retention': { type: 'string', value: wholeNumber({ min: 1, max: 31_536_000, unit: 'seconds', example: 86400 }), description: 'Seconds a succeeded asynchronous invocation stays listed (default: 86400)', valueHint: 'seconds' },
    'async-failed-retention': { type: 'string', value: wholeNumber({ min: 1, max: 31_536_000, unit: 'seconds', example: 1209600 }), description: 'Seconds a failed one stays listed and replayable (default: 1209600, 14 days)', valueHint: 'seconds' },
    'callback-allow': { type: 'string', multiple: true, value: callbackAllow, description: 'Let X-Callback-Url reach this host, address or CIDR range although it is private, loopback or the agent\'s own (repeatable)', valueHint: 'host|ip|cidr' },
    'logs': { type: 'boolean', description: 'Keep function output and invocations for `lambda logs` (--no-logs: keep nothing)', default: true },
    'log-max-mb': { type: 'string', value: decimalNumber({ min: 1, max: 102400, unit: 'MB', example: 50 }), description: 'Logs kept per function in MB; the oldest go first (default: 50)', valueHint: 'mb' },
    'log-max-age': { type: 'string', value: duration({ min: 60_000, max: 3650 * 86_400_000, example: '7d' }), description: 'Log entries older than this are removed (default: 7d)', valueHint: 'duration' },
    'log-rate': { type: 'string', value: wholeNumber({ min: 1, max: 1_000_000, unit: 'lines a second', example: 1000 }), description: 'Lines a second one function may log; more are dropped and counted (default: 1000)', valueHint: 'lines' },
    'metrics': { type: 'boolean', description: 'Count invocations per function (lambda metrics, /_lambda/metrics); --no-metrics turns it off', default: true },
    'metrics-port': { type: 'string', value: port, description: 'Also serve Prometheus metrics without a key at http://127.0.0.1:<port>/metrics', valueHint: 'port' },
    'tls-cert': { type: 'string', description: 'Serve HTTPS with this certificate chain (PEM, e.g. fullchain.pem); reloaded when the file changes and on SIGHUP', valueHint: 'file' },
    'tls-key': { type: 'string', description: 'The private key (PEM) of --tls-cert', valueHint: 'file' },
    'keep-instances': { type: 'boolean', description: 'On a graceful stop, leave function containers running for the next start to adopt (warm instances survive a restart; the systemd unit uses it)', default: false },
    'adopt-grace': { type: 'string', value: decimalNumber({ min: 1, max: 86400, unit: 'seconds', example: 60 }), description: 'Seconds a function container waits for a stopped or crashed agent to come back and adopt it, then exits (default: 60)', valueHint: 'seconds' },
    'metrics-save-interval': { type: 'string', value: decimalNumber({ min: 1, max: 3600, unit: 'seconds', example: 30 }), description: 'Seconds between saves of the metrics; a kill -9 loses at most this much (default: 30)', valueHint: 'seconds' },
  },
  subCommands: {
    keys: () => import('./agent-keys').then(m => m.default),
    install: () => import('./agent-install').then(m => m.default),
    uninstall: () => import('./agent-uninstall').then(m => m.default),
    status: () => import('./agent-status').then(m => m.default),
  },
  async run({ args, values }) {
    // Handlers first: a SIGTERM that arrives while starting or right after "ready" must still stop cleanly.
    let agent: AgentHandle | undefined
    let stopping = false
    const stop = async () => {
      // A second signal means now.
      if (stopping) process.exit(1)
      stopping = true
      // Every step of close() has its own deadline; this one bounds them all.
      setTimeout(() => {
        consola.warn(`Still stopping after ${STOP_TIMEOUT_MS / 1000} s: exiting now.`)
        process.exit(1)
      }, STOP_TIMEOUT_MS).unref()
      if (!agent) return
      consola.info(agent.context.options.keepInstances && agent.context.provider.name === 'docker'
        ? 'Stopping: instances keep running for the next start to adopt (--keep-instances)'
        : 'Stopping: instances are stopped and removed')
      await agent.close()
      process.exit(0)
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
    trapUnhandledRejections()
    // `systemctl reload`: new certificate files, never an exit (SIGHUP's default).
    process.on('SIGHUP', () => {
      if (!agent || stopping) return
      if (!agent.context.options.tls) return void consola.info('SIGHUP: nothing to reload (no --tls-cert).')
      void agent.reloadTls()
    })

    if ((args['tls-cert'] === undefined) !== (args['tls-key'] === undefined)) {
      throw usageError({ code: 'TLS_INCOMPLETE', message: `--${args['tls-cert'] === undefined ? 'tls-key' : 'tls-cert'} was given without --${args['tls-cert'] === undefined ? 'tls-cert' : 'tls-key'}.`, hint: 'HTTPS needs both: --tls-cert <fullchain.pem> --tls-key <privkey.pem>.' })
    }

    const maxUploadMb = values['max-upload-mb']
    agent = await startAgent({
      port: values.port,
      host: args.host,
      domain: args.domain,
      dataDir: args['data-dir'],
      provider: args.provider as 'docker' | 'process' | 'auto' | undefined,
      idleTimeout: values['idle-timeout'],
      maxUploadBytes: maxUploadMb === undefined ? undefined : maxUploadMb * 1024 * 1024,
      baseImage: args['base-image'],
      publicPort: values['public-port'],
      publicScheme: args['public-scheme'] as 'http' | 'https' | undefined,
      keepReleases: values['keep-releases'],
      buildTimeout: values['build-timeout'],
      buildNetwork: args['build-network'] as 'none' | 'bridge' | undefined,
      accessLog: args['access-log'],
      logs: args.logs,
      logMaxBytes: values['log-max-mb'] === undefined ? undefined : values['log-max-mb'] * 1024 * 1024,
      logMaxAge: values['log-max-age'],
      logRate: values['log-rate'],
      metrics: args.metrics,
      metricsPort: values['metrics-port'],
      metricsSaveInterval: values['metrics-save-interval'],
      store: storeFromArgs(args),
      asyncQueueLimit: values['async-queue-limit'],
      asyncRetention: values['async-retention'],
      asyncFailedRetention: values['async-failed-retention'],
      callbackAllow: values['callback-allow'],
      keepInstances: args['keep-instances'],
      adoptGrace: values['adopt-grace'],
      tls: args['tls-cert'] && args['tls-key'] ? { cert: args['tls-cert'], key: args['tls-key'] } : undefined,
    })
    // Stopped while starting: finish stopping now that there is something to close.
    if (stopping) {
      stopping = false
      return stop()
    }
    const { options, provider } = agent.context
    const scheme = options.tls ? 'https' : 'http'
    consola.success(`Mini Lambda agent listening on ${colors.cyan(`${scheme}://${options.host}:${options.port}`)} (provider: ${provider.name}, data: ${options.dataDir})`)
    if (options.tls) consola.info(`TLS: ${options.tls.cert} (reloaded when it changes, or on SIGHUP)`)
    consola.info(`Functions answer at ${colors.cyan(`${agentAddress(options.publicScheme, `<name>.${options.domain}`, options.publicPort)}/`)}; admin API at /_lambda on the bare host.`)
    if (options.metricsPort !== undefined) consola.info(`Prometheus metrics (no key, this machine only) at ${colors.cyan(`http://127.0.0.1:${options.metricsPort}/metrics`)}`)
    if (!options.metrics) consola.info('Metrics are off (--no-metrics).')
    if (agent.instancesAdopted > 0) consola.info(`Adopted ${agent.instancesAdopted} running instance(s) of an earlier run.`)
    if (agent.orphansRemoved > 0) consola.info(`Removed ${agent.orphansRemoved} container(s) left by an earlier run.`)
    if (agent.restored.length > 0) consola.info(`Serving ${agent.restored.length} deployed function(s): ${agent.restored.join(', ')}`)
    if (agent.resumedInvocations > 0) consola.info(`Resuming ${agent.resumedInvocations} asynchronous call(s) accepted before the restart.`)
    if (options.callbackAllow.length > 0) consola.warn(`Callbacks may reach ${options.callbackAllow.join(', ')} (--callback-allow): callers choose callback URLs, so only allow hosts that expect them.`)
    if (agent.firstAdminKey) {
      consola.box(`Admin API key (shown once; only its hash is stored):\n\n${agent.firstAdminKey}\n\nOn your machine: lambda config set-host ${agentAddress(scheme, '<this-host>', options.port)}\n                 lambda config set-key <the key>`)
    }
    consola.ready('Agent ready')
  },
})
