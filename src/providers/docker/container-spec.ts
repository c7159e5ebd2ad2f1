import type Dockerode from 'dockerode'
import type { LaunchRequest } from '../types'
import { createHash } from 'node:crypto'
import { LINK_PROTOCOL } from '../../instances/runtime-link'
import { BASE_IMAGE_LAYOUT } from './base-image-recipe'

export const CONTAINER_LABELS = {
  agent: 'mini-lambda.agent',
  function: 'mini-lambda.function',
  version: 'mini-lambda.version',
  /** The instance's link folder under the agent's run folder (8 hex): how a later run finds its socket. */
  link: 'mini-lambda.link',
  /** A hash of everything else the agent asked of the container: a later run adopts it only for the same. */
  spec: 'mini-lambda.spec',
} as const

export interface ContainerSpecInput extends LaunchRequest {
  agentId: string
  /** How long the runtime waits for a restarting agent to adopt it (ms). */
  adoptGraceMs: number
}

/** The instance's link folder, mounted read-only: the agent's socket is there, nothing the function can change. */
export const LINK_DIR_IN_CONTAINER = BASE_IMAGE_LAYOUT.socketDir
export const LINK_SOCKET_NAME = 'agent.sock'
/** Where a custom image's own server listens, inside the container, when the base image's connector bridges it. */
export const CUSTOM_SERVER_SOCKET = '/tmp/.mini-lambda/server.sock'
/** The only writable paths: memory-backed, size-capped, never executable. */
export const TMP_SIZE_MB = 64
export const PIDS_LIMIT = 256
export const OPEN_FILES_LIMIT = 8192

/**
 * A function container: an init that reaps orphans, no network unless asked, its memory limit without
 * swap, its CPU share, a pids and open-files limit, a read-only root whose only writable place is a noexec tmpfs, the link folder
 * read-only, no capabilities, a non-root user, and labels naming its function and version.
 */
export function containerSpec(launch: ContainerSpecInput, name: string, linkDir: string): Dockerode.ContainerCreateOptions {
  const spec = specWithout(launch, name, linkDir)
  const linkName = linkDir.slice(linkDir.lastIndexOf('/') + 1)
  return { ...spec, Labels: { ...spec.Labels, [CONTAINER_LABELS.link]: linkName, [CONTAINER_LABELS.spec]: specHash(launch) } }
}

/**
 * What a container of this launch is asked to be, its name, link folder and grace aside (image,
 * environment with secrets, limits, link protocol): an earlier run's container is adopted only when this is the same.
 */
export function specHash(launch: ContainerSpecInput): string {
  // The link protocol too: a runtime that cannot speak this agent's is replaced at once, not after a wait.
  const asked = { link: LINK_PROTOCOL, spec: specWithout({ ...launch, adoptGraceMs: 0 }, '', '') }
  return createHash('sha256').update(JSON.stringify(asked)).digest('hex')
}

function specWithout(launch: ContainerSpecInput, name: string, linkDir: string): Dockerode.ContainerCreateOptions {
  const { config, image } = launch
  const memoryBytes = config.memory * 1024 * 1024
  const connector = image.connector
  return {
    name,
    Image: image.id ?? image.ref,
    Env: [
      ...Object.entries(launch.env).map(([k, v]) => `${k}=${v}`),
      `LAMBDA_AGENT_SOCKET=${LINK_DIR_IN_CONTAINER}/${LINK_SOCKET_NAME}`,
      `LAMBDA_CONCURRENCY=${config.concurrency}`,
      ...(connector ? [`LAMBDA_SOCKET=${CUSTOM_SERVER_SOCKET}`] : []),
      `LAMBDA_FUNCTION_NAME=${launch.name}`,
      `LAMBDA_FUNCTION_VERSION=${launch.version}`,
      `LAMBDA_TIMEOUT=${config.timeout}`,
      `LAMBDA_MEMORY=${config.memory}`,
      `LAMBDA_ADOPT_GRACE_MS=${launch.adoptGraceMs}`,
      // No --max-old-space-size: the cgroup limit is the real bound (a kill is reported as out of memory),
      // V8 grows its heap with the live set anyway, and the flag costs ~25 ms of every cold start.
    ],
    // A custom image built on the base image runs under the connector, which bridges its server to the link.
    ...(connector ? { Entrypoint: [BASE_IMAGE_LAYOUT.nodePath, `${BASE_IMAGE_LAYOUT.runtimeDir}/connector.mjs`], Cmd: connector } : {}),
    Labels: {
      [CONTAINER_LABELS.agent]: launch.agentId,
      [CONTAINER_LABELS.function]: launch.name,
      [CONTAINER_LABELS.version]: String(launch.version),
    },
    // Whatever the image says, functions never run as root.
    User: BASE_IMAGE_LAYOUT.user,
    StopTimeout: 10,
    HostConfig: {
      // Docker's init as PID 1: it reaps the children a function spawns and abandons, which would
      // otherwise stay zombies holding the pids limit until the instance ends.
      Init: true,
      Mounts: [{ Type: 'bind', Source: linkDir, Target: LINK_DIR_IN_CONTAINER, ReadOnly: true }],
      NetworkMode: config.network ? 'bridge' : 'none',
      Memory: memoryBytes,
      MemorySwap: memoryBytes,
      NanoCpus: Math.round(config.cpu * 1e9),
      PidsLimit: PIDS_LIMIT,
      Ulimits: [{ Name: 'nofile', Soft: OPEN_FILES_LIMIT, Hard: OPEN_FILES_LIMIT }],
      ReadonlyRootfs: true,
      Tmpfs: { '/tmp': `rw,nosuid,nodev,noexec,size=${TMP_SIZE_MB}m` },
      IpcMode: 'private',
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } },
    },
  }
}
