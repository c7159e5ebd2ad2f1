import { execFile } from 'node:child_process'
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { LambdaError } from '../errors'
import { packageRoot } from '../package-root'

const run = promisify(execFile)

/** Where a project keeps its copy of the toolkit, relative to its root. */
export const VENDOR_DIR = 'vendor'

export interface PackedToolkit {
  /** `mini-lambda-0.1.0.tgz` */
  fileName: string
  /** What package.json says: `file:vendor/mini-lambda-0.1.0.tgz`. */
  spec: string
  /** Puts the tarball into the project (once its other files are written), and removes the temp copy. */
  placeInto: (projectDir: string) => Promise<string>
  discard: () => Promise<void>
}

/**
 * This toolkit as an npm tarball, for a new project to depend on. A version range would need a registry
 * that has the package (and made `npm install <anything>` fail with E404 until one does); a `file:` path
 * to this machine's copy would break on every other machine and in CI. A tarball inside the project
 * installs anywhere, offline too, and gives `lambda.config.ts` and the functions their types and the
 * project its own `npx lambda` (the deploy workflow's). npm makes it (`npm pack`, which knows what the
 * package ships); without running the package's scripts: what runs is built already.
 */
export async function packToolkit(): Promise<PackedToolkit> {
  const temp = await mkdtemp(join(tmpdir(), 'lambda-vendor-'))
  const discard = () => rm(temp, { recursive: true, force: true })
  let fileName: string
  try {
    const { stdout } = await run('npm', ['pack', packageRoot(), '--pack-destination', temp, '--ignore-scripts', '--json', '--loglevel=error'], { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 })
    fileName = (JSON.parse(stdout) as Array<{ filename: string }>)[0]!.filename
  }
  catch (error) {
    await discard()
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT'
    throw new LambdaError({
      code: 'TOOLKIT_PACK_FAILED',
      status: 500,
      message: missing ? 'npm is not on the PATH: lambda init needs it to put a copy of Mini Lambda into the project.' : `npm pack could not make a copy of Mini Lambda for the project: ${(error as { stderr?: string }).stderr?.trim() || (error as Error).message}`,
      hint: missing ? 'Install npm (it comes with Node.js), then run `lambda init` again.' : `Check that \`npm pack ${packageRoot()}\` works, then run \`lambda init\` again.`,
      cause: error,
    })
  }
  return {
    fileName,
    spec: `file:${VENDOR_DIR}/${fileName}`,
    async placeInto(projectDir) {
      const target = join(projectDir, VENDOR_DIR, fileName)
      await mkdir(join(projectDir, VENDOR_DIR), { recursive: true })
      await copyFile(join(temp, fileName), target)
      await discard()
      return target
    },
    discard,
  }
}
