import type Dockerode from 'dockerode'
import { lstat, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { withDockerDeadline } from './api-deadline'
import { CONTAINER_LABELS } from './container-spec'

/** A container an earlier run of this agent left running (or paused), which this run may adopt. */
export interface Leftover {
  /** Docker's id. */
  id: string
  /** The name the earlier run gave it: the instance id. */
  name: string
  function: string
  version: number
  /** Its link folder's name under the run folder (8 hex). */
  link: string
  spec: string
  paused: boolean
}

const LINK_NAME = /^[0-9a-f]{8}$/
const SPEC_HASH = /^[0-9a-f]{64}$/

/**
 * This agent's containers from an earlier run, sorted into those that may be adopted and the rest,
 * which are removed now. Everything that decides is the agent's own: the labels it set at creation
 * (a function cannot change them) and the link folder it made in its run folder (which the function
 * cannot write). Nothing the container says or holds is read.
 */
export async function sortLeftovers(docker: Dockerode, agentId: string, runDir: string | undefined): Promise<{ adoptable: Leftover[], removed: number }> {
  const containers = await withDockerDeadline('listing containers', abortSignal => docker.listContainers({ all: true, filters: { label: [`${CONTAINER_LABELS.agent}=${agentId}`] }, abortSignal }))
  const adoptable: Leftover[] = []
  const doomed: string[] = []
  for (const container of containers) {
    const leftover = runDir ? await asAdoptable(container, runDir) : undefined
    if (leftover) adoptable.push(leftover)
    else doomed.push(container.Id)
  }
  await Promise.all(doomed.map(id => removeContainer(docker, id)))
  return { adoptable, removed: doomed.length }
}

async function asAdoptable(container: Dockerode.ContainerInfo, runDir: string): Promise<Leftover | undefined> {
  if (container.State !== 'running' && container.State !== 'paused') return undefined
  const labels = container.Labels ?? {}
  const fn = labels[CONTAINER_LABELS.function]
  const version = Number(labels[CONTAINER_LABELS.version])
  const link = labels[CONTAINER_LABELS.link]
  const spec = labels[CONTAINER_LABELS.spec]
  if (!fn || !Number.isSafeInteger(version) || !link || !LINK_NAME.test(link) || !spec || !SPEC_HASH.test(spec)) return undefined
  const name = `ml-${fn}-v${version}-${link}`
  if (!container.Names?.includes(`/${name}`)) return undefined
  // Made by the earlier run, in a folder only the agent writes: a real folder, never a link to elsewhere.
  const folder = await lstat(join(runDir, link)).catch(() => undefined)
  if (!folder?.isDirectory()) return undefined
  return { id: container.Id, name, function: fn, version, link, spec, paused: container.State === 'paused' }
}

export function removeContainer(docker: Dockerode, id: string): Promise<void> {
  return withDockerDeadline('removing a container', abortSignal => docker.getContainer(id).remove({ force: true, abortSignal })).then(() => {}, () => {})
}

/** The adoptable leftovers until each is claimed by its version or removed. */
export class Leftovers {
  private readonly waiting: Leftover[]

  constructor(adoptable: Leftover[], private readonly docker: Dockerode, private readonly runDir: string) {
    this.waiting = [...adoptable]
  }

  /** Those of this version made with this very spec, at most `max`; the others of it stay (and go at `removeRest`). */
  claim(name: string, version: number, spec: string, max: number): Leftover[] {
    const claimed: Leftover[] = []
    for (let i = 0; i < this.waiting.length && claimed.length < max;) {
      const leftover = this.waiting[i]!
      if (leftover.function === name && leftover.version === version && leftover.spec === spec) {
        claimed.push(leftover)
        this.waiting.splice(i, 1)
      }
      else {
        i++
      }
    }
    return claimed
  }

  /** Removes every one not claimed (its version is gone, or changed, or over its maximum), with its link folder. */
  async removeRest(): Promise<number> {
    const rest = this.waiting.splice(0)
    await Promise.all(rest.map(async (leftover) => {
      await removeContainer(this.docker, leftover.id)
      await rm(join(this.runDir, leftover.link), { recursive: true, force: true }).catch(() => {})
    }))
    return rest.length
  }
}
