import type { Provider, ProviderContext, ProviderName } from './types'
import { consola } from 'consola'

export interface ProviderChoice {
  provider: ProviderName | 'auto'
  dockerSocket?: string
  baseImage?: string
  /** Longest a function's image build may take. */
  buildTimeoutMs?: number
  /** Network of a function build's RUN steps (docker): none unless the admin says otherwise. */
  buildNetwork?: 'none' | 'bridge'
  /** How long a container waits for a restarting agent to adopt it (docker). */
  adoptGraceMs?: number
  onLog?: (line: string) => void
}

/** Picks and creates the provider: Docker when asked or when a daemon answers, processes otherwise. */
export async function createProvider(choice: ProviderChoice, ctx: ProviderContext): Promise<Provider> {
  let name = choice.provider
  if (name === 'auto') {
    const { dockerAnswers } = await import('./docker')
    name = await dockerAnswers(choice.dockerSocket) ? 'docker' : 'process'
  }
  if (name === 'docker') {
    const { createDockerProvider } = await import('./docker')
    return createDockerProvider(ctx, { socketPath: choice.dockerSocket, baseImage: choice.baseImage, buildTimeoutMs: choice.buildTimeoutMs, buildNetwork: choice.buildNetwork, adoptGraceMs: choice.adoptGraceMs, onLog: choice.onLog })
  }
  consola.warn('Provider "process": functions run as plain child processes, NOT isolated from this host or from each other. Use Docker for anything you do not fully trust.')
  const { createProcessProvider } = await import('./process')
  return createProcessProvider(ctx)
}
