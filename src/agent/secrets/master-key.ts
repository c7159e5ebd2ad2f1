import { randomBytes } from 'node:crypto'
import { chmod, link, open, readFile, rm, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { LambdaError } from '../../errors'
import { syncDir } from '../../fs/atomic-write'

export const MASTER_KEY_FILE = 'master.key'
export const MASTER_KEY_BYTES = 32

export function masterKeyPath(dataDir: string): string {
  return join(dataDir, MASTER_KEY_FILE)
}

const restoreHint = (file: string) =>
  `Restore ${file} from your backup of the data dir (the secrets cannot be read without it). To give them up instead, `
  + 'remove the secret records from the store (state/secrets/ in the data dir) and set each again with `lambda secrets set <name>`.'

/**
 * The key that encrypts secrets at rest: 32 random bytes in `<dataDir>/master.key`, mode 0600, made at
 * the first start. It lives next to the state, never in it, so a state store on another driver (redis,
 * s3) holds only ciphertext. A missing or damaged key while secrets exist stops the start instead of
 * making a new key that would leave them unreadable.
 */
export async function loadMasterKey(dataDir: string, secretsStored: number): Promise<Buffer> {
  const file = masterKeyPath(dataDir)
  let key: Buffer | undefined = await readFile(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined
    throw new LambdaError({ code: 'MASTER_KEY_UNREADABLE', message: `Cannot read the secrets master key ${file}: ${error.message}.`, hint: `Give the agent's user read access to ${file} (mode 0600, owned by that user).`, cause: error })
  })
  if (key === undefined) {
    if (secretsStored > 0) {
      throw new LambdaError({ code: 'MASTER_KEY_MISSING', message: `The secrets master key ${file} is missing, but the store holds ${secretsStored} encrypted secret(s) that only it can read.`, hint: restoreHint(file) })
    }
    key = await createMasterKey(file)
  }
  if (key.length !== MASTER_KEY_BYTES) {
    throw new LambdaError({ code: 'MASTER_KEY_DAMAGED', message: `The secrets master key ${file} is damaged: it holds ${key.length} bytes instead of ${MASTER_KEY_BYTES}.`, hint: secretsStored > 0 ? restoreHint(file) : `No secret is stored yet: delete ${file} and the agent makes a new one at its next start.` })
  }
  // A key copied in from a backup may have come with a looser mode.
  if (((await stat(file)).mode & 0o077) !== 0) await chmod(file, 0o600)
  return key
}

/** Written to a temp file, then linked into place: a crash never leaves a partial key, and two agents starting at once never replace each other's. */
async function createMasterKey(file: string): Promise<Buffer> {
  const key = randomBytes(MASTER_KEY_BYTES)
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`
  try {
    const handle = await open(temp, 'wx', 0o600)
    try {
      await handle.writeFile(key)
      await handle.sync()
    }
    finally {
      await handle.close()
    }
    await link(temp, file)
  }
  catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readFile(file)
    throw error
  }
  finally {
    await rm(temp, { force: true })
  }
  await syncDir(dirname(file))
  return key
}
