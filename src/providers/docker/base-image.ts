import type Dockerode from 'dockerode'
import type { BaseImage, BaseImageOptions } from './base-image-recipe'
import { baseFromHost } from './base-from-host'
import { baseFromImage } from './base-from-image'

export { sharedLibraries } from './base-from-host'
export { BASE_IMAGE_LABELS, BASE_IMAGE_LAYOUT, BASE_IMAGE_REPOSITORY } from './base-image-recipe'
export type { BaseImage, BaseImageOptions } from './base-image-recipe'

/**
 * Makes sure the base image exists and returns its tag, e.g. `mini-lambda/runtime:<12 hex>`. The tag is a
 * content fingerprint of (node version + runtime files + source), so a new runtime or Node makes a new base
 * and an unchanged one is reused without rebuilding.
 */
export async function ensureBaseImage(docker: Dockerode, opts: BaseImageOptions = {}): Promise<BaseImage> {
  const source = opts.source?.trim() || 'host'
  if (source !== 'host') {
    const image = await baseFromImage(docker, source, opts)
    if (image) return image
  }
  return baseFromHost(docker, opts)
}
