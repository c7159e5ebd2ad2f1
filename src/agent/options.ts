import type { ProviderName } from '../providers/types'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'

export interface AgentOptions {
  /** Port of the one server holding the gateway and the admin API. Default: 80, or 443 with `tls`. */
  port: number
  /** Interface to listen on. Default: 0.0.0.0 (the agent is meant to be reached). */
  host: string
  /** `<fn>.<domain>` reaches function `fn`, e.g. `203.0.113.7.nip.io`. Default: `localhost`. */
  domain: string
  dataDir: string
  provider: ProviderName | 'auto'
  /** Seconds an instance may sit idle before it is stopped (scale to zero). Default: 300. */
  idleTimeout: number
  maxUploadBytes: number
  /** Base image source for the docker provider: `host` (offline) or an image reference. */
  baseImage: string
  dockerSocket?: string
  /** How function URLs are printed: scheme and port as clients reach the agent (e.g. behind a proxy). */
  publicScheme: 'http' | 'https'
  publicPort: number
  /** Print one line per invocation (method, path, status, duration). Default: false. */
  accessLog: boolean
  /** Releases kept for `lambda rollback --release`. Default: 20. */
  keepReleases: number
  /** Seconds a function's image build may take before it is stopped. Default: 600. */
  buildTimeout: number
  /**
   * The network of RUN steps when a function's image is built (docker). Default: none: uploaded code
   * builds with no way out. `bridge` lets Dockerfiles download while they build, the admin's choice.
   */
  buildNetwork: 'none' | 'bridge'
  /** Collect and store function output and invocations (`lambda logs`). Default: true. */
  logs: boolean
  /** Bytes of logs kept per function (older files go first). Default: 50 MB. */
  logMaxBytes: number
  /** Log entries older than this (ms) are removed. Default: 7 days. */
  logMaxAge: number
  /** Lines a second one function may log, output and invocations together; more are dropped and counted. Default: 1000. */
  logRate: number
  /** Count invocations (docs/metrics.md). Default: true; `--no-metrics` turns it off. */
  metrics: boolean
  /** Also serve the Prometheus text without a key on 127.0.0.1:<port>/metrics. */
  metricsPort?: number
  /** Seconds between saves of the metrics: a kill -9 loses at most this much. Default: 30. */
  metricsSaveInterval: number
  /** unstorage driver for the agent's state, when not the crash-safe fs driver in the data dir. */
  store?: { name: string, options?: Record<string, unknown> }
  /** Accepted asynchronous calls one function may have waiting or running; past it: 429. Default: 1000. */
  asyncQueueLimit: number
  /** Seconds a succeeded asynchronous invocation stays listed. Default: 86400 (a day). */
  asyncRetention: number
  /** Seconds a failed one (the dead-letter list) stays listed and replayable. Default: 1209600 (14 days). */
  asyncFailedRetention: number
  /** Hosts, addresses or CIDR ranges callbacks may reach although they are private, loopback or the agent's own. Default: none. */
  callbackAllow: string[]
  /**
   * On a graceful stop, leave the function containers running for the next start to adopt (docker
   * provider): warm instances survive a restart or an upgrade. Default: false (they are removed).
   */
  keepInstances: boolean
  /**
   * Seconds a container's runtime waits for a stopped (or crashed) agent to come back and adopt it,
   * before it exits. Default: 60.
   */
  adoptGrace: number
  /** Serve HTTPS with this certificate chain and key (PEM files, reloaded on change and on SIGHUP). */
  tls?: { cert: string, key: string }
}

export type AgentOptionsInput = Partial<AgentOptions>

export function defaultDataDir(): string {
  if (process.env.LAMBDA_DATA_DIR) return resolve(process.env.LAMBDA_DATA_DIR)
  if (process.getuid?.() === 0) return '/var/lib/mini-lambda'
  return join(process.env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'mini-lambda')
}

/**
 * The agent's port when none is given, `lambda agent` and `lambda agent install` alike: functions answer at
 * `http://<name>.<domain>/` with no port to type, and the admin API on the same server.
 */
export function defaultAgentPort(tls: boolean): number {
  return tls ? 443 : 80
}

/** `http://<this-host>` (`:<port>` only when it is not the scheme's own): what to give `lambda config set-host`. */
export function agentAddress(scheme: 'http' | 'https', host: string, port: number): string {
  return `${scheme}://${host}${port === defaultAgentPort(scheme === 'https') ? '' : `:${port}`}`
}

export function resolveAgentOptions(input: AgentOptionsInput): AgentOptions {
  const port = input.port ?? defaultAgentPort(input.tls !== undefined)
  return {
    port,
    host: input.host ?? '0.0.0.0',
    domain: (input.domain ?? 'localhost').toLowerCase().replace(/^\.|\.$/g, ''),
    dataDir: resolve(input.dataDir ?? defaultDataDir()),
    provider: input.provider ?? 'auto',
    idleTimeout: input.idleTimeout ?? 300,
    maxUploadBytes: input.maxUploadBytes ?? 100 * 1024 * 1024,
    baseImage: input.baseImage ?? 'host',
    dockerSocket: input.dockerSocket,
    publicScheme: input.publicScheme ?? (input.tls ? 'https' : 'http'),
    publicPort: input.publicPort ?? port,
    keepReleases: input.keepReleases ?? 20,
    buildTimeout: input.buildTimeout ?? 600,
    buildNetwork: input.buildNetwork ?? 'none',
    accessLog: input.accessLog ?? false,
    logs: input.logs ?? true,
    logMaxBytes: input.logMaxBytes ?? 50 * 1024 * 1024,
    logMaxAge: input.logMaxAge ?? 7 * 86_400_000,
    logRate: input.logRate ?? 1000,
    metrics: input.metrics ?? true,
    metricsPort: input.metricsPort,
    metricsSaveInterval: input.metricsSaveInterval ?? 30,
    store: input.store,
    asyncQueueLimit: input.asyncQueueLimit ?? 1000,
    asyncRetention: input.asyncRetention ?? 86400,
    asyncFailedRetention: input.asyncFailedRetention ?? 14 * 86400,
    callbackAllow: input.callbackAllow ?? [],
    keepInstances: input.keepInstances ?? false,
    adoptGrace: input.adoptGrace ?? 60,
    tls: input.tls && { cert: resolve(input.tls.cert), key: resolve(input.tls.key) },
  }
}

export function functionURL(options: Pick<AgentOptions, 'domain' | 'publicScheme' | 'publicPort'>, name: string, version?: number): string {
  const defaultPort = options.publicScheme === 'https' ? 443 : 80
  const port = options.publicPort === defaultPort ? '' : `:${options.publicPort}`
  return `${options.publicScheme}://${version ? `v${version}.` : ''}${name}.${options.domain}${port}/`
}
