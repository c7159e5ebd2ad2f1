/**
 * `NO_COLOR` (any non-empty value, as no-color.org says) and `FORCE_COLOR=0` both turn colour off.
 * consola and citty read these once, as they load, and consola takes any FORCE_COLOR, even 0, as
 * "force": so the CLI settles them before it loads anything else.
 */
export function settleColorEnv(env: NodeJS.ProcessEnv = process.env): void {
  if (env.NO_COLOR === '') delete env.NO_COLOR
  const force = env.FORCE_COLOR?.toLowerCase()
  if (force === '0' || force === 'false' || env.NO_COLOR) {
    delete env.FORCE_COLOR
    env.NO_COLOR = '1'
  }
}
