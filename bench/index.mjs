// Runs every benchmark; each prints its targets next to what it measured.
const which = process.argv[2]
const suites = {
  'data-plane': () => import('./data-plane.mjs').then(m => m.benchDataPlane()),
  'dev': () => import('./dev.mjs').then(m => m.benchDev()),
  'agent': () => import('./agent.mjs').then(m => m.benchAgent()),
  'paused': () => import('./paused.mjs').then(m => m.benchPaused()),
  'burst': () => import('./burst.mjs').then(m => m.benchBurst()),
  'overload': () => import('./overload.mjs').then(m => m.benchOverload()),
  'memory': () => import('./memory.mjs').then(m => m.benchMemory()),
  'versions': () => import('./versions.mjs').then(m => m.benchVersions()),
  'schedules': () => import('./schedules.mjs').then(m => m.benchSchedules()),
  'async': () => import('./async.mjs').then(m => m.benchAsync()),
  'logs': () => import('./logs.mjs').then(m => m.benchLogs()),
  'metrics': () => import('./metrics-cost.mjs').then(m => m.benchMetricsCost()),
}
for (const [name, run] of Object.entries(suites)) {
  if (which && which !== name) continue
  await run()
}
