import { chmod, readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'

/**
 * Gives an unpacked upload the modes its entries were unpacked with: folders 0755, files 0644, or 0755
 * when executable. tar creates them through open() and mkdir(), which apply the agent's umask (0077 under
 * the systemd unit), and the image the upload goes into runs the function as a user that owns none of them.
 * Symbolic links are neither followed nor changed (a link has no mode of its own on Linux).
 */
export async function makeTreeReadable(dir: string): Promise<void> {
  await chmod(dir, 0o755)
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) await makeTreeReadable(path)
    else if (entry.isFile()) await chmod(path, ((await stat(path)).mode & 0o111) !== 0 ? 0o755 : 0o644)
  }
}
