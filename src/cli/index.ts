import { settleColorEnv } from './output/color-env'

// Before anything else loads: consola and citty decide about colour once, when they load.
settleColorEnv()
const { runCli } = await import('./run-cli')
const { main } = await import('./main')
await runCli(main)
