import type Dockerode from 'dockerode'
import type { BaseImage, BaseImageOptions } from './base-image-recipe'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { LambdaError } from '../../errors'
import { BASE_IMAGE_LAYOUT, BASE_IMAGE_REPOSITORY, baseLabels, buildFromContext, dockerfileTail, ensureTag, fingerprintOf, LAMBDA_UID, localImageId, makeDir, taskDirStep, writeRuntimeTree } from './base-image-recipe'
import { daemonMessage, dockerUnavailableError } from './build-image'

// The base from a Node image (a registry reference), when it is here or can be pulled.

const DEFAULT_PULL_TIMEOUT_MS = 15_000
/** After a failed pull, use the host's Node without asking the registry again for a while. */
const PULL_RETRY_AFTER_MS = 10 * 60_000
const unpullable = new Map<string, { at: number, reason: string }>()

async function pullImage(docker: Dockerode, ref: string, timeoutMs: number): Promise<void> {
  const signal = AbortSignal.timeout(timeoutMs)
  const timedOut = () => new Error(`no answer within ${Math.round(timeoutMs / 100) / 10} s`)
  let failure: string | undefined
  try {
    const stream = await docker.pull(ref, { abortSignal: signal })
    failure = await new Promise<string | undefined>((resolve) => {
      let error: string | undefined
      docker.modem.followProgress(stream, (streamError: Error | null) => resolve(error ?? streamError?.message), (event: { error?: string }) => {
        if (event.error) error ??= event.error
      })
    })
  }
  catch (error) {
    if (signal.aborted) throw timedOut()
    throw error
  }
  // An aborted pull just ends its stream early, which looks like success.
  if (signal.aborted) throw timedOut()
  if (failure) throw new Error(failure)
}

export async function baseFromImage(docker: Dockerode, source: string, opts: BaseImageOptions): Promise<BaseImage | undefined> {
  let imageId = await localImageId(docker, source)
  if (!imageId) {
    const fallback = (reason: string) => {
      opts.onLog?.(`warning: ${source} is not on this machine and could not be pulled (${reason}): registry unreachable, assembling the base from this host's Node`)
      return undefined
    }
    const failed = unpullable.get(source)
    if (failed && Date.now() - failed.at < PULL_RETRY_AFTER_MS) return fallback(failed.reason)
    try {
      opts.onLog?.(`Pulling ${source}`)
      await pullImage(docker, source, opts.pullTimeoutMs ?? DEFAULT_PULL_TIMEOUT_MS)
      imageId = await localImageId(docker, source)
      if (!imageId) throw new Error('the engine reported success but has no such image')
      unpullable.delete(source)
    }
    catch (error) {
      const unavailable = LambdaError.is(error) ? error : dockerUnavailableError(docker, error)
      if (unavailable) throw unavailable
      const reason = daemonMessage(error)
      unpullable.set(source, { at: Date.now(), reason })
      return fallback(reason)
    }
  }

  // The source image's id stands for its Node: a re-pulled tag makes a new base.
  const fingerprint = fingerprintOf({ source, image: imageId })
  const tag = `${BASE_IMAGE_REPOSITORY}:${fingerprint.slice(0, 12)}`
  const created = await ensureTag(docker, tag, async () => {
    opts.onLog?.(`Building ${tag} from ${source}`)
    await buildFromContext(docker, tag, baseLabels(fingerprint, source), opts, async (dir) => {
      await writeRuntimeTree(await makeDir(dir, 'rootfs'))
      const user = `lambda:x:${LAMBDA_UID}:${LAMBDA_UID}:Mini Lambda function:/tmp:/sbin/nologin`
      const group = `lambda:x:${LAMBDA_UID}:`
      // Builtins only, so it works on any image with a POSIX shell; an existing uid/gid 10001 is kept.
      const addUser = [
        ...([['passwd', user], ['group', group]] as const).map(([file, line]) =>
          `if ! { [ -f /etc/${file} ] && (IFS=:; while read -r n x id rest; do [ "$id" = ${LAMBDA_UID} ] && exit 0; done; exit 1) < /etc/${file}; }; then echo '${line}' >> /etc/${file}; fi`),
        `if [ ! -e ${BASE_IMAGE_LAYOUT.nodePath} ]; then node="$(command -v node)" || { echo '${source} has no node on its PATH' >&2; exit 1; }; ln -s "$node" ${BASE_IMAGE_LAYOUT.nodePath}; fi`,
      ].join('; ')
      await writeFile(join(dir, 'Dockerfile'), [
        `FROM ${source}`,
        'USER 0:0',
        'COPY rootfs/ /',
        await taskDirStep(dir),
        `RUN ${addUser}`,
        ...dockerfileTail(),
        '',
      ].join('\n'))
    })
  })
  return { tag, source, created }
}
