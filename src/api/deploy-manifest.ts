import type { FunctionRuntimeConfig } from '../config/types'

/** Written by `lambda deploy` into every upload, read (and checked) by the agent: what the function is and how it runs. */
export const DEPLOY_MANIFEST = '.mini-lambda.json'

export interface DeployManifest {
  name: string
  kind: 'node' | 'dockerfile'
  hash: string
  config: FunctionRuntimeConfig
  /** The project's deploy.keepVersions. */
  keepVersions?: number
}
