import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Tests start real servers, processes and containers; two at a time suits a 2-core machine.
    maxWorkers: 2,
    // `npm test` runs test/vm/ on its own, after the rest: while a systemd "VM" container holds the host's
    // cgroup tree (cgroup v1 here), containers created alongside it get no stats from Docker ("cannot find
    // cgroup mount destination"), which the memory and pause suites read.
    globalSetup: ['test/helpers/global-setup.ts'],
    // `npm test` reports it. It counts the code the tests run in their own process (the unit tests and
    // the helpers they import); what runs in the spawned CLI, agent and runtime processes is not counted.
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      reporter: ['text-summary', 'json-summary'],
      reportsDirectory: 'coverage',
    },
  },
  resolve: {
    alias: { 'mini-lambda': new URL('./src/index.ts', import.meta.url).pathname },
  },
})
