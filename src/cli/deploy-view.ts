import type { DeployEvent, DeployPhase, FunctionDeployOutcome } from '../deploy/deploy-project'
import type { Progress } from './output/progress'
import { colors } from 'consola/utils'
import { duration, size } from './output/progress'

const RUNNING: Record<DeployPhase, string> = { build: 'bundling', upload: 'uploading', agent: 'image build + warm-up on the agent' }
const STATUS_LABEL: Record<FunctionDeployOutcome['status'], (text: string) => string> = {
  'built': colors.green,
  'unchanged': colors.dim,
  'failed': colors.red,
  'would-build': colors.yellow,
}

/** What a finished step took, for the live line and the result line: "build 120ms · upload 12.0 kB 30ms". */
function phaseParts(outcome: Pick<FunctionDeployOutcome, 'phases' | 'uploadBytes'>): string[] {
  const { buildMs, uploadMs, agentMs } = outcome.phases
  return [
    ...(buildMs === undefined ? [] : [`build ${duration(buildMs)}`]),
    ...(uploadMs === undefined ? [] : [`upload ${outcome.uploadBytes === undefined ? '' : `${size(outcome.uploadBytes)} `}${duration(uploadMs)}`]),
    ...(agentMs === undefined ? [] : [`image+warm ${duration(agentMs)}`]),
  ]
}

/**
 * Shows a deploy as it goes: per function, a live line with its phases and timings on a terminal,
 * a plain line per finished phase elsewhere, and one result line each.
 */
export function createDeployView(progress: Progress, names: string[]) {
  const width = Math.max(12, ...names.map(n => n.length))
  const running = new Map<string, { phase: DeployPhase, since: number, done: FunctionDeployOutcome['phases'], bytes?: number }>()
  const liveText = (name: string) => () => {
    const state = running.get(name)!
    const parts = phaseParts({ phases: state.done, uploadBytes: state.bytes })
    return `${name.padEnd(width)}  ${[...parts, `${RUNNING[state.phase]}… ${duration(performance.now() - state.since)}`].join(colors.dim(' · '))}`
  }
  return {
    onEvent(event: DeployEvent) {
      const state = running.get(event.name) ?? { phase: event.phase, since: performance.now(), done: {} }
      running.set(event.name, state)
      if (event.type === 'start') {
        state.phase = event.phase
        state.since = performance.now()
        progress.status(event.name, liveText(event.name))
        if (event.phase === 'agent') progress.step(`${event.name}: the agent builds the image and warms it up`)
        return
      }
      state.done[`${event.phase}Ms`] = event.ms
      if (event.bytes !== undefined) state.bytes = event.bytes
      progress.step({
        build: `${event.name}: bundled in ${duration(event.ms)}`,
        upload: `${event.name}: uploaded ${size(event.bytes ?? 0)} in ${duration(event.ms)}`,
        agent: `${event.name}: image built and warm in ${duration(event.ms)}`,
      }[event.phase])
    },
    onOutcome(outcome: FunctionDeployOutcome) {
      running.delete(outcome.name)
      progress.end(outcome.name)
      const label = STATUS_LABEL[outcome.status](outcome.status.replace('-', ' ').padEnd(11))
      const version = (outcome.version ? `v${outcome.version}` : '-').padEnd(6)
      const detail = outcome.status === 'would-build'
        ? outcome.version ? `new version${outcome.wouldRemove?.length ? `; would remove ${outcome.wouldRemove.map(v => `v${v}`).join(', ')} (deploy.keepVersions)` : ''}` : 'new function'
        : outcome.url ?? ''
      const timings = phaseParts(outcome)
      progress.print(`${outcome.name.padEnd(width)}  ${label} ${version} ${detail}  ${colors.dim(`${duration(outcome.durationMs)}${timings.length > 1 ? ` (${timings.join(' · ')})` : ''}`)}`.trimEnd())
      if (outcome.error) {
        progress.print(colors.red(`  ${outcome.error.message.split('\n').join('\n  ')}`))
        if (outcome.error.hint) progress.print(colors.dim(`  ${outcome.error.hint}`))
      }
    },
  }
}
