import { execFileSync } from 'node:child_process'

/** Whether a Docker engine answers here (the docker provider's benches need one). */
export function dockerAnswers() {
  try {
    execFileSync('docker', ['info', '--format', '{{.ServerVersion}}'], { stdio: 'pipe', timeout: 10_000 })
    return true
  }
  catch {
    return false
  }
}

/** For a side-by-side bench that runs one agent: BENCH_PROVIDER, else docker when it answers. */
export function chosenProvider() {
  return process.env.BENCH_PROVIDER ?? (dockerAnswers() ? 'docker' : 'process')
}

/**
 * For a bench that runs on each provider: BENCH_PROVIDER alone, else process and (when it answers)
 * docker, one after the other; each one's results are reported as soon as they are in.
 */
export async function onEachProvider(run, report) {
  const providers = process.env.BENCH_PROVIDER ? [process.env.BENCH_PROVIDER] : ['process', ...(dockerAnswers() ? ['docker'] : [])]
  const all = []
  for (const provider of providers) {
    const results = await run(provider)
    report(results)
    all.push(results)
  }
  return all
}
