import { readFile } from 'node:fs/promises'

/** Where Docker puts a container's memory cgroup, by cgroup version and driver (systemd, cgroupfs). */
const LAYOUTS = [
  { dir: (id: string) => `/sys/fs/cgroup/system.slice/docker-${id}.scope`, usage: 'memory.current', inactive: 'inactive_file' },
  { dir: (id: string) => `/sys/fs/cgroup/docker/${id}`, usage: 'memory.current', inactive: 'inactive_file' },
  { dir: (id: string) => `/sys/fs/cgroup/memory/system.slice/docker-${id}.scope`, usage: 'memory.usage_in_bytes', inactive: 'total_inactive_file' },
  { dir: (id: string) => `/sys/fs/cgroup/memory/docker/${id}`, usage: 'memory.usage_in_bytes', inactive: 'total_inactive_file' },
]

/** The layout found on this host, once one answered. */
let found: typeof LAYOUTS[number] | undefined

/**
 * A container's memory as `docker stats` counts it (usage less the inactive page cache), read from the
 * host's cgroup files: microseconds, where the stats API takes up to a second. The path is made only of
 * the id Docker gave (checked to be one) under /sys/fs/cgroup, which no container can write. Undefined
 * when this host keeps its cgroups elsewhere (the agent in a container, another driver): ask the API then.
 */
export async function cgroupMemoryBytes(containerId: string): Promise<number | undefined> {
  if (!/^[0-9a-f]{64}$/.test(containerId)) return undefined
  for (const layout of found ? [found] : LAYOUTS) {
    try {
      const dir = layout.dir(containerId)
      const [usage, stat] = await Promise.all([readFile(`${dir}/${layout.usage}`, 'utf8'), readFile(`${dir}/memory.stat`, 'utf8')])
      const inactive = new RegExp(`^${layout.inactive} (\\d+)$`, 'm').exec(stat)?.[1]
      found = layout
      return Math.max(0, Number(usage.trim()) - Number(inactive ?? 0))
    }
    catch {}
  }
  return undefined
}
