import { CONTAINER_LABELS } from '../../providers/docker/container-spec'
import { openAgentState } from '../state'

export interface DockerLeftovers {
  containers: number
  images: number
}

/** The agent's lasting id, which labels its containers and images; undefined when it never ran. */
async function agentIdOf(dataDir: string): Promise<string | undefined> {
  const state = await openAgentState({ dataDir })
  try {
    return (await state.storage.getItem<{ id?: string }>('meta:agent'))?.id
  }
  finally {
    await state.close()
  }
}

/**
 * Removes what the stopped agent leaves in Docker: the function containers it kept for its next start
 * (there is none after an uninstall) and, when asked, the images it built (labelled with its id; the
 * shared base image stays). Undefined when Docker does not answer or the agent never ran.
 */
export async function removeDockerLeftovers(dataDir: string, opts: { images: boolean }): Promise<DockerLeftovers | undefined> {
  const agentId = await agentIdOf(dataDir).catch(() => undefined)
  if (!agentId) return undefined
  const { default: Dockerode } = await import('dockerode')
  const docker = new Dockerode()
  const filters = { label: [`${CONTAINER_LABELS.agent}=${agentId}`] }
  try {
    const containers = await docker.listContainers({ all: true, filters })
    await Promise.all(containers.map(c => docker.getContainer(c.Id).remove({ force: true })))
    let images = 0
    if (opts.images) {
      for (const image of await docker.listImages({ filters })) {
        await docker.getImage(image.Id).remove({ force: true })
        images++
      }
    }
    return { containers: containers.length, images }
  }
  catch {
    return undefined
  }
}
