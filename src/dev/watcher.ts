import { resolve } from 'node:path'

export interface ProjectWatcher {
  close(): Promise<void>
}

/** Folders whose changes never affect a function. */
const IGNORED = ['node_modules', '.git', '.lambda', 'dist', 'coverage']

/**
 * Watches the project with @parcel/watcher (native inotify/FSEvents, batched events) and
 * reports changed absolute paths.
 */
export async function watchProject(rootDir: string, onChange: (paths: string[]) => void): Promise<ProjectWatcher> {
  const watcher = await import('@parcel/watcher')
  const subscription = await watcher.subscribe(rootDir, (error, events) => {
    if (error) return
    const paths = [...new Set(events.map(event => resolve(event.path)))]
    if (paths.length > 0) onChange(paths)
  }, { ignore: IGNORED })
  return { close: () => subscription.unsubscribe() }
}
