import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

const run = promisify(execFile)

async function output(command: string, args: string[]): Promise<string | undefined> {
  try {
    return (await run(command, args)).stdout.trim()
  }
  catch {
    return undefined
  }
}

/** The user's primary group, or undefined when there is no such user (through NSS, like systemd). */
export const primaryGroupOf = (user: string) => output('id', ['-gn', '--', user])

export const userExists = async (user: string) => (await output('id', ['-u', '--', user])) !== undefined

/** systemd refuses to start a unit whose SupplementaryGroups names an unknown group. */
export const groupExists = async (group: string) => (await output('getent', ['group', group])) !== undefined

/** A system account for the agent: no login, no home of its own beyond the data dir. */
export async function createSystemUser(user: string, home: string): Promise<void> {
  await run('useradd', ['--system', '--user-group', '--home-dir', home, '--no-create-home', '--shell', '/usr/sbin/nologin', '--', user])
}

/** The data dir belongs to the agent's user, including records root wrote with `lambda agent keys`. */
export async function chownTree(path: string, user: string, group: string): Promise<void> {
  await run('chown', ['-R', `${user}:${group}`, '--', path])
}

/** The account install created, with its group; its files (the data dir) stay, owned by a bare uid. */
export async function deleteSystemUser(user: string): Promise<void> {
  await run('userdel', ['--', user])
}
