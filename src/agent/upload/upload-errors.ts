import { LambdaError } from '../../errors'
import { diskFullError, isDiskFull } from '../../fs/disk-full'

/** Short machine reasons in `error.data.reason`, so clients can react without parsing messages. */
export type UploadRejection
  = | 'absolute-path'
    | 'parent-segment'
    | 'bad-path'
    | 'link-outside'
    | 'through-link'
    | 'duplicate'
    | 'special-file'
    | 'not-a-tar'
    | 'empty'
    | 'interrupted'
    | 'path-too-long'
    | 'name-too-long'
    | 'too-deep'
    | 'too-many-entries'
    | 'header-too-large'
    | 'inside-file'
    | 'link-chain'
    | 'unpack-refused'

export function uploadTooLarge(maxBytes: number, when = ''): LambdaError {
  return new LambdaError({
    code: 'UPLOAD_TOO_LARGE',
    status: 413,
    message: `The upload is larger than the limit of ${describeBytes(maxBytes)}${when}.`,
    hint: 'Leave big files out of the function (bundle only what it imports, fetch large assets at run time), or raise the limit with `lambda agent --max-upload-mb`.',
    data: { maxBytes },
  })
}

/** A rejected path may be megabytes long (the checks themselves have no limit): quote its start and say how long it was. */
export function shortened(path: string, max = 200): string {
  return path.length <= max ? path : `${path.slice(0, max)}… (${path.length} characters)`
}

export function entryRejected(entry: string, reason: UploadRejection, why: string, hint: string): LambdaError {
  return new LambdaError({ code: 'BAD_UPLOAD', status: 400, message: `Upload rejected: entry "${shortened(entry)}" ${why}.`, hint, data: { entry: shortened(entry, 1024), reason } })
}

export function uploadRejected(reason: UploadRejection, message: string, hint: string, cause?: unknown): LambdaError {
  return new LambdaError({ code: 'BAD_UPLOAD', status: 400, message: `Upload rejected: ${message}.`, hint, cause, data: { reason } })
}

export function notATar(detail: string, cause?: unknown): LambdaError {
  return uploadRejected(
    'not-a-tar',
    `the body must be a tar archive (optionally gzip-compressed) of the function's build context, but ${detail}`,
    'Deploy with `lambda deploy`, or send the output of `tar -czf - -C <function folder> .` as the request body.',
    cause,
  )
}

/** The upload was fine but the agent's own disk or permissions failed it: the server's fault, not the client's. */
export function uploadFailed(step: 'store' | 'unpack', dir: string, cause: unknown): LambdaError {
  if (isDiskFull(cause)) return diskFullError(`The agent could not ${step} the upload`, dir, cause)
  return new LambdaError({
    code: 'UPLOAD_FAILED',
    status: 500,
    message: `The agent could not ${step} the upload for ${dir}: ${cause instanceof Error ? cause.message : String(cause)}`,
    hint: 'Check free disk space and permissions on the agent\'s data folder and temp folder, then deploy again.',
    cause,
  })
}

/** Errors of the agent's own disk or process limits; anything else tar meets while unpacking comes from the archive. */
const SERVER_FAULTS = new Set(['ENOSPC', 'EDQUOT', 'EACCES', 'EPERM', 'EROFS', 'EIO', 'EMFILE', 'ENFILE', 'ENOMEM', 'EBUSY'])
const ARCHIVE_FAULTS = new Set(['ENOTDIR', 'EEXIST', 'EISDIR', 'ENOTEMPTY', 'ENAMETOOLONG', 'ELOOP', 'EINVAL', 'ERR_INVALID_ARG_VALUE'])

/**
 * Unpacking runs only after every check passed, so a failure there is rare; when the archive caused it
 * (tar's own refusals, a path the file system will not take) it is still the client's mistake: 400.
 */
export function unpackError(dir: string, cause: unknown): LambdaError {
  const { code, tarCode } = (cause ?? {}) as { code?: unknown, tarCode?: unknown }
  const archiveCaused = !(typeof code === 'string' && SERVER_FAULTS.has(code))
    && ((typeof code === 'string' && (ARCHIVE_FAULTS.has(code) || code.startsWith('TAR_'))) || typeof tarCode === 'string')
  if (!archiveCaused) return uploadFailed('unpack', dir, cause)
  return uploadRejected(
    'unpack-refused',
    `tar refused to unpack it (${cause instanceof Error ? cause.message : String(cause)})`,
    'Build the archive from a clean copy of the function\'s folder (`lambda deploy` does), with plain files, folders and links.',
    cause,
  )
}

/** Limits are set in MB, but tests and small agents use KB: say whichever reads naturally. */
function describeBytes(bytes: number): string {
  const oneDecimal = (value: number) => Math.round(value * 10) / 10
  if (bytes >= 1024 * 1024) return `${oneDecimal(bytes / 1024 / 1024)} MB`
  if (bytes >= 1024) return `${oneDecimal(bytes / 1024)} KB`
  return `${bytes} bytes`
}
