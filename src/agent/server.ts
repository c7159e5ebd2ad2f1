import type { AgentContext } from './context'
import type { AgentOptionsInput } from './options'
import { mkdir } from 'node:fs/promises'
import { consola } from 'consola'
import { ADMIN_PREFIX } from '../api/admin-api'
import { logFunctionOutput, logInvocation } from '../log/function-log'
import { createProvider } from '../providers'
import { createAgentApp } from './app'
import { createApiKey } from './auth/api-keys'
import { lockDataDir } from './data-dir-lock'
import { KeyedLock } from './deploy/keyed-lock'
import { ensureAgentIdentity } from './identity'
import { InvocationEvents } from './invocation-events'
import { checkPortFree, listenStrict } from './listen'
import { AgentMetrics } from './metrics/agent-metrics'
import { listenMetricsPort } from './metrics/metrics-port'
import { resolveAgentOptions } from './options'
import { restoreState } from './restore-state'
import { envResolver } from './secrets/function-env'
import { SecretVault } from './secrets/secret-vault'
import { ServingTable } from './serving-table'
import { openAgentState } from './state'
import { resetTempDirs } from './temp-dir'

export interface AgentHandle {
  url: string
  /** The admin key created on the very first start; shown once, only its hash is kept. */
  firstAdminKey?: string
  orphansRemoved: number
  restored: string[]
  context: AgentContext
  close: () => Promise<void>
}

/** Starts the agent: storage, provider, the serving table restored from state, then the HTTP server. */
export async function startAgent(input: AgentOptionsInput = {}): Promise<AgentHandle> {
  const options = resolveAgentOptions(input)
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 })
  // Before anything touches the data dir: a second agent on it would remove the first one's instances.
  const lock = await lockDataDir(options.dataDir, options.port)
  const opened: Array<() => Promise<unknown>> = [() => lock.release()]
  const closeOpened = async () => {
    for (const close of opened.splice(0).reverse()) await close().catch(() => {})
  }
  try {
    // Fail on a bad port before touching Docker.
    await checkPortFree(options.port, options.host)
    const { tmpDir, uploadsDir } = await resetTempDirs(options.dataDir)

    const { storage, keys, functions, close: closeState } = await openAgentState(options)
    opened.push(closeState)
    const identity = await ensureAgentIdentity(storage)
    // Before the first key is made: a start that stops on an unreadable master key must not use up the key shown once.
    const secrets = await SecretVault.open(storage, options.dataDir)
    const firstAdminKey = (await keys.list()).length === 0 ? (await createApiKey(keys, 'admin')).key : undefined

    const provider = await createProvider(
      { provider: options.provider, dockerSocket: options.dockerSocket, baseImage: options.baseImage, buildTimeoutMs: options.buildTimeout * 1000, onLog: line => consola.info(line) },
      { dataDir: options.dataDir, tmpDir, agentId: identity.id, onOutput: (fn, line, stream) => logFunctionOutput(fn, line, stream) },
    )
    opened.push(() => provider.close())
    const { orphansRemoved } = await provider.init()

    const serving = new ServingTable({ provider, idleTimeoutMs: options.idleTimeout * 1000, resolveEnv: envResolver(secrets, line => consola.warn(line)) })
    const invocations = new InvocationEvents()
    const metrics = await AgentMetrics.open({ enabled: options.metrics, storage, serving, invocations, saveIntervalMs: options.metricsSaveInterval * 1000, warn: line => consola.warn(line) })
    // Closed after the serving table (reverse order): what the last requests did is saved too.
    opened.push(() => metrics.close())
    opened.push(() => serving.close())
    if (options.metricsPort !== undefined) {
      const metricsPort = await listenMetricsPort(metrics, options.metricsPort)
      opened.push(() => metricsPort.close())
    }
    // An access log line per request costs a noticeable share of the gateway's CPU at high rates: opt-in.
    if (options.accessLog) invocations.on(logInvocation)
    const context: AgentContext = { options, provider, functions, keys, secrets, serving, locks: new KeyedLock(), invocations, metrics, tmpDir, uploadsDir }
    const restored = await restoreState(context)
    metrics.start()
    const app = createAgentApp(context)
    const listener = await listenStrict(app, options.port, options.host)

    let closed = false
    return {
      url: `http://${options.host === '0.0.0.0' ? '127.0.0.1' : options.host}:${options.port}${ADMIN_PREFIX}`,
      firstAdminKey,
      orphansRemoved,
      restored,
      context,
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
