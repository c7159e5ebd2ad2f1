import type { Server as HttpsServer } from 'node:https'
import type { AgentContext } from './context'
import type { AgentOptionsInput } from './options'
import type { TlsReloader } from './tls/tls-reloader'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { consola } from 'consola'
import { ADMIN_PREFIX } from '../api/admin-api'
import { checkPortFree } from '../http/check-port'
import { logFunctionOutput, logInvocation } from '../log/function-log'
import { createProvider } from '../providers'
import { createAgentApp } from './app'
import { AsyncInvocations } from './async/async-invocations'
import { createCallbackPolicy } from './async/callback-policy'
import { AuditLog } from './audit/audit-log'
import { createApiKey } from './auth/api-keys'
import { migrateKeyGrants } from './auth/migrate-key-grants'
import { lockDataDir } from './data-dir-lock'
import { KeyedLock } from './deploy/keyed-lock'
import { checkDiskSpace } from './disk-space'
import { createGatewayFastPath } from './gateway'
import { ensureAgentIdentity } from './identity'
import { InvocationEvents } from './invocation-events'
import { AGENT_PORT_HINTS, listenStrict } from './listen'
import { LogService } from './logs/log-service'
import { AgentMetrics } from './metrics/agent-metrics'
import { listenMetricsPort } from './metrics/metrics-port'
import { registerQueueGauges } from './metrics/queue-gauges'
import { resolveAgentOptions } from './options'
import { RateLimits } from './rate-limit/rate-limits'
import { restoreState } from './restore-state'
import { agentRunExecutor } from './schedules/agent-run'
import { describeRun } from './schedules/describe-run'
import { Scheduler } from './schedules/scheduler'
import { envResolver } from './secrets/function-env'
import { SecretVault } from './secrets/secret-vault'
import { ServingTable } from './serving-table'
import { openAgentState } from './state'
import { resetTempDirs } from './temp-dir'
import { readTlsFiles } from './tls/tls-files'
import { watchTlsFiles } from './tls/tls-reloader'

export interface AgentHandle {
  url: string
  /** The admin key created on the very first start; shown once, only its hash is kept. */
  firstAdminKey?: string
  orphansRemoved: number
  /** Instances an earlier run left running (a kill -9, or a stop with --keep-instances) that serve again. */
  instancesAdopted: number
  restored: string[]
  /** Asynchronous calls accepted by an earlier run and not finished: they run again now. */
  resumedInvocations: number
  context: AgentContext
  /** Reads the TLS files again (SIGHUP); false when there is no TLS or the new pair was refused. */
  reloadTls: () => Promise<boolean>
  close: () => Promise<void>
}

/** Starts the agent: storage, provider, the serving table restored from state, then the HTTP server. */
export async function startAgent(input: AgentOptionsInput = {}): Promise<AgentHandle> {
  const options = resolveAgentOptions(input)
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 })
  // Before anything touches the data dir: a second agent on it would remove the first one's instances.
  const lock = await lockDataDir(options.dataDir, options.port, options.tls ? 'https' : 'http')
  const opened: Array<() => Promise<unknown>> = [() => lock.release()]
  const closeOpened = async () => {
    for (const close of opened.splice(0).reverse()) await close().catch(() => {})
  }
  try {
    // Fail on a bad port before touching Docker.
    await checkPortFree(options.port, options.host, AGENT_PORT_HINTS)
    const tlsPems = options.tls && await readTlsFiles(options.tls)
    const { tmpDir, uploadsDir } = await resetTempDirs(options.dataDir)
    await checkDiskSpace(options.dataDir, line => consola.warn(line))

    const { storage, keys, functions, schedules: scheduleStore, close: closeState } = await openAgentState(options)
    opened.push(closeState)
    const identity = await ensureAgentIdentity(storage)
    // Before the first key is made: a start that stops on an unreadable master key must not use up the key shown once.
    const secrets = await SecretVault.open(storage, options.dataDir)
    const firstAdminKey = (await keys.list()).length === 0 ? (await createApiKey(keys, 'admin')).key : undefined
    await keys.ensureDecoy()
    for (const line of await migrateKeyGrants(storage, keys, functions)) consola.info(line)

    // Function output goes to the logs (`lambda logs`), never to the agent's own output.
    const logs = options.logs ? new LogService({ dir: join(options.dataDir, 'logs'), maxBytes: options.logMaxBytes, maxAgeMs: options.logMaxAge, rate: options.logRate }) : undefined
    logs?.openExisting()
    if (logs) opened.push(() => logs.close())
    const provider = await createProvider(
      { provider: options.provider, dockerSocket: options.dockerSocket, baseImage: options.baseImage, buildTimeoutMs: options.buildTimeout * 1000, buildNetwork: options.buildNetwork, adoptGraceMs: options.adoptGrace * 1000, onLog: line => consola.info(line) },
      { dataDir: options.dataDir, tmpDir, agentId: identity.id, onOutput: logs && (output => logs.collect(output)) },
    )
    opened.push(() => provider.close({ keepInstances: options.keepInstances }))
    const init = await provider.init()

    const serving = new ServingTable({ provider, idleTimeoutMs: options.idleTimeout * 1000, resolveEnv: envResolver(secrets, line => consola.warn(line)) })
    const invocations = new InvocationEvents()
    const metrics = await AgentMetrics.open({ enabled: options.metrics, storage, serving, invocations, saveIntervalMs: options.metricsSaveInterval * 1000, warn: line => consola.warn(line) })
    // Closed after the serving table (reverse order): what the last requests did is saved too.
    opened.push(() => metrics.close())
    registerQueueGauges(metrics, serving)
    opened.push(() => serving.close(options.keepInstances))
    if (options.metricsPort !== undefined) {
      const metricsPort = await listenMetricsPort(metrics, options.metricsPort)
      opened.push(() => metricsPort.close())
    }
    const asyncInvocations = new AsyncInvocations({
      storage,
      serving,
      queueLimit: options.asyncQueueLimit,
      retentionMs: options.asyncRetention * 1000,
      failedRetentionMs: options.asyncFailedRetention * 1000,
      callbackPolicy: createCallbackPolicy({ allow: options.callbackAllow, domain: options.domain }),
      warn: line => consola.warn(line),
      invocations,
      metrics,
      credentials: secrets.credentialSeal(),
    })
    // Closed before the instances: a call cut short by the stop is not recorded as failed, it runs again.
    opened.push(() => asyncInvocations.close())
    // An access log line per request costs a noticeable share of the gateway's CPU at high rates: opt-in.
    if (options.accessLog) invocations.on(logInvocation)
    if (logs) invocations.on(record => logs.recordInvocation(record))
    const schedules = new Scheduler({ store: scheduleStore, serving, execute: agentRunExecutor({ serving, options, invocations }), onRun: run => logFunctionOutput(run.function, describeRun(run), 'stdout'), warn: line => consola.warn(line) })
    const rateLimits = new RateLimits()
    const unregisterRateGauge = metrics.registerGauge({ name: 'rate_limited', help: 'Requests answered 429 RATE_LIMITED by the function\'s rateLimit since the agent started.', read: () => rateLimits.limitedCounts('fn:') })
    opened.push(async () => unregisterRateGauge())
    const context: AgentContext = { options, provider, functions, keys, audit: new AuditLog(), secrets, serving, schedules, asyncInvocations, locks: new KeyedLock(), invocations, metrics, rateLimits, logs, tmpDir, uploadsDir }
    const restored = await restoreState(context)
    // Before anything could start an instance: the ones an earlier run left serve first.
    const instancesAdopted = await serving.adoptLeftovers()
    const orphansRemoved = init.orphansRemoved + (await provider.endAdoption?.() ?? 0)
    metrics.start()
    // After the restore: accepted calls and schedules run on the versions the store says are current.
    const { resumed } = await asyncInvocations.start()
    opened.push(() => schedules.close())
    await schedules.start()
    const app = createAgentApp(context)
    const listener = await listenStrict(app, options.port, options.host, { tls: tlsPems, fastPath: createGatewayFastPath(context) })
    let tls: TlsReloader | undefined
    if (options.tls) {
      tls = watchTlsFiles(listener.server as HttpsServer, options.tls, { info: line => consola.info(line), warn: line => consola.warn(line) })
      opened.push(async () => tls?.close())
    }

    let closed = false
    return {
      url: `${options.tls ? 'https' : 'http'}://${options.host === '0.0.0.0' ? '127.0.0.1' : options.host}:${options.port}${ADMIN_PREFIX}`,
      firstAdminKey,
      orphansRemoved,
      instancesAdopted,
      restored,
      resumedInvocations: resumed,
      context,
      reloadTls: async () => tls ? tls.reload() : false,
      async close() {
        if (closed) return
        closed = true
        // Stop accepting first, then end the instances (so requests in flight get their answer or an
        // error), and only then wait, briefly, for client connections to finish.
        const serverClosed = listener.close()
        await closeOpened()
        listener.server.closeAllConnections?.()
        await Promise.race([serverClosed, new Promise(resolve => setTimeout(resolve, 2000).unref())])
      },
    }
  }
  catch (error) {
    await closeOpened()
    throw error
  }
}
