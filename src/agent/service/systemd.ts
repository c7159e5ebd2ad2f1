import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { promisify } from 'node:util'
import { LambdaError } from '../../errors'

const run = promisify(execFile)

/** What PID 1 is, for the error when it is not systemd. */
function initName(): string {
  try {
    return readFileSync('/proc/1/comm', 'utf8').trim() || 'unknown'
  }
  catch {
    return 'unknown'
  }
}

/** sd_booted(3): systemd is the init system when this folder exists. */
export function systemdRunning(): boolean {
  return existsSync('/run/systemd/system')
}

/** What `--dry-run` offers instead, per command: both take it. */
const DRY_RUN_HINTS: Record<string, { systemd: string, root: string }> = {
  'lambda agent install': {
    systemd: 'Add --dry-run to print the unit and environment file and set the service up by hand, or run `lambda agent` under your own supervisor.',
    root: 'or add --dry-run to see the files',
  },
  'lambda agent uninstall': {
    systemd: 'Add --dry-run to see what it would remove, and remove those files by hand.',
    root: 'or add --dry-run to see what it would remove',
  },
}

export function systemdMissing(command: string): LambdaError {
  return new LambdaError({
    code: 'SYSTEMD_NOT_RUNNING',
    status: 409,
    message: `systemd is not running (PID 1 is ${initName()}), so \`${command}\` cannot install or manage a service here.`,
    hint: DRY_RUN_HINTS[command]?.systemd ?? 'Run `lambda agent` under your own supervisor.',
  })
}

export function requireRoot(command: string): void {
  if (process.getuid?.() === 0) return
  const dryRun = DRY_RUN_HINTS[command]?.root
  throw new LambdaError({
    code: 'NEEDS_ROOT',
    status: 403,
    message: `\`${command}\` writes to /etc/systemd/system and manages a system service: it needs root.`,
    hint: `Run it with sudo (\`sudo ${process.execPath} $(command -v lambda) …\` keeps this Node)${dryRun ? `, ${dryRun}` : ''}.`,
  })
}

export async function systemctl(args: string[]): Promise<string> {
  try {
    const { stdout } = await run('systemctl', args, { timeout: 60_000 })
    return stdout
  }
  catch (error) {
    const { stderr, message } = error as { stderr?: string, message: string }
    throw new LambdaError({ code: 'SYSTEMCTL_FAILED', status: 500, message: `\`systemctl ${args.join(' ')}\` failed: ${(stderr || message).trim()}`, hint: 'See `journalctl -u mini-lambda -e` and `systemctl status mini-lambda`.' })
  }
}

export interface UnitState {
  activeState: string
  subState: string
  unitFileState: string
  mainPid: number
  activeSince?: string
}

/** The unit as systemd sees it, or undefined where systemd is not running. */
export async function unitState(name: string): Promise<UnitState | undefined> {
  if (!systemdRunning()) return undefined
  const out = await systemctl(['show', name, '--property=ActiveState,SubState,UnitFileState,MainPID,ActiveEnterTimestamp'])
  const props = Object.fromEntries(out.split('\n').filter(Boolean).map((line) => {
    const eq = line.indexOf('=')
    return [line.slice(0, eq), line.slice(eq + 1)]
  }))
  return {
    activeState: props.ActiveState ?? 'unknown',
    subState: props.SubState ?? 'unknown',
    unitFileState: props.UnitFileState || 'not-found',
    mainPid: Number(props.MainPID ?? 0),
    activeSince: props.ActiveEnterTimestamp || undefined,
  }
}
