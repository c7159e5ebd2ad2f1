import type Dockerode from 'dockerode'
import type { LaunchRequest } from '../types'

export const CONTAINER_LABELS = {
  agent: 'mini-lambda.agent',
  function: 'mini-lambda.function',
  version: 'mini-lambda.version',
} as const

export const SOCKET_DIR_IN_CONTAINER = '/run/lambda'

/**
 * A function container: no network unless asked, its memory limit without swap, a pids limit,
 * a read-only root with a private /tmp, no capabilities, and labels naming its function and version.
 */
export function containerSpec(launch: LaunchRequest & { agentId: string }, name: string, hostDir: string): Dockerode.ContainerCreateOptions {
  const { config } = launch
  const memoryBytes = config.memory * 1024 * 1024
  return {
    name,
    Image: launch.image.id ?? launch.image.ref,
    Env: [
      ...Object.entries(launch.env).map(([k, v]) => `${k}=${v}`),
      `LAMBDA_SOCKET=${SOCKET_DIR_IN_CONTAINER}/fn.sock`,
      `LAMBDA_FUNCTION_NAME=${launch.name}`,
      `LAMBDA_FUNCTION_VERSION=${launch.version}`,
      `LAMBDA_TIMEOUT=${config.timeout}`,
      `LAMBDA_MEMORY=${config.memory}`,
      // No --max-old-space-size: the cgroup limit is the real bound (a kill is reported as out of memory),
      // V8 grows its heap with the live set anyway, and the flag costs ~25 ms of every cold start.
    ],
    Labels: {
      [CONTAINER_LABELS.agent]: launch.agentId,
      [CONTAINER_LABELS.function]: launch.name,
      [CONTAINER_LABELS.version]: String(launch.version),
    },
    // Whatever the image says, functions never run as root.
    User: '10001:10001',
    StopTimeout: 10,
    HostConfig: {
      Binds: [`${hostDir}:${SOCKET_DIR_IN_CONTAINER}`],
      NetworkMode: config.network ? 'bridge' : 'none',
      Memory: memoryBytes,
      MemorySwap: memoryBytes,
      PidsLimit: 256,
      ReadonlyRootfs: true,
      Tmpfs: { '/tmp': 'rw,nosuid,nodev,size=64m' },
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } },
    },
  }
}
