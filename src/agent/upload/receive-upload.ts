import type { ReadEntry } from 'tar'
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { x as extractTar } from 'tar'
import { LambdaError } from '../../errors'
import { listArchive } from './archive-entries'
import { checkEntries } from './check-entries'
import { makeTreeReadable } from './readable-tree'
import { spoolUpload } from './spool-upload'
import { unpackError, uploadFailed } from './upload-errors'

export interface UploadLimits {
  /** Largest body accepted, and largest total once decompressed and as declared by the archive. */
  maxBytes: number
  /** Where the body is spooled: the agent's own temp folder, emptied at its start. Default: the system temp dir. */
  tmpDir?: string
}

export interface ReceivedUpload {
  /** Absolute path of the folder the upload was unpacked into. */
  dir: string
  /** Regular files unpacked, relative to `dir`, sorted. */
  files: string[]
  /** Bytes of the request body as received. */
  bytes: number
}

export const DEFAULT_UPLOAD_LIMITS: UploadLimits = { maxBytes: 100 * 1024 * 1024 }

/**
 * Streams `body` to a temp file (counting bytes), validates every entry, then extracts into `dest` (created if needed).
 * Nothing reaches `dest` until the whole archive has passed the checks. When the body is over the limit it is
 * left unread (not destroyed), so an HTTP server can still answer 413 on the same connection.
 */
export async function receiveUpload(body: NodeJS.ReadableStream, dest: string, limits: UploadLimits = DEFAULT_UPLOAD_LIMITS): Promise<ReceivedUpload> {
  const dir = resolve(dest)
  const workDir = await mkdtemp(join(limits.tmpDir ?? tmpdir(), 'lambda-upload-')).catch((error) => { throw uploadFailed('store', dir, error) })
  try {
    const { tarFile, bytes } = await spoolUpload(body, workDir, limits.maxBytes)
    const files = checkEntries(await listArchive(tarFile, limits.maxBytes))
    await extractInto(tarFile, dir)
    return { dir, files, bytes }
  }
  catch (error) {
    throw LambdaError.is(error) ? error : uploadFailed('store', dir, error)
  }
  finally {
    await rm(workDir, { recursive: true, force: true, maxRetries: 3, retryDelay: 20 })
  }
}

/** Unpacks a checked archive; if that fails, removes what it added so a retry starts from the same folder. */
async function extractInto(tarFile: string, dir: string) {
  const existing = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined
    throw uploadFailed('unpack', dir, error)
  })
  try {
    await mkdir(dir, { recursive: true })
    await extractTar({
      file: tarFile,
      cwd: dir,
      // tar already refuses `..`, absolute paths and writing through links unless preservePaths is set;
      // the checks above are the first line, this the second.
      preservePaths: false,
      // tar keeps the archive's uid/gid when running as root, which the agent does.
      preserveOwner: false,
      strict: true,
      zstd: false,
      onReadEntry: (entry: ReadEntry) => { entry.mode = saneMode(entry) },
    })
    await makeTreeReadable(dir)
  }
  catch (error) {
    const added = existing ? (await readdir(dir).catch(() => [])).filter(name => !existing.includes(name)) : undefined
    if (added) await Promise.all(added.map(name => rm(join(dir, name), { recursive: true, force: true })))
    else await rm(dir, { recursive: true, force: true })
    throw unpackError(dir, error)
  }
}

/** The archive's modes are a wish, not an order: no setuid/setgid/sticky bits, no world-writable files in a root-owned tree. */
function saneMode(entry: ReadEntry): number {
  if (entry.type === 'Directory') return 0o755
  return (entry.mode ?? 0) & 0o111 ? 0o755 : 0o644
}
